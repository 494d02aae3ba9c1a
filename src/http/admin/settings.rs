//! `GET/PUT /admin/api/settings` and `POST /admin/api/settings/player-token`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::run;
use crate::error::FieldErrors;
use crate::http::error::ApiError;
use crate::http::json::JsonBody;
use crate::http::{AppState, Rebind};
use crate::hub_secrets::{self, PLAYER_TOKEN};
use crate::hub_settings;
use crate::secret::SecretString;

#[derive(Serialize)]
pub(super) struct SettingsView {
    /// Where the player listener is bound now.
    player_addr: String,
    /// Whether other computers on the network can reach it.
    player_lan: bool,
    /// The URL signs use.
    player_url: String,
    /// Whether players must present a token.
    player_token_set: bool,
    /// Native notifications on health changes (desktop app).
    notifications: bool,
    /// Start the desktop app at login.
    start_at_login: bool,
    /// Whether the desktop app runs this hub.
    desktop: bool,
    /// The desktop app's first run: the admin has not yet chosen whether signs on the network may
    /// reach the player listener (it stays on this computer until they do).
    first_run: bool,
}

async fn view(state: &AppState) -> Result<SettingsView, ApiError> {
    let stored = run(state, |conn, _, _| hub_settings::load(conn)).await?;
    let addr = *state.player_addr.read().unwrap_or_else(|p| p.into_inner());
    Ok(SettingsView {
        player_addr: addr.to_string(),
        player_lan: !addr.ip().is_loopback(),
        player_url: super::status::reachable_url(addr),
        player_token_set: state
            .player_token
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some(),
        notifications: stored.notifications,
        start_at_login: stored.start_at_login,
        desktop: state.desktop,
        first_run: first_run(state.first_run_possible, &stored),
    })
}

/// The desktop app asks once where the player listener should be, before it ever binds beyond
/// loopback; the answer is the stored `player_addr`.
pub(crate) fn first_run(desktop: bool, stored: &hub_settings::HubSettings) -> bool {
    desktop && stored.player_addr.is_none()
}

pub(super) async fn show(State(state): State<AppState>) -> Result<Json<SettingsView>, ApiError> {
    view(&state).await.map(Json)
}

/// A partial update.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsInput {
    player_addr: Option<String>,
    notifications: Option<bool>,
    start_at_login: Option<bool>,
}

pub(super) async fn update(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<SettingsInput>,
) -> Result<Json<SettingsView>, ApiError> {
    let mut chosen = None;
    if let Some(text) = &input.player_addr {
        let addr = crate::config::parse_addr(text)
            .map_err(|e| ApiError::invalid(FieldErrors::one("player_addr", e)))?;
        let current = *state.player_addr.read().unwrap_or_else(|p| p.into_inner());
        // Stored even when unchanged: it records the admin's choice (the first-run question).
        chosen = Some(addr);
        if addr != current {
            let (reply, answer) = tokio::sync::oneshot::channel();
            state
                .player_rebind
                .send(Rebind { addr, reply })
                .await
                .map_err(|_| ApiError::internal(&"the player listener is not running"))?;
            let bound = answer
                .await
                .map_err(|_| ApiError::internal(&"the player listener did not answer"))?
                .map_err(|e| ApiError::invalid(FieldErrors::one("player_addr", e)))?;
            // Keep what the admin asked for (a fixed port), not an ephemeral one from port 0.
            let _ = bound;
        }
    }
    run(&state, move |conn, _, now| {
        if let Some(addr) = chosen {
            hub_settings::set_player_addr(conn, addr, now)?;
        }
        if let Some(on) = input.notifications {
            hub_settings::set_notifications(conn, on, now)?;
        }
        if let Some(on) = input.start_at_login {
            hub_settings::set_start_at_login(conn, on, now)?;
        }
        Ok(())
    })
    .await?;
    view(&state).await.map(Json)
}

/// `{"action": "generate" | "clear"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub(super) struct TokenInput {
    action: TokenAction,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum TokenAction {
    Generate,
    Clear,
}

/// Generates (answering it once, for the admin to hand to signs) or clears the player token.
pub(super) async fn player_token(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<TokenInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let token = match input.action {
        TokenAction::Generate => {
            let mut bytes = [0u8; 24];
            crate::crypto::random_bytes(&mut bytes);
            Some(SecretString::new(URL_SAFE_NO_PAD.encode(bytes)))
        }
        TokenAction::Clear => None,
    };
    let stored = token.clone();
    run(&state, move |conn, cipher, now| {
        hub_secrets::set(conn, cipher, PLAYER_TOKEN, stored.as_ref(), now)
    })
    .await?;
    let shown = token.as_ref().map(|t| t.expose().clone());
    *state
        .player_token
        .write()
        .unwrap_or_else(|p| p.into_inner()) = token;
    tracing::info!(set = shown.is_some(), "player token changed");
    Ok((StatusCode::OK, Json(json!({"player_token": shown}))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_run_question_is_asked_by_the_desktop_app_until_answered() {
        let unanswered = hub_settings::HubSettings {
            player_addr: None,
            notifications: true,
            start_at_login: false,
        };
        assert!(first_run(true, &unanswered));
        assert!(
            !first_run(false, &unanswered),
            "the headless hub never asks"
        );
        let answered = hub_settings::HubSettings {
            player_addr: Some("127.0.0.1:7421".parse().unwrap()),
            ..unanswered
        };
        assert!(
            !first_run(true, &answered),
            "keeping it on this computer is an answer too"
        );
    }
}
