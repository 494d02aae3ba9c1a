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
