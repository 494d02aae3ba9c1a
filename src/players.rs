//! The registry of signs seen polling (DESIGN §2 `player`).
//!
//! The player API records each request here in memory (one short mutex section, no I/O), and an
//! owned background task writes what changed to the `players` and `player_widgets` tables every
//! few seconds, so the hot path never waits for the database.
//!
//! Bounded: anyone on the LAN can invent `X-Player-Id`s, so the registry keeps at most
//! [`MAX_PLAYERS`] players. A new one beyond that evicts the least recently seen, in memory at
//! once and from the database at the next flush.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;

use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The longest player id accepted from a client.
pub const MAX_PLAYER_ID_LEN: usize = 64;
/// The most players the registry keeps (far more signs than a small network has); a new player
/// beyond it evicts the least recently seen one. Each costs a few hundred bytes plus its widgets.
pub const MAX_PLAYERS: usize = 10_000;

/// One sign.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    address: String,
    user_agent: String,
    first_seen: String,
    last_seen: String,
    /// Widget config id → the version it last received.
    widgets: HashMap<String, i64>,
    /// `address`, parsed (compared on every request without formatting it).
    ip: Option<IpAddr>,
    /// Its position in [`State::order`].
    tick: u64,
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
#[derive(Debug)]
pub struct Players {
    inner: Mutex<State>,
    capacity: usize,
}

impl Default for Players {
    fn default() -> Self {
        Self::with_capacity(MAX_PLAYERS)
    }
}

#[derive(Debug, Default)]
struct State {
    players: HashMap<String, Seen>,
    /// Every player by when it was last seen (a counter that only grows), least recent first.
    order: BTreeMap<u64, String>,
    next_tick: u64,
    /// Players to write at the next flush.
    dirty: HashSet<String>,
    /// Players evicted from memory, to delete from the database at the next flush.
    evicted: HashSet<String>,
}

