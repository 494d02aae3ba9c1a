//! The admin commands of the real binary against a real hub: `integrations`, `widget-configs`,
//! `credentials` and `keys`, with the token read from the hub's data directory.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::admin_api::rss_integration;
use crate::common::TestHub;

const BIN: &str = env!("CARGO_BIN_EXE_millrace");

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `millrace ARGS` with `stdin` piped in (so it is never a terminal) and a clean
/// environment for the connection settings.
async fn millrace(args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("MILLRACE_ADMIN_TOKEN")
        .env_remove("MILLRACE_ADMIN_URL")
        .env_remove("MILLRACE_DATA_DIR")
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.to_owned();
    // The hub runs on this test's runtime: wait for the child on a blocking thread.
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// Runs an admin command against `hub`, with its admin URL and data directory.
async fn cli(hub: &TestHub, args: &[&str], stdin: &str) -> Run {
    let url = format!("http://{}", hub.addrs.admin);
    let dir = hub.data_dir().to_str().unwrap().to_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--admin-url", &url, "--data-dir", &dir]);
    let run = millrace(&all, stdin, &[]).await;
    assert!(
        !run.stdout.contains(&hub.token) && !run.stderr.contains(&hub.token),
        "the admin token must never be printed: {run:?}"
    );
    run
}

/// Like [`cli`], expecting success.
async fn ok(hub: &TestHub, args: &[&str], stdin: &str) -> String {
    let run = cli(hub, args, stdin).await;
    assert_eq!(run.code, 0, "millrace {args:?} failed: {run:?}");
    run.stdout
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

fn news_with_lobby() -> Value {
    let mut def = rss_integration();
    def["widget_configs"] = json!([
        {"name": "Lobby", "options": {"feed_url": "https://example.com/feed.xml"}}
    ]);
    def
}

fn json_api() -> Value {
    json!({
        "widget": "json", "name": "Stock", "integration_type": "pull",
        "credential_schema": {
            "api_key": {"type": "string", "required": true, "sensitive": true, "label": "API key"},
            "account": {"type": "string"}
        },
        "pull_endpoint": "https://api.example.com/v1/quote",
        "pull_interval_seconds": 600,
        "pull_config": {"headers": {"X-Key": "{{credentials.api_key}}"}}
    })
}

fn signed_webhook() -> Value {
    json!({
        "widget": "hook", "name": "Signed", "integration_type": "push",
        "credential_scope": "widget",
        "credential_schema": {"webhook_secret": {"type": "string", "required": true, "sensitive": true}},
        "push_config": {"verifier": {"scheme": "standard_webhooks"}, "transform": "passthrough"}
    })
}

async fn integrations(hub: &TestHub) -> Vec<Value> {
    let list = hub.get_ok("/admin/api/integrations", 200).await;
    list.as_array().unwrap().clone()
}

async fn widget_configs(hub: &TestHub) -> Vec<Value> {
    let list = hub.get_ok("/admin/api/widget-configs", 200).await;
    list.as_array().unwrap().clone()
}

fn by_name<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list:?}"))
}

