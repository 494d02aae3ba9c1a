//! The tunnel end to end: a bore relay started on loopback inside the test; webhooks through the
//! public address reach the hub, nothing else does, and the tunnel survives the relay going away.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use millrace::crypto::keystore::MemoryStore;
use millrace::tunnel::{Backoff, TunnelOptions};
use serde_json::{json, Value};

use crate::common::{eventually, post_signed_to, unix_now, verifier, TestHub};

/// The bore relay's control port (bore-cli 0.6 cannot change it; tests pick their own loopback
/// address instead).
const CONTROL_PORT: u16 = 7835;

/// A loopback address of its own for this test binary (127/8 is all loopback on Linux).
fn relay_ip() -> Ipv4Addr {
    let [.., high, low] = std::process::id().to_be_bytes();
    Ipv4Addr::new(127, 91, high, low.max(1))
}

/// A bore relay on its own thread and runtime: dropping the runtime drops every connection, which
/// is what a relay going down looks like.
struct Relay {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    fn start(secret: &str) -> Self {
        let ip = relay_ip();
        // Wait until the port is free (a previous relay may still be closing).
        for _ in 0..200 {
            if std::net::TcpListener::bind((ip, CONTROL_PORT)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let secret = secret.to_owned();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut server = bore_cli::server::Server::new(1024..=65535, Some(&secret));
                server.set_bind_addr(ip.into());
                server.set_bind_tunnels(ip.into());
                let _ = ready_tx.send(());
                tokio::select! {
                    r = server.listen() => r.unwrap(),
                    _ = rx => {}
                }
            });
        });
        ready_rx.recv().unwrap();
        Self {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn tunnel_state(hub: &TestHub, want: &str) -> Value {
    eventually(30, &format!("the tunnel to be {want}"), || async {
        let t = hub.get_ok("/admin/api/tunnel", 200).await;
        (t["state"] == want).then_some(t)
    })
    .await
}

#[tokio::test]
async fn webhooks_arrive_through_a_bore_tunnel_and_nothing_else_does() {
    let _guard = crate::common::serial("bore-relay").await;
    let relay = Relay::start("relay-secret-31");
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start_with(
        dir,
        Arc::new(MemoryStore::new()),
        true,
        millrace::app::Deps {
            tunnel: Some(TunnelOptions {
                backoff: Backoff {
                    base: Duration::from_millis(50),
                    cap: Duration::from_millis(300),
                },
                ..TunnelOptions::default()
            }),
            ..millrace::app::Deps::default()
        },
    )
    .await;
    let (iid, wc, secret) = hub.signed_webhook().await;

    // A wrong relay secret is an error that says so and never shows the secret.
    let t = hub
        .put_ok(
            "/admin/api/tunnel",
            json!({"provider": "bore", "server": relay_ip().to_string(), "secret": "not-the-relay-secret-77"}),
            200,
        )
        .await;
    assert_eq!(t["settings"]["secret"]["set"], true);
    let failed = tunnel_state(&hub, "error").await;
    assert!(!failed.to_string().contains("not-the-relay-secret-77"));
    assert!(failed["last_error"].is_string());

    let t = hub
        .put_ok(
            "/admin/api/tunnel",
            json!({"provider": "bore", "server": relay_ip().to_string(), "secret": "relay-secret-31"}),
            200,
        )
        .await;
    assert!(
        !t.to_string().contains("relay-secret-31"),
        "secrets are write-only"
    );
    let online = tunnel_state(&hub, "online").await;
    let public = online["public_url"].as_str().unwrap().to_owned();
    assert!(
        public.starts_with(&format!("http://{}:", relay_ip())),
        "{public}"
    );
    let status = hub.get_ok("/admin/api/status", 200).await;
    assert_eq!(status["tunnel"]["state"], "online");
    // Every webhook URL the admin sees is the public one.
    let hook = hub
        .get_ok(&format!("/admin/api/integrations/{iid}/webhook"), 200)
        .await;
    assert_eq!(hook["public"], true);
    assert_eq!(
        hook["urls"]["integration"],
        format!("{public}/webhooks/integrations/{iid}")
    );

    // A correctly signed webhook sent to the public address updates the widget.
    let res = post_signed_to(
        &hub.client,
        &format!("{public}/webhooks/integrations/{iid}"),
        &verifier("standard_webhooks"),
        &secret,
        b"{\"n\":1}",
        "t1",
        unix_now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(hub.player_data(&wc).await["data"], json!({"n": 1}));

    // Nothing but webhook routes answers through the tunnel.
    for path in [
        "/".to_owned(),
        "/admin/api/status".to_owned(),
        "/admin/api/integrations".to_owned(),
        format!("/api/widget-configs/{wc}/data"),
        format!("/display/{wc}"),
        "/player.js".to_owned(),
        "/api/events".to_owned(),
    ] {
        let res = hub
            .client
            .get(format!("{public}{path}"))
            .bearer_auth(&hub.token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            404,
            "{path} must not be reachable through the tunnel"
        );
    }

    // The relay goes away: connecting; it comes back: online, and webhooks work again.
    drop(relay);
    tunnel_state(&hub, "connecting").await;
    let _relay = Relay::start("relay-secret-31");
    let back = tunnel_state(&hub, "online").await;
    let public = back["public_url"].as_str().unwrap().to_owned();
    let res = post_signed_to(
        &hub.client,
        &format!("{public}/webhooks/integrations/{iid}"),
        &verifier("standard_webhooks"),
        &secret,
        b"{\"n\":2}",
        "t2",
        unix_now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(hub.player_data(&wc).await["data"], json!({"n": 2}));

    // Switching provider while online closes the old tunnel first: the relay's public port no
    // longer reaches the hub.
    let old_public = public.clone();
    let m = hub
        .put_ok(
            "/admin/api/tunnel",
            json!({"provider": "manual", "public_url": "https://hooks.example.org"}),
            200,
        )
        .await;
    assert_eq!(m["state"], "online");
    assert_eq!(m["public_url"], "https://hooks.example.org");
    eventually(10, "the old bore tunnel to close", || async {
        let r = hub.client.get(format!("{old_public}/healthz")).send().await;
        (r.is_err() || r.is_ok_and(|r| r.status() != 200)).then_some(())
    })
    .await;

    // An unreachable relay: connecting, with a reason, and no crash.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    hub.put_ok(
        "/admin/api/tunnel",
        json!({"provider": "bore", "server": "127.0.0.1", "port": port}),
        200,
    )
    .await;
    let t = eventually(20, "a reason for the unreachable relay", || async {
        let t = hub.get_ok("/admin/api/tunnel", 200).await;
        (t["state"] == "connecting" && t["last_error"].is_string()).then_some(t)
    })
    .await;
    assert!(t["public_url"].is_null());
    assert_eq!(
        hub.get_ok("/admin/api/status", 200).await["tunnel"]["state"],
        "connecting"
    );

    // Turning the tunnel off goes back to the local URL.
    let off = hub
        .put_ok("/admin/api/tunnel", json!({"provider": "off"}), 200)
        .await;
    assert_eq!(off["provider"], "off");
    tunnel_state(&hub, "off").await;
    let hook = hub
        .get_ok(&format!("/admin/api/integrations/{iid}/webhook"), 200)
        .await;
    assert_eq!(hook["public"], false);
    hub.stop().await;
}

#[tokio::test]
async fn tunnel_settings_are_validated_and_survive_a_restart_without_showing_secrets() {
    let hub = TestHub::spawn().await;
    let before = hub.dump();
    for (bad, field) in [
        (
            json!({"provider": "manual", "public_url": "not a url"}),
            "public_url",
        ),
        (json!({"provider": "ngrok"}), "authtoken"),
        (json!({"provider": "carrier-pigeon"}), "provider"),
        (json!({"provider": "bore"}), "server"),
    ] {
        let res = hub
            .admin_send(reqwest::Method::PUT, "/admin/api/tunnel", Some(bad.clone()))
            .await;
        assert_eq!(res.status(), 422, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["errors"]
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.contains(field)),
            "{bad}: {body}"
        );
    }
    assert_eq!(hub.dump(), before, "rejected settings change nothing");
    let t = hub
        .put_ok(
            "/admin/api/tunnel",
            json!({"provider": "manual", "public_url": "https://hooks.example.org"}),
            200,
        )
        .await;
    assert_eq!(t["state"], "online");
    assert_eq!(t["public_url"], "https://hooks.example.org");
    let t = hub
        .put_ok(
            "/admin/api/tunnel",
            json!({"provider": "ngrok", "authtoken": "2abcNGROK-token-secret-value"}),
            200,
        )
        .await;
    assert_eq!(t["settings"]["authtoken"]["set"], true);
    assert!(!t.to_string().contains("2abcNGROK"));
    let ks = Arc::clone(&hub.keystore);
    let dir = hub.stop().await;
    // The authtoken is sealed in the database, never in clear.
    let db = std::fs::read(dir.path().join("millrace.db")).unwrap();
    assert!(!db.windows(9).any(|w| w == b"2abcNGROK"));
    let hub = TestHub::spawn_in(dir, ks).await;
    let t = hub.get_ok("/admin/api/tunnel", 200).await;
    assert_eq!(t["provider"], "ngrok");
    assert_eq!(t["settings"]["authtoken"]["set"], true);
    // Changing only the domain keeps the stored authtoken.
    let t = hub
        .put_ok(
            "/admin/api/tunnel",
            json!({"provider": "ngrok", "domain": "signs.ngrok.app"}),
            200,
        )
        .await;
    assert_eq!(t["settings"]["authtoken"]["set"], true);
    assert_eq!(t["settings"]["domain"], "signs.ngrok.app");
    hub.put_ok("/admin/api/tunnel", json!({"provider": "off"}), 200)
        .await;
    hub.stop().await;
}
