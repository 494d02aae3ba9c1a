//! Where the master key lives. Only this module touches the OS keyring or the key file.
//!
//! Three stores implement [`KeyStore`]: [`KeyringStore`] (macOS Keychain, Windows Credential
//! Manager, Secret Service on Linux), [`FileStore`] (a 0600 file in the data directory — a
//! declared fallback for machines without a keyring, never chosen silently) and [`MemoryStore`]
//! (tests). Each holds two [`KeySlot`]s so key rotation can stage the new key before the database
//! commits to it: an interrupted rotation leaves the old key current and every record valid.

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use super::cipher::MasterKey;

/// Which key a store entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySlot {
    /// The key every record is sealed with.
    Current,
    /// A key being rotated in; promoted to `Current` once the database committed to it.
    Pending,
}

impl KeySlot {
    fn suffix(self) -> &'static str {
        match self {
            Self::Current => "",
            Self::Pending => ".pending",
        }
    }
}

/// The kind of store, as shown in the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStoreKind {
    /// The operating system's keyring.
    Keyring,
    /// A key file protected by file permissions only.
    File,
    /// Process memory (tests only).
    Memory,
}

/// A key store failure. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The store cannot be reached at all (no keyring daemon, locked keyring, no D-Bus session).
    #[error("{store} cannot be reached: {reason}")]
    Unavailable {
        /// Which store, in words.
        store: String,
        /// The platform's reason.
        reason: String,
    },
    /// The store answered but its content is not a valid key.
    #[error("{store} holds a master key that is not valid: {reason}")]
    Corrupt {
        /// Which store, in words.
        store: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing the key file failed.
    #[error("{store}: {source}")]
    Io {
        /// Which store, in words.
        store: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A place that keeps the master key.
pub trait KeyStore: Send + Sync + fmt::Debug {
    /// The kind of store.
    fn kind(&self) -> KeyStoreKind;
    /// A human description, e.g. "the OS keyring (Secret Service)" or "key file /x/master.key".
    fn description(&self) -> String;
    /// A warning the admin must see while this store is in use, if any.
    fn warning(&self) -> Option<String> {
        None
    }
    /// Reads a slot. `Ok(None)` when the slot is empty.
    ///
    /// # Errors
    /// When the store cannot be reached or holds something that is not a key.
    fn load(&self, slot: KeySlot) -> Result<Option<MasterKey>, KeyStoreError>;
    /// Writes a slot, replacing what it held.
    ///
    /// # Errors
    /// When the store cannot be reached or written.
    fn save(&self, slot: KeySlot, key: &MasterKey) -> Result<(), KeyStoreError>;
    /// Empties a slot (no error if it was empty).
    ///
    /// # Errors
    /// When the store cannot be reached or written.
    fn delete(&self, slot: KeySlot) -> Result<(), KeyStoreError>;
}

/// An in-memory store for tests.
#[derive(Default)]
pub struct MemoryStore {
    slots: Mutex<HashMap<KeySlot, MasterKey>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStore")
    }
}

impl KeyStore for MemoryStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Memory
    }
    fn description(&self) -> String {
        "in-memory key store (tests only)".to_owned()
    }
    fn load(&self, slot: KeySlot) -> Result<Option<MasterKey>, KeyStoreError> {
        Ok(self.slots.lock().expect("poisoned").get(&slot).cloned())
    }
    fn save(&self, slot: KeySlot, key: &MasterKey) -> Result<(), KeyStoreError> {
        self.slots
            .lock()
            .expect("poisoned")
            .insert(slot, key.clone());
        Ok(())
    }
    fn delete(&self, slot: KeySlot) -> Result<(), KeyStoreError> {
        self.slots.lock().expect("poisoned").remove(&slot);
        Ok(())
    }
}

/// The master key in a file (mode 0600) in the data directory.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
}

/// The key file's name inside the data directory.
pub const KEY_FILE_NAME: &str = "master.key";

