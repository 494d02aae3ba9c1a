//! The bad-input sweep: malformed requests to every route of every listener — wrong methods, bad
//! ids, bad JSON, bad queries, missing tokens, huge headers — each answered with its documented
//! 4xx (for the admin API: a status its OpenAPI document lists for that operation), while the
//! hub keeps answering and the stored data stays exactly as it was. A second test leaves
//! slow-loris partial requests dangling on every listener and proves the hub keeps serving
//! others and closes them by itself.
//!
//! "Stored data" is every table except the ones that record traffic by design: `deliveries` (the
//! webhook inspector logs every request to a hook, refused ones included) and the player
//! registry (`players`, `player_widgets`). The test checks those refused deliveries were never
//! recorded as accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use millrace::secret::SecretString;
use millrace::webhook::{self, VerifierConfig};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::admin_api::rss_integration;
use crate::common::TestHub;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    Admin,
    Player,
    Hooks,
}

/// What a case expects back.
#[derive(Debug, Clone)]
enum Expect {
    /// A JSON error with this status and, if given, this `error.code`.
    Error(u16, Option<&'static str>),
    /// An answer from hyper itself (no body), e.g. 431.
    Bare(u16),
    /// A 200 page whose body contains the first text and not the second (the display page for
    /// an unknown widget is documented to be served, with the id escaped).
    Page(&'static str, &'static str),
}

struct Case {
    what: String,
    listener: Listener,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<(&'static str, Vec<u8>)>,
    /// Send the admin token (admin listener only).
    token: bool,
    expect: Expect,
    /// For admin API cases: the operation in the OpenAPI document whose responses must list the
    /// status (`None` for answers every route gives, such as 405 and 431).
    operation: Option<(Method, String)>,
}

impl Case {
    fn new(what: impl Into<String>, listener: Listener, method: Method, path: &str) -> Self {
        Self {
            what: what.into(),
            listener,
            method,
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
            token: listener == Listener::Admin,
            expect: Expect::Error(400, None),
            operation: None,
        }
    }
    fn expect(mut self, e: Expect) -> Self {
        self.expect = e;
        self
    }
    fn body(mut self, content_type: &'static str, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type, bytes.into()));
        self
    }
    fn header(mut self, k: &str, v: impl Into<String>) -> Self {
        self.headers.push((k.to_owned(), v.into()));
        self
    }
    fn documented_by(mut self, method: &Method, template: &str) -> Self {
        self.operation = Some((method.clone(), template.to_owned()));
        self
    }
    fn without_token(mut self) -> Self {
        self.token = false;
        self
    }
}

/// Ids of the definitions the routes act on.
struct World {
    rss: i64,
    rss_wc: String,
    openweather: i64,
    hook: i64,
    hook_wc: String,
    hook_secret: String,
    facebook_wc: String,
}

async fn world(hub: &TestHub) -> World {
    let rss = hub
        .post_ok("/admin/api/integrations", rss_integration(), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let rss_wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": rss, "name": "Lobby", "options": {"feed_url": "http://127.0.0.1:9/feed"}}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let openweather = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    hub.put_ok(
        &format!("/admin/api/integrations/{openweather}/credentials"),
        json!({"credentials": {"api_key": "k-123456"}}),
        200,
    )
    .await;
    let hook = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "signed-webhook"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let hook_wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": hook, "name": "Board"}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hook_secret = hub
        .post_ok(
            &format!("/admin/api/integrations/{hook}/webhook/secret"),
            json!({}),
            200,
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let facebook = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "facebook-page"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let facebook_wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": facebook, "name": "Page"}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        rss,
        rss_wc,
        openweather,
        hook,
        hook_wc,
        hook_secret,
        facebook_wc,
    }
}

/// The concrete path of an admin route template, with an id the route makes sense for.
fn concrete(template: &str, w: &World) -> String {
    let id = if template.starts_with("/integrations/{id}/webhook") {
        w.hook.to_string()
    } else if template == "/integrations/{id}/credentials" {
        w.openweather.to_string()
    } else if template.starts_with("/integrations/{id}") {
        w.rss.to_string()
    } else if template == "/widget-configs/{id}/credentials" {
        w.facebook_wc.clone()
    } else {
        w.rss_wc.clone()
    };
    format!("/admin/api{}", template.replace("{id}", &id))
}

/// A body the route would accept for an existing id, so a bad id is the only thing wrong.
fn valid_body(template: &str, w: &World) -> Value {
    match template {
        "/integrations/{id}" => {
            let mut b = rss_integration();
            b["name"] = json!("Renamed");
            b
        }
        "/integrations/{id}/credentials" => json!({"credentials": {"api_key": "k-654321"}}),
        "/widget-configs/{id}" => json!({
            "integration_id": w.rss, "name": "Renamed",
            "options": {"feed_url": "http://127.0.0.1:9/other"}
        }),
        "/widget-configs/{id}/credentials" => {
            json!({"credentials": {"app_secret": "s-123456", "verify_token": "t-123456"}})
        }
        _ => json!({}),
    }
}

/// Ids that name nothing: not numbers, out of range, odd characters, very long.
fn bad_ids(template: &str) -> Vec<String> {
    let mut ids = vec![
        "abc".to_owned(),
        "0".to_owned(),
        "-1".to_owned(),
        "99999999999999999999999999".to_owned(),
        "1.5".to_owned(),
        "%F0%9F%A6%80".to_owned(),
        "%00".to_owned(),
        "x".repeat(4000),
    ];
    if template.starts_with("/widget-configs") {
        ids.push("00000000-0000-4000-8000-000000000000".to_owned());
    } else {
        ids.push("424242".to_owned());
    }
    ids
}

const VERBS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];

/// Every admin API route, from the router's own table (so a new route is swept automatically).
fn admin_cases(w: &World, openapi: &Value, cases: &mut Vec<Case>) {
    let mut by_path: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for (method, path) in millrace::http::admin::routes() {
        by_path.entry(path).or_default().insert(method.to_string());
    }
    for (template, methods) in &by_path {
        let path = concrete(template, w);
        for verb in VERBS {
            if methods.contains(verb.as_str()) {
                continue;
            }
            cases.push(
                Case::new(
                    format!("wrong method {verb} {template}"),
                    Listener::Admin,
                    verb,
                    &path,
                )
                .body("application/json", "{}")
                .expect(Expect::Error(405, Some("method_not_allowed"))),
            );
        }
        for method in methods {
            let method: Method = method.parse().unwrap();
            cases.push(
                Case::new(
                    format!("no token {method} {template}"),
                    Listener::Admin,
                    method.clone(),
                    &path,
                )
                .without_token()
                .body("application/json", "{}")
                .expect(Expect::Error(401, Some("unauthorized")))
                .documented_by(&method, template),
            );
            cases.push(
                Case::new(
                    format!("foreign Host {method} {template}"),
                    Listener::Admin,
                    method.clone(),
                    &path,
                )
                .header("host", "evil.example:80")
                .body("application/json", "{}")
                .expect(Expect::Error(403, Some("forbidden")))
                .documented_by(&method, template),
            );
            if template.contains("{id}") {
                for bad in bad_ids(template) {
                    let shown: String = bad.chars().take(24).collect();
                    cases.push(
                        Case::new(
                            format!("bad id '{shown}' {method} {template}"),
                            Listener::Admin,
                            method.clone(),
                            &format!("/admin/api{}", template.replace("{id}", &bad)),
                        )
                        .body("application/json", valid_body(template, w).to_string())
                        .expect(Expect::Error(404, Some("not_found")))
                        .documented_by(&method, template),
                    );
                }
            }
            let key = method.as_str().to_ascii_lowercase();
            let takes_body = openapi["paths"][*template][&key]
                .get("requestBody")
                .is_some();
            if takes_body {
                let json_case = |what: &str, body: Vec<u8>, status, code| {
                    Case::new(
                        format!("{what} {method} {template}"),
                        Listener::Admin,
                        method.clone(),
                        &path,
                    )
                    .body("application/json", body)
                    .expect(Expect::Error(status, Some(code)))
                    .documented_by(&method, template)
                };
                cases.push(json_case(
                    "malformed JSON",
                    br#"{"name": "x", "#.to_vec(),
                    400,
                    "malformed_json",
                ));
                cases.push(json_case(
                    "not JSON at all",
                    b"\xff\xfe<xml/>".to_vec(),
                    400,
                    "malformed_json",
                ));
                cases.push(json_case(
                    "a JSON array instead of an object",
                    b"[1, 2, 3]".to_vec(),
                    422,
                    "invalid",
                ));
                cases.push(json_case(
                    "deeply nested JSON",
                    format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
                    400,
                    "malformed_json",
                ));
                cases.push(json_case(
                    "a body over 1 MiB",
                    format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024 + 10)).into_bytes(),
                    413,
                    "payload_too_large",
                ));
                cases.push(
                    Case::new(
                        format!("form body {method} {template}"),
                        Listener::Admin,
                        method.clone(),
                        &path,
                    )
                    .body("application/x-www-form-urlencoded", "name=x")
                    .expect(Expect::Error(415, Some("unsupported_media_type")))
                    .documented_by(&method, template),
                );
            }
        }
    }
    for (path, template, param) in [
        (
            "/admin/api/widget-configs?integration_id=x",
            "/widget-configs",
            "integration_id",
        ),
        (
            "/admin/api/deliveries?integration_id=%27%3B--",
            "/deliveries",
            "integration_id",
        ),
    ] {
        cases.push(
            Case::new(
                format!("bad query {param} on {template}"),
                Listener::Admin,
                Method::GET,
                path,
            )
            .expect(Expect::Error(400, None))
            .documented_by(&Method::GET, template),
        );
    }
    cases.push(
        Case::new(
            "unknown API route",
            Listener::Admin,
            Method::GET,
            "/admin/api/nope",
        )
        .expect(Expect::Error(404, Some("not_found"))),
    );
    for verb in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        cases.push(
            Case::new(
                format!("wrong method {verb} on the UI"),
                Listener::Admin,
                verb,
                "/",
            )
            .expect(Expect::Error(405, Some("method_not_allowed"))),
        );
    }
}

