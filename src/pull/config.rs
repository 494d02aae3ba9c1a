//! `pull_config`, the JSON an integration carries for PULL mode (DESIGN §11):
//! `{"fetcher": "json" | "rss" | "openweather", "timeout": <ms>, "rate_limit": <per minute>,
//!   "query": {name: template}, "headers": {name: template}, "mapping": {field: <JSON pointer>}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::template::Template;
use crate::mapping::{self, Mapping};

/// Default request timeout, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 5000;
/// Allowed request timeouts, in milliseconds.
pub const TIMEOUT_RANGE_MS: std::ops::RangeInclusive<u64> = 100..=60_000;
/// Allowed rate limits, in requests per minute per integration.
pub const RATE_LIMIT_RANGE: std::ops::RangeInclusive<u32> = 1..=6_000;

/// Which fetcher turns the response into widget data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FetcherKind {
    /// A JSON API, optionally mapped with JSON pointers.
    #[default]
    Json,
    /// RSS 2.0, RSS 1.0, Atom or JSON Feed.
    Rss,
    /// OpenWeather current weather.
    Openweather,
}

/// PULL settings of an integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullConfig {
    /// The fetcher.
    #[serde(default)]
    pub fetcher: FetcherKind,
    /// Request timeout in milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout: u64,
    /// Requests per minute across all data keys of the integration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    /// Query parameters: name → template.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Request headers: name → template.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Field mapping applied to a JSON response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}

impl Default for PullConfig {
    fn default() -> Self {
        Self {
            fetcher: FetcherKind::Json,
            timeout: DEFAULT_TIMEOUT_MS,
            rate_limit: None,
            query: BTreeMap::new(),
            headers: BTreeMap::new(),
            mapping: None,
        }
    }
}

/// Headers Millrace sets itself or that would break the request.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "if-none-match",
    "if-modified-since",
];

impl PullConfig {
    /// Checks values and templates. Returns `(path, message)` pairs, `path` relative to
    /// `pull_config` (e.g. `timeout`, `headers.X-Api-Key`).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if !TIMEOUT_RANGE_MS.contains(&self.timeout) {
            problems.push((
                "timeout".to_owned(),
                format!(
                    "must be between {} and {} milliseconds",
                    TIMEOUT_RANGE_MS.start(),
                    TIMEOUT_RANGE_MS.end()
                ),
            ));
        }
        if let Some(rl) = self.rate_limit {
            if !RATE_LIMIT_RANGE.contains(&rl) {
                problems.push((
                    "rate_limit".to_owned(),
                    format!(
                        "must be between {} and {} requests per minute",
                        RATE_LIMIT_RANGE.start(),
                        RATE_LIMIT_RANGE.end()
                    ),
                ));
            }
        }
        for (name, value) in &self.query {
            if name.is_empty() {
                problems.push((
                    "query".to_owned(),
                    "a query parameter needs a name".to_owned(),
                ));
            }
            if let Err(e) = Template::parse(value) {
                problems.push((format!("query.{name}"), e.to_string()));
            }
        }
        for (name, value) in &self.headers {
            let path = format!("headers.{name}");
            if axum::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                problems.push((path.clone(), format!("'{name}' is not a valid header name")));
            } else if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                problems.push((path.clone(), format!("'{name}' is set by Millrace itself")));
            }
            if let Err(e) = Template::parse(value) {
                problems.push((path, e.to_string()));
            }
        }
        if let Some(m) = &self.mapping {
            if self.fetcher != FetcherKind::Json {
                problems.push((
                    "mapping".to_owned(),
                    "a mapping applies only to the json fetcher".to_owned(),
                ));
            }
            for (field, message) in mapping::validate(m) {
                problems.push((format!("mapping.{field}"), message));
            }
        }
        problems
    }

    /// Every template of the config (query values and header values), with where it sits.
    pub fn templates(&self) -> Vec<(String, Template)> {
        self.query
            .iter()
            .map(|(k, v)| (format!("query.{k}"), v))
            .chain(
                self.headers
                    .iter()
                    .map(|(k, v)| (format!("headers.{k}"), v)),
            )
            .filter_map(|(path, v)| Template::parse(v).ok().map(|t| (path, t)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_round_trip() {
        let c: PullConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(c, PullConfig::default());
        let c: PullConfig = serde_json::from_value(json!({
            "fetcher": "openweather", "timeout": 3000, "rate_limit": 60,
            "query": {"lat": "{{options.latitude}}", "appid": "{{credentials.api_key}}"}
        }))
        .unwrap();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        let back: PullConfig = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_fields_and_fetchers_are_rejected_by_name() {
        let e = serde_json::from_value::<PullConfig>(json!({"timout": 5})).unwrap_err();
        assert!(e.to_string().contains("timout"), "{e}");
        let e = serde_json::from_value::<PullConfig>(json!({"fetcher": "xml"})).unwrap_err();
        assert!(e.to_string().contains("xml"), "{e}");
    }

    #[test]
    fn validation_names_each_problem() {
        let c: PullConfig = serde_json::from_value(json!({
            "fetcher": "rss", "timeout": 5, "rate_limit": 0,
            "headers": {"Host": "x", "bad header": "y", "X-Key": "{{creds.k}}"},
            "mapping": {"t": "main.temp"}
        }))
        .unwrap();
        let paths: Vec<String> = c.validate().into_iter().map(|(p, _)| p).collect();
        for expected in [
            "timeout",
            "rate_limit",
            "headers.Host",
            "headers.bad header",
            "headers.X-Key",
            "mapping",
            "mapping.t",
        ] {
            assert!(
                paths.iter().any(|p| p == expected),
                "missing {expected} in {paths:?}"
            );
        }
    }
}
