//! `GET/PUT /admin/api/tunnel`: the tunnel's settings (secrets write-only) and live state.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::run;
use crate::error::FieldErrors;
use crate::http::error::ApiError;
use crate::http::json::JsonBody;
use crate::http::AppState;
use crate::tunnel::TunnelUpdate;

/// The tunnel's state and settings, never a secret value.
pub(super) fn view(state: &AppState) -> Value {
    let status = state.tunnel_status.borrow().clone();
    let settings = state
        .tunnel_config
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .view();
    let mut v = serde_json::to_value(&status).unwrap_or_else(|_| json!({}));
    v["settings"] = serde_json::to_value(&settings).unwrap_or(Value::Null);
    v
}

pub(super) async fn show(State(state): State<AppState>) -> Json<Value> {
    Json(view(&state))
}

pub(super) async fn update(
    State(state): State<AppState>,
    JsonBody(update): JsonBody<TunnelUpdate>,
) -> Result<Json<Value>, ApiError> {
    let current = state
        .tunnel_config
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let config = update.resolve(&current).map_err(|problems| {
        let mut e = FieldErrors::new();
        e.extend_under("", problems);
        ApiError::invalid(e)
    })?;
    let stored = config.clone();
    run(&state, move |conn, cipher, now| {
        crate::hub_settings::save_tunnel(conn, cipher, &stored, now)
    })
    .await?;
    *state
        .tunnel_config
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = config.clone();
    let provider = config.provider();
    if let Some(handle) = state.tunnel.lock().await.as_ref() {
        handle.reconfigure(config);
    }
    // Answer with the new provider's state, not the old one's: the task reports it at once.
    let mut status = state.tunnel_status.clone();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        status.wait_for(|s| s.provider == provider),
    )
    .await;
    tracing::info!("tunnel settings changed");
    Ok(Json(view(&state)))
}