impl FileStore {
    /// A store at `<data_dir>/master.key`.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(KEY_FILE_NAME),
        }
    }

    /// The key file for `slot`.
    pub fn path(&self, slot: KeySlot) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(slot.suffix());
        PathBuf::from(name)
    }

    /// Whether the current key file exists (used to keep choosing the file store once it holds
    /// the key, even if a keyring appears later).
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    fn io(&self, source: std::io::Error) -> KeyStoreError {
        KeyStoreError::Io {
            store: self.description(),
            source,
        }
    }

    /// File permission bits wider than 0600, if any (Unix only).
    pub fn loose_permissions(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then_some(mode)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

impl KeyStore for FileStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::File
    }
    fn description(&self) -> String {
        format!("key file {}", self.path.display())
    }
    fn warning(&self) -> Option<String> {
        let mut w = format!(
            "Credentials are protected by file permissions only: the master key is in {} \
             because no OS keyring is in use.",
            self.path.display()
        );
        if let Some(mode) = self.loose_permissions() {
            w.push_str(&format!(
                " The file is readable by other users (mode {mode:o}); run `chmod 600 {}`.",
                self.path.display()
            ));
        }
        Some(w)
    }
    fn load(&self, slot: KeySlot) -> Result<Option<MasterKey>, KeyStoreError> {
        let path = self.path(slot);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => zeroize::Zeroizing::new(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        MasterKey::from_base64(&text)
            .map(Some)
            .map_err(|e| KeyStoreError::Corrupt {
                store: format!("key file {}", path.display()),
                reason: e.to_string(),
            })
    }
    fn save(&self, slot: KeySlot, key: &MasterKey) -> Result<(), KeyStoreError> {
        let path = self.path(slot);
        let tmp = path.with_extension("tmp");
        let text = key.to_base64();
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let write = || -> std::io::Result<()> {
            let mut f = opts.open(&tmp)?;
            f.write_all(text.expose().as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            if let Some(dir) = path.parent() {
                // Make the rename durable before anything depends on the new key.
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|e| self.io(e))
    }
    fn delete(&self, slot: KeySlot) -> Result<(), KeyStoreError> {
        match std::fs::remove_file(self.path(slot)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(e)),
        }
    }
}

/// The master key in the operating system's keyring.
///
/// Entries are `service = "millrace"` (configurable for tests), `user = "master-key:<instance>"`,
/// where the instance id is stored in the database, so several hubs (several data directories)
/// on one account never share a key.
pub struct KeyringStore {
    service: String,
    account: String,
}

impl KeyringStore {
    /// The keyring service name used by the hub.
    pub const SERVICE: &'static str = "millrace";

    /// A store for the hub instance `instance_id`.
    pub fn new(service: &str, instance_id: &str) -> Self {
        Self {
            service: service.to_owned(),
            account: format!("master-key:{instance_id}"),
        }
    }

    fn entry(&self, slot: KeySlot) -> Result<keyring::Entry, KeyStoreError> {
        keyring::Entry::new(&self.service, &format!("{}{}", self.account, slot.suffix()))
            .map_err(|e| self.map_err(e))
    }

    fn map_err(&self, e: keyring::Error) -> KeyStoreError {
        use keyring::Error as K;
        let store = self.description();
        match e {
            K::BadEncoding(_) | K::Invalid(..) | K::TooLong(..) => KeyStoreError::Corrupt {
                store,
                reason: e.to_string(),
            },
            _ => KeyStoreError::Unavailable {
                store,
                reason: e.to_string(),
            },
        }
    }
}

impl fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringStore")
            .field("service", &self.service)
            .field("account", &self.account)
            .finish()
    }
}

/// The platform's keyring, in words.
pub fn keyring_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "the macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "the Windows Credential Manager"
    } else {
        "the OS keyring (Secret Service)"
    }
}

