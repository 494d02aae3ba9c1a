//! `PUT/DELETE /admin/api/integrations/{id}/credentials` (organization scope) and
//! `PUT/DELETE /admin/api/widget-configs/{id}/credentials` (widget scope). Values go in, only
//! `{"configured", "fields": {name: {"set"}}, "metadata", "validated_at", "is_valid"}` comes out.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{integration_id, run};
use crate::credentials::{self, CredentialsView};
use crate::http::error::ApiError;
use crate::http::json::JsonBody;
use crate::http::AppState;
use crate::scheduler::Target;
use crate::{integrations, widget_configs};

/// The body of a credentials PUT: `{"credentials": {field: value | null}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CredentialsInput {
    credentials: Map<String, Value>,
}

impl std::fmt::Debug for CredentialsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialsInput(<redacted>)")
    }
}

pub(super) async fn put_for_integration(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CredentialsInput>,
) -> Result<Json<CredentialsView>, ApiError> {
    let id = integration_id(&id)?;
    let view = run(&state, move |conn, cipher, now| {
        let integration = integrations::require(conn, id)?;
        credentials::put(conn, cipher, &integration, None, &input.credentials, now)
    })
    .await?;
    state.scheduler.run_fresh(Target::Integration(id));
    tracing::info!(integration = id, "credentials stored");
    Ok(Json(view))
}

pub(super) async fn delete_for_integration(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = integration_id(&id)?;
    run(&state, move |conn, _, _| {
        let integration = integrations::require(conn, id)?;
        credentials::delete(conn, &integration, None)
    })
    .await?;
    state.scheduler.run_fresh(Target::Integration(id));
    tracing::info!(integration = id, "credentials deleted");
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn put_for_widget_config(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CredentialsInput>,
) -> Result<Json<CredentialsView>, ApiError> {
    let view = run(&state, move |conn, cipher, now| {
        let wc = widget_configs::require(conn, &id)?;
        let integration = integrations::require(conn, wc.integration_id)?;
        credentials::put(
            conn,
            cipher,
            &integration,
            Some(&wc.id),
            &input.credentials,
            now,
        )
    })
    .await?;
    Ok(Json(view))
}

pub(super) async fn delete_for_widget_config(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let wc_id = id.clone();
    run(&state, move |conn, _, _| {
        let wc = widget_configs::require(conn, &id)?;
        let integration = integrations::require(conn, wc.integration_id)?;
        credentials::delete(conn, &integration, Some(&wc.id))
    })
    .await?;
    state.scheduler.run_fresh(Target::WidgetConfig(wc_id));
    Ok(StatusCode::NO_CONTENT)
}
