//! SQLite storage: opening (checks, pragmas, migrations) and the async-safe [`Store`] handle.
//!
//! One connection, guarded by a mutex, used only from blocking threads through [`Store::call`],
//! so no SQLite call ever runs on an async worker and no connection is held across an `.await`.
//! Pragmas are set on every connection, outside migrations. Migrations are the append-only SQL
//! files in `migrations/`; the schema version is SQLite's `user_version`.

pub mod settings;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};

/// The migration scripts, in order. Append only: never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_widget_config_version.sql"),
];

/// The migrations, in order.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version this build writes (the number of migrations).
pub fn schema_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).expect("fewer than 2^32 migrations")
}

/// The database file's name inside the data directory.
pub const DB_FILE_NAME: &str = "millrace.db";

/// A storage failure. Messages name the file and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not an SQLite database.
    #[error("{path} is not a Millrace database (not an SQLite file); move it away or choose another --data-dir")]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// SQLite reports the file as damaged.
    #[error("the database {path} is damaged ({detail}); restore it from a backup or move it away to start afresh")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// The file was written by a newer Millrace; it is left untouched.
    #[error("the database {path} was written by a newer Millrace (schema version {found}, this build knows up to {supported}); upgrade Millrace — the file was not changed")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The schema version found.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// The file could not be opened or created.
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// A migration failed; the transaction was rolled back.
    #[error("cannot upgrade the database {path}: {source}")]
    Migrate {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite_migration::Error,
    },
    /// Any other SQLite error during normal operation.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON document could not be read back.
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// A handle to the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the database at `path`, refusing files that are not SQLite, damaged, or
    /// written by a newer Millrace — all without changing them — then sets pragmas and migrates.
    ///
    /// Blocking: call from a blocking thread.
    ///
    /// # Errors
    /// See [`StoreError`]; every variant names the file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let exists = path.metadata().map(|m| m.len() > 0).unwrap_or(false);
        if !exists {
            // Created private, so the WAL and shared-memory files SQLite derives from it are
            // too. A failure here is reported by SQLite just below, with the path.
            let _ = create_private(path);
        }
        if exists {
            check_header(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| classify(path, e))?;
        if exists {
            // Authoritative checks through SQLite itself (they see the WAL too).
            let found: u32 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| classify(path, e))?;
            if found > schema_version() {
                return Err(StoreError::TooNew {
                    path: path.to_owned(),
                    found,
                    supported: schema_version(),
                });
            }
            let check: String = conn
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(|e| classify(path, e))?;
            if check != "ok" {
                return Err(StoreError::Corrupt {
                    path: path.to_owned(),
                    detail: check,
                });
            }
        }
        set_pragmas(&conn).map_err(|e| classify(path, e))?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate {
                path: path.to_owned(),
                source,
            })?;
        make_private(path);
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on a blocking thread.
    ///
    /// # Errors
    /// What `f` returns, or [`StoreError::Task`] if the blocking task failed.
    pub async fn call<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs `f` with the connection on the current thread (for start-up and blocking contexts).
    ///
    /// # Errors
    /// What `f` returns.
    pub fn call_blocking<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<R, StoreError>,
    {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// The files SQLite keeps next to the database (WAL mode).
const SIDE_FILE_SUFFIXES: [&str; 2] = ["-wal", "-shm"];

/// Creates an empty database file that only the hub's OS account can read (0600 on Unix).
/// SQLite treats an empty file as a new database, and gives the WAL and shared-memory files the
/// database file's mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    opts.open(path).map(drop)
}

/// Makes the database and its WAL and shared-memory files private to the hub's OS account
/// (0600) when another account could read them: they hold delivery bodies, widget data and
/// credential metadata (secrets themselves are sealed). Databases created by earlier versions
/// had the umask's mode, usually 0644. Logs each file it changed; a failure is logged and
/// start-up goes on (the data directory is 0700 anyway). Nothing to do on Windows, where the
/// profile's ACLs apply.
fn make_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let side_files = SIDE_FILE_SUFFIXES.iter().map(|suffix| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        });
        for file in std::iter::once(path.to_owned()).chain(side_files) {
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 == 0 {
                continue;
            }
            match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
                Ok(()) => tracing::info!(
                    "{} was readable by other accounts (mode {mode:o}); changed it to 600",
                    file.display()
                ),
                Err(e) => tracing::warn!(
                    "{} is readable by other accounts (mode {mode:o}) and could not be changed: {e}; run `chmod 600 {}`",
                    file.display(),
                    file.display()
                ),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, SIDE_FILE_SUFFIXES);
}

/// The pragmas every connection gets.
fn set_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Reads the 100-byte SQLite header directly, so files that are not SQLite, or that a newer
/// Millrace wrote, are refused before SQLite opens (and might touch) them.
fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read as _;
    let mut header = [0u8; 100];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    match read {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(StoreError::NotADatabase {
                path: path.to_owned(),
            })
        }
        Err(e) => {
            return Err(StoreError::Open {
                path: path.to_owned(),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(e.to_string()),
                ),
            })
        }
    }
    if &header[..16] != b"SQLite format 3\0" {
        return Err(StoreError::NotADatabase {
            path: path.to_owned(),
        });
    }
    let found = u32::from_be_bytes(header[60..64].try_into().expect("4 bytes"));
    if found > schema_version() {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            supported: schema_version(),
        });
    }
    Ok(())
}

fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::NotADatabase) => StoreError::NotADatabase {
            path: path.to_owned(),
        },
        Some(C::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_owned(),
            detail: e.to_string(),
        },
        _ => StoreError::Open {
            path: path.to_owned(),
            source: e,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
        // A database migrated to the latest version reports exactly schema_version().
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
    }

    #[test]
    fn open_sets_pragmas_and_creates_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join(DB_FILE_NAME)).unwrap();
        store
            .call_blocking(|c| {
                let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
                assert_eq!(mode, "wal");
                let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
                assert_eq!(fk, 1, "foreign keys must be enforced on every connection");
                let timeout: i64 = c.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
                assert_eq!(timeout, 5000);
                for table in [
                    "settings",
                    "integrations",
                    "widget_configs",
                    "credentials",
                    "hub_secrets",
                    "version_sequence",
                    "integration_data",
                    "deliveries",
                    "webhook_message_ids",
                    "players",
                    "player_widgets",
                ] {
                    let n: i64 = c.query_row(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        [table],
                        |r| r.get(0),
                    )?;
                    assert_eq!(n, 1, "missing table {table}");
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn reopening_keeps_data_and_does_not_remigrate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        {
            let s = Store::open(&path).unwrap();
            s.call_blocking(|c| {
                c.execute(
                    "INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 'now')",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        let v: String = s
            .call_blocking(|c| Ok(c.query_row("SELECT value FROM settings", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(v, "1");
    }
}
