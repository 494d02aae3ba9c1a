//! The player side (DESIGN §5): versioned data with 304s, long polls, the SSE stream, CORS, the
//! player token, the registry, player.js and /display.

use std::time::Duration;

use futures_util::StreamExt as _;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{eventually, fixture, TestHub, Upstream};

/// A hub pulling an RSS feed, with one widget; returns the widget id.
async fn hub_with_feed() -> (TestHub, Upstream, i64, String) {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    let hub = TestHub::spawn_pulling().await;
    let i = hub
        .post_ok("/admin/api/integrations", json!({"template": "rss"}), 201)
        .await;
    let iid = i["id"].as_i64().unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Lobby", "options": {"feed_url": feed.url("/feed.xml")}}),
            201,
        )
        .await;
    let wc = wc["id"].as_str().unwrap().to_owned();
    hub.wait_data(&wc, "first data", |d| d["status"] == "ok")
        .await;
    (hub, feed, iid, wc)
}

async fn change_feed(hub: &TestHub, feed: &Upstream, wc: &str, body: &str) {
    feed.set(|s| s.body = fixture(body));
    let res = hub
        .admin_send(
            Method::POST,
            &format!("/admin/api/widget-configs/{wc}/refresh"),
            None,
        )
        .await;
    assert_eq!(res.status(), 202);
}

