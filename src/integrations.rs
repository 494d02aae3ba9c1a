//! Integrations: how one kind of widget gets data from one third-party service (DESIGN §2).
//!
//! Domain operations take a connection and `now`; the HTTP layer runs them on the store's
//! blocking thread. Every write validates first and changes nothing when validation fails.

use std::fmt;

use rusqlite::{Connection, OptionalExtension as _, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldErrors};
use crate::pull::config::PullConfig;
use crate::pull::template::{Source, Template};
use crate::schema::{self, Schema, SchemaKind};
use crate::webhook::config::{PushConfig, Scheme};

/// The shortest allowed pull interval. Protects third-party APIs (and their rate limits) from a
/// typo; documented in the README.
pub const MIN_PULL_INTERVAL_SECONDS: u32 = 30;
/// The longest allowed pull interval (one week).
pub const MAX_PULL_INTERVAL_SECONDS: u32 = 7 * 24 * 3600;

/// PULL, PUSH or BOTH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationType {
    /// The hub fetches the third party on a schedule.
    Pull,
    /// The third party sends webhooks.
    Push,
    /// Webhooks for speed, pulls as the fallback.
    Both,
}

impl IntegrationType {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pull => "pull",
            Self::Push => "push",
            Self::Both => "both",
        }
    }

    /// Whether the scheduler pulls it.
    pub fn pulls(self) -> bool {
        matches!(self, Self::Pull | Self::Both)
    }

    /// Whether it accepts webhooks.
    pub fn pushes(self) -> bool {
        matches!(self, Self::Push | Self::Both)
    }

    fn parse(s: &str) -> Self {
        match s {
            "push" => Self::Push,
            "both" => Self::Both,
            _ => Self::Pull,
        }
    }
}

/// Whose credentials an integration uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialScope {
    /// One set for the whole hub.
    #[default]
    Organization,
    /// One set per widget config.
    Widget,
}

impl CredentialScope {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Widget => "widget",
        }
    }
}

/// How widget configs share cached data (DESIGN §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataKey {
    /// One cache row for the integration.
    Organization,
    /// One row per distinct value of a widget option.
    WidgetOption(String),
    /// One row per widget config.
    WidgetConfig,
}

impl fmt::Display for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Organization => f.write_str("organization"),
            Self::WidgetOption(o) => write!(f, "widget_option:{o}"),
            Self::WidgetConfig => f.write_str("widget_config"),
        }
    }
}

impl std::str::FromStr for DataKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "organization" => Ok(Self::Organization),
            "widget_config" => Ok(Self::WidgetConfig),
            _ => match s.strip_prefix("widget_option:") {
                Some(o) if !o.is_empty() => Ok(Self::WidgetOption(o.to_owned())),
                _ => Err(format!(
                    "'{s}' is not a data key: use \"organization\", \"widget_option:<option>\" or \"widget_config\""
                )),
            },
        }
    }
}

