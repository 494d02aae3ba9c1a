//! The `settings` table: one JSON value per key.

use rusqlite::{Connection, OptionalExtension as _};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::StoreError;

/// Reads a setting, `None` when unset.
///
/// # Errors
/// On SQLite errors or when the stored JSON does not fit `T`.
pub fn get<T: DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>, StoreError> {
    let text: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// Writes a setting.
///
/// # Errors
/// On SQLite errors.
pub fn set<T: Serialize>(
    conn: &Connection,
    key: &str,
    value: &T,
    now: &str,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(value)?;
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, text, now),
    )?;
    Ok(())
}
