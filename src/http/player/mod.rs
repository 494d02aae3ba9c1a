//! The player listener: read-only routes for signs on the LAN (DESIGN §5).
//!
//! `GET` routes are open to any origin (CORS), since signs are often pages from another origin or
//! `file://`. When a player token is set, every data route needs it as `Authorization: Bearer`
//! or `?token=`.

mod data;
mod display;
mod events;

pub use data::body as data_body;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq as _;
use tower_http::cors::{Any, CorsLayer};

use super::error::{no_route, wrong_method, ApiError};
use super::{healthz, AppState};

/// The player router.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([
            header::AUTHORIZATION,
            header::IF_NONE_MATCH,
            HeaderName::from_static("last-event-id"),
            HeaderName::from_static("x-player-id"),
        ])
        .expose_headers([header::ETAG])
        .max_age(std::time::Duration::from_secs(3600));
    let api = Router::new()
        .route("/api/widget-configs/{id}/data", get(data::show))
        .route("/api/events", get(events::stream))
        .layer(middleware::from_fn_with_state(state.clone(), player_token));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api)
        .merge(display::router())
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(cors)
        .with_state(state)
}

/// Requires the player token when one is set.
async fn player_token(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let expected = state
        .player_token
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(expected) = expected {
        let from_header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_owned());
        let from_query = req.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.into_owned())
        });
        let given = from_header.or(from_query);
        let ok =
            given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.expose().as_bytes())));
        if !ok {
            return Err(ApiError::unauthorized(
                "this hub requires a player token: send 'Authorization: Bearer <token>' or add ?token=<token>",
            ));
        }
    }
    Ok(next.run(req).await)
}
