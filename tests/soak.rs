//! Soak: the real binary under a steady mixed load on loopback — signs polling (200s and 304s),
//! long polls, SSE subscribers, signed webhooks, pulls of a changing upstream and the admin UI's
//! status calls, all at once — for a bounded time.
//!
//! After a warm-up, its resident memory (`VmRSS`) and open file descriptors (`/proc/PID/fd`) are
//! sampled; at the end they must not have grown beyond a generous allowance (a leak grows
//! without bound; an allowance tells the two apart without timing anything). No request may
//! fail, no SSE stream may end, every delivery must be accepted, and the hub's log must hold no
//! error.
//!
//! The length is `MILLRACE_SOAK_SECONDS` (default 20 s, so `cargo test` stays quick);
//! `scripts/test` runs it for 150 s.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use millrace::secret::SecretString;
use millrace::webhook;
use serde_json::{json, Value};

use crate::common::process::HubProcess;
use crate::common::{fixture, verifier, Upstream};

const PLAYERS: usize = 20;
const LONG_POLLERS: usize = 4;
const SSE_SUBSCRIBERS: usize = 50;
const PULL_KEYS: usize = 6;
const HOOKS: usize = 2;

/// What the load generators count.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    not_modified: AtomicU64,
    events: AtomicU64,
    deliveries: AtomicU64,
    errors: Mutex<Vec<String>>,
}

impl Tally {
    fn error(&self, what: String) {
        let mut e = self.errors.lock().unwrap();
        if e.len() < 50 {
            e.push(what);
        }
    }
}

