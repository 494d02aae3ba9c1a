//! Webhooks through the real hooks listener: every common scheme, replay and rotation, the
//! answers for bad input, transforms, the inspector, and the admin's test delivery.

use millrace::webhook::VerifierConfig;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{error_code, post_signed_to, unix_now, verifier, TestHub};

/// A hub with a signed-webhook integration (Standard Webhooks) and its secret.
async fn signed_hub() -> (TestHub, i64, String, String) {
    let hub = TestHub::spawn().await;
    let (iid, wc, secret) = hub.signed_webhook().await;
    (hub, iid, wc, secret)
}

async fn post_signed(
    hub: &TestHub,
    path: &str,
    cfg: &VerifierConfig,
    secret: &str,
    body: &[u8],
    id: &str,
    at: i64,
) -> reqwest::Response {
    post_signed_to(&hub.client, &hub.hooks_url(path), cfg, secret, body, id, at).await
}

fn now() -> i64 {
    unix_now()
}

fn data_rows(hub: &TestHub) -> String {
    let conn = rusqlite::Connection::open(hub.db_path()).unwrap();
    let mut stmt = conn
        .prepare("SELECT data_key, data, version FROM integration_data ORDER BY 1")
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok(format!(
                "{:?}|{:?}|{:?}",
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.join("\n")
}

#[tokio::test]
async fn a_signed_delivery_updates_the_widget_and_wakes_its_players() {
    let (hub, iid, wc, secret) = signed_hub().await;
    let before = hub.player_data(&wc).await;
    assert_eq!(before["status"], "pending");
    let held = before["version"].as_i64().unwrap();
    let poll = tokio::spawn({
        let client = hub.client.clone();
        let url = hub.player_url(&format!(
            "/api/widget-configs/{wc}/data?version={held}&wait=30"
        ));
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let body = br#"{"headline":"Lunch is served","room":"Cafe"}"#;
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{iid}"),
        &verifier("standard_webhooks"),
        &secret,
        body,
        "msg_1",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let ok: Value = res.json().await.unwrap();
    assert_eq!(ok["success"], true);
    let version = ok["version"].as_i64().unwrap();
    assert!(version > held);
    let received = ok["received_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(received, &time::format_description::well_known::Rfc3339)
            .is_ok()
    );
    let woke = tokio::time::timeout(std::time::Duration::from_secs(10), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        woke["data"],
        json!({"headline": "Lunch is served", "room": "Cafe"})
    );
    assert_eq!(woke["status"], "ok");

    // The same content again (a new message) keeps the version.
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{iid}"),
        &verifier("standard_webhooks"),
        &secret,
        body,
        "msg_2",
        now(),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["version"], version);
    hub.stop().await;
}

#[tokio::test]
async fn unsigned_forged_stale_and_replayed_deliveries_change_nothing() {
    let (hub, iid, _wc, secret) = signed_hub().await;
    let path = format!("/webhooks/integrations/{iid}");
    let cfg = verifier("standard_webhooks");
    let good = br#"{"n":1}"#;
    let ok = post_signed(&hub, &path, &cfg, &secret, good, "msg_a", now()).await;
    assert_eq!(ok.status(), 200);
    let v1 = ok.json::<Value>().await.unwrap()["version"].clone();
    let stored = data_rows(&hub);

    let evil = br#"{"n":666}"#;
    // No signature at all.
    let res = hub
        .client
        .post(hub.hooks_url(&path))
        .body(evil.to_vec())
        .send()
        .await
        .unwrap();
    let unsigned = error_code(res).await;
    // Signed with another secret.
    let forged = error_code(
        post_signed(
            &hub,
            &path,
            &cfg,
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            evil,
            "msg_b",
            now(),
        )
        .await,
    )
    .await;
    // Correctly signed, but ten minutes old (a captured request replayed later).
    let stale =
        error_code(post_signed(&hub, &path, &cfg, &secret, evil, "msg_c", now() - 600).await).await;
    for (what, r) in [
        ("unsigned", &unsigned),
        ("forged", &forged),
        ("stale", &stale),
    ] {
        assert_eq!(r.0, 401, "{what}");
        assert_eq!(r.1, "unauthorized", "{what}");
    }
    assert_eq!(unsigned.2, forged.2, "401s are generic");
    assert_eq!(forged.2, stale.2);
    assert_eq!(
        data_rows(&hub),
        stored,
        "nothing unsigned, forged or stale is stored"
    );

    // The exact same signed delivery again: acknowledged once, nothing changes.
    let res = post_signed(&hub, &path, &cfg, &secret, good, "msg_a", now()).await;
    assert_eq!(res.status(), 200);
    let dup: Value = res.json().await.unwrap();
    assert_eq!(dup["duplicate"], true);
    assert_eq!(dup["version"], v1);
    // A replay of an accepted id with different content is still only acknowledged.
    let res = post_signed(&hub, &path, &cfg, &secret, evil, "msg_a", now()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(data_rows(&hub), stored);

    // The inspector saw all of it, without the signatures.
    let log = hub
        .get_ok(&format!("/admin/api/deliveries?integration_id={iid}"), 200)
        .await;
    let outcomes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "duplicate",
            "duplicate",
            "bad_signature",
            "bad_signature",
            "bad_signature",
            "accepted"
        ]
    );
    let verifications: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["verification"].as_str().unwrap())
        .collect();
    assert_eq!(
        verifications[2..5],
        ["stale_timestamp", "bad_signature", "missing_signature"]
    );
    assert_eq!(
        log[3]["message_id"], "msg_b",
        "a refused delivery shows the id it claimed"
    );
    let accepted = &log[5];
    assert_eq!(accepted["headers"]["webhook-signature"], "<redacted>");
    assert_eq!(accepted["message_id"], "msg_a");
    assert_eq!(accepted["body_preview"], "{\"n\":1}");
    let only_bad = hub
        .get_ok(
            &format!("/admin/api/deliveries?integration_id={iid}&outcome=bad_signature"),
            200,
        )
        .await;
    assert_eq!(only_bad.as_array().unwrap().len(), 3);
    hub.stop().await;
}

#[tokio::test]
async fn unknown_disabled_pull_only_and_foreign_hooks_are_the_same_404() {
    let (hub, iid, wc, secret) = signed_hub().await;
    let other = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "facebook-page"}),
            201,
        )
        .await;
    let other_wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": other["id"], "name": "fb"}),
            201,
        )
        .await;
    let pull = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await;
    let cfg = verifier("standard_webhooks");
    let mut answers = Vec::new();
    for path in [
        "/webhooks/integrations/99999".to_owned(),
        "/webhooks/integrations/abc".to_owned(),
        format!("/webhooks/integrations/{}", pull["id"]),
        format!(
            "/webhooks/widgets/{iid}/{}",
            other_wc["id"].as_str().unwrap()
        ),
        format!("/webhooks/widgets/{iid}/00000000-0000-4000-8000-000000000000"),
    ] {
        let res = post_signed(&hub, &path, &cfg, &secret, b"{}", "m", now()).await;
        answers.push((res.status().as_u16(), res.text().await.unwrap()));
    }
    // Disabled.
    let mut def = millrace::templates::find("signed-webhook")
        .unwrap()
        .integration;
    def["is_active"] = json!(false);
    hub.put_ok(&format!("/admin/api/integrations/{iid}"), def, 200)
        .await;
    let res = post_signed(
        &hub,
        &format!("/webhooks/widgets/{iid}/{wc}"),
        &cfg,
        &secret,
        b"{}",
        "m2",
        now(),
    )
    .await;
    answers.push((res.status().as_u16(), res.text().await.unwrap()));
    for a in &answers {
        assert_eq!(a, &answers[0], "every unusable hook answers alike");
    }
    assert_eq!(answers[0].0, 404);
    hub.stop().await;
}

