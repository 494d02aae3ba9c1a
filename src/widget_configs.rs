//! Widget configs: one placement of a widget on the signs, with its options validated against
//! the integration's `config_schema` (defaults applied and stored).

use rusqlite::{Connection, OptionalExtension as _, Row};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, FieldErrors};
use crate::integrations::{self, DataKey};
use crate::schema::{self, Problems, Schema};

/// A stored widget config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetConfig {
    /// Its id (a UUID; players use it in URLs).
    pub id: String,
    /// The integration that feeds it.
    pub integration_id: i64,
    /// A name for the admin, e.g. "Lobby screen weather".
    pub name: String,
    /// Options, validated, with defaults applied.
    pub options: Map<String, Value>,
    /// Whether players are served.
    pub is_active: bool,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// What an admin sends to create or replace a widget config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetConfigInput {
    /// The integration that feeds it.
    pub integration_id: i64,
    /// A name for the admin.
    pub name: String,
    /// Options for the integration's `config_schema`.
    #[serde(default)]
    pub options: Map<String, Value>,
    /// Whether players are served.
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

/// Validates options for an integration: the schema's rules, plus a value for the option that
/// selects shared data when the data key is `widget_option:<option>`.
///
/// # Errors
/// Every problem as `(field, message)`.
pub fn check_options(
    config_schema: &Schema,
    data_key: Option<&DataKey>,
    options: &Map<String, Value>,
) -> Result<Map<String, Value>, Problems> {
    let out = schema::validate_values(config_schema, options)?;
    if let Some(DataKey::WidgetOption(opt)) = data_key {
        let given = out
            .get(opt)
            .is_some_and(|v| !(v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())));
        if !given {
            return Err(vec![(
                opt.clone(),
                "is required: it selects which shared data this widget shows".to_owned(),
            )]);
        }
    }
    Ok(out)
}

const COLUMNS: &str = "id, integration_id, name, options, is_active, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<WidgetConfig> {
    let options: String = r.get(3)?;
    Ok(WidgetConfig {
        id: r.get(0)?,
        integration_id: r.get(1)?,
        name: r.get(2)?,
        options: serde_json::from_str(&options).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?,
        is_active: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// Every widget config, optionally of one integration.
///
/// # Errors
/// On database errors.
pub fn list(conn: &Connection, integration_id: Option<i64>) -> Result<Vec<WidgetConfig>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM widget_configs WHERE ?1 IS NULL OR integration_id = ?1
         ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([integration_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The widget configs of one integration.
///
/// # Errors
/// On database errors.
pub fn list_for(conn: &Connection, integration_id: i64) -> Result<Vec<WidgetConfig>, Error> {
    list(conn, Some(integration_id))
}

/// One widget config.
///
/// # Errors
/// On database errors.
pub fn get(conn: &Connection, id: &str) -> Result<Option<WidgetConfig>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM widget_configs WHERE id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

/// One widget config, or [`Error::NotFound`].
///
/// # Errors
/// When it does not exist, or on database errors.
pub fn require(conn: &Connection, id: &str) -> Result<WidgetConfig, Error> {
    get(conn, id)?.ok_or_else(|| Error::NotFound(format!("no widget config {id}")))
}

fn validated(
    conn: &Connection,
    input: &WidgetConfigInput,
) -> Result<(String, Map<String, Value>), Error> {
    let mut errors = FieldErrors::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push("name", "must be between 1 and 100 characters");
    }
    let Some(integration) = integrations::get(conn, input.integration_id)? else {
        errors.push(
            "integration_id",
            format!("no integration {} exists", input.integration_id),
        );
        return Err(Error::Invalid(errors));
    };
    let options = match check_options(
        &integration.config_schema,
        Some(&integration.data_key),
        &input.options,
    ) {
        Ok(o) => o,
        Err(problems) => {
            errors.extend_under("options", problems);
            Map::new()
        }
    };
    errors.into_result()?;
    Ok((name, options))
}

/// Creates a widget config.
///
/// # Errors
/// [`Error::Invalid`] (including a missing integration); database errors.
pub fn create(
    conn: &Connection,
    input: WidgetConfigInput,
    now: &str,
) -> Result<WidgetConfig, Error> {
    let (name, options) = validated(conn, &input)?;
    let id = uuid::Uuid::new_v4().to_string();
    let version = crate::cache::next_version(conn, crate::clock::millis(now))?;
    conn.execute(
        "INSERT INTO widget_configs (id, integration_id, name, options, is_active, created_at, updated_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
        rusqlite::params![id, input.integration_id, name, serde_json::to_string(&options)?, input.is_active, now, version],
    )?;
    require(conn, &id)
}

/// Replaces a widget config's name, options and active flag. Its integration cannot change.
///
/// # Errors
/// [`Error::NotFound`], [`Error::Invalid`]; database errors.
pub fn update(
    conn: &Connection,
    id: &str,
    input: WidgetConfigInput,
    now: &str,
) -> Result<WidgetConfig, Error> {
    let old = require(conn, id)?;
    if old.integration_id != input.integration_id {
        return Err(Error::Invalid(FieldErrors::one(
            "integration_id",
            "cannot change; create a new widget config for the other integration",
        )));
    }
    let (name, options) = validated(conn, &input)?;
    conn.execute(
        "UPDATE widget_configs SET name = ?1, options = ?2, is_active = ?3, updated_at = ?4 WHERE id = ?5",
        rusqlite::params![name, serde_json::to_string(&options)?, input.is_active, now, id],
    )?;
    if options != old.options || input.is_active != old.is_active {
        // What players are served may change (e.g. max_items): give them a new version.
        bump_version(conn, id, now)?;
    }
    require(conn, id)
}

/// Gives a widget config a new version from the sequence.
///
/// # Errors
/// On database errors.
pub fn bump_version(conn: &Connection, id: &str, now: &str) -> Result<(), Error> {
    let version = crate::cache::next_version(conn, crate::clock::millis(now))?;
    conn.execute(
        "UPDATE widget_configs SET version = ?1 WHERE id = ?2",
        (version, id),
    )?;
    Ok(())
}

/// Deletes a widget config with its credentials and player records (foreign keys cascade).
///
/// # Errors
/// [`Error::NotFound`]; database errors.
pub fn delete(conn: &Connection, id: &str) -> Result<(), Error> {
    if conn.execute("DELETE FROM widget_configs WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound(format!("no widget config {id}")));
    }
    conn.execute(
        "DELETE FROM hub_secrets WHERE name LIKE ?1",
        [format!("webhook_previous:%:{id}")],
    )?;
    Ok(())
}