#[tokio::test]
async fn integrations_apply_list_show_export_delete_round_trip() {
    let hub = TestHub::spawn().await;
    let files = tempfile::tempdir().unwrap();

    // One definition object with a widget config: created.
    let single = write(files.path(), "news.json", &news_with_lobby());
    let out = ok(&hub, &["integrations", "apply", &single], "").await;
    let list = integrations(&hub).await;
    assert_eq!(list.len(), 1);
    let news_id = list[0]["id"].as_i64().unwrap();
    assert!(
        out.contains(&format!(
            "created integration {news_id} (rss/News) with 1 widget config"
        )),
        "{out}"
    );
    let lobby = widget_configs(&hub).await;
    assert_eq!(lobby.len(), 1);

    // The same file again: updated in place, the widget config matched by name.
    let out = ok(&hub, &["integrations", "apply", &single], "").await;
    assert!(
        out.contains(&format!("updated integration {news_id} (rss/News)")),
        "{out}"
    );
    assert!(
        out.contains("0 integrations created, 1 updated; widget configs: 0 created, 1 updated"),
        "{out}"
    );
    assert_eq!(
        integrations(&hub).await.len(),
        1,
        "no duplicate integration"
    );
    let again = widget_configs(&hub).await;
    assert_eq!(again.len(), 1, "no duplicate widget config");
    assert_eq!(again[0]["id"], lobby[0]["id"]);

    // An array on standard input: one updated, one created.
    let mut changed = news_with_lobby();
    changed["description"] = json!("Headlines for the lobby");
    let array = serde_json::to_string(&json!([changed, json_api()])).unwrap();
    let out = ok(&hub, &["integrations", "apply", "-"], &array).await;
    let list = integrations(&hub).await;
    assert_eq!(list.len(), 2);
    assert_eq!(
        by_name(&list, "News")["description"],
        "Headlines for the lobby"
    );
    let stock_id = by_name(&list, "Stock")["id"].as_i64().unwrap();
    assert!(
        out.contains(&format!("created integration {stock_id} (json/Stock)")),
        "{out}"
    );
    assert!(out.contains("1 integration created, 1 updated"), "{out}");

    // The table and the JSON list.
    let table = ok(&hub, &["integrations", "list"], "").await;
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("CREDENTIALS"),
        "{table}"
    );
    let news_line = lines.iter().find(|l| l.contains("News")).unwrap();
    assert!(
        news_line.contains("rss") && news_line.contains("pull") && news_line.contains("yes"),
        "{news_line}"
    );
    assert!(news_line.contains("none needed"), "{news_line}");
    let stock_line = lines.iter().find(|l| l.contains("Stock")).unwrap();
    assert!(stock_line.contains("not configured"), "{stock_line}");
    let listed: Value =
        serde_json::from_str(&ok(&hub, &["integrations", "list", "--json"], "").await).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);

    let shown: Value =
        serde_json::from_str(&ok(&hub, &["integrations", "show", &stock_id.to_string()], "").await)
            .unwrap();
    assert_eq!(shown["id"], stock_id);
    assert_eq!(shown["credentials"]["fields"]["api_key"]["set"], false);

    // Export, then apply the export file on a fresh hub: the same definitions and widget ids.
    let export_path = files.path().join("export.json");
    let out = ok(
        &hub,
        &[
            "integrations",
            "export",
            "-o",
            export_path.to_str().unwrap(),
        ],
        "",
    )
    .await;
    assert!(out.contains("2 integrations and 1 widget config"), "{out}");
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(&export_path).unwrap()).unwrap();
    assert_eq!(exported["format"], "millrace.definitions");
    assert_eq!(exported["integrations"].as_array().unwrap().len(), 2);
    let to_stdout: Value =
        serde_json::from_str(&ok(&hub, &["integrations", "export"], "").await).unwrap();
    assert_eq!(to_stdout["integrations"], exported["integrations"]);

    let other = TestHub::spawn().await;
    let out = ok(
        &other,
        &["integrations", "apply", export_path.to_str().unwrap()],
        "",
    )
    .await;
    assert!(out.contains("2 integrations created, 0 updated"), "{out}");
    let copied = integrations(&other).await;
    assert_eq!(
        by_name(&copied, "News")["description"],
        "Headlines for the lobby"
    );
    assert_eq!(widget_configs(&other).await[0]["id"], lobby[0]["id"]);
    other.stop().await;

    // Delete: refused without --yes, saying what goes with it; done with it.
    let id = news_id.to_string();
    let refused = cli(&hub, &["integrations", "delete", &id], "").await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("--yes"), "{refused:?}");
    assert!(
        refused.stderr.contains("with its widget config") && refused.stderr.contains("cached data"),
        "{refused:?}"
    );
    assert_eq!(integrations(&hub).await.len(), 2, "nothing deleted");
    let out = ok(&hub, &["integrations", "delete", &id, "--yes"], "").await;
    assert!(
        out.contains(&format!("Deleted integration {news_id}")),
        "{out}"
    );
    hub.get_ok(&format!("/admin/api/integrations/{news_id}"), 404)
        .await;
    assert!(
        widget_configs(&hub).await.is_empty(),
        "its widget config went with it"
    );

    // An unknown id: the hub's 404 message.
    let missing = cli(&hub, &["integrations", "show", "999"], "").await;
    assert_eq!(missing.code, 1);
    assert_eq!(missing.stderr.trim(), "millrace: error: no integration 999");
    hub.stop().await;
}