#[tokio::test]
async fn bad_bodies_after_a_valid_signature_are_refused_clearly() {
    let (hub, iid, _wc, secret) = signed_hub().await;
    let path = format!("/webhooks/integrations/{iid}");
    let cfg = verifier("standard_webhooks");
    let stored = data_rows(&hub);
    let res = post_signed(&hub, &path, &cfg, &secret, b"{not json", "m1", now()).await;
    let (status, code, message) = error_code(res).await;
    assert_eq!((status, code.as_str()), (400, "invalid_json"));
    assert!(message.contains("not valid JSON"), "{message}");
    let big = vec![b' '; 1024 * 1024 + 10];
    let res = post_signed(&hub, &path, &cfg, &secret, &big, "m2", now()).await;
    assert_eq!(res.status(), 413);
    assert_eq!(data_rows(&hub), stored);
    // A Castmill-transform integration refuses a payload without its envelope.
    let castmill: Value = serde_json::from_value(json!({
        "widget": "notice", "name": "castmill", "integration_type": "push",
        "credential_schema": {"webhook_secret": {"type": "string", "required": true, "sensitive": true}},
        "push_config": {"verifier": {"scheme": "standard_webhooks"}, "transform": "castmill"}
    }))
    .unwrap();
    let c = hub.post_ok("/admin/api/integrations", castmill, 201).await;
    let cid = c["id"].as_i64().unwrap();
    let s2 = hub
        .post_ok(
            &format!("/admin/api/integrations/{cid}/webhook/secret"),
            json!({}),
            200,
        )
        .await;
    let s2 = s2["secret"].as_str().unwrap();
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{cid}"),
        &cfg,
        s2,
        br#"{"text":"no envelope"}"#,
        "m3",
        now(),
    )
    .await;
    let (status, code, _) = error_code(res).await;
    assert_eq!((status, code.as_str()), (400, "unexpected_payload"));
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{cid}"),
        &cfg,
        s2,
        br#"{"data":{"text":"hi"}}"#,
        "m4",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    hub.stop().await;
}

