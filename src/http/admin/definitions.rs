//! `GET /admin/api/export`, `POST /admin/api/import[?on_conflict=error|update]` and
//! `POST /admin/api/import/castmill`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::{run, run_mut};
use crate::definitions::{self, Definitions, ImportReport, OnConflict};
use crate::http::error::ApiError;
use crate::http::json::JsonBody;
use crate::http::AppState;
use crate::integrations::{self, Integration};

pub(super) async fn export(State(state): State<AppState>) -> Result<Json<Definitions>, ApiError> {
    run(&state, |conn, _, now| definitions::export(conn, now))
        .await
        .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImportQuery {
    #[serde(default)]
    on_conflict: OnConflict,
}

pub(super) async fn import(
    State(state): State<AppState>,
    query: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    JsonBody(doc): JsonBody<Definitions>,
) -> Result<Json<ImportReport>, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("invalid query: {}", e.body_text()),
        )
    })?;
    let report = run_mut(&state, move |conn, _, now| {
        definitions::import(conn, doc, q.on_conflict, now)
    })
    .await?;
    state.scheduler.changed(Some(crate::scheduler::Target::All));
    tracing::info!(?report, "definitions imported");
    Ok(Json(report))
}

pub(super) async fn import_castmill(
    State(state): State<AppState>,
    JsonBody(widget): JsonBody<Value>,
) -> Result<(StatusCode, Json<Integration>), ApiError> {
    let created = run_mut(&state, move |conn, _, now| {
        let input = definitions::from_castmill(&widget)?;
        integrations::create(conn, input, now)
    })
    .await?;
    state.scheduler.changed(None);
    Ok((StatusCode::CREATED, Json(created)))
}
