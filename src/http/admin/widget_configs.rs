//! `/admin/api/widget-configs`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{run, run_mut};
use crate::credentials::{self, CredentialsView};
use crate::error::Error;
use crate::http::error::ApiError;
use crate::http::json::JsonBody;
use crate::http::AppState;
use crate::integrations::{self, CredentialScope};
use crate::scheduler::Target;
use crate::widget_configs::{self, WidgetConfig, WidgetConfigInput};

/// A widget config with its credentials (widget scope only).
#[derive(Serialize)]
pub(super) struct WidgetConfigView {
    #[serde(flatten)]
    widget_config: WidgetConfig,
    /// Its own credentials, for integrations with widget-scoped credentials; else null.
    credentials: Option<CredentialsView>,
    /// The full-screen page a browser-based sign opens (with the player token when one is set).
    display_url: String,
    /// The player data API for this widget (with the player token when one is set).
    data_url: String,
    /// Where its third party sends webhooks (push and both integrations).
    webhook_url: Option<String>,
}

/// The bases the URLs in a view are built from, read from the state before a store call.
#[derive(Clone)]
pub(super) struct Urls {
    player: String,
    token: Option<String>,
    hooks: String,
}

impl Urls {
    pub(super) fn of(state: &AppState) -> Self {
        let player = *state.player_addr.read().unwrap_or_else(|p| p.into_inner());
        Self {
            player: super::status::reachable_url(player),
            token: state
                .player_token
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|t| t.expose().clone()),
            hooks: state.hooks_base_url().0,
        }
    }

    fn with_token(&self, url: String) -> String {
        match &self.token {
            Some(t) => format!("{url}?token={t}"),
            None => url,
        }
    }
}

fn view(
    conn: &rusqlite::Connection,
    wc: WidgetConfig,
    urls: &Urls,
) -> Result<WidgetConfigView, Error> {
    let integration = integrations::require(conn, wc.integration_id)?;
    let credentials = match integration.credential_scope {
        CredentialScope::Widget => Some(credentials::view(conn, &integration, Some(&wc.id))?),
        CredentialScope::Organization => None,
    };
    let display_url = urls.with_token(format!("{}/display/{}", urls.player, wc.id));
    let data_url = urls.with_token(format!("{}/api/widget-configs/{}/data", urls.player, wc.id));
    let webhook_url = integration.integration_type.pushes().then(|| {
        format!(
            "{}/webhooks/widgets/{}/{}",
            urls.hooks, integration.id, wc.id
        )
    });
    Ok(WidgetConfigView {
        widget_config: wc,
        credentials,
        display_url,
        data_url,
        webhook_url,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    integration_id: Option<i64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<WidgetConfigView>>, ApiError> {
    let urls = Urls::of(&state);
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("invalid query: {}", e.body_text()),
        )
    })?;
    run(&state, move |conn, _, _| {
        widget_configs::list(conn, q.integration_id)?
            .into_iter()
            .map(|wc| view(conn, wc, &urls))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map(Json)
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<WidgetConfigView>, ApiError> {
    let urls = Urls::of(&state);
    run(&state, move |conn, _, _| {
        view(conn, widget_configs::require(conn, &id)?, &urls)
    })
    .await
    .map(Json)
}

pub(super) async fn create(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<WidgetConfigInput>,
) -> Result<(StatusCode, Json<WidgetConfigView>), ApiError> {
    let urls = Urls::of(&state);
    let created = run_mut(&state, move |conn, _, now| {
        let wc = widget_configs::create(conn, input, now)?;
        view(conn, wc, &urls)
    })
    .await?;
    state
        .scheduler
        .changed(Some(Target::WidgetConfig(created.widget_config.id.clone())));
    tracing::info!(id = %created.widget_config.id, "widget config created");
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<WidgetConfigInput>,
) -> Result<Json<WidgetConfigView>, ApiError> {
    let urls = Urls::of(&state);
    let updated = run_mut(&state, move |conn, _, now| {
        let wc = widget_configs::update(conn, &id, input, now)?;
        view(conn, wc, &urls)
    })
    .await?;
    state
        .scheduler
        .changed(Some(Target::WidgetConfig(updated.widget_config.id.clone())));
    Ok(Json(updated))
}

/// Exactly what players of this widget config receive now (serve-time shaping applied).
pub(super) async fn data(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (w, row) = state
        .cache
        .widget(&id)
        .ok_or_else(|| ApiError::not_found(format!("no widget config {id}")))?;
    let served = row.as_ref().map_or(0, |r| r.version).max(w.version);
    let mut body = crate::http::player::data_body(&w, row.as_deref(), served);
    body["active"] = serde_json::Value::Bool(w.active);
    Ok(Json(body))
}

/// Refresh now: pulls the widget config's data at once (a request during a pull queues one more).
pub(super) async fn refresh(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let wc = run(&state, move |conn, _, _| widget_configs::require(conn, &id)).await?;
    let integration_id = wc.integration_id;
    let integration = run(&state, move |conn, _, _| {
        integrations::require(conn, integration_id)
    })
    .await?;
    if !integration.integration_type.pulls() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not_pulled",
            "this widget's integration receives webhooks only; there is nothing to pull",
        ));
    }
    state.scheduler.run_now(Target::WidgetConfig(wc.id));
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"queued": true})),
    ))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    run_mut(&state, move |conn, _, _| widget_configs::delete(conn, &id)).await?;
    state.scheduler.changed(None);
    Ok(StatusCode::NO_CONTENT)
}
