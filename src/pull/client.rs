//! The hub's one HTTP client for pulling third-party APIs.
//!
//! Decisions:
//! - One [`reqwest::Client`] (connection pool, TLS via rustls) is built at start and passed in;
//!   nothing global. Every request says `User-Agent: Millrace/<version>`.
//! - **Response size cap**: [`MAX_BODY_BYTES`] (5 MiB) by default. A `Content-Length` above it is
//!   refused before any body is read, and the body is counted while it streams (after gzip
//!   decoding, so a small compressed bomb is caught too): the connection is dropped as soon as
//!   the cap is passed. Feeds and weather documents are a few hundred KiB at most.
//! - **Redirects** are followed by [`super::fetch()`] itself, not by reqwest, at most
//!   [`MAX_REDIRECTS`] of them: that way a loop is reported as a loop, and a request that carries
//!   credentials in headers is never forwarded to another host.
//! - **Timeouts**: a connect timeout here ([`CONNECT_TIMEOUT`]); the whole request (every
//!   redirect and the body) is bounded by the integration's `pull_config.timeout`, applied by
//!   [`super::fetch()`].

use std::time::Duration;

/// Default response size cap: 5 MiB.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// Default number of redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// Default time allowed to open a connection (TCP and TLS), within the request's own timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Limits of a [`PullClient`]. [`Default`] gives the documented constants; tests lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSettings {
    /// Response size cap in bytes (decoded).
    pub max_body_bytes: usize,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: MAX_BODY_BYTES,
            max_redirects: MAX_REDIRECTS,
            connect_timeout: CONNECT_TIMEOUT,
        }
    }
}

/// The HTTP client the pull engine uses. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PullClient {
    pub(super) http: reqwest::Client,
    pub(super) settings: ClientSettings,
}

/// The HTTP client could not be set up (in practice: the TLS backend failed to initialise).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client for pulling data: {reason}")]
pub struct ClientError {
    reason: String,
}

impl PullClient {
    /// A client with the default [`ClientSettings`].
    ///
    /// # Errors
    /// [`ClientError`] if the TLS backend cannot be initialised.
    pub fn new() -> Result<Self, ClientError> {
        Self::with_settings(ClientSettings::default())
    }

    /// A client with the given limits.
    ///
    /// # Errors
    /// [`ClientError`] if the TLS backend cannot be initialised.
    pub fn with_settings(settings: ClientSettings) -> Result<Self, ClientError> {
        crate::tls::install_provider();
        let http = reqwest::Client::builder()
            .user_agent(user_agent())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .build()
            .map_err(|e| ClientError {
                reason: error_chain(&e.without_url()),
            })?;
        Ok(Self { http, settings })
    }

    /// The limits this client enforces.
    pub fn settings(&self) -> ClientSettings {
        self.settings
    }
}

/// `Millrace/<version>`.
pub fn user_agent() -> String {
    format!("Millrace/{}", crate::VERSION)
}

/// An error and its sources, joined with `: `, skipping repeats.
pub(super) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_with_defaults() {
        let c = PullClient::new().unwrap();
        assert_eq!(c.settings().max_body_bytes, 5 * 1024 * 1024);
        assert_eq!(c.settings().max_redirects, 5);
        assert_eq!(user_agent(), format!("Millrace/{}", crate::VERSION));
    }
}
