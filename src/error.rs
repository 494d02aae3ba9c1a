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
