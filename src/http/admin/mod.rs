//! The admin listener: the admin API under `/admin/api/` and the built UI at `/`, all behind the
//! [`super::guard`]. Every API route is registered through [`Api`], which records it, so the
//! OpenAPI document can be checked against the real routes.

mod credentials;
mod definitions;
mod integrations;
mod keys;
mod openapi;
mod overview;
mod players;
mod pulls;
mod settings;
mod status;
mod templates;
mod tunnel;
mod ui;
mod webhooks;
mod widget_configs;

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, get};
use axum::{middleware, Router};
use rusqlite::Connection;

use super::error::{no_route, wrong_method, ApiError};
use super::{guard, healthz, AppState};
use crate::crypto::Cipher;
use crate::error::Error;

/// The admin router.
pub fn router(state: AppState) -> Router {
    let api = api().router.fallback(no_route);
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/admin/api", api)
        .fallback(ui::serve)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::admin_guard,
        ))
        .with_state(state)
}

/// Every admin API route as `(METHOD, path under /admin/api)`.
pub fn routes() -> Vec<(Method, &'static str)> {
    api().table
}

/// A router that records what it registers.
struct Api {
    router: Router<AppState>,
    table: Vec<(Method, &'static str)>,
}

macro_rules! verb {
    ($name:ident, $method:ident, $filter:ident) => {
        fn $name<H, T>(mut self, path: &'static str, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.router = self.router.route(path, routing::$filter(handler));
            self.table.push((Method::$method, path));
            self
        }
    };
}

impl Api {
    verb!(get, GET, get);
    verb!(post, POST, post);
    verb!(put, PUT, put);
    verb!(delete, DELETE, delete);
}

fn api() -> Api {
    Api {
        router: Router::new().method_not_allowed_fallback(wrong_method),
        table: Vec::new(),
    }
    .get("/status", status::show)
    .get("/overview", overview::show)
    .get("/openapi.json", openapi::show)
    .get("/templates", templates::list)
    .get("/integrations", integrations::list)
    .post("/integrations", integrations::create)
    .get("/integrations/{id}", integrations::show)
    .put("/integrations/{id}", integrations::update)
    .delete("/integrations/{id}", integrations::delete)
    .post("/integrations/{id}/test", pulls::test)
    .get("/integrations/{id}/webhook", webhooks::show)
    .post("/integrations/{id}/webhook/secret", webhooks::rotate_secret)
    .post("/integrations/{id}/webhook/test", webhooks::send_test)
    .post("/integrations/{id}/webhook-test", webhooks::send_test)
    .get("/deliveries", webhooks::list)
    .put(
        "/integrations/{id}/credentials",
        credentials::put_for_integration,
    )
    .delete(
        "/integrations/{id}/credentials",
        credentials::delete_for_integration,
    )
    .get("/widget-configs", widget_configs::list)
    .post("/widget-configs", widget_configs::create)
    .get("/widget-configs/{id}", widget_configs::show)
    .put("/widget-configs/{id}", widget_configs::update)
    .delete("/widget-configs/{id}", widget_configs::delete)
    .get("/widget-configs/{id}/data", widget_configs::data)
    .post("/widget-configs/{id}/refresh", widget_configs::refresh)
    .put(
        "/widget-configs/{id}/credentials",
        credentials::put_for_widget_config,
    )
    .delete(
        "/widget-configs/{id}/credentials",
        credentials::delete_for_widget_config,
    )
    .get("/export", definitions::export)
    .post("/import", definitions::import)
    .post("/import/castmill", definitions::import_castmill)
    .post("/keys/rotate", keys::rotate)
    .get("/scheduler", pulls::scheduler)
    .put("/scheduler", pulls::set_scheduler)
    .get("/players", players::list)
    .get("/tunnel", tunnel::show)
    .put("/tunnel", tunnel::update)
    .get("/settings", settings::show)
    .put("/settings", settings::update)
    .post("/settings/player-token", settings::player_token)
}

/// Runs a domain operation on the store's connection with the current cipher and time.
async fn run<R, F>(state: &AppState, f: F) -> Result<R, ApiError>
where
    R: Send + 'static,
    F: FnOnce(&mut Connection, &Cipher, &str) -> Result<R, Error> + Send + 'static,
{
    let st = state.clone();
    let out = state
        .store
        .call(move |conn| {
            let now = crate::clock::now_rfc3339();
            let cipher = st.cipher.read().unwrap_or_else(|p| p.into_inner());
            Ok(f(conn, &cipher, &now))
        })
        .await?;
    out.map_err(ApiError::from)
}

/// Runs a domain operation that changes definitions, then refreshes the in-memory widget index
/// in the same store call (so players see the change at once). The caller then tells the
/// scheduler with `state.scheduler.changed(..)`.
async fn run_mut<R, F>(state: &AppState, f: F) -> Result<R, ApiError>
where
    R: Send + 'static,
    F: FnOnce(&mut Connection, &Cipher, &str) -> Result<R, Error> + Send + 'static,
{
    let st = state.clone();
    let out = run(state, move |conn, cipher, now| {
        let out = f(conn, cipher, now)?;
        st.cache.reload_widgets(conn)?;
        Ok(out)
    })
    .await?;
    Ok(out)
}

/// Parses an integration id from the path; a non-number cannot exist, so it is a 404.
fn integration_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(format!("no integration {}", short(raw))))
}

fn short(s: &str) -> String {
    s.chars().take(64).collect()
}