#[tokio::test]
async fn a_rotated_secret_keeps_the_previous_one_valid_until_the_next_rotation() {
    let (hub, iid, _wc, first) = signed_hub().await;
    let path = format!("/webhooks/integrations/{iid}");
    let cfg = verifier("standard_webhooks");
    let r = hub
        .post_ok(
            &format!("/admin/api/integrations/{iid}/webhook/secret"),
            json!({}),
            200,
        )
        .await;
    assert_eq!(r["previous_kept"], true);
    let second = r["secret"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(
        post_signed(&hub, &path, &cfg, &first, b"{\"a\":1}", "r1", now())
            .await
            .status(),
        200
    );
    assert_eq!(
        post_signed(&hub, &path, &cfg, &second, b"{\"a\":2}", "r2", now())
            .await
            .status(),
        200
    );
    let info = hub
        .get_ok(&format!("/admin/api/integrations/{iid}/webhook"), 200)
        .await;
    assert_eq!(info["secret_set"], true);
    assert_eq!(info["previous_secret_set"], true);
    assert!(
        !info.to_string().contains(&second),
        "the secret is shown once, at generation"
    );
    assert!(info["urls"]["integration"]
        .as_str()
        .unwrap()
        .ends_with(&path));
    hub.post_ok(
        &format!("/admin/api/integrations/{iid}/webhook/secret"),
        json!({}),
        200,
    )
    .await;
    assert_eq!(
        post_signed(&hub, &path, &cfg, &first, b"{\"a\":3}", "r3", now())
            .await
            .status(),
        401,
        "two rotations later the first secret is dead"
    );
    assert_eq!(
        post_signed(&hub, &path, &cfg, &second, b"{\"a\":4}", "r4", now())
            .await
            .status(),
        200
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_push_integration_without_a_secret_refuses_deliveries() {
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "signed-webhook"}),
            201,
        )
        .await;
    let iid = i["id"].as_i64().unwrap();
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{iid}"),
        &verifier("standard_webhooks"),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        b"{}",
        "x",
        now(),
    )
    .await;
    assert_eq!(res.status(), 401);
    let log = hub
        .get_ok(&format!("/admin/api/deliveries?integration_id={iid}"), 200)
        .await;
    assert_eq!(log[0]["outcome"], "no_secret");
    assert_eq!(log[0]["verification"], "no_secret");
    hub.stop().await;
}

