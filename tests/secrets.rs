//! Secrets never leave: not in responses, logs, the database file or its WAL; sealed blobs are
//! bound to their row; key rotation re-seals everything and survives interruption.

use std::sync::Arc;

use millrace::crypto::keystore::MemoryStore;
use millrace::crypto::{Cipher, KeySlot, KeyStore};
use millrace::keys::{self, RotationFault};
use millrace::store::Store;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{captured_logs, dump_db, TestHub};

const CANARY: &str = "sk-CANARY-7f3a9c1e-millrace-secret-value";

fn bytes_contain(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_secret_appears_in_no_response_no_log_and_nowhere_in_the_database_files() {
    let hub = TestHub::spawn().await;
    let i = hub
        .post_ok(
            "/admin/api/integrations",
            json!({"template": "openweather"}),
            201,
        )
        .await;
    let id = i["id"].as_i64().unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": id, "name": "Roof", "options": {"latitude": 1.5, "longitude": 2.5}}),
            201,
        )
        .await;
    let mut responses = Vec::new();
    let put = hub
        .admin_send(
            Method::PUT,
            &format!("/admin/api/integrations/{id}/credentials"),
            Some(json!({"credentials": {"api_key": CANARY}})),
        )
        .await;
    assert_eq!(put.status(), 200);
    responses.push(put.text().await.unwrap());
    // A rejected write that carries the secret must not echo it either.
    let bad = hub
        .admin_send(
            Method::PUT,
            &format!("/admin/api/integrations/{id}/credentials"),
            Some(json!({"credentials": {"api_key": CANARY, "nope": CANARY}})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    responses.push(bad.text().await.unwrap());
    let bad = hub
        .admin_send(
            Method::POST,
            "/admin/api/integrations",
            Some(json!({"widget": CANARY})),
        )
        .await;
    responses.push(bad.text().await.unwrap());

    for path in [
        "/admin/api/integrations".to_owned(),
        format!("/admin/api/integrations/{id}"),
        "/admin/api/widget-configs".to_owned(),
        format!("/admin/api/widget-configs/{}", wc["id"].as_str().unwrap()),
        "/admin/api/export".to_owned(),
        "/admin/api/status".to_owned(),
        "/admin/api/templates".to_owned(),
        "/admin/api/openapi.json".to_owned(),
    ] {
        let res = hub.admin_get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        responses.push(res.text().await.unwrap());
    }
    // Rotation re-seals it; the secret must still not surface anywhere.
    let rotated = hub.post_ok("/admin/api/keys/rotate", json!({}), 200).await;
    assert!(rotated["rotated"].as_u64().unwrap() >= 2);

    for r in &responses {
        assert!(!r.contains(CANARY), "secret leaked in a response: {r}");
    }
    let db = hub.db_path();
    let wal = db.with_extension("db-wal");
    let dir = hub.stop().await;
    let logs = captured_logs();
    assert!(!logs.is_empty(), "the log capture works");
    assert!(!logs.contains(CANARY), "secret leaked into the log");
    for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
        let bytes = std::fs::read(file.path()).unwrap();
        assert!(
            !bytes_contain(&bytes, CANARY),
            "secret in clear in {}",
            file.path().display()
        );
    }
    assert!(!wal.exists() || !bytes_contain(&std::fs::read(&wal).unwrap(), CANARY));
}

/// Opens the stored credentials of `integration` directly, with the key in `ks`.
fn open_creds(
    dir: &std::path::Path,
    ks: &dyn KeyStore,
    integration: i64,
) -> Result<Option<String>, String> {
    let store = Store::open(&dir.join("millrace.db")).unwrap();
    let cipher = Cipher::new(&ks.load(KeySlot::Current).unwrap().unwrap());
    store
        .call_blocking(|conn| {
            Ok(
                millrace::credentials::open(conn, &cipher, integration, None)
                    .map(|m| m.map(|m| m["api_key"].expose().clone()))
                    .map_err(|e| e.to_string()),
            )
        })
        .unwrap()
}

#[tokio::test]
async fn a_sealed_blob_moved_to_another_row_no_longer_opens() {
    let ks: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
    let hub = TestHub::spawn_in(tempfile::tempdir().unwrap(), Arc::clone(&ks)).await;
    let mut ids = Vec::new();
    for (name, key) in [("a", "key-of-a"), ("b", "key-of-b")] {
        let i = hub
            .post_ok(
                "/admin/api/integrations",
                json!({"template": "openweather", "name": name}),
                201,
            )
            .await;
        let id = i["id"].as_i64().unwrap();
        hub.put_ok(
            &format!("/admin/api/integrations/{id}/credentials"),
            json!({"credentials": {"api_key": key}}),
            200,
        )
        .await;
        ids.push(id);
    }
    let dir = hub.stop().await;
    assert_eq!(
        open_creds(dir.path(), &*ks, ids[1]).unwrap().as_deref(),
        Some("key-of-b")
    );
    {
        let conn = rusqlite::Connection::open(dir.path().join("millrace.db")).unwrap();
        conn.execute(
            "UPDATE credentials SET sealed = (SELECT sealed FROM credentials WHERE integration_id = ?1)
             WHERE integration_id = ?2",
            (ids[0], ids[1]),
        )
        .unwrap();
    }
    let err = open_creds(dir.path(), &*ks, ids[1]).unwrap_err();
    assert!(err.contains("could not be opened"), "{err}");
    assert!(!err.contains("key-of-a"));
    // The blob still opens in its own row.
    assert_eq!(
        open_creds(dir.path(), &*ks, ids[0]).unwrap().as_deref(),
        Some("key-of-a")
    );

    // Through the API the moved record is an internal error with a generic body.
    let hub = TestHub::spawn_in(dir, ks).await;
    let res = hub
        .admin_send(
            Method::PUT,
            &format!("/admin/api/integrations/{}/credentials", ids[1]),
            Some(json!({"credentials": {"api_key": "new"}})),
        )
        .await;
    assert_eq!(res.status(), 500);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal");
    hub.stop().await;
}

async fn hub_with_credentials(ks: &Arc<dyn KeyStore>) -> (tempfile::TempDir, Vec<i64>) {
    let hub = TestHub::spawn_in(tempfile::tempdir().unwrap(), Arc::clone(ks)).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let i = hub
            .post_ok(
                "/admin/api/integrations",
                json!({"template": "openweather", "name": format!("w{n}")}),
                201,
            )
            .await;
        let id = i["id"].as_i64().unwrap();
        hub.put_ok(
            &format!("/admin/api/integrations/{id}/credentials"),
            json!({"credentials": {"api_key": format!("key-{n}")}}),
            200,
        )
        .await;
        ids.push(id);
    }
    (hub.stop().await, ids)
}

