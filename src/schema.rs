//! `credential_schema` and `config_schema`: maps of field name →
//! `{type, required, label, help, sensitive, enum, default, min, max}` (the guide's format).
//!
//! A schema drives server-side validation (field-level 422s) and the forms the UI generates, so
//! it is itself validated when an integration is saved: known types, `enum` values of the field's
//! type, a `default` that would pass validation, `sensitive` only on strings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Text.
    String,
    /// Any JSON number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
}

impl FieldType {
    fn name(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Number => "a number",
            Self::Integer => "a whole number",
            Self::Boolean => "true or false",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            Self::String => v.is_string(),
            Self::Number => v.is_number(),
            Self::Integer => v.as_i64().is_some() || v.as_u64().is_some(),
            Self::Boolean => v.is_boolean(),
        }
    }
}

/// One field of a schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The value's type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Whether a value must be given (after defaults).
    #[serde(default)]
    pub required: bool,
    /// The form label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Help text under the form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// A secret: stored sealed and never returned (credential schemas only, strings only).
    #[serde(default)]
    pub sensitive: bool,
    /// The allowed values.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Value>>,
    /// The value used when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Numbers: the smallest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Numbers: the largest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// A schema: field name → definition, in the order given (forms show fields in that order).
pub type Schema = indexmap::IndexMap<String, FieldDef>;

/// Which kind of schema is being checked (they differ on `sensitive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// `credential_schema`.
    Credentials,
    /// `config_schema` (widget options are not secret).
    Config,
}

/// Problems, as `(path, message)`; paths are relative to the schema (`units.default`).
pub type Problems = Vec<(String, String)>;

