//! Export and import of definitions, and import of a Castmill widget.json.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_api::rss_integration;
use crate::common::TestHub;

async fn populated() -> (TestHub, Value) {
    let hub = TestHub::spawn().await;
    let rss = hub
        .post_ok("/admin/api/integrations", rss_integration(), 201)
        .await;
    let ow = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await;
    hub.put_ok(
        &format!("/admin/api/integrations/{}/credentials", ow["id"]),
        json!({"credentials": {"api_key": "export-must-not-carry-this"}}),
        200,
    )
    .await;
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": rss["id"], "name": "Lobby", "options": {"feed_url": "https://e.com/f"}}),
            201,
        )
        .await;
    hub.post_ok(
        "/admin/api/widget-configs",
        json!({"integration_id": ow["id"], "name": "Roof", "options": {"latitude": 1, "longitude": 2}, "is_active": false}),
        201,
    )
    .await;
    (hub, wc)
}

#[tokio::test]
async fn export_then_import_into_a_fresh_hub_recreates_everything_but_secrets() {
    let (hub, wc) = populated().await;
    let doc = hub.get_ok("/admin/api/export", 200).await;
    assert_eq!(doc["format"], "millrace.definitions");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["integrations"].as_array().unwrap().len(), 2);
    assert!(!doc.to_string().contains("export-must-not-carry-this"));
    assert!(doc["integrations"][0].get("credentials").is_none());
    hub.stop().await;

    let fresh = TestHub::spawn().await;
    let report = fresh.post_ok("/admin/api/import", doc.clone(), 200).await;
    assert_eq!(
        report,
        json!({"integrations_created": 2, "integrations_updated": 0, "widget_configs_created": 2, "widget_configs_updated": 0})
    );
    // Widget config ids survive the move, so signs keep working.
    let got = fresh
        .get_ok(
            &format!("/admin/api/widget-configs/{}", wc["id"].as_str().unwrap()),
            200,
        )
        .await;
    assert_eq!(got["name"], "Lobby");
    let again = fresh.get_ok("/admin/api/export", 200).await;
    assert_eq!(
        again["integrations"], doc["integrations"],
        "export is stable across a round trip"
    );
    let ow = &fresh.get_ok("/admin/api/integrations", 200).await[1];
    assert_eq!(
        ow["credentials"]["configured"], false,
        "secrets never travel"
    );

    // Importing the same again conflicts as a whole; with on_conflict=update it replaces.
    let before = fresh.dump();
    let res = fresh
        .admin_send(Method::POST, "/admin/api/import", Some(doc.clone()))
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["errors"]["integrations[0].name"][0]
        .as_str()
        .unwrap()
        .contains("on_conflict=update"));
    assert_eq!(fresh.dump(), before);
    let report = fresh
        .post_ok("/admin/api/import?on_conflict=update", doc, 200)
        .await;
    assert_eq!(report["integrations_updated"], 2);
    assert_eq!(report["widget_configs_updated"], 2);
    fresh.stop().await;
}

#[tokio::test]
async fn an_invalid_import_imports_nothing() {
    let (hub, _) = populated().await;
    let mut doc = hub.get_ok("/admin/api/export", 200).await;
    hub.stop().await;
    // The first integration is fine; the second has a widget config with a bad option.
    doc["integrations"][1]["widget_configs"][0]["options"]["units"] = json!("kelvin");
    let fresh = TestHub::spawn().await;
    let before = fresh.dump();
    let res = fresh
        .admin_send(Method::POST, "/admin/api/import", Some(doc.clone()))
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let errors = body["errors"].as_object().unwrap();
    assert!(
        errors.contains_key("integrations[1].widget_configs[0].options.units"),
        "{body}"
    );
    assert_eq!(fresh.dump(), before, "all or nothing");

    for (bad, field) in [
        (
            json!({"format": "other", "version": 1, "integrations": []}),
            "format",
        ),
        (
            json!({"format": "millrace.definitions", "version": 9, "integrations": []}),
            "version",
        ),
        (
            json!({"format": "millrace.definitions", "version": 1, "integrations": [], "extra": 1}),
            "extra",
        ),
        (
            json!({"format": "millrace.definitions", "version": 1}),
            "integrations",
        ),
    ] {
        let res = fresh
            .admin_send(Method::POST, "/admin/api/import", Some(bad))
            .await;
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        assert!(body["errors"].get(field).is_some(), "{field}: {body}");
        assert_eq!(fresh.dump(), before);
    }
    fresh.stop().await;
}

#[tokio::test]
async fn a_castmill_widget_json_becomes_an_rss_integration() {
    let hub = TestHub::spawn().await;
    let widget: Value =
        serde_json::from_str(include_str!("fixtures/castmill/hacker-news-widget.json")).unwrap();
    let created = hub.post_ok("/admin/api/import/castmill", widget, 201).await;
    assert_eq!(created["widget"], "hacker-news");
    assert_eq!(created["name"], "rss");
    assert_eq!(created["integration_type"], "pull");
    assert_eq!(created["pull_endpoint"], "{{options.feed_url}}");
    assert_eq!(created["pull_interval_seconds"], 300);
    assert_eq!(created["pull_config"]["fetcher"], "rss");
    assert_eq!(created["data_key"], "widget_option:feed_url");
    assert_eq!(
        created["config_schema"]["feed_url"]["default"],
        "https://hnrss.org/frontpage"
    );
    assert_eq!(created["config_schema"]["max_items"]["max"], 30.0);
    assert_eq!(
        created["config_schema"]["max_items"]["help"],
        "Maximum number of stories to display"
    );
    // A widget config needs no options: the feed defaults to the widget.json's.
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": created["id"], "name": "HN"}),
            201,
        )
        .await;
    assert_eq!(wc["options"]["feed_url"], "https://hnrss.org/frontpage");

    let before = hub.dump();
    let unsupported: Value =
        serde_json::from_str(include_str!("fixtures/castmill/fail_spotify-widget.json")).unwrap();
    let res = hub
        .admin_send(
            Method::POST,
            "/admin/api/import/castmill",
            Some(unsupported),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["errors"]["integration.fetcher"][0]
            .as_str()
            .unwrap()
            .contains("spotify"),
        "{body}"
    );
    let res = hub
        .admin_send(
            Method::POST,
            "/admin/api/import/castmill",
            Some(json!({"slug": "x"})),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(hub.dump(), before);
    hub.stop().await;
}
