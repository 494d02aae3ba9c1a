//! Settings: moving the player listener live (LAN exposure), and bad addresses.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::TestHub;

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn the_player_listener_moves_at_once_and_bad_addresses_change_nothing() {
    let hub = TestHub::spawn().await;
    let old = hub.addrs.player;
    let port = free_port();
    let s = hub
        .put_ok(
            "/admin/api/settings",
            json!({"player_addr": format!("127.0.0.1:{port}")}),
            200,
        )
        .await;
    assert_eq!(s["player_addr"], format!("127.0.0.1:{port}"));
    assert_eq!(s["player_lan"], false);
    let res = hub
        .client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the new address serves");
    assert!(
        hub.client
            .get(format!("http://{old}/healthz"))
            .send()
            .await
            .is_err(),
        "the old address is closed"
    );
    let status = hub.get_ok("/admin/api/status", 200).await;
    assert_eq!(
        status["listeners"]["player"]["address"],
        format!("127.0.0.1:{port}")
    );

    // An address in use is refused with the reason; the current one keeps serving.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let before = hub.dump();
    let res = hub
        .admin_send(
            Method::PUT,
            "/admin/api/settings",
            Some(json!({"player_addr": taken.local_addr().unwrap().to_string()})),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["errors"]["player_addr"][0]
            .as_str()
            .unwrap()
            .contains("cannot listen"),
        "{body}"
    );
    assert_eq!(hub.dump(), before, "nothing stored");
    assert_eq!(
        hub.client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for (bad, what) in [
        (json!({"player_addr": "nowhere"}), "player_addr"),
        (json!({"notifications": "yes"}), "notifications"),
        (json!({"volume": 11}), "volume"),
    ] {
        let res = hub
            .admin_send(Method::PUT, "/admin/api/settings", Some(bad))
            .await;
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        assert!(body["errors"].get(what).is_some(), "{body}");
    }
    assert_eq!(hub.dump(), before);

    let s = hub
        .put_ok(
            "/admin/api/settings",
            json!({"notifications": false, "start_at_login": true}),
            200,
        )
        .await;
    assert_eq!(
        (s["notifications"].clone(), s["start_at_login"].clone()),
        (json!(false), json!(true))
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_restart_binds_the_address_chosen_in_settings_unless_one_is_given() {
    let port = free_port();
    let ks: std::sync::Arc<dyn millrace::crypto::KeyStore> =
        std::sync::Arc::new(millrace::crypto::keystore::MemoryStore::new());
    let hub = TestHub::spawn_in(tempfile::tempdir().unwrap(), std::sync::Arc::clone(&ks)).await;
    hub.put_ok(
        "/admin/api/settings",
        json!({"player_addr": format!("127.0.0.1:{port}")}),
        200,
    )
    .await;
    let dir = hub.stop().await;
    // Started without an explicit player address: the stored choice wins.
    let mut config = crate::common::loopback_config(dir.path());
    config.player_addr_from_settings = true;
    let app = millrace::app::App::start(
        config,
        millrace::app::Deps {
            keystore: Some(std::sync::Arc::clone(&ks)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(app.addrs.player.port(), port);
    app.shutdown().await;
    // An explicit address overrides it.
    let config = crate::common::loopback_config(dir.path());
    let app = millrace::app::App::start(
        config,
        millrace::app::Deps {
            keystore: Some(ks),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_ne!(app.addrs.player.port(), port);
    app.shutdown().await;
}
