//! The tunnel task end to end, offline: a real bore relay on loopback, a tiny axum app standing
//! in for the hooks listener, and requests sent to the public address.
//!
//! How the relay runs: `bore_cli::server::Server` 0.6 always listens on control port 7835 (only
//! the address is configurable), so
//! - every test that starts one holds [`RELAY_LOCK`], a process-wide mutex: they run one at a
//!   time while the other tests run in parallel;
//! - on Linux, where all of 127.0.0.0/8 is loopback, the relay binds an address derived from
//!   the process id ([`relay_ip`]), so that test runs of several worktrees on one machine do not
//!   fight over 127.0.0.1:7835; elsewhere it binds 127.0.0.1;
//! - each relay runs on its own thread in its own current-thread runtime. The server spawns a
//!   detached task per control connection, so aborting its `listen` future would leave the
//!   sessions up; dropping its runtime ends them all, which is what a relay going down looks
//!   like to the client.
//!
//! No test sleeps: each waits on the status watch channel, under a timeout, for the state it
//! expects, and the tasks use a backoff of milliseconds.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use bore_cli::server::Server;
use bore_cli::shared::CONTROL_PORT;
use tokio::sync::{oneshot, watch};

use super::*;

/// Serializes the tests that need the relay's fixed control port.
static RELAY_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long any expected state may take to show up.
const WAIT: Duration = Duration::from_secs(20);

const RELAY_SECRET: &str = "relay-secret-5c0ffee-4e9a";
const WRONG_SECRET: &str = "wrong-secret-DISTINCTIVE-91b2";

/// The loopback address the relays of this process use (see the module documentation).
fn relay_ip() -> Ipv4Addr {
    if cfg!(target_os = "linux") {
        let [.., high, low] = std::process::id().to_be_bytes();
        Ipv4Addr::new(127, 77, high, low.max(1))
    } else {
        Ipv4Addr::LOCALHOST
    }
}

fn fast() -> TunnelOptions {
    TunnelOptions {
        backoff: Backoff {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(200),
        },
        ..TunnelOptions::default()
    }
}

/// A bore relay on [`relay_ip`]:7835; dropping it takes it down.
struct Relay {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    fn start(secret: Option<&str>) -> Self {
        // Fail with a reason rather than time out if another program holds the port.
        let ip = relay_ip();
        let probe = std::net::TcpListener::bind((ip, CONTROL_PORT));
        if let Err(e) = probe {
            panic!("these tests run a bore relay on {ip}:{CONTROL_PORT}, which is taken: {e}");
        }
        drop(probe);
        let secret = secret.map(str::to_owned);
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("relay runtime");
            runtime.block_on(async move {
                let mut server = Server::new(1024..=65535, secret.as_deref());
                // In bore-cli 0.6 `set_bind_addr` sets the control listener's address and
                // `set_bind_tunnels` the public ports' (their doc comments are swapped).
                server.set_bind_addr(ip.into());
                server.set_bind_tunnels(ip.into());
                tokio::select! {
                    result = server.listen() => {
                        if let Err(e) = result {
                            panic!("the bore relay failed: {e:#}");
                        }
                    }
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here drops every connection task of the relay.
        });
        Self {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The stand-in for the hooks listener: `POST /webhooks/echo` answers with what it received.
struct LocalApp {
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl LocalApp {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/webhooks/echo",
            post(|body: String| async move { format!("hooks listener got: {body}") }),
        );
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, server }
    }
}

impl Drop for LocalApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// POSTs to `{base}/webhooks/echo` on a fresh connection and returns the body.
async fn post_echo(base: &str, body: &str) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let response = client
        .post(format!("{base}/webhooks/echo"))
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("status {}", response.status()));
    }
    response.text().await.map_err(|e| e.to_string())
}

/// Waits until the status satisfies `ok`, or fails the test saying what it was waiting for.
async fn wait_for(
    status: &mut watch::Receiver<TunnelStatus>,
    what: &str,
    ok: impl FnMut(&TunnelStatus) -> bool,
) -> TunnelStatus {
    let result = tokio::time::timeout(WAIT, status.wait_for(ok))
        .await
        .map(|r| r.map(|s| s.clone()));
    match result {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => panic!("the tunnel task ended while waiting for {what}"),
        Err(_) => panic!(
            "timed out waiting for {what}; the status is {:?}",
            *status.borrow()
        ),
    }
}

fn online(s: &TunnelStatus) -> bool {
    s.state == TunnelState::Online
}

fn bore(secret: Option<&str>, remote_port: Option<u16>) -> TunnelConfig {
    TunnelConfig::Bore {
        server: relay_ip().to_string(),
        port: CONTROL_PORT,
        secret: secret.map(|s| SecretString::new(s.to_owned())),
        remote_port,
        public_url: None,
    }
}

