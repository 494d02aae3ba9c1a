//! Start-up bad input: each is refused with a message naming what is wrong, and leaves the data
//! directory byte-for-byte as it was.

use std::sync::Arc;

use millrace::app::{App, Deps};
use millrace::crypto::keystore::MemoryStore;
use millrace::crypto::{KeySlot, KeyStore, MasterKey};
use millrace::error::StartError;

use crate::common::{loopback_config, snapshot, TestHub};

fn memory() -> Arc<dyn KeyStore> {
    Arc::new(MemoryStore::new())
}

async fn start_err(config: millrace::config::Config, ks: Arc<dyn KeyStore>) -> StartError {
    App::start(
        config,
        Deps {
            keystore: Some(ks),
            ..Deps::default()
        },
    )
    .await
    .expect_err("start-up must fail")
}

#[tokio::test]
async fn a_port_in_use_names_the_listener_and_the_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = loopback_config(dir.path());
    config.hooks_addr = taken.local_addr().unwrap();
    let msg = start_err(config, memory()).await.to_string();
    assert!(msg.contains("hooks listener"), "{msg}");
    assert!(msg.contains("already in use"), "{msg}");
    assert!(msg.contains("--hooks-addr"), "{msg}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing may be written before the listeners are bound"
    );
}

#[tokio::test]
async fn a_non_loopback_admin_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = loopback_config(dir.path());
    config.admin_addr = "0.0.0.0:0".parse().unwrap();
    let msg = start_err(config, memory()).await.to_string();
    assert!(msg.contains("loopback") && msg.contains("0.0.0.0"), "{msg}");
}

#[tokio::test]
async fn a_data_dir_that_cannot_be_created_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let config = loopback_config(&file.join("data"));
    let msg = start_err(config, memory()).await.to_string();
    assert!(msg.contains("cannot use the data directory"), "{msg}");
    assert!(msg.contains("a-file/data"), "{msg}");
    assert!(msg.contains("--data-dir"), "{msg}");
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

/// Writes `bytes` as the database, starts, and checks the refusal message and that no file in
/// the data directory changed or appeared.
async fn refused_database(bytes: &[u8], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("millrace.db"), bytes).unwrap();
    let before = snapshot(dir.path());
    let msg = start_err(loopback_config(dir.path()), memory())
        .await
        .to_string();
    for e in expected {
        assert!(msg.contains(e), "expected '{e}' in: {msg}");
    }
    assert!(
        msg.contains("millrace.db"),
        "the message must name the file: {msg}"
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a refused database must not be touched"
    );
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_untouched() {
    refused_database(
        &b"these are my holiday notes, not a database. ".repeat(50),
        &["not a Millrace database"],
    )
    .await;
    refused_database(b"tiny", &["not a Millrace database"]).await;
}

/// A valid database produced by a real hub, returned as bytes (WAL checkpointed on close).
async fn real_database() -> Vec<u8> {
    let hub = TestHub::spawn().await;
    let path = hub.db_path();
    let _dir = hub.stop().await;
    // Reopen through SQLite once to fold the WAL into the main file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    std::fs::read(&path).unwrap()
}

#[tokio::test]
async fn a_corrupt_database_is_refused_untouched() {
    let mut bytes = real_database().await;
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(bytes.len() >= 3 * page, "the database has several pages");
    // Overwrite the second page (the root of a table) with garbage, keep the header intact.
    for b in &mut bytes[page..2 * page] {
        *b = 0xA5;
    }
    refused_database(&bytes, &["damaged"]).await;
}

#[tokio::test]
async fn a_database_from_a_newer_millrace_is_refused_untouched() {
    let mut bytes = real_database().await;
    // user_version lives at offset 60 of the header.
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    refused_database(
        &bytes,
        &["newer Millrace", "schema version 99", "not changed"],
    )
    .await;
}

