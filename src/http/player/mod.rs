//! The player listener: read-only routes for signs on the LAN (DESIGN §5).

use axum::routing::get;
use axum::Router;

use super::error::no_route;
use super::{healthz, AppState};

/// The player router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(no_route)
        .with_state(state)
}
