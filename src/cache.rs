//! The cache players read: integration data with versions (DESIGN §2), persisted in
//! `integration_data` and mirrored in memory so the player API never queries the database.
//!
//! Versions come from one sequence that only grows for the life of the database: a bump takes
//! `max(last + 1, now in ms)`, so even a fresh database never hands out a version an older one
//! gave to a player. A version changes **only when the served content changes**: stored data
//! carries the SHA-256 of its canonical JSON (object keys sorted), and identical data keeps its
//! version. Widget configs draw their own version from the same sequence (when their options
//! change), and a player is served `max(data version, widget config version)`.
//!
//! Every change that reaches players is announced on a broadcast channel as the affected widget
//! configs with their new served versions; SSE streams and long polls wake on it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rusqlite::{Connection, OptionalExtension as _, Row};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

use crate::error::Error;
use crate::integrations::{self, DataKey, Integration};
use crate::widget_configs::{self, WidgetConfig};

/// The health of one data key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Never fetched (or received) yet.
    Pending,
    /// The last fetch succeeded.
    Ok,
    /// The last fetch failed; the last good data is kept.
    Error,
    /// The third party refused the credentials; pulling stops until they change.
    AuthFailed,
}

impl Status {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ok => "ok",
            Self::Error => "error",
            Self::AuthFailed => "auth_failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "ok" => Self::Ok,
            "error" => Self::Error,
            "auth_failed" => Self::AuthFailed,
            _ => Self::Pending,
        }
    }
}

/// One row of `integration_data`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRow {
    /// The integration.
    pub integration_id: i64,
    /// The data key (see [`key_for`]).
    pub data_key: String,
    /// The data, `None` until first fetched.
    pub data: Option<Arc<Value>>,
    /// Its version (0 until first fetched).
    pub version: i64,
    /// When the data was last fetched or received successfully.
    pub fetched_at: Option<String>,
    /// When the next pull is due.
    pub refresh_at: Option<String>,
    /// Health.
    pub status: Status,
    /// The last error, in plain words.
    pub error_message: Option<String>,
    /// Consecutive failures.
    pub failure_count: i64,
    /// The upstream's `ETag`.
    pub etag: Option<String>,
    /// The upstream's `Last-Modified`.
    pub last_modified: Option<String>,
}

/// Identifies one cache row.
pub type KeyId = (i64, String);

/// The cache row key of a widget config: `organization`, `<option>=<value>` for
/// `widget_option:<option>` (e.g. `feed_url=https://…`), or `widget_config:<id>`.
pub fn key_for(integration: &Integration, wc: &WidgetConfig) -> String {
    match &integration.data_key {
        DataKey::Organization => "organization".to_owned(),
        DataKey::WidgetOption(opt) => {
            let value = match wc.options.get(opt) {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            format!("{opt}={value}")
        }
        DataKey::WidgetConfig => format!("widget_config:{}", wc.id),
    }
}

/// Takes the next version: `max(last + 1, now_ms)`.
///
/// # Errors
/// On database errors.
pub fn next_version(conn: &Connection, now_ms: i64) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE version_sequence SET last = max(last + 1, ?1) WHERE id = 1 RETURNING last",
        )?
        .query_row([now_ms], |r| r.get(0))?)
}

/// The SHA-256 of a value's canonical JSON: object keys sorted at every level, so the same
/// content in another key order (maps keep their order elsewhere, for readable output) hashes
/// the same.
pub fn content_hash(value: &Value) -> [u8; 32] {
    fn canonical(v: &Value, out: &mut Vec<u8>) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push(b'{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(
                        serde_json::to_string(k)
                            .expect("a string serializes")
                            .as_bytes(),
                    );
                    out.push(b':');
                    canonical(&map[k.as_str()], out);
                }
                out.push(b'}');
            }
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    canonical(item, out);
                }
                out.push(b']');
            }
            scalar => out.extend_from_slice(
                serde_json::to_string(scalar)
                    .expect("a scalar serializes")
                    .as_bytes(),
            ),
        }
    }
    let mut bytes = Vec::new();
    canonical(value, &mut bytes);
    Sha256::digest(&bytes).into()
}