#[tokio::test]
async fn a_master_key_that_does_not_open_the_credentials_is_refused() {
    let ks = memory();
    let hub = TestHub::spawn_in(tempfile::tempdir().unwrap(), Arc::clone(&ks)).await;
    let dir = hub.stop().await;
    let before = snapshot(dir.path());

    let other = memory();
    let wrong = MasterKey::generate();
    other.save(KeySlot::Current, &wrong).unwrap();
    let msg = start_err(loopback_config(dir.path()), Arc::clone(&other))
        .await
        .to_string();
    assert!(msg.contains("does not open"), "{msg}");
    assert!(msg.contains("nothing was changed"), "{msg}");
    assert_eq!(snapshot(dir.path()), before);
    assert_eq!(
        other.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
        wrong.fingerprint(),
        "the wrong key must not be overwritten"
    );

    // A store with no key at all is refused too, and no key is generated into it.
    let empty = memory();
    let msg = start_err(loopback_config(dir.path()), Arc::clone(&empty))
        .await
        .to_string();
    assert!(msg.contains("has no master key"), "{msg}");
    assert!(empty.load(KeySlot::Current).unwrap().is_none());
    assert_eq!(snapshot(dir.path()), before);

    // The right key still works afterwards.
    let hub = TestHub::spawn_in(dir, ks).await;
    assert_eq!(hub.admin_get("/admin/api/status").await.status(), 200);
    hub.stop().await;
}

#[tokio::test]
async fn a_wrong_key_file_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = loopback_config(dir.path());
    config.keystore = millrace::keys::KeyStoreChoice::File;
    let app = App::start(config.clone(), Deps::default()).await.unwrap();
    app.shutdown().await;
    let key_file = dir.path().join("master.key");
    let replacement = format!("{}\n", MasterKey::generate().to_base64().expose());
    std::fs::write(&key_file, &replacement).unwrap();
    let before = snapshot(dir.path());
    let msg = App::start(config, Deps::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(msg.contains("does not open"), "{msg}");
    assert!(
        msg.contains("master.key"),
        "the message names the store: {msg}"
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[tokio::test]
async fn a_restart_reuses_the_key_token_and_database() {
    let ks = memory();
    let hub = TestHub::spawn_in(tempfile::tempdir().unwrap(), Arc::clone(&ks)).await;
    let token = hub.token.clone();
    let dir = hub.stop().await;
    let hub = TestHub::spawn_in(dir, ks).await;
    assert_eq!(hub.token, token, "the admin token survives a restart");
    assert_eq!(hub.admin_get("/admin/api/status").await.status(), 200);
    hub.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn secret_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let mut config = loopback_config(dir.path());
    config.keystore = millrace::keys::KeyStoreChoice::File;
    let app = App::start(config, Deps::default()).await.unwrap();
    app.shutdown().await;
    for name in ["master.key", "admin-token"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_data_directory_and_its_database_are_private() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("nested").join("data");
    let hub = TestHub::spawn_in_dir(&data, memory()).await;
    // Other local accounts must not list or read the directory, nor read the database files
    // (delivery bodies, widget data, credential metadata).
    assert_eq!(mode(&data), 0o700, "the data directory");
    for file in [
        "millrace.db",
        "millrace.db-wal",
        "millrace.db-shm",
        "admin-token",
    ] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    hub.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn an_existing_open_data_directory_and_database_are_tightened_with_a_log_line() {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("open-data");
    let ks = memory();
    TestHub::spawn_in_dir(&data, Arc::clone(&ks))
        .await
        .stop()
        .await;
    // As an earlier version (or a umask of 022) left them.
    let open = |path: &std::path::Path, m: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap();
    };
    open(&data, 0o755);
    open(&data.join("millrace.db"), 0o644);
    let hub = TestHub::spawn_in_dir(&data, ks).await;
    assert_eq!(mode(&data), 0o700);
    for file in ["millrace.db", "millrace.db-wal", "millrace.db-shm"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    let logs = crate::common::captured_logs();
    assert!(
        logs.contains(&format!(
            "the data directory {} was open to other accounts (mode 755); changed it to 700",
            data.display()
        )),
        "a log line says the directory was changed"
    );
    assert!(
        logs.contains(&format!(
            "{} was readable by other accounts (mode 644); changed it to 600",
            data.join("millrace.db").display()
        )),
        "a log line says the database was changed"
    );
    hub.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_within_five_seconds_with_a_client_connected() {
    let hub = TestHub::spawn().await;
    // An idle keep-alive connection must not hold shutdown open.
    let _ = hub.admin_get("/admin/api/status").await;
    let mut idle = tokio::net::TcpStream::connect(hub.addrs.player)
        .await
        .unwrap();
    use tokio::io::AsyncWriteExt as _;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap(); // never finished
    let started = std::time::Instant::now();
    hub.stop().await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "shutdown took {:?}",
        started.elapsed()
    );
}
