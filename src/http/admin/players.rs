//! `GET /admin/api/players`: the signs seen polling, and whether each holds current data.

use axum::extract::State;
use axum::Json;

use crate::http::AppState;
use crate::players::PlayerView;

pub(super) async fn list(State(state): State<AppState>) -> Json<Vec<PlayerView>> {
    Json(state.players.list(|wc| state.cache.served_version(wc)))
}