const COLUMNS: &str = "integration_id, data_key, data, version, fetched_at, refresh_at, status, \
    error_message, failure_count, etag, last_modified";

fn from_row(r: &Row<'_>) -> rusqlite::Result<DataRow> {
    let data: Option<String> = r.get(2)?;
    Ok(DataRow {
        integration_id: r.get(0)?,
        data_key: r.get(1)?,
        data: data
            .and_then(|t| serde_json::from_str(&t).ok())
            .map(Arc::new),
        version: r.get(3)?,
        fetched_at: r.get(4)?,
        refresh_at: r.get(5)?,
        status: Status::parse(&r.get::<_, String>(6)?),
        error_message: r.get(7)?,
        failure_count: r.get(8)?,
        etag: r.get(9)?,
        last_modified: r.get(10)?,
    })
}

/// One cache row.
///
/// # Errors
/// On database errors.
pub fn load(conn: &Connection, integration_id: i64, key: &str) -> Result<Option<DataRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM integration_data WHERE integration_id = ?1 AND data_key = ?2"
        ))?
        .query_row((integration_id, key), from_row)
        .optional()?)
}

fn load_all(conn: &Connection) -> Result<Vec<DataRow>, Error> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM integration_data"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Creates the row for a key if it does not exist (status `pending`).
///
/// # Errors
/// On database errors.
pub fn ensure(conn: &Connection, integration_id: i64, key: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO integration_data (integration_id, data_key) VALUES (?1, ?2)
         ON CONFLICT (integration_id, data_key) DO NOTHING",
    )?
    .execute((integration_id, key))?;
    Ok(())
}

/// What a successful fetch or delivery brings.
#[derive(Debug, Clone)]
pub struct Success<'a> {
    /// The widget data.
    pub data: &'a Value,
    /// When it was obtained (RFC 3339).
    pub fetched_at: &'a str,
    /// When the next pull is due, if pulled.
    pub refresh_at: Option<&'a str>,
    /// The upstream's `ETag`, if any.
    pub etag: Option<&'a str>,
    /// The upstream's `Last-Modified`, if any.
    pub last_modified: Option<&'a str>,
    /// Now in ms since the epoch (for the version sequence).
    pub now_ms: i64,
}

/// Stores new data. The version changes only if the content hash differs. Returns the row and
/// whether the version changed.
///
/// # Errors
/// On database errors.
pub fn store_success(
    conn: &Connection,
    integration_id: i64,
    key: &str,
    s: &Success<'_>,
) -> Result<(DataRow, bool), Error> {
    ensure(conn, integration_id, key)?;
    let hash = content_hash(s.data).to_vec();
    let same: bool = conn
        .prepare_cached(
            "SELECT content_hash IS NOT NULL AND content_hash = ?3 FROM integration_data
         WHERE integration_id = ?1 AND data_key = ?2",
        )?
        .query_row((integration_id, key, &hash), |r| r.get(0))?;
    if same {
        // Same data; a recovery from an error still changes what players are served (status,
        // stale, error), so it gets a new version.
        bump_if_served_changes(conn, integration_id, key, Status::Ok, None, s.now_ms)?;
        conn.prepare_cached(
            "UPDATE integration_data SET fetched_at = ?3, refresh_at = ?4, status = 'ok',
                error_message = NULL, failure_count = 0, etag = ?5, last_modified = ?6,
                last_used_at = ?3
             WHERE integration_id = ?1 AND data_key = ?2",
        )?
        .execute(rusqlite::params![
            integration_id,
            key,
            s.fetched_at,
            s.refresh_at,
            s.etag,
            s.last_modified
        ])?;
    } else {
        let version = next_version(conn, s.now_ms)?;
        conn.prepare_cached(
            "UPDATE integration_data SET data = ?3, version = ?4, content_hash = ?5,
                fetched_at = ?6, refresh_at = ?7, status = 'ok', error_message = NULL,
                failure_count = 0, etag = ?8, last_modified = ?9, last_used_at = ?6
             WHERE integration_id = ?1 AND data_key = ?2",
        )?
        .execute(rusqlite::params![
            integration_id,
            key,
            serde_json::to_string(s.data)?,
            version,
            hash,
            s.fetched_at,
            s.refresh_at,
            s.etag,
            s.last_modified
        ])?;
    }
    let row = load(conn, integration_id, key)?.expect("row was ensured");
    Ok((row, !same))
}

