//! Choosing the key store and unlocking the master key at start-up.
//!
//! Invariants, each of which protects stored credentials:
//! - A master key is generated only for a database that has never sealed anything. If the
//!   database holds a key check but the store has no key, start-up fails; a new key would make
//!   every stored credential unreadable.
//! - A key that does not open the database's key check is refused, and nothing is overwritten.
//! - A rotation that committed in the database but was not yet promoted in the store (a crash in
//!   between) is completed here; one that did not commit is discarded.

use std::path::Path;
use std::sync::Arc;

use rusqlite::OptionalExtension as _;
use serde::Deserialize;

use crate::crypto::keystore::{keyring_name, FileStore, KeyringStore};
use crate::crypto::{Aad, Cipher, KeySlot, KeyStore, KeyStoreError, MasterKey};
use crate::store::{settings, Store, StoreError};

/// Which key store to use (`--keystore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum KeyStoreChoice {
    /// The OS keyring if it can be reached, otherwise the key file (with a warning).
    #[default]
    Auto,
    /// The OS keyring only; fail if it cannot be reached.
    Keyring,
    /// The key file in the data directory (mode 0600).
    File,
}

/// The plaintext sealed in the key check record.
const KEY_CHECK_PLAINTEXT: &[u8] = b"millrace key check v1";
const KEY_CHECK_NAME: &str = "key_check";

/// A failure to obtain a usable master key. Messages say which store and what to do.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// `--keystore keyring` was asked for but the keyring cannot be reached.
    #[error("{0}. Start the keyring service (on Linux: a Secret Service such as gnome-keyring in your session), or run with `--keystore file` to keep the master key in a file protected only by its permissions")]
    KeyringUnavailable(KeyStoreError),
    /// The store failed while reading or writing the key.
    #[error("key store error: {0}")]
    Store(#[from] KeyStoreError),
    /// The database holds sealed data but the store has no key for it.
    #[error("the database holds sealed credentials but {store} has no master key for them{hint}; refusing to start (a new key would make them unreadable). Start with the key store that holds the key (`--keystore keyring` or `--keystore file`). Nothing was changed")]
    KeyMissing {
        /// The store that was asked.
        store: String,
        /// Why this store was chosen, when it was a fallback.
        hint: String,
    },
    /// The store's key does not open the database's key check.
    #[error("the master key in {store} (fingerprint {fingerprint}) does not open this database's credentials; refusing to serve secrets. Start with the key store that holds the right key; nothing was changed or overwritten")]
    KeyMismatch {
        /// The store that was asked.
        store: String,
        /// The non-secret fingerprint of the key found.
        fingerprint: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] StoreError),
}

/// The result of unlocking: the key store in use and the cipher for its key.
#[derive(Debug, Clone)]
pub struct Unlocked {
    /// The store that holds the master key.
    pub keystore: Arc<dyn KeyStore>,
    /// A cipher over the master key.
    pub cipher: Cipher,
    /// Why the key file is in use when the keyring was wanted, if that happened.
    pub fallback_reason: Option<String>,
}

