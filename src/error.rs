//! Errors of starting the hub. Each message says what is wrong and how to fix it; the binary
//! prints it and exits non-zero.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::keys::KeyError;
use crate::store::StoreError;
use crate::token::TokenError;

/// Why [`crate::app::App::start`] failed.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The admin listener was asked to bind a non-loopback address.
    #[error("the admin listener must bind a loopback address (127.0.0.1 or ::1), not {0}: the admin API is never exposed to the network")]
    AdminNotLoopback(SocketAddr),
    /// A listener could not bind.
    #[error("cannot listen on {addr} for the {listener} listener: {reason}. Choose another address with {flag}")]
    Bind {
        /// `admin`, `player` or `hooks`.
        listener: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The OS reason, in words.
        reason: String,
        /// The command-line flag that changes it.
        flag: &'static str,
    },
    /// The data directory cannot be created or written.
    #[error("cannot use the data directory {path}: {source}. Choose another with --data-dir or MILLRACE_DATA_DIR")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No data directory was given and the platform has none.
    #[error(
        "no data directory: the platform's convention could not be determined; pass --data-dir"
    )]
    NoDataDir,
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The master key could not be obtained.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The admin token file is unusable.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A start-up task failed unexpectedly.
    #[error("start-up task failed: {0}")]
    Task(String),
}

/// Field-level validation problems: `{"errors": {field: [message]}}` with dotted paths
/// (`pull_config.timeout`, `options.units`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub std::collections::BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// One problem.
    pub fn one(path: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.push(path, message);
        e
    }

    /// Adds a problem at `path`.
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.entry(path.into()).or_default().push(message.into());
    }

    /// Adds `(path, message)` pairs under `prefix` (`prefix.path`, or `prefix` for an empty path).
    pub fn extend_under(
        &mut self,
        prefix: &str,
        problems: impl IntoIterator<Item = (String, String)>,
    ) {
        for (path, msg) in problems {
            let full = match (prefix.is_empty(), path.is_empty()) {
                (true, _) => path,
                (false, true) => prefix.to_owned(),
                (false, false) => format!("{prefix}.{path}"),
            };
            self.push(full, msg);
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, else `Err(Error::Invalid)`.
    ///
    /// # Errors
    /// When there are problems.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self))
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (path, msgs) in &self.0 {
            for m in msgs {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                write!(f, "{path}: {m}")?;
            }
        }
        Ok(())
    }
}

/// Errors of domain operations (integrations, widget configs, credentials, definitions, keys).
/// `http/error.rs` maps each to a status code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid: 422 with field errors.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The request cannot apply to this resource as asked: 400 with a stable code.
    #[error("{message}")]
    BadRequest {
        /// A stable code for clients.
        code: &'static str,
        /// What is wrong and what to do instead.
        message: String,
    },
    /// A resource does not exist: 404.
    #[error("{0}")]
    NotFound(String),
    /// The database failed: 500.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Sealed data did not open with the current key: 500 (logged; never detailed to clients).
    #[error("stored credentials could not be opened with the current master key")]
    Sealed,
    /// The key store failed: 500.
    #[error(transparent)]
    KeyStore(#[from] crate::crypto::KeyStoreError),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(e))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Store(StoreError::Json(e))
    }
}
