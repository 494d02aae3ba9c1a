//! Hub-wide settings an admin changes in the UI: where the player listener binds (LAN
//! exposure), desktop notifications, start at login. Stored in the `settings` table.

use std::net::SocketAddr;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Error;
use crate::store::settings;

const PLAYER_ADDR: &str = "player_addr";
const NOTIFICATIONS: &str = "notifications";
const START_AT_LOGIN: &str = "start_at_login";

/// The stored settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubSettings {
    /// The player listener's address chosen by the admin, if any.
    pub player_addr: Option<SocketAddr>,
    /// Native notifications on health changes (desktop).
    pub notifications: bool,
    /// Start the desktop app at login.
    pub start_at_login: bool,
}

/// Reads the settings (defaults where unset).
///
/// # Errors
/// On database errors.
pub fn load(conn: &Connection) -> Result<HubSettings, Error> {
    let player_addr = settings::get::<String>(conn, PLAYER_ADDR)?.and_then(|s| s.parse().ok());
    Ok(HubSettings {
        player_addr,
        notifications: settings::get(conn, NOTIFICATIONS)?.unwrap_or(true),
        start_at_login: settings::get(conn, START_AT_LOGIN)?.unwrap_or(false),
    })
}

/// Stores the player listener's address.
///
/// # Errors
/// On database errors.
pub fn set_player_addr(conn: &Connection, addr: SocketAddr, now: &str) -> Result<(), Error> {
    Ok(settings::set(conn, PLAYER_ADDR, &addr.to_string(), now)?)
}

/// Stores the notifications flag.
///
/// # Errors
/// On database errors.
pub fn set_notifications(conn: &Connection, on: bool, now: &str) -> Result<(), Error> {
    Ok(settings::set(conn, NOTIFICATIONS, &on, now)?)
}

/// Stores the start-at-login flag.
///
/// # Errors
/// On database errors.
pub fn set_start_at_login(conn: &Connection, on: bool, now: &str) -> Result<(), Error> {
    Ok(settings::set(conn, START_AT_LOGIN, &on, now)?)
}

const TUNNEL: &str = "tunnel";
const TUNNEL_AUTHTOKEN: &str = "tunnel_authtoken";
const TUNNEL_BORE_SECRET: &str = "tunnel_bore_secret";

/// The tunnel settings without secrets, as stored in `settings`.
#[derive(Debug, Default, serde::Deserialize, Serialize)]
struct StoredTunnel {
    provider: Option<String>,
    domain: Option<String>,
    server: Option<String>,
    port: Option<u16>,
    remote_port: Option<u16>,
    public_url: Option<String>,
}

/// Reads the tunnel settings; secrets come from `hub_secrets`, sealed like credentials.
///
/// # Errors
/// On database errors, or sealed secrets that do not open.
pub fn load_tunnel(
    conn: &Connection,
    cipher: &crate::crypto::Cipher,
) -> Result<crate::tunnel::TunnelConfig, Error> {
    use crate::tunnel::TunnelConfig;
    let stored: StoredTunnel = settings::get(conn, TUNNEL)?.unwrap_or_default();
    Ok(match stored.provider.as_deref() {
        Some("ngrok") => match crate::hub_secrets::get(conn, cipher, TUNNEL_AUTHTOKEN)? {
            Some(authtoken) => TunnelConfig::Ngrok {
                authtoken,
                domain: stored.domain,
            },
            None => TunnelConfig::Off,
        },
        Some("bore") => TunnelConfig::Bore {
            server: stored.server.unwrap_or_default(),
            port: stored.port.unwrap_or(crate::tunnel::DEFAULT_BORE_PORT),
            secret: crate::hub_secrets::get(conn, cipher, TUNNEL_BORE_SECRET)?,
            remote_port: stored.remote_port,
            public_url: stored.public_url,
        },
        Some("manual") => TunnelConfig::Manual {
            public_url: stored.public_url.unwrap_or_default(),
        },
        _ => TunnelConfig::Off,
    })
}

/// Stores the tunnel settings: secret values sealed in `hub_secrets`, the rest in `settings`.
///
/// # Errors
/// On database errors.
pub fn save_tunnel(
    conn: &Connection,
    cipher: &crate::crypto::Cipher,
    config: &crate::tunnel::TunnelConfig,
    now: &str,
) -> Result<(), Error> {
    use crate::tunnel::TunnelConfig;
    let (stored, authtoken, bore_secret) = match config {
        TunnelConfig::Off => (
            StoredTunnel {
                provider: Some("off".to_owned()),
                ..StoredTunnel::default()
            },
            None,
            None,
        ),
        TunnelConfig::Ngrok { authtoken, domain } => (
            StoredTunnel {
                provider: Some("ngrok".to_owned()),
                domain: domain.clone(),
                ..StoredTunnel::default()
            },
            Some(authtoken),
            None,
        ),
        TunnelConfig::Bore {
            server,
            port,
            secret,
            remote_port,
            public_url,
        } => (
            StoredTunnel {
                provider: Some("bore".to_owned()),
                server: Some(server.clone()),
                port: Some(*port),
                remote_port: *remote_port,
                public_url: public_url.clone(),
                ..StoredTunnel::default()
            },
            None,
            secret.as_ref(),
        ),
        TunnelConfig::Manual { public_url } => (
            StoredTunnel {
                provider: Some("manual".to_owned()),
                public_url: Some(public_url.clone()),
                ..StoredTunnel::default()
            },
            None,
            None,
        ),
    };
    settings::set(conn, TUNNEL, &stored, now)?;
    crate::hub_secrets::set(conn, cipher, TUNNEL_AUTHTOKEN, authtoken, now)?;
    crate::hub_secrets::set(conn, cipher, TUNNEL_BORE_SECRET, bore_secret, now)?;
    Ok(())
}
