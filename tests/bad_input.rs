//! Bad input on the admin API: each request is refused with the documented status, a stable
//! code, a message (or field error) naming what is wrong — and the stored state is exactly what
//! it was.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_api::rss_integration;
use crate::common::TestHub;

struct Case {
    what: &'static str,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    /// A field path that must carry an error (422), or text the message must contain.
    expect: &'static str,
}

fn json_case(
    what: &'static str,
    method: Method,
    path: &str,
    body: Value,
    status: u16,
    expect: &'static str,
) -> Case {
    Case {
        what,
        method,
        path: path.to_owned(),
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
        status,
        expect,
    }
}

#[tokio::test]
async fn every_bad_request_is_refused_clearly_and_changes_nothing() {
    let hub = TestHub::spawn().await;
    let rss = hub
        .post_ok("/admin/api/integrations", rss_integration(), 201)
        .await;
    let rss_id = rss["id"].as_i64().unwrap();
    let ow = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await;
    let ow_id = ow["id"].as_i64().unwrap();
    hub.put_ok(
        &format!("/admin/api/integrations/{ow_id}/credentials"),
        json!({"credentials": {"api_key": "k"}}),
        200,
    )
    .await;
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": rss_id, "name": "Lobby", "options": {"feed_url": "https://e.com/f"}}),
            201,
        )
        .await;
    let wc_id = wc["id"].as_str().unwrap().to_owned();
    let ints = "/admin/api/integrations";
    let mut valid = rss_integration();
    valid["name"] = json!("Another");

    let mut cases = vec![
        Case {
            what: "malformed JSON",
            method: Method::POST,
            path: ints.to_owned(),
            content_type: Some("application/json"),
            body: br#"{"widget": "rss", "name": }"#.to_vec(),
            status: 400,
            expect: "line 1, column 27",
        },
        Case {
            what: "not JSON at all",
            method: Method::POST,
            path: ints.to_owned(),
            content_type: Some("application/json"),
            body: b"widget=rss".to_vec(),
            status: 400,
            expect: "not valid JSON",
        },
        Case {
            what: "no content type",
            method: Method::POST,
            path: ints.to_owned(),
            content_type: None,
            body: valid.to_string().into_bytes(),
            status: 415,
            expect: "application/json",
        },
        Case {
            what: "oversized body",
            method: Method::POST,
            path: ints.to_owned(),
            content_type: Some("application/json"),
            body: format!("{{\"description\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)).into_bytes(),
            status: 413,
            expect: "larger than 1024 KiB",
        },
    ];
    let mut unknown = valid.clone();
    unknown["colour"] = json!("red");
    cases.push(json_case(
        "unknown top-level field",
        Method::POST,
        ints,
        unknown,
        422,
        "colour",
    ));
    let mut nested = valid.clone();
    nested["pull_config"]["timout"] = json!(10);
    cases.push(json_case(
        "unknown nested field",
        Method::POST,
        ints,
        nested,
        422,
        "pull_config.timout",
    ));
    let mut wrong_type = valid.clone();
    wrong_type["name"] = json!(42);
    cases.push(json_case(
        "wrong type",
        Method::POST,
        ints,
        wrong_type,
        422,
        "name",
    ));
    let mut interval_type = valid.clone();
    interval_type["pull_interval_seconds"] = json!("often");
    cases.push(json_case(
        "wrong number type",
        Method::POST,
        ints,
        interval_type,
        422,
        "pull_interval_seconds",
    ));
    let mut missing = valid.clone();
    missing.as_object_mut().unwrap().remove("widget");
    cases.push(json_case(
        "missing required field",
        Method::POST,
        ints,
        missing,
        422,
        "widget",
    ));
    let mut bad_enum = valid.clone();
    bad_enum["integration_type"] = json!("poll");
    cases.push(json_case(
        "enum violation",
        Method::POST,
        ints,
        bad_enum,
        422,
        "integration_type",
    ));
    let mut bad_schema = valid.clone();
    bad_schema["config_schema"]["max_items"]["default"] = json!("ten");
    cases.push(json_case(
        "schema default of the wrong type",
        Method::POST,
        ints,
        bad_schema,
        422,
        "config_schema.max_items.default",
    ));
    let mut dup = rss_integration();
    dup["description"] = json!("same widget and name");
    cases.push(json_case(
        "name taken for the widget",
        Method::POST,
        ints,
        dup,
        422,
        "name",
    ));
    let mut floor = valid.clone();
    floor["pull_interval_seconds"] = json!(1);
    cases.push(json_case(
        "interval under the floor",
        Method::POST,
        ints,
        floor,
        422,
        "pull_interval_seconds",
    ));
    cases.push(json_case(
        "not an object",
        Method::POST,
        ints,
        json!([1, 2]),
        422,
        "body",
    ));
    cases.push(json_case(
        "update of a missing integration",
        Method::PUT,
        "/admin/api/integrations/999",
        valid.clone(),
        404,
        "no integration 999",
    ));
    cases.push(json_case(
        "non-numeric id",
        Method::PUT,
        "/admin/api/integrations/abc",
        valid.clone(),
        404,
        "no integration abc",
    ));
    cases.push(Case {
        what: "delete a missing integration",
        method: Method::DELETE,
        path: "/admin/api/integrations/12345".to_owned(),
        content_type: None,
        body: vec![],
        status: 404,
        expect: "no integration 12345",
    });
    cases.push(json_case(
        "widget config for a missing integration",
        Method::POST,
        "/admin/api/widget-configs",
        json!({"integration_id": 777, "name": "x"}),
        422,
        "integration_id",
    ));
    cases.push(json_case(
        "widget config option out of range",
        Method::POST,
        "/admin/api/widget-configs",
        json!({"integration_id": rss_id, "name": "x", "options": {"feed_url": "https://e/f", "max_items": 1000}}),
        422,
        "options.max_items",
    ));
    cases.push(json_case(
        "widget config missing the option that selects shared data",
        Method::POST,
        "/admin/api/widget-configs",
        json!({"integration_id": rss_id, "name": "x"}),
        422,
        "options.feed_url",
    ));
    cases.push(json_case(
        "update of a missing widget config",
        Method::PUT,
        "/admin/api/widget-configs/00000000-0000-4000-8000-000000000000",
        json!({"integration_id": rss_id, "name": "x", "options": {"feed_url": "https://e/f"}}),
        404,
        "no widget config",
    ));
    cases.push(json_case(
        "credentials for an integration without credential_schema",
        Method::PUT,
        &format!("/admin/api/integrations/{rss_id}/credentials"),
        json!({"credentials": {"token": "t"}}),
        422,
        "credentials",
    ));
    cases.push(json_case(
        "a sensitive value that is not a string",
        Method::PUT,
        &format!("/admin/api/integrations/{ow_id}/credentials"),
        json!({"credentials": {"api_key": 12345}}),
        422,
        "credentials.api_key",
    ));
    cases.push(json_case(
        "an unknown credential field",
        Method::PUT,
        &format!("/admin/api/integrations/{ow_id}/credentials"),
        json!({"credentials": {"api_kee": "x"}}),
        422,
        "credentials.api_kee",
    ));
    cases.push(json_case(
        "credentials body without the credentials key",
        Method::PUT,
        &format!("/admin/api/integrations/{ow_id}/credentials"),
        json!({"api_key": "x"}),
        422,
        "api_key",
    ));
    cases.push(json_case(
        "credentials at the wrong scope",
        Method::PUT,
        &format!("/admin/api/widget-configs/{wc_id}/credentials"),
        json!({"credentials": {"api_key": "x"}}),
        400,
        "organization-scoped",
    ));
    cases.push(json_case(
        "import that is not a definitions document",
        Method::POST,
        "/admin/api/import",
        json!({"integrations": "all of them"}),
        422,
        "integrations",
    ));
    cases.push(json_case(
        "bad import conflict mode",
        Method::POST,
        "/admin/api/import?on_conflict=merge",
        json!({"format": "millrace.definitions", "version": 1, "integrations": []}),
        400,
        "on_conflict",
    ));
    cases.push(json_case(
        "wrong method",
        Method::PATCH,
        ints,
        json!({}),
        405,
        "PATCH",
    ));
    cases.push(json_case(
        "bad list filter",
        Method::GET,
        "/admin/api/widget-configs?integration_id=x",
        json!(null),
        400,
        "integration_id",
    ));

    let before = hub.dump();
    for case in cases {
        let mut req = hub
            .client
            .request(case.method.clone(), hub.admin_url(&case.path))
            .bearer_auth(&hub.token)
            .body(case.body.clone());
        if let Some(ct) = case.content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res
            .json()
            .await
            .unwrap_or_else(|_| panic!("{}: the error body is JSON", case.what));
        assert_eq!(status, case.status, "{}: {body}", case.what);
        assert!(body["error"]["code"].is_string(), "{}: {body}", case.what);
        if status == 422 {
            let errors = body["errors"]
                .as_object()
                .unwrap_or_else(|| panic!("{}: {body}", case.what));
            assert!(
                errors.contains_key(case.expect),
                "{}: expected an error at '{}': {body}",
                case.what,
                case.expect
            );
            for msgs in errors.values() {
                assert!(!msgs[0].as_str().unwrap().is_empty());
            }
        } else {
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(case.expect),
                "{}: '{message}' lacks '{}'",
                case.what,
                case.expect
            );
        }
        assert_eq!(hub.dump(), before, "{}: stored state changed", case.what);
    }
    hub.stop().await;
}
