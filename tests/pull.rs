//! The pull engine end to end: the real hub pulls third-party APIs served on loopback from
//! recorded payloads, caches with versions, and never blanks a sign on failure.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{eventually, fixture, TestHub, Upstream};

async fn rss_widget(hub: &TestHub, feed_url: &str, max_items: Option<u64>) -> (i64, String) {
    let existing = hub.get_ok("/admin/api/integrations", 200).await;
    let iid = match existing
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["widget"] == "rss")
    {
        Some(i) => i["id"].as_i64().unwrap(),
        None => hub
            .post_ok("/admin/api/integrations", json!({"template": "rss"}), 201)
            .await["id"]
            .as_i64()
            .unwrap(),
    };
    let mut options = json!({"feed_url": feed_url});
    if let Some(m) = max_items {
        options["max_items"] = json!(m);
    }
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Lobby", "options": options}),
            201,
        )
        .await;
    (iid, wc["id"].as_str().unwrap().to_owned())
}

async fn refresh(hub: &TestHub, wc: &str) {
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
async fn a_new_rss_widget_is_pulled_at_once_and_served_with_a_version() {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    let hub = TestHub::spawn_pulling().await;
    let (_, wc) = rss_widget(&hub, &feed.url("/feed.xml"), Some(3)).await;
    let d = hub
        .wait_data(&wc, "the first pull", |d| d["status"] == "ok")
        .await;
    assert_eq!(d["stale"], false);
    assert!(d["error"].is_null());
    assert!(d["fetched_at"].is_string());
    assert!(
        d["data"]["feed_title"]
            .as_str()
            .unwrap()
            .contains("Harbourside"),
        "{d}"
    );
    let items = d["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "max_items trims what this widget is served");
    for item in items {
        assert!(item["title"].is_string() && item["link"].as_str().unwrap().starts_with("http"));
    }
    let req = &feed.requests()[0];
    assert!(req.headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("Millrace/"));
    assert!(req.headers["accept"]
        .to_str()
        .unwrap()
        .contains("application/rss+xml"));
    hub.stop().await;
}

#[tokio::test]
async fn identical_content_keeps_the_version_and_changed_content_bumps_it() {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    let hub = TestHub::spawn_pulling().await;
    let (iid, wc) = rss_widget(&hub, &feed.url("/feed.xml"), None).await;
    let first = hub
        .wait_data(&wc, "the first pull", |d| d["status"] == "ok")
        .await;
    let v1 = first["version"].as_i64().unwrap();

    refresh(&hub, &wc).await;
    eventually(20, "the second pull", || async {
        (feed.requests().len() >= 2).then_some(())
    })
    .await;
    // The refetch is stored; the same content must not change the version.
    let again = hub.player_data(&wc).await;
    assert_eq!(again["version"], v1, "identical data must keep its version");

    feed.set(|s| s.body = fixture("pull/atom_tideline.xml"));
    refresh(&hub, &wc).await;
    let changed = hub
        .wait_data(&wc, "new data", |d| d["version"].as_i64() != Some(v1))
        .await;
    assert!(
        changed["version"].as_i64().unwrap() > v1,
        "versions only grow"
    );
    assert!(changed["data"]["feed_title"]
        .as_str()
        .unwrap()
        .contains("Tideline"));
    // One cache row for the key, whatever happened.
    let conn = rusqlite::Connection::open(hub.db_path()).unwrap();
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM integration_data WHERE integration_id = ?1",
            [iid],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1);
    hub.stop().await;
}

#[tokio::test]
async fn upstream_failures_keep_the_last_good_data_and_say_why() {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    let hub = TestHub::spawn_pulling().await;
    let (_, wc) = rss_widget(&hub, &feed.url("/feed.xml"), None).await;
    let good = hub
        .wait_data(&wc, "the first pull", |d| d["status"] == "ok")
        .await;

    feed.set(|s| s.status = 503);
    refresh(&hub, &wc).await;
    let d = hub
        .wait_data(&wc, "the failure", |d| d["status"] == "error")
        .await;
    assert_eq!(d["stale"], true);
    assert_eq!(d["data"], good["data"], "a failure never blanks the sign");
    // The status is served content: a sign holding the old version learns of it.
    assert!(d["version"].as_i64() > good["version"].as_i64(), "{d}");
    let held = good["version"].as_i64().unwrap();
    let res = hub
        .client
        .get(hub.player_url(&format!("/api/widget-configs/{wc}/data?version={held}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "not a 304: the sign must see the stale flag"
    );
    assert!(d["error"].as_str().unwrap().contains("503"), "{d}");

    feed.set(|s| {
        s.status = 200;
        s.body = fixture("pull/fail_not_a_feed.html");
    });
    refresh(&hub, &wc).await;
    eventually(20, "the garbage pull", || async {
        (feed.requests().len() >= 3).then_some(())
    })
    .await;
    let d = hub
        .wait_data(&wc, "the bad body", |d| {
            d["error"].as_str().is_some_and(|e| !e.contains("503"))
        })
        .await;
    assert_eq!(d["data"], good["data"]);

    feed.set(|s| s.body = fixture("pull/rss2_harbourside.xml"));
    refresh(&hub, &wc).await;
    let d = hub
        .wait_data(&wc, "the recovery", |d| d["status"] == "ok")
        .await;
    assert_eq!(d["stale"], false);
    assert!(d["error"].is_null());
    hub.stop().await;
}

async fn openweather(hub: &TestHub, api: &Upstream) -> (i64, String) {
    let i = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather", "pull_endpoint": api.url("/data/2.5/weather")}),
            201,
        )
        .await;
    let iid = i["id"].as_i64().unwrap();
    hub.put_ok(
        &format!("/admin/api/integrations/{iid}/credentials"),
        json!({"credentials": {"api_key": "ow-key-5150-secret"}}),
        200,
    )
    .await;
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Roof", "options": {"latitude": 38.72, "longitude": -9.14}}),
            201,
        )
        .await;
    (iid, wc["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn openweather_is_requested_with_templated_parameters_and_mapped() {
    let api = Upstream::start(
        fixture("pull/openweather_current_metric.json"),
        "application/json",
    )
    .await;
    let hub = TestHub::spawn_pulling().await;
    let (_, wc) = openweather(&hub, &api).await;
    let d = hub.wait_data(&wc, "weather", |d| d["status"] == "ok").await;
    let req = api.requests().last().unwrap().clone();
    assert_eq!(req.path, "/data/2.5/weather");
    assert_eq!(req.query["lat"], "38.72");
    assert_eq!(req.query["lon"], "-9.14");
    assert_eq!(req.query["units"], "metric");
    assert_eq!(req.query["lang"], "en");
    assert_eq!(req.query["appid"], "ow-key-5150-secret");
    let w = &d["data"];
    for field in [
        "temperature",
        "feels_like",
        "condition",
        "description",
        "icon",
        "humidity",
        "wind_speed",
        "location",
        "units",
    ] {
        assert!(!w[field].is_null(), "{field} missing: {w}");
    }
    assert_eq!(w["units"], "metric");
    assert!(w["icon"]
        .as_str()
        .unwrap()
        .starts_with("https://openweathermap.org/img/wn/"));
    hub.stop().await;
}

#[tokio::test]
async fn refused_credentials_stop_pulling_until_new_ones_are_saved() {
    let api = Upstream::start(fixture("pull/openweather_401.json"), "application/json").await;
    api.set(|s| s.status = 401);
    let hub = TestHub::spawn_pulling().await;
    let (iid, wc) = openweather(&hub, &api).await;
    let d = hub
        .wait_data(&wc, "auth failure", |d| d["status"] == "auth_failed")
        .await;
    assert!(
        d["error"].as_str().unwrap().contains("Invalid API key"),
        "{d}"
    );
    assert!(
        !d.to_string().contains("ow-key-5150-secret"),
        "the key must not leak into the status"
    );
    let i = hub
        .get_ok(&format!("/admin/api/integrations/{iid}"), 200)
        .await;
    assert_eq!(i["credentials"]["is_valid"], false);
    let sched = hub.get_ok("/admin/api/scheduler", 200).await;
    assert_eq!(sched["blocked"], 1, "the key is blocked, not retried");

    api.set(|s| {
        s.status = 200;
        s.body = fixture("pull/openweather_current_metric.json");
    });
    hub.put_ok(
        &format!("/admin/api/integrations/{iid}/credentials"),
        json!({"credentials": {"api_key": "ow-key-new"}}),
        200,
    )
    .await;
    let d = hub
        .wait_data(&wc, "the pull with new credentials", |d| {
            d["status"] == "ok"
        })
        .await;
    assert!(d["data"]["temperature"].is_number());
    assert_eq!(api.requests().last().unwrap().query["appid"], "ow-key-new");
    let i = hub
        .get_ok(&format!("/admin/api/integrations/{iid}"), 200)
        .await;
    assert_eq!(i["credentials"]["is_valid"], true);
    hub.stop().await;
}

#[tokio::test]
async fn upstream_validators_are_sent_back_and_a_304_changes_nothing() {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    feed.set(|s| s.etag = Some("\"harbour-1\"".to_owned()));
    let hub = TestHub::spawn_pulling().await;
    let (_, wc) = rss_widget(&hub, &feed.url("/feed.xml"), None).await;
    let first = hub
        .wait_data(&wc, "the first pull", |d| d["status"] == "ok")
        .await;
    refresh(&hub, &wc).await;
    eventually(20, "a conditional pull", || async {
        (feed.requests().len() >= 2).then_some(())
    })
    .await;
    let second = &feed.requests()[1];
    assert_eq!(second.headers["if-none-match"], "\"harbour-1\"");
    let after = hub
        .wait_data(&wc, "the 304 stored", |d| {
            d["fetched_at"] != first["fetched_at"]
        })
        .await;
    assert_eq!(after["version"], first["version"]);
    assert_eq!(after["status"], "ok");
    hub.stop().await;
}

#[tokio::test]
async fn test_connection_shows_status_sample_and_mapped_data_without_touching_the_cache() {
    let api = Upstream::start(
        fixture("pull/openweather_current_metric.json"),
        "application/json",
    )
    .await;
    let hub = TestHub::spawn().await; // scheduler paused: only the test request reaches the API
    let i = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather", "pull_endpoint": api.url("/data/2.5/weather")}),
            201,
        )
        .await;
    let iid = i["id"].as_i64().unwrap();
    let before = hub.dump();
    let r = hub
        .post_ok(
            &format!("/admin/api/integrations/{iid}/test"),
            json!({"credentials": {"api_key": "trial-key-77"}, "options": {"latitude": 1.5, "longitude": 2.5}}),
            200,
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["status"], 200);
    assert!(r["sample"].as_str().unwrap().contains("\"weather\""));
    assert!(r["data"]["temperature"].is_number());
    assert!(!r["target"].as_str().unwrap().contains("trial-key-77"));
    assert_eq!(
        hub.dump(),
        before,
        "Test connection must not touch the cache or credentials"
    );
    assert_eq!(api.requests()[0].query["appid"], "trial-key-77");

    // Without credentials it says what is missing instead of sending a request.
    let r = hub
        .post_ok(
            &format!("/admin/api/integrations/{iid}/test"),
            json!({"options": {"latitude": 1.5, "longitude": 2.5}}),
            200,
        )
        .await;
    assert_eq!(r["ok"], false);
    assert_eq!(r["error"]["code"], "config");
    assert!(r["error"]["message"].as_str().unwrap().contains("api_key"));
    // An upstream error is reported with its status.
    api.set(|s| {
        s.status = 401;
        s.body = fixture("pull/openweather_401.json");
    });
    let r = hub
        .post_ok(
            &format!("/admin/api/integrations/{iid}/test"),
            json!({"credentials": {"api_key": "bad"}, "options": {"latitude": 1.5, "longitude": 2.5}}),
            200,
        )
        .await;
    assert_eq!(
        (
            r["ok"].clone(),
            r["status"].clone(),
            r["error"]["code"].clone()
        ),
        (json!(false), json!(401), json!("auth"))
    );
    assert_eq!(hub.dump(), before);
    let res = hub
        .admin_send(
            Method::POST,
            &format!("/admin/api/integrations/{iid}/test"),
            Some(json!({"options": {"latitude": 500}})),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["errors"]["options.latitude"].is_array(), "{body}");
    hub.stop().await;
}

#[tokio::test]
async fn ten_widgets_on_the_same_feed_share_one_request() {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    // Paused while the ten widgets are placed, so the count below does not depend on timing.
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok("/admin/api/integrations", json!({"template": "rss"}), 201)
        .await;
    let mut wcs = Vec::new();
    for n in 0..10 {
        let wc = hub
            .post_ok(
                "/admin/api/widget-configs",
                json!({"integration_id": i["id"], "name": format!("Sign {n}"), "options": {"feed_url": feed.url("/shared.xml"), "max_items": n + 1}}),
                201,
            )
            .await;
        wcs.push(wc["id"].as_str().unwrap().to_owned());
    }
    hub.put_ok("/admin/api/scheduler", json!({"paused": false}), 200)
        .await;
    for wc in &wcs {
        hub.wait_data(wc, "shared data", |d| d["status"] == "ok")
            .await;
    }
    let first_round = feed.requests().len();
    assert_eq!(first_round, 1, "ten widgets on one feed make one request");
    for (n, wc) in wcs.iter().enumerate() {
        let items = hub.player_data(wc).await["data"]["items"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(
            items,
            (n + 1).min(5),
            "each widget is shaped by its own max_items (the feed has 5)"
        );
    }
    let status = hub.get_ok("/admin/api/status", 200).await;
    let keys = status["data_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "one cache row for ten widgets");
    assert_eq!(keys[0]["requests"], 1);
    // A refresh of all ten is one request.
    for wc in &wcs {
        hub.admin_send(
            Method::POST,
            &format!("/admin/api/widget-configs/{wc}/refresh"),
            None,
        )
        .await;
    }
    eventually(20, "the refresh", || async {
        (feed.requests().len() > first_round).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        feed.requests().len() - first_round <= 2,
        "{} requests for ten refreshes",
        feed.requests().len() - first_round
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_restart_resumes_the_schedule_and_versions_continue() {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    let hub = TestHub::spawn_pulling().await;
    let (_, wc) = rss_widget(&hub, &feed.url("/feed.xml"), None).await;
    let before = hub
        .wait_data(&wc, "first data", |d| d["status"] == "ok")
        .await;
    let requests = feed.requests().len();
    let ks = std::sync::Arc::clone(&hub.keystore);
    let dir = hub.stop().await;
    let hub = TestHub::start(dir, ks, false).await;
    // The next pull is due in 300 s: the restart serves the cached data and does not refetch.
    let after = hub.player_data(&wc).await;
    assert_eq!(
        after["version"], before["version"],
        "the same version after a restart"
    );
    assert_eq!(after["data"], before["data"]);
    eventually(10, "the schedule reloaded", || async {
        (hub.get_ok("/admin/api/scheduler", 200).await["keys"] == 1).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        feed.requests().len(),
        requests,
        "a restart must not refetch everything"
    );
    // New data after the restart gets a greater version.
    feed.set(|s| s.body = fixture("pull/atom_tideline.xml"));
    refresh(&hub, &wc).await;
    let next = hub
        .wait_data(&wc, "new data", |d| d["version"] != before["version"])
        .await;
    assert!(next["version"].as_i64() > before["version"].as_i64());
    hub.stop().await;
}

#[tokio::test]
async fn a_refused_connection_is_an_error_in_plain_words() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed.xml", closed.local_addr().unwrap());
    drop(closed);
    let hub = TestHub::spawn_pulling().await;
    let (_, wc) = rss_widget(&hub, &url, None).await;
    let d = hub
        .wait_data(&wc, "the failure", |d| d["status"] == "error")
        .await;
    assert!(d["data"].is_null());
    let msg = d["error"].as_str().unwrap();
    assert!(msg.contains("127.0.0.1"), "{msg}");
    assert!(!msg.contains("/feed.xml?"), "{msg}");
    hub.stop().await;
}
