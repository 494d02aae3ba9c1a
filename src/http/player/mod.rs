//! The player listener: read-only routes for signs on the LAN (DESIGN §5).
//!
//! `GET` routes are open to any origin (CORS), since signs are often pages from another origin or
//! `file://`. When a player token is set, every data route needs it as `Authorization: Bearer`
//! or `?token=`.
//!
//! Requests that stay open — SSE streams and long polls that actually wait — each hold one of the
//! hub's [`StreamSlots`] ([`MAX_STREAMS`] by default), so anyone on the LAN opening streams cannot
//! exhaust memory and tasks; beyond the cap they are answered 503 with `Retry-After`.

mod data;
mod display;
mod events;

pub use data::body as data_body;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq as _;
use tower_http::cors::{Any, CorsLayer};

use super::error::{no_route, wrong_method, ApiError};
use super::{healthz, AppState};

/// The most SSE streams and waiting long polls the hub holds open at once (all players
/// together). A small signage network needs one stream per sign; the cap only stops a flood.
/// The OS limit on open files (often 1024 by default on Linux) may bite before it.
pub const MAX_STREAMS: usize = 10_000;
/// The `Retry-After` (seconds) of the 503 answered beyond [`MAX_STREAMS`].
pub const STREAMS_RETRY_AFTER_SECONDS: u32 = 10;

/// The hub-wide count of open SSE streams and waiting long polls, with its cap.
#[derive(Debug)]
pub struct StreamSlots {
    open: Arc<AtomicUsize>,
    max: usize,
}

/// One open stream or long poll; gives its slot back when dropped (the response ends or the
/// client goes away).
#[derive(Debug)]
pub struct StreamSlot(Arc<AtomicUsize>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl StreamSlots {
    /// At most `max` open at once.
    pub fn new(max: usize) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    /// How many are open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Takes a slot, or answers 503 `too_many_streams` with `Retry-After` when all are taken.
    ///
    /// # Errors
    /// The 503 response to send instead.
    #[allow(clippy::result_large_err)]
    pub fn acquire(&self) -> Result<StreamSlot, Response> {
        let taken = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(StreamSlot(Arc::clone(&self.open))),
            Err(_) => {
                let mut res = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_streams",
                    format!(
                        "the hub is holding its maximum of {} event streams and long polls; retry in {STREAMS_RETRY_AFTER_SECONDS} s",
                        self.max
                    ),
                )
                .into_response();
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(STREAMS_RETRY_AFTER_SECONDS),
                );
                Err(res)
            }
        }
    }
}

impl Default for StreamSlots {
    fn default() -> Self {
        Self::new(MAX_STREAMS)
    }
}

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