fn soak_seconds() -> u64 {
    std::env::var("MILLRACE_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_load_keeps_memory_and_descriptors_flat_without_errors() {
    let total = Duration::from_secs(soak_seconds().max(10));
    let warm_up = total / 4;
    let upstream = Arc::new(
        Upstream::start(fixture("pull/transit_departures.json"), "application/json").await,
    );
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(dir.path(), &logs.path().join("hub.log")).await;

    // Definitions: pulled keys on a changing upstream, and signed-webhook integrations.
    let pull_wcs = hub
        .json_pull_widgets(
            "Soak feed",
            &upstream.url("/{{options.path}}"),
            3000,
            PULL_KEYS,
            "Feed",
        )
        .await;
    let mut hooks = Vec::new();
    let mut hook_wcs = Vec::new();
    for h in 0..HOOKS {
        let id = hub
            .post_ok(
                "/admin/api/integrations",
                json!({"template": "signed-webhook", "name": format!("Soak hook {h}")}),
                201,
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let secret = hub
            .post_ok(
                &format!("/admin/api/integrations/{id}/webhook/secret"),
                json!({}),
                200,
            )
            .await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        hook_wcs.push(
            hub.post_ok(
                "/admin/api/widget-configs",
                json!({"integration_id": id, "name": format!("Board {h}")}),
                201,
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        hooks.push((id, secret));
    }
    let mut wcs = pull_wcs.clone();
    wcs.extend(hook_wcs.iter().cloned());

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();

    // The upstream changes every 2 s, so pulls keep bringing new versions.
    {
        let (upstream, stop) = (Arc::clone(&upstream), Arc::clone(&stop));
        tasks.push(tokio::spawn(async move {
            let base: Value =
                serde_json::from_slice(&fixture("pull/transit_departures.json")).unwrap();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = json!({"n": n, "board": base});
                upstream.set(|s| s.body = serde_json::to_vec(&body).unwrap());
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }));
    }
    // Signs polling with the version they hold (mostly 304s), every 250 ms.
    for p in 0..PLAYERS {
        let (stop, tally, wcs) = (Arc::clone(&stop), Arc::clone(&tally), wcs.clone());
        let player = hub.player.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut held = vec![0i64; wcs.len()];
            while !stop.load(Ordering::Relaxed) {
                for (i, wc) in wcs.iter().enumerate() {
                    let res = client
                        .get(format!(
                            "{player}/api/widget-configs/{wc}/data?version={}",
                            held[i]
                        ))
                        .header("x-player-id", format!("soak-sign-{p}"))
                        .send()
                        .await;
                    tally.requests.fetch_add(1, Ordering::Relaxed);
                    match res {
                        Ok(r) if r.status() == 304 => {
                            tally.not_modified.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) if r.status() == 200 => match r.json::<Value>().await {
                            Ok(d) => held[i] = d["version"].as_i64().unwrap_or(0),
                            Err(e) => tally.error(format!("player body: {e}")),
                        },
                        Ok(r) => tally.error(format!("player: {}", r.status())),
                        Err(e) => tally.error(format!("player: {e}")),
                    }
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }));
    }
    // Long polls: hold the current version and wait up to 5 s for the next.
    for l in 0..LONG_POLLERS {
        let (stop, tally) = (Arc::clone(&stop), Arc::clone(&tally));
        let url = format!(
            "{}/api/widget-configs/{}/data",
            hub.player,
            wcs[l % wcs.len()]
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut held = 0i64;
            while !stop.load(Ordering::Relaxed) {
                let res = client
                    .get(format!("{url}?version={held}&wait=5"))
                    .send()
                    .await;
                tally.requests.fetch_add(1, Ordering::Relaxed);
                match res {
                    Ok(r) if r.status() == 304 => {}
                    Ok(r) if r.status() == 200 => {
                        held = r
                            .json::<Value>()
                            .await
                            .map_or(held, |d| d["version"].as_i64().unwrap_or(held));
                    }
                    Ok(r) => tally.error(format!("long poll: {}", r.status())),
                    Err(e) => tally.error(format!("long poll: {e}")),
                }
            }
        }));
    }
    // SSE subscribers, each following three widgets for the whole run.
    for s in 0..SSE_SUBSCRIBERS {
        let (stop, tally) = (Arc::clone(&stop), Arc::clone(&tally));
        let ids: Vec<String> = (0..3)
            .map(|j| format!("widget_config_id={}", wcs[(s + j) % wcs.len()]))
            .collect();
        let url = format!(
            "{}/api/events?{}&player=soak-sse-{s}",
            hub.player,
            ids.join("&")
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let res = match client.get(&url).send().await {
                Ok(r) if r.status() == 200 => r,
                Ok(r) => return tally.error(format!("sse: {}", r.status())),
                Err(e) => return tally.error(format!("sse: {e}")),
            };
            let mut stream = res.bytes_stream();
            loop {
                tokio::select! {
                    chunk = stream.next() => match chunk {
                        Some(Ok(bytes)) => {
                            let n = bytes.windows(14).filter(|w| w == b"event: version").count();
                            tally.events.fetch_add(n as u64, Ordering::Relaxed);
                        }
                        Some(Err(e)) => return tally.error(format!("sse stream: {e}")),
                        None => return tally.error("an SSE stream ended".to_owned()),
                    },
                    () = tokio::time::sleep(Duration::from_millis(200)) => {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                    }
                }
            }
        }));
    }
    // Webhooks: 4 signed deliveries a second in all (under each integration's rate limit).
    {
        let (stop, tally) = (Arc::clone(&stop), Arc::clone(&tally));
        let hooks_url = hub.hooks.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let cfg = verifier("standard_webhooks");
            let mut seq = 0u64;
            while !stop.load(Ordering::Relaxed) {
                seq += 1;
                let (id, secret) = &hooks[(seq as usize) % hooks.len()];
                let body =
                    serde_json::to_vec(&json!({"seq": seq, "headline": format!("update {seq}")}))
                        .unwrap();
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                let mut req = client
                    .post(format!("{hooks_url}/webhooks/integrations/{id}"))
                    .header("content-type", "application/json")
                    .body(body.clone());
                for (k, v) in webhook::sign(
                    &cfg,
                    &SecretString::new(secret.clone()),
                    &body,
                    now,
                    &format!("soak-{seq}"),
                ) {
                    req = req.header(k, v);
                }
                tally.requests.fetch_add(1, Ordering::Relaxed);
                match req.send().await {
                    Ok(r) if r.status() == 200 => {
                        tally.deliveries.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => tally.error(format!("webhook: {}", r.status())),
                    Err(e) => tally.error(format!("webhook: {e}")),
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }));
    }
    // The admin: Refresh on the pulled widgets every 3 s, and the UI's status polling.
    {
        let (stop, tally) = (Arc::clone(&stop), Arc::clone(&tally));
        let (admin, token, pull_wcs) = (hub.admin.clone(), hub.token.clone(), pull_wcs.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                for wc in &pull_wcs {
                    let res = client
                        .post(format!("{admin}/admin/api/widget-configs/{wc}/refresh"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    tally.requests.fetch_add(1, Ordering::Relaxed);
                    match res {
                        Ok(r) if r.status() == 202 => {}
                        Ok(r) => tally.error(format!("refresh: {}", r.status())),
                        Err(e) => tally.error(format!("refresh: {e}")),
                    }
                }
                for path in [
                    "/admin/api/status",
                    "/admin/api/overview",
                    "/admin/api/deliveries",
                ] {
                    let res = client
                        .get(format!("{admin}{path}"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    tally.requests.fetch_add(1, Ordering::Relaxed);
                    match res {
                        Ok(r) if r.status() == 200 => {}
                        Ok(r) => tally.error(format!("{path}: {}", r.status())),
                        Err(e) => tally.error(format!("{path}: {e}")),
                    }
                }
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        }));
    }

    let started = Instant::now();
    tokio::time::sleep(warm_up).await;
    let (rss_start, fds_start) = (hub.rss_kib(), hub.open_fds());
    let (mut rss_max, mut fds_max) = (rss_start, fds_start);
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_max = rss_max.max(hub.rss_kib());
        fds_max = fds_max.max(hub.open_fds());
    }
    let (rss_end, fds_end) = (hub.rss_kib(), hub.open_fds());
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }

    let requests = tally.requests.load(Ordering::Relaxed);
    let deliveries = tally.deliveries.load(Ordering::Relaxed);
    let events = tally.events.load(Ordering::Relaxed);
    println!(
        "soak {total:?} (warm-up {warm_up:?}): {requests} requests ({} 304s), {deliveries} deliveries, {events} SSE version events; \
         RSS {rss_start} → {rss_end} KiB (max {rss_max}), fds {fds_start} → {fds_end} (max {fds_max})",
        tally.not_modified.load(Ordering::Relaxed)
    );
    let errors = tally.errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "errors under load: {errors:#?}");
    // It really was a mixed load.
    assert!(requests > total.as_secs() * 50, "{requests} requests");
    assert!(tally.not_modified.load(Ordering::Relaxed) > 0);
    assert!(deliveries > total.as_secs(), "{deliveries} deliveries");
    assert!(
        events > SSE_SUBSCRIBERS as u64 * 3,
        "{events} SSE events: subscribers saw no changes"
    );
    // Flat: a generous allowance over the warmed-up figures.
    const RSS_ALLOWANCE_KIB: u64 = 16 * 1024;
    const FD_ALLOWANCE: usize = 16;
    assert!(
        rss_end <= rss_start + RSS_ALLOWANCE_KIB,
        "RSS grew from {rss_start} to {rss_end} KiB"
    );
    assert!(
        fds_end <= fds_start + FD_ALLOWANCE,
        "open descriptors grew from {fds_start} to {fds_end}"
    );

    // Every delivery was stored as accepted, and the hub logged no error.
    let res = hub
        .admin_request(reqwest::Method::GET, "/admin/api/status", None)
        .await;
    assert_eq!(res.status(), 200);
    let log = hub.log_text();
    hub.stop();
    let conn = rusqlite::Connection::open(dir.path().join("millrace.db")).unwrap();
    let refused: i64 = conn
        .query_row(
            "SELECT count(*) FROM deliveries WHERE outcome != 'accepted'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(refused, 0, "deliveries not accepted");
    for line in log.lines() {
        assert!(
            !line.contains(" ERROR ") && !line.contains("panicked"),
            "the hub logged an error: {line}"
        );
    }
}