#[tokio::test]
async fn key_rotation_reseals_every_record_under_a_new_key() {
    let ks: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
    let (dir, ids) = hub_with_credentials(&ks).await;
    let old = ks.load(KeySlot::Current).unwrap().unwrap();
    let hub = TestHub::spawn_in(dir, Arc::clone(&ks)).await;
    let res = hub.post_ok("/admin/api/keys/rotate", json!({}), 200).await;
    assert_eq!(res["rotated"], 4, "three credentials and the key check");
    let new = ks.load(KeySlot::Current).unwrap().unwrap();
    assert_ne!(new.fingerprint(), old.fingerprint());
    assert_eq!(res["fingerprint"], new.fingerprint());
    assert!(ks.load(KeySlot::Pending).unwrap().is_none());
    // The running hub keeps working on the new key: a partial update needs to open the record.
    hub.put_ok(
        &format!("/admin/api/integrations/{}/credentials", ids[0]),
        json!({"credentials": {}}),
        200,
    )
    .await;
    let dir = hub.stop().await;
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            open_creds(dir.path(), &*ks, *id).unwrap(),
            Some(format!("key-{n}"))
        );
    }
    // The old key opens nothing any more.
    let old_ks: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
    old_ks.save(KeySlot::Current, &old).unwrap();
    assert!(open_creds(dir.path(), &*old_ks, ids[0]).is_err());
    // And a restart works with the rotated key.
    let hub = TestHub::spawn_in(dir, ks).await;
    assert_eq!(hub.admin_get("/admin/api/status").await.status(), 200);
    hub.stop().await;
}