/// `stop()` must finish well within its own timeout, i.e. without having to abort the task:
/// the task closes the session and ends by itself.
async fn stop_promptly(handle: TunnelHandle) {
    tokio::time::timeout(STOP_TIMEOUT / 2, handle.stop())
        .await
        .expect("stop() should return well before its timeout");
}

#[tokio::test]
async fn bore_tunnel_comes_online_and_forwards_to_the_local_app() {
    let _serial = RELAY_LOCK.lock().await;
    let _relay = Relay::start(None);
    let app = LocalApp::start().await;

    let handle = TunnelTask::spawn_with(bore(None, None), app.addr, fast());
    let mut status = handle.status();
    let up = wait_for(&mut status, "online", online).await;
    assert_eq!(up.provider, Provider::Bore);
    assert!(up.connected_since.is_some());
    let url = up.public_url.expect("an online tunnel has a public URL");
    assert!(
        url.starts_with(&format!("http://{}:", relay_ip())) && !url.ends_with('/'),
        "{url}"
    );

    // The public address reaches the local app and brings its answer back.
    let answer = post_echo(&url, "hello through bore").await.unwrap();
    assert_eq!(answer, "hooks listener got: hello through bore");

    // The status serializes as the admin API contract says.
    let json = serde_json::to_value(&*status.borrow()).unwrap();
    assert_eq!(json["provider"], "bore");
    assert_eq!(json["state"], "online");
    assert!(json["connected_since"].as_str().unwrap().contains('T'));

    stop_promptly(handle).await;
}

#[tokio::test]
async fn bore_secret_must_match_and_never_shows() {
    let _serial = RELAY_LOCK.lock().await;
    let _relay = Relay::start(Some(RELAY_SECRET));
    let app = LocalApp::start().await;

    // The right secret: online, and the path works.
    let handle = TunnelTask::spawn_with(bore(Some(RELAY_SECRET), None), app.addr, fast());
    let mut status = handle.status();
    let up = wait_for(&mut status, "online with the right secret", online).await;
    let answer = post_echo(up.public_url.as_deref().unwrap(), "signed")
        .await
        .unwrap();
    assert_eq!(answer, "hooks listener got: signed");

    // A wrong secret: not online, and the status says why.
    let wrong = bore(Some(WRONG_SECRET), None);
    handle.reconfigure(wrong.clone());
    let failed = wait_for(&mut status, "an error for the wrong secret", |s| {
        s.state == TunnelState::Error
    })
    .await;
    let why = failed.last_error.clone().unwrap();
    assert!(why.contains("rejected the secret"), "{why}");
    assert_eq!(failed.public_url, None);
    // The secret must not reach the status, its JSON, or any Debug output.
    for shown in [
        why.clone(),
        serde_json::to_string(&failed).unwrap(),
        format!("{failed:?}"),
        format!("{handle:?}"),
        format!("{wrong:?}"),
        serde_json::to_string(&wrong.view()).unwrap(),
    ] {
        assert!(!shown.contains(WRONG_SECRET), "the secret leaked: {shown}");
        assert!(!shown.contains(RELAY_SECRET), "the secret leaked: {shown}");
    }

    // No secret at all against a relay that wants one.
    handle.reconfigure(bore(None, None));
    let failed = wait_for(&mut status, "an error for the missing secret", |s| {
        s.state == TunnelState::Error
            && s.last_error
                .as_deref()
                .is_some_and(|e| e.contains("requires a secret"))
    })
    .await;
    assert_eq!(failed.provider, Provider::Bore);

    stop_promptly(handle).await;
}

#[tokio::test]
async fn bore_tunnel_reconnects_when_the_relay_comes_back() {
    let _serial = RELAY_LOCK.lock().await;
    let app = LocalApp::start().await;
    // A fixed public port, so the URL survives the restart (as behind a TLS proxy).
    let remote_port = {
        let probe = std::net::TcpListener::bind((relay_ip(), 0)).unwrap();
        probe.local_addr().unwrap().port()
    };
    let relay = Relay::start(None);
    let handle = TunnelTask::spawn_with(bore(None, Some(remote_port)), app.addr, fast());
    let mut status = handle.status();
    let up = wait_for(&mut status, "online", online).await;
    let url = up.public_url.unwrap();
    assert_eq!(url, format!("http://{}:{remote_port}", relay_ip()));
    assert_eq!(
        post_echo(&url, "before").await.unwrap(),
        "hooks listener got: before"
    );

    // The relay goes down: the session is lost, the task says so and keeps trying.
    drop(relay);
    let down = wait_for(&mut status, "connecting after the relay went down", |s| {
        s.state == TunnelState::Connecting && s.last_error.is_some()
    })
    .await;
    assert_eq!(down.public_url, None);
    assert_eq!(down.connected_since, None);

    // It comes back: online again on the same URL, and the path works.
    let _relay = Relay::start(None);
    let again = wait_for(&mut status, "online after the relay came back", online).await;
    assert_eq!(again.public_url.as_deref(), Some(url.as_str()));
    assert!(
        again.last_error.is_some(),
        "the last failure is kept for the admin"
    );
    assert_eq!(
        post_echo(&url, "after").await.unwrap(),
        "hooks listener got: after"
    );

    stop_promptly(handle).await;
}

