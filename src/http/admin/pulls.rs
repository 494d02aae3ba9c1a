//! `POST /admin/api/integrations/{id}/test` (Test connection) and `GET/PUT /admin/api/scheduler`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{integration_id, run};
use crate::error::{Error, FieldErrors};
use crate::http::error::ApiError;
use crate::http::json::JsonBody;
use crate::http::AppState;
use crate::integrations::{self, CredentialScope};
use crate::pull::FetchOutcome;
use crate::scheduler::{job, SchedulerStatus};
use crate::secret::SecretString;
use crate::{credentials, schema, widget_configs};

/// The body of Test connection: all optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct TestInput {
    /// Credentials to try (merged over the stored ones; not saved).
    #[serde(default)]
    credentials: Map<String, Value>,
    /// Widget options to try.
    #[serde(default)]
    options: Option<Map<String, Value>>,
    /// Take options (and, for widget scope, stored credentials) from this widget config.
    #[serde(default)]
    widget_config_id: Option<String>,
}

impl std::fmt::Debug for TestInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestInput(<redacted>)")
    }
}

/// Runs the pull pipeline with the given or stored credentials and returns the upstream status,
/// a sample of the raw body and the mapped data, without touching the cache.
pub(super) async fn test(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
    let id = integration_id(&id)?;
    // The body is optional: no body means "stored credentials, first widget config's options".
    let empty = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_none()
        && req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_none_or(|v| v == "0");
    let input: TestInput = if empty {
        TestInput::default()
    } else {
        crate::http::json::from_value(crate::http::json::read_json(req).await?)?
    };
    let (integration, options, creds) = run(&state, move |conn, cipher, _| {
        let integration = integrations::require(conn, id)?;
        if !integration.integration_type.pulls() {
            return Err(Error::BadRequest {
                code: "not_pulled",
                message: "Test connection applies to pull and both integrations; for webhooks use Send test delivery".to_owned(),
            });
        }
        let wc = match &input.widget_config_id {
            Some(wid) => {
                let wc = widget_configs::require(conn, wid)?;
                if wc.integration_id != id {
                    return Err(Error::Invalid(FieldErrors::one(
                        "widget_config_id",
                        "belongs to another integration",
                    )));
                }
                Some(wc)
            }
            None => widget_configs::list_for(conn, id)?.into_iter().next(),
        };
        let options = match (&input.options, &wc) {
            (Some(o), _) => o.clone(),
            (None, Some(wc)) => wc.options.clone(),
            (None, None) => Map::new(),
        };
        let options = widget_configs::check_options(&integration.config_schema, Some(&integration.data_key), &options)
            .map_err(|problems| {
                let mut e = FieldErrors::new();
                e.extend_under("options", problems);
                Error::Invalid(e)
            })?;
        let scope_wc = match integration.credential_scope {
            CredentialScope::Organization => None,
            CredentialScope::Widget => wc.as_ref().map(|w| w.id.clone()),
        };
        let mut creds: BTreeMap<String, SecretString> = match (integration.credential_scope, &scope_wc) {
            (CredentialScope::Widget, None) => BTreeMap::new(),
            _ => credentials::open(conn, cipher, id, scope_wc.as_deref())?.unwrap_or_default(),
        };
        for (k, v) in &input.credentials {
            let Some(def) = integration.credential_schema.get(k) else {
                return Err(Error::Invalid(FieldErrors::one(format!("credentials.{k}"), format!("unknown field '{k}'"))));
            };
            if let Err(msg) = schema::check_value(def, v) {
                return Err(Error::Invalid(FieldErrors::one(format!("credentials.{k}"), msg)));
            }
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            creds.insert(k.clone(), SecretString::new(text));
        }
        Ok((integration, options, creds))
    })
    .await?;

    let (request, outcome, took) =
        job::test_connection(&state.puller, &integration, &options, &creds).await;
    let duration_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    let target = request.as_ref().ok().map(crate::pull::PullRequest::target);
    let answer = match (request, outcome) {
        (Err(problem), _) => json!({
            "ok": false, "status": null, "sample": null, "data": null, "duration_ms": 0,
            "error": {"code": "config", "message": problem}, "target": null,
        }),
        (
            Ok(_),
            Some(Ok(FetchOutcome::Fetched {
                data,
                sample,
                status,
                ..
            })),
        ) => json!({
            "ok": true, "status": status, "sample": sample, "data": data, "duration_ms": duration_ms,
            "error": null, "target": target,
        }),
        (Ok(_), Some(Ok(FetchOutcome::NotModified))) => json!({
            "ok": true, "status": 304, "sample": null, "data": null, "duration_ms": duration_ms,
            "error": null, "target": target,
        }),
        (Ok(_), Some(Err(e))) => json!({
            "ok": false, "status": e.status(), "sample": e.sample(), "data": null,
            "duration_ms": duration_ms, "error": {"code": e.code(), "message": e.message()},
            "target": target,
        }),
        (Ok(_), None) => json!({"ok": false, "error": {"code": "config", "message": "no request"}}),
    };
    Ok(Json(answer))
}

pub(super) async fn scheduler(State(state): State<AppState>) -> Json<SchedulerStatus> {
    Json(state.scheduler.status())
}

/// `PUT /admin/api/scheduler` with `{"paused": bool}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SchedulerInput {
    paused: bool,
}

pub(super) async fn set_scheduler(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<SchedulerInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.scheduler.set_paused(input.paused);
    tracing::info!(
        paused = input.paused,
        "pulls paused or resumed by the admin"
    );
    Ok((StatusCode::OK, Json(json!({"paused": input.paused}))))
}
