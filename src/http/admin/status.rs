//! `GET /admin/api/status`: the hub's version, listeners, key store and data directory.

use std::net::{IpAddr, SocketAddr};

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::crypto::KeyStoreKind;
use crate::http::AppState;

#[derive(Serialize)]
pub(super) struct Status {
    version: &'static str,
    listeners: Listeners,
    keystore: KeyStoreStatus,
    data_dir: String,
    database: String,
    started_at: String,
    tunnel: serde_json::Value,
    scheduler: crate::scheduler::SchedulerStatus,
    /// Every cached data key with its health.
    data_keys: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct Listeners {
    admin: Listener,
    player: Listener,
    hooks: Listener,
}

#[derive(Serialize)]
struct Listener {
    address: String,
    url: String,
    /// Whether the listener is reachable from other computers.
    lan: bool,
}

#[derive(Serialize)]
struct KeyStoreStatus {
    kind: KeyStoreKind,
    description: String,
    warning: Option<String>,
}

impl Listener {
    fn new(addr: SocketAddr) -> Self {
        Self {
            address: addr.to_string(),
            url: reachable_url(addr),
            lan: !addr.ip().is_loopback(),
        }
    }
}

/// The URL to reach a listener: an unspecified address is reachable at this computer's LAN
/// address, so that one is shown for pointing signs at it.
pub(crate) fn reachable_url(addr: SocketAddr) -> String {
    let shown = if addr.ip().is_unspecified() {
        SocketAddr::new(lan_ip().unwrap_or(addr.ip()), addr.port())
    } else {
        addr
    };
    format!("http://{shown}")
}

/// This computer's address on the LAN: the source address the OS would use to reach a public
/// address. `connect` on UDP sends nothing.
fn lan_ip() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

pub(super) async fn show(State(state): State<AppState>) -> Json<Status> {
    let mut warning = state.keystore.warning();
    if let (Some(w), Some(why)) = (warning.as_mut(), state.keystore_fallback.as_ref()) {
        w.push_str(&format!(" ({why}.)"));
    }
    Json(Status {
        version: crate::VERSION,
        listeners: Listeners {
            admin: Listener::new(state.addrs.admin),
            player: Listener::new(*state.player_addr.read().unwrap_or_else(|p| p.into_inner())),
            hooks: Listener::new(state.addrs.hooks),
        },
        keystore: KeyStoreStatus {
            kind: state.keystore.kind(),
            description: state.keystore.description(),
            warning,
        },
        data_dir: state.data_dir.display().to_string(),
        database: state.store.path().display().to_string(),
        started_at: state.started_at.format(&Rfc3339).unwrap_or_default(),
        tunnel: super::tunnel::view(&state),
        scheduler: state.scheduler.status(),
        data_keys: state
            .cache
            .rows()
            .iter()
            .map(|r| {
                serde_json::json!({
                    "integration_id": r.integration_id,
                    "data_key": r.data_key,
                    "status": r.status,
                    "version": r.version,
                    "fetched_at": r.fetched_at,
                    "refresh_at": r.refresh_at,
                    "error": r.error_message,
                    "failure_count": r.failure_count,
                    "requests": state.cache.requests(&(r.integration_id, r.data_key.clone())),
                })
            })
            .collect(),
    })
}
