//! The admin listener's guard and the split of routes between the three listeners.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use tower::ServiceExt as _;

use crate::common::{error_code, TestHub};

#[tokio::test]
async fn every_listener_answers_healthz() {
    let hub = TestHub::spawn().await;
    for url in [
        hub.admin_url("/healthz"),
        hub.player_url("/healthz"),
        hub.hooks_url("/healthz"),
    ] {
        let res = hub.client.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["ok"], true, "{url}");
    }
    hub.stop().await;
}

#[tokio::test]
async fn status_reports_version_listeners_keystore_and_data_dir() {
    let hub = TestHub::spawn().await;
    let res = hub.admin_get("/admin/api/status").await;
    assert_eq!(res.status(), 200);
    let s: serde_json::Value = res.json().await.unwrap();
    assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        s["listeners"]["admin"]["address"],
        hub.addrs.admin.to_string()
    );
    assert_eq!(
        s["listeners"]["player"]["address"],
        hub.addrs.player.to_string()
    );
    assert_eq!(
        s["listeners"]["hooks"]["address"],
        hub.addrs.hooks.to_string()
    );
    assert_eq!(s["listeners"]["admin"]["lan"], false);
    assert_eq!(s["keystore"]["kind"], "memory");
    assert_eq!(s["data_dir"], hub.data_dir().display().to_string());
    assert_eq!(s["database"], hub.db_path().display().to_string());
    hub.stop().await;
}

#[tokio::test]
async fn status_shows_the_file_permissions_warning_with_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::common::loopback_config(dir.path());
    config.keystore = millrace::keys::KeyStoreChoice::File;
    let app = millrace::app::App::start(config, Default::default())
        .await
        .unwrap();
    let res = crate::common::client()
        .get(format!("{}/admin/api/status", app.admin_url()))
        .bearer_auth(app.admin_token().expose())
        .send()
        .await
        .unwrap();
    let s: serde_json::Value = res.json().await.unwrap();
    assert_eq!(s["keystore"]["kind"], "file");
    let warning = s["keystore"]["warning"].as_str().unwrap();
    assert!(warning.contains("file permissions only"), "{warning}");
    app.shutdown().await;
}

#[tokio::test]
async fn missing_wrong_and_non_bearer_tokens_are_401() {
    let hub = TestHub::spawn().await;
    let url = hub.admin_url("/admin/api/status");
    let cases = [
        (None, "missing admin token"),
        (Some("Bearer not-the-token".to_owned()), "not valid"),
        (Some(format!("Basic {}", hub.token)), "Bearer scheme"),
        (Some(hub.token.clone()), "Bearer scheme"),
    ];
    for (auth, expected) in cases {
        let mut req = hub.client.get(&url);
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer realm=\"millrace-admin\""
        );
        let (status, code, message) = error_code(res).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{auth:?}");
        assert!(message.contains(expected), "{auth:?}: {message}");
        assert!(
            !message.contains(&hub.token),
            "the token must never be echoed"
        );
    }
    hub.stop().await;
}

#[tokio::test]
async fn foreign_host_or_origin_is_403_even_with_the_token() {
    let hub = TestHub::spawn().await;
    let url = hub.admin_url("/admin/api/status");
    for (header, value) in [
        ("host", "attacker.example"),
        ("host", "attacker.example:7420"),
        ("origin", "http://attacker.example"),
        ("origin", "null"),
    ] {
        let res = hub
            .client
            .get(&url)
            .bearer_auth(&hub.token)
            .header(header, value)
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_code(res).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "forbidden"),
            "{header}: {value}"
        );
    }
    // The UI itself is guarded too: a rebinding page must not even load it.
    let res = hub
        .client
        .get(hub.admin_url("/"))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    hub.stop().await;
}

#[tokio::test]
async fn a_non_loopback_peer_is_403() {
    // A real LAN peer cannot reach a loopback listener, so drive the router with a LAN peer
    // address the way a misconfigured proxy would present it.
    let hub = TestHub::spawn().await;
    let router = millrace::http::admin::router(hub.app.as_ref().unwrap().state().clone());
    let lan_peer: SocketAddr = "192.168.1.50:40000".parse().unwrap();
    let mut req = Request::get("/admin/api/status")
        .header("host", "127.0.0.1:7420")
        .header("authorization", format!("Bearer {}", hub.token))
        .body(Body::empty())
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(lan_peer));
    let res = router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The same request from loopback passes, so the 403 above is due to the peer alone.
    let mut req = Request::get("/admin/api/status")
        .header("host", "127.0.0.1:7420")
        .header("authorization", format!("Bearer {}", hub.token))
        .body(Body::empty())
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(
        "127.0.0.1:40000".parse::<SocketAddr>().unwrap(),
    ));
    assert_eq!(router.oneshot(req).await.unwrap().status(), StatusCode::OK);
    hub.stop().await;
}

#[tokio::test]
async fn the_ui_is_served_without_a_token_with_security_headers() {
    let hub = TestHub::spawn().await;
    for path in ["/", "/status", "/some/client/route"] {
        let res = hub.client.get(hub.admin_url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        let body = res.text().await.unwrap();
        assert!(body.contains("Millrace"), "{path}: {body}");
    }
    let res = hub.client.post(hub.admin_url("/")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    hub.stop().await;
}

#[tokio::test]
async fn unknown_admin_api_routes_are_json_404() {
    let hub = TestHub::spawn().await;
    let (status, code, message) = error_code(hub.admin_get("/admin/api/nope").await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    assert!(message.contains("/admin/api/nope"), "{message}");
    hub.stop().await;
}

#[tokio::test]
async fn player_and_hooks_listeners_do_not_serve_the_admin_api_or_ui() {
    let hub = TestHub::spawn().await;
    for base in [hub.player_url(""), hub.hooks_url("")] {
        for path in ["/admin/api/status", "/"] {
            let res = hub
                .client
                .get(format!("{base}{path}"))
                .bearer_auth(&hub.token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{base}{path}");
        }
    }
    hub.stop().await;
}
