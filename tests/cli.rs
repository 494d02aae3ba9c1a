//! The headless binary as a user runs it: `millrace serve`, its login link, its errors, SIGTERM.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_millrace");

fn serve_cmd(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .env("MILLRACE_ADMIN_ADDR", "127.0.0.1:0")
        .env("MILLRACE_PLAYER_ADDR", "127.0.0.1:0")
        .env("MILLRACE_HOOKS_ADDR", "127.0.0.1:0")
        .env("DBUS_SESSION_BUS_ADDRESS", "disabled:")
        .env_remove("DISPLAY")
        .env_remove("MILLRACE_DATA_DIR")
        .env_remove("MILLRACE_KEYSTORE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs to completion and returns (exit code, stdout, stderr).
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Waits for the login line on stdout and returns it.
fn login_link(child: &mut Child) -> String {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(link) = line.strip_prefix("Open the admin UI: ") {
                let _ = tx.send(link.to_owned());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the hub prints its login link")
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("the hub did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serve_prints_a_login_link_that_works_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve_cmd(dir.path())
        .args(["--keystore", "file"])
        .spawn()
        .unwrap();
    let link = login_link(&mut child);
    let (base, token) = link
        .split_once("/#token=")
        .expect("link has a token fragment");
    assert!(base.starts_with("http://127.0.0.1:"), "{link}");
    let token_file = std::fs::read_to_string(dir.path().join("admin-token")).unwrap();
    assert_eq!(
        token,
        token_file.trim(),
        "the link carries the stored token"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = crate::common::client();
        let res = client
            .get(format!("{base}/admin/api/status"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let status: serde_json::Value = res.json().await.unwrap();
        let player = status["listeners"]["player"]["address"].as_str().unwrap();
        let hooks = status["listeners"]["hooks"]["address"].as_str().unwrap();
        for url in [
            format!("{base}/healthz"),
            format!("http://{player}/healthz"),
            format!("http://{hooks}/healthz"),
        ] {
            assert_eq!(
                client.get(&url).send().await.unwrap().status(),
                200,
                "{url}"
            );
        }
        let page = client.get(base).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("<title>Millrace</title>"), "{page}");
    });

    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(5));
    assert!(status.success(), "exit status {status:?}");
    let mut stderr = String::new();
    use std::io::Read as _;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("millrace stopped"), "{stderr}");
    assert!(
        !stderr.contains(token),
        "the admin token must not reach the log"
    );
}

#[test]
fn help_explains_every_option_and_its_environment_variable() {
    let (code, out, _) = run(Command::new(BIN).args(["serve", "--help"]));
    assert_eq!(code, 0);
    for needle in [
        "--data-dir",
        "MILLRACE_DATA_DIR",
        "--admin-addr",
        "MILLRACE_ADMIN_ADDR",
        "--player-addr",
        "MILLRACE_PLAYER_ADDR",
        "--hooks-addr",
        "MILLRACE_HOOKS_ADDR",
        "--keystore",
        "MILLRACE_KEYSTORE",
        "loopback",
    ] {
        assert!(out.contains(needle), "help lacks {needle}:\n{out}");
    }
}

#[test]
fn an_unparsable_address_exits_non_zero_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, bad, expected) in [
        ("--player-addr", "not-an-address", "'not-an-address'"),
        ("--admin-addr", "127.0.0.1:99999", "out of range"),
        ("--hooks-addr", "127.0.0.1:http", "'http'"),
    ] {
        let (code, _, err) = run(serve_cmd(dir.path()).args([flag, bad]));
        assert_ne!(code, 0);
        assert!(err.contains(flag), "{err}");
        assert!(err.contains(expected), "{err}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written for a bad command line"
    );
}

#[test]
fn an_unreachable_keyring_says_which_and_how_to_use_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(serve_cmd(dir.path()).args(["--keystore", "keyring"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Secret Service"), "{err}");
    assert!(err.contains("cannot be reached"), "{err}");
    assert!(err.contains("--keystore file"), "{err}");
    assert!(
        !dir.path().join("master.key").exists(),
        "an explicit keyring choice never falls back silently"
    );
}

#[test]
fn a_corrupt_database_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("millrace.db"),
        "not sqlite at all, really".repeat(10),
    )
    .unwrap();
    let (code, _, err) = run(serve_cmd(dir.path()).args(["--keystore", "file"]));
    assert_eq!(code, 1);
    assert!(err.contains("not a Millrace database"), "{err}");
}

#[test]
fn a_port_in_use_exits_non_zero() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(serve_cmd(dir.path())
        .args(["--keystore", "file"])
        .args(["--player-addr", &taken.local_addr().unwrap().to_string()]));
    assert_eq!(code, 1);
    assert!(
        err.contains("player listener") && err.contains("--player-addr"),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_headless_binary_links_no_gtk_or_webkit() {
    let out = Command::new("ldd").arg(BIN).output().unwrap();
    let libs = String::from_utf8_lossy(&out.stdout);
    assert!(libs.contains("libc.so"), "ldd output unexpected: {libs}");
    for forbidden in ["gtk", "webkit", "javascriptcore", "soup"] {
        assert!(
            !libs.to_lowercase().contains(forbidden),
            "the headless binary links {forbidden}:\n{libs}"
        );
    }
}

/// Started from a shell with the usual soft limit of open files (here 256), the hub raises its own
/// toward the hard limit, so the stream cap and not the OS default bounds connected signs.
#[test]
#[cfg(target_os = "linux")]
fn serve_raises_its_open_files_limit() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = serve_cmd(dir.path());
    // `sh -c 'ulimit -Sn 256; exec "$0" "$@"' millrace serve …`
    let args: Vec<std::ffi::OsString> = std::iter::once(cmd.get_program().to_owned())
        .chain(cmd.get_args().map(ToOwned::to_owned))
        .collect();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("ulimit -Sn 256 && exec \"$0\" \"$@\"")
        .args(&args)
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .env_remove("DISPLAY")
        .env_remove("MILLRACE_DATA_DIR")
        .env_remove("MILLRACE_KEYSTORE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = sh.spawn().unwrap();
    login_link(&mut child);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_owned();
    let mut numbers = line
        .split_whitespace()
        .filter(|w| *w == "unlimited" || w.parse::<u64>().is_ok())
        .map(|w| w.parse::<u64>().unwrap_or(u64::MAX));
    let (soft, hard) = (numbers.next().unwrap(), numbers.next().unwrap());
    sigterm(&child);
    let _ = child.wait();
    assert!(soft > 256, "the hub kept the shell's soft limit: {line}");
    assert_eq!(
        soft,
        hard.min(millrace::limits::OPEN_FILES),
        "soft = min(hard, {}): {line}",
        millrace::limits::OPEN_FILES
    );
}
