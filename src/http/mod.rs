//! HTTP transport: one router per listener, and the server loop.
//!
//! Exposure is decided by listener, never by convention: the admin router (API + UI) is served
//! only by the loopback admin listener behind [`guard`]; the player router only reads; the hooks
//! router holds webhook routes only, so a tunnel that forwards to it exposes nothing else.

pub mod admin;
pub mod error;
pub mod guard;
pub mod hooks;
pub mod json;
pub mod player;

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use time::OffsetDateTime;
use tokio::net::TcpListener;

use crate::crypto::{Cipher, KeyStore};
use crate::secret::SecretString;
use crate::store::Store;

/// Shared state of the three routers. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<StateInner>);

/// What handlers can reach.
#[derive(Debug)]
pub struct StateInner {
    /// The database.
    pub store: Store,
    /// The in-memory mirror of the cache and widget configs (the player API's source).
    pub cache: Arc<crate::cache::Cache>,
    /// The cipher over the current master key (shared with the scheduler).
    pub cipher: Arc<std::sync::RwLock<Cipher>>,
    /// Commands to the pull scheduler.
    pub scheduler: crate::scheduler::SchedulerHandle,
    /// Sends pulls (shared with the scheduler; Test connection uses it directly).
    pub puller: Arc<dyn crate::scheduler::Puller>,
    /// Where the master key lives.
    pub keystore: Arc<dyn KeyStore>,
    /// Why the key file is used although the keyring was wanted, if so.
    pub keystore_fallback: Option<String>,
    /// The bearer token of the admin API.
    pub admin_token: SecretString,
    /// The addresses bound at start (the player listener may move: see `player_addr`).
    pub addrs: Addrs,
    /// Where the player listener is bound now.
    pub player_addr: std::sync::RwLock<SocketAddr>,
    /// Asks the player listener to move to another address.
    pub player_rebind: tokio::sync::mpsc::Sender<Rebind>,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Whether the desktop app runs this hub.
    pub desktop: bool,
    /// Whether the first-run question about the player listener applies: the desktop app, with
    /// no address given explicitly (flag or environment).
    pub first_run_possible: bool,
    /// When the hub started.
    pub started_at: OffsetDateTime,
    /// The registry of signs.
    pub players: Arc<crate::players::Players>,
    /// The player token, when players must present one.
    pub player_token: std::sync::RwLock<Option<SecretString>>,
    /// The tunnel task (taken out at shutdown).
    pub tunnel: tokio::sync::Mutex<Option<crate::tunnel::TunnelHandle>>,
    /// The tunnel's live status.
    pub tunnel_status: tokio::sync::watch::Receiver<crate::tunnel::TunnelStatus>,
    /// The tunnel settings in force (secrets included; never serialized).
    pub tunnel_config: std::sync::Mutex<crate::tunnel::TunnelConfig>,
    /// Per-integration rate limits of webhook deliveries.
    pub hook_limits: hooks::HookLimits,
    /// Becomes `true` when the hub stops; long-lived responses (SSE, long polls) end on it.
    pub stop: tokio::sync::watch::Receiver<bool>,
}

impl AppState {
    /// Wraps the state.
    pub fn new(inner: StateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

/// A request to move the player listener: the new address, and where to answer with the bound
/// address or why binding failed.
#[derive(Debug)]
pub struct Rebind {
    /// The address to bind.
    pub addr: SocketAddr,
    /// The answer.
    pub reply: tokio::sync::oneshot::Sender<Result<SocketAddr, String>>,
}

/// The three bound listener addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addrs {
    /// Admin API and UI (loopback).
    pub admin: SocketAddr,
    /// Player API.
    pub player: SocketAddr,
    /// Webhooks.
    pub hooks: SocketAddr,
}

/// Serves `router` on `listener` until `shutdown` resolves, with peer addresses available to
/// handlers. In-flight requests are allowed to finish; the caller bounds the wait.
///
/// # Errors
/// When accepting fails fatally.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

impl StateInner {
    /// The base URL third parties send webhooks to, and whether it is public (a tunnel or the
    /// admin's own public URL) or only the local hooks listener.
    pub fn hooks_base_url(&self) -> (String, bool) {
        let status = self.tunnel_status.borrow();
        match (&status.state, &status.public_url) {
            (crate::tunnel::TunnelState::Online, Some(url)) => {
                (url.trim_end_matches('/').to_owned(), true)
            }
            _ => (format!("http://{}", self.addrs.hooks), false),
        }
    }
}

/// `GET /healthz` on every listener.
pub async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"ok": true}))
}
