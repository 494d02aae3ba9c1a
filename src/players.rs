//! The registry of signs seen polling (DESIGN §2 `player`).
//!
//! The player API records each request here in memory (one short mutex section, no I/O), and an
//! owned background task writes what changed to the `players` and `player_widgets` tables every
//! few seconds, so the hot path never waits for the database.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;

use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The longest player id accepted from a client.
pub const MAX_PLAYER_ID_LEN: usize = 64;

/// One sign.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    address: String,
    user_agent: String,
    first_seen: String,
    last_seen: String,
    /// Widget config id → the version it last received.
    widgets: HashMap<String, i64>,
}

/// What the admin API shows of a player.
#[derive(Debug, Clone, Serialize)]
pub struct PlayerView {
    /// Its id.
    pub id: String,
    /// The address it polls from.
    pub address: String,
    /// Its browser or client.
    pub user_agent: String,
    /// When it was first seen.
    pub first_seen: String,
    /// When it was last seen.
    pub last_seen: String,
    /// Each widget it shows, with the version it holds.
    pub widgets: Vec<PlayerWidget>,
    /// Whether it holds the current version of every widget it shows.
    pub up_to_date: bool,
}

/// One widget a player shows.
#[derive(Debug, Clone, Serialize)]
pub struct PlayerWidget {
    /// The widget config.
    pub widget_config_id: String,
    /// The version the player holds.
    pub version: i64,
    /// The version it would be served now (null if the widget config is gone).
    pub current_version: Option<i64>,
    /// Whether it holds the current version.
    pub current: bool,
}

/// The registry.
#[derive(Debug, Default)]
pub struct Players {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    players: HashMap<String, Seen>,
    dirty: HashSet<String>,
}

/// A player's id: the client's own (`X-Player-Id` / `?player=`) when it is sane, else one derived
/// from its address and user agent.
pub fn player_id(given: Option<&str>, addr: IpAddr, user_agent: &str) -> String {
    if let Some(id) = given.map(str::trim) {
        if !id.is_empty()
            && id.len() <= MAX_PLAYER_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        {
            return id.to_owned();
        }
    }
    let digest = Sha256::digest(format!("{addr}|{user_agent}").as_bytes());
    format!("anon-{}", hex::encode(&digest[..6]))
}

