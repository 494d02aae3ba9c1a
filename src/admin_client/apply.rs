//! Files an admin applies, turned into admin API requests.
//!
//! - Integrations: a definitions document as `GET /export` writes it, one integration definition
//!   (optionally with `"widget_configs": [...]`), or an array of them, all imported with
//!   `on_conflict=update`: an integration is matched by `widget` and `name`.
//! - So that applying the same file twice updates instead of duplicating, a widget config
//!   without an `id` takes the id of the existing widget config of the same name in the same
//!   integration ([`match_existing`]). Widget configs not in the file are left alone.
//! - Widget configs: one object, created, or updated when it has an `id`; the read-only fields of
//!   `widget-configs show` (`created_at`, `updated_at`, `credentials`) are dropped, so its output
//!   can be edited and applied back.
//!
//! Validation stays with the hub: these functions only shape the JSON, so every problem is
//! reported by the hub with its field path.

use serde_json::{json, Map, Value};

use super::{IntegrationView, WidgetConfigView};
use crate::definitions::{FORMAT, FORMAT_VERSION};

/// A file that cannot be applied as it is.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Not the expected JSON shape.
    #[error("{0}")]
    Shape(String),
    /// A widget config without an `id` names several existing ones.
    #[error("integrations[{index}].widget_configs[{position}]: the name '{name}' matches {count} widget configs of integration {integration}; add the \"id\" of the one to update")]
    AmbiguousName {
        /// The integration's index in the document.
        index: usize,
        /// The widget config's index in the integration.
        position: usize,
        /// The existing integration.
        integration: i64,
        /// The name.
        name: String,
        /// How many match.
        count: usize,
    },
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The definitions document to import for a file's JSON: a document (an object with `format`
/// or `integrations`) as it is; one integration definition, or an array of them, wrapped.
///
/// # Errors
/// [`ApplyError::Shape`] for anything but an object or an array.
pub fn definitions_document(value: Value) -> Result<Value, ApplyError> {
    let integrations = match value {
        Value::Object(o) if o.contains_key("format") || o.contains_key("integrations") => {
            return Ok(Value::Object(o));
        }
        Value::Object(o) => vec![Value::Object(o)],
        Value::Array(items) => items,
        other => {
            return Err(ApplyError::Shape(format!(
                "the file holds {}; expected a definitions document (as `millrace integrations export` writes it), an integration definition object, or an array of them",
                kind(&other)
            )))
        }
    };
    Ok(json!({"format": FORMAT, "version": FORMAT_VERSION, "integrations": integrations}))
}

/// What importing a document will do to one of its integrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Its widget.
    pub widget: String,
    /// Its name.
    pub name: String,
    /// The existing integration it will update; `None` when it will be created.
    pub existing: Option<i64>,
    /// How many widget configs the file gives it.
    pub widget_configs: usize,
}

