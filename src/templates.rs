//! Built-in integration templates (DESIGN §8): complete definitions an admin creates with one
//! click and adjusts. Each is validated by a test, so a template can never produce an invalid
//! integration.

use serde::Serialize;
use serde_json::{json, Value};

/// A template.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationTemplate {
    /// Its id, used in `{"template": "<id>"}`.
    pub id: &'static str,
    /// A short title.
    pub title: &'static str,
    /// What it is for and what the admin needs.
    pub description: &'static str,
    /// The integration definition (an `IntegrationInput` as JSON).
    pub integration: Value,
}

/// Every built-in template.
pub fn all() -> Vec<IntegrationTemplate> {
    vec![
        IntegrationTemplate {
            id: "openweather",
            title: "OpenWeather current weather",
            description: "The current weather for a location from OpenWeather. Needs a free API key from openweathermap.org.",
            integration: json!({
                "widget": "weather",
                "name": "OpenWeather",
                "description": "Current weather from OpenWeather for each widget's location.",
                "integration_type": "pull",
                "credential_scope": "organization",
                "credential_schema": {
                    "api_key": {"type": "string", "required": true, "sensitive": true, "label": "API key",
                        "help": "Your OpenWeather API key (openweathermap.org → My API keys). A new key can take up to two hours to start working."}
                },
                "config_schema": {
                    "latitude": {"type": "number", "required": true, "min": -90, "max": 90, "label": "Latitude",
                        "help": "Decimal degrees, e.g. 51.5074 for London."},
                    "longitude": {"type": "number", "required": true, "min": -180, "max": 180, "label": "Longitude",
                        "help": "Decimal degrees, e.g. -0.1278 for London."},
                    "units": {"type": "string", "enum": ["metric", "imperial", "standard"], "default": "metric",
                        "label": "Units", "help": "metric: °C and m/s; imperial: °F and mph; standard: kelvin and m/s."},
                    "lang": {"type": "string", "default": "en", "label": "Language",
                        "help": "Language of the weather description, as an OpenWeather language code (en, es, de, fr…)."}
                },
                "pull_endpoint": "https://api.openweathermap.org/data/2.5/weather",
                "pull_interval_seconds": 1800,
                "pull_config": {
                    "fetcher": "openweather", "timeout": 5000, "rate_limit": 60,
                    "query": {"lat": "{{options.latitude}}", "lon": "{{options.longitude}}",
                              "units": "{{options.units}}", "lang": "{{options.lang}}",
                              "appid": "{{credentials.api_key}}"}
                },
                "data_key": "widget_config"
            }),
        },
        IntegrationTemplate {
            id: "rss",
            title: "RSS / Atom feed",
            description: "Headlines from any RSS, Atom or JSON Feed. Widgets showing the same feed share one fetch.",
            integration: json!({
                "widget": "rss",
                "name": "RSS feed",
                "description": "Headlines from an RSS, Atom or JSON Feed.",
                "integration_type": "pull",
                "config_schema": {
                    "feed_url": {"type": "string", "required": true, "label": "Feed URL",
                        "help": "The address of the feed, e.g. https://hnrss.org/frontpage."},
                    "max_items": {"type": "integer", "default": 10, "min": 1, "max": 100, "label": "Items to show",
                        "help": "How many of the newest items each sign shows."}
                },
                "pull_endpoint": "{{options.feed_url}}",
                "pull_interval_seconds": 300,
                "pull_config": {"fetcher": "rss", "timeout": 8000},
                "data_key": "widget_option:feed_url"
            }),
        },
        IntegrationTemplate {
            id: "json",
            title: "Generic JSON API",
            description: "Any JSON API: set its address, an optional API key sent in a header, and which fields to show.",
            integration: json!({
                "widget": "json",
                "name": "JSON API",
                "description": "A JSON API, mapped to the fields the widget shows. Replace the address and mapping with your API's.",
                "integration_type": "pull",
                "credential_schema": {
                    "api_key": {"type": "string", "required": false, "sensitive": true, "label": "API key",
                        "help": "Sent in the X-API-Key header. Leave it empty if the API needs no key."}
                },
                "pull_endpoint": "https://api.example.com/v1/status",
                "pull_interval_seconds": 300,
                "pull_config": {
                    "fetcher": "json", "timeout": 5000,
                    "headers": {"X-API-Key": "{{credentials.api_key}}"},
                    "mapping": {"title": "/title", "value": "/value", "updated": "/updated_at"}
                },
                "data_key": "organization"
            }),
        },
        IntegrationTemplate {
            id: "facebook-page",
            title: "Facebook Page feed",
            description: "New posts of a Facebook Page, pushed by Meta's webhooks. Needs a Meta app and a public webhook URL (the tunnel).",
            integration: json!({
                "widget": "social-feed",
                "name": "Facebook Page",
                "description": "Posts of a Facebook Page, delivered by Meta's Page 'feed' webhook.",
                "integration_type": "push",
                "credential_scope": "widget",
                "credential_schema": {
                    "app_secret": {"type": "string", "required": true, "sensitive": true, "label": "App secret",
                        "help": "Your Meta app's App Secret (App settings → Basic). Meta signs every delivery with it."},
                    "verify_token": {"type": "string", "required": true, "sensitive": true, "label": "Verify token",
                        "help": "Any phrase you choose; enter the same one in Meta's webhook setup so Meta can confirm the subscription."}
                },
                "config_schema": {
                    "page_id": {"type": "string", "required": false, "label": "Page ID",
                        "help": "The Facebook Page this widget shows, for your reference."}
                },
                "push_config": {"verifier": {"scheme": "meta", "secret_field": "app_secret"}, "transform": "facebook"},
                "data_key": "widget_config"
            }),
        },
        IntegrationTemplate {
            id: "signed-webhook",
            title: "Signed webhook (Standard Webhooks)",
            description: "Any sender that signs its webhooks with Standard Webhooks (Svix and many SaaS tools). The JSON it sends becomes the widget's data.",
            integration: json!({
                "widget": "message",
                "name": "Signed webhook",
                "description": "JSON pushed by a sender that signs with Standard Webhooks.",
                "integration_type": "push",
                "credential_schema": {
                    "webhook_secret": {"type": "string", "required": true, "sensitive": true, "label": "Signing secret",
                        "help": "The whsec_… secret shared with the sender. Generate one here and paste it into the sender."}
                },
                "push_config": {"verifier": {"scheme": "standard_webhooks"}, "transform": "passthrough"},
                "data_key": "organization"
            }),
        },
        IntegrationTemplate {
            id: "github-repo",
            title: "GitHub repository (pull and push)",
            description: "Stars, forks and open issues of a GitHub repository: pulled every 10 minutes and updated at once by GitHub's webhooks.",
            integration: json!({
                "widget": "repo-stats",
                "name": "GitHub repository",
                "description": "A repository's stars, forks and open issues (pull as the fallback, webhooks for speed).",
                "integration_type": "both",
                "credential_scope": "organization",
                "credential_schema": {
                    "webhook_secret": {"type": "string", "required": true, "sensitive": true, "label": "Webhook secret",
                        "help": "The secret entered in the repository's Settings → Webhooks (content type application/json)."}
                },
                "config_schema": {
                    "owner": {"type": "string", "required": true, "label": "Owner", "help": "The user or organization, e.g. rust-lang."},
                    "repo": {"type": "string", "required": true, "label": "Repository", "help": "The repository name, e.g. rust."}
                },
                "pull_endpoint": "https://api.github.com/repos/{{options.owner}}/{{options.repo}}",
                "pull_interval_seconds": 600,
                "pull_config": {
                    "fetcher": "json", "timeout": 5000, "rate_limit": 50,
                    "headers": {"Accept": "application/vnd.github+json"},
                    "mapping": {"name": "/full_name", "description": "/description", "stars": "/stargazers_count",
                                "forks": "/forks_count", "open_issues": "/open_issues_count"}
                },
                "push_config": {
                    "verifier": {"scheme": "github"},
                    "transform": {"mapping": {"name": "/repository/full_name", "description": "/repository/description",
                        "stars": "/repository/stargazers_count", "forks": "/repository/forks_count",
                        "open_issues": "/repository/open_issues_count"}}
                },
                "data_key": "widget_config"
            }),
        },
    ]
}

/// A template by id.
pub fn find(id: &str) -> Option<IntegrationTemplate> {
    all().into_iter().find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::{validate, IntegrationInput};

    #[test]
    fn every_template_is_a_valid_integration() {
        let mut ids = std::collections::HashSet::new();
        for t in all() {
            assert!(ids.insert(t.id), "duplicate template id {}", t.id);
            let input: IntegrationInput = serde_json::from_value(t.integration.clone())
                .unwrap_or_else(|e| panic!("{}: {e}", t.id));
            validate(input).unwrap_or_else(|e| panic!("{}: {e:?}", t.id));
        }
        assert_eq!(ids.len(), 6);
    }

    #[test]
    fn every_schema_field_has_a_label_and_help() {
        for t in all() {
            for schema in ["credential_schema", "config_schema"] {
                if let Some(fields) = t.integration[schema].as_object() {
                    for (name, def) in fields {
                        assert!(
                            def["label"].is_string(),
                            "{}.{schema}.{name} has no label",
                            t.id
                        );
                        assert!(
                            def["help"].is_string(),
                            "{}.{schema}.{name} has no help",
                            t.id
                        );
                    }
                }
            }
        }
    }
}
