//! Files for signs, embedded from `player/` at compile time: `GET /player.js` (the
//! `IntegratedWidget` client) and the full-screen page `GET /display/{widget_config_id}` with
//! `/display/assets/display.js` and `/display/assets/display.css`.
//!
//! The page is `player/display.html` with its two placeholders filled in: `{{WIDGET_CONFIG_ID}}`
//! (attribute-escaped) and `{{TEMPLATE}}` (`weather`, `rss`, `social` or `generic`, chosen from the
//! integration). An unknown or inactive widget still gets the page, with the generic template: the
//! sign then shows a friendly "not available" panel and keeps retrying, instead of a bare error a
//! kiosk browser would never leave. None of these routes needs the player token (they carry no
//! data); the page passes its `?token=` on to the data requests.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::AppState;
use crate::integrations::{self, Integration};
use crate::pull::config::FetcherKind;
use crate::webhook::config::{NamedTransform, TransformConfig};

const PLAYER_JS: &str = include_str!("../../../player/player.js");
const DISPLAY_HTML: &str = include_str!("../../../player/display.html");
const DISPLAY_JS: &str = include_str!("../../../player/display.js");
const DISPLAY_CSS: &str = include_str!("../../../player/display.css");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// Scripts and styles from the hub only; images from anywhere on http(s) (feed images, weather
/// icons); data requests to the hub only.
const PAGE_CSP: &str = "default-src 'self'; img-src 'self' http: https: data:; style-src 'self'; \
                        script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

/// The sign routes (merged into the player router, under its CORS layer: module scripts are
/// fetched with CORS, so `/player.js` must be readable from any origin).
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/player.js", get(|| async { asset(JS, PLAYER_JS) }))
        .route(
            "/display/assets/display.js",
            get(|| async { asset(JS, DISPLAY_JS) }),
        )
        .route(
            "/display/assets/display.css",
            get(|| async { asset(CSS, DISPLAY_CSS) }),
        )
        .route("/display/{id}", get(page))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let integration_id = state
        .cache
        .widget(&id)
        .filter(|(w, _)| w.active)
        .map(|(w, _)| w.integration_id);
    let template = match integration_id {
        Some(iid) => match state
            .store
            .call(move |conn| Ok(integrations::get(conn, iid)))
            .await
        {
            Ok(Ok(Some(integration))) => template_for(&integration),
            // The page still works: generic shows any data.
            _ => "generic",
        },
        None => "generic",
    };
    let html = fill(&id, template);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(HTML)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_CSP),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        html,
    )
        .into_response()
}

/// The page with its placeholders filled in.
fn fill(id: &str, template: &str) -> String {
    DISPLAY_HTML
        .replacen("{{WIDGET_CONFIG_ID}}", &escape_attr(id), 1)
        .replacen("{{TEMPLATE}}", template, 1)
}

/// Which built-in template shows an integration's data: by the shape its fetcher or transform
/// produces (DESIGN §11), else by its widget slug.
fn template_for(integration: &Integration) -> &'static str {
    let pulls = integration.integration_type.pulls();
    match integration.pull_config.fetcher {
        FetcherKind::Openweather if pulls => return "weather",
        FetcherKind::Rss if pulls => return "rss",
        _ => {}
    }
    if let Some(push) = &integration.push_config {
        if push.transform == TransformConfig::Named(NamedTransform::Facebook) {
            return "social";
        }
    }
    match integration.widget.as_str() {
        "weather" => "weather",
        "rss" | "news" | "feed" => "rss",
        "social" | "social-feed" | "facebook" => "social",
        _ => "generic",
    }
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_each_placeholder_once_in_the_html_element() {
        for placeholder in ["{{WIDGET_CONFIG_ID}}", "{{TEMPLATE}}"] {
            assert_eq!(
                DISPLAY_HTML.matches(placeholder).count(),
                1,
                "{placeholder}"
            );
        }
        let html = fill("wc-1", "rss");
        assert!(html.contains(r#"data-widget="wc-1" data-template="rss""#));
        assert!(!html.contains("{{"));
    }

    #[test]
    fn the_widget_id_cannot_break_out_of_its_attribute() {
        let html = fill(r#""><script>alert(1)</script>"#, "generic");
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("data-widget=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
    }

    #[test]
    fn the_page_references_the_asset_paths_served_here() {
        assert!(DISPLAY_HTML.contains(r#"href="/display/assets/display.css""#));
        assert!(DISPLAY_HTML.contains(r#"src="/display/assets/display.js""#));
        assert!(DISPLAY_JS.contains(r#"from "/player.js""#));
    }
}