#[tokio::test]
async fn an_invalid_file_prints_each_field_error_and_stores_nothing() {
    let hub = TestHub::spawn().await;
    let files = tempfile::tempdir().unwrap();
    ok(
        &hub,
        &[
            "integrations",
            "apply",
            &write(files.path(), "ok.json", &news_with_lobby()),
        ],
        "",
    )
    .await;
    let before = hub.dump();

    // Two good items and one bad one: all or nothing.
    let mut bad = json_api();
    bad["pull_interval_seconds"] = json!(5);
    bad.as_object_mut().unwrap().remove("pull_endpoint");
    let mut renamed = news_with_lobby();
    renamed["description"] = json!("changed");
    let file = write(files.path(), "bad.json", &json!([renamed, bad]));
    let run = cli(&hub, &["integrations", "apply", &file], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with("millrace: error: "), "{run:?}");
    assert!(
        run.stderr
            .contains("\n  integrations[1].pull_interval_seconds: must be between 30"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("\n  integrations[1].pull_endpoint: is required"),
        "{run:?}"
    );
    assert_eq!(hub.dump(), before, "a refused import changes nothing");

    // Not JSON, or JSON of the wrong shape: refused before anything is sent.
    let path = files.path().join("broken.json");
    std::fs::write(&path, "{\"widget\": ").unwrap();
    let run = cli(&hub, &["integrations", "apply", path.to_str().unwrap()], "").await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("broken.json is not valid JSON"),
        "{run:?}"
    );
    let run = cli(&hub, &["integrations", "apply", "-"], "42").await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("holds a number"), "{run:?}");
    let run = cli(&hub, &["widget-configs", "apply", "-"], "{\"name\": \"x\"}").await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("\n  integration_id: is required"),
        "{run:?}"
    );
    assert_eq!(hub.dump(), before);
    hub.stop().await;
}

#[tokio::test]
async fn widget_configs_apply_list_show_delete() {
    let hub = TestHub::spawn().await;
    let integration = hub
        .post_ok("/admin/api/integrations", rss_integration(), 201)
        .await;
    let iid = integration["id"].as_i64().unwrap();
    let files = tempfile::tempdir().unwrap();

    let file = write(
        files.path(),
        "lobby.json",
        &json!({"integration_id": iid, "name": "Lobby",
                "options": {"feed_url": "https://example.com/a.xml"}}),
    );
    let out = ok(&hub, &["widget-configs", "apply", &file], "").await;
    let list = widget_configs(&hub).await;
    assert_eq!(list.len(), 1);
    let wc_id = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        out.trim(),
        format!("Created widget config {wc_id} (Lobby) of integration {iid}.")
    );
    assert_eq!(list[0]["options"]["max_items"], 10, "defaults applied");

    let table = ok(
        &hub,
        &["widget-configs", "list", "--integration", &iid.to_string()],
        "",
    )
    .await;
    assert!(table.lines().next().unwrap().starts_with("ID"), "{table}");
    let row = table.lines().find(|l| l.contains(&wc_id)).unwrap();
    assert!(
        row.contains("Lobby") && row.contains("per integration"),
        "{row}"
    );
    let none = ok(
        &hub,
        &["widget-configs", "list", "--integration", "999", "--json"],
        "",
    )
    .await;
    assert_eq!(serde_json::from_str::<Value>(&none).unwrap(), json!([]));

    // `show`, edited, applied back: an update of the same widget config.
    let mut shown: Value =
        serde_json::from_str(&ok(&hub, &["widget-configs", "show", &wc_id], "").await).unwrap();
    assert_eq!(shown["id"], wc_id.as_str());
    shown["name"] = json!("Lobby left");
    shown["options"]["max_items"] = json!(3);
    let out = ok(
        &hub,
        &["widget-configs", "apply", "-"],
        &serde_json::to_string(&shown).unwrap(),
    )
    .await;
    assert!(
        out.starts_with(&format!("Updated widget config {wc_id} (Lobby left)")),
        "{out}"
    );
    let list = widget_configs(&hub).await;
    assert_eq!(list.len(), 1, "updated, not created");
    assert_eq!(list[0]["name"], "Lobby left");
    assert_eq!(list[0]["options"]["max_items"], 3);

    // Invalid options: the hub's field error, nothing changed.
    let before = hub.dump();
    shown["options"]["max_items"] = json!(1000);
    let run = cli(
        &hub,
        &["widget-configs", "apply", "-"],
        &serde_json::to_string(&shown).unwrap(),
    )
    .await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("\n  options.max_items: must be at most 100"),
        "{run:?}"
    );
    assert_eq!(hub.dump(), before);

    let refused = cli(&hub, &["widget-configs", "delete", &wc_id], "").await;
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("--yes") && refused.stderr.contains("with its credentials"),
        "{refused:?}"
    );
    assert_eq!(widget_configs(&hub).await.len(), 1);
    let out = ok(&hub, &["widget-configs", "delete", &wc_id, "--yes"], "").await;
    assert!(
        out.contains(&format!("Deleted widget config {wc_id}")),
        "{out}"
    );
    assert!(widget_configs(&hub).await.is_empty());
    hub.stop().await;
}