impl Serialize for DataKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DataKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A stored integration, as the admin API shows it (and the admin client reads it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// Its id.
    pub id: i64,
    /// The widget kind it feeds (a slug).
    pub widget: String,
    /// Its name, unique per widget.
    pub name: String,
    /// A description for the admin.
    pub description: String,
    /// PULL, PUSH or BOTH.
    pub integration_type: IntegrationType,
    /// Whose credentials it uses.
    pub credential_scope: CredentialScope,
    /// The credentials' fields.
    pub credential_schema: Schema,
    /// The widget options' fields.
    pub config_schema: Schema,
    /// The URL (template) pulled.
    pub pull_endpoint: Option<String>,
    /// Seconds between pulls.
    pub pull_interval_seconds: Option<u32>,
    /// Pull settings.
    pub pull_config: PullConfig,
    /// Push settings.
    pub push_config: Option<PushConfig>,
    /// How widget configs share data.
    pub data_key: DataKey,
    /// Whether it is in use.
    pub is_active: bool,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// What an admin sends to create or replace an integration. Unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationInput {
    /// The widget kind it feeds (a slug such as `weather`).
    pub widget: String,
    /// Its name, unique per widget.
    pub name: String,
    /// A description.
    #[serde(default)]
    pub description: String,
    /// PULL, PUSH or BOTH.
    pub integration_type: IntegrationType,
    /// Whose credentials it uses.
    #[serde(default)]
    pub credential_scope: CredentialScope,
    /// The credentials' fields.
    #[serde(default)]
    pub credential_schema: Schema,
    /// The widget options' fields.
    #[serde(default)]
    pub config_schema: Schema,
    /// The URL (template) pulled; required for pull and both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_endpoint: Option<String>,
    /// Seconds between pulls; required for pull and both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_interval_seconds: Option<u32>,
    /// Pull settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_config: Option<PullConfig>,
    /// Push settings; required for push and both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_config: Option<PushConfig>,
    /// How widget configs share data; default `organization` (`widget_config` when
    /// `credential_scope` is `widget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_key: Option<DataKey>,
    /// Whether it is in use.
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

impl From<&Integration> for IntegrationInput {
    fn from(i: &Integration) -> Self {
        Self {
            widget: i.widget.clone(),
            name: i.name.clone(),
            description: i.description.clone(),
            integration_type: i.integration_type,
            credential_scope: i.credential_scope,
            credential_schema: i.credential_schema.clone(),
            config_schema: i.config_schema.clone(),
            pull_endpoint: i.pull_endpoint.clone(),
            pull_interval_seconds: i.pull_interval_seconds,
            pull_config: i.integration_type.pulls().then(|| i.pull_config.clone()),
            push_config: i.push_config.clone(),
            data_key: Some(i.data_key.clone()),
            is_active: i.is_active,
        }
    }
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks an input and returns it normalised (data key decided, pull config defaulted).
///
/// # Errors
/// [`Error::Invalid`] with every problem found.
pub fn validate(mut input: IntegrationInput) -> Result<IntegrationInput, Error> {
    let mut errors = FieldErrors::new();
    input.widget = input.widget.trim().to_owned();
    input.name = input.name.trim().to_owned();
    if !valid_slug(&input.widget) {
        errors.push(
            "widget",
            "must be a slug of lowercase letters, digits, '-' and '_' (at most 64), e.g. weather",
        );
    }
    if input.name.is_empty() || input.name.chars().count() > 100 {
        errors.push("name", "must be between 1 and 100 characters");
    }
    if input.description.chars().count() > 2000 {
        errors.push("description", "must be at most 2000 characters");
    }
    errors.extend_under(
        "credential_schema",
        schema::check_schema(&input.credential_schema, SchemaKind::Credentials),
    );
    errors.extend_under(
        "config_schema",
        schema::check_schema(&input.config_schema, SchemaKind::Config),
    );

    // The data key: widget-scoped credentials force one cache row per widget config, since the
    // data depends on each widget's own credentials.
    let data_key = input
        .data_key
        .clone()
        .unwrap_or(match input.credential_scope {
            CredentialScope::Widget => DataKey::WidgetConfig,
            CredentialScope::Organization => DataKey::Organization,
        });
    if input.credential_scope == CredentialScope::Widget && data_key != DataKey::WidgetConfig {
        errors.push(
            "data_key",
            "must be \"widget_config\" when credential_scope is \"widget\": each widget's data depends on its own credentials",
        );
    }
    if let DataKey::WidgetOption(option) = &data_key {
        if !input.config_schema.contains_key(option) {
            errors.push(
                "data_key",
                format!("'{option}' is not a field of config_schema"),
            );
        }
    }
    input.data_key = Some(data_key);

    let check_template = |errors: &mut FieldErrors, path: &str, t: &Template| {
        for (source, field) in t.fields() {
            let (schema, name) = match source {
                Source::Options => (&input.config_schema, "config_schema"),
                Source::Credentials => (&input.credential_schema, "credential_schema"),
            };
            if !schema.contains_key(field) {
                errors.push(
                    path,
                    format!(
                        "{{{{{source}.{field}}}}} names '{field}', which is not a field of {name}"
                    ),
                );
            }
        }
    };

    if input.integration_type.pulls() {
        match input.pull_endpoint.as_deref().map(str::trim) {
            None | Some("") => errors.push(
                "pull_endpoint",
                "is required for pull and both integrations: the URL to fetch",
            ),
            Some(endpoint) => match Template::parse(endpoint) {
                Err(e) => errors.push("pull_endpoint", e.to_string()),
                Ok(t) => {
                    check_template(&mut errors, "pull_endpoint", &t);
                    if !t.is_single_field() {
                        let probe: String = t
                            .parts()
                            .iter()
                            .map(|p| match p {
                                crate::pull::template::Part::Text(s) => s.as_str(),
                                crate::pull::template::Part::Field(..) => "x",
                            })
                            .collect();
                        let ok = url::Url::parse(&probe).is_ok_and(|u| {
                            matches!(u.scheme(), "http" | "https") && u.host().is_some()
                        });
                        if !ok {
                            errors.push(
                                "pull_endpoint",
                                "must be an absolute http:// or https:// URL, e.g. https://api.example.com/v1/data",
                            );
                        }
                    }
                }
            },
        }
        match input.pull_interval_seconds {
            None => errors.push(
                "pull_interval_seconds",
                format!("is required for pull and both integrations (at least {MIN_PULL_INTERVAL_SECONDS})"),
            ),
            Some(s) if !(MIN_PULL_INTERVAL_SECONDS..=MAX_PULL_INTERVAL_SECONDS).contains(&s) => {
                errors.push(
                    "pull_interval_seconds",
                    format!(
                        "must be between {MIN_PULL_INTERVAL_SECONDS} and {MAX_PULL_INTERVAL_SECONDS} seconds"
                    ),
                );
            }
            Some(_) => {}
        }
        let pull_config = input.pull_config.get_or_insert_with(PullConfig::default);
        errors.extend_under("pull_config", pull_config.validate());
        for (path, t) in pull_config.templates() {
            check_template(&mut errors, &format!("pull_config.{path}"), &t);
        }
    } else {
        for (field, set) in [
            ("pull_endpoint", input.pull_endpoint.is_some()),
            (
                "pull_interval_seconds",
                input.pull_interval_seconds.is_some(),
            ),
            ("pull_config", input.pull_config.is_some()),
        ] {
            if set {
                errors.push(field, "is only used by pull and both integrations");
            }
        }
    }

    if input.integration_type.pushes() {
        match &input.push_config {
            None => errors.push(
                "push_config",
                "is required for push and both integrations: choose how webhooks are verified (push_config.verifier)",
            ),
            Some(push) => {
                errors.extend_under("push_config", push.validate());
                let field = &push.verifier.secret_field;
                match input.credential_schema.get(field) {
                    None => errors.push(
                        "push_config.verifier.secret_field",
                        format!("'{field}' is not a field of credential_schema; add it (type string, sensitive)"),
                    ),
                    Some(def) if !def.sensitive => errors.push(
                        "push_config.verifier.secret_field",
                        format!("credential field '{field}' must be sensitive: it holds the webhook secret"),
                    ),
                    Some(_) => {}
                }
                if push.verifier.scheme == Scheme::Meta
                    && !input.credential_schema.contains_key("verify_token")
                {
                    errors.push(
                        "credential_schema",
                        "the meta scheme needs a 'verify_token' field for Meta's subscription handshake",
                    );
                }
            }
        }
    } else if input.push_config.is_some() {
        errors.push("push_config", "is only used by push and both integrations");
    }

    errors.into_result()?;
    Ok(input)
}

const COLUMNS: &str = "id, widget, name, description, integration_type, credential_scope, \
    credential_schema, config_schema, pull_endpoint, pull_interval_seconds, pull_config, \
    push_config, data_key, is_active, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Integration> {
    fn json<T: serde::de::DeserializeOwned>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
        let text: String = r.get(i)?;
        serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    }
    let push: serde_json::Value = json(r, 11)?;
    let data_key: String = r.get(12)?;
    Ok(Integration {
        id: r.get(0)?,
        widget: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        integration_type: IntegrationType::parse(&r.get::<_, String>(4)?),
        credential_scope: if r.get::<_, String>(5)? == "widget" {
            CredentialScope::Widget
        } else {
            CredentialScope::Organization
        },
        credential_schema: json(r, 6)?,
        config_schema: json(r, 7)?,
        pull_endpoint: r.get(8)?,
        pull_interval_seconds: r.get(9)?,
        pull_config: json(r, 10)?,
        push_config: if push.as_object().is_some_and(|o| o.is_empty()) {
            None
        } else {
            serde_json::from_value(push).ok()
        },
        data_key: data_key.parse().unwrap_or(DataKey::Organization),
        is_active: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

/// Every integration, by id.
///
/// # Errors
/// On database errors.
pub fn list(conn: &Connection) -> Result<Vec<Integration>, Error> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM integrations ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One integration.
///
/// # Errors
/// On database errors.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Integration>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM integrations WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// One integration, or [`Error::NotFound`].
///
/// # Errors
/// When it does not exist, or on database errors.
pub fn require(conn: &Connection, id: i64) -> Result<Integration, Error> {
    get(conn, id)?.ok_or_else(|| Error::NotFound(format!("no integration {id}")))
}

fn name_taken(
    conn: &Connection,
    widget: &str,
    name: &str,
    except: Option<i64>,
) -> Result<bool, Error> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM integrations WHERE widget = ?1 AND name = ?2 AND id IS NOT ?3",
        (widget, name, except),
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

fn taken_error(input: &IntegrationInput) -> Error {
    Error::Invalid(FieldErrors::one(
        "name",
        format!(
            "an integration named '{}' already exists for widget '{}'",
            input.name, input.widget
        ),
    ))
}

fn params(input: &IntegrationInput) -> Result<[String; 3], Error> {
    Ok([
        serde_json::to_string(&input.credential_schema)?,
        serde_json::to_string(&input.config_schema)?,
        serde_json::to_string(&input.pull_config.clone().unwrap_or_default())?,
    ])
}

fn push_json(input: &IntegrationInput) -> Result<String, Error> {
    Ok(match &input.push_config {
        Some(p) => serde_json::to_string(p)?,
        None => "{}".to_owned(),
    })
}

/// Creates an integration.
///
/// # Errors
/// [`Error::Invalid`] for invalid input or a taken name; database errors.
pub fn create(conn: &Connection, input: IntegrationInput, now: &str) -> Result<Integration, Error> {
    let input = validate(input)?;
    if name_taken(conn, &input.widget, &input.name, None)? {
        return Err(taken_error(&input));
    }
    let [creds, config, pull] = params(&input)?;
    conn.execute(
        "INSERT INTO integrations (widget, name, description, integration_type, credential_scope,
            credential_schema, config_schema, pull_endpoint, pull_interval_seconds, pull_config,
            push_config, data_key, is_active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        rusqlite::params![
            input.widget,
            input.name,
            input.description,
            input.integration_type.as_str(),
            input.credential_scope.as_str(),
            creds,
            config,
            input.pull_endpoint,
            input.pull_interval_seconds,
            pull,
            push_json(&input)?,
            input.data_key.as_ref().map(ToString::to_string),
            input.is_active,
            now,
        ],
    )?;
    require(conn, conn.last_insert_rowid())
}

/// Replaces an integration's definition. Existing widget configs are re-validated against the
/// new `config_schema` (and stored with new defaults); a change that would invalidate one, a
/// change of `credential_scope` while credentials are stored, or turning off `sensitive` on a
/// credential field while a value of it is stored, is refused. Stored plaintext metadata of
/// fields that are no longer non-sensitive is dropped. A change of the data
/// key drops the cached data, which the next pull rebuilds.
///
/// # Errors
/// [`Error::NotFound`], [`Error::Invalid`]; database errors. Nothing changes on error.
pub fn update(
    conn: &mut Connection,
    id: i64,
    input: IntegrationInput,
    now: &str,
) -> Result<Integration, Error> {
    let tx = conn.transaction()?;
    let updated = update_in(&tx, id, input, now)?;
    tx.commit()?;
    Ok(updated)
}

/// [`update`] inside the caller's transaction.
///
/// # Errors
/// As [`update`]; the caller must roll back on error.
pub fn update_in(
    tx: &Connection,
    id: i64,
    input: IntegrationInput,
    now: &str,
) -> Result<Integration, Error> {
    let old = require(tx, id)?;
    let input = validate(input)?;
    if name_taken(tx, &input.widget, &input.name, Some(id))? {
        return Err(taken_error(&input));
    }
    if input.credential_scope != old.credential_scope {
        let stored: i64 = tx.query_row(
            "SELECT count(*) FROM credentials WHERE integration_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        if stored > 0 {
            return Err(Error::Invalid(FieldErrors::one(
                "credential_scope",
                "cannot change while credentials are stored; delete them first",
            )));
        }
    }
    let mut errors = FieldErrors::new();
    // A value stored while its field was sensitive is sealed and never shown. Turning the field
    // non-sensitive would let the next credentials write copy it into the plaintext metadata
    // (credentials::put also refuses to), so it is refused while a value is stored.
    let stored = crate::credentials::stored_fields(tx, id)?;
    for (name, def) in &old.credential_schema {
        let flipped = def.sensitive
            && input
                .credential_schema
                .get(name)
                .is_some_and(|new| !new.sensitive);
        if flipped && stored.contains(name) {
            let delete = match old.credential_scope {
                CredentialScope::Organization => {
                    format!("DELETE /admin/api/integrations/{id}/credentials")
                }
                CredentialScope::Widget => {
                    "DELETE /admin/api/widget-configs/{id}/credentials for each widget config"
                        .to_owned()
                }
            };
            errors.push(
                format!("credential_schema.{name}.sensitive"),
                format!(
                    "cannot be turned off while a value of '{name}' is stored: a secret stays secret. Delete the stored credentials first ({delete}), then change the field and enter its value again"
                ),
            );
        }
    }
    // Re-validate every widget config's options against the new config schema.
    let mut reopts = Vec::new();
    for wc in crate::widget_configs::list_for(tx, id)? {
        match crate::widget_configs::check_options(
            &input.config_schema,
            input.data_key.as_ref(),
            &wc.options,
        ) {
            Ok(opts) => reopts.push((wc.id, opts)),
            Err(problems) => {
                for (field, msg) in problems {
                    errors.push(
                        "config_schema",
                        format!(
                            "widget config '{}' would become invalid: {field} {msg}",
                            wc.name
                        ),
                    );
                }
            }
        }
    }
    errors.into_result()?;
    let [creds, config, pull] = params(&input)?;
    tx.execute(
        "UPDATE integrations SET widget = ?1, name = ?2, description = ?3, integration_type = ?4,
            credential_scope = ?5, credential_schema = ?6, config_schema = ?7, pull_endpoint = ?8,
            pull_interval_seconds = ?9, pull_config = ?10, push_config = ?11, data_key = ?12,
            is_active = ?13, updated_at = ?14
         WHERE id = ?15",
        rusqlite::params![
            input.widget,
            input.name,
            input.description,
            input.integration_type.as_str(),
            input.credential_scope.as_str(),
            creds,
            config,
            input.pull_endpoint,
            input.pull_interval_seconds,
            pull,
            push_json(&input)?,
            input.data_key.as_ref().map(ToString::to_string),
            input.is_active,
            now,
            id,
        ],
    )?;
    for (wc_id, opts) in reopts {
        tx.execute(
            "UPDATE widget_configs SET options = ?1 WHERE id = ?2",
            (serde_json::to_string(&opts)?, &wc_id),
        )?;
        // Defaults may have changed what players are served.
        crate::widget_configs::bump_version(tx, &wc_id, now)?;
    }
    crate::credentials::scrub_metadata(tx, id, &input.credential_schema)?;
    if input.data_key.as_ref() != Some(&old.data_key) {
        tx.execute(
            "DELETE FROM integration_data WHERE integration_id = ?1",
            [id],
        )?;
    }
    require(tx, id)
}

/// Deletes an integration with, in one transaction, its widget configs, all their and its
/// credentials, its cached data and its deliveries (foreign keys cascade).
///
/// # Errors
/// [`Error::NotFound`]; database errors.
pub fn delete(conn: &Connection, id: i64) -> Result<(), Error> {
    let n = conn.execute("DELETE FROM integrations WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(Error::NotFound(format!("no integration {id}")));
    }
    // Previous webhook secrets kept for rotation live in hub_secrets (no foreign key).
    conn.execute(
        "DELETE FROM hub_secrets WHERE name LIKE ?1",
        [format!("webhook_previous:{id}:%")],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: serde_json::Value) -> IntegrationInput {
        serde_json::from_value(v).unwrap()
    }

    fn errors(v: serde_json::Value) -> FieldErrors {
        match validate(input(v)) {
            Err(Error::Invalid(e)) => e,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    fn openweather() -> serde_json::Value {
        json!({
            "widget": "weather", "name": "openweather", "integration_type": "pull",
            "credential_schema": {"api_key": {"type": "string", "required": true, "sensitive": true}},
            "config_schema": {"latitude": {"type": "number", "required": true},
                              "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"}},
            "pull_endpoint": "https://api.openweathermap.org/data/2.5/weather",
            "pull_interval_seconds": 1800,
            "pull_config": {"fetcher": "openweather", "query": {"lat": "{{options.latitude}}",
                "units": "{{options.units}}", "appid": "{{credentials.api_key}}"}}
        })
    }

    #[test]
    fn a_complete_pull_integration_is_valid_and_defaults_its_data_key() {
        let v = validate(input(openweather())).unwrap();
        assert_eq!(v.data_key, Some(DataKey::Organization));
    }

    #[test]
    fn pull_requires_endpoint_and_interval_above_the_floor() {
        let mut v = openweather();
        v["pull_endpoint"] = json!("ftp://x");
        v["pull_interval_seconds"] = json!(5);
        let e = errors(v);
        assert!(e.0["pull_endpoint"][0].contains("http"), "{e}");
        assert!(e.0["pull_interval_seconds"][0].contains("30"), "{e}");
        let mut v = openweather();
        v.as_object_mut().unwrap().remove("pull_endpoint");
        v.as_object_mut().unwrap().remove("pull_interval_seconds");
        let e = errors(v);
        assert!(e.0.contains_key("pull_endpoint") && e.0.contains_key("pull_interval_seconds"));
    }

    #[test]
    fn templates_must_name_schema_fields() {
        let mut v = openweather();
        v["pull_config"]["query"]["lon"] = json!("{{options.longitude}}");
        v["pull_config"]["headers"] = json!({"X-Key": "{{credentials.token}}"});
        let e = errors(v);
        assert!(e.0["pull_config.query.lon"][0].contains("longitude"), "{e}");
        assert!(
            e.0["pull_config.headers.X-Key"][0].contains("credential_schema"),
            "{e}"
        );
    }

    #[test]
    fn push_requires_a_verifier_and_a_sensitive_secret_field() {
        let base = json!({"widget": "social-feed", "name": "fb", "integration_type": "push",
            "credential_scope": "widget"});
        let e = errors(base.clone());
        assert!(e.0["push_config"][0].contains("verifier"), "{e}");
        let mut v = base.clone();
        v["push_config"] = json!({"verifier": {"scheme": "meta"}, "transform": "facebook"});
        v["credential_schema"] = json!({"webhook_secret": {"type": "string"}});
        let e = errors(v);
        assert!(
            e.0["push_config.verifier.secret_field"][0].contains("sensitive"),
            "{e}"
        );
        assert!(e.0["credential_schema"][0].contains("verify_token"), "{e}");
    }

    #[test]
    fn widget_scope_forces_the_widget_config_data_key() {
        let mut v = openweather();
        v["credential_scope"] = json!("widget");
        assert_eq!(
            validate(input(v.clone())).unwrap().data_key,
            Some(DataKey::WidgetConfig)
        );
        v["data_key"] = json!("organization");
        assert!(errors(v).0["data_key"][0].contains("widget_config"));
    }

    #[test]
    fn data_key_option_must_exist() {
        let mut v = openweather();
        v["data_key"] = json!("widget_option:city");
        assert!(errors(v).0["data_key"][0].contains("city"));
        let e = serde_json::from_value::<IntegrationInput>(json!({"data_key": "per_sign"}));
        assert!(e.unwrap_err().to_string().contains("per_sign"));
    }

    #[test]
    fn create_get_update_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        store
            .call_blocking(|c| {
                let created = create(c, input(openweather()), "t1")
                    .map_err(|e| crate::store::StoreError::Task(e.to_string()))?;
                assert_eq!(get(c, created.id).unwrap().unwrap(), created);
                let dup = create(c, input(openweather()), "t1").unwrap_err();
                assert!(dup.to_string().contains("already exists"), "{dup}");
                let mut changed = input(openweather());
                changed.name = "ow2".to_owned();
                let updated = update(c, created.id, changed, "t2").unwrap();
                assert_eq!(updated.name, "ow2");
                assert_eq!(updated.created_at, "t1");
                assert_eq!(updated.updated_at, "t2");
                delete(c, created.id).unwrap();
                assert!(get(c, created.id).unwrap().is_none());
                assert!(matches!(delete(c, created.id), Err(Error::NotFound(_))));
                Ok(())
            })
            .unwrap();
    }
}
