//! `TestHub`: the real hub on port 0 with a temporary data directory and an in-memory key store.

#![allow(dead_code)]

pub mod process;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use millrace::app::{App, Deps, RunningApp};
use millrace::config::Config;
use millrace::crypto::keystore::MemoryStore;
use millrace::crypto::KeyStore;
use millrace::http::Addrs;

/// A running hub for one test.
pub struct TestHub {
    pub app: Option<RunningApp>,
    pub dir: tempfile::TempDir,
    /// The data directory: `dir` itself, unless started with [`TestHub::spawn_in_dir`].
    pub data: PathBuf,
    pub addrs: Addrs,
    pub token: String,
    pub client: reqwest::Client,
    pub keystore: Arc<dyn KeyStore>,
}

/// A configuration with every listener on an ephemeral loopback port.
pub fn loopback_config(data_dir: &Path) -> Config {
    let mut c = Config::new(data_dir.to_owned());
    c.admin_addr = "127.0.0.1:0".parse().unwrap();
    c.player_addr = "127.0.0.1:0".parse().unwrap();
    c.player_addr_from_settings = false;
    c.hooks_addr = "127.0.0.1:0".parse().unwrap();
    c
}

impl TestHub {
    /// Starts a hub with a fresh data directory, its scheduler paused (admin API tests).
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::spawn_in(dir, Arc::new(MemoryStore::new())).await
    }

    /// Starts a hub over the data directory `path` (created if missing; the caller owns it)
    /// with `keystore`, scheduler paused.
    pub async fn spawn_in_dir(path: &Path, keystore: Arc<dyn KeyStore>) -> Self {
        let holder = tempfile::tempdir().unwrap();
        let config = loopback_config(path);
        Self::start_config(holder, config, keystore, true, Deps::default()).await
    }

    /// Starts a hub whose scheduler pulls (from loopback only).
    pub async fn spawn_pulling() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start(dir, Arc::new(MemoryStore::new()), false).await
    }

    /// Starts a hub in `dir` with `keystore` (to restart over the same data), scheduler paused.
    pub async fn spawn_in(dir: tempfile::TempDir, keystore: Arc<dyn KeyStore>) -> Self {
        Self::start(dir, keystore, true).await
    }

    /// Starts a hub; pulls only ever reach loopback addresses.
    pub async fn start(dir: tempfile::TempDir, keystore: Arc<dyn KeyStore>, paused: bool) -> Self {
        Self::start_with(dir, keystore, paused, Deps::default()).await
    }

    /// [`TestHub::start`] with more dependencies. Pulls only reach loopback, and ngrok's ingress
    /// is a closed loopback port: tests never reach the internet.
    pub async fn start_with(
        dir: tempfile::TempDir,
        keystore: Arc<dyn KeyStore>,
        paused: bool,
        deps: Deps,
    ) -> Self {
        let config = loopback_config(dir.path());
        Self::start_config(dir, config, keystore, paused, deps).await
    }

    /// [`TestHub::start_with`] with an explicit configuration; `dir` is kept alive with the hub.
    pub async fn start_config(
        dir: tempfile::TempDir,
        config: Config,
        keystore: Arc<dyn KeyStore>,
        paused: bool,
        deps: Deps,
    ) -> Self {
        capture_logs();
        let mut tunnel = deps.tunnel.clone().unwrap_or_default();
        tunnel.ngrok_server_addr = Some("127.0.0.1:9".to_owned());
        let data = config.data_dir.clone();
        let app = App::start(
            config,
            Deps {
                keystore: Some(Arc::clone(&keystore)),
                puller: Some(Arc::new(LoopbackOnly(
                    millrace::pull::PullClient::new().unwrap(),
                ))),
                scheduler: Some(millrace::scheduler::SchedulerSettings {
                    start_paused: paused,
                    startup_spread: std::time::Duration::ZERO,
                    ..Default::default()
                }),
                tunnel: Some(tunnel),
                ..deps
            },
        )
        .await
        .expect("hub starts");
        let token = app.admin_token().expose().clone();
        Self {
            addrs: app.addrs,
            app: Some(app),
            dir,
            data,
            token,
            client: client(),
            keystore,
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    pub fn db_path(&self) -> PathBuf {
        self.data.join("millrace.db")
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addrs.admin, path)
    }

    pub fn player_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addrs.player, path)
    }

    pub fn hooks_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addrs.hooks, path)
    }

    /// `GET` on the admin API with the admin token.
    pub async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.admin_url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// Stops the hub and returns its data directory, for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
        self.dir
    }
}