/// Returns this database's instance id, creating it on first use. It names the keyring entry so
/// several hubs on one account never share a key.
///
/// # Errors
/// On database errors.
pub fn instance_id(store: &Store, now: &str) -> Result<String, StoreError> {
    let now = now.to_owned();
    store.call_blocking(move |c| {
        if let Some(id) = settings::get::<String>(c, "instance_id")? {
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4().to_string();
        settings::set(c, "instance_id", &id, &now)?;
        Ok(id)
    })
}

/// Picks the key store for `choice`. Blocking (may talk to D-Bus).
///
/// # Errors
/// [`KeyError::KeyringUnavailable`] when `Keyring` was asked for and cannot be reached.
pub fn choose(
    choice: KeyStoreChoice,
    data_dir: &Path,
    instance_id: &str,
) -> Result<(Arc<dyn KeyStore>, Option<String>), KeyError> {
    let file = FileStore::in_dir(data_dir);
    match choice {
        KeyStoreChoice::File => Ok((Arc::new(file), None)),
        KeyStoreChoice::Keyring => {
            let ring = KeyringStore::new(KeyringStore::SERVICE, instance_id);
            match ring.load(KeySlot::Current) {
                Ok(_) => Ok((Arc::new(ring), None)),
                Err(e) => Err(KeyError::KeyringUnavailable(e)),
            }
        }
        KeyStoreChoice::Auto => {
            if file.exists() {
                // The key went to the file once; keep using it rather than orphan it.
                return Ok((Arc::new(file), None));
            }
            let ring = KeyringStore::new(KeyringStore::SERVICE, instance_id);
            match ring.load(KeySlot::Current) {
                Ok(_) => Ok((Arc::new(ring), None)),
                Err(KeyStoreError::Unavailable { reason, .. }) => {
                    let why = format!("{} could not be reached ({reason})", keyring_name());
                    tracing::warn!(
                        "{why}; falling back to the key file {} — credentials are protected by \
                         file permissions only. Use --keystore keyring to require the keyring.",
                        file.path(KeySlot::Current).display()
                    );
                    Ok((Arc::new(file), Some(why)))
                }
                Err(e) => Err(KeyError::Store(e)),
            }
        }
    }
}

/// Obtains the master key from `keystore` for the database in `store`, generating it on the
/// first run only. Blocking.
///
/// # Errors
/// See [`KeyError`].
pub fn unlock(
    store: &Store,
    keystore: Arc<dyn KeyStore>,
    fallback_reason: Option<String>,
    now: &str,
) -> Result<Unlocked, KeyError> {
    let check: Option<Vec<u8>> = store.call_blocking(|c| {
        Ok(c.query_row(
            "SELECT sealed FROM hub_secrets WHERE name = ?1",
            [KEY_CHECK_NAME],
            |r| r.get(0),
        )
        .optional()?)
    })?;
    let current = keystore.load(KeySlot::Current)?;
    let pending = keystore.load(KeySlot::Pending)?;
    let opens = |key: &MasterKey, blob: &[u8]| {
        Cipher::new(key)
            .open(&Aad::key_check(), blob)
            .is_ok_and(|p| p.expose().as_slice() == KEY_CHECK_PLAINTEXT)
    };
    let done = |cipher: Cipher| Unlocked {
        keystore: Arc::clone(&keystore),
        cipher,
        fallback_reason: fallback_reason.clone(),
    };

    if let Some(blob) = check {
        if let Some(key) = current.as_ref().filter(|k| opens(k, &blob)) {
            if pending.is_some() {
                // A rotation that never committed: the database still uses the current key.
                keystore.delete(KeySlot::Pending)?;
                tracing::warn!("discarded a key rotation that did not complete");
            }
            return Ok(done(Cipher::new(key)));
        }
        if let Some(key) = pending.as_ref().filter(|k| opens(k, &blob)) {
            // The rotation committed in the database; finish promoting the new key.
            keystore.save(KeySlot::Current, key)?;
            keystore.delete(KeySlot::Pending)?;
            tracing::info!(
                "completed an interrupted key rotation (key {})",
                key.fingerprint()
            );
            return Ok(done(Cipher::new(key)));
        }
        return Err(match current {
            None => KeyError::KeyMissing {
                store: keystore.description(),
                hint: fallback_reason
                    .as_ref()
                    .map(|r| format!(" ({r}, so the key file was used)"))
                    .unwrap_or_default(),
            },
            Some(key) => KeyError::KeyMismatch {
                store: keystore.description(),
                fingerprint: key.fingerprint(),
            },
        });
    }

    // No key check: this database has never sealed anything (sealed rows without one would be
    // an inconsistency we refuse to paper over).
    let sealed_rows: i64 = store.call_blocking(|c| {
        Ok(c.query_row(
            "SELECT (SELECT count(*) FROM credentials) + (SELECT count(*) FROM hub_secrets)",
            [],
            |r| r.get(0),
        )?)
    })?;
    if sealed_rows > 0 {
        return Err(KeyError::KeyMissing {
            store: keystore.description(),
            hint: " (the database's key check record is missing)".to_owned(),
        });
    }
    let key = match current {
        Some(k) => k,
        None => {
            let k = MasterKey::generate();
            keystore.save(KeySlot::Current, &k)?;
            tracing::info!(
                "generated a new master key (fingerprint {}) in {}",
                k.fingerprint(),
                keystore.description()
            );
            k
        }
    };
    let cipher = Cipher::new(&key);
    let blob = cipher.seal(&Aad::key_check(), KEY_CHECK_PLAINTEXT);
    let now = now.to_owned();
    store.call_blocking(move |c| {
        c.execute(
            "INSERT INTO hub_secrets (name, sealed, updated_at) VALUES (?1, ?2, ?3)",
            (KEY_CHECK_NAME, blob, now),
        )?;
        Ok(())
    })?;
    Ok(done(cipher))
}

/// Where [`rotate`] stops early, to prove in tests that an interruption loses nothing.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationFault {
    /// Run to completion.
    None,
    /// Fail after re-sealing some records, before the transaction commits.
    BeforeCommit,
    /// Stop right after the database committed, before the key store promotes the new key
    /// (as if the process were killed there).
    AfterCommit,
}