fn text(o: &Map<String, Value>, key: &str) -> String {
    o.get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Plans the import of `doc` (from [`definitions_document`]) against what the hub holds, and
/// gives each widget config without an `id` the id of the only existing widget config of the
/// same name in the same integration. Items of the wrong shape are left for the hub to report.
///
/// # Errors
/// [`ApplyError::AmbiguousName`] when such a name matches several widget configs.
pub fn match_existing(
    doc: &mut Value,
    integrations: &[IntegrationView],
    widget_configs: &[WidgetConfigView],
) -> Result<Vec<Planned>, ApplyError> {
    let mut plan = Vec::new();
    let Some(items) = doc.get_mut("integrations").and_then(Value::as_array_mut) else {
        return Ok(plan);
    };
    for (index, item) in items.iter_mut().enumerate() {
        let Some(def) = item.as_object_mut() else {
            continue;
        };
        let (widget, name) = (text(def, "widget"), text(def, "name"));
        let existing = integrations
            .iter()
            .find(|i| i.integration.widget == widget && i.integration.name == name)
            .map(|i| i.integration.id);
        let configs = def.get_mut("widget_configs").and_then(Value::as_array_mut);
        let count = configs.as_ref().map_or(0, |c| c.len());
        if let (Some(integration), Some(configs)) = (existing, configs) {
            for (position, wc) in configs.iter_mut().enumerate() {
                let Some(wc) = wc.as_object_mut() else {
                    continue;
                };
                if wc.contains_key("id") {
                    continue;
                }
                let wc_name = text(wc, "name");
                let same: Vec<&WidgetConfigView> = widget_configs
                    .iter()
                    .filter(|w| {
                        w.widget_config.integration_id == integration
                            && w.widget_config.name == wc_name
                    })
                    .collect();
                match same.as_slice() {
                    [] => {}
                    [one] => {
                        wc.insert("id".to_owned(), Value::String(one.widget_config.id.clone()));
                    }
                    many => {
                        return Err(ApplyError::AmbiguousName {
                            index,
                            position,
                            integration,
                            name: wc_name,
                            count: many.len(),
                        })
                    }
                }
            }
        }
        plan.push(Planned {
            widget,
            name,
            existing,
            widget_configs: count,
        });
    }
    Ok(plan)
}

/// What `widget-configs apply` sends for a file.
#[derive(Debug, Clone, PartialEq)]
pub enum WidgetConfigRequest {
    /// `POST /widget-configs` with this body.
    Create(Value),
    /// `PUT /widget-configs/{id}` with this body.
    Update {
        /// The widget config.
        id: String,
        /// The body.
        body: Value,
    },
}

/// The request for a widget config file: an update when it has an `id`, else a create; the
/// read-only fields of the admin API's answer are dropped.
///
/// # Errors
/// [`ApplyError::Shape`] when it is not an object or its `id` is not a string.
pub fn widget_config_request(value: Value) -> Result<WidgetConfigRequest, ApplyError> {
    let Value::Object(mut o) = value else {
        return Err(ApplyError::Shape(format!(
            "the file holds {}; expected a widget config object such as {{\"integration_id\": 1, \"name\": \"Lobby\", \"options\": {{}}}}",
            kind(&value)
        )));
    };
    for read_only in ["created_at", "updated_at", "credentials"] {
        o.remove(read_only);
    }
    match o.remove("id") {
        None | Some(Value::Null) => Ok(WidgetConfigRequest::Create(Value::Object(o))),
        Some(Value::String(id)) if !id.trim().is_empty() => Ok(WidgetConfigRequest::Update {
            id: id.trim().to_owned(),
            body: Value::Object(o),
        }),
        Some(other) => Err(ApplyError::Shape(format!(
            "id: must be the widget config's id (a string), not {}",
            kind(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integration(id: i64, widget: &str, name: &str) -> IntegrationView {
        serde_json::from_value(json!({
            "id": id, "widget": widget, "name": name, "description": "",
            "integration_type": "push", "credential_scope": "organization",
            "credential_schema": {}, "config_schema": {}, "pull_endpoint": null,
            "pull_interval_seconds": null, "pull_config": {}, "push_config": null,
            "data_key": "organization", "is_active": true, "created_at": "t", "updated_at": "t",
            "credentials": null, "widget_config_count": 0
        }))
        .unwrap()
    }

    fn widget_config(id: &str, integration_id: i64, name: &str) -> WidgetConfigView {
        serde_json::from_value(json!({
            "id": id, "integration_id": integration_id, "name": name, "options": {},
            "is_active": true, "created_at": "t", "updated_at": "t", "credentials": null
        }))
        .unwrap()
    }

    #[test]
    fn documents_pass_and_definitions_are_wrapped() {
        let doc = json!({"format": FORMAT, "version": 1, "integrations": []});
        assert_eq!(definitions_document(doc.clone()).unwrap(), doc);
        let one = json!({"widget": "rss", "name": "News"});
        let wrapped = definitions_document(one.clone()).unwrap();
        assert_eq!(wrapped["format"], FORMAT);
        assert_eq!(wrapped["version"], FORMAT_VERSION);
        assert_eq!(wrapped["integrations"], json!([one]));
        let many = json!([{"widget": "a", "name": "x"}, {"widget": "b", "name": "y"}]);
        assert_eq!(
            definitions_document(many.clone()).unwrap()["integrations"],
            many
        );
        let e = definitions_document(json!("nope")).unwrap_err();
        assert!(e.to_string().contains("a string"), "{e}");
    }

    #[test]
    fn existing_integrations_are_planned_as_updates_and_widget_configs_matched_by_name() {
        let mut doc = definitions_document(json!([
            {"widget": "rss", "name": " News ", "widget_configs": [
                {"name": "Lobby"}, {"name": "New"}, {"id": "kept", "name": "Lobby"}]},
            {"widget": "rss", "name": "Other", "widget_configs": [{"name": "Lobby"}]}
        ]))
        .unwrap();
        let plan = match_existing(
            &mut doc,
            &[integration(7, "rss", "News")],
            &[
                widget_config("wc-lobby", 7, "Lobby"),
                widget_config("wc-elsewhere", 8, "New"),
            ],
        )
        .unwrap();
        assert_eq!(plan[0].existing, Some(7));
        assert_eq!(plan[0].widget_configs, 3);
        assert_eq!(
            plan[1].existing, None,
            "another name is another integration"
        );
        let wcs = &doc["integrations"][0]["widget_configs"];
        assert_eq!(wcs[0]["id"], "wc-lobby");
        assert!(
            wcs[1].get("id").is_none(),
            "a widget config of another integration is not matched"
        );
        assert_eq!(wcs[2]["id"], "kept", "an explicit id wins");
        assert!(
            doc["integrations"][1]["widget_configs"][0]
                .get("id")
                .is_none(),
            "a new integration's widget configs are created"
        );
    }

    #[test]
    fn an_ambiguous_name_is_refused_naming_it() {
        let mut doc = definitions_document(
            json!({"widget": "rss", "name": "News", "widget_configs": [{"name": "Lobby"}]}),
        )
        .unwrap();
        let e = match_existing(
            &mut doc,
            &[integration(7, "rss", "News")],
            &[
                widget_config("a", 7, "Lobby"),
                widget_config("b", 7, "Lobby"),
            ],
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("'Lobby'") && msg.contains("2 widget configs"),
            "{msg}"
        );
        assert!(msg.contains("integrations[0].widget_configs[0]"), "{msg}");
    }

    #[test]
    fn widget_config_files_create_or_update_without_read_only_fields() {
        let create = widget_config_request(json!({"integration_id": 1, "name": "A"})).unwrap();
        assert_eq!(
            create,
            WidgetConfigRequest::Create(json!({"integration_id": 1, "name": "A"}))
        );
        let shown = json!({"id": "abc", "integration_id": 1, "name": "A", "options": {},
            "is_active": true, "created_at": "t", "updated_at": "t", "credentials": null});
        assert_eq!(
            widget_config_request(shown).unwrap(),
            WidgetConfigRequest::Update {
                id: "abc".to_owned(),
                body: json!({"integration_id": 1, "name": "A", "options": {}, "is_active": true})
            }
        );
        assert!(widget_config_request(json!({"id": 5})).is_err());
        assert!(widget_config_request(json!([])).is_err());
    }
}