impl Players {
    /// Loads the registry from the database.
    ///
    /// # Errors
    /// On database errors.
    pub fn load(conn: &Connection) -> Result<Self, Error> {
        let mut players = HashMap::new();
        let mut stmt =
            conn.prepare("SELECT id, address, user_agent, first_seen, last_seen FROM players")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Seen {
                    address: r.get(1)?,
                    user_agent: r.get(2)?,
                    first_seen: r.get(3)?,
                    last_seen: r.get(4)?,
                    widgets: HashMap::new(),
                },
            ))
        })?;
        for row in rows {
            let (id, seen) = row?;
            players.insert(id, seen);
        }
        let mut stmt =
            conn.prepare("SELECT player_id, widget_config_id, version FROM player_widgets")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (pid, wc, version) = row?;
            if let Some(p) = players.get_mut(&pid) {
                p.widgets.insert(wc, version);
            }
        }
        Ok(Self {
            inner: Mutex::new(State {
                players,
                dirty: HashSet::new(),
            }),
        })
    }

    /// Records a request: the player, where from, and the version of a widget it now holds.
    pub fn seen(
        &self,
        id: &str,
        address: IpAddr,
        user_agent: &str,
        widget: Option<(&str, i64)>,
        now: &str,
    ) {
        let mut st = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let entry = st.players.entry(id.to_owned()).or_insert_with(|| Seen {
            address: String::new(),
            user_agent: String::new(),
            first_seen: now.to_owned(),
            last_seen: now.to_owned(),
            widgets: HashMap::new(),
        });
        entry.last_seen.clear();
        entry.last_seen.push_str(now);
        if entry.address.is_empty() || entry.address != address.to_string() {
            entry.address = address.to_string();
        }
        if entry.user_agent != user_agent {
            entry.user_agent = user_agent.chars().take(256).collect();
        }
        if let Some((wc, version)) = widget {
            entry.widgets.insert(wc.to_owned(), version);
        }
        if !st.dirty.contains(id) {
            st.dirty.insert(id.to_owned());
        }
    }

    /// Every player, with `current(widget)` giving each widget's current served version.
    pub fn list(&self, current: impl Fn(&str) -> Option<i64>) -> Vec<PlayerView> {
        let st = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<PlayerView> = st
            .players
            .iter()
            .map(|(id, p)| {
                let mut widgets: Vec<PlayerWidget> = p
                    .widgets
                    .iter()
                    .map(|(wc, v)| {
                        let cur = current(wc);
                        PlayerWidget {
                            widget_config_id: wc.clone(),
                            version: *v,
                            current_version: cur,
                            current: cur == Some(*v),
                        }
                    })
                    .collect();
                widgets.sort_by(|a, b| a.widget_config_id.cmp(&b.widget_config_id));
                PlayerView {
                    id: id.clone(),
                    address: p.address.clone(),
                    user_agent: p.user_agent.clone(),
                    first_seen: p.first_seen.clone(),
                    last_seen: p.last_seen.clone(),
                    up_to_date: widgets.iter().all(|w| w.current),
                    widgets,
                }
            })
            .collect();
        out.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.id.cmp(&b.id)));
        out
    }

    /// Writes the players that changed since the last flush. Widget rows of deleted widget
    /// configs are skipped (their foreign key would fail).
    ///
    /// # Errors
    /// On database errors (the players stay dirty and are written next time).
    pub fn flush(&self, conn: &mut Connection) -> Result<usize, Error> {
        let batch: Vec<(String, Seen)> = {
            let mut st = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let dirty: Vec<String> = st.dirty.drain().collect();
            dirty
                .into_iter()
                .filter_map(|id| st.players.get(&id).map(|p| (id, p.clone())))
                .collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let result = (|| -> Result<(), Error> {
            let tx = conn.transaction()?;
            for (id, p) in &batch {
                tx.execute(
                    "INSERT INTO players (id, address, user_agent, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (id) DO UPDATE SET address = excluded.address,
                        user_agent = excluded.user_agent, last_seen = excluded.last_seen",
                    (id, &p.address, &p.user_agent, &p.first_seen, &p.last_seen),
                )?;
                for (wc, version) in &p.widgets {
                    tx.execute(
                        "INSERT INTO player_widgets (player_id, widget_config_id, version, seen_at)
                         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM widget_configs WHERE id = ?2)
                         ON CONFLICT (player_id, widget_config_id) DO UPDATE SET
                            version = excluded.version, seen_at = excluded.seen_at",
                        (id, wc, version, &p.last_seen),
                    )?;
                }
            }
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = result {
            let mut st = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            st.dirty.extend(batch.into_iter().map(|(id, _)| id));
            return Err(e);
        }
        Ok(batch.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_kept_when_sane_and_derived_otherwise() {
        let ip: IpAddr = "192.168.1.5".parse().unwrap();
        assert_eq!(player_id(Some("lobby-1"), ip, "ua"), "lobby-1");
        let derived = player_id(Some("bad id with spaces"), ip, "ua");
        assert!(derived.starts_with("anon-"));
        assert_eq!(
            derived,
            player_id(None, ip, "ua"),
            "stable for the same sign"
        );
        assert_ne!(derived, player_id(None, ip, "other"));
        assert!(player_id(Some(&"x".repeat(65)), ip, "ua").starts_with("anon-"));
    }

    #[test]
    fn list_says_who_is_up_to_date() {
        let p = Players::default();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        p.seen("a", ip, "ua", Some(("w1", 5)), "t1");
        p.seen("b", ip, "ua", Some(("w1", 4)), "t2");
        let list = p.list(|_| Some(5));
        let a = list.iter().find(|x| x.id == "a").unwrap();
        let b = list.iter().find(|x| x.id == "b").unwrap();
        assert!(a.up_to_date);
        assert!(!b.up_to_date);
        assert_eq!(list[0].id, "b", "most recently seen first");
    }
}