#[tokio::test]
async fn credentials_set_reads_values_from_stdin_and_never_prints_them() {
    let hub = TestHub::spawn().await;
    let created = hub
        .post_ok("/admin/api/integrations", json_api(), 201)
        .await;
    let id = created["id"].as_i64().unwrap().to_string();
    let secret = "s3cr3t-Value-9f8e7d";
    let account = "acct-quiet-4242";

    let run = cli(
        &hub,
        &["credentials", "set", &id, "api_key", "account"],
        &format!("{secret}\r\n{account}\n"),
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(secret) && !text.contains(account), "{run:?}");
    }
    assert!(run.stdout.contains("api_key, account set"), "{run:?}");
    let view = hub
        .get_ok(&format!("/admin/api/integrations/{id}"), 200)
        .await;
    assert_eq!(view["credentials"]["fields"]["api_key"]["set"], true);
    assert_eq!(view["credentials"]["fields"]["account"]["set"], true);
    assert_eq!(
        view["credentials"]["metadata"]["account"], account,
        "the line ending is not part of the value"
    );

    let shown = ok(&hub, &["credentials", "show", &id], "").await;
    assert!(shown.contains("state: configured"), "{shown}");
    assert!(shown.lines().any(|l| l.trim() == "api_key  set"), "{shown}");
    assert!(!shown.contains(account), "show prints no values: {shown}");
    let listed = ok(&hub, &["integrations", "list"], "").await;
    assert!(
        listed
            .lines()
            .any(|l| l.contains("Stock") && l.ends_with("  configured")),
        "{listed}"
    );

    // Clear one field, then the whole record.
    let out = ok(&hub, &["credentials", "clear", &id, "account"], "").await;
    assert!(out.lines().any(|l| l.trim() == "account  not set"), "{out}");
    let view = hub
        .get_ok(&format!("/admin/api/integrations/{id}"), 200)
        .await;
    assert_eq!(view["credentials"]["fields"]["api_key"]["set"], true);
    assert_eq!(view["credentials"]["fields"]["account"]["set"], false);
    ok(&hub, &["credentials", "clear", &id], "").await;
    let view = hub
        .get_ok(&format!("/admin/api/integrations/{id}"), 200)
        .await;
    assert_eq!(view["credentials"]["configured"], false);

    // A field the schema does not have: refused before reading any value.
    let run = cli(&hub, &["credentials", "set", &id, "password"], "x\n").await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no credential field 'password'")
            && run.stderr.contains("api_key, account"),
        "{run:?}"
    );
    hub.stop().await;
}

#[tokio::test]
async fn credentials_set_with_too_few_values_fails_and_stores_nothing() {
    let hub = TestHub::spawn().await;
    let created = hub
        .post_ok("/admin/api/integrations", json_api(), 201)
        .await;
    let id = created["id"].as_i64().unwrap().to_string();
    let before = hub.dump();

    let run = cli(
        &hub,
        &["credentials", "set", &id, "api_key", "account"],
        "only-one-line\n",
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("expected 2 values on standard input, one per line in the order api_key, account; got 1"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("only-one-line"), "{run:?}");
    let run = cli(&hub, &["credentials", "set", &id, "api_key"], "\n").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("the value for 'api_key' is empty"),
        "{run:?}"
    );
    assert_eq!(hub.dump(), before, "nothing stored");
    hub.stop().await;
}

