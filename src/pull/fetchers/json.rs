//! The `json` fetcher: the body is JSON; without a `mapping` it is the widget data as it is,
//! with one the mapping builds the data (`crate::mapping::apply`).

use std::borrow::Cow;

use serde_json::Value;

use super::{charset_of, looks_like_html, media_type_of, Body, BodyError};
use crate::mapping::{self, Mapping};

/// Parses a JSON body (UTF-8, a BOM tolerated; another charset only when the `Content-Type`
/// names one) and applies `mapping`.
///
/// # Errors
/// [`BodyError`] for an empty body, invalid JSON (saying so when it is an HTML page) or a
/// mapping that matches nothing.
pub fn widget_data(body: &Body<'_>, mapping: Option<&Mapping>) -> Result<Value, BodyError> {
    let value = parse(body)?;
    match mapping {
        Some(m) => mapping::apply(m, &value).map_err(|e| BodyError(e.to_string())),
        None => Ok(value),
    }
}

/// Parses a JSON body into a value.
///
/// # Errors
/// See [`widget_data`].
pub fn parse(body: &Body<'_>) -> Result<Value, BodyError> {
    if body.bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError("the response is empty".to_owned()));
    }
    let text = utf8(body);
    serde_json::from_slice(&text).map_err(|e| {
        if looks_like_html(body.bytes, body.content_type) {
            BodyError("the response is an HTML page, not JSON".to_owned())
        } else {
            let label = media_type_of(body.content_type)
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            BodyError(format!("the response is not valid JSON{label}: {e}"))
        }
    })
}

/// The body as UTF-8 bytes: the BOM removed, and transcoded when the `Content-Type` names
/// another charset (JSON is UTF-8 by RFC 8259, but old APIs exist).
fn utf8<'b>(body: &Body<'b>) -> Cow<'b, [u8]> {
    let bytes = body
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(body.bytes);
    match charset_of(body.content_type).and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
    {
        Some(enc) if enc != encoding_rs::UTF_8 => {
            let (text, _, _) = enc.decode(bytes);
            Cow::Owned(text.into_owned().into_bytes())
        }
        _ => Cow::Borrowed(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use url::Url;

    fn body<'a>(bytes: &'a [u8], url: &'a Url, ct: Option<&'a str>) -> Body<'a> {
        Body {
            bytes,
            url,
            content_type: ct,
        }
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/pull/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn without_mapping_the_body_is_the_data() {
        let url = Url::parse("https://api.example.com/v2/departures").unwrap();
        let bytes = fixture("transit_departures.json");
        let data = widget_data(&body(&bytes, &url, Some("application/json")), None).unwrap();
        let expected: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(data, expected);
    }

    #[test]
    fn mapping_selects_fields_of_the_fixture() {
        let url = Url::parse("https://api.example.com/v2/departures").unwrap();
        let bytes = fixture("transit_departures.json");
        let mapping: Mapping = [
            ("stop", "/stop/name"),
            ("next_line", "/departures/0/line/name"),
            ("next_due", "/departures/0/expected"),
            ("departures", "/departures"),
            ("alert", "/alerts/0/header"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        let data = widget_data(&body(&bytes, &url, None), Some(&mapping)).unwrap();
        assert_eq!(data["stop"], json!("Fenwick Road / Market Square"));
        assert_eq!(data["next_line"], json!("14"));
        assert_eq!(data["next_due"], json!("2025-03-07T08:41:30+00:00"));
        assert_eq!(data["departures"].as_array().unwrap().len(), 4);
        assert_eq!(
            data["alert"],
            json!("Line 7: diverted via Orchard Lane until 12:00")
        );
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let url = Url::parse("https://api.example.com/").unwrap();
        let e = widget_data(&body(b"  \n", &url, None), None).unwrap_err();
        assert_eq!(e.0, "the response is empty");
        let html = fixture("fail_not_a_feed.html");
        let e = widget_data(&body(&html, &url, Some("text/html")), None).unwrap_err();
        assert_eq!(e.0, "the response is an HTML page, not JSON");
        let e =
            widget_data(&body(br#"{"a": 1"#, &url, Some("application/json")), None).unwrap_err();
        assert!(
            e.0.starts_with("the response is not valid JSON (application/json): "),
            "{e}"
        );
        let mapping: Mapping = [("t".to_owned(), "/main/temp".to_owned())].into();
        let e = widget_data(&body(br#"{"a": 1}"#, &url, None), Some(&mapping)).unwrap_err();
        assert!(e.0.contains("/main/temp"), "{e}");
    }

    #[test]
    fn a_bom_and_a_declared_charset_are_handled() {
        let url = Url::parse("https://api.example.com/").unwrap();
        let data = widget_data(&body(b"\xEF\xBB\xBF{\"a\": 1}", &url, None), None).unwrap();
        assert_eq!(data, json!({"a": 1}));
        // "Café" in ISO-8859-1.
        let data = widget_data(
            &body(
                b"{\"name\": \"Caf\xE9\"}",
                &url,
                Some("application/json; charset=iso-8859-1"),
            ),
            None,
        )
        .unwrap();
        assert_eq!(data, json!({"name": "Café"}));
    }
}