/// Re-seals every sealed record (credentials and hub secrets, including the key check) under a
/// new master key in one transaction, then makes the new key current.
///
/// Order, so that an interruption at any point leaves a key that opens every record:
/// 1. the new key is saved in the store's *pending* slot;
/// 2. one transaction re-seals every record — on failure it rolls back and the old key stays;
/// 3. `cipher` switches to the new key (the database now needs it);
/// 4. the store promotes pending to current. If the process dies between 2 and 4, the next
///    start finds the key check opening with the pending key and completes the promotion
///    ([`unlock`]).
///
/// Runs on the store's connection, so no other write can seal under the old key meanwhile.
///
/// # Errors
/// Key store and database errors; [`crate::error::Error::Sealed`] if a record does not open
/// with the current key (then nothing changed).
pub fn rotate(
    conn: &mut rusqlite::Connection,
    keystore: &dyn KeyStore,
    cipher: &mut Cipher,
    fault: RotationFault,
) -> Result<usize, crate::error::Error> {
    let new_key = MasterKey::generate();
    keystore.save(KeySlot::Pending, &new_key)?;
    let new = Cipher::new(&new_key);
    match reseal(conn, cipher, &new, fault) {
        Ok(count) => {
            *cipher = new;
            if fault == RotationFault::AfterCommit {
                return Ok(count);
            }
            keystore.save(KeySlot::Current, &new_key)?;
            keystore.delete(KeySlot::Pending)?;
            tracing::info!(
                "rotated the master key: {count} records re-sealed under key {}",
                new_key.fingerprint()
            );
            Ok(count)
        }
        Err(e) => {
            // The transaction rolled back: the old key still opens everything.
            if fault == RotationFault::None {
                let _ = keystore.delete(KeySlot::Pending);
            }
            Err(e)
        }
    }
}

