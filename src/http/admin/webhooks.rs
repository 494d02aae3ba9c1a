//! Webhook administration: `GET /integrations/{id}/webhook` (URLs, scheme, secret state),
//! `POST …/webhook/secret` (generate or rotate; the new secret is answered once, for the admin to
//! paste into the sender), `POST …/webhook/test` (a correctly signed delivery sent to the hub's
//! own webhook URL) and `GET /deliveries` (the inspector).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{integration_id, run};
use crate::deliveries::{self, Delivery, Filter};
use crate::error::{Error, FieldErrors};
use crate::http::error::ApiError;
use crate::http::hooks::{previous_secret_name, signed_test_headers};
use crate::http::json::JsonBody;
use crate::http::AppState;
use crate::integrations::{self, CredentialScope, DataKey, Integration};
use crate::scheduler::Target;
use crate::webhook::{self, NamedTransform, TransformConfig};
use crate::{credentials, hub_secrets, widget_configs};

fn require_push(i: &Integration) -> Result<(), Error> {
    if i.integration_type.pushes() {
        Ok(())
    } else {
        Err(Error::BadRequest {
            code: "not_push",
            message: "this integration does not receive webhooks (its type is pull)".to_owned(),
        })
    }
}

/// The owner of the webhook secret: the integration (organization scope) or a widget config.
fn secret_owner(
    conn: &rusqlite::Connection,
    i: &Integration,
    wc: Option<&str>,
) -> Result<Option<String>, Error> {
    match (i.credential_scope, wc) {
        (CredentialScope::Organization, _) => Ok(None),
        (CredentialScope::Widget, Some(wc)) => {
            let w = widget_configs::require(conn, wc)?;
            if w.integration_id != i.id {
                return Err(Error::Invalid(FieldErrors::one(
                    "widget_config_id",
                    "belongs to another integration",
                )));
            }
            Ok(Some(w.id))
        }
        (CredentialScope::Widget, None) => Err(Error::Invalid(FieldErrors::one(
            "widget_config_id",
            "this integration has widget-scoped credentials: name the widget config",
        ))),
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = integration_id(&id)?;
    let (base, public) = state.hooks_base_url();
    run(&state, move |conn, cipher, _| {
        let i = integrations::require(conn, id)?;
        require_push(&i)?;
        let push = i.push_config.clone().expect("push integrations have one");
        let wcs = widget_configs::list_for(conn, id)?;
        let mut owners: Vec<Option<String>> = match i.credential_scope {
            CredentialScope::Organization => vec![None],
            CredentialScope::Widget => wcs.iter().map(|w| Some(w.id.clone())).collect(),
        };
        owners.dedup();
        let mut secret_set = false;
        let mut previous_set = false;
        for owner in &owners {
            let creds = credentials::open(conn, cipher, id, owner.as_deref())?.unwrap_or_default();
            secret_set |= creds.contains_key(&push.verifier.secret_field);
            previous_set |= hub_secrets::get(conn, cipher, &previous_secret_name(id, owner.as_deref()))?.is_some();
        }
        let integration_url =
            (i.data_key == DataKey::Organization).then(|| format!("{base}/webhooks/integrations/{id}"));
        let widget_urls: Vec<Value> = wcs
            .iter()
            .map(|w| json!({"id": w.id, "name": w.name, "url": format!("{base}/webhooks/widgets/{id}/{}", w.id)}))
            .collect();
        Ok(json!({
            "scheme": push.verifier.scheme,
            "secret_field": push.verifier.secret_field,
            "public": public,
            "urls": {"integration": integration_url, "widget_configs": widget_urls},
            "secret_set": secret_set,
            "previous_secret_set": previous_set,
            "last_delivery_at": deliveries::last_accepted(conn, id, None)?,
        }))
    })
    .await
    .map(Json)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct SecretInput {
    #[serde(default)]
    widget_config_id: Option<String>,
}

pub(super) async fn rotate_secret(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SecretInput>,
) -> Result<Json<Value>, ApiError> {
    let id = integration_id(&id)?;
    let (secret, kept, owner) = run(&state, move |conn, cipher, now| {
        let i = integrations::require(conn, id)?;
        require_push(&i)?;
        let owner = secret_owner(conn, &i, input.widget_config_id.as_deref())?;
        let push = i.push_config.clone().expect("push integrations have one");
        let field = push.verifier.secret_field.clone();
        let current = credentials::open(conn, cipher, id, owner.as_deref())?
            .and_then(|c| c.get(&field).cloned());
        let fresh = webhook::generate_secret(push.verifier.scheme);
        let mut values = Map::new();
        values.insert(field, Value::String(fresh.expose().clone()));
        // Other required credential fields (e.g. Meta's verify token) may be missing; then the
        // secret cannot be stored and nothing changes (a 422 names the missing field).
        credentials::put(conn, cipher, &i, owner.as_deref(), &values, now)?;
        // The old secret stays valid until the next rotation, so senders can switch over.
        let previous_name = previous_secret_name(id, owner.as_deref());
        hub_secrets::set(conn, cipher, &previous_name, current.as_ref(), now)?;
        Ok((fresh.expose().clone(), current.is_some(), owner))
    })
    .await?;
    state.scheduler.run_fresh(match owner {
        Some(wc) => Target::WidgetConfig(wc),
        None => Target::Integration(id),
    });
    tracing::info!(integration = id, "webhook secret generated");
    Ok(Json(json!({"secret": secret, "previous_kept": kept})))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct TestInput {
    #[serde(default)]
    widget_config_id: Option<String>,
    #[serde(default)]
    payload: Option<Value>,
}

/// A sample payload in the shape the integration's transform expects.
fn sample_payload(transform: &TransformConfig) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match transform {
        TransformConfig::Named(NamedTransform::Facebook) => json!({
            "object": "page",
            "entry": [{"id": "0", "time": now, "changes": [{"field": "feed", "value": {
                "from": {"id": "0", "name": "Millrace test"}, "item": "status",
                "post_id": format!("0_{now}"), "verb": "add", "published": 1, "created_time": now,
                "message": "This is a test post sent by Millrace.",
                "permalink_url": "https://www.facebook.com/"}}]}]
        }),
        TransformConfig::Named(NamedTransform::Castmill) => {
            json!({"data": {"message": "This is a test delivery sent by Millrace.", "sent_at": now}})
        }
        _ => json!({"message": "This is a test delivery sent by Millrace.", "sent_at": now}),
    }
}

pub(super) async fn send_test(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TestInput>,
) -> Result<Json<Value>, ApiError> {
    let id = integration_id(&id)?;
    let wc_in = input.widget_config_id.clone();
    let (push, secret, path) = run(&state, move |conn, cipher, _| {
        let i = integrations::require(conn, id)?;
        require_push(&i)?;
        let push = i.push_config.clone().expect("push integrations have one");
        let owner = secret_owner(conn, &i, wc_in.as_deref())?;
        let secret = credentials::open(conn, cipher, id, owner.as_deref())?
            .and_then(|c| c.get(&push.verifier.secret_field).cloned())
            .ok_or_else(|| Error::BadRequest {
                code: "no_secret",
                message: "no webhook secret is set: generate one first".to_owned(),
            })?;
        let path = match wc_in.as_deref() {
            Some(wc) => {
                let w = widget_configs::require(conn, wc)?;
                if w.integration_id != id {
                    return Err(Error::Invalid(FieldErrors::one(
                        "widget_config_id",
                        "belongs to another integration",
                    )));
                }
                format!("/webhooks/widgets/{id}/{wc}")
            }
            None if i.data_key == DataKey::Organization => format!("/webhooks/integrations/{id}"),
            None => {
                return Err(Error::Invalid(FieldErrors::one(
                    "widget_config_id",
                    "this integration's data is per widget: name the widget config to send to",
                )))
            }
        };
        Ok((push, secret, path))
    })
    .await?;
    let payload = input
        .payload
        .unwrap_or_else(|| sample_payload(&push.transform));
    let body = serde_json::to_vec(&payload).map_err(|e| ApiError::internal(&e))?;
    let headers = signed_test_headers(&push.verifier, &secret, &body);
    let (base, public) = state.hooks_base_url();
    // Through the public URL when there is one (it proves the tunnel works), else locally.
    let url = format!("{base}{path}");
    crate::tls::install_provider();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| ApiError::internal(&e))?;
    let mut req = client
        .post(&url)
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            let response = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
            Ok(Json(
                json!({"status": status, "response": response, "url": url, "public": public}),
            ))
        }
        Err(e) => Ok(Json(json!({
            "status": null,
            "response": format!("the webhook URL did not answer: {}", e.without_url()),
            "url": url, "public": public,
        }))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    integration_id: Option<i64>,
    widget_config_id: Option<String>,
    outcome: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("invalid query: {}", e.body_text()),
        )
    })?;
    let filter = Filter {
        integration_id: q.integration_id,
        widget_config_id: q.widget_config_id,
        outcome: q.outcome,
        before_id: q.before_id,
        limit: q.limit.unwrap_or(50),
    };
    run(&state, move |conn, _, _| deliveries::list(conn, &filter))
        .await
        .map(Json)
}
