//! The overview's health words for each situation an admin must notice.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{fixture, TestHub, Upstream};

fn find<'a>(o: &'a Value, name: &str) -> &'a Value {
    o["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap()
}

#[tokio::test]
async fn the_overview_names_each_state_in_plain_words() {
    let feed = Upstream::start(fixture("pull/rss2_harbourside.xml"), "application/rss+xml").await;
    let api = Upstream::start(fixture("pull/openweather_401.json"), "application/json").await;
    api.set(|s| s.status = 401);
    let hub = TestHub::spawn_pulling().await;

    let rss = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "rss", "name": "News"}),
            201,
        )
        .await;
    let wc = hub
        .post_ok("/admin/api/widget-configs", json!({"integration_id": rss["id"], "name": "Lobby", "options": {"feed_url": feed.url("/f")}}), 201)
        .await;
    let wc = wc["id"].as_str().unwrap().to_owned();
    hub.wait_data(&wc, "news", |d| d["status"] == "ok").await;
    hub.client
        .get(hub.player_url(&format!("/api/widget-configs/{wc}/data")))
        .header("x-player-id", "tv-1")
        .send()
        .await
        .unwrap();

    let ow = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather", "name": "Weather", "pull_endpoint": api.url("/w")}),
            201,
        )
        .await;
    hub.put_ok(
        &format!("/admin/api/integrations/{}/credentials", ow["id"]),
        json!({"credentials": {"api_key": "k"}}),
        200,
    )
    .await;
    let owc = hub
        .post_ok("/admin/api/widget-configs", json!({"integration_id": ow["id"], "name": "Roof", "options": {"latitude": 1, "longitude": 2}}), 201)
        .await;
    hub.wait_data(owc["id"].as_str().unwrap(), "auth failure", |d| {
        d["status"] == "auth_failed"
    })
    .await;

    let push = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "signed-webhook", "name": "Board"}),
            201,
        )
        .await;
    hub.post_ok(
        "/admin/api/widget-configs",
        json!({"integration_id": push["id"], "name": "Hall"}),
        201,
    )
    .await;
    let mut off = millrace::templates::find("rss").unwrap().integration;
    off["name"] = json!("Old feed");
    off["is_active"] = json!(false);
    hub.post_ok("/admin/api/integrations", off, 201).await;

    let o = hub.get_ok("/admin/api/overview", 200).await;
    let news = find(&o, "News");
    assert_eq!(news["health"], "ok");
    assert!(news["last_update"].is_string() && news["next_pull"].is_string());
    // Two signs read it: "tv-1", and this test's own client (an anonymous player).
    assert_eq!(news["widget_configs"][0]["players"], 2);
    assert_eq!(news["widget_configs"][0]["players_current"], 2);
    let weather = find(&o, "Weather");
    assert_eq!(weather["health"], "auth_failed");
    assert!(
        weather["message"]
            .as_str()
            .unwrap()
            .contains("Invalid API key"),
        "{weather}"
    );
    assert!(
        weather["next_pull"].is_null(),
        "a refused key is not retried"
    );
    let board = find(&o, "Board");
    assert_eq!(board["health"], "no_secret");
    assert!(board["message"].as_str().unwrap().contains("secret"));
    assert_eq!(find(&o, "Old feed")["health"], "inactive");
    assert_eq!(o["worst"], "auth_failed");
    assert_eq!(o["players"]["total"], 2);
    assert_eq!(o["players"]["up_to_date"], 2);
    assert_eq!(o["tunnel"]["state"], "off");

    // The feed breaks: the news widget is stale, not blank.
    feed.set(|s| s.status = 500);
    hub.admin_send(
        Method::POST,
        &format!("/admin/api/widget-configs/{wc}/refresh"),
        None,
    )
    .await;
    hub.wait_data(&wc, "the failure", |d| d["status"] == "error")
        .await;
    let o = hub.get_ok("/admin/api/overview", 200).await;
    let news = find(&o, "News");
    assert_eq!(news["health"], "stale");
    assert!(
        news["message"].as_str().unwrap().contains("last good data"),
        "{news}"
    );
    hub.stop().await;
}
