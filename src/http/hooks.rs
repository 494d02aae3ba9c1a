//! The hooks listener: webhook routes only (DESIGN §6). The tunnel forwards here and nowhere
//! else, so nothing but these routes is ever reachable from the internet.
//!
//! A delivery is read raw (1 MiB limit, within `BODY_READ_TIMEOUT`), verified with the scheme
//! of `push_config.verifier` **before** any parsing, rate-limited per integration, deduplicated
//! on its message id, parsed, transformed, and stored like pulled data (the version changes only
//! if the content does); players are told at once. Unknown, disabled and non-push hooks, and
//! widget configs of another integration, are the same 404; every signature failure is the same
//! 401.
//!
//! Budgets ([`HookLimits`]): verified deliveries take from their own per-integration budget
//! ([`RATE_PER_MINUTE`]), after verification, so anyone who knows a hook's URL cannot get the
//! genuine sender 429'd. Refused requests take from a separate one ([`REFUSED_PER_MINUTE`]);
//! handshakes from a third ([`CHALLENGES_PER_MINUTE`]). Every delivery within those budgets is
//! recorded for the inspector; beyond them the answer is 429 with `Retry-After` and nothing is
//! written. Requests matching no hook are recorded up to [`UNMATCHED_RECORDED_PER_MINUTE`]
//! for the whole hub, and answered 404 at any rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::error::{no_route, wrong_method, ApiError};
use super::{healthz, AppState};
use crate::cache::{self, DataRow, Success};
use crate::deliveries::{self, Delivery};
use crate::error::Error;
use crate::integrations::{self, CredentialScope, DataKey, Integration};
use crate::secret::SecretString;
use crate::webhook::{self, Scheme, VerifyError};
use crate::{credentials, hub_secrets, widget_configs};

/// The largest accepted delivery.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Verified deliveries per minute per integration before 429 (bursts up to this many). Only
/// deliveries whose signature checks out take from this budget, so forged requests cannot use
/// it up.
pub const RATE_PER_MINUTE: u32 = 600;
/// Refused deliveries per minute per integration — a failed signature check, a body that could
/// not be read, or a verified delivery over [`RATE_PER_MINUTE`] — that are answered with their
/// own status and recorded in the delivery log. Beyond it they are answered 429 with
/// `Retry-After` and not recorded, so a flood of forged requests neither bloats the database
/// nor touches the genuine budget.
pub const REFUSED_PER_MINUTE: u32 = 120;
/// Subscription handshakes (`GET`) per minute per integration; beyond it 429 with `Retry-After`
/// and the verify token is not even compared, so it cannot be guessed at full speed.
pub const CHALLENGES_PER_MINUTE: u32 = 10;
/// Requests that match no hook (404) recorded in the delivery log per minute, for the whole hub.
/// Beyond it they are still answered 404 (an unknown hook looks the same at any rate) but not
/// recorded.
pub const UNMATCHED_RECORDED_PER_MINUTE: u32 = 60;

/// Token buckets per integration, created on first use. Only integrations that exist and take
/// webhooks get one, so the map is bounded by the integrations.
#[derive(Debug, Default)]
struct Buckets(Mutex<HashMap<i64, crate::scheduler::rate::Bucket>>);

impl Buckets {
    /// Takes a token from `integration`'s bucket, or says in how many seconds to retry.
    fn take(&self, integration: i64, per_minute: u32) -> Result<(), u64> {
        let now = tokio::time::Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = map
            .entry(integration)
            .or_insert_with(|| crate::scheduler::rate::Bucket::new(per_minute, now));
        take(bucket, now)
    }
}

fn take(bucket: &mut crate::scheduler::rate::Bucket, now: tokio::time::Instant) -> Result<(), u64> {
    bucket
        .take(now)
        .map_err(|next| (next - now).as_secs_f64().ceil().max(1.0) as u64)
}

