//! The OS-keyring store against a real Secret Service.
//!
//! Ignored in a plain `cargo test` (most machines have no unlocked Secret Service in the test's
//! session); `scripts/test` and CI run it inside `dbus-run-session` with gnome-keyring:
//! `dbus-run-session -- scripts/with-secret-service.sh cargo test --test tests keyring -- --ignored`.

use std::sync::Arc;

use millrace::app::{App, Deps};
use millrace::crypto::keystore::KeyringStore;
use millrace::crypto::{KeySlot, KeyStore, MasterKey};
use millrace::keys::KeyStoreChoice;

use crate::common::loopback_config;

#[test]
#[ignore = "needs a real Secret Service: scripts/test runs it under dbus-run-session"]
fn keyring_store_round_trips_both_slots() {
    let instance = uuid::Uuid::new_v4().to_string();
    let store = KeyringStore::new("millrace-test", &instance);
    assert!(store.load(KeySlot::Current).unwrap().is_none());
    let a = MasterKey::generate();
    let b = MasterKey::generate();
    store.save(KeySlot::Current, &a).unwrap();
    store.save(KeySlot::Pending, &b).unwrap();
    // A second handle (as after a restart) reads the same keys back from the daemon.
    let again = KeyringStore::new("millrace-test", &instance);
    assert_eq!(
        again.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
        a.fingerprint()
    );
    assert_eq!(
        again.load(KeySlot::Pending).unwrap().unwrap().fingerprint(),
        b.fingerprint()
    );
    store.delete(KeySlot::Pending).unwrap();
    store.delete(KeySlot::Current).unwrap();
    assert!(again.load(KeySlot::Current).unwrap().is_none());
    assert!(again.load(KeySlot::Pending).unwrap().is_none());
}

#[tokio::test]
#[ignore = "needs a real Secret Service: scripts/test runs it under dbus-run-session"]
async fn the_hub_keeps_its_master_key_in_the_keyring_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    for choice in [KeyStoreChoice::Keyring, KeyStoreChoice::Auto] {
        let mut config = loopback_config(dir.path());
        config.keystore = choice;
        let app = App::start(config, Deps::default()).await.unwrap();
        let status: serde_json::Value = crate::common::client()
            .get(format!("{}/admin/api/status", app.admin_url()))
            .bearer_auth(app.admin_token().expose())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["keystore"]["kind"], "keyring", "{choice:?}");
        assert!(status["keystore"]["warning"].is_null());
        app.shutdown().await;
        assert!(
            !dir.path().join("master.key").exists(),
            "with a keyring the key never goes to a file"
        );
    }
    // Clean up this instance's entry.
    let store = millrace::store::Store::open(&dir.path().join("millrace.db")).unwrap();
    let instance = millrace::keys::instance_id(&store, "now").unwrap();
    let ks: Arc<dyn KeyStore> = Arc::new(KeyringStore::new(KeyringStore::SERVICE, &instance));
    assert!(ks.load(KeySlot::Current).unwrap().is_some());
    ks.delete(KeySlot::Current).unwrap();
}
