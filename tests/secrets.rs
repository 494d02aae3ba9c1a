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