fn valid_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks that a schema is well formed.
pub fn check_schema(schema: &Schema, kind: SchemaKind) -> Problems {
    let mut problems = Vec::new();
    for (name, def) in schema {
        if !valid_field_name(name) {
            problems.push((
                name.clone(),
                "field names use letters, digits, '_' and '-' (at most 64)".to_owned(),
            ));
        }
        if def.sensitive && kind == SchemaKind::Config {
            problems.push((
                format!("{name}.sensitive"),
                "widget options are not secret; put secret values in credential_schema".to_owned(),
            ));
        }
        if def.sensitive && def.kind != FieldType::String {
            problems.push((
                format!("{name}.sensitive"),
                "only string fields can be sensitive".to_owned(),
            ));
        }
        if def.sensitive && def.default.is_some() {
            problems.push((
                format!("{name}.default"),
                "a sensitive field cannot have a default".to_owned(),
            ));
        }
        if (def.min.is_some() || def.max.is_some())
            && !matches!(def.kind, FieldType::Number | FieldType::Integer)
        {
            problems.push((
                format!("{name}.min"),
                "min and max apply only to number and integer fields".to_owned(),
            ));
        }
        if let (Some(lo), Some(hi)) = (def.min, def.max) {
            if lo > hi {
                problems.push((format!("{name}.min"), "min is larger than max".to_owned()));
            }
        }
        if let Some(choices) = &def.choices {
            if choices.is_empty() {
                problems.push((
                    format!("{name}.enum"),
                    "must list at least one value".to_owned(),
                ));
            }
            for (i, c) in choices.iter().enumerate() {
                if !def.kind.accepts(c) {
                    problems.push((
                        format!("{name}.enum"),
                        format!("value {} (#{i}) is not {}", short(c), def.kind.name()),
                    ));
                }
            }
        }
        if let Some(d) = &def.default {
            if let Err(msg) = check_value(def, d) {
                problems.push((format!("{name}.default"), msg));
            }
        }
    }
    problems
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// Checks one value against its definition.
///
/// # Errors
/// A message saying what is wrong, without echoing sensitive values.
pub fn check_value(def: &FieldDef, v: &Value) -> Result<(), String> {
    if !def.kind.accepts(v) {
        return Err(format!("must be {}", def.kind.name()));
    }
    if let Some(choices) = &def.choices {
        if !choices.iter().any(|c| same(c, v)) {
            let list: Vec<String> = choices.iter().map(short).collect();
            return Err(format!("must be one of {}", list.join(", ")));
        }
    }
    if let Some(n) = v.as_f64() {
        if let Some(lo) = def.min {
            if n < lo {
                return Err(format!("must be at least {}", fmt_num(lo)));
            }
        }
        if let Some(hi) = def.max {
            if n > hi {
                return Err(format!("must be at most {}", fmt_num(hi)));
            }
        }
    }
    Ok(())
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Whether a value counts as "given" for `required` (null and "" do not).
fn is_given(v: &Value) -> bool {
    !(v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()))
}

/// Validates `values` against `schema`: unknown fields, types, enums and ranges; required fields
/// must be present after defaults are applied. Returns the values with defaults filled in.
///
/// # Errors
/// Every problem as `(field, message)`.
pub fn validate_values(
    schema: &Schema,
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, Problems> {
    let mut problems = Vec::new();
    let mut out = Map::new();
    for (name, v) in values {
        let Some(def) = schema.get(name) else {
            problems.push((name.clone(), format!("unknown field '{name}'")));
            continue;
        };
        if v.is_null() {
            continue;
        }
        match check_value(def, v) {
            Ok(()) => {
                out.insert(name.clone(), v.clone());
            }
            Err(msg) => problems.push((name.clone(), msg)),
        }
    }
    for (name, def) in schema {
        if !out.contains_key(name) {
            if let Some(d) = &def.default {
                out.insert(name.clone(), d.clone());
            }
        }
        if def.required
            && !out.get(name).is_some_and(is_given)
            && !problems.iter().any(|(f, _)| f == name)
        {
            problems.push((name.clone(), "is required".to_owned()));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(v: Value) -> Schema {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_guides_openweather_schemas_are_valid() {
        let creds = schema(json!({"api_key": {"type": "string", "required": true,
            "label": "API Key", "sensitive": true, "help": "Get your API key from openweathermap.org"}}));
        let config = schema(
            json!({"units": {"type": "string", "enum": ["metric", "imperial"],
            "default": "metric", "label": "Temperature Units"}}),
        );
        assert!(check_schema(&creds, SchemaKind::Credentials).is_empty());
        assert!(check_schema(&config, SchemaKind::Config).is_empty());
    }

    #[test]
    fn malformed_schemas_are_named() {
        let e = serde_json::from_value::<Schema>(json!({"a": {"type": "text"}})).unwrap_err();
        assert!(e.to_string().contains("text"), "{e}");
        let e = serde_json::from_value::<Schema>(json!({"a": {"type": "string", "lable": "x"}}))
            .unwrap_err();
        assert!(e.to_string().contains("lable"), "{e}");
        let s = schema(json!({
            "units": {"type": "string", "enum": ["metric", 3], "default": "kelvin"},
            "n": {"type": "integer", "default": 1.5, "min": 5, "max": 1},
            "k": {"type": "number", "sensitive": true},
            "bad name": {"type": "string"}
        }));
        let paths: Vec<String> = check_schema(&s, SchemaKind::Config)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        for p in [
            "units.enum",
            "units.default",
            "n.default",
            "n.min",
            "k.sensitive",
            "bad name",
        ] {
            assert!(paths.iter().any(|x| x == p), "missing {p} in {paths:?}");
        }
    }

    #[test]
    fn values_get_defaults_and_precise_errors() {
        let s = schema(json!({
            "latitude": {"type": "number", "required": true, "min": -90, "max": 90},
            "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"},
            "max_items": {"type": "integer", "default": 10}
        }));
        let out = validate_values(&s, json!({"latitude": 44.3}).as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"latitude": 44.3, "units": "metric", "max_items": 10})
        );

        let errs = validate_values(
            &s,
            json!({"latitude": 123, "units": "kelvin", "max_items": "ten", "extra": 1})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        let find = |f: &str| {
            errs.iter()
                .find(|(k, _)| k == f)
                .map(|(_, m)| m.clone())
                .unwrap()
        };
        assert_eq!(find("latitude"), "must be at most 90");
        assert!(find("units").contains("\"metric\", \"imperial\""));
        assert_eq!(find("max_items"), "must be a whole number");
        assert_eq!(find("extra"), "unknown field 'extra'");

        let errs = validate_values(&s, &Map::new()).unwrap_err();
        assert_eq!(
            errs,
            vec![("latitude".to_owned(), "is required".to_owned())]
        );
    }
}
