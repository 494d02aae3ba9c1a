//! `/admin/api/integrations`.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::{integration_id, run, run_mut};
use crate::credentials::{self, CredentialsView};
use crate::error::{Error, FieldErrors};
use crate::http::error::ApiError;
use crate::http::json::{from_value, read_json};
use crate::http::AppState;
use crate::integrations::{self, CredentialScope, Integration, IntegrationInput};
use crate::scheduler::Target;
use crate::templates;

/// An integration with what the admin needs next to it.
#[derive(Serialize)]
pub(super) struct IntegrationView {
    #[serde(flatten)]
    integration: Integration,
    /// Organization-scoped credentials (null for widget scope: see each widget config).
    credentials: Option<CredentialsView>,
    /// How many widget configs use it.
    widget_config_count: i64,
}

fn view(conn: &rusqlite::Connection, integration: Integration) -> Result<IntegrationView, Error> {
    let credentials = match integration.credential_scope {
        CredentialScope::Organization => Some(credentials::view(conn, &integration, None)?),
        CredentialScope::Widget => None,
    };
    let widget_config_count = conn.query_row(
        "SELECT count(*) FROM widget_configs WHERE integration_id = ?1",
        [integration.id],
        |r| r.get(0),
    )?;
    Ok(IntegrationView {
        integration,
        credentials,
        widget_config_count,
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<IntegrationView>>, ApiError> {
    run(&state, |conn, _, _| {
        integrations::list(conn)?
            .into_iter()
            .map(|i| view(conn, i))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map(Json)
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<IntegrationView>, ApiError> {
    let id = integration_id(&id)?;
    run(&state, move |conn, _, _| {
        view(conn, integrations::require(conn, id)?)
    })
    .await
    .map(Json)
}

/// Reads the body as an integration input; `{"template": "<id>", …}` starts from a built-in
/// template and overrides its top-level fields with the others sent.
async fn input(req: Request) -> Result<IntegrationInput, ApiError> {
    let mut body = read_json(req).await?;
    if let Some(obj) = body.as_object_mut() {
        if let Some(t) = obj.remove("template") {
            let Some(id) = t.as_str() else {
                return Err(ApiError::invalid(FieldErrors::one(
                    "template",
                    "must be a template id",
                )));
            };
            let Some(template) = templates::find(id) else {
                let ids: Vec<_> = templates::all().iter().map(|t| t.id).collect();
                return Err(ApiError::invalid(FieldErrors::one(
                    "template",
                    format!("no template '{id}'; templates: {}", ids.join(", ")),
                )));
            };
            let mut merged = template.integration;
            if let (Some(base), Some(over)) = (merged.as_object_mut(), body.as_object()) {
                for (k, v) in over {
                    base.insert(k.clone(), v.clone());
                }
            }
            body = merged;
        }
    } else {
        return Err(ApiError::invalid(FieldErrors::one(
            "body",
            "must be a JSON object",
        )));
    }
    from_value::<IntegrationInput>(body)
}

pub(super) async fn create(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let input = input(req).await?;
    let created = run_mut(&state, move |conn, _, now| {
        let i = integrations::create(conn, input, now)?;
        view(conn, i)
    })
    .await?;
    tracing::info!(id = created.integration.id, name = %created.integration.name, "integration created");
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub(super) async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Json<IntegrationView>, ApiError> {
    let id = integration_id(&id)?;
    let input = input(req).await?;
    let updated = run_mut(&state, move |conn, _, now| {
        let i = integrations::update(conn, id, input, now)?;
        view(conn, i)
    })
    .await?;
    state.scheduler.run_fresh(Target::Integration(id));
    tracing::info!(id, "integration updated");
    Ok(Json(updated))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = integration_id(&id)?;
    run_mut(&state, move |conn, _, _| integrations::delete(conn, id)).await?;
    tracing::info!(
        id,
        "integration deleted with its widget configs, credentials and data"
    );
    Ok(StatusCode::NO_CONTENT)
}