/// Reads a JSON error body's `error.code`.
pub async fn error_code(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Every file in a directory with its bytes, to prove a refused start-up changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

impl TestHub {
    /// A request on the admin API with the admin token and a JSON body.
    pub async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, self.admin_url(path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// `POST` JSON, expecting `expected` status; returns the body.
    pub async fn post_ok(
        &self,
        path: &str,
        body: serde_json::Value,
        expected: u16,
    ) -> serde_json::Value {
        let res = self
            .admin_send(reqwest::Method::POST, path, Some(body))
            .await;
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
        assert_eq!(status, expected, "POST {path}: {body}");
        body
    }

    /// `PUT` JSON, expecting `expected` status; returns the body.
    pub async fn put_ok(
        &self,
        path: &str,
        body: serde_json::Value,
        expected: u16,
    ) -> serde_json::Value {
        let res = self
            .admin_send(reqwest::Method::PUT, path, Some(body))
            .await;
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
        assert_eq!(status, expected, "PUT {path}: {body}");
        body
    }

    /// `GET` JSON, expecting `expected` status; returns the body.
    pub async fn get_ok(&self, path: &str, expected: u16) -> serde_json::Value {
        let res = self.admin_get(path).await;
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
        assert_eq!(status, expected, "GET {path}: {body}");
        body
    }

    /// A canonical dump of every table, to prove a rejected request changed nothing.
    pub fn dump(&self) -> String {
        dump_db(&self.db_path())
    }
}

/// Every row of every table (blobs as hex), in a stable order, through a separate read-only
/// connection (WAL lets it read while the hub runs).
pub fn dump_db(path: &Path) -> String {
    use std::fmt::Write as _;
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for t in tables {
        writeln!(out, "## {t}").unwrap();
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1, 2"))
            .unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = row.get(i).unwrap();
                match v {
                    rusqlite::types::Value::Blob(b) => write!(out, "{}|", hex::encode(b)).unwrap(),
                    other => write!(out, "{other:?}|").unwrap(),
                }
            }
            out.push('\n');
        }
    }
    out
}

/// Everything the hub logged (every level) since the test binary started, for leak checks.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs a TRACE-level subscriber that keeps every log line in memory (once per binary).
pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .init();
    });
}

/// An HTTP client for tests (installs the TLS provider the hub uses first).
pub fn client() -> reqwest::Client {
    millrace::tls::install_provider();
    reqwest::Client::new()
}

/// The real pull client, refusing anything but loopback: tests never reach the internet.
#[derive(Debug)]
pub struct LoopbackOnly(pub millrace::pull::PullClient);

impl millrace::scheduler::Puller for LoopbackOnly {
    fn pull<'a>(
        &'a self,
        request: &'a millrace::pull::PullRequest,
        validators: &'a millrace::pull::Validators,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<millrace::pull::FetchOutcome, millrace::pull::FetchError>,
    > {
        let host = url::Url::parse(&request.target())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        let loopback = host == "localhost"
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if loopback {
            self.0.pull(request, validators)
        } else {
            Box::pin(async move {
                Err(millrace::pull::FetchError::Transient {
                    message: format!("tests never reach the internet ({host})"),
                    status: None,
                    sample: None,
                })
            })
        }
    }
}

/// A third-party API on loopback serving recorded payloads, whose answer tests can change.
pub struct Upstream {
    pub addr: std::net::SocketAddr,
    state: Arc<std::sync::Mutex<UpstreamState>>,
    task: tokio::task::JoinHandle<()>,
}

/// What the upstream answers, and what it received.
#[derive(Debug, Clone)]
pub struct UpstreamState {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: String,
    pub etag: Option<String>,
    pub requests: Vec<Recorded>,
    /// Wait this long before answering.
    pub delay: std::time::Duration,
}

/// One request the upstream received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub query: std::collections::HashMap<String, String>,
    pub headers: axum::http::HeaderMap,
}