impl KeyStore for KeyringStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Keyring
    }
    fn description(&self) -> String {
        keyring_name().to_owned()
    }
    fn load(&self, slot: KeySlot) -> Result<Option<MasterKey>, KeyStoreError> {
        match self.entry(slot)?.get_password() {
            Ok(text) => {
                let text = zeroize::Zeroizing::new(text);
                MasterKey::from_base64(&text)
                    .map(Some)
                    .map_err(|e| KeyStoreError::Corrupt {
                        store: self.description(),
                        reason: e.to_string(),
                    })
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.map_err(e)),
        }
    }
    fn save(&self, slot: KeySlot, key: &MasterKey) -> Result<(), KeyStoreError> {
        self.entry(slot)?
            .set_password(key.to_base64().expose())
            .map_err(|e| self.map_err(e))
    }
    fn delete(&self, slot: KeySlot) -> Result<(), KeyStoreError> {
        match self.entry(slot)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.map_err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn KeyStore) {
        assert!(store.load(KeySlot::Current).unwrap().is_none());
        let a = MasterKey::generate();
        let b = MasterKey::generate();
        store.save(KeySlot::Current, &a).unwrap();
        store.save(KeySlot::Pending, &b).unwrap();
        assert_eq!(
            store.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
            a.fingerprint()
        );
        assert_eq!(
            store.load(KeySlot::Pending).unwrap().unwrap().fingerprint(),
            b.fingerprint()
        );
        store.delete(KeySlot::Pending).unwrap();
        store.delete(KeySlot::Pending).unwrap();
        assert!(store.load(KeySlot::Pending).unwrap().is_none());
        assert!(store.load(KeySlot::Current).unwrap().is_some());
    }

    #[test]
    fn memory_store_slots() {
        exercise(&MemoryStore::new());
    }

    #[test]
    fn file_store_slots_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::in_dir(dir.path());
        exercise(&store);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(store.path(KeySlot::Current))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "key file must be private to the user");
        }
        assert!(store.loose_permissions().is_none());
        assert!(store.warning().unwrap().contains("file permissions only"));
    }

    #[cfg(unix)]
    #[test]
    fn file_store_warns_on_loose_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::in_dir(dir.path());
        store
            .save(KeySlot::Current, &MasterKey::generate())
            .unwrap();
        let path = store.path(KeySlot::Current);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = store.warning().unwrap();
        assert!(w.contains("mode 644") && w.contains("chmod 600"), "{w}");
    }

    #[test]
    fn file_store_rejects_a_garbled_key_without_printing_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::in_dir(dir.path());
        std::fs::write(
            store.path(KeySlot::Current),
            "c2VjcmV0LWJ1dC10b28tc2hvcnQ=\n",
        )
        .unwrap();
        let err = store.load(KeySlot::Current).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("not valid"), "{msg}");
        assert!(!msg.contains("c2VjcmV0"), "key text leaked: {msg}");
    }

    /// Only meaningful on Linux: with D-Bus disabled the Secret Service cannot be reached, and the
    /// error must say which store failed (the CLI adds how to choose the file store).
    #[cfg(target_os = "linux")]
    #[test]
    fn keyring_unreachable_is_reported_as_unavailable() {
        // Run in a child process so the environment change cannot affect other tests.
        if std::env::var_os("MILLRACE_KEYRING_CHILD").is_none() {
            let exe = std::env::current_exe().unwrap();
            let out = std::process::Command::new(exe)
                .args([
                    "crypto::keystore::tests::keyring_unreachable_is_reported_as_unavailable",
                    "--exact",
                    "--nocapture",
                ])
                .env("MILLRACE_KEYRING_CHILD", "1")
                .env("DBUS_SESSION_BUS_ADDRESS", "disabled:")
                .env_remove("DISPLAY")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "child failed: {}",
                String::from_utf8_lossy(&out.stdout)
            );
            return;
        }
        let store = KeyringStore::new("millrace-test-unreachable", "x");
        match store.load(KeySlot::Current) {
            Err(KeyStoreError::Unavailable { store, .. }) => {
                assert!(store.contains("Secret Service"), "{store}");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
}
