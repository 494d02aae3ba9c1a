//! Credentials: secret values of an integration, sealed with the cipher (DESIGN §3) and never
//! returned. Reads answer which fields are set, never their values; non-sensitive fields may be
//! shown from `metadata`.
//!
//! Sealing and opening happen inside the caller's store call (the one connection), so a key
//! rotation, which runs the same way, can never interleave with a write sealed under the old key.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::crypto::{Aad, Cipher};
use crate::error::{Error, FieldErrors};
use crate::integrations::{CredentialScope, Integration};
use crate::schema;
use crate::secret::SecretString;

/// Whether one field has a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldState {
    /// Whether a value is stored.
    pub set: bool,
}

/// What the admin API shows of stored credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialsView {
    /// Whether a credentials record exists.
    pub configured: bool,
    /// Every schema field, set or not.
    pub fields: BTreeMap<String, FieldState>,
    /// The non-sensitive values.
    pub metadata: Map<String, Value>,
    /// When the record was last validated.
    pub validated_at: Option<String>,
    /// Whether the record passed validation and has not been refused upstream since.
    pub is_valid: bool,
}

/// The stored (unsealed) `metadata` column: non-sensitive values and the names of set fields.
#[derive(Debug, Default, Deserialize, Serialize)]
struct StoredMeta {
    #[serde(default)]
    values: Map<String, Value>,
    #[serde(default)]
    set: Vec<String>,
}

/// Checks that credentials for `integration` are addressed at the right scope: `widget_config`
/// is `Some` for widget scope, `None` for organization scope.
///
/// # Errors
/// [`Error::BadRequest`] `wrong_scope`, saying which scope the integration uses.
pub fn check_scope(integration: &Integration, widget_config: Option<&str>) -> Result<(), Error> {
    match (integration.credential_scope, widget_config) {
        (CredentialScope::Organization, None) | (CredentialScope::Widget, Some(_)) => Ok(()),
        (CredentialScope::Organization, Some(_)) => Err(Error::BadRequest {
            code: "wrong_scope",
            message: format!(
                "integration {} uses organization-scoped credentials: set them with PUT /admin/api/integrations/{}/credentials",
                integration.id, integration.id
            ),
        }),
        (CredentialScope::Widget, None) => Err(Error::BadRequest {
            code: "wrong_scope",
            message: format!(
                "integration {} uses widget-scoped credentials: set them per widget config with PUT /admin/api/widget-configs/{{id}}/credentials",
                integration.id
            ),
        }),
    }
}

struct Row {
    id: i64,
    sealed: Vec<u8>,
    meta: StoredMeta,
    validated_at: Option<String>,
    is_valid: bool,
}

fn load(conn: &Connection, integration_id: i64, wc: Option<&str>) -> Result<Option<Row>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT id, sealed, metadata, validated_at, is_valid FROM credentials
             WHERE integration_id = ?1 AND widget_config_id IS ?2",
        )?
        .query_row((integration_id, wc), |r| {
            let meta: String = r.get(2)?;
            Ok(Row {
                id: r.get(0)?,
                sealed: r.get(1)?,
                meta: serde_json::from_str(&meta).unwrap_or_default(),
                validated_at: r.get(3)?,
                is_valid: r.get(4)?,
            })
        })
        .optional()?)
}

/// The view of the credentials of `integration` (and widget config, for widget scope).
///
/// # Errors
/// On database errors.
pub fn view(
    conn: &Connection,
    integration: &Integration,
    wc: Option<&str>,
) -> Result<CredentialsView, Error> {
    let row = load(conn, integration.id, wc)?;
    let fields = integration
        .credential_schema
        .keys()
        .map(|name| {
            let set = row.as_ref().is_some_and(|r| r.meta.set.contains(name));
            (name.clone(), FieldState { set })
        })
        .collect();
    Ok(match row {
        None => CredentialsView {
            configured: false,
            fields,
            metadata: Map::new(),
            validated_at: None,
            is_valid: false,
        },
        Some(r) => CredentialsView {
            configured: true,
            fields,
            // Only fields that are non-sensitive now: metadata written before a field was made
            // sensitive (update_in also scrubs it) is never shown.
            metadata: r
                .meta
                .values
                .into_iter()
                .filter(|(k, _)| {
                    integration
                        .credential_schema
                        .get(k)
                        .is_some_and(|d| !d.sensitive)
                })
                .collect(),
            validated_at: r.validated_at,
            is_valid: r.is_valid,
        },
    })
}

