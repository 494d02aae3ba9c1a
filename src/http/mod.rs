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
    /// The open SSE streams and waiting long polls, with their cap.
    pub streams: player::StreamSlots,
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

/// How long a client may take to send a request's headers (from the first byte of the request,
/// or from the end of the previous one on a kept-alive connection) before the connection is
/// closed. Without it a slow-loris client — a few connections trickling header bytes — would
/// hold connections open forever. Long polls and SSE streams are not affected: the limit covers
/// reading headers only, never a response in progress.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a handler waits for a whole request body (at most 1 MiB anywhere in the hub) before
/// answering `408 Request Timeout`: a client that sends headers and then stalls mid-body must
/// not hold its connection and task forever.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyReadError {
    /// Larger than the limit.
    TooLarge,
    /// Not complete within [`BODY_READ_TIMEOUT`].
    TimedOut,
    /// The connection failed or closed mid-body.
    Broken,
}

/// Reads a whole request body of at most `limit` bytes within [`BODY_READ_TIMEOUT`].
///
/// # Errors
/// [`BodyReadError`] saying why not.
pub async fn read_body(
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, BodyReadError> {
    match tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(BodyReadError::TimedOut),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            Err(if too_large {
                BodyReadError::TooLarge
            } else {
                BodyReadError::Broken
            })
        }
    }
}

/// The largest request head (request line and headers) accepted; larger ones are answered
/// `431 Request Header Fields Too Large` and the connection is closed. Browsers and signs send a
/// few KiB at most.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Serves `router` on `listener` until `shutdown` resolves, with peer addresses available to
/// handlers (`ConnectInfo<SocketAddr>`). In-flight requests are allowed to finish; the caller
/// bounds the wait.
///
/// HTTP/1.1 (with keep-alive) through hyper directly rather than `axum::serve`, because the latter
/// exposes no connection settings: this loop sets [`HEADER_READ_TIMEOUT`] (hyper enforces it only
/// when given a timer, which `axum::serve` does not give it) and [`MAX_HEADER_BYTES`], and turns
/// Nagle's algorithm off so small answers (a 304, an SSE event) leave at once.
///
/// # Errors
/// Never in practice: accept errors are logged and retried (e.g. running out of file
/// descriptors must not stop the listener for good).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt as _;

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(MAX_HEADER_BYTES);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    if !is_connection_error(&e) {
                        // EMFILE and the like: wait instead of spinning, then keep serving.
                        tracing::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(axum::body::Body::new)
            },
        );
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::trace!("connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Errors that concern one connection only (the peer went away before it was accepted).
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
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