fn reseal(
    conn: &mut rusqlite::Connection,
    cipher: &Cipher,
    new: &Cipher,
    fault: RotationFault,
) -> Result<usize, crate::error::Error> {
    use crate::error::Error;
    let tx = conn.transaction()?;
    let mut count = 0;
    {
        let mut creds = tx.prepare(
            "SELECT id, integration_id, widget_config_id, sealed FROM credentials ORDER BY id",
        )?;
        let rows: Vec<(i64, i64, Option<String>, Vec<u8>)> = creds
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        for (id, integration_id, wc, sealed) in rows {
            let aad = Aad::credentials(integration_id, wc.as_deref());
            let plain = cipher.open(&aad, &sealed).map_err(|_| Error::Sealed)?;
            tx.execute(
                "UPDATE credentials SET sealed = ?1 WHERE id = ?2",
                (new.seal(&aad, plain.expose()), id),
            )?;
            count += 1;
            if fault == RotationFault::BeforeCommit {
                return Err(Error::BadRequest {
                    code: "rotation_interrupted",
                    message: "key rotation interrupted (test fault)".to_owned(),
                });
            }
        }
        let mut secrets = tx.prepare("SELECT name, sealed FROM hub_secrets ORDER BY name")?;
        let rows: Vec<(String, Vec<u8>)> = secrets
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (name, sealed) in rows {
            let aad = if name == KEY_CHECK_NAME {
                Aad::key_check()
            } else {
                Aad::hub_secret(&name)
            };
            let plain = cipher.open(&aad, &sealed).map_err(|_| Error::Sealed)?;
            tx.execute(
                "UPDATE hub_secrets SET sealed = ?1 WHERE name = ?2",
                (new.seal(&aad, plain.expose()), &name),
            )?;
            count += 1;
        }
    }
    if fault == RotationFault::BeforeCommit {
        return Err(Error::BadRequest {
            code: "rotation_interrupted",
            message: "key rotation interrupted (test fault)".to_owned(),
        });
    }
    tx.commit()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keystore::MemoryStore;

    fn db() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db")).unwrap();
        (dir, s)
    }

    #[test]
    fn first_run_generates_then_reuses_the_key() {
        let (_d, s) = db();
        let ks: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
        let a = unlock(&s, Arc::clone(&ks), None, "t").unwrap();
        let b = unlock(&s, ks, None, "t").unwrap();
        assert_eq!(a.cipher.fingerprint(), b.cipher.fingerprint());
    }

    #[test]
    fn a_store_without_the_key_is_refused_and_nothing_is_written() {
        let (_d, s) = db();
        unlock(&s, Arc::new(MemoryStore::new()), None, "t").unwrap();
        let empty: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
        let err = unlock(&s, Arc::clone(&empty), None, "t").unwrap_err();
        assert!(matches!(err, KeyError::KeyMissing { .. }), "{err}");
        assert!(
            empty.load(KeySlot::Current).unwrap().is_none(),
            "must never generate a key for a database that already has one"
        );
    }

    #[test]
    fn a_wrong_key_is_refused_and_not_overwritten() {
        let (_d, s) = db();
        unlock(&s, Arc::new(MemoryStore::new()), None, "t").unwrap();
        let other: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
        let wrong = MasterKey::generate();
        other.save(KeySlot::Current, &wrong).unwrap();
        let err = unlock(&s, Arc::clone(&other), None, "t").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("does not open"), "{msg}");
        assert!(msg.contains(&wrong.fingerprint()));
        assert_eq!(
            other.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
            wrong.fingerprint()
        );
    }

    #[test]
    fn a_committed_rotation_is_promoted_and_an_uncommitted_one_discarded() {
        let (_d, s) = db();
        let ks: Arc<dyn KeyStore> = Arc::new(MemoryStore::new());
        let first = unlock(&s, Arc::clone(&ks), None, "t").unwrap();
        // Uncommitted: a pending key exists but the database still uses the current one.
        ks.save(KeySlot::Pending, &MasterKey::generate()).unwrap();
        let again = unlock(&s, Arc::clone(&ks), None, "t").unwrap();
        assert_eq!(again.cipher.fingerprint(), first.cipher.fingerprint());
        assert!(ks.load(KeySlot::Pending).unwrap().is_none());
        // Committed: the database's key check was re-sealed under the pending key.
        let new = MasterKey::generate();
        ks.save(KeySlot::Pending, &new).unwrap();
        let blob = Cipher::new(&new).seal(&Aad::key_check(), KEY_CHECK_PLAINTEXT);
        s.call_blocking(move |c| {
            c.execute(
                "UPDATE hub_secrets SET sealed = ?1 WHERE name = 'key_check'",
                [blob],
            )?;
            Ok(())
        })
        .unwrap();
        let promoted = unlock(&s, Arc::clone(&ks), None, "t").unwrap();
        assert_eq!(promoted.cipher.fingerprint(), new.fingerprint());
        assert_eq!(
            ks.load(KeySlot::Current).unwrap().unwrap().fingerprint(),
            new.fingerprint()
        );
        assert!(ks.load(KeySlot::Pending).unwrap().is_none());
    }
}