/// The hooks listener's budgets: verified deliveries, refused deliveries and handshakes per
/// integration, and delivery-log rows for unmatched requests hub-wide. Each is a token bucket
/// refilled continuously (see the constants above).
#[derive(Debug, Default)]
pub struct HookLimits {
    verified: Buckets,
    refused: Buckets,
    challenges: Buckets,
    unmatched: Mutex<Option<crate::scheduler::rate::Bucket>>,
}

impl HookLimits {
    fn verified(&self, integration: i64) -> Result<(), u64> {
        self.verified.take(integration, RATE_PER_MINUTE)
    }

    fn refused(&self, integration: i64) -> Result<(), u64> {
        self.refused.take(integration, REFUSED_PER_MINUTE)
    }

    fn challenge(&self, integration: i64) -> Result<(), u64> {
        self.challenges.take(integration, CHALLENGES_PER_MINUTE)
    }

    /// Whether an unmatched request may be recorded now.
    fn record_unmatched(&self) -> bool {
        let now = tokio::time::Instant::now();
        let mut bucket = self.unmatched.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = bucket.get_or_insert_with(|| {
            crate::scheduler::rate::Bucket::new(UNMATCHED_RECORDED_PER_MINUTE, now)
        });
        take(bucket, now).is_ok()
    }
}

/// 429 with `Retry-After`.
fn too_many(retry_after: u64, message: &'static str) -> Response {
    let mut res =
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// The name of the hub secret holding an owner's previous webhook secret (kept valid during
/// rotation).
pub fn previous_secret_name(integration_id: i64, wc: Option<&str>) -> String {
    format!(
        "webhook_previous:{integration_id}:{}",
        wc.unwrap_or("organization")
    )
}

/// The hooks router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/webhooks/widgets/{integration_id}/{widget_config_id}",
            get(challenge_widget).post(deliver_widget),
        )
        .route(
            "/webhooks/integrations/{integration_id}",
            get(challenge_integration).post(deliver_integration),
        )
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
}

fn generic_404() -> ApiError {
    ApiError::not_found("no such webhook")
}

/// What a delivery needs from the database.
struct Target {
    integration: Integration,
    widget_config_id: Option<String>,
    key: String,
    secrets: Vec<SecretString>,
    verify_token: Option<SecretString>,
    refresh_at: Option<String>,
}

fn lookup(
    conn: &rusqlite::Connection,
    cipher: &crate::crypto::Cipher,
    integration_id: &str,
    wc_id: Option<&str>,
) -> Result<Option<Target>, Error> {
    let Ok(id) = integration_id.parse::<i64>() else {
        return Ok(None);
    };
    let Some(integration) = integrations::get(conn, id)? else {
        return Ok(None);
    };
    if !integration.is_active || !integration.integration_type.pushes() {
        return Ok(None);
    }
    let (wc, key) = match wc_id {
        Some(wid) => {
            let Some(wc) = widget_configs::get(conn, wid)? else {
                return Ok(None);
            };
            if wc.integration_id != id || !wc.is_active {
                return Ok(None);
            }
            let key = cache::key_for(&integration, &wc);
            (Some(wc), key)
        }
        None => {
            // The integration route feeds the integration's shared data only.
            if integration.data_key != DataKey::Organization {
                return Ok(None);
            }
            (None, "organization".to_owned())
        }
    };
    let scope_wc = match integration.credential_scope {
        CredentialScope::Organization => None,
        CredentialScope::Widget => match &wc {
            Some(wc) => Some(wc.id.clone()),
            None => return Ok(None),
        },
    };
    let creds = credentials::open(conn, cipher, id, scope_wc.as_deref())?.unwrap_or_default();
    let Some(push) = &integration.push_config else {
        return Ok(None);
    };
    let mut secrets = Vec::new();
    if let Some(s) = creds.get(&push.verifier.secret_field) {
        secrets.push(s.clone());
    }
    if let Some(prev) =
        hub_secrets::get(conn, cipher, &previous_secret_name(id, scope_wc.as_deref()))?
    {
        secrets.push(prev);
    }
    let refresh_at = cache::load(conn, id, &key)?.and_then(|r| r.refresh_at);
    Ok(Some(Target {
        verify_token: creds.get("verify_token").cloned(),
        widget_config_id: wc.map(|w| w.id),
        integration,
        key,
        secrets,
        refresh_at,
    }))
}

