//! Export and import of definitions: integrations and their widget configs as one JSON document,
//! never with secret values; and import of a Castmill `widget.json` `integration` block.
//!
//! Imports are all or nothing: every item is validated inside one transaction, and any problem
//! rolls the whole import back.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, FieldErrors};
use crate::integrations::{self, DataKey, IntegrationInput, IntegrationType};
use crate::schema::{FieldDef, FieldType, Schema};
use crate::widget_configs::{self, WidgetConfigInput};

/// The `format` marker of an export document.
pub const FORMAT: &str = "millrace.definitions";
/// The version of the export format.
pub const FORMAT_VERSION: u32 = 1;

/// An export document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definitions {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`FORMAT_VERSION`].
    pub version: u32,
    /// When it was exported (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<String>,
    /// The exporting hub's version (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub millrace_version: Option<String>,
    /// The integrations.
    pub integrations: Vec<IntegrationDefinition>,
}

/// One integration with its widget configs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationDefinition {
    /// The definition.
    #[serde(flatten)]
    pub integration: IntegrationInput,
    /// Its widget configs.
    #[serde(default)]
    pub widget_configs: Vec<WidgetConfigDefinition>,
}

/// One widget config.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetConfigDefinition {
    /// Kept on import when free, so signs pointed at it keep working after a move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// Its options.
    #[serde(default)]
    pub options: Map<String, Value>,
    /// Whether it is active.
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

/// What to do when an imported integration's widget and name already exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnConflict {
    /// Refuse the whole import.
    #[default]
    Error,
    /// Replace the existing definition (its credentials and data are kept).
    Update,
}

impl OnConflict {
    /// The query value (`on_conflict=error|update`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Update => "update",
        }
    }
}

/// Counts of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Integrations created.
    pub integrations_created: usize,
    /// Integrations updated in place.
    pub integrations_updated: usize,
    /// Widget configs created.
    pub widget_configs_created: usize,
    /// Widget configs updated in place.
    pub widget_configs_updated: usize,
}

/// Exports every integration and widget config. Credentials are never part of it.
///
/// # Errors
/// On database errors.
pub fn export(conn: &Connection, now: &str) -> Result<Definitions, Error> {
    let mut out = Vec::new();
    for i in integrations::list(conn)? {
        let widget_configs = widget_configs::list_for(conn, i.id)?
            .into_iter()
            .map(|wc| WidgetConfigDefinition {
                id: Some(wc.id),
                name: wc.name,
                options: wc.options,
                is_active: wc.is_active,
            })
            .collect();
        out.push(IntegrationDefinition {
            integration: IntegrationInput::from(&i),
            widget_configs,
        });
    }
    Ok(Definitions {
        format: FORMAT.to_owned(),
        version: FORMAT_VERSION,
        exported_at: Some(now.to_owned()),
        millrace_version: Some(crate::VERSION.to_owned()),
        integrations: out,
    })
}

fn prefixed(prefix: &str, e: Error) -> Error {
    match e {
        Error::Invalid(fields) => {
            let mut out = FieldErrors::new();
            for (path, msgs) in fields.0 {
                for m in msgs {
                    out.push(format!("{prefix}.{path}"), m);
                }
            }
            Error::Invalid(out)
        }
        Error::NotFound(m) => Error::Invalid(FieldErrors::one(prefix, m)),
        other => other,
    }
}

