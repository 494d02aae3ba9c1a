//! Fetchers: turn a response body into widget data (DESIGN §11). Transport-free: they see the
//! bytes, the response URL (to resolve relative links) and the `Content-Type`, and nothing else.
//!
//! - [`json`]: the body as it is, or the `mapping` applied to it;
//! - [`rss`]: RSS 2.0, RSS 1.0, Atom or JSON Feed → `{feed_title, feed_link, items: [...]}`;
//! - [`openweather`]: OpenWeather current weather → `{temperature, condition, location, …}`.

use serde_json::Value;
use url::Url;

use super::config::{FetcherKind, PullConfig};
use crate::mapping::Mapping;

mod html;
pub mod json;
pub mod openweather;
pub mod rss;

/// A response body with what a fetcher needs to interpret it.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    /// The bytes, as received (after `Content-Encoding` decoding, before any charset decoding).
    pub bytes: &'a [u8],
    /// The URL the body came from, after redirects: the base for relative links.
    pub url: &'a Url,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
}

/// A body the fetcher cannot turn into widget data. The message is plain words for the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BodyError(pub String);

/// A fetcher with its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetcher {
    /// JSON, with an optional mapping.
    Json {
        /// `pull_config.mapping`.
        mapping: Option<Mapping>,
    },
    /// Any feed format.
    Rss,
    /// OpenWeather current weather.
    Openweather {
        /// The `units` query value sent: `metric`, `imperial` or `standard` (the API's default,
        /// Kelvin, when none was sent).
        units: String,
    },
}

/// `Accept` for JSON APIs.
pub const ACCEPT_JSON: &str = "application/json";
/// `Accept` for feeds: every feed format first, then any XML, then anything (many servers label
/// feeds `text/html` or `application/octet-stream`).
pub const ACCEPT_FEEDS: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

impl Fetcher {
    /// The fetcher `config` asks for; `url` is the request URL (OpenWeather reads `units` from it).
    pub fn from_config(config: &PullConfig, url: &Url) -> Self {
        match config.fetcher {
            FetcherKind::Json => Self::Json {
                mapping: config.mapping.clone(),
            },
            FetcherKind::Rss => Self::Rss,
            FetcherKind::Openweather => Self::Openweather {
                units: openweather::units_of(url).to_owned(),
            },
        }
    }

    /// The kind.
    pub fn kind(&self) -> FetcherKind {
        match self {
            Self::Json { .. } => FetcherKind::Json,
            Self::Rss => FetcherKind::Rss,
            Self::Openweather { .. } => FetcherKind::Openweather,
        }
    }

    /// The `Accept` header this fetcher sends.
    pub fn accept(&self) -> &'static str {
        match self {
            Self::Json { .. } | Self::Openweather { .. } => ACCEPT_JSON,
            Self::Rss => ACCEPT_FEEDS,
        }
    }

    /// Turns a successful response body into widget data.
    ///
    /// # Errors
    /// [`BodyError`] when the body is empty, unparsable or of the wrong shape.
    pub fn widget_data(&self, body: &Body<'_>) -> Result<Value, BodyError> {
        match self {
            Self::Json { mapping } => json::widget_data(body, mapping.as_ref()),
            Self::Rss => rss::widget_data(body),
            Self::Openweather { units } => openweather::widget_data(body, units),
        }
    }
}

/// The `charset` parameter of a `Content-Type`, unquoted.
fn charset_of(content_type: Option<&str>) -> Option<&str> {
    content_type?.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']))
            .filter(|v| !v.is_empty())
    })
}

/// The media type of a `Content-Type`, lowercased, without parameters.
fn media_type_of(content_type: Option<&str>) -> Option<String> {
    let essence = content_type?.split(';').next()?.trim();
    (!essence.is_empty()).then(|| essence.to_ascii_lowercase())
}

/// Whether the body (or its label) is an HTML page: the usual answer of a login wall, a captive
/// portal or a wrong URL.
fn looks_like_html(bytes: &[u8], content_type: Option<&str>) -> bool {
    if media_type_of(content_type).as_deref() == Some("text/html") {
        return true;
    }
    let start: Vec<u8> = bytes
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// A message the upstream put in an error response body, for the admin, if it has one: JSON
/// `message`, `error_description` or `error` as text, single-line and short.
pub fn upstream_message(bytes: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let text = ["message", "error_description", "error"]
        .iter()
        .find_map(|k| value.get(*k)?.as_str())?;
    let text = html::collapse_whitespace(text);
    (!text.is_empty()).then(|| html::truncate(&text, 200))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parts() {
        assert_eq!(
            charset_of(Some("text/xml; charset=\"ISO-8859-1\"")),
            Some("ISO-8859-1")
        );
        assert_eq!(charset_of(Some("application/json")), None);
        assert_eq!(
            media_type_of(Some("Text/HTML; charset=utf-8")).as_deref(),
            Some("text/html")
        );
        assert!(looks_like_html(b"  <!DOCTYPE html><html>", None));
        assert!(!looks_like_html(b"<rss>", Some("text/xml")));
    }

    #[test]
    fn upstream_messages_are_short_and_single_line() {
        assert_eq!(
            upstream_message(br#"{"cod":"404","message":"city\n not found"}"#).as_deref(),
            Some("city not found")
        );
        assert_eq!(upstream_message(b"<html>"), None);
        assert_eq!(upstream_message(br#"{"error": {"code": 1}}"#), None);
    }
}