#[tokio::test]
async fn an_interrupted_rotation_leaves_the_old_key_and_every_record_valid() {
    let ks: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
    let (dir, ids) = hub_with_credentials(&ks).await;
    let old = ks.load(KeySlot::Current).unwrap().unwrap();
    let db = dir.path().join("millrace.db");
    let before = dump_db(&db);
    {
        let store = Store::open(&db).unwrap();
        let mut cipher = Cipher::new(&old);
        let err = store
            .call_blocking(|conn| {
                Ok(keys::rotate(
                    conn,
                    &*ks,
                    &mut cipher,
                    RotationFault::BeforeCommit,
                ))
            })
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("interrupted"), "{err}");
        assert_eq!(
            cipher.fingerprint(),
            old.fingerprint(),
            "the cipher stays on the old key"
        );
    }
    assert_eq!(dump_db(&db), before, "the database rolled back completely");
    assert!(
        ks.load(KeySlot::Pending).unwrap().is_some(),
        "as after a crash: a staged key"
    );
    // The next start discards the staged key and everything opens with the old one.
    let hub = TestHub::spawn_in(dir, Arc::clone(&ks)).await;
    let dir = hub.stop().await;
    assert!(ks.load(KeySlot::Pending).unwrap().is_none());
    assert_eq!(
        ks.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
        old.fingerprint()
    );
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            open_creds(dir.path(), &*ks, *id).unwrap(),
            Some(format!("key-{n}"))
        );
    }
}

#[tokio::test]
async fn a_rotation_killed_after_commit_is_completed_at_the_next_start() {
    let ks: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
    let (dir, ids) = hub_with_credentials(&ks).await;
    let old = ks.load(KeySlot::Current).unwrap().unwrap();
    let db = dir.path().join("millrace.db");
    {
        let store = Store::open(&db).unwrap();
        let mut cipher = Cipher::new(&old);
        store
            .call_blocking(|conn| {
                Ok(keys::rotate(
                    conn,
                    &*ks,
                    &mut cipher,
                    RotationFault::AfterCommit,
                ))
            })
            .unwrap()
            .unwrap();
    }
    // The store still says the old key is current; the database needs the pending one.
    assert_eq!(
        ks.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
        old.fingerprint()
    );
    let pending = ks.load(KeySlot::Pending).unwrap().unwrap();
    let hub = TestHub::spawn_in(dir, Arc::clone(&ks)).await;
    let dir = hub.stop().await;
    assert_eq!(
        ks.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
        pending.fingerprint()
    );
    assert!(ks.load(KeySlot::Pending).unwrap().is_none());
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            open_creds(dir.path(), &*ks, *id).unwrap(),
            Some(format!("key-{n}"))
        );
    }
}

