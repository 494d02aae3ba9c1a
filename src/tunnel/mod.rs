//! The tunnel: how webhooks from the internet reach the hooks listener (DESIGN §7).
//!
//! A [`Tunnel`] is one provider's way to open a session that forwards public traffic to a local
//! address; a [`TunnelTask`] owns the session, reconnects it with backoff, and publishes a
//! [`TunnelStatus`] on a watch channel. Providers:
//!
//! - **ngrok** (`ngrok.rs`): an in-process ngrok agent session (the `ngrok` crate over rustls with
//!   *ring*) with one HTTPS endpoint, on a reserved domain if one is configured.
//! - **bore** (`bore.rs`): a client of a self-hosted bore relay (`bore server`), speaking the
//!   protocol of the `bore-cli` crate. The public URL is `http://<server>:<remote port>`.
//! - **manual**: no connection at all; the admin's own reverse proxy or port forward reaches the
//!   hooks listener, and the configured URL is reported as it is.
//! - **off**: nothing.
//!
//! # Threat model
//!
//! Whatever the tunnel exposes is reachable by anyone on the internet. So:
//! - A session forwards **only** to the `local` address given to [`TunnelTask::spawn`]; the app
//!   passes the hooks listener's address, whose router holds webhook routes and nothing else.
//!   No provider reads a forward target from its settings or from the remote side.
//! - The provider secrets (ngrok authtoken, bore secret) are [`SecretString`]s: redacted in
//!   `Debug`, never serialized ([`TunnelSettingsView`] shows `{"set": true}`), and every error
//!   message is passed through [`TunnelConfig::scrub`] before it reaches the status, a log line
//!   or the UI, because services may echo what they were sent.
//! - At most [`MAX_FORWARDED_CONNECTIONS`] public connections are forwarded at once; more are
//!   refused, so a flood cannot exhaust the hub's sockets.
//! - bore's own protocol is plain TCP: its secret authenticates the client to the relay with an
//!   HMAC challenge (the secret itself never crosses the wire), but traffic between the relay
//!   and the hub is not encrypted. Webhook bodies are signed, not secret; still, put the relay
//!   on a network you trust or prefer ngrok.
//!
//! # TLS in front of a self-hosted bore relay
//!
//! bore forwards raw TCP, so its public URL is plain `http://relay:port`. Meta, Stripe and most
//! webhook senders require HTTPS. Terminate TLS on the relay and hand the plain traffic to a
//! fixed bore port:
//!
//! 1. Run the relay with the tunnel ports on the relay's loopback only, so that the public can
//!    reach them through the proxy alone:
//!    `bore server --secret … --min-port 40001 --max-port 40001 --bind-tunnels 127.0.0.1`
//!    (the control port 7835 stays reachable for the hub; open 443 for the proxy).
//! 2. Point a TLS proxy at that port. Caddy (automatic certificates):
//!    ```text
//!    hooks.example.com {
//!        reverse_proxy 127.0.0.1:40001
//!    }
//!    ```
//!    nginx: a `server { listen 443 ssl; server_name hooks.example.com; … location / {
//!    proxy_pass http://127.0.0.1:40001; } }` block with a certificate (e.g. from certbot).
//! 3. In Millrace set bore `remote_port: 40001` and `public_url: "https://hooks.example.com"`.
//!    The tunnel then asks the relay for exactly that port on every (re)connect, and the status
//!    and the UI show the HTTPS URL.
//!
//! # States
//!
//! [`TunnelState`]: `off` (no tunnel configured), `connecting` (opening a session, or waiting to
//! retry after a failed attempt or a dropped session; `last_error` says why), `online` (a
//! session is up; `public_url` and `connected_since` are set), `error` (the settings cannot
//! work as they are: they are invalid, or the provider rejected them — a wrong bore secret, an
//! authtoken or domain ngrok refused). The rule: **`error` only when retrying with the same
//! settings cannot succeed by itself.** Invalid settings are not tried at all until
//! [`TunnelHandle::reconfigure`]; rejected settings are retried only at the slowest pace (the
//! backoff cap), so a fix made on the other side (the relay's secret, the ngrok dashboard) is
//! picked up without hammering the provider. Everything else (network down, relay restarting,
//! session dropped) is `connecting` with capped exponential backoff and jitter.