impl State {
    /// Evicts least recently seen players until at most `keep` remain.
    fn evict_to(&mut self, keep: usize) {
        while self.players.len() > keep {
            let Some((_, id)) = self.order.pop_first() else {
                break;
            };
            self.players.remove(&id);
            self.dirty.remove(&id);
            self.evicted.insert(id);
        }
    }
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
    /// An empty registry keeping at most `capacity` players (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(State::default()),
            capacity: capacity.max(1),
        }
    }

    /// Loads the registry from the database, keeping at most [`MAX_PLAYERS`].
    ///
    /// # Errors
    /// On database errors.
    pub fn load(conn: &Connection) -> Result<Self, Error> {
        Self::load_with_capacity(conn, MAX_PLAYERS)
    }

    /// Loads the registry from the database, keeping the `capacity` most recently seen players;
    /// the others are deleted from the database at the next flush.
    ///
    /// # Errors
    /// On database errors.
    pub fn load_with_capacity(conn: &Connection, capacity: usize) -> Result<Self, Error> {
        let mut players = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT id, address, user_agent, first_seen, last_seen FROM players
             ORDER BY last_seen, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Seen {
                    address: r.get(1)?,
                    user_agent: r.get(2)?,
                    first_seen: r.get(3)?,
                    last_seen: r.get(4)?,
                    widgets: HashMap::new(),
                    ip: None,
                    tick: 0,
                },
            ))
        })?;
        let mut order = BTreeMap::new();
        for (tick, row) in (0u64..).zip(rows) {
            let (id, mut seen) = row?;
            seen.tick = tick;
            order.insert(tick, id.clone());
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
        let registry = Self::with_capacity(capacity);
        {
            let mut st = registry.inner.lock().unwrap_or_else(|p| p.into_inner());
            st.next_tick = order.len() as u64;
            st.players = players;
            st.order = order;
            st.evict_to(registry.capacity);
        }
        Ok(registry)
    }

    /// How many players the registry holds.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .players
            .len()
    }

    /// Whether the registry is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a request: the player, where from, and the version of a widget it now holds. A
    /// new player when the registry is full evicts the least recently seen one.
    pub fn seen(
        &self,
        id: &str,
        address: IpAddr,
        user_agent: &str,
        widget: Option<(&str, i64)>,
        now: &str,
    ) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *guard;
        let tick = st.next_tick;
        st.next_tick += 1;
        // The hot path (a known sign polling again) allocates nothing.
        if let Some(p) = st.players.get_mut(id) {
            let name = st.order.remove(&p.tick).unwrap_or_else(|| id.to_owned());
            p.tick = tick;
            st.order.insert(tick, name);
        } else {
            st.evict_to(self.capacity - 1);
            st.evicted.remove(id);
            st.players.insert(
                id.to_owned(),
                Seen {
                    address: String::new(),
                    user_agent: String::new(),
                    first_seen: now.to_owned(),
                    last_seen: now.to_owned(),
                    widgets: HashMap::new(),
                    ip: None,
                    tick,
                },
            );
            st.order.insert(tick, id.to_owned());
        }
        let entry = st.players.get_mut(id).expect("present or inserted above");
        entry.last_seen.clear();
        entry.last_seen.push_str(now);
        if entry.ip != Some(address) || entry.address.is_empty() {
            entry.ip = Some(address);
            entry.address = address.to_string();
        }
        if !user_agent.chars().take(256).eq(entry.user_agent.chars()) {
            entry.user_agent = user_agent.chars().take(256).collect();
        }
        if let Some((wc, version)) = widget {
            match entry.widgets.get_mut(wc) {
                Some(v) => *v = version,
                None => {
                    entry.widgets.insert(wc.to_owned(), version);
                }
            }
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

    /// Writes the players that changed since the last flush, and deletes the evicted ones.
    /// Widget rows of deleted widget configs are skipped (their foreign key would fail).
    ///
    /// # Errors
    /// On database errors (the players stay dirty or evicted and are handled next time).
    pub fn flush(&self, conn: &mut Connection) -> Result<usize, Error> {
        let (batch, evicted): (Vec<(String, Seen)>, Vec<String>) = {
            let mut st = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let dirty: Vec<String> = st.dirty.drain().collect();
            let batch = dirty
                .into_iter()
                .filter_map(|id| st.players.get(&id).map(|p| (id, p.clone())))
                .collect();
            (batch, st.evicted.drain().collect())
        };
        if batch.is_empty() && evicted.is_empty() {
            return Ok(0);
        }
        let result = (|| -> Result<(), Error> {
            let tx = conn.transaction()?;
            for id in &evicted {
                // Its player_widgets rows go with it (ON DELETE CASCADE).
                tx.execute("DELETE FROM players WHERE id = ?1", [id])?;
            }
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
            let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let st = &mut *guard;
            // Back to where they were, unless they were evicted or came back meanwhile.
            for (id, _) in batch {
                if st.players.contains_key(&id) {
                    st.dirty.insert(id);
                }
            }
            for id in evicted {
                if !st.players.contains_key(&id) {
                    st.evicted.insert(id);
                }
            }
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

    fn ids(p: &Players) -> Vec<String> {
        let mut ids: Vec<String> = p.list(|_| None).into_iter().map(|v| v.id).collect();
        ids.sort();
        ids
    }

    #[test]
    fn a_full_registry_evicts_the_least_recently_seen_player() {
        // Anyone on the LAN can invent player ids; the registry must stay bounded.
        let p = Players::with_capacity(3);
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        p.seen("a", ip, "ua", None, "t1");
        p.seen("b", ip, "ua", None, "t2");
        p.seen("c", ip, "ua", None, "t3");
        p.seen("a", ip, "ua", None, "t4"); // a is now the most recent
        p.seen("d", ip, "ua", None, "t5");
        assert_eq!(ids(&p), ["a", "c", "d"], "b was the least recently seen");
        for n in 0..1000 {
            p.seen(&format!("flood-{n}"), ip, "ua", None, "t6");
        }
        assert_eq!(p.len(), 3, "never more than the capacity");
        assert_eq!(Players::default().capacity, MAX_PLAYERS);
    }

    #[test]
    fn evicted_players_leave_the_database_and_a_load_keeps_the_most_recent() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        let stored = |c: &mut Connection| -> Vec<String> {
            let mut stmt = c.prepare("SELECT id FROM players ORDER BY id").unwrap();
            let rows = stmt.query_map([], |r| r.get(0)).unwrap();
            rows.collect::<Result<_, _>>().unwrap()
        };
        store
            .call_blocking(|c| {
                let p = Players::with_capacity(2);
                p.seen("a", ip, "ua", None, "t1");
                p.seen("b", ip, "ua", None, "t2");
                assert_eq!(p.flush(c).unwrap(), 2);
                assert_eq!(stored(c), ["a", "b"]);
                p.seen("c", ip, "ua", None, "t3");
                p.flush(c).unwrap();
                assert_eq!(stored(c), ["b", "c"], "the evicted player is deleted");
                // A smaller capacity at load keeps the most recently seen and deletes the rest.
                let loaded = Players::load_with_capacity(c, 1).unwrap();
                assert_eq!(ids(&loaded), ["c"]);
                loaded.flush(c).unwrap();
                assert_eq!(stored(c), ["c"]);
                // An evicted player that comes back is a new entry, stored again.
                loaded.seen("a", ip, "ua", None, "t4");
                loaded.flush(c).unwrap();
                assert_eq!(stored(c), ["a"]);
                Ok(())
            })
            .unwrap();
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