/// Records an upstream "not modified": success without a change.
///
/// # Errors
/// On database errors.
pub fn store_not_modified(
    conn: &Connection,
    integration_id: i64,
    key: &str,
    fetched_at: &str,
    refresh_at: Option<&str>,
    now_ms: i64,
) -> Result<DataRow, Error> {
    bump_if_served_changes(conn, integration_id, key, Status::Ok, None, now_ms)?;
    conn.prepare_cached(
        "UPDATE integration_data SET fetched_at = ?3, refresh_at = ?4, status = 'ok',
            error_message = NULL, failure_count = 0
         WHERE integration_id = ?1 AND data_key = ?2",
    )?
    .execute((integration_id, key, fetched_at, refresh_at))?;
    load(conn, integration_id, key)?.ok_or_else(|| Error::NotFound(format!("no data for {key}")))
}

/// Records a failure: the last good data stays; status, message and failure count change.
///
/// # Errors
/// On database errors.
pub fn store_failure(
    conn: &Connection,
    integration_id: i64,
    key: &str,
    status: Status,
    message: &str,
    refresh_at: Option<&str>,
    now_ms: i64,
) -> Result<DataRow, Error> {
    ensure(conn, integration_id, key)?;
    bump_if_served_changes(conn, integration_id, key, status, Some(message), now_ms)?;
    conn.prepare_cached(
        "UPDATE integration_data SET status = ?3, error_message = ?4, refresh_at = ?5,
            failure_count = failure_count + 1
         WHERE integration_id = ?1 AND data_key = ?2",
    )?
    .execute((integration_id, key, status.as_str(), message, refresh_at))?;
    Ok(load(conn, integration_id, key)?.expect("row was ensured"))
}

/// Players are served `status`, `stale` and `error` with the data, so a change of those is a
/// change of the served content: it takes a new version (and wakes players), while a repeated
/// identical failure does not.
fn bump_if_served_changes(
    conn: &Connection,
    integration_id: i64,
    key: &str,
    status: Status,
    message: Option<&str>,
    now_ms: i64,
) -> Result<(), Error> {
    let current: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT status, error_message FROM integration_data
             WHERE integration_id = ?1 AND data_key = ?2",
        )?
        .query_row((integration_id, key), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((old_status, old_message)) = current else {
        return Ok(());
    };
    let old_message = if old_status == "ok" {
        None
    } else {
        old_message
    };
    if old_status != status.as_str() || old_message.as_deref() != message {
        let version = next_version(conn, now_ms)?;
        conn.prepare_cached(
            "UPDATE integration_data SET version = ?3 WHERE integration_id = ?1 AND data_key = ?2",
        )?
        .execute((integration_id, key, version))?;
    }
    Ok(())
}

/// A widget config as the player side needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetEntry {
    /// Its id.
    pub id: String,
    /// Its integration.
    pub integration_id: i64,
    /// Its cache row key.
    pub data_key: String,
    /// Served to players (widget config and integration both active).
    pub active: bool,
    /// Its own version (see the module doc).
    pub version: i64,
    /// Serve-time trim of `data.items`.
    pub max_items: Option<usize>,
}

/// A change players must learn of: widget configs and their new served versions.
#[derive(Debug, Clone)]
pub struct Change {
    /// `(widget config id, served version)` pairs.
    pub widgets: Arc<[(String, i64)]>,
}

#[derive(Debug, Default)]
struct Index {
    data: HashMap<KeyId, Arc<DataRow>>,
    widgets: HashMap<String, Arc<WidgetEntry>>,
    /// The widget configs of each key (a pull announces its key's widgets without a scan).
    by_key: HashMap<KeyId, Vec<String>>,
}

/// The in-memory mirror of the cache and of the widget configs, with change announcements.
#[derive(Debug)]
pub struct Cache {
    index: RwLock<Index>,
    changes: broadcast::Sender<Change>,
    /// Upstream requests made per key since start (for the status page).
    requests: std::sync::Mutex<HashMap<KeyId, u64>>,
    /// The player data route's serialized 200 bodies, per widget config (see [`Cache::body`]).
    bodies: RwLock<HashMap<String, Body>>,
}

