//! The hooks listener: webhook routes only (DESIGN §6). The tunnel forwards here and nowhere
//! else, so nothing but these routes is ever reachable from the internet.

use axum::routing::get;
use axum::Router;

use super::error::no_route;
use super::{healthz, AppState};

/// The hooks router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(no_route)
        .with_state(state)
}
