//! `GET /api/widget-configs/{id}/data?version=N[&wait=S]` — the guide's contract, served from
//! memory: 200 with `{"version", "data", "fetched_at", "status", "stale", "error"}` or 304 with no
//! body when the player already holds the served version. `If-None-Match` works like `version`.
//! `wait` (≤ 60 s) holds the request until the version changes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::cache::{DataRow, Status, WidgetEntry};
use crate::http::error::ApiError;
use crate::http::AppState;

/// The longest long poll.
pub const MAX_WAIT_SECONDS: u64 = 60;

/// Parsed query parameters.
#[derive(Debug, Default)]
pub(super) struct Params {
    pub version: Option<i64>,
    pub wait: Option<u64>,
    pub player: Option<String>,
}

pub(super) fn params(query: Option<&str>) -> Result<Params, ApiError> {
    let mut p = Params::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*k {
            "version" => {
                p.version = Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_version",
                        "version must be a whole number (the version last received)",
                    )
                })?);
            }
            "wait" => {
                p.wait = Some(
                    v.parse::<u64>()
                        .ok()
                        .filter(|s| *s <= MAX_WAIT_SECONDS)
                        .ok_or_else(|| {
                            ApiError::new(
                                StatusCode::BAD_REQUEST,
                                "bad_wait",
                                format!("wait must be a whole number of seconds from 0 to {MAX_WAIT_SECONDS}"),
                            )
                        })?,
                );
            }
            "player" => p.player = Some(v.into_owned()),
            _ => {}
        }
    }
    Ok(p)
}

/// The version in `If-None-Match` (`"N"` or `W/"N"`), if any.
fn if_none_match(headers: &HeaderMap) -> Option<i64> {
    let v = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    v.split(',').find_map(|tag| {
        tag.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse::<i64>()
            .ok()
    })
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header")
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no active widget config {}",
        id.chars().take(64).collect::<String>()
    ))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ConnectInfo(connect): ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let params = params(query.as_deref())?;
    let held = params.version.or_else(|| if_none_match(&headers));
    // Subscribe before reading, so a change between the read and the wait is not missed.
    let mut changes = params
        .wait
        .filter(|w| *w > 0)
        .map(|_| state.cache.subscribe());
    let (w, row) = state
        .cache
        .widget(&id)
        .filter(|(w, _)| w.active)
        .ok_or_else(|| not_found(&id))?;
    let mut served = served(&w, row.as_deref());

    if held == Some(served) {
        if let (Some(rx), Some(wait)) = (changes.as_mut(), params.wait) {
            // Held for the wait only: a long poll is an open request like a stream.
            let _slot = match state.streams.acquire() {
                Ok(slot) => slot,
                Err(busy) => return Ok(busy),
            };
            let deadline = tokio::time::sleep(Duration::from_secs(wait));
            tokio::pin!(deadline);
            let mut stop = state.stop.clone();
            loop {
                tokio::select! {
                    () = &mut deadline => break,
                    _ = stop.wait_for(|s| *s) => break,
                    msg = rx.recv() => match msg {
                        Ok(change) => {
                            if change.widgets.iter().any(|(wid, v)| *wid == id && *v != served) {
                                break;
                            }
                        }
                        // Missed changes: re-read below.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    },
                }
            }
            let Some((w2, row2)) = state.cache.widget(&id).filter(|(w, _)| w.active) else {
                return Err(not_found(&id));
            };
            served = self::served(&w2, row2.as_deref());
            if held != Some(served) {
                record(&state, &params, &headers, connect, &id, served);
                return Ok(ok(&state, &id, &w2, row2.as_ref(), served));
            }
        }
        record(&state, &params, &headers, connect, &id, served);
        return Ok(not_modified(served));
    }
    record(&state, &params, &headers, connect, &id, served);
    Ok(ok(&state, &id, &w, row.as_ref(), served))
}

fn served(w: &WidgetEntry, row: Option<&DataRow>) -> i64 {
    row.map_or(0, |r| r.version).max(w.version)
}

fn record(
    state: &AppState,
    params: &Params,
    headers: &HeaderMap,
    connect: SocketAddr,
    widget: &str,
    version: i64,
) {
    let given = headers
        .get("x-player-id")
        .and_then(|v| v.to_str().ok())
        .or(params.player.as_deref());
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let addr = connect.ip().to_canonical();
    let id = crate::players::player_id(given, addr, ua);
    state.players.seen(
        &id,
        addr,
        ua,
        Some((widget, version)),
        &crate::clock::now_rfc3339(),
    );
}

fn not_modified(version: i64) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    let h = res.headers_mut();
    h.insert(header::ETAG, etag(version));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The 200 body: the widget's data shaped for this widget config (serve-time `max_items`,
/// which never changes the shared cache).
pub fn body(w: &WidgetEntry, row: Option<&DataRow>, served: i64) -> Value {
    let status = row.map_or(Status::Pending, |r| r.status);
    let mut data = row.and_then(|r| r.data.as_deref().cloned());
    if let (Some(max), Some(Value::Array(items))) =
        (w.max_items, data.as_mut().and_then(|d| d.get_mut("items")))
    {
        items.truncate(max);
    }
    let stale = data.is_some() && matches!(status, Status::Error | Status::AuthFailed);
    json!({
        "version": served,
        "data": data,
        "fetched_at": row.and_then(|r| r.fetched_at.clone()),
        "status": status,
        "stale": stale,
        "error": row.filter(|_| status != Status::Ok).and_then(|r| r.error_message.clone()),
    })
}

fn ok(
    state: &AppState,
    id: &str,
    w: &Arc<WidgetEntry>,
    row: Option<&Arc<DataRow>>,
    served: i64,
) -> Response {
    let bytes = state.cache.body(id, w, row, served, || {
        serde_json::to_vec(&body(w, row.map(AsRef::as_ref), served)).expect("JSON serializes")
    });
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::ETAG, etag(served));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