/// The player listener's routes (it has no route table; this list mirrors
/// `src/http/player/mod.rs` and `display.rs`).
fn player_cases(w: &World, cases: &mut Vec<Case>) {
    let data = format!("/api/widget-configs/{}/data", w.rss_wc);
    let events = format!("/api/events?widget_config_id={}", w.rss_wc);
    let display = format!("/display/{}", w.rss_wc);
    for path in [
        "/healthz",
        data.as_str(),
        events.as_str(),
        "/player.js",
        "/display/assets/display.js",
        "/display/assets/display.css",
        display.as_str(),
    ] {
        for verb in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            cases.push(
                Case::new(
                    format!("wrong method {verb} {path}"),
                    Listener::Player,
                    verb,
                    path,
                )
                .body("application/json", "{}")
                .expect(Expect::Error(405, Some("method_not_allowed"))),
            );
        }
    }
    for bad in bad_ids("/widget-configs") {
        let shown: String = bad.chars().take(24).collect();
        cases.push(
            Case::new(
                format!("bad id '{shown}' on the data route"),
                Listener::Player,
                Method::GET,
                &format!("/api/widget-configs/{bad}/data"),
            )
            .expect(Expect::Error(404, Some("not_found"))),
        );
        cases.push(
            Case::new(
                format!("bad id '{shown}' on the events route"),
                Listener::Player,
                Method::GET,
                &format!("/api/events?widget_config_id={bad}"),
            )
            .expect(Expect::Error(404, Some("not_found"))),
        );
    }
    for (q, code) in [
        ("version=abc", "bad_version"),
        ("version=-1", "bad_version"),
        ("version=1e9", "bad_version"),
        ("version=99999999999999999999999", "bad_version"),
        ("wait=61", "bad_wait"),
        ("wait=-5", "bad_wait"),
        ("version=1&wait=soon", "bad_wait"),
    ] {
        cases.push(
            Case::new(
                format!("bad query {q}"),
                Listener::Player,
                Method::GET,
                &format!("{data}?{q}"),
            )
            .expect(Expect::Error(400, Some(code))),
        );
    }
    cases.push(
        Case::new(
            "events without widgets",
            Listener::Player,
            Method::GET,
            "/api/events",
        )
        .expect(Expect::Error(400, Some("no_widgets"))),
    );
    let many: Vec<String> = (0..101).map(|i| format!("widget_config_id=w{i}")).collect();
    cases.push(
        Case::new(
            "events for 101 widgets",
            Listener::Player,
            Method::GET,
            &format!("/api/events?{}", many.join("&")),
        )
        .expect(Expect::Error(400, Some("too_many_widgets"))),
    );
    cases.push(
        Case::new(
            "the display page of an unknown widget, with markup in its id",
            Listener::Player,
            Method::GET,
            "/display/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        )
        .expect(Expect::Page("generic", "<script>alert(1)")),
    );
    cases.push(
        Case::new(
            "unknown player route",
            Listener::Player,
            Method::GET,
            "/api/nope",
        )
        .expect(Expect::Error(404, Some("not_found"))),
    );
}