/// A serialized body and what it was made from: reused while the widget entry and its row are
/// the very same (`Arc` identity; every pull and every admin change puts new ones).
#[derive(Debug)]
struct Body {
    widget: Arc<WidgetEntry>,
    row: Option<Arc<DataRow>>,
    served: i64,
    bytes: bytes::Bytes,
}

/// How many changes may queue for a slow subscriber before it must resynchronise.
pub const CHANGE_BACKLOG: usize = 1024;

impl Cache {
    /// Loads the cache and widget configs from the database.
    ///
    /// # Errors
    /// On database errors.
    pub fn load(conn: &Connection) -> Result<Self, Error> {
        let cache = Self {
            index: RwLock::new(Index::default()),
            changes: broadcast::channel(CHANGE_BACKLOG).0,
            requests: std::sync::Mutex::new(HashMap::new()),
            bodies: RwLock::new(HashMap::new()),
        };
        {
            let mut idx = cache.write();
            for row in load_all(conn)? {
                idx.data
                    .insert((row.integration_id, row.data_key.clone()), Arc::new(row));
            }
        }
        cache.reload_widgets(conn)?;
        Ok(cache)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Re-reads every widget config (after an admin change) and announces widget configs whose
    /// served version changed.
    ///
    /// # Errors
    /// On database errors.
    pub fn reload_widgets(&self, conn: &Connection) -> Result<(), Error> {
        let integrations: HashMap<i64, Integration> = integrations::list(conn)?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let versions: HashMap<String, i64> = {
            let mut stmt = conn.prepare("SELECT id, version FROM widget_configs")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut widgets = HashMap::new();
        for wc in widget_configs::list(conn, None)? {
            let Some(integration) = integrations.get(&wc.integration_id) else {
                continue;
            };
            let version = versions.get(&wc.id).copied().unwrap_or(0);
            let entry = WidgetEntry {
                id: wc.id.clone(),
                integration_id: wc.integration_id,
                data_key: key_for(integration, &wc),
                active: wc.is_active && integration.is_active,
                version,
                max_items: wc
                    .options
                    .get("max_items")
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok()),
            };
            widgets.insert(wc.id, Arc::new(entry));
        }
        let mut changed = Vec::new();
        {
            let mut idx = self.write();
            for (id, w) in &widgets {
                let before = idx.widgets.get(id).map(|old| served(old, &idx.data));
                let after = served(w, &idx.data);
                if before != Some(after) {
                    changed.push((id.clone(), after));
                }
            }
            // Forget cache rows no widget config uses (the scheduler deletes them from the
            // database when it plans).
            let used: std::collections::HashSet<KeyId> = widgets
                .values()
                .map(|w| (w.integration_id, w.data_key.clone()))
                .collect();
            idx.data.retain(|k, _| used.contains(k));
            let mut by_key: HashMap<KeyId, Vec<String>> = HashMap::new();
            for w in widgets.values() {
                by_key
                    .entry((w.integration_id, w.data_key.clone()))
                    .or_default()
                    .push(w.id.clone());
            }
            idx.by_key = by_key;
            idx.widgets = widgets;
            self.bodies
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
        }
        self.announce(changed);
        Ok(())
    }

    /// Puts a stored row in memory and announces the widget configs it serves when its version
    /// changed.
    pub fn put(&self, row: DataRow) {
        let key = (row.integration_id, row.data_key.clone());
        let changed = {
            let mut idx = self.write();
            let old_version = idx.data.get(&key).map_or(0, |r| r.version);
            let new_version = row.version;
            idx.data.insert(key.clone(), Arc::new(row));
            if new_version == old_version {
                Vec::new()
            } else {
                idx.by_key
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| idx.widgets.get(id))
                    .map(|w| (w.id.clone(), served(w, &idx.data)))
                    .collect()
            }
        };
        self.announce(changed);
    }

    fn announce(&self, widgets: Vec<(String, i64)>) {
        if !widgets.is_empty() {
            // No subscribers is fine: nobody is waiting.
            let _ = self.changes.send(Change {
                widgets: widgets.into(),
            });
        }
    }