#[tokio::test]
async fn versioned_reads_answer_304_with_etag_and_no_body() {
    let (hub, _feed, _, wc) = hub_with_feed().await;
    let url = hub.player_url(&format!("/api/widget-configs/{wc}/data"));
    let res = hub.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    let version = body["version"].as_i64().unwrap();
    assert_eq!(etag, format!("\"{version}\""));
    for key in ["version", "data", "fetched_at", "status", "stale", "error"] {
        assert!(body.get(key).is_some(), "{key} missing: {body}");
    }

    let res = hub
        .client
        .get(format!("{url}?version={version}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert!(res.bytes().await.unwrap().is_empty(), "a 304 has no body");

    let res = hub
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304, "If-None-Match works like version");
    let res = hub
        .client
        .get(format!("{url}?version={}", version - 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "an older version gets the data");
    hub.stop().await;
}

#[tokio::test]
async fn malformed_requests_unknown_and_inactive_widgets_are_refused_clearly() {
    let (hub, _feed, iid, wc) = hub_with_feed().await;
    let base = hub.player_url(&format!("/api/widget-configs/{wc}/data"));
    for (query, code) in [
        ("?version=abc", "bad_version"),
        ("?version=-3", "bad_version"),
        ("?version=1.5", "bad_version"),
        ("?wait=61", "bad_wait"),
        ("?wait=soon", "bad_wait"),
    ] {
        let res = hub
            .client
            .get(format!("{base}{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{query}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{query}");
    }
    let res = hub
        .client
        .get(hub.player_url("/api/widget-configs/00000000-0000-4000-8000-000000000000/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Disabling the integration makes its widgets 404 (indistinguishable from unknown).
    let mut def = hub
        .get_ok(&format!("/admin/api/integrations/{iid}"), 200)
        .await;
    let def_obj = def.as_object_mut().unwrap();
    for k in [
        "id",
        "created_at",
        "updated_at",
        "credentials",
        "widget_config_count",
    ] {
        def_obj.remove(k);
    }
    def["is_active"] = json!(false);
    hub.put_ok(&format!("/admin/api/integrations/{iid}"), def, 200)
        .await;
    let res = hub.client.get(&base).send().await.unwrap();
    assert_eq!(res.status(), 404);
    // Players cannot write.
    let res = hub.client.post(&base).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 405);
    hub.stop().await;
}

#[tokio::test]
async fn a_widget_never_fetched_says_pending() {
    let hub = TestHub::spawn().await; // paused scheduler: nothing is fetched
    let i = hub
        .post_ok("/admin/api/integrations", json!({"template": "rss"}), 201)
        .await;
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": i["id"], "name": "x", "options": {"feed_url": "http://127.0.0.1:9/f"}}),
            201,
        )
        .await;
    let d = hub.player_data(wc["id"].as_str().unwrap()).await;
    assert_eq!(d["status"], "pending");
    assert!(d["data"].is_null());
    assert_eq!(d["stale"], false);
    assert!(d["version"].as_i64().unwrap() > 0);
    hub.stop().await;
}

#[tokio::test]
async fn max_items_shapes_each_widget_without_forking_the_cache() {
    let (hub, feed, iid, wc_all) = hub_with_feed().await;
    let wc2 = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Two", "options": {"feed_url": feed.url("/feed.xml"), "max_items": 2}}),
            201,
        )
        .await;
    let wc2 = wc2["id"].as_str().unwrap().to_owned();
    let all = hub.player_data(&wc_all).await;
    let two = hub
        .wait_data(&wc2, "shared data", |d| d["status"] == "ok")
        .await;
    assert_eq!(two["data"]["items"].as_array().unwrap().len(), 2);
    assert!(all["data"]["items"].as_array().unwrap().len() > 2);
    let conn = rusqlite::Connection::open(hub.db_path()).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM integration_data", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "both widgets share one fetch and one cache row");

    // Changing max_items changes what this widget is served: a new version for it alone.
    let before_all = all["version"].clone();
    let before_two = two["version"].as_i64().unwrap();
    hub.put_ok(
        &format!("/admin/api/widget-configs/{wc2}"),
        json!({"integration_id": iid, "name": "Two", "options": {"feed_url": feed.url("/feed.xml"), "max_items": 1}}),
        200,
    )
    .await;
    let res = hub
        .client
        .get(hub.player_url(&format!(
            "/api/widget-configs/{wc2}/data?version={before_two}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let one: Value = res.json().await.unwrap();
    assert_eq!(one["data"]["items"].as_array().unwrap().len(), 1);
    assert!(one["version"].as_i64().unwrap() > before_two);
    assert_eq!(hub.player_data(&wc_all).await["version"], before_all);
    hub.stop().await;
}

#[tokio::test]
async fn a_long_poll_is_answered_when_the_version_changes() {
    let (hub, feed, _, wc) = hub_with_feed().await;
    let v = hub.player_data(&wc).await["version"].as_i64().unwrap();
    let url = hub.player_url(&format!(
        "/api/widget-configs/{wc}/data?version={v}&wait=30"
    ));
    let poll = tokio::spawn({
        let client = hub.client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.ok())
        }
    });
    // Make sure the poll is held before the change.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !poll.is_finished(),
        "nothing changed yet: the request is held"
    );
    change_feed(&hub, &feed, &wc, "pull/atom_tideline.xml").await;
    let (status, body) = tokio::time::timeout(Duration::from_secs(20), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    let body = body.unwrap();
    assert!(body["version"].as_i64().unwrap() > v);
    assert!(body["data"]["feed_title"]
        .as_str()
        .unwrap()
        .contains("Tideline"));

    // With nothing changing, a short wait ends in a 304.
    let v2 = body["version"].as_i64().unwrap();
    let res = hub
        .client
        .get(hub.player_url(&format!(
            "/api/widget-configs/{wc}/data?version={v2}&wait=1"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    hub.stop().await;
}

/// Reads SSE events (type, id, data) from a response until `n` non-ping events arrived.
async fn sse_events(res: reqwest::Response, n: usize) -> Vec<(String, Option<String>, String)> {
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("an event in time")
            .expect("the stream stays open")
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut kind, mut id, mut data) = ("message".to_owned(), None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    kind = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if kind == "version" {
                out.push((kind, id, data));
            }
        }
    }
    out
}

#[tokio::test]
async fn the_event_stream_multiplexes_widgets_and_resumes_from_last_event_id() {
    let (hub, feed, iid, wc_a) = hub_with_feed().await;
    let wc_b = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "B", "options": {"feed_url": feed.url("/other.xml")}}),
            201,
        )
        .await;
    let wc_b = wc_b["id"].as_str().unwrap().to_owned();
    hub.wait_data(&wc_b, "B's data", |d| d["status"] == "ok")
        .await;
    let url = hub.player_url(&format!(
        "/api/events?widget_config_id={wc_a}&widget_config_id={wc_b}"
    ));
    let res = hub.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut stream = res.bytes_stream();
    // The first bytes carry the retry hint.
    let first = String::from_utf8_lossy(&stream.next().await.unwrap().unwrap()).into_owned();
    assert!(first.contains("retry:"), "{first}");
    drop(stream);

    let res = hub.client.get(&url).send().await.unwrap();
    let initial = sse_events(res, 2).await;
    let ids: Vec<Value> = initial
        .iter()
        .map(|e| serde_json::from_str(&e.2).unwrap())
        .collect();
    let va = hub.player_data(&wc_a).await["version"].clone();
    assert!(ids
        .iter()
        .any(|e| e["widget_config_id"] == wc_a.as_str() && e["version"] == va));
    assert!(ids.iter().any(|e| e["widget_config_id"] == wc_b.as_str()));
    for e in &initial {
        assert_eq!(
            e.1.as_deref(),
            Some(
                serde_json::from_str::<Value>(&e.2).unwrap()["version"]
                    .to_string()
                    .as_str()
            ),
            "the event id is the version"
        );
    }
    let last_id: i64 = initial
        .iter()
        .map(|e| e.1.as_ref().unwrap().parse::<i64>().unwrap())
        .max()
        .unwrap();

    // A change of A reaches a live stream, for A only.
    let res = hub.client.get(&url).send().await.unwrap();
    let live = tokio::spawn(sse_events(res, 3));
    tokio::time::sleep(Duration::from_millis(200)).await;
    feed.set(|s| s.body = fixture("pull/atom_tideline.xml"));
    hub.admin_send(
        Method::POST,
        &format!("/admin/api/widget-configs/{wc_a}/refresh"),
        None,
    )
    .await;
    let events = tokio::time::timeout(Duration::from_secs(20), live)
        .await
        .unwrap()
        .unwrap();
    let change: Value = serde_json::from_str(&events[2].2).unwrap();
    assert_eq!(change["widget_config_id"], wc_a.as_str());
    assert!(change["version"].as_i64().unwrap() > va.as_i64().unwrap());

    // Resuming with the last id seen before the change sends only what changed since.
    let res = hub
        .client
        .get(&url)
        .header("last-event-id", last_id.to_string())
        .send()
        .await
        .unwrap();
    let resumed = sse_events(res, 1).await;
    let e: Value = serde_json::from_str(&resumed[0].2).unwrap();
    assert_eq!(
        e["widget_config_id"],
        wc_a.as_str(),
        "B did not change: only A is replayed"
    );

    // Unknown widgets and empty lists are refused.
    let res = hub
        .client
        .get(hub.player_url("/api/events?widget_config_id=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = hub
        .client
        .get(hub.player_url("/api/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    hub.stop().await;
}

#[tokio::test]
async fn many_streams_are_served_and_a_slow_reader_stalls_nobody() {
    let (hub, feed, _, wc) = hub_with_feed().await;
    let url = hub.player_url(&format!("/api/events?widget_config_id={wc}"));
    // A reader that never reads: its socket buffer fills up.
    let mut slow = tokio::net::TcpStream::connect(hub.addrs.player)
        .await
        .unwrap();
    use tokio::io::AsyncWriteExt as _;
    slow.write_all(
        format!("GET /api/events?widget_config_id={wc} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut streams = Vec::new();
    for _ in 0..300 {
        let res = hub.client.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        streams.push(tokio::spawn(sse_events(res, 2)));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    change_feed(&hub, &feed, &wc, "pull/atom_tideline.xml").await;
    let want = eventually(20, "the change", || async {
        let d = hub.player_data(&wc).await;
        d["data"]["feed_title"]
            .as_str()
            .is_some_and(|t| t.contains("Tideline"))
            .then_some(d["version"].clone())
    })
    .await;
    for s in streams {
        let events = tokio::time::timeout(Duration::from_secs(30), s)
            .await
            .unwrap()
            .unwrap();
        let last: Value = serde_json::from_str(&events[1].2).unwrap();
        assert_eq!(last["version"], want, "every stream got the change");
    }
    drop(slow);
    hub.stop().await;
}

#[tokio::test]
async fn get_routes_are_open_to_any_origin() {
    let (hub, _feed, _, wc) = hub_with_feed().await;
    let url = hub.player_url(&format!("/api/widget-configs/{wc}/data"));
    let res = hub
        .client
        .request(Method::OPTIONS, &url)
        .header("origin", "null")
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "x-player-id, if-none-match",
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let allowed = res.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("x-player-id") && allowed.contains("if-none-match"),
        "{allowed}"
    );
    let res = hub
        .client
        .get(&url)
        .header("origin", "http://signs.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("etag"));
    hub.stop().await;
}

#[tokio::test]
async fn a_player_token_is_required_once_set() {
    let (hub, _feed, _, wc) = hub_with_feed().await;
    let token = hub
        .post_ok(
            "/admin/api/settings/player-token",
            json!({"action": "generate"}),
            200,
        )
        .await["player_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = hub.player_url(&format!("/api/widget-configs/{wc}/data"));
    let res = hub.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("token"));
    assert_eq!(
        hub.client
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        hub.client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        hub.client
            .get(format!("{url}?token={token}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let events = hub.player_url(&format!("/api/events?widget_config_id={wc}"));
    assert_eq!(hub.client.get(&events).send().await.unwrap().status(), 401);
    let res = hub
        .client
        .get(format!("{events}&token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The widget's display URL carries it.
    let view = hub
        .get_ok(&format!("/admin/api/widget-configs/{wc}"), 200)
        .await;
    assert!(view["display_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("?token={token}")));
    let settings = hub.get_ok("/admin/api/settings", 200).await;
    assert_eq!(settings["player_token_set"], true);
    assert!(
        !settings.to_string().contains(&token),
        "the token is shown once, at generation"
    );
    // Clearing it opens the API again.
    hub.post_ok(
        "/admin/api/settings/player-token",
        json!({"action": "clear"}),
        200,
    )
    .await;
    assert_eq!(hub.client.get(&url).send().await.unwrap().status(), 200);
    hub.stop().await;
}

#[tokio::test]
async fn the_registry_lists_players_and_whether_they_hold_current_data() {
    let (hub, feed, _, wc) = hub_with_feed().await;
    let url = hub.player_url(&format!("/api/widget-configs/{wc}/data"));
    let res = hub
        .client
        .get(&url)
        .header("x-player-id", "lobby-tv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let players = hub.get_ok("/admin/api/players", 200).await;
    let lobby = players
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "lobby-tv")
        .unwrap()
        .clone();
    assert_eq!(lobby["address"], "127.0.0.1");
    assert_eq!(lobby["up_to_date"], true);
    assert_eq!(lobby["widgets"][0]["widget_config_id"], wc.as_str());

    change_feed(&hub, &feed, &wc, "pull/atom_tideline.xml").await;
    hub.wait_data(&wc, "the change", |d| {
        d["data"]["feed_title"]
            .as_str()
            .is_some_and(|t| t.contains("Tideline"))
    })
    .await;
    let players = hub.get_ok("/admin/api/players", 200).await;
    let lobby = players
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "lobby-tv")
        .unwrap()
        .clone();
    assert_eq!(
        lobby["up_to_date"], false,
        "it has not fetched the new version"
    );

    // The registry survives a restart (flushed in the background and at shutdown).
    let ks = std::sync::Arc::clone(&hub.keystore);
    let dir = hub.stop().await;
    let hub = TestHub::spawn_in(dir, ks).await;
    let players = hub.get_ok("/admin/api/players", 200).await;
    assert!(players
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "lobby-tv"));
    hub.stop().await;
}

#[tokio::test]
async fn player_js_and_display_pages_are_served() {
    let (hub, _feed, _, wc) = hub_with_feed().await;
    let res = hub
        .client
        .get(hub.player_url("/player.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    let js = res.text().await.unwrap();
    assert!(js.contains("export class IntegratedWidget"));
    let res = hub
        .client
        .get(hub.player_url(&format!("/display/{wc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("data-widget=\"{wc}\"")));
    assert!(
        html.contains("data-template=\"rss\""),
        "the RSS fetcher picks the rss template"
    );
    for asset in ["/display/assets/display.js", "/display/assets/display.css"] {
        assert_eq!(
            hub.client
                .get(hub.player_url(asset))
                .send()
                .await
                .unwrap()
                .status(),
            200,
            "{asset}"
        );
    }
    hub.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_stream_sends_a_keep_alive_comment_and_a_ping_event_when_idle() {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    // Paused time and real sockets do not mix: set the widget up through the domain layer and
    // drive the router directly.
    let hub = TestHub::spawn().await;
    let state = hub.app.as_ref().unwrap().state().clone();
    let st = state.clone();
    let wc_id = state
        .store
        .call(move |c| {
            let i = millrace::integrations::create(
                c,
                serde_json::from_value(millrace::templates::find("rss").unwrap().integration).unwrap(),
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
            let wc = millrace::widget_configs::create(
                c,
                serde_json::from_value(json!({"integration_id": i.id, "name": "x", "options": {"feed_url": "http://127.0.0.1:9/f"}})).unwrap(),
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
            st.cache.reload_widgets(c).unwrap();
            Ok(wc.id)
        })
        .await
        .unwrap();
    let router = millrace::http::player::router(state);
    let mut req = axum::http::Request::get(format!("/api/events?widget_config_id={wc_id}"))
        .body(axum::body::Body::empty())
        .unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(
        "127.0.0.1:1".parse::<std::net::SocketAddr>().unwrap(),
    ));
    let res = router.oneshot(req).await.unwrap();
    let mut body = res.into_body();
    let started = tokio::time::Instant::now();
    let mut text = String::new();
    let mut frames = 0;
    while !(text.contains("event: ping") && text.contains("keep-alive")) {
        frames += 1;
        assert!(frames < 50, "no ping: {text}");
        let frame = body.frame().await.unwrap().unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(15) && waited < Duration::from_secs(16),
        "{waited:?}"
    );
    assert!(text.starts_with("retry: 3000"), "{text}");
    assert!(text.contains("event: version"), "{text}");
    drop(body);
    hub.stop().await;
}

#[tokio::test]
async fn sign_files_need_no_token_while_data_routes_do() {
    // Per DESIGN §5 and src/http/player/display.rs: the token guards data; /player.js and the
    // /display pages carry none (the page passes its ?token= on to the data requests), so a
    // kiosk can load them before it knows the token.
    let (hub, _feed, _, wc) = hub_with_feed().await;
    hub.post_ok(
        "/admin/api/settings/player-token",
        json!({"action": "generate"}),
        200,
    )
    .await;
    for path in [
        "/player.js".to_owned(),
        format!("/display/{wc}"),
        "/display/assets/display.js".to_owned(),
        "/display/assets/display.css".to_owned(),
        "/healthz".to_owned(),
    ] {
        let res = hub.client.get(hub.player_url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path} needs no token");
    }
    for path in [
        format!("/api/widget-configs/{wc}/data"),
        format!("/api/widget-configs/{wc}/data?version=1&wait=5"),
        format!("/api/events?widget_config_id={wc}"),
    ] {
        let res = hub.client.get(hub.player_url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path} needs the token");
        let body: Value = res.json().await.unwrap();
        assert!(!body.to_string().contains("\"data\""), "{body}");
    }
    hub.stop().await;
}

#[tokio::test]
async fn streams_and_long_polls_beyond_the_cap_are_answered_503_with_retry_after() {
    let hub = TestHub::start_with(
        tempfile::tempdir().unwrap(),
        std::sync::Arc::new(millrace::crypto::keystore::MemoryStore::new()),
        true,
        millrace::app::Deps {
            max_streams: Some(2),
            ..Default::default()
        },
    )
    .await;
    let iid = hub
        .post_ok("/admin/api/integrations", json!({"template": "rss"}), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Lobby", "options": {"feed_url": "http://127.0.0.1:9/feed"}}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = || hub.app.as_ref().unwrap().state().streams.open();
    let version = hub.player_data(&wc).await["version"].as_i64().unwrap();
    let events = hub.player_url(&format!("/api/events?widget_config_id={wc}"));
    let long_poll = hub.player_url(&format!(
        "/api/widget-configs/{wc}/data?version={version}&wait=30"
    ));

    let first = hub.client.get(&events).send().await.unwrap();
    let second = hub.client.get(&events).send().await.unwrap();
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    assert_eq!(open(), 2);
    for url in [&events, &long_poll] {
        let res = hub.client.get(url).send().await.unwrap();
        assert_eq!(res.status(), 503, "{url}");
        assert_eq!(res.headers()["retry-after"], "10");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("maximum of 2"),
            "{body}"
        );
    }
    // Requests that do not stay open are served as usual.
    assert_eq!(hub.player_data(&wc).await["version"], version);
    let res = hub
        .client
        .get(hub.player_url(&format!("/api/widget-configs/{wc}/data?version={version}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    // A closed stream gives its slot back; so does a long poll when its wait ends.
    drop(first);
    eventually(20, "the closed stream's slot", || async {
        (open() == 1).then_some(())
    })
    .await;
    let res = hub
        .client
        .get(hub.player_url(&format!(
            "/api/widget-configs/{wc}/data?version={version}&wait=1"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304, "held, then unchanged");
    assert_eq!(open(), 1);
    let third = hub.client.get(&events).send().await.unwrap();
    assert_eq!(third.status(), 200);
    assert_eq!(open(), 2);
    drop((second, third));
    hub.stop().await;
}