fn sign(w: &World, body: &[u8], id: &str) -> Vec<(String, String)> {
    let cfg: VerifierConfig =
        serde_json::from_value(json!({"scheme": "standard_webhooks"})).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    webhook::sign(
        &cfg,
        &SecretString::new(w.hook_secret.clone()),
        body,
        now,
        id,
    )
}

/// The hooks listener's routes.
fn hooks_cases(w: &World, cases: &mut Vec<Case>) {
    let integration = format!("/webhooks/integrations/{}", w.hook);
    let widget = format!("/webhooks/widgets/{}/{}", w.hook, w.hook_wc);
    for path in [integration.as_str(), widget.as_str(), "/healthz"] {
        for verb in [Method::PUT, Method::DELETE, Method::PATCH] {
            cases.push(
                Case::new(
                    format!("wrong method {verb} {path}"),
                    Listener::Hooks,
                    verb,
                    path,
                )
                .expect(Expect::Error(405, Some("method_not_allowed"))),
            );
        }
    }
    cases.push(
        Case::new(
            "wrong method POST /healthz",
            Listener::Hooks,
            Method::POST,
            "/healthz",
        )
        .expect(Expect::Error(405, Some("method_not_allowed"))),
    );
    for bad in bad_ids("/integrations") {
        let shown: String = bad.chars().take(24).collect();
        for path in [
            format!("/webhooks/integrations/{bad}"),
            format!("/webhooks/widgets/{bad}/{}", w.hook_wc),
            format!("/webhooks/widgets/{}/{bad}", w.hook),
        ] {
            for method in [Method::GET, Method::POST] {
                cases.push(
                    Case::new(
                        format!("bad id '{shown}' {method} {}", &path[..path.len().min(60)]),
                        Listener::Hooks,
                        method,
                        &path,
                    )
                    .body("application/json", r#"{"a":1}"#)
                    .expect(Expect::Error(404, Some("not_found"))),
                );
            }
        }
    }
    // A hook of another integration's widget config is the same 404.
    cases.push(
        Case::new(
            "a widget config of another integration",
            Listener::Hooks,
            Method::POST,
            &format!("/webhooks/widgets/{}/{}", w.hook, w.rss_wc),
        )
        .body("application/json", "{}")
        .expect(Expect::Error(404, Some("not_found"))),
    );
    let body = br#"{"headline": "never stored"}"#;
    cases.push(
        Case::new(
            "unsigned delivery",
            Listener::Hooks,
            Method::POST,
            &integration,
        )
        .body("application/json", body.to_vec())
        .expect(Expect::Error(401, Some("unauthorized"))),
    );
    let mut forged = Case::new(
        "forged signature",
        Listener::Hooks,
        Method::POST,
        &integration,
    )
    .body("application/json", body.to_vec())
    .expect(Expect::Error(401, Some("unauthorized")));
    for (k, v) in sign(w, br#"{"headline": "something else"}"#, "msg_forged") {
        forged = forged.header(&k, v);
    }
    cases.push(forged);
    let garbage = Case::new(
        "garbage signature headers",
        Listener::Hooks,
        Method::POST,
        &integration,
    )
    .body("application/json", body.to_vec())
    .header("webhook-id", "id with spaces")
    .header("webhook-timestamp", "-99999999999999999999")
    .header("webhook-signature", "v1,!!!not base64!!! v1a,x ,,,")
    .expect(Expect::Error(401, Some("unauthorized")));
    cases.push(garbage);
    let bad_json = b"{\"headline\": ".to_vec();
    let mut signed_bad = Case::new(
        "malformed JSON with a valid signature",
        Listener::Hooks,
        Method::POST,
        &widget,
    )
    .body("application/json", bad_json.clone())
    .expect(Expect::Error(400, Some("invalid_json")));
    for (k, v) in sign(w, &bad_json, "msg_bad_json") {
        signed_bad = signed_bad.header(&k, v);
    }
    cases.push(signed_bad);
    cases.push(
        Case::new(
            "a delivery over 1 MiB",
            Listener::Hooks,
            Method::POST,
            &widget,
        )
        .body("application/json", vec![b' '; 1024 * 1024 + 1])
        .expect(Expect::Error(413, Some("payload_too_large"))),
    );
    cases.push(
        Case::new(
            "a subscription handshake without a verify token",
            Listener::Hooks,
            Method::GET,
            &format!("{integration}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=abc"),
        )
        .expect(Expect::Error(403, Some("forbidden"))),
    );
    cases.push(
        Case::new(
            "unknown hooks route",
            Listener::Hooks,
            Method::POST,
            "/admin/api/status",
        )
        .expect(Expect::Error(404, Some("not_found"))),
    );
}

/// Huge and numerous headers on every listener: hyper answers 431 itself.
fn header_cases(cases: &mut Vec<Case>) {
    for listener in [Listener::Admin, Listener::Player, Listener::Hooks] {
        cases.push(
            Case::new(
                format!("a 100 KB header on {listener:?}"),
                listener,
                Method::GET,
                "/healthz",
            )
            .header("x-big", "a".repeat(100 * 1024))
            .expect(Expect::Bare(431)),
        );
        let mut many = Case::new(
            format!("150 headers on {listener:?}"),
            listener,
            Method::GET,
            "/healthz",
        )
        .expect(Expect::Bare(431));
        for i in 0..150 {
            many = many.header(&format!("x-h{i}"), "v");
        }
        cases.push(many);
    }
}

/// Checks one answer against the case's expectation and the OpenAPI document.
fn check(case: &Case, status: u16, text: &str, openapi: &Value) -> Result<(), String> {
    let short: String = text.chars().take(300).collect();
    match &case.expect {
        Expect::Error(want, code) => {
            if status != *want {
                return Err(format!("status {status}, expected {want}: {short}"));
            }
            let body: Value = serde_json::from_str(text)
                .map_err(|_| format!("the error body is not JSON: {short}"))?;
            let got = body["error"]["code"].as_str().unwrap_or_default();
            match code {
                Some(code) if got != *code => {
                    return Err(format!("code '{got}', expected '{code}': {short}"))
                }
                None if got.is_empty() => return Err(format!("no error code: {short}")),
                _ => {}
            }
            if body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
            {
                return Err(format!("no error message: {short}"));
            }
        }
        Expect::Bare(want) => {
            if status != *want {
                return Err(format!("status {status}, expected {want}"));
            }
        }
        Expect::Page(has, lacks) => {
            if status != 200 || !text.contains(has) || text.contains(lacks) {
                return Err(format!("status {status}, page: {short}"));
            }
        }
    }
    if let Some((method, template)) = &case.operation {
        let key = method.as_str().to_ascii_lowercase();
        let documented = &openapi["paths"][template.as_str()][&key]["responses"];
        if documented.get(status.to_string()).is_none() {
            return Err(format!(
                "{status} is not among the documented responses of {method} {template}: {documented}"
            ));
        }
    }
    Ok(())
}

fn base(hub: &TestHub, l: Listener) -> String {
    match l {
        Listener::Admin => format!("http://{}", hub.addrs.admin),
        Listener::Player => format!("http://{}", hub.addrs.player),
        Listener::Hooks => format!("http://{}", hub.addrs.hooks),
    }
}

/// Every table but the ones that log traffic by design.
fn stored(hub: &TestHub) -> String {
    let dump = hub.dump();
    let mut out = String::new();
    let mut keep = true;
    for line in dump.lines() {
        if let Some(table) = line.strip_prefix("## ") {
            keep = !matches!(table, "deliveries" | "players" | "player_widgets");
        }
        let logging_sequence = ["deliveries", "players", "player_widgets"]
            .iter()
            .any(|t| line.starts_with(&format!("Text(\"{t}\")|")));
        if keep && !logging_sequence {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

async fn healthy(hub: &TestHub, client: &reqwest::Client) {
    for l in [Listener::Admin, Listener::Player, Listener::Hooks] {
        let res = client
            .get(format!("{}/healthz", base(hub, l)))
            .send()
            .await
            .expect("the hub still answers");
        assert_eq!(res.status(), 200, "{l:?} listener still healthy");
    }
}

#[tokio::test]
async fn every_route_of_every_listener_refuses_bad_input_with_its_documented_status() {
    let hub = TestHub::spawn().await;
    let w = world(&hub).await;
    let openapi = hub.get_ok("/admin/api/openapi.json", 200).await;
    let mut cases = Vec::new();
    admin_cases(&w, &openapi, &mut cases);
    player_cases(&w, &mut cases);
    hooks_cases(&w, &mut cases);
    header_cases(&mut cases);
    // The table is generated from the router: make sure it did generate.
    assert!(cases.len() > 400, "only {} cases", cases.len());

    // A fresh connection per request: hyper closes the connection after a 431.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let before = stored(&hub);
    let mut per_listener = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        *per_listener
            .entry(format!("{:?}", case.listener))
            .or_insert(0) += 1;
        let mut req = client.request(
            case.method.clone(),
            format!("{}{}", base(&hub, case.listener), case.path),
        );
        if case.token {
            req = req.bearer_auth(&hub.token);
        }
        for (k, v) in &case.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some((ct, bytes)) = &case.body {
            req = req.header("content-type", *ct).body(bytes.clone());
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: no answer: {e}", case.what));
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        if let Err(problem) = check(case, status, &text, &openapi) {
            failures.push(format!("{}: {problem}", case.what));
        }
        healthy(&hub, &client).await;
        if stored(&hub) != before {
            failures.push(format!("{}: stored data changed", case.what));
            break;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(per_listener.len(), 3, "{per_listener:?}");

    // Requests to hooks were logged for the inspector, and none of them as accepted.
    let conn = rusqlite::Connection::open(hub.db_path()).unwrap();
    let accepted: i64 = conn
        .query_row(
            "SELECT count(*) FROM deliveries WHERE outcome NOT IN ('not_found', 'bad_signature', 'invalid_json', 'too_large', 'challenge_refused')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(accepted, 0, "a refused delivery was recorded otherwise");
    hub.stop().await;
}

/// Opens a connection and sends the start of a request, never finishing its headers.
async fn dangle(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    s
}

#[tokio::test]
async fn slow_partial_requests_neither_block_others_nor_stay_open() {
    let hub = TestHub::spawn().await;
    let w = world(&hub).await;
    let client = reqwest::Client::new();
    let mut slow = Vec::new();
    for addr in [hub.addrs.admin, hub.addrs.player, hub.addrs.hooks] {
        for _ in 0..4 {
            slow.push(dangle(addr).await);
        }
    }
    // A partial body: complete headers promising more bytes than ever arrive.
    let mut partial_body = tokio::net::TcpStream::connect(hub.addrs.hooks)
        .await
        .unwrap();
    partial_body
        .write_all(
            format!(
                "POST /webhooks/integrations/{} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"a\":",
                w.hook
            )
            .as_bytes(),
        )
        .await
        .unwrap();

    // Trickle one more header byte on every slow connection while the others are served: a
    // client that keeps sending must still be cut off.
    let before = stored(&hub);
    for round in 0..6 {
        for s in &mut slow {
            let _ = s.write_all(b"a").await;
        }
        healthy(&hub, &client).await;
        let res = hub.admin_get("/admin/api/status").await;
        assert_eq!(res.status(), 200, "round {round}");
        let res = client
            .get(hub.player_url(&format!("/api/widget-configs/{}/data", w.rss_wc)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The hub closes every connection whose headers never completed (HEADER_READ_TIMEOUT); wait
    // for it with a generous deadline, then expect end-of-stream or a reset.
    let deadline = millrace::http::HEADER_READ_TIMEOUT + Duration::from_secs(20);
    for (i, mut s) in slow.into_iter().enumerate() {
        let mut buf = [0u8; 256];
        let closed = tokio::time::timeout(deadline, async {
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "slow connection {i} was never closed");
    }
    // The partial body: the hub gives up waiting for the rest (BODY_READ_TIMEOUT), answers
    // 408 and stores nothing.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        millrace::http::BODY_READ_TIMEOUT + Duration::from_secs(20),
        partial_body.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the partial body was never given up on");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "a stalled body is answered 408: {answer}"
    );
    assert!(answer.contains("request_timeout"), "{answer}");
    healthy(&hub, &client).await;
    assert_eq!(stored(&hub), before, "partial requests changed stored data");
    hub.stop().await;
}