async fn find(
    state: &AppState,
    integration_id: String,
    wc: Option<String>,
) -> Result<Option<Target>, ApiError> {
    let st = state.clone();
    Ok(state
        .store
        .call(move |conn| {
            let cipher = st.cipher.read().unwrap_or_else(|p| p.into_inner());
            lookup(conn, &cipher, &integration_id, wc.as_deref())
                .map_err(|e| crate::store::StoreError::Task(e.to_string()))
        })
        .await?)
}

async fn deliver_widget(
    State(state): State<AppState>,
    Path((integration_id, wc)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    deliver(state, integration_id, Some(wc), headers, body).await
}

async fn deliver_integration(
    State(state): State<AppState>,
    Path(integration_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    deliver(state, integration_id, None, headers, body).await
}

async fn challenge_widget(
    State(state): State<AppState>,
    Path((integration_id, wc)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    challenge(state, integration_id, Some(wc), query).await
}

async fn challenge_integration(
    State(state): State<AppState>,
    Path(integration_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    challenge(state, integration_id, None, query).await
}

/// Meta's subscription handshake: echo `hub.challenge` when `hub.verify_token` matches.
async fn challenge(
    state: AppState,
    integration_id: String,
    wc: Option<String>,
    query: Option<String>,
) -> Response {
    let started = Instant::now();
    let target = match find(&state, integration_id, wc).await {
        Ok(Some(t)) => t,
        Ok(None) => return generic_404().into_response(),
        Err(e) => return e.into_response(),
    };
    // Over the budget the token is not compared and nothing is recorded.
    if let Err(retry_after) = state.hook_limits.challenge(target.integration.id) {
        return too_many(retry_after, "too many subscription handshakes; retry later");
    }
    let answer = match &target.verify_token {
        Some(token) => webhook::meta_challenge(query.as_deref().unwrap_or(""), token).ok(),
        None => None,
    };
    let (status, outcome) = if answer.is_some() {
        (StatusCode::OK, "challenge")
    } else {
        (StatusCode::FORBIDDEN, "challenge_refused")
    };
    record(
        &state,
        Delivery {
            integration_id: Some(target.integration.id),
            widget_config_id: target.widget_config_id.clone(),
            verification: if answer.is_some() { "valid" } else { "bad_signature" }.to_owned(),
            outcome: outcome.to_owned(),
            status_code: status.as_u16(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            error: answer
                .is_none()
                .then(|| "the verify token did not match, or the request was not a subscription handshake".to_owned()),
            ..Delivery::default()
        },
    )
    .await;
    match answer {
        Some(challenge) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            challenge,
        )
            .into_response(),
        None => ApiError::forbidden("the subscription handshake failed").into_response(),
    }
}

async fn record(state: &AppState, mut d: Delivery) {
    d.received_at = crate::clock::now_rfc3339();
    let result = state.store.call(move |conn| {
        deliveries::record(conn, &d).map_err(|e| crate::store::StoreError::Task(e.to_string()))
    });
    if let Err(e) = result.await {
        tracing::warn!("could not record a delivery: {e}");
    }
}

fn verification_name(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::NoSecret | VerifyError::InvalidSecret(_) => "no_secret",
        VerifyError::MissingHeader(_) => "missing_signature",
        VerifyError::Malformed(_) => "malformed",
        VerifyError::StaleTimestamp { .. } => "stale_timestamp",
        VerifyError::NoMatch => "bad_signature",
    }
}

#[allow(clippy::too_many_lines)]
async fn deliver(
    state: AppState,
    integration_id: String,
    wc: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let mut d = Delivery {
        widget_config_id: wc.clone(),
        verification: "not_checked".to_owned(),
        ..Delivery::default()
    };
    let finish = |mut d: Delivery, res: Response| {
        d.status_code = res.status().as_u16();
        d.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        (d, res)
    };

    // Resolve the hook first: unknown hooks are 404 before anything is read.
    let target = match find(&state, integration_id, wc).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            let res = generic_404().into_response();
            if !state.hook_limits.record_unmatched() {
                return res;
            }
            let (d, res) = finish(
                Delivery {
                    outcome: "not_found".to_owned(),
                    headers: deliveries::recorded_headers(&headers, None),
                    ..d
                },
                res,
            );
            let d = Delivery {
                widget_config_id: None,
                ..d
            };
            record(&state, d).await;
            return res;
        }
        Err(e) => return e.into_response(),
    };
    let push = target
        .integration
        .push_config
        .clone()
        .expect("push integrations have one");
    let iid = target.integration.id;
    d.integration_id = Some(iid);
    d.headers = deliveries::recorded_headers(&headers, push.verifier.header.as_deref());

    let bytes: Bytes = match super::read_body(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            if let Err(retry_after) = state.hook_limits.refused(iid) {
                return too_many(retry_after, "too many refused deliveries; retry later");
            }
            let error = match e {
                super::BodyReadError::TooLarge => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the body is larger than 1 MiB",
                ),
                super::BodyReadError::TimedOut => ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "request_timeout",
                    "the body did not arrive in time",
                ),
                super::BodyReadError::Broken => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "the body could not be read",
                ),
            };
            if e == super::BodyReadError::TooLarge {
                d.outcome = "too_large".to_owned();
                d.error = Some(format!("the body is larger than {} KiB", BODY_LIMIT / 1024));
            } else {
                d.outcome = "incomplete_body".to_owned();
                d.error = Some(if e == super::BodyReadError::TimedOut {
                    format!(
                        "the body did not arrive within {} s",
                        super::BODY_READ_TIMEOUT.as_secs()
                    )
                } else {
                    "the connection closed before the whole body arrived".to_owned()
                });
            }
            let (d, res) = finish(d, error.into_response());
            record(&state, d).await;
            return res;
        }
    };
    d.body_preview = Some(deliveries::preview(&bytes));

    // Verify the raw bytes before anything interprets them.
    let now_unix = time::OffsetDateTime::now_utc().unix_timestamp();
    let verified = webhook::verify(&push.verifier, &target.secrets, &headers, &bytes, now_unix);
    let verified = match verified {
        Ok(v) => {
            d.verification = "valid".to_owned();
            v
        }
        Err(e) => {
            // Refused requests have their own budget: forged ones never use up the genuine one.
            if let Err(retry_after) = state.hook_limits.refused(iid) {
                return too_many(retry_after, "too many refused deliveries; retry later");
            }
            // The id the sender claims, shown in the inspector (unverified, for correlation).
            d.message_id = ["webhook-id", "svix-id", "x-github-delivery"]
                .iter()
                .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
                .map(|v| v.chars().take(200).collect());
            d.verification = verification_name(&e).to_owned();
            d.outcome = if matches!(e, VerifyError::NoSecret | VerifyError::InvalidSecret(_)) {
                "no_secret"
            } else {
                "bad_signature"
            }
            .to_owned();
            d.error = Some(e.to_string());
            let (d, res) = finish(
                d,
                ApiError::unauthorized("the signature is missing or invalid").into_response(),
            );
            record(&state, d).await;
            return res;
        }
    };

    if let Err(retry_after) = state.hook_limits.verified(iid) {
        let res = too_many(retry_after, "too many deliveries; retry later");
        // Recorded within the refused budget only: replays of a captured delivery verify too.
        if state.hook_limits.refused(iid).is_ok() {
            d.outcome = "rate_limited".to_owned();
            d.error = Some(format!("more than {RATE_PER_MINUTE} deliveries a minute"));
            let (d, res) = finish(d, res);
            record(&state, d).await;
            return res;
        }
        return res;
    }

    let payload: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            d.outcome = "invalid_json".to_owned();
            d.error = Some(format!("the body is not valid JSON: {e}"));
            let (d, res) = finish(
                d,
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("the body is not valid JSON: {e}"),
                )
                .into_response(),
            );
            record(&state, d).await;
            return res;
        }
    };
    if !payload.is_object() {
        d.outcome = "invalid_json".to_owned();
        d.error = Some("the body must be a JSON object".to_owned());
        let (d, res) = finish(
            d,
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "the body must be a JSON object",
            )
            .into_response(),
        );
        record(&state, d).await;
        return res;
    }
    // Slack's URL verification (signed like any delivery) is answered with its challenge.
    if push.verifier.scheme == Scheme::Slack {
        if let Some(challenge) = webhook::slack_url_verification(&payload) {
            d.outcome = "challenge".to_owned();
            let (d, res) = finish(
                d,
                axum::Json(json!({"challenge": challenge})).into_response(),
            );
            record(&state, d).await;
            return res;
        }
    }
    let message_id = verified
        .message_id
        .clone()
        .or_else(|| webhook::body_message_id(push.verifier.scheme, &payload));
    d.message_id.clone_from(&message_id);

    let data = match webhook::transform::apply(&push.transform, &payload) {
        Ok(v) => v,
        Err(e) => {
            d.outcome = "transform_failed".to_owned();
            d.error = Some(e.to_string());
            let (d, res) = finish(
                d,
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unexpected_payload",
                    format!("the payload does not have the expected shape: {e}"),
                )
                .into_response(),
            );
            record(&state, d).await;
            return res;
        }
    };

    // Dedupe, store and record in one store call.
    let received_at = crate::clock::now_rfc3339();
    let key = target.key.clone();
    let refresh_at = target.refresh_at.clone();
    let now_ms = crate::clock::millis(&received_at);
    let at = received_at.clone();
    let mut pending = d.clone();
    let latency_start = started;
    let stored = state
        .store
        .call(move |conn| {
            let r = (|| -> Result<(Option<DataRow>, i64), Error> {
                let tx = conn.transaction()?;
                let fresh = match &message_id {
                    Some(mid) => deliveries::first_time(&tx, iid, mid, &at, now_unix)?,
                    None => true,
                };
                let row = if fresh {
                    let (row, _) = cache::store_success(
                        &tx,
                        iid,
                        &key,
                        &Success {
                            data: &data,
                            fetched_at: &at,
                            refresh_at: refresh_at.as_deref(),
                            etag: None,
                            last_modified: None,
                            now_ms,
                        },
                    )?;
                    Some(row)
                } else {
                    None
                };
                let version = match &row {
                    Some(r) => r.version,
                    None => cache::load(&tx, iid, &key)?.map_or(0, |r| r.version),
                };
                pending.outcome = if fresh { "accepted" } else { "duplicate" }.to_owned();
                pending.version_after = Some(version);
                pending.status_code = 200;
                pending.received_at.clone_from(&at);
                pending.latency_ms = latency_start.elapsed().as_secs_f64() * 1000.0;
                deliveries::record(&tx, &pending)?;
                tx.commit()?;
                Ok((row, version))
            })();
            r.map_err(|e| crate::store::StoreError::Task(e.to_string()))
        })
        .await;
    match stored {
        Ok((row, version)) => {
            let duplicate = row.is_none();
            if let Some(row) = row {
                state.cache.put(row);
            }
            let mut body = json!({"success": true, "version": version, "received_at": received_at});
            if duplicate {
                body["duplicate"] = Value::Bool(true);
            }
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// Signs `payload` as the integration's sender would, for the admin's Send test delivery.
pub fn signed_test_headers(
    cfg: &webhook::VerifierConfig,
    secret: &SecretString,
    body: &[u8],
) -> Vec<(String, String)> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let id = format!("msg_test_{}", uuid::Uuid::new_v4().simple());
    webhook::sign(cfg, secret, body, now, &id)
}
