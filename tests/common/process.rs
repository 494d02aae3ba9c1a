//! `HubProcess`: the real headless binary (`millrace serve`) as a separate process, for tests that
//! must kill it (SIGKILL), restart it on the same data directory, or read its resource use from
//! `/proc`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The binary under test (the debug build `cargo test` made).
pub const BIN: &str = env!("CARGO_BIN_EXE_millrace");

/// A running `millrace serve`.
pub struct HubProcess {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` of the admin listener.
    pub admin: String,
    /// `http://127.0.0.1:PORT` of the player listener.
    pub player: String,
    /// `http://127.0.0.1:PORT` of the hooks listener.
    pub hooks: String,
    /// The admin token.
    pub token: String,
    /// Where its log (stderr) goes.
    pub log: PathBuf,
    /// Its data directory.
    pub data_dir: PathBuf,
    pid: u32,
}

impl HubProcess {
    /// Starts the hub on free loopback ports with the key file in `data_dir`, waits for its
    /// login link and reads the other listeners' addresses from the status. `log` receives its
    /// standard error (appended, so restarts keep one log).
    pub async fn start(data_dir: &Path, log: &Path) -> Self {
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut child = Command::new(BIN)
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--keystore", "file"])
            .args(["--admin-addr", "127.0.0.1:0"])
            .args(["--player-addr", "127.0.0.1:0"])
            .args(["--hooks-addr", "127.0.0.1:0"])
            .env("DBUS_SESSION_BUS_ADDRESS", "disabled:")
            .env_remove("DISPLAY")
            .env_remove("MILLRACE_DATA_DIR")
            .env_remove("MILLRACE_KEYSTORE")
            .env_remove("MILLRACE_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining stdout after the link so the hub never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(link) = line.strip_prefix("Open the admin UI: ") {
                    let _ = tx.send(link.to_owned());
                }
            }
        });
        let pid = child.id();
        let link = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
            .await
            .unwrap()
            .unwrap_or_else(|_| {
                panic!(
                    "the hub printed no login link; log:\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                )
            });
        let (admin, token) = link.split_once("/#token=").unwrap();
        let mut hub = Self {
            child: Some(child),
            admin: admin.to_owned(),
            player: String::new(),
            hooks: String::new(),
            token: token.to_owned(),
            log: log.to_owned(),
            data_dir: data_dir.to_owned(),
            pid,
        };
        let status: serde_json::Value = hub
            .admin_request(reqwest::Method::GET, "/admin/api/status", None)
            .await
            .json()
            .await
            .unwrap();
        hub.player = format!(
            "http://{}",
            status["listeners"]["player"]["address"].as_str().unwrap()
        );
        hub.hooks = format!(
            "http://{}",
            status["listeners"]["hooks"]["address"].as_str().unwrap()
        );
        hub
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// An admin API request with the token.
    pub async fn admin_request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = super::client()
            .request(method, format!("{}{path}", self.admin))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// `POST` JSON on the admin API, expecting `expected`; returns the body.
    pub async fn post_ok(
        &self,
        path: &str,
        body: serde_json::Value,
        expected: u16,
    ) -> serde_json::Value {
        let res = self
            .admin_request(reqwest::Method::POST, path, Some(body))
            .await;
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
        assert_eq!(status, expected, "POST {path}: {body}");
        body
    }

    /// A `json` pull integration whose data key is the widget option `path` (pulled from
    /// `endpoint`, which uses `{{options.path}}`, every 30 s), and `keys` widget configs on it,
    /// one per path `k0`, `k1`…: returns the widget configs.
    pub async fn json_pull_widgets(
        &self,
        name: &str,
        endpoint: &str,
        timeout_ms: u64,
        keys: usize,
        widget_name: &str,
    ) -> Vec<String> {
        let integration = self
            .post_ok(
                "/admin/api/integrations",
                serde_json::json!({
                    "widget": "json", "name": name, "integration_type": "pull",
                    "config_schema": {"path": {"type": "string", "required": true}},
                    "pull_endpoint": endpoint,
                    "pull_interval_seconds": 30,
                    "pull_config": {"fetcher": "json", "timeout": timeout_ms},
                    "data_key": "widget_option:path"
                }),
                201,
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let mut wcs = Vec::new();
        for k in 0..keys {
            wcs.push(
                self.post_ok(
                    "/admin/api/widget-configs",
                    serde_json::json!({
                        "integration_id": integration,
                        "name": format!("{widget_name} {k}"),
                        "options": {"path": format!("k{k}")}
                    }),
                    201,
                )
                .await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        wcs
    }

    /// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`…).
    pub fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/{}/status", self.pid))
    }

    /// Resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS")
    }

    /// The most resident memory the process ever had (its high-water mark), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM")
    }

    /// Open file descriptors (sockets, the database, the log…).
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid))
            .unwrap()
            .count()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    /// Kills it with SIGKILL (no chance to clean up) and waits until it is gone.
    pub fn kill9(mut self) {
        let mut child = self.child.take().unwrap();
        let ok = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -KILL {}", self.pid);
        let status = child.wait().unwrap();
        assert!(!status.success(), "SIGKILL ends it: {status:?}");
    }

    /// Stops it with SIGTERM and waits (at most 10 s) for a clean exit.
    pub fn stop(mut self) {
        let mut child = self.child.take().unwrap();
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "clean exit after SIGTERM: {status:?}");
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the hub did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
