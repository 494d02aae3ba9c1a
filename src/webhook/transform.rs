//! Transforms: how a verified, parsed payload becomes the widget data that players are served.
//!
//! - `passthrough`: the payload is the data.
//! - `castmill`: Castmill's `{"data": {...}}` envelope; the data is the inner object.
//! - `facebook`: the guide's `transform_payload` for a Meta Page `feed` change, extended (see
//!   [`facebook`]).
//! - `{"mapping": {field: pointer}}`: the shared JSON-pointer mapping ([`crate::mapping`]).
//!
//! A transform error means the payload does not have the expected shape; the caller keeps the last
//! good data and records the error on the delivery.

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::config::{NamedTransform, TransformConfig};
use crate::mapping::{self, MappingError};

/// Why a payload could not be transformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    /// The `castmill` transform got something other than `{"data": {...}}`.
    #[error("expected a {{\"data\": {{...}}}} envelope")]
    NotAnEnvelope,
    /// The `facebook` transform got something other than a Meta change notification; the text
    /// says which part is missing.
    #[error("not a Meta change notification: {0}")]
    NotAMetaChange(&'static str),
    /// The mapping selected nothing.
    #[error(transparent)]
    Mapping(#[from] MappingError),
}

/// Turns a verified payload into widget data.
///
/// # Errors
/// [`TransformError`] when the payload does not have the shape the transform needs.
pub fn apply(cfg: &TransformConfig, payload: &Value) -> Result<Value, TransformError> {
    match cfg {
        TransformConfig::Named(NamedTransform::Passthrough) => Ok(payload.clone()),
        TransformConfig::Named(NamedTransform::Castmill) => payload
            .get("data")
            .filter(|d| d.is_object())
            .cloned()
            .ok_or(TransformError::NotAnEnvelope),
        TransformConfig::Named(NamedTransform::Facebook) => facebook(payload),
        TransformConfig::Mapping { mapping } => Ok(mapping::apply(mapping, payload)?),
    }
}

/// The guide's `transform_payload`: from `entry[0].changes[0].value` it keeps `message`,
/// `created_time`, `from` and `permalink_url` under those names (`null` when absent, as in the
/// guide), and adds `post_id`, `verb`, `item` and `created_at` — `created_time` as ISO 8601 UTC
/// (`2018-03-07T00:46:11Z`) whether Meta sent unix seconds or a date string (RFC 3339 or Graph's
/// `+0000` form), `null` if it is neither.
///
/// A `verb: "remove"` change carries no post to show; it becomes
/// `{"removed": true, "verb": "remove", "post_id": …, "item": …}` so a display can drop that post
/// instead of showing an empty one.
///
/// Only the first change of the first entry is used, as in the guide; Meta batches rarely hold
/// more than one for a single page.
///
/// # Errors
/// [`TransformError::NotAMetaChange`] if `entry[0]`, `changes[0]` or the `value` object is
/// missing.
pub fn facebook(payload: &Value) -> Result<Value, TransformError> {
    let entry =
        payload
            .get("entry")
            .and_then(|e| e.get(0))
            .ok_or(TransformError::NotAMetaChange(
                "the payload has no entry[0] (expected {\"entry\": [{\"changes\": [...]}]})",
            ))?;
    let change = entry
        .get("changes")
        .and_then(|c| c.get(0))
        .ok_or(TransformError::NotAMetaChange("entry[0] has no changes[0]"))?;
    let value =
        change
            .get("value")
            .filter(|v| v.is_object())
            .ok_or(TransformError::NotAMetaChange(
                "entry[0].changes[0] has no value object",
            ))?;
    let field = |name: &str| value.get(name).cloned().unwrap_or(Value::Null);
    if value.get("verb").and_then(Value::as_str) == Some("remove") {
        return Ok(json!({
            "removed": true,
            "verb": "remove",
            "post_id": field("post_id"),
            "item": field("item"),
        }));
    }
    let created_at = value
        .get("created_time")
        .and_then(iso_utc)
        .map_or(Value::Null, Value::String);
    let mut out = Map::new();
    for name in [
        "message",
        "created_time",
        "from",
        "permalink_url",
        "post_id",
        "verb",
        "item",
    ] {
        out.insert(name.to_owned(), field(name));
    }
    out.insert("created_at".to_owned(), created_at);
    Ok(Value::Object(out))
}

/// A Meta time — unix seconds (number or digit string), RFC 3339, or Graph's
/// `2018-03-07T00:46:11+0000` — as ISO 8601 UTC.
fn iso_utc(time: &Value) -> Option<String> {
    let at = match time {
        Value::Number(n) => {
            let secs = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            })?;
            OffsetDateTime::from_unix_timestamp(secs).ok()?
        }
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            OffsetDateTime::from_unix_timestamp(s.parse().ok()?).ok()?
        }
        Value::String(s) => OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .or_else(|| parse_graph_time(s))?,
        _ => return None,
    };
    at.to_offset(UtcOffset::UTC).format(&Rfc3339).ok()
}