#[tokio::test]
async fn meta_handshake_and_page_feed_deliveries() {
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "facebook-page"}),
            201,
        )
        .await;
    let iid = i["id"].as_i64().unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Cafe page"}),
            201,
        )
        .await;
    let wc = wc["id"].as_str().unwrap().to_owned();
    hub.put_ok(
        &format!("/admin/api/widget-configs/{wc}/credentials"),
        json!({"credentials": {"app_secret": "meta-app-secret-42", "verify_token": "lobby-screens"}}),
        200,
    )
    .await;
    let path = format!("/webhooks/widgets/{iid}/{wc}");
    let res = hub
        .client
        .get(hub.hooks_url(&format!(
            "{path}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=lobby-screens"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(res.text().await.unwrap(), "1158201444");
    let res = hub
        .client
        .get(hub.hooks_url(&format!(
            "{path}?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let payload = br#"{"object":"page","entry":[{"id":"1234567890","time":1520383571,"changes":[{"field":"feed","value":{"from":{"id":"1067280970047460","name":"Example Page"},"item":"status","post_id":"1234567890_9876543210","verb":"add","published":1,"created_time":1520383571,"message":"Example post content.","permalink_url":"https://www.facebook.com/1234567890/posts/9876543210"}}]}]}"#;
    let res = post_signed(
        &hub,
        &path,
        &verifier("meta"),
        "meta-app-secret-42",
        payload,
        "",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let d = hub.player_data(&wc).await;
    assert_eq!(d["data"]["message"], "Example post content.");
    assert_eq!(d["data"]["from"]["name"], "Example Page");
    assert_eq!(
        d["data"]["permalink_url"],
        "https://www.facebook.com/1234567890/posts/9876543210"
    );
    assert_eq!(d["data"]["created_at"], "2018-03-07T00:46:11Z");
    // The integration route does not exist for per-widget data.
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{iid}"),
        &verifier("meta"),
        "meta-app-secret-42",
        payload,
        "",
        now(),
    )
    .await;
    assert_eq!(res.status(), 404);
    hub.stop().await;
}

#[tokio::test]
async fn github_deliveries_feed_a_both_integration_through_a_mapping() {
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok("/admin/api/integrations", json!({"template": "github-repo", "pull_endpoint": "http://127.0.0.1:9/repos/{{options.owner}}/{{options.repo}}"}), 201)
        .await;
    let iid = i["id"].as_i64().unwrap();
    let wc = hub
        .post_ok("/admin/api/widget-configs", json!({"integration_id": iid, "name": "Repo", "options": {"owner": "acme", "repo": "signs"}}), 201)
        .await;
    let wc = wc["id"].as_str().unwrap().to_owned();
    hub.put_ok(
        &format!("/admin/api/integrations/{iid}/credentials"),
        json!({"credentials": {"webhook_secret": "It's a Secret to Everybody"}}),
        200,
    )
    .await;
    let body = br#"{"action":"started","repository":{"full_name":"acme/signs","description":"Signage","stargazers_count":42,"forks_count":3,"open_issues_count":5}}"#;
    let res = post_signed(
        &hub,
        &format!("/webhooks/widgets/{iid}/{wc}"),
        &verifier("github"),
        "It's a Secret to Everybody",
        body,
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let d = hub.player_data(&wc).await;
    assert_eq!(
        d["data"],
        json!({"name": "acme/signs", "description": "Signage", "stars": 42, "forks": 3, "open_issues": 5})
    );
    let log = hub
        .get_ok(&format!("/admin/api/deliveries?widget_config_id={wc}"), 200)
        .await;
    assert_eq!(log[0]["message_id"], "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert_eq!(log[0]["headers"]["x-hub-signature-256"], "<redacted>");
    hub.stop().await;
}

#[tokio::test]
async fn slack_url_verification_and_the_configurable_hmac_scheme() {
    let hub = TestHub::spawn().await;
    let make = |name: &str, verifier: Value| {
        json!({
            "widget": "notice", "name": name, "integration_type": "push",
            "credential_schema": {"webhook_secret": {"type": "string", "required": true, "sensitive": true}},
            "push_config": {"verifier": verifier}
        })
    };
    let slack = hub
        .post_ok(
            "/admin/api/integrations",
            make("slack", json!({"scheme": "slack"})),
            201,
        )
        .await;
    let sid = slack["id"].as_i64().unwrap();
    hub.put_ok(
        &format!("/admin/api/integrations/{sid}/credentials"),
        json!({"credentials": {"webhook_secret": "8f742231b10e8888abcd99yyyzzz85a5"}}),
        200,
    )
    .await;
    let body = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{sid}"),
        &verifier("slack"),
        "8f742231b10e8888abcd99yyyzzz85a5",
        body,
        "",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    let cfg: VerifierConfig = serde_json::from_value(json!({"scheme": "hmac", "header": "X-Signature", "prefix": "sha256=", "encoding": "base64"})).unwrap();
    let h = hub
        .post_ok(
            "/admin/api/integrations",
            make("hmac", serde_json::to_value(&cfg).unwrap()),
            201,
        )
        .await;
    let hid = h["id"].as_i64().unwrap();
    hub.put_ok(
        &format!("/admin/api/integrations/{hid}/credentials"),
        json!({"credentials": {"webhook_secret": "plain-shared-secret"}}),
        200,
    )
    .await;
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{hid}"),
        &cfg,
        "plain-shared-secret",
        br#"{"ok":1}"#,
        "",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = post_signed(
        &hub,
        &format!("/webhooks/integrations/{hid}"),
        &cfg,
        "wrong-secret",
        br#"{"ok":2}"#,
        "",
        now(),
    )
    .await;
    assert_eq!(res.status(), 401);
    let log = hub
        .get_ok(&format!("/admin/api/deliveries?integration_id={hid}"), 200)
        .await;
    assert_eq!(
        log[0]["headers"]["x-signature"], "<redacted>",
        "the hmac scheme's own header is redacted too"
    );
    hub.stop().await;
}

#[tokio::test]
async fn too_many_deliveries_are_answered_429_with_retry_after() {
    let (hub, iid, _wc, secret) = signed_hub().await;
    let path = format!("/webhooks/integrations/{iid}");
    let cfg = verifier("standard_webhooks");
    let mut limited = None;
    for n in 0..700 {
        let res = post_signed(
            &hub,
            &path,
            &cfg,
            &secret,
            format!("{{\"n\":{n}}}").as_bytes(),
            &format!("m{n}"),
            now(),
        )
        .await;
        if res.status() == 429 {
            limited = Some((
                n,
                res.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap(),
            ));
            break;
        }
        assert_eq!(res.status(), 200);
    }
    let (n, retry_after) = limited.expect("the limit kicks in");
    assert!(
        n >= millrace::http::hooks::RATE_PER_MINUTE as usize - 5,
        "{n}"
    );
    assert!((1..=60).contains(&retry_after));
    hub.stop().await;
}

#[tokio::test]
async fn send_test_delivery_goes_through_the_real_webhook_route() {
    let (hub, iid, wc, _secret) = signed_hub().await;
    let r = hub
        .post_ok(
            &format!("/admin/api/integrations/{iid}/webhook/test"),
            json!({}),
            200,
        )
        .await;
    assert_eq!(r["status"], 200, "{r}");
    assert_eq!(r["response"]["success"], true);
    let d = hub.player_data(&wc).await;
    assert!(d["data"]["message"]
        .as_str()
        .unwrap()
        .contains("test delivery"));
    let log = hub
        .get_ok(&format!("/admin/api/deliveries?integration_id={iid}"), 200)
        .await;
    assert_eq!(log[0]["outcome"], "accepted");
    // Without a secret it says so.
    let other = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "signed-webhook", "name": "x"}),
            201,
        )
        .await;
    let res = hub
        .admin_send(
            Method::POST,
            &format!("/admin/api/integrations/{}/webhook/test", other["id"]),
            Some(json!({})),
        )
        .await;
    let (status, code, _) = error_code(res).await;
    assert_eq!((status, code.as_str()), (400, "no_secret"));
    hub.stop().await;
}

#[tokio::test]
async fn a_push_during_a_pull_is_not_overwritten_by_the_older_pulled_data() {
    let api = crate::common::Upstream::start(
        br#"{"full_name":"acme/signs","description":"old","stargazers_count":1,"forks_count":0,"open_issues_count":0}"#.to_vec(),
        "application/json",
    )
    .await;
    let hub = TestHub::spawn_pulling().await;
    let i = hub
        .post_ok("/admin/api/integrations", json!({"template": "github-repo", "pull_endpoint": api.url("/repos/{{options.owner}}/{{options.repo}}")}), 201)
        .await;
    let iid = i["id"].as_i64().unwrap();
    hub.put_ok(
        &format!("/admin/api/integrations/{iid}/credentials"),
        json!({"credentials": {"webhook_secret": "race-secret"}}),
        200,
    )
    .await;
    let wc = hub
        .post_ok("/admin/api/widget-configs", json!({"integration_id": iid, "name": "Repo", "options": {"owner": "acme", "repo": "signs"}}), 201)
        .await;
    let wc = wc["id"].as_str().unwrap().to_owned();
    hub.wait_data(&wc, "the first pull", |d| d["status"] == "ok")
        .await;

    // The next pull is slow; a push lands while it is in flight.
    api.set(|s| s.delay = std::time::Duration::from_millis(1500));
    let before = api.requests().len();
    hub.admin_send(
        Method::POST,
        &format!("/admin/api/widget-configs/{wc}/refresh"),
        None,
    )
    .await;
    crate::common::eventually(10, "the pull in flight", || async {
        (api.requests().len() > before).then_some(())
    })
    .await;
    let body = br#"{"repository":{"full_name":"acme/signs","description":"pushed","stargazers_count":99,"forks_count":1,"open_issues_count":2}}"#;
    let res = post_signed(
        &hub,
        &format!("/webhooks/widgets/{iid}/{wc}"),
        &verifier("github"),
        "race-secret",
        body,
        "race-1",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(hub.player_data(&wc).await["data"]["stars"], 99);
    // The slow pull finishes with older data; the pushed data stays.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let d = hub.player_data(&wc).await;
    assert_eq!(d["data"]["description"], "pushed", "{d}");
    assert_eq!(d["status"], "ok");
    hub.stop().await;
}

#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_refused() {
    let (hub, iid, _wc, secret) = signed_hub().await;
    for body in [&b"[1,2,3]"[..], b"\"text\"", b"42"] {
        let res = post_signed(
            &hub,
            &format!("/webhooks/integrations/{iid}"),
            &verifier("standard_webhooks"),
            &secret,
            body,
            &format!("n{}", body.len()),
            now(),
        )
        .await;
        let (status, code, message) = error_code(res).await;
        assert_eq!((status, code.as_str()), (400, "invalid_json"));
        assert!(message.contains("JSON object"), "{message}");
    }
    hub.stop().await;
}

/// How many delivery-log rows have `outcome` (read from the database, not the paged API).
fn recorded(hub: &TestHub, outcome: &str) -> i64 {
    let conn = rusqlite::Connection::open(hub.db_path()).unwrap();
    conn.query_row(
        "SELECT count(*) FROM deliveries WHERE outcome = ?1",
        [outcome],
        |r| r.get(0),
    )
    .unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_forged_deliveries_does_not_use_up_the_genuine_budget() {
    use millrace::http::hooks::{RATE_PER_MINUTE, REFUSED_PER_MINUTE};
    let (hub, iid, wc, secret) = signed_hub().await;
    let path = format!("/webhooks/integrations/{iid}");
    let before = data_rows(&hub);
    // More unsigned requests than the whole genuine budget, as anyone knowing the URL can send.
    let flood = RATE_PER_MINUTE as usize + 50;
    let (mut refused, mut limited) = (0, 0);
    for n in 0..flood {
        let res = hub
            .client
            .post(hub.hooks_url(&path))
            .header("content-type", "application/json")
            .header("webhook-id", format!("forged-{n}"))
            .body(r#"{"message":"forged"}"#)
            .send()
            .await
            .unwrap();
        match res.status().as_u16() {
            401 => refused += 1,
            429 => {
                assert!((1..=60).contains(&retry_after(&res)));
                limited += 1;
            }
            other => panic!("request {n}: unexpected {other}"),
        }
    }
    // The refused budget, plus what refilled while the flood ran (2 a second).
    assert!(
        (REFUSED_PER_MINUTE as usize..REFUSED_PER_MINUTE as usize + 30).contains(&refused),
        "{refused} answered 401"
    );
    assert_eq!(refused + limited, flood);
    // Only the requests answered 401 were recorded: a flood cannot bloat the database.
    assert_eq!(recorded(&hub, "bad_signature") as usize, refused);
    assert_eq!(data_rows(&hub), before, "nothing forged was stored");

    // The genuine sender is unaffected.
    let res = post_signed(
        &hub,
        &path,
        &verifier("standard_webhooks"),
        &secret,
        br#"{"message":"genuine"}"#,
        "genuine-1",
        now(),
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(hub.player_data(&wc).await["data"]["message"], "genuine");
    hub.stop().await;
}

#[tokio::test]
async fn an_unsigned_malformed_body_is_401_not_400() {
    // Verification comes before parsing: garbage without a signature is refused as unsigned,
    // and the parser never sees it (with a valid signature the same body is a 400).
    let (hub, iid, _wc, secret) = signed_hub().await;
    let path = format!("/webhooks/integrations/{iid}");
    for body in [&b"{not json"[..], b"", b"\xff\xfe\x00", b"[1,2"] {
        let res = hub
            .client
            .post(hub.hooks_url(&path))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_code(res).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{body:?}");
    }
    let res = post_signed(
        &hub,
        &path,
        &verifier("standard_webhooks"),
        &secret,
        b"{not json",
        "m-1",
        now(),
    )
    .await;
    let (status, code, _) = error_code(res).await;
    assert_eq!((status, code.as_str()), (400, "invalid_json"));
    hub.stop().await;
}

#[tokio::test]
async fn unmatched_requests_are_recorded_within_a_budget_and_still_answered_404() {
    use millrace::http::hooks::UNMATCHED_RECORDED_PER_MINUTE;
    let hub = TestHub::spawn().await;
    let flood = UNMATCHED_RECORDED_PER_MINUTE as usize + 60;
    for n in 0..flood {
        let res = hub
            .client
            .post(hub.hooks_url(&format!("/webhooks/integrations/{}", 1000 + n)))
            .body("{}")
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_code(res).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "request {n}");
    }
    let rows = recorded(&hub, "not_found");
    // The budget, plus what refilled while the flood ran (1 a second).
    assert!(
        (i64::from(UNMATCHED_RECORDED_PER_MINUTE)..i64::from(UNMATCHED_RECORDED_PER_MINUTE) + 15)
            .contains(&rows),
        "{rows} of {flood} unmatched requests recorded"
    );
    hub.stop().await;
}

#[tokio::test]
async fn handshake_attempts_are_limited_so_the_verify_token_cannot_be_guessed_at_speed() {
    use millrace::http::hooks::CHALLENGES_PER_MINUTE;
    let hub = TestHub::spawn().await;
    let iid = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "facebook-page"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": iid, "name": "Cafe page"}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    hub.put_ok(
        &format!("/admin/api/widget-configs/{wc}/credentials"),
        json!({"credentials": {"app_secret": "meta-app-secret-42", "verify_token": "lobby-screens"}}),
        200,
    )
    .await;
    let handshake = |token: &str| {
        hub.client
            .get(hub.hooks_url(&format!(
                "/webhooks/widgets/{iid}/{wc}?hub.mode=subscribe&hub.challenge=42&hub.verify_token={token}"
            )))
            .send()
    };
    for n in 0..CHALLENGES_PER_MINUTE {
        let res = handshake(&format!("guess-{n}")).await.unwrap();
        assert_eq!(res.status(), 403, "guess {n}");
    }
    let res = handshake("guess-more").await.unwrap();
    assert_eq!(res.status(), 429);
    assert!((1..=60).contains(&retry_after(&res)));
    // Over the budget the token is not even compared: the right one is refused too, so a
    // guesser learns nothing until the budget refills.
    let res = handshake("lobby-screens").await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(
        recorded(&hub, "challenge_refused"),
        i64::from(CHALLENGES_PER_MINUTE),
        "attempts over the budget are not recorded"
    );
    assert_eq!(recorded(&hub, "challenge"), 0);
    hub.stop().await;
}