impl Upstream {
    /// Starts serving `body` with status 200.
    pub async fn start(body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        use axum::extract::{RawQuery, State};
        use axum::response::IntoResponse;
        let state = Arc::new(std::sync::Mutex::new(UpstreamState {
            status: 200,
            body: body.into(),
            content_type: content_type.to_owned(),
            etag: None,
            requests: Vec::new(),
            delay: std::time::Duration::ZERO,
        }));
        async fn handle(
            State(state): State<Arc<std::sync::Mutex<UpstreamState>>>,
            uri: axum::http::Uri,
            RawQuery(q): RawQuery,
            headers: axum::http::HeaderMap,
        ) -> axum::response::Response {
            let delay = state.lock().unwrap().delay;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let mut st = state.lock().unwrap();
            let query = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            st.requests.push(Recorded {
                path: uri.path().to_owned(),
                query,
                headers: headers.clone(),
            });
            if let (Some(etag), Some(inm)) = (&st.etag, headers.get("if-none-match")) {
                if inm.to_str().unwrap_or("") == etag {
                    return axum::http::StatusCode::NOT_MODIFIED.into_response();
                }
            }
            let mut res = (
                axum::http::StatusCode::from_u16(st.status).unwrap(),
                [("content-type", st.content_type.clone())],
                st.body.clone(),
            )
                .into_response();
            if let Some(etag) = &st.etag {
                res.headers_mut().insert("etag", etag.parse().unwrap());
            }
            res
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, state, task }
    }

    /// A URL on this upstream.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Changes the answer.
    pub fn set(&self, f: impl FnOnce(&mut UpstreamState)) {
        f(&mut self.state.lock().unwrap());
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A fixture file's bytes.
pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path),
    )
    .unwrap()
}

/// Polls `f` every 20 ms until it returns `Some`, for at most `secs` seconds (a deadline, not a
/// fixed sleep: it returns as soon as the condition holds).
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

impl TestHub {
    /// The player payload of a widget config, through the player API.
    pub async fn player_data(&self, wc: &str) -> serde_json::Value {
        let res = self
            .client
            .get(self.player_url(&format!("/api/widget-configs/{wc}/data")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// Waits until the widget config's payload satisfies `pred`.
    pub async fn wait_data(
        &self,
        wc: &str,
        what: &str,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        eventually(20, what, || async {
            let d = self.player_data(wc).await;
            pred(&d).then_some(d)
        })
        .await
    }
}

/// Serialises tests that share a machine-wide resource (e.g. the bore relay's fixed port).
pub async fn serial(_name: &str) -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

impl TestHub {
    /// A signed-webhook integration (Standard Webhooks) with a widget config and a generated
    /// secret: `(integration id, widget config id, secret)`.
    pub async fn signed_webhook(&self) -> (i64, String, String) {
        let i = self
            .post_ok(
                "/admin/api/integrations",
                serde_json::json!({"template": "signed-webhook"}),
                201,
            )
            .await;
        let iid = i["id"].as_i64().unwrap();
        let wc = self
            .post_ok(
                "/admin/api/widget-configs",
                serde_json::json!({"integration_id": iid, "name": "Board"}),
                201,
            )
            .await;
        let secret = self
            .post_ok(
                &format!("/admin/api/integrations/{iid}/webhook/secret"),
                serde_json::json!({}),
                200,
            )
            .await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(secret.starts_with("whsec_"));
        (iid, wc["id"].as_str().unwrap().to_owned(), secret)
    }
}

/// A verifier configuration for `scheme` with its defaults.
pub fn verifier(scheme: &str) -> millrace::webhook::VerifierConfig {
    serde_json::from_value(serde_json::json!({"scheme": scheme})).unwrap()
}

/// Posts `body` to `url` signed as a sender of `cfg`'s scheme would.
pub async fn post_signed_to(
    client: &reqwest::Client,
    url: &str,
    cfg: &millrace::webhook::VerifierConfig,
    secret: &str,
    body: &[u8],
    id: &str,
    at: i64,
) -> reqwest::Response {
    let mut req = client.post(url).body(body.to_vec());
    let secret = millrace::secret::SecretString::new(secret.to_owned());
    for (k, v) in millrace::webhook::sign(cfg, &secret, body, at, id) {
        req = req.header(k, v);
    }
    req.header("content-type", "application/json")
        .send()
        .await
        .unwrap()
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