/// Graph API's `YYYY-MM-DDTHH:MM:SS+hhmm` (offset without a colon).
fn parse_graph_time(s: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(s, format).ok().or_else(|| {
        // Some Meta fields omit the offset; they are UTC.
        let local =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        PrimitiveDateTime::parse(s, local)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::config::NamedTransform;

    /// The realistic Page feed change from the payload reference.
    fn meta_feed(created_time: Value, verb: &str) -> Value {
        json!({"object": "page",
          "entry": [{"id": "1234567890", "time": 1520383571,
            "changes": [{"field": "feed", "value": {
              "from": {"id": "1067280970047460", "name": "Example Page"},
              "item": "status", "post_id": "1234567890_9876543210", "verb": verb, "published": 1,
              "created_time": created_time, "message": "Example post content.",
              "permalink_url": "https://www.facebook.com/1234567890/posts/9876543210"}}]}]})
    }

    fn named(t: NamedTransform) -> TransformConfig {
        TransformConfig::Named(t)
    }

    #[test]
    fn facebook_keeps_the_guides_fields_and_adds_ours() {
        let out = apply(
            &named(NamedTransform::Facebook),
            &meta_feed(json!(1520383571), "add"),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({
                "message": "Example post content.",
                "created_time": 1520383571,
                "from": {"id": "1067280970047460", "name": "Example Page"},
                "permalink_url": "https://www.facebook.com/1234567890/posts/9876543210",
                "post_id": "1234567890_9876543210",
                "verb": "add",
                "item": "status",
                "created_at": "2018-03-07T00:46:11Z",
            })
        );
    }

    #[test]
    fn facebook_normalises_string_times_to_utc() {
        for (time, expected) in [
            (
                json!("2018-03-07T00:46:11+0000"),
                json!("2018-03-07T00:46:11Z"),
            ),
            (
                json!("2018-03-07T01:46:11+0100"),
                json!("2018-03-07T00:46:11Z"),
            ),
            (json!("2018-03-07T00:46:11Z"), json!("2018-03-07T00:46:11Z")),
            (
                json!("2018-03-06T19:46:11-05:00"),
                json!("2018-03-07T00:46:11Z"),
            ),
            (json!("2018-03-07T00:46:11"), json!("2018-03-07T00:46:11Z")),
            (json!("1520383571"), json!("2018-03-07T00:46:11Z")),
            (json!(1520383571.0), json!("2018-03-07T00:46:11Z")),
            (json!("yesterday"), Value::Null),
            (json!(null), Value::Null),
            (json!(i64::MAX), Value::Null),
        ] {
            let out = facebook(&meta_feed(time.clone(), "edited")).unwrap();
            assert_eq!(out["created_at"], expected, "{time}");
            // `created_time` itself is kept exactly as Meta sent it, like the guide.
            assert_eq!(out["created_time"], time);
            assert_eq!(out["verb"], "edited");
        }
    }

    #[test]
    fn facebook_turns_a_removal_into_a_marker() {
        let out = facebook(&meta_feed(json!(1520383571), "remove")).unwrap();
        assert_eq!(
            out,
            json!({"removed": true, "verb": "remove", "post_id": "1234567890_9876543210", "item": "status"})
        );
    }

    #[test]
    fn facebook_missing_fields_are_null_like_the_guide() {
        let p = json!({"entry": [{"changes": [{"value": {"verb": "add"}}]}]});
        let out = facebook(&p).unwrap();
        assert_eq!(out["message"], Value::Null);
        assert_eq!(out["created_at"], Value::Null);
        assert_eq!(out["verb"], "add");
    }

    #[test]
    fn facebook_names_the_missing_part() {
        for (payload, part) in [
            (json!({"object": "page"}), "entry[0]"),
            (json!({"entry": []}), "entry[0]"),
            (json!({"entry": "x"}), "entry[0]"),
            (json!([1]), "entry[0]"),
            (json!({"entry": [{"id": "1"}]}), "changes[0]"),
            (json!({"entry": [{"changes": []}]}), "changes[0]"),
            (
                json!({"entry": [{"changes": [{"field": "feed"}]}]}),
                "value",
            ),
            (
                json!({"entry": [{"changes": [{"value": "text"}]}]}),
                "value",
            ),
        ] {
            let err = apply(&named(NamedTransform::Facebook), &payload).unwrap_err();
            assert!(matches!(err, TransformError::NotAMetaChange(_)));
            assert!(err.to_string().contains(part), "{payload}: {err}");
        }
    }

    #[test]
    fn castmill_unwraps_the_data_envelope() {
        let p = json!({"data": {"title": "Hello", "items": [1, 2]}, "meta": {"sent": 1}});
        assert_eq!(
            apply(&named(NamedTransform::Castmill), &p).unwrap(),
            json!({"title": "Hello", "items": [1, 2]})
        );
        for bad in [
            json!({"title": "Hello"}),
            json!({"data": [1, 2]}),
            json!({"data": "x"}),
            json!({"data": null}),
            json!("data"),
        ] {
            let err = apply(&named(NamedTransform::Castmill), &bad).unwrap_err();
            assert_eq!(err, TransformError::NotAnEnvelope);
            assert_eq!(err.to_string(), "expected a {\"data\": {...}} envelope");
        }
    }

    #[test]
    fn passthrough_returns_the_payload() {
        let p = json!({"anything": [1, {"x": null}]});
        assert_eq!(apply(&named(NamedTransform::Passthrough), &p).unwrap(), p);
    }

    #[test]
    fn mapping_selects_fields_and_reports_a_wrong_shape() {
        let cfg: TransformConfig = serde_json::from_value(json!({"mapping": {
            "text": "/entry/0/changes/0/value/message",
            "author": "/entry/0/changes/0/value/from/name",
        }}))
        .unwrap();
        assert_eq!(
            apply(&cfg, &meta_feed(json!(1520383571), "add")).unwrap(),
            json!({"text": "Example post content.", "author": "Example Page"})
        );
        let err = apply(&cfg, &json!({"other": 1})).unwrap_err();
        assert!(matches!(err, TransformError::Mapping(_)), "{err}");
        assert!(err.to_string().contains("/entry/0/changes/0/value/message"));
    }
}