/// Imports a definitions document in one transaction.
///
/// # Errors
/// [`Error::Invalid`] with paths such as `integrations[1].widget_configs[0].options.units`;
/// nothing is imported then.
pub fn import(
    conn: &mut Connection,
    doc: Definitions,
    on_conflict: OnConflict,
    now: &str,
) -> Result<ImportReport, Error> {
    let mut errors = FieldErrors::new();
    if doc.format != FORMAT {
        errors.push("format", format!("must be \"{FORMAT}\""));
    }
    if doc.version != FORMAT_VERSION {
        errors.push(
            "version",
            format!(
                "version {} is not supported (this Millrace reads version {FORMAT_VERSION})",
                doc.version
            ),
        );
    }
    errors.into_result()?;

    let tx = conn.transaction()?;
    let mut report = ImportReport::default();
    let mut errors = FieldErrors::new();
    for (i, def) in doc.integrations.into_iter().enumerate() {
        let prefix = format!("integrations[{i}]");
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM integrations WHERE widget = ?1 AND name = ?2",
                (def.integration.widget.trim(), def.integration.name.trim()),
                |r| r.get(0),
            )
            .ok();
        let result = match (existing, on_conflict) {
            (Some(_), OnConflict::Error) => Err(Error::Invalid(FieldErrors::one(
                "name",
                format!(
                    "an integration named '{}' already exists for widget '{}' (import with on_conflict=update to replace it)",
                    def.integration.name, def.integration.widget
                ),
            ))),
            (Some(id), OnConflict::Update) => integrations::update_in(&tx, id, def.integration, now)
                .inspect(|_| report.integrations_updated += 1),
            (None, _) => integrations::create(&tx, def.integration, now)
                .inspect(|_| report.integrations_created += 1),
        };
        let integration = match result {
            Ok(i) => i,
            Err(e) => {
                merge(&mut errors, prefixed(&prefix, e))?;
                continue;
            }
        };
        for (j, wc) in def.widget_configs.into_iter().enumerate() {
            let wprefix = format!("{prefix}.widget_configs[{j}]");
            let input = WidgetConfigInput {
                integration_id: integration.id,
                name: wc.name,
                options: wc.options,
                is_active: wc.is_active,
            };
            let outcome = match wc.id.as_deref().map(|id| widget_configs::get(&tx, id)) {
                Some(Ok(Some(found))) if found.integration_id == integration.id => {
                    widget_configs::update(&tx, &found.id, input, now)
                        .map(|_| report.widget_configs_updated += 1)
                }
                Some(Ok(Some(_))) => Err(Error::Invalid(FieldErrors::one(
                    "id",
                    "is already used by a widget config of another integration",
                ))),
                Some(Err(e)) => Err(e),
                Some(Ok(None)) => create_with_id(&tx, wc.id.as_deref(), input, now)
                    .map(|_| report.widget_configs_created += 1),
                None => widget_configs::create(&tx, input, now)
                    .map(|_| report.widget_configs_created += 1),
            };
            if let Err(e) = outcome {
                merge(&mut errors, prefixed(&wprefix, e))?;
            }
        }
    }
    errors.into_result()?;
    tx.commit()?;
    Ok(report)
}

fn merge(errors: &mut FieldErrors, e: Error) -> Result<(), Error> {
    match e {
        Error::Invalid(fields) => {
            for (path, msgs) in fields.0 {
                for m in msgs {
                    errors.push(path.clone(), m);
                }
            }
            Ok(())
        }
        other => Err(other),
    }
}

fn create_with_id(
    conn: &Connection,
    id: Option<&str>,
    input: WidgetConfigInput,
    now: &str,
) -> Result<(), Error> {
    let created = widget_configs::create(conn, input, now)?;
    if let Some(id) = id {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(Error::Invalid(FieldErrors::one("id", "must be a UUID")));
        }
        conn.execute(
            "UPDATE widget_configs SET id = ?1 WHERE id = ?2",
            (id, &created.id),
        )?;
    }
    Ok(())
}

