//! Secrets of the hub itself (the player token, tunnel authtokens), sealed in `hub_secrets` with
//! the same cipher as credentials, each bound to its name.

use rusqlite::{Connection, OptionalExtension as _};

use crate::crypto::{Aad, Cipher};
use crate::error::Error;
use crate::secret::SecretString;

/// The player token's name.
pub const PLAYER_TOKEN: &str = "player_token";

/// Reads a hub secret.
///
/// # Errors
/// [`Error::Sealed`] when it does not open; database errors.
pub fn get(conn: &Connection, cipher: &Cipher, name: &str) -> Result<Option<SecretString>, Error> {
    let sealed: Option<Vec<u8>> = conn
        .query_row(
            "SELECT sealed FROM hub_secrets WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let plain = cipher
        .open(&Aad::hub_secret(name), &sealed)
        .map_err(|_| Error::Sealed)?;
    let text = String::from_utf8(plain.expose().clone()).map_err(|_| Error::Sealed)?;
    Ok(Some(SecretString::new(text)))
}

/// Writes (or with `None`, deletes) a hub secret.
///
/// # Errors
/// Database errors.
pub fn set(
    conn: &Connection,
    cipher: &Cipher,
    name: &str,
    value: Option<&SecretString>,
    now: &str,
) -> Result<(), Error> {
    match value {
        Some(v) => {
            let sealed = cipher.seal(&Aad::hub_secret(name), v.expose().as_bytes());
            conn.execute(
                "INSERT INTO hub_secrets (name, sealed, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                (name, sealed, now),
            )?;
        }
        None => {
            conn.execute("DELETE FROM hub_secrets WHERE name = ?1", [name])?;
        }
    }
    Ok(())
}
