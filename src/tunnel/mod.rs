//! The tunnel: how webhooks from the internet reach the hooks listener (DESIGN §7).
//!
//! This module holds the settings ([`config`]) and the status the admin API reports.
//!
//! # Threat model
//!
//! Whatever the tunnel exposes is reachable by anyone on the internet. The provider secrets
//! (ngrok authtoken, bore secret) are [`SecretString`]s: redacted in `Debug`, never serialized
//! ([`TunnelSettingsView`] shows `{"set": true}`), and every provider message is passed through
//! [`TunnelConfig::scrub`] before it reaches the status, a log line or the UI, because services
//! may echo what they were sent.

pub mod config;

use serde::Serialize;
use time::OffsetDateTime;

pub use config::{
    Provider, SecretField, TunnelConfig, TunnelSettingsView, TunnelUpdate, DEFAULT_BORE_PORT,
};

use crate::secret::SecretString;

/// The tunnel's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelState {
    /// No tunnel is configured.
    Off,
    /// Opening a session, or waiting to retry.
    Connecting,
    /// A session is up.
    Online,
    /// The settings cannot work as they are.
    Error,
}

/// What `GET /admin/api/tunnel` answers (DESIGN §11). Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TunnelStatus {
    /// The configured provider.
    pub provider: Provider,
    /// The state.
    pub state: TunnelState,
    /// The public base URL (no trailing `/`) while `online`.
    pub public_url: Option<String>,
    /// The last failure, kept while reconnecting; cleared only by new settings.
    pub last_error: Option<String>,
    /// When the current session came up (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    pub connected_since: Option<OffsetDateTime>,
}

impl TunnelStatus {
    /// The status before anything happened for `provider`.
    pub fn initial(provider: Provider) -> Self {
        Self {
            provider,
            state: if provider == Provider::Off {
                TunnelState::Off
            } else {
                TunnelState::Connecting
            },
            public_url: None,
            last_error: None,
            connected_since: None,
        }
    }
}

/// Replaces `secret` in `text`, for providers formatting library errors.
fn scrub_with(secret: Option<&SecretString>, text: &str) -> String {
    match secret.map(|s| s.expose().as_str()) {
        Some(value) if !value.is_empty() => text.replace(value, crate::secret::REDACTED),
        _ => text.to_owned(),
    }
}