fn unseal(cipher: &Cipher, aad: &Aad, sealed: &[u8]) -> Result<Map<String, Value>, Error> {
    let plain = cipher.open(aad, sealed).map_err(|_| Error::Sealed)?;
    serde_json::from_slice(plain.expose()).map_err(|_| Error::Sealed)
}

/// Opens the stored credentials, for pulls and webhook verification. `None` when none are set.
///
/// # Errors
/// [`Error::Sealed`] when the record does not open; database errors.
pub fn open(
    conn: &Connection,
    cipher: &Cipher,
    integration_id: i64,
    wc: Option<&str>,
) -> Result<Option<BTreeMap<String, SecretString>>, Error> {
    let Some(row) = load(conn, integration_id, wc)? else {
        return Ok(None);
    };
    let values = unseal(cipher, &Aad::credentials(integration_id, wc), &row.sealed)?;
    Ok(Some(
        values
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, SecretString::new(text))
            })
            .collect(),
    ))
}

/// Sets credentials: fields sent replace stored ones, `null` clears a field, fields not sent
/// are kept. The merged record is validated against `credential_schema`, sealed and stored.
///
/// `metadata` (plaintext, shown to the admin) gets the non-sensitive values that were sent now,
/// that it already showed, or that come from a schema default — never a value kept from the
/// sealed record that it did not show before. So a value stored while its field was sensitive
/// stays sealed even if the field has since been redefined as non-sensitive (removed and added
/// back, say); [`crate::integrations::update_in`] refuses the direct flip.
///
/// # Errors
/// [`Error::Invalid`] (paths `credentials.<field>`) for a schema-less integration, unknown
/// fields, wrong types (a sensitive value must be a string), a missing required field;
/// [`Error::Sealed`] if the stored record cannot be opened; database errors.
pub fn put(
    conn: &mut Connection,
    cipher: &Cipher,
    integration: &Integration,
    wc: Option<&str>,
    values: &Map<String, Value>,
    now: &str,
) -> Result<CredentialsView, Error> {
    check_scope(integration, wc)?;
    let schema = &integration.credential_schema;
    if schema.is_empty() {
        return Err(Error::Invalid(FieldErrors::one(
            "credentials",
            "this integration takes no credentials: its credential_schema is empty",
        )));
    }
    let tx = conn.transaction()?;
    let aad = Aad::credentials(integration.id, wc);
    let existing = load(&tx, integration.id, wc)?;
    let mut merged = match &existing {
        Some(row) => unseal(cipher, &aad, &row.sealed)?,
        None => Map::new(),
    };
    let sealed_before: BTreeSet<String> = merged.keys().cloned().collect();
    for (k, v) in values {
        if v.is_null() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    let full = match schema::validate_values(schema, &merged) {
        Ok(full) => full,
        Err(problems) => {
            let mut errors = FieldErrors::new();
            errors.extend_under("credentials", problems);
            return Err(Error::Invalid(errors));
        }
    };
    let plaintext = Zeroizing::new(serde_json::to_vec(&full)?);
    let sealed = cipher.seal(&aad, &plaintext);
    drop(merged);
    let shown_before = existing.as_ref().map(|r| &r.meta.values);
    let may_show = |k: &String, v: &Value| {
        let sent_now = values.get(k).is_some_and(|sent| !sent.is_null());
        let default = !sealed_before.contains(k);
        let already_shown = shown_before.is_some_and(|m| m.get(k) == Some(v));
        schema.get(k).is_some_and(|d| !d.sensitive) && (sent_now || default || already_shown)
    };
    let meta = StoredMeta {
        values: full
            .iter()
            .filter(|(k, v)| may_show(k, v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        set: full.keys().cloned().collect(),
    };
    let meta = serde_json::to_string(&meta)?;
    match existing {
        Some(row) => {
            tx.execute(
                "UPDATE credentials SET sealed = ?1, metadata = ?2, validated_at = ?3, is_valid = 1,
                    updated_at = ?3 WHERE id = ?4",
                rusqlite::params![sealed, meta, now, row.id],
            )?;
        }
        None => {
            tx.execute(
                "INSERT INTO credentials (integration_id, widget_config_id, sealed, metadata,
                    validated_at, is_valid, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?5, ?5)",
                rusqlite::params![integration.id, wc, sealed, meta, now],
            )?;
        }
    }
    let view = view(&tx, integration, wc)?;
    tx.commit()?;
    Ok(view)
}

/// The fields that hold a value in any credentials record of the integration (organization
/// scope or any widget config's).
///
/// # Errors
/// On database errors.
pub fn stored_fields(conn: &Connection, integration_id: i64) -> Result<BTreeSet<String>, Error> {
    let mut stmt = conn.prepare("SELECT metadata FROM credentials WHERE integration_id = ?1")?;
    let rows = stmt.query_map([integration_id], |r| r.get::<_, String>(0))?;
    let mut out = BTreeSet::new();
    for meta in rows {
        let meta: StoredMeta = serde_json::from_str(&meta?).unwrap_or_default();
        out.extend(meta.set);
    }
    Ok(out)
}

/// Drops from every credentials record of the integration the plaintext `metadata` values of
/// fields that are no longer non-sensitive in `schema` (made sensitive, or removed), so a field
/// the admin has just declared secret is not left in clear in the database.
///
/// # Errors
/// On database errors.
pub fn scrub_metadata(
    conn: &Connection,
    integration_id: i64,
    schema: &schema::Schema,
) -> Result<(), Error> {
    let rows: Vec<(i64, String)> = {
        let mut stmt =
            conn.prepare("SELECT id, metadata FROM credentials WHERE integration_id = ?1")?;
        let rows = stmt.query_map([integration_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, text) in rows {
        let mut meta: StoredMeta = serde_json::from_str(&text).unwrap_or_default();
        let before = meta.values.len();
        meta.values
            .retain(|k, _| schema.get(k).is_some_and(|d| !d.sensitive));
        if meta.values.len() != before {
            conn.execute(
                "UPDATE credentials SET metadata = ?1 WHERE id = ?2",
                (serde_json::to_string(&meta)?, id),
            )?;
        }
    }
    Ok(())
}

/// Deletes the credentials.
///
/// # Errors
/// [`Error::NotFound`] when none are stored; scope errors; database errors.
pub fn delete(conn: &Connection, integration: &Integration, wc: Option<&str>) -> Result<(), Error> {
    check_scope(integration, wc)?;
    let n = conn.execute(
        "DELETE FROM credentials WHERE integration_id = ?1 AND widget_config_id IS ?2",
        (integration.id, wc),
    )?;
    if n == 0 {
        return Err(Error::NotFound("no credentials are stored".to_owned()));
    }
    // A previous webhook secret kept for rotation goes with them.
    conn.execute(
        "DELETE FROM hub_secrets WHERE name = ?1",
        [format!(
            "webhook_previous:{}:{}",
            integration.id,
            wc.unwrap_or("organization")
        )],
    )?;
    Ok(())
}

/// Marks stored credentials as refused upstream (401/403) or valid again.
///
/// # Errors
/// On database errors.
pub fn mark_valid(
    conn: &Connection,
    integration_id: i64,
    wc: Option<&str>,
    valid: bool,
    now: &str,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE credentials SET is_valid = ?1, validated_at = ?2
         WHERE integration_id = ?3 AND widget_config_id IS ?4",
        rusqlite::params![valid, now, integration_id, wc],
    )?;
    Ok(())
}
