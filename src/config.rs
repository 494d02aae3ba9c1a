//! The hub's start-up configuration: where data lives and where the three listeners bind.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use crate::keys::KeyStoreChoice;

/// Default admin listener: loopback only (the admin API is never exposed).
pub const DEFAULT_ADMIN_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 7420);
/// Default player listener for `millrace serve`: every interface, so signs on the LAN reach it.
pub const DEFAULT_PLAYER_ADDR: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 7421);
/// Default hooks listener: loopback (the tunnel forwards to it locally).
pub const DEFAULT_HOOKS_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 7422);

/// Everything [`crate::app::App::start`] needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory (database, admin token, and the key file when that store is used).
    pub data_dir: PathBuf,
    /// The admin listener's address; must be loopback.
    pub admin_addr: SocketAddr,
    /// The player listener's address.
    pub player_addr: SocketAddr,
    /// Whether an address the admin chose in Settings (stored in the database) replaces
    /// `player_addr`. False when `player_addr` was given explicitly (flag or environment).
    pub player_addr_from_settings: bool,
    /// The hooks listener's address.
    pub hooks_addr: SocketAddr,
    /// Which key store keeps the master key.
    pub keystore: KeyStoreChoice,
    /// Started by the desktop app (enables the first-run question about the player listener).
    pub desktop: bool,
}

impl Config {
    /// A configuration with the default addresses for `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            admin_addr: DEFAULT_ADMIN_ADDR,
            player_addr: DEFAULT_PLAYER_ADDR,
            player_addr_from_settings: true,
            hooks_addr: DEFAULT_HOOKS_ADDR,
            keystore: KeyStoreChoice::Auto,
            desktop: false,
        }
    }
}

/// The platform's data directory for Millrace (`~/.local/share/millrace` on Linux,
/// `~/Library/Application Support/Millrace` on macOS, `%APPDATA%\Millrace\data` on Windows).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "Millrace").map(|d| d.data_dir().to_owned())
}

/// Parses a listener address: `IP:PORT`, `[IPv6]:PORT` or `localhost:PORT`.
///
/// # Errors
/// A message naming the bad text and showing the expected form.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!(
            "'{text}' is not an address: expected IP:PORT, such as 127.0.0.1:7420"
        ));
    };
    let port: u16 = match port.parse::<u64>() {
        Ok(p) if p <= u64::from(u16::MAX) => p as u16,
        Ok(p) => return Err(format!("port {p} in '{text}' is out of range (0-65535)")),
        Err(_) => {
            return Err(format!(
            "'{port}' in '{text}' is not a port number: expected IP:PORT, such as 127.0.0.1:7420"
        ))
        }
    };
    match host {
        "localhost" => Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        "" | "*" => Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)),
        _ => Err(format!(
            "'{host}' in '{text}' is not an IP address: expected IP:PORT, such as 127.0.0.1:7420 (host names other than localhost are not accepted)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_accepted_forms() {
        assert_eq!(parse_addr("127.0.0.1:7420").unwrap(), DEFAULT_ADMIN_ADDR);
        assert_eq!(parse_addr("localhost:7420").unwrap(), DEFAULT_ADMIN_ADDR);
        assert_eq!(parse_addr("[::1]:80").unwrap().to_string(), "[::1]:80");
        assert_eq!(parse_addr(":7421").unwrap(), DEFAULT_PLAYER_ADDR);
        assert_eq!(parse_addr("0.0.0.0:0").unwrap().port(), 0);
    }

    #[test]
    fn rejects_bad_text_with_a_message_naming_it() {
        let e = parse_addr("127.0.0.1:70000").unwrap_err();
        assert!(e.contains("70000") && e.contains("out of range"), "{e}");
        let e = parse_addr("nonsense").unwrap_err();
        assert!(e.contains("'nonsense'") && e.contains("IP:PORT"), "{e}");
        let e = parse_addr("127.0.0.1:http").unwrap_err();
        assert!(e.contains("'http'") && e.contains("port"), "{e}");
        let e = parse_addr("example.com:80").unwrap_err();
        assert!(e.contains("'example.com'"), "{e}");
    }
}