    /// A widget config and its data row, if it exists.
    pub fn widget(&self, id: &str) -> Option<(Arc<WidgetEntry>, Option<Arc<DataRow>>)> {
        let idx = self.read();
        let w = idx.widgets.get(id)?.clone();
        let row = idx
            .data
            .get(&(w.integration_id, w.data_key.clone()))
            .cloned();
        Some((w, row))
    }

    /// The version a player of widget config `id` is served now.
    pub fn served_version(&self, id: &str) -> Option<i64> {
        let idx = self.read();
        idx.widgets.get(id).map(|w| served(w, &idx.data))
    }

    /// One cache row.
    pub fn row(&self, integration_id: i64, key: &str) -> Option<Arc<DataRow>> {
        self.read()
            .data
            .get(&(integration_id, key.to_owned()))
            .cloned()
    }

    /// Every active widget config.
    pub fn widgets(&self) -> Vec<Arc<WidgetEntry>> {
        self.read().widgets.values().cloned().collect()
    }

    /// Counts an upstream request made for a key.
    pub fn count_request(&self, key: &KeyId) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default() += 1;
    }

    /// Upstream requests made for a key since start.
    pub fn requests(&self, key: &KeyId) -> u64 {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Every cache row.
    pub fn rows(&self) -> Vec<Arc<DataRow>> {
        let mut rows: Vec<Arc<DataRow>> = self.read().data.values().cloned().collect();
        rows.sort_by(|a, b| (a.integration_id, &a.data_key).cmp(&(b.integration_id, &b.data_key)));
        rows
    }

    /// The player data route's 200 body for widget config `id`: made by `make` once, then
    /// reused by every sign polling it until its data, status or options change (most requests
    /// of a busy hub ask for the same few bodies).
    pub fn body(
        &self,
        id: &str,
        widget: &Arc<WidgetEntry>,
        row: Option<&Arc<DataRow>>,
        served: i64,
        make: impl FnOnce() -> Vec<u8>,
    ) -> bytes::Bytes {
        let same = |b: &Body| {
            Arc::ptr_eq(&b.widget, widget)
                && b.served == served
                && match (&b.row, row) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    (None, None) => true,
                    _ => false,
                }
        };
        if let Some(b) = self
            .bodies
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .filter(|b| same(b))
        {
            return b.bytes.clone();
        }
        let bytes = bytes::Bytes::from(make());
        let widgets = self.read().widgets.len();
        let mut bodies = self.bodies.write().unwrap_or_else(|p| p.into_inner());
        // Only known widget ids reach here, and reloads clear it: this only guards the bound.
        if bodies.len() > widgets + 64 {
            bodies.clear();
        }
        bodies.insert(
            id.to_owned(),
            Body {
                widget: Arc::clone(widget),
                row: row.cloned(),
                served,
                bytes: bytes.clone(),
            },
        );
        bytes
    }

    /// Subscribes to changes.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
}