mod bore;
pub mod config;
mod manual;
mod ngrok;
mod task;

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub use config::{
    Provider, SecretField, TunnelConfig, TunnelSettingsView, TunnelUpdate, DEFAULT_BORE_PORT,
};
pub use task::{Backoff, TunnelHandle, TunnelOptions, TunnelTask, STOP_TIMEOUT};

use crate::secret::SecretString;

/// A boxed, sendable future: keeps [`Tunnel`] and [`TunnelSession`] object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The most public connections a session forwards at once; more are refused.
pub const MAX_FORWARDED_CONNECTIONS: usize = 256;

/// One provider's way to open a session that forwards public traffic to a local address.
pub trait Tunnel: Send + Sync + fmt::Debug {
    /// Opens a session forwarding to `local` and only there.
    ///
    /// # Errors
    /// Why no session could be opened; the message contains no secret.
    fn connect(
        &self,
        local: SocketAddr,
    ) -> BoxFuture<'_, Result<Box<dyn TunnelSession>, TunnelError>>;
}

/// An open tunnel session.
pub trait TunnelSession: Send + fmt::Debug {
    /// The public base URL, without a trailing `/`.
    fn public_url(&self) -> &str;

    /// Serves the session — accepts public connections and forwards them — until it drops, and
    /// returns why. Dropping the future pauses serving; the session stays open until
    /// [`TunnelSession::close`] or drop.
    fn serve(&mut self) -> BoxFuture<'_, TunnelError>;

    /// Closes the session, telling the provider where the protocol allows it. Forwarded
    /// connections are cut. The caller bounds it with a timeout.
    fn close(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// Why a session could not be opened or was lost.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TunnelError {
    kind: TunnelErrorKind,
    message: String,
}

/// Whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelErrorKind {
    /// The network, the provider or the relay is unavailable for now: retry with backoff.
    Unavailable,
    /// The provider refused these settings: retrying as they are will not help.
    Rejected,
}

impl TunnelError {
    /// A transient failure.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            kind: TunnelErrorKind::Unavailable,
            message: message.into(),
        }
    }

    /// The provider rejected the settings.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self {
            kind: TunnelErrorKind::Rejected,
            message: message.into(),
        }
    }

    /// Whether retrying can help.
    pub fn kind(&self) -> TunnelErrorKind {
        self.kind
    }

    /// The message, free of secrets.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The tunnel's state; see the module documentation for when each applies.
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

/// Builds the provider for `config`; `None` for `off`.
fn tunnel_for(config: &TunnelConfig, options: &TunnelOptions) -> Option<Box<dyn Tunnel>> {
    match config {
        TunnelConfig::Off => None,
        TunnelConfig::Manual { public_url } => Some(Box::new(manual::Manual::new(public_url))),
        TunnelConfig::Bore {
            server,
            port,
            secret,
            remote_port,
            public_url,
        } => Some(Box::new(bore::Bore {
            server: server.clone(),
            port: *port,
            secret: secret.clone(),
            remote_port: *remote_port,
            public_url: public_url.as_deref().map(config::base_url),
        })),
        TunnelConfig::Ngrok { authtoken, domain } => Some(Box::new(ngrok::Ngrok {
            authtoken: authtoken.clone(),
            domain: domain.clone(),
            server_addr: options.ngrok_server_addr.clone(),
        })),
    }
}

/// Copies one accepted public connection to and from `local`.
async fn forward<S>(mut public: S, local: SocketAddr) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut upstream = connect_local(local).await?;
    tokio::io::copy_bidirectional(&mut public, &mut upstream).await?;
    Ok(())
}

/// Connects to the local listener the tunnel forwards to.
async fn connect_local(local: SocketAddr) -> std::io::Result<TcpStream> {
    let upstream = tokio::time::timeout(LOCAL_CONNECT_TIMEOUT, TcpStream::connect(local))
        .await
        .map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("connecting to {local} timed out"),
            )
        })??;
    upstream.set_nodelay(true)?;
    Ok(upstream)
}

/// How long connecting to the local listener may take.
const LOCAL_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Replaces `secret` in `text`, for providers formatting library errors.
fn scrub_with(secret: Option<&SecretString>, text: &str) -> String {
    match secret.map(|s| s.expose().as_str()) {
        Some(value) if !value.is_empty() => text.replace(value, crate::secret::REDACTED),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests;