/// Replaces integration `id`'s definition with `def`; returns the status and body.
async fn put_integration(hub: &TestHub, id: i64, def: &Value) -> (u16, Value) {
    let res = hub
        .admin_send(
            Method::PUT,
            &format!("/admin/api/integrations/{id}"),
            Some(def.clone()),
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_stored_secret_never_comes_out_when_its_field_is_made_non_sensitive() {
    let hub = TestHub::spawn().await;
    let mut def = crate::admin_api::rss_integration();
    def["credential_schema"] = json!({
        "api_key": {"type": "string", "sensitive": true},
        "account": {"type": "string"}
    });
    let id = hub
        .post_ok("/admin/api/integrations", def.clone(), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let creds = format!("/admin/api/integrations/{id}/credentials");
    hub.put_ok(
        &creds,
        json!({"credentials": {"api_key": CANARY, "account": "acme"}}),
        200,
    )
    .await;

    // The direct flip is refused, field by field, saying what to do; nothing changes.
    let before = hub.dump();
    let mut flipped = def.clone();
    flipped["credential_schema"]["api_key"]["sensitive"] = json!(false);
    let (status, body) = put_integration(&hub, id, &flipped).await;
    assert_eq!(status, 422, "{body}");
    let message = body["errors"]["credential_schema.api_key.sensitive"][0]
        .as_str()
        .unwrap_or_else(|| panic!("a field-level error: {body}"));
    assert!(
        message.contains("Delete the stored credentials first")
            && message.contains(&format!("DELETE /admin/api/integrations/{id}/credentials")),
        "{message}"
    );
    assert_eq!(hub.dump(), before, "a refused change stores nothing");
    // An empty credentials write after the refusal shows nothing either.
    let view = hub.put_ok(&creds, json!({"credentials": {}}), 200).await;
    assert_eq!(view["metadata"], json!({"account": "acme"}));

    // The roundabout way — remove the field, add it back as non-sensitive — is accepted as a
    // definition, but the value stored while it was sensitive stays sealed: an empty write
    // does not move it into the plaintext metadata, and no read shows it.
    let mut removed = def.clone();
    removed["credential_schema"]
        .as_object_mut()
        .unwrap()
        .remove("api_key");
    assert_eq!(put_integration(&hub, id, &removed).await.0, 200);
    let (status, body) = put_integration(&hub, id, &flipped).await;
    assert_eq!(status, 200, "{body}");
    let view = hub.put_ok(&creds, json!({"credentials": {}}), 200).await;
    assert_eq!(view["fields"]["api_key"]["set"], true, "{view}");
    assert_eq!(view["metadata"], json!({"account": "acme"}), "{view}");
    let shown = hub
        .get_ok(&format!("/admin/api/integrations/{id}"), 200)
        .await;
    assert_eq!(shown["credentials"]["metadata"], json!({"account": "acme"}));
    assert!(!shown.to_string().contains(CANARY), "{shown}");
    assert!(
        !hub.dump().contains(CANARY),
        "the secret is in clear in the database"
    );
    // A value entered again now that the field is non-sensitive is shown, as the admin asked.
    let view = hub
        .put_ok(
            &creds,
            json!({"credentials": {"api_key": "public-id"}}),
            200,
        )
        .await;
    assert_eq!(view["metadata"]["api_key"], "public-id");

    // The other way round: a field made sensitive drops its value from the plaintext metadata.
    let mut secret_account = flipped.clone();
    secret_account["credential_schema"]["account"]["sensitive"] = json!(true);
    assert_eq!(put_integration(&hub, id, &secret_account).await.0, 200);
    let view = &hub
        .get_ok(&format!("/admin/api/integrations/{id}"), 200)
        .await["credentials"];
    assert_eq!(view["metadata"], json!({"api_key": "public-id"}), "{view}");
    assert!(!hub.dump().contains("acme"), "the account is now secret");
    hub.stop().await;
}

#[tokio::test]
async fn a_widget_config_secret_blocks_making_its_field_non_sensitive() {
    let hub = TestHub::spawn().await;
    let mut def = crate::admin_api::rss_integration();
    def["credential_scope"] = json!("widget");
    def["data_key"] = json!("widget_config");
    def["credential_schema"] = json!({"api_key": {"type": "string", "sensitive": true}});
    let id = hub
        .post_ok("/admin/api/integrations", def.clone(), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let wc = hub
        .post_ok(
            "/admin/api/widget-configs",
            json!({"integration_id": id, "name": "Lobby", "options": {"feed_url": "http://127.0.0.1:9/feed"}}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let creds = format!("/admin/api/widget-configs/{wc}/credentials");
    hub.put_ok(&creds, json!({"credentials": {"api_key": CANARY}}), 200)
        .await;
    let before = hub.dump();
    let mut flipped = def.clone();
    flipped["credential_schema"]["api_key"]["sensitive"] = json!(false);
    let (status, body) = put_integration(&hub, id, &flipped).await;
    assert_eq!(status, 422, "{body}");
    let message = body["errors"]["credential_schema.api_key.sensitive"][0]
        .as_str()
        .unwrap();
    assert!(message.contains("for each widget config"), "{message}");
    assert_eq!(hub.dump(), before);
    // Once the widget config's credentials are deleted the change goes through.
    let res = hub.admin_send(Method::DELETE, &creds, None).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(put_integration(&hub, id, &flipped).await.0, 200);
    hub.stop().await;
}