#[tokio::test]
async fn credentials_at_the_wrong_scope_print_the_hubs_message() {
    let hub = TestHub::spawn().await;
    let org = hub
        .post_ok("/admin/api/integrations", json_api(), 201)
        .await;
    let org_id = org["id"].as_i64().unwrap().to_string();
    let org_wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": org["id"], "name": "Ticker"}),
            201,
        )
        .await;
    let hook = hub
        .post_ok("/admin/api/integrations", signed_webhook(), 201)
        .await;
    let hook_id = hook["id"].as_i64().unwrap().to_string();
    let hook_wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": hook["id"], "name": "Feed"}),
            201,
        )
        .await;
    let hook_wc_id = hook_wc["id"].as_str().unwrap();
    let before = hub.dump();

    // Organization scope addressed per widget config.
    let run = cli(
        &hub,
        &[
            "credentials",
            "set",
            &org_id,
            "--widget-config",
            org_wc["id"].as_str().unwrap(),
            "api_key",
        ],
        "k\n",
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "millrace: error: integration {org_id} uses organization-scoped credentials"
        )),
        "{run:?}"
    );
    // Widget scope addressed as a whole.
    let run = cli(
        &hub,
        &["credentials", "set", &hook_id, "webhook_secret"],
        "whsec\n",
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "millrace: error: integration {hook_id} uses widget-scoped credentials"
        )),
        "{run:?}"
    );
    // A widget config of another integration.
    let run = cli(
        &hub,
        &[
            "credentials",
            "set",
            &org_id,
            "--widget-config",
            hook_wc_id,
            "api_key",
        ],
        "k\n",
    )
    .await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(&format!("belongs to integration {hook_id}, not {org_id}")),
        "{run:?}"
    );
    assert_eq!(hub.dump(), before, "nothing stored at a wrong scope");

    // The right scope.
    let out = ok(
        &hub,
        &[
            "credentials",
            "set",
            &hook_id,
            "--widget-config",
            hook_wc_id,
            "webhook_secret",
        ],
        "whsec_c2VjcmV0LXZhbHVl\n",
    )
    .await;
    assert!(!out.contains("whsec_"), "{out}");
    let wc = hub
        .get_ok(&format!("/admin/api/widget-configs/{hook_wc_id}"), 200)
        .await;
    assert_eq!(wc["credentials"]["fields"]["webhook_secret"]["set"], true);
    let shown = ok(
        &hub,
        &[
            "credentials",
            "show",
            &hook_id,
            "--widget-config",
            hook_wc_id,
        ],
        "",
    )
    .await;
    assert!(shown.contains("webhook_secret  set"), "{shown}");
    let run = cli(&hub, &["credentials", "show", &hook_id], "").await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--widget-config"), "{run:?}");
    hub.stop().await;
}

