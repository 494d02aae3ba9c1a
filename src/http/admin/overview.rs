//! `GET /admin/api/overview`: every integration and widget config with its health, players,
//! the scheduler and the tunnel — what the Overview page, the tray and notifications show.

use std::collections::HashMap;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::run;
use crate::health::{self, Health};
use crate::http::error::ApiError;
use crate::http::AppState;

pub(super) async fn show(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let players = state.players.list(|wc| state.cache.served_version(wc));
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for p in &players {
        for w in &p.widgets {
            let e = counts.entry(w.widget_config_id.clone()).or_default();
            e.0 += 1;
            if w.current {
                e.1 += 1;
            }
        }
    }
    let st = state.clone();
    let integrations = run(&state, move |conn, _, _| {
        health::overview(conn, &st.cache, &counts, time::OffsetDateTime::now_utc())
    })
    .await?;
    let worst = Health::worst(
        integrations
            .iter()
            .map(|i| i.health)
            .filter(|h| *h != Health::Inactive),
    );
    Ok(Json(json!({
        "integrations": integrations,
        "players": {
            "total": players.len(),
            "up_to_date": players.iter().filter(|p| p.up_to_date).count(),
        },
        "scheduler": state.scheduler.status(),
        "tunnel": super::tunnel::view(&state),
        "worst": worst,
    })))
}
