//! The admin API's resources through the real admin listener: integrations, templates, widget
//! configs, credentials, export/import, key rotation.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{error_code, TestHub};

pub fn rss_integration() -> Value {
    json!({
        "widget": "rss", "name": "News", "integration_type": "pull",
        "config_schema": {
            "feed_url": {"type": "string", "required": true, "label": "Feed URL"},
            "max_items": {"type": "integer", "default": 10, "min": 1, "max": 100}
        },
        "pull_endpoint": "{{options.feed_url}}",
        "pull_interval_seconds": 300,
        "pull_config": {"fetcher": "rss"},
        "data_key": "widget_option:feed_url"
    })
}

#[tokio::test]
async fn integrations_crud() {
    let hub = TestHub::spawn().await;
    let created = hub
        .post_ok("/admin/api/integrations", rss_integration(), 201)
        .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "News");
    assert_eq!(created["data_key"], "widget_option:feed_url");
    assert_eq!(
        created["pull_config"]["timeout"], 5000,
        "defaults are filled in"
    );
    assert_eq!(created["is_active"], true);
    assert_eq!(created["credentials"]["configured"], false);

    let list = hub.get_ok("/admin/api/integrations", 200).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        hub.get_ok(&format!("/admin/api/integrations/{id}"), 200)
            .await,
        created
    );

    let mut changed = rss_integration();
    changed["name"] = json!("Headlines");
    changed["is_active"] = json!(false);
    let updated = hub
        .put_ok(&format!("/admin/api/integrations/{id}"), changed, 200)
        .await;
    assert_eq!(updated["name"], "Headlines");
    assert_eq!(updated["is_active"], false);
    assert_eq!(updated["created_at"], created["created_at"]);

    let res = hub
        .admin_send(
            Method::DELETE,
            &format!("/admin/api/integrations/{id}"),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let (status, code, _) = error_code(
        hub.admin_get(&format!("/admin/api/integrations/{id}"))
            .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    hub.stop().await;
}

#[tokio::test]
async fn every_template_creates_an_integration() {
    let hub = TestHub::spawn().await;
    let templates = hub.get_ok("/admin/api/templates", 200).await;
    let ids: Vec<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "openweather",
            "rss",
            "json",
            "facebook-page",
            "signed-webhook",
            "github-repo"
        ]
    );
    for id in &ids {
        let created = hub
            .post_ok("/admin/api/integrations", json!({"template": id}), 201)
            .await;
        assert!(created["id"].as_i64().unwrap() > 0, "{id}");
    }
    // Overrides on top of a template.
    let created = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather", "name": "Weather HQ", "pull_interval_seconds": 900}),
            201,
        )
        .await;
    assert_eq!(created["name"], "Weather HQ");
    assert_eq!(created["pull_interval_seconds"], 900);
    assert_eq!(created["pull_config"]["fetcher"], "openweather");
    let (status, _, _) = error_code(
        hub.admin_send(
            Method::POST,
            "/admin/api/integrations",
            Some(json!({"template": "nope"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    hub.stop().await;
}

#[tokio::test]
async fn widget_configs_crud_with_validated_options_and_defaults() {
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok("/admin/api/integrations", rss_integration(), 201)
        .await;
    let iid = i["id"].as_i64().unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Lobby", "options": {"feed_url": "https://example.com/feed.xml"}}),
            201,
        )
        .await;
    let id = wc["id"].as_str().unwrap().to_owned();
    assert_eq!(
        wc["options"]["max_items"], 10,
        "defaults are applied and stored"
    );
    assert!(
        wc["credentials"].is_null(),
        "organization scope: credentials live on the integration"
    );

    let other = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await;
    hub.post_ok(
        "/admin/api/widget-configs",
        json!({"integration_id": other["id"], "name": "Roof", "options": {"latitude": 1, "longitude": 2}}),
        201,
    )
    .await;
    let filtered = hub
        .get_ok(
            &format!("/admin/api/widget-configs?integration_id={iid}"),
            200,
        )
        .await;
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    assert_eq!(
        hub.get_ok("/admin/api/widget-configs", 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let updated = hub
        .put_ok(
            &format!("/admin/api/widget-configs/{id}"),
            json!({"integration_id": iid, "name": "Lobby left", "options": {"feed_url": "https://example.com/b.xml", "max_items": 3}}),
            200,
        )
        .await;
    assert_eq!(updated["options"]["max_items"], 3);
    assert_eq!(updated["name"], "Lobby left");

    let moved = hub
        .admin_send(
            Method::PUT,
            &format!("/admin/api/widget-configs/{id}"),
            Some(json!({"integration_id": other["id"], "name": "x", "options": {"latitude": 1, "longitude": 2}})),
        )
        .await;
    assert_eq!(moved.status(), 422);

    let res = hub
        .admin_send(
            Method::DELETE,
            &format!("/admin/api/widget-configs/{id}"),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        hub.admin_get(&format!("/admin/api/widget-configs/{id}"))
            .await
            .status(),
        404
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_schema_change_that_would_invalidate_a_widget_config_is_refused() {
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok("/admin/api/integrations", rss_integration(), 201)
        .await;
    let iid = i["id"].as_i64().unwrap();
    hub.post_ok(
        "/admin/api/widget-configs",
        json!({"integration_id": iid, "name": "Lobby", "options": {"feed_url": "https://e.com/f", "max_items": 50}}),
        201,
    )
    .await;
    let before = hub.dump();
    let mut tighter = rss_integration();
    tighter["config_schema"]["max_items"]["max"] = json!(20);
    let res = hub
        .admin_send(
            Method::PUT,
            &format!("/admin/api/integrations/{iid}"),
            Some(tighter),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let msg = body["errors"]["config_schema"][0].as_str().unwrap();
    assert!(msg.contains("Lobby") && msg.contains("max_items"), "{msg}");
    assert_eq!(hub.dump(), before);

    // A compatible change applies new defaults to existing widget configs.
    let mut more = rss_integration();
    more["config_schema"]["speed"] = json!({"type": "integer", "default": 30});
    hub.put_ok(&format!("/admin/api/integrations/{iid}"), more, 200)
        .await;
    let wcs = hub.get_ok("/admin/api/widget-configs", 200).await;
    assert_eq!(wcs[0]["options"]["speed"], 30);
    hub.stop().await;
}

fn weather_creds_path(id: i64) -> String {
    format!("/admin/api/integrations/{id}/credentials")
}

#[tokio::test]
async fn credentials_are_write_only_with_partial_updates() {
    let hub = TestHub::spawn().await;
    let mut def = rss_integration();
    def["credential_schema"] = json!({
        "api_key": {"type": "string", "required": true, "sensitive": true},
        "account": {"type": "string", "required": false},
        "region": {"type": "string", "enum": ["eu", "us"], "default": "eu"}
    });
    let i = hub.post_ok("/admin/api/integrations", def, 201).await;
    let id = i["id"].as_i64().unwrap();
    assert_eq!(
        i["credentials"],
        json!({"configured": false, "fields": {"account": {"set": false}, "api_key": {"set": false}, "region": {"set": false}},
               "metadata": {}, "validated_at": null, "is_valid": false})
    );

    let view = hub
        .put_ok(
            &weather_creds_path(id),
            json!({"credentials": {"api_key": "k-111", "account": "acme"}}),
            200,
        )
        .await;
    assert_eq!(view["configured"], true);
    assert_eq!(view["is_valid"], true);
    assert!(view["validated_at"].is_string());
    assert_eq!(view["fields"]["api_key"]["set"], true);
    assert_eq!(
        view["metadata"],
        json!({"account": "acme", "region": "eu"}),
        "non-sensitive values only"
    );
    assert!(!view.to_string().contains("k-111"));

    // Partial update: only the account changes; the key is kept.
    let view = hub
        .put_ok(
            &weather_creds_path(id),
            json!({"credentials": {"account": "globex"}}),
            200,
        )
        .await;
    assert_eq!(view["fields"]["api_key"]["set"], true);
    assert_eq!(view["metadata"]["account"], "globex");
    // null clears an optional field…
    let view = hub
        .put_ok(
            &weather_creds_path(id),
            json!({"credentials": {"account": null}}),
            200,
        )
        .await;
    assert_eq!(view["fields"]["account"]["set"], false);
    // …but not a required one.
    let res = hub
        .admin_send(
            Method::PUT,
            &weather_creds_path(id),
            Some(json!({"credentials": {"api_key": null}})),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"]["credentials.api_key"][0], "is required");

    let got = hub
        .get_ok(&format!("/admin/api/integrations/{id}"), 200)
        .await;
    assert_eq!(got["credentials"]["fields"]["api_key"]["set"], true);

    let res = hub
        .admin_send(Method::DELETE, &weather_creds_path(id), None)
        .await;
    assert_eq!(res.status(), 204);
    let res = hub
        .admin_send(Method::DELETE, &weather_creds_path(id), None)
        .await;
    assert_eq!(res.status(), 404);
    let got = hub
        .get_ok(&format!("/admin/api/integrations/{id}"), 200)
        .await;
    assert_eq!(got["credentials"]["configured"], false);
    hub.stop().await;
}

#[tokio::test]
async fn widget_scoped_credentials_live_on_the_widget_config() {
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "facebook-page"}),
            201,
        )
        .await;
    let iid = i["id"].as_i64().unwrap();
    assert!(i["credentials"].is_null());
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Cafe page"}),
            201,
        )
        .await;
    let wid = wc["id"].as_str().unwrap();
    assert_eq!(wc["credentials"]["configured"], false);

    // The wrong scope says which one to use.
    let (status, code, message) = error_code(
        hub.admin_send(
            Method::PUT,
            &weather_creds_path(iid),
            Some(json!({"credentials": {"app_secret": "x"}})),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "wrong_scope"));
    assert!(
        message.contains("widget-scoped") && message.contains("/admin/api/widget-configs/"),
        "{message}"
    );

    let path = format!("/admin/api/widget-configs/{wid}/credentials");
    let view = hub
        .put_ok(
            &path,
            json!({"credentials": {"app_secret": "s3", "verify_token": "vt"}}),
            200,
        )
        .await;
    assert_eq!(view["fields"]["app_secret"]["set"], true);
    assert_eq!(view["metadata"], json!({}));
    let got = hub
        .get_ok(&format!("/admin/api/widget-configs/{wid}"), 200)
        .await;
    assert_eq!(got["credentials"]["configured"], true);

    // And the organization endpoint is refused the other way round.
    let rss = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await;
    let wc2 = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": rss["id"], "name": "w", "options": {"latitude": 1, "longitude": 1}}),
            201,
        )
        .await;
    let (status, code, message) = error_code(
        hub.admin_send(
            Method::PUT,
            &format!(
                "/admin/api/widget-configs/{}/credentials",
                wc2["id"].as_str().unwrap()
            ),
            Some(json!({"credentials": {"api_key": "x"}})),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "wrong_scope"));
    assert!(message.contains("organization-scoped"), "{message}");
    hub.stop().await;
}

#[tokio::test]
async fn deleting_an_integration_takes_everything_of_it_in_one_go() {
    let hub = TestHub::spawn().await;
    let fb = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "facebook-page"}),
            201,
        )
        .await;
    let iid = fb["id"].as_i64().unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "p"}),
            201,
        )
        .await;
    let wid = wc["id"].as_str().unwrap();
    hub.put_ok(
        &format!("/admin/api/widget-configs/{wid}/credentials"),
        json!({"credentials": {"app_secret": "s", "verify_token": "v"}}),
        200,
    )
    .await;
    // Another integration's rows must survive.
    let keep = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await;
    hub.put_ok(
        &weather_creds_path(keep["id"].as_i64().unwrap()),
        json!({"credentials": {"api_key": "k"}}),
        200,
    )
    .await;
    {
        let conn = rusqlite::Connection::open(hub.db_path()).unwrap();
        conn.execute(
            "INSERT INTO integration_data (integration_id, data_key, data, version, status)
             VALUES (?1, ?2, '{}', 5, 'ok')",
            (iid, format!("widget_config:{wid}")),
        )
        .unwrap();
    }
    let res = hub
        .admin_send(
            Method::DELETE,
            &format!("/admin/api/integrations/{iid}"),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let conn = rusqlite::Connection::open(hub.db_path()).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM widget_configs WHERE integration_id = {iid}"
        )),
        0
    );
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM credentials WHERE integration_id = {iid}"
        )),
        0
    );
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM integration_data WHERE integration_id = {iid}"
        )),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM credentials"),
        1,
        "the other integration keeps its credentials"
    );
    hub.stop().await;
}
