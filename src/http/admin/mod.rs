//! The admin listener: the admin API under `/admin/api/` and the built UI at `/`, all behind the
//! [`super::guard`].

mod status;
mod ui;

use axum::routing::get;
use axum::{middleware, Router};

use super::error::no_route;
use super::{guard, healthz, AppState};

/// The admin router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/status", get(status::show))
        .fallback(no_route);
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/admin/api", api)
        .fallback(ui::serve)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::admin_guard,
        ))
        .with_state(state)
}