#[tokio::test]
async fn keys_rotate_re_encrypts_stored_credentials() {
    let hub = TestHub::spawn().await;
    let created = hub
        .post_ok("/admin/api/integrations", json_api(), 201)
        .await;
    let id = created["id"].as_i64().unwrap();
    hub.put_ok(
        &format!("/admin/api/integrations/{id}/credentials"),
        json!({"credentials": {"api_key": "k-1", "account": "a"}}),
        200,
    )
    .await;
    let sealed = |hub: &TestHub| {
        let conn = rusqlite::Connection::open_with_flags(
            hub.db_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        conn.query_row("SELECT sealed FROM credentials", [], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .unwrap()
    };
    let before = sealed(&hub);
    let records: i64 = rusqlite::Connection::open_with_flags(
        hub.db_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap()
    .query_row(
        "SELECT (SELECT count(*) FROM credentials) + (SELECT count(*) FROM hub_secrets)",
        [],
        |r| r.get(0),
    )
    .unwrap();

    let first = ok(&hub, &["keys", "rotate"], "").await;
    assert!(
        first.contains(&format!("re-encrypted {records} sealed records")),
        "{first}"
    );
    assert_ne!(sealed(&hub), before, "the record was sealed again");
    let second = ok(&hub, &["keys", "rotate"], "").await;
    let fingerprint = |s: &str| s.rsplit("fingerprint ").next().unwrap().to_owned();
    assert_ne!(
        fingerprint(&first),
        fingerprint(&second),
        "a new key each time"
    );
    // The stored record still opens under the new key: a partial update merges with it.
    hub.put_ok(
        &format!("/admin/api/integrations/{id}/credentials"),
        json!({"credentials": {"account": "b"}}),
        200,
    )
    .await;
    hub.stop().await;
}

#[tokio::test]
async fn connection_problems_say_what_to_do() {
    let hub = TestHub::spawn().await;

    // Nothing listens at the URL.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let dir = hub.data_dir().to_str().unwrap();
    let run = millrace(
        &[
            "integrations",
            "list",
            "--admin-url",
            &url,
            "--data-dir",
            dir,
        ],
        "",
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr.trim(),
        format!("millrace: error: no hub answers at {url} — is `millrace serve` running? (use --admin-url)")
    );

    // No token file in the data directory.
    let empty = tempfile::tempdir().unwrap();
    let admin = format!("http://{}", hub.addrs.admin);
    let run = millrace(
        &[
            "keys",
            "rotate",
            "--admin-url",
            &admin,
            "--data-dir",
            empty.path().to_str().unwrap(),
        ],
        "",
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    let expected_path = empty.path().join("admin-token");
    assert!(
        run.stderr
            .contains(&format!("no admin token at {}", expected_path.display())),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("`millrace serve` creates it"),
        "{run:?}"
    );

    // The token from the environment instead (for scripts); the URL from the environment too.
    let run = millrace(
        &[
            "integrations",
            "list",
            "--data-dir",
            empty.path().to_str().unwrap(),
        ],
        "",
        &[
            ("MILLRACE_ADMIN_TOKEN", &hub.token),
            ("MILLRACE_ADMIN_URL", &admin),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("No integrations yet"), "{run:?}");

    // A token of another hub: the hub's refusal.
    let run = millrace(
        &[
            "integrations",
            "list",
            "--data-dir",
            empty.path().to_str().unwrap(),
        ],
        "",
        &[
            ("MILLRACE_ADMIN_TOKEN", "not-the-token"),
            ("MILLRACE_ADMIN_URL", &admin),
        ],
    )
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim(),
        "millrace: error: the admin token is not valid"
    );
    hub.stop().await;
}

#[tokio::test]
async fn help_explains_each_command_and_usage_errors_exit_2() {
    let help = |args: &'static [&'static str]| async move {
        let run = millrace(args, "", &[]).await;
        assert_eq!(run.code, 0, "{run:?}");
        run.stdout
    };
    let top = help(&["--help"]).await;
    for cmd in [
        "serve",
        "integrations",
        "widget-configs",
        "credentials",
        "keys",
    ] {
        assert!(top.contains(cmd), "top-level help lacks {cmd}:\n{top}");
    }
    let integrations = help(&["integrations", "--help"]).await;
    for needle in [
        "list",
        "show",
        "apply",
        "export",
        "delete",
        "--admin-url",
        "--data-dir",
    ] {
        assert!(
            integrations.contains(needle),
            "lacks {needle}:\n{integrations}"
        );
    }
    let set = help(&["credentials", "set", "--help"]).await;
    for needle in [
        "never taken from the command line",
        "--widget-config",
        "MILLRACE_ADMIN_TOKEN",
        "MILLRACE_ADMIN_URL",
        "MILLRACE_DATA_DIR",
    ] {
        assert!(set.contains(needle), "lacks {needle}:\n{set}");
    }
    let delete = help(&["integrations", "delete", "--help"]).await;
    assert!(
        delete.contains("--yes") && delete.contains("cached data"),
        "{delete}"
    );

    for bad in [
        &["integrations", "show", "abc"][..],
        &["credentials", "set", "1"][..],
        &["integrations", "frobnicate"][..],
    ] {
        let run = millrace(bad, "", &[]).await;
        assert_eq!(run.code, 2, "{bad:?}: {run:?}");
    }
}
