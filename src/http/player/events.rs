//! `GET /api/events?widget_config_id=A&widget_config_id=B` — one Server-Sent-Events stream per
//! player, multiplexing its widgets.
//!
//! Events are `event: version` with `data: {"widget_config_id", "version"}` and `id:` = the
//! version. Versions come from one sequence that only grows, so the last event id a client saw is
//! a position in time: on reconnect with `Last-Event-ID: L` only widgets whose version is now
//! greater than `L` are sent; without it every widget's current version is sent first. A `retry`
//! hint opens the stream, and `event: ping` plus a keep-alive comment go out every 15 s so
//! clients can detect a stalled stream. Each stream has its own bounded change buffer: a slow
//! reader falls behind alone and is resynchronised with the current versions.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde_json::json;
use tokio::sync::{broadcast, watch};

use crate::cache::{Cache, Change};
use crate::http::error::ApiError;
use crate::http::AppState;

/// The most widgets one stream may follow.
pub const MAX_WIDGETS_PER_STREAM: usize = 100;
/// How often a ping event and a keep-alive comment are sent.
pub const PING_INTERVAL: Duration = Duration::from_secs(15);
/// How long the stream may stay silent before a keep-alive comment goes out (for proxies and
/// TCP; `EventSource` does not surface comments, hence the ping event as well).
pub const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// The reconnection delay suggested to clients.
pub const RETRY: Duration = Duration::from_secs(3);

struct StreamState {
    ids: Vec<String>,
    wanted: HashSet<String>,
    pending: VecDeque<Event>,
    rx: broadcast::Receiver<Change>,
    ping: tokio::time::Interval,
    stop: watch::Receiver<bool>,
    cache: std::sync::Arc<Cache>,
    /// Held for as long as the stream is open.
    _slot: super::StreamSlot,
}

fn version_event(id: &str, version: i64) -> Event {
    Event::default()
        .event("version")
        .id(version.to_string())
        .data(json!({"widget_config_id": id, "version": version}).to_string())
}

impl StreamState {
    /// Queues the current version of every followed widget newer than `after`.
    fn resync(&mut self, after: Option<i64>) {
        for id in &self.ids {
            if let Some(v) = self.cache.served_version(id) {
                if after.is_none_or(|a| v > a) {
                    self.pending.push_back(version_event(id, v));
                }
            }
        }
    }
}

pub(super) async fn stream(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ConnectInfo(connect): ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let mut ids = Vec::new();
    let mut player = None;
    for (k, v) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match &*k {
            "widget_config_id" if !ids.contains(&v.to_string()) => ids.push(v.into_owned()),
            "player" => player = Some(v.into_owned()),
            _ => {}
        }
    }
    if ids.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "no_widgets",
            "name the widgets to follow: /api/events?widget_config_id=<id>[&widget_config_id=<id>…]",
        ));
    }
    if ids.len() > MAX_WIDGETS_PER_STREAM {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "too_many_widgets",
            format!("one stream follows at most {MAX_WIDGETS_PER_STREAM} widgets"),
        ));
    }
    // Subscribe before reading the current versions so no change falls in between.
    let rx = state.cache.subscribe();
    for id in &ids {
        if !state.cache.widget(id).is_some_and(|(w, _)| w.active) {
            return Err(ApiError::not_found(format!(
                "no active widget config {}",
                id.chars().take(64).collect::<String>()
            )));
        }
    }
    let slot = match state.streams.acquire() {
        Ok(slot) => slot,
        Err(busy) => return Ok(busy),
    };
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());

    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let given = headers
        .get("x-player-id")
        .and_then(|v| v.to_str().ok())
        .or(player.as_deref());
    let addr = connect.ip().to_canonical();
    let pid = crate::players::player_id(given, addr, ua);
    state
        .players
        .seen(&pid, addr, ua, None, &crate::clock::now_rfc3339());

    let mut ping =
        tokio::time::interval_at(tokio::time::Instant::now() + PING_INTERVAL, PING_INTERVAL);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut st = StreamState {
        wanted: ids.iter().cloned().collect(),
        ids,
        pending: VecDeque::new(),
        rx,
        ping,
        stop: state.stop.clone(),
        cache: state.cache.clone(),
        _slot: slot,
    };
    st.pending.push_back(Event::default().retry(RETRY));
    st.resync(last_event_id);

    Ok(Sse::new(events(st))
        .keep_alive(
            KeepAlive::new()
                .interval(KEEP_ALIVE_INTERVAL)
                .text("keep-alive"),
        )
        .into_response())
}

enum Next {
    Stop,
    Ping,
    Resync,
    Change(Change),
}

fn events(st: StreamState) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(st, |mut st| async move {
        loop {
            if let Some(ev) = st.pending.pop_front() {
                return Some((Ok(ev), st));
            }
            let next = {
                let StreamState { stop, ping, rx, .. } = &mut st;
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => Next::Stop,
                    _ = ping.tick() => Next::Ping,
                    msg = rx.recv() => match msg {
                        Ok(change) => Next::Change(change),
                        Err(broadcast::error::RecvError::Lagged(_)) => Next::Resync,
                        Err(broadcast::error::RecvError::Closed) => Next::Stop,
                    },
                }
            };
            match next {
                Next::Stop => return None,
                Next::Ping => st
                    .pending
                    .push_back(Event::default().event("ping").data("{}")),
                Next::Resync => st.resync(None),
                Next::Change(change) => {
                    for (id, v) in change.widgets.iter() {
                        if st.wanted.contains(id) {
                            st.pending.push_back(version_event(id, *v));
                        }
                    }
                }
            }
        }
    })
}