/// Converts a Castmill `widget.json` (its `slug`/`name`, `description`, `options_schema` and
/// `integration` block) into an integration definition, following Castmill's own mapping:
/// `type` → `integration_type`, `fetcher` → the fetcher, `config.refresh_interval` →
/// `pull_interval_seconds` (default 300); the `rss` fetcher shares data by `feed_url`, which
/// becomes a required option defaulting to `config.feed_url`. Castmill pushes are unsigned;
/// Millrace requires a signature, so they become Standard Webhooks with a `webhook_secret`.
///
/// # Errors
/// [`Error::Invalid`] naming what cannot be converted.
pub fn from_castmill(widget: &Value) -> Result<IntegrationInput, Error> {
    let mut errors = FieldErrors::new();
    let Some(block) = widget.get("integration").and_then(Value::as_object) else {
        return Err(Error::Invalid(FieldErrors::one(
            "integration",
            "the widget.json has no \"integration\" object",
        )));
    };
    let slug = widget
        .get("slug")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| widget.get("name").and_then(Value::as_str).map(slugify))
        .unwrap_or_default();
    if slug.is_empty() {
        errors.push("slug", "the widget.json needs a \"slug\" or a \"name\"");
    }
    let integration_type = match block
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("pull")
        .to_ascii_lowercase()
        .as_str()
    {
        "pull" => IntegrationType::Pull,
        "push" => IntegrationType::Push,
        "both" => IntegrationType::Both,
        other => {
            errors.push(
                "integration.type",
                format!("'{other}' is not PULL, PUSH or BOTH"),
            );
            IntegrationType::Pull
        }
    };
    let config = block
        .get("config")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let fetcher = block
        .get("fetcher")
        .and_then(Value::as_str)
        .unwrap_or("json");

    let mut config_schema = Schema::new();
    if let Some(options) = widget.get("options_schema").and_then(Value::as_object) {
        for (name, def) in options {
            config_schema.insert(name.clone(), castmill_field(def));
        }
    }
    let mut credential_schema = Schema::new();
    if let Some(fields) = block
        .get("credential_schema")
        .and_then(|c| c.get("fields"))
        .and_then(Value::as_object)
    {
        for (name, def) in fields {
            credential_schema.insert(name.clone(), castmill_field(def));
        }
    }

    let mut input = IntegrationInput {
        widget: slug.clone(),
        name: block
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(fetcher)
            .to_owned(),
        description: widget
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        integration_type,
        credential_scope: Default::default(),
        credential_schema,
        config_schema,
        pull_endpoint: None,
        pull_interval_seconds: None,
        pull_config: None,
        push_config: None,
        data_key: None,
        is_active: true,
    };
    if integration_type.pulls() {
        input.pull_interval_seconds = Some(
            config
                .get("refresh_interval")
                .and_then(Value::as_u64)
                .map_or(300, |s| u32::try_from(s).unwrap_or(u32::MAX)),
        );
        match fetcher {
            "rss" => {
                let Some(feed_url) = config.get("feed_url").and_then(Value::as_str) else {
                    errors.push("integration.config.feed_url", "the rss fetcher needs a feed_url");
                    return Err(Error::Invalid(errors));
                };
                input.config_schema.insert(
                    "feed_url".to_owned(),
                    FieldDef {
                        kind: FieldType::String,
                        required: true,
                        label: Some("Feed URL".to_owned()),
                        help: Some("The address of the RSS, Atom or JSON feed.".to_owned()),
                        sensitive: false,
                        choices: None,
                        default: Some(Value::String(feed_url.to_owned())),
                        min: None,
                        max: None,
                    },
                );
                input.pull_endpoint = Some("{{options.feed_url}}".to_owned());
                input.pull_config = Some(serde_json::from_value(serde_json::json!({"fetcher": "rss"}))?);
                input.data_key = Some(DataKey::WidgetOption("feed_url".to_owned()));
            }
            "json" | "http" => {
                let url = config.get("url").or_else(|| config.get("endpoint")).and_then(Value::as_str);
                match url {
                    Some(u) => input.pull_endpoint = Some(u.to_owned()),
                    None => errors.push("integration.config.url", "the json fetcher needs a url"),
                }
            }
            other => errors.push(
                "integration.fetcher",
                format!("the Castmill fetcher '{other}' has no Millrace equivalent; supported: rss, json (with config.url)"),
            ),
        }
    }
    if integration_type.pushes() {
        input.credential_schema.entry("webhook_secret".to_owned()).or_insert(FieldDef {
            kind: FieldType::String,
            required: true,
            label: Some("Signing secret".to_owned()),
            help: Some("Millrace only accepts signed webhooks: the sender must sign with Standard Webhooks using this secret.".to_owned()),
            sensitive: true,
            choices: None,
            default: None,
            min: None,
            max: None,
        });
        input.push_config = Some(serde_json::from_value(serde_json::json!({
            "verifier": {"scheme": "standard_webhooks"}, "transform": "castmill"
        }))?);
    }
    errors.into_result()?;
    Ok(input)
}

/// A Castmill field definition (`type`, `required`, `default`, `min`, `max`, `description`,
/// `label`, `sensitive`, `enum`/`options`) as a Millrace one; unknown types become strings.
fn castmill_field(def: &Value) -> FieldDef {
    let kind = match def.get("type").and_then(Value::as_str) {
        Some("number") => FieldType::Number,
        Some("integer") => FieldType::Integer,
        Some("boolean" | "bool") => FieldType::Boolean,
        _ => FieldType::String,
    };
    let text = |k: &str| def.get(k).and_then(Value::as_str).map(str::to_owned);
    FieldDef {
        kind,
        required: def
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        label: text("label"),
        help: text("help").or_else(|| text("description")),
        sensitive: kind == FieldType::String
            && def
                .get("sensitive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        choices: def
            .get("enum")
            .or_else(|| def.get("options"))
            .and_then(Value::as_array)
            .cloned(),
        default: def.get("default").cloned(),
        min: def.get("min").and_then(Value::as_f64),
        max: def.get("max").and_then(Value::as_f64),
    }
}

fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}