fn served(w: &WidgetEntry, data: &HashMap<KeyId, Arc<DataRow>>) -> i64 {
    let data_version = data
        .get(&(w.integration_id, w.data_key.clone()))
        .map_or(0, |r| r.version);
    data_version.max(w.version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> (tempfile::TempDir, crate::store::Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::store::Store::open(&dir.path().join("db")).unwrap();
        (dir, s)
    }

    fn success<'a>(data: &'a Value, now_ms: i64) -> Success<'a> {
        Success {
            data,
            fetched_at: "t",
            refresh_at: None,
            etag: None,
            last_modified: None,
            now_ms,
        }
    }

    #[test]
    fn versions_only_grow_and_start_from_the_clock() {
        let (_d, s) = store();
        s.call_blocking(|c| {
            let a = next_version(c, 1_000).unwrap();
            let b = next_version(c, 500).unwrap();
            let c2 = next_version(c, 5_000).unwrap();
            assert_eq!((a, b, c2), (1_000, 1_001, 5_000));
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_player_body_is_made_once_per_row_and_widget_and_remade_after_any_change() {
        let (_d, s) = store();
        let cache = s
            .call_blocking(|c| {
                c.execute(
                    "INSERT INTO integrations (widget, name, integration_type, credential_scope, created_at, updated_at)
                     VALUES ('w', 'n', 'pull', 'organization', 't', 't')",
                    [],
                )?;
                c.execute(
                    "INSERT INTO widget_configs (id, integration_id, name, options, is_active, created_at, updated_at)
                     VALUES ('wc1', 1, 'sign', '{}', 1, 't', 't')",
                    [],
                )?;
                let (row, _) =
                    store_success(c, 1, "organization", &success(&json!({"n": 1}), 10)).unwrap();
                let cache = Cache::load(c).unwrap();
                cache.put(row);
                Ok(cache)
            })
            .unwrap();
        let made = std::cell::Cell::new(0);
        let body = |cache: &Cache| {
            let (w, row) = cache.widget("wc1").unwrap();
            let served = cache.served_version("wc1").unwrap();
            cache.body("wc1", &w, row.as_ref(), served, || {
                made.set(made.get() + 1);
                format!(
                    "{}:{:?}",
                    served,
                    row.as_ref().map(|r| r.fetched_at.clone())
                )
                .into_bytes()
            })
        };
        let first = body(&cache);
        assert_eq!(body(&cache), first);
        assert_eq!(made.get(), 1, "the same row and widget reuse the body");
        // The same data pulled again: same version, a new row (its fetched_at moved).
        let again = s
            .call_blocking(|c| {
                Ok(
                    store_success(c, 1, "organization", &success(&json!({"n": 1}), 20))
                        .unwrap()
                        .0,
                )
            })
            .unwrap();
        cache.put(again);
        body(&cache);
        assert_eq!(made.get(), 2, "a new row makes a new body");
        // An admin change reloads the widgets: made again.
        s.call_blocking(|c| {
            cache.reload_widgets(c).unwrap();
            Ok(())
        })
        .unwrap();
        body(&cache);
        assert_eq!(made.get(), 3);
    }

    #[test]
    fn identical_data_keeps_its_version_and_changed_data_bumps_it() {
        let (_d, s) = store();
        s.call_blocking(|c| {
            c.execute(
                "INSERT INTO integrations (widget, name, integration_type, credential_scope, created_at, updated_at)
                 VALUES ('w', 'n', 'pull', 'organization', 't', 't')",
                [],
            )?;
            let a = json!({"b": 1, "a": [1, 2]});
            let (r1, changed) = store_success(c, 1, "organization", &success(&a, 10)).unwrap();
            assert!(changed);
            // Same content, different key order: same canonical JSON, same version.
            let a2: Value = serde_json::from_str(r#"{"a":[1,2],"b":1}"#).unwrap();
            let (r2, changed) = store_success(c, 1, "organization", &success(&a2, 20)).unwrap();
            assert!(!changed, "identical data must not bump the version");
            assert_eq!(r2.version, r1.version);
            let (r3, changed) = store_success(c, 1, "organization", &success(&json!({"b": 2}), 30)).unwrap();
            assert!(changed);
            assert!(r3.version > r2.version);
            // A failure keeps the data; its status is served content, so the version moves once,
            // and an identical repeated failure keeps it.
            let r4 = store_failure(c, 1, "organization", Status::Error, "timeout", None, 40).unwrap();
            assert!(r4.version > r3.version);
            let r4b = store_failure(c, 1, "organization", Status::Error, "timeout", None, 50).unwrap();
            assert_eq!(r4b.version, r4.version);
            assert_eq!(r4.data.as_deref(), Some(&json!({"b": 2})));
            assert_eq!((r4b.status, r4b.failure_count), (Status::Error, 2));
            // Recovery with the same data is a served change too.
            let (r4c, _) = store_success(c, 1, "organization", &success(&json!({"b": 2}), 60)).unwrap();
            assert!(r4c.version > r4b.version);
            assert_eq!(r4c.status, Status::Ok);
            // Deleting and recreating the row never reuses a version.
            c.execute("DELETE FROM integration_data", [])?;
            let (r5, _) = store_success(c, 1, "organization", &success(&json!({"b": 2}), 0)).unwrap();
            assert!(r5.version > r4c.version);
            Ok(())
        })
        .unwrap();
    }
}