#[tokio::test]
async fn stop_returns_promptly_while_the_relay_is_unreachable() {
    // No relay on this port: the task is in its connect/backoff loop when stopped.
    let closed = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = TunnelConfig::Bore {
        server: "127.0.0.1".to_owned(),
        port,
        secret: Some(SecretString::new(WRONG_SECRET.to_owned())),
        remote_port: None,
        public_url: None,
    };
    let handle = TunnelTask::spawn_with(config, ([127, 0, 0, 1], 9).into(), fast());
    let mut status = handle.status();
    let s = wait_for(&mut status, "a connect failure", |s| s.last_error.is_some()).await;
    assert_eq!(
        s.state,
        TunnelState::Connecting,
        "unreachable is not a settings error"
    );
    let why = s.last_error.unwrap();
    assert!(why.contains(&format!("127.0.0.1:{port}")), "{why}");
    assert!(!why.contains(WRONG_SECRET), "{why}");
    stop_promptly(handle).await;
}

#[tokio::test]
async fn ngrok_connect_failures_retry_and_never_show_the_authtoken() {
    const TOKEN: &str = "2abcNGROK-authtoken-DISTINCTIVE-7f3e";
    // A loopback "ngrok ingress" that accepts and hangs up: the TLS handshake fails each time.
    let ingress = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let options = TunnelOptions {
        ngrok_server_addr: Some(ingress.local_addr().unwrap().to_string()),
        ..fast()
    };
    let config = TunnelConfig::Ngrok {
        authtoken: SecretString::new(TOKEN.to_owned()),
        domain: Some("signs.ngrok.app".to_owned()),
    };
    let handle = TunnelTask::spawn_with(config, ([127, 0, 0, 1], 9).into(), options);
    let mut status = handle.status();
    // Two attempts reach the ingress: the task keeps retrying after a failed connect.
    for attempt in 1..=2 {
        let (conn, _) = tokio::time::timeout(WAIT, ingress.accept())
            .await
            .unwrap_or_else(|_| panic!("connect attempt {attempt} never came"))
            .unwrap();
        drop(conn);
    }
    let s = wait_for(&mut status, "a connect failure", |s| s.last_error.is_some()).await;
    assert_eq!(s.provider, Provider::Ngrok);
    assert_eq!(
        s.state,
        TunnelState::Connecting,
        "a network failure is retried"
    );
    let why = s.last_error.clone().unwrap();
    assert!(why.starts_with("cannot reach ngrok"), "{why}");
    for shown in [why, format!("{s:?}"), format!("{handle:?}")] {
        assert!(!shown.contains(TOKEN), "the authtoken leaked: {shown}");
    }
    stop_promptly(handle).await;
}

#[tokio::test]
async fn manual_is_online_at_once_and_off_is_off() {
    let local: SocketAddr = ([127, 0, 0, 1], 9).into();
    let handle = TunnelTask::spawn_with(
        TunnelConfig::Manual {
            public_url: "https://hooks.example.com/millrace/".to_owned(),
        },
        local,
        fast(),
    );
    let mut status = handle.status();
    let up = wait_for(&mut status, "manual online", online).await;
    assert_eq!(
        up.public_url.as_deref(),
        Some("https://hooks.example.com/millrace")
    );
    assert_eq!(up.last_error, None);

    handle.reconfigure(TunnelConfig::Off);
    let off = wait_for(&mut status, "off", |s| s.state == TunnelState::Off).await;
    assert_eq!(off, TunnelStatus::initial(Provider::Off));

    // Invalid settings are an error at once and are not tried.
    handle.reconfigure(TunnelConfig::Manual {
        public_url: "hooks.example.com".to_owned(),
    });
    let bad = wait_for(&mut status, "invalid settings", |s| {
        s.state == TunnelState::Error
    })
    .await;
    let why = bad.last_error.unwrap();
    assert!(
        why.starts_with("invalid tunnel settings: public_url"),
        "{why}"
    );

    stop_promptly(handle).await;
}
