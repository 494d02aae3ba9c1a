//! Crash safety: the real binary is killed with SIGKILL in the middle of a webhook flood and of
//! pulls, at many different moments, and restarted on the same data directory each time.
//!
//! After every kill, with the process gone, the database itself is checked:
//! - `PRAGMA integrity_check` is `ok`;
//! - every delivery that was answered 2xx is in the deliveries log as `accepted` with the version
//!   it was answered with, its message id is remembered (replay protection), and the data is
//!   that delivery's body — or, if a later delivery was committed but the kill came before its
//!   answer, that later delivery's body with a higher version (never an older one);
//!
//! and, across all rounds, versions only grow: no sign ever sees a version go back (before or
//! after a restart), and versions handed out after a restart are above every version stored
//! before it.
//!
//! The kill moments are pseudo-random; the seed is printed and `MILLRACE_CRASH_SEED` replays it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use millrace::secret::SecretString;
use millrace::webhook::{self, VerifierConfig};
use serde_json::{json, Value};

use crate::common::process::HubProcess;
use crate::common::Upstream;

/// How many times the hub is killed.
const KILL_POINTS: u64 = 8;
/// Webhook integrations flooded at once (one sequential sender each).
const HOOKS: usize = 4;
/// Pull widget configs refreshed continuously (each its own data key).
const PULL_KEYS: usize = 4;
/// Deliveries per sender per round: under the per-integration rate limit (600 a minute) and the
/// inspector's retention (500 per integration), so every answered delivery can be checked.
const MAX_PER_ROUND: u64 = 350;

/// xorshift64*: small, deterministic, good enough to spread kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[derive(Debug, Clone)]
struct Acked {
    seq: u64,
    message_id: String,
    version: i64,
    body: Value,
}

struct Hook {
    id: i64,
    secret: String,
    widget_config: String,
}

fn verifier() -> VerifierConfig {
    serde_json::from_value(json!({"scheme": "standard_webhooks"})).unwrap()
}

fn client() -> reqwest::Client {
    millrace::tls::install_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Sends signed deliveries one after another until the hub goes away (or `MAX_PER_ROUND`),
/// recording each one answered 2xx.
async fn sender(
    hooks_url: String,
    hook: usize,
    id: i64,
    secret: String,
    round: u64,
    acked: Arc<Mutex<Vec<Acked>>>,
    stop: Arc<AtomicBool>,
) {
    let client = client();
    let cfg = verifier();
    let secret = SecretString::new(secret);
    for seq in 0..MAX_PER_ROUND {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let body = json!({"round": round, "hook": hook, "seq": seq, "note": "x".repeat(200)});
        let bytes = serde_json::to_vec(&body).unwrap();
        let message_id = format!("r{round}-h{hook}-{seq}");
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut req = client
            .post(format!("{hooks_url}/webhooks/integrations/{id}"))
            .header("content-type", "application/json")
            .body(bytes.clone());
        for (k, v) in webhook::sign(&cfg, &secret, &bytes, now, &message_id) {
            req = req.header(k, v);
        }
        let Ok(res) = req.send().await else { break };
        if !res.status().is_success() {
            // Only 2xx answers carry a promise; anything else is not checked.
            continue;
        }
        let Ok(answer) = res.json::<Value>().await else {
            break;
        };
        acked.lock().unwrap().push(Acked {
            seq,
            message_id,
            version: answer["version"].as_i64().unwrap(),
            body,
        });
    }
}

/// What the player-and-refresher task works on.
struct Watch {
    admin: String,
    player: String,
    token: String,
    pull_wcs: Vec<String>,
    all_wcs: Vec<String>,
    seen: Arc<Mutex<BTreeMap<String, i64>>>,
    violations: Arc<Mutex<Vec<String>>>,
    /// How many times a pulled widget's version was seen to change.
    pull_changes: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

/// Asks for pulls of every pull widget config and reads every widget's version through the
/// player API, until the hub goes away. Records any version that went back.
async fn player_and_refresher(w: Watch) {
    let Watch {
        admin: hub_admin,
        player: hub_player,
        token,
        pull_wcs,
        all_wcs,
        seen,
        violations,
        pull_changes,
        stop,
    } = w;
    let client = client();
    while !stop.load(Ordering::Relaxed) {
        for wc in &pull_wcs {
            let res = client
                .post(format!("{hub_admin}/admin/api/widget-configs/{wc}/refresh"))
                .bearer_auth(&token)
                .send()
                .await;
            if res.is_err() {
                return;
            }
        }
        for wc in &all_wcs {
            let Ok(res) = client
                .get(format!("{hub_player}/api/widget-configs/{wc}/data"))
                .send()
                .await
            else {
                return;
            };
            let Ok(d) = res.json::<Value>().await else {
                return;
            };
            let grew = observe(
                &seen,
                &violations,
                wc,
                d["version"].as_i64().unwrap(),
                "while running",
            );
            if grew && pull_wcs.contains(wc) {
                pull_changes.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn observe(
    seen: &Mutex<BTreeMap<String, i64>>,
    violations: &Mutex<Vec<String>>,
    wc: &str,
    version: i64,
    when: &str,
) -> bool {
    let mut seen = seen.lock().unwrap();
    let max = seen.entry(wc.to_owned()).or_insert(0);
    if version < *max {
        violations
            .lock()
            .unwrap()
            .push(format!("{wc}: version {version} after {max} ({when})"));
    }
    let grew = version > *max;
    *max = (*max).max(version);
    grew
}

/// The checks on the database of a killed hub. Returns the highest version stored anywhere.
fn check_after_kill(db: &std::path::Path, round: u64, hooks: &[Hook], acked: &[Acked]) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "round {round}: the database is damaged");

    for (h, hook) in hooks.iter().enumerate() {
        let mine: Vec<&Acked> = acked
            .iter()
            .filter(|a| a.body["hook"] == json!(h))
            .collect();
        for pair in mine.windows(2) {
            assert!(
                pair[1].version > pair[0].version,
                "round {round}: answered versions grow: {} then {}",
                pair[0].version,
                pair[1].version
            );
        }
        for a in &mine {
            let (outcome, version_after): (String, Option<i64>) = conn
                .query_row(
                    "SELECT outcome, version_after FROM deliveries
                     WHERE integration_id = ?1 AND message_id = ?2",
                    rusqlite::params![hook.id, a.message_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap_or_else(|e| {
                    panic!(
                        "round {round}: answered delivery {} is not in the log: {e}",
                        a.message_id
                    )
                });
            assert_eq!(outcome, "accepted", "round {round}: {}", a.message_id);
            assert_eq!(
                version_after,
                Some(a.version),
                "round {round}: {}",
                a.message_id
            );
            let remembered: i64 = conn
                .query_row(
                    "SELECT count(*) FROM webhook_message_ids
                     WHERE integration_id = ?1 AND message_id = ?2",
                    rusqlite::params![hook.id, a.message_id],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(remembered, 1, "round {round}: {} forgotten", a.message_id);
        }
        let Some(last) = mine.last() else { continue };
        let (data, version): (String, i64) = conn
            .query_row(
                "SELECT data, version FROM integration_data
                 WHERE integration_id = ?1 AND data_key = 'organization'",
                [hook.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let data: Value = serde_json::from_str(&data).unwrap();
        assert!(
            version >= last.version,
            "round {round}: hook {h} stored version {version} < answered {}",
            last.version
        );
        if version == last.version {
            assert_eq!(data, last.body, "round {round}: hook {h} data");
        } else {
            // Committed, but killed before the answer went out: the very next delivery.
            assert_eq!(
                data["seq"],
                json!(last.seq + 1),
                "round {round}: hook {h}: {data}"
            );
            let outcome: String = conn
                .query_row(
                    "SELECT outcome FROM deliveries
                     WHERE integration_id = ?1 AND version_after = ?2",
                    rusqlite::params![hook.id, version],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(outcome, "accepted");
        }
    }
    let data_max: i64 = conn
        .query_row(
            "SELECT coalesce(max(version), 0) FROM integration_data",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let wc_max: i64 = conn
        .query_row(
            "SELECT coalesce(max(version), 0) FROM widget_configs",
            [],
            |r| r.get(0),
        )
        .unwrap();
    data_max.max(wc_max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_webhooks_and_pulls_loses_nothing_answered_and_versions_only_grow() {
    let seed = std::env::var("MILLRACE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash test seed: {seed} (MILLRACE_CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed);

    // An upstream whose content changes all the time, so every pull stores a new version.
    let upstream = Arc::new(Upstream::start(b"{\"n\": 0}".to_vec(), "application/json").await);
    let changer = {
        let upstream = Arc::clone(&upstream);
        tokio::spawn(async move {
            for n in 1u64.. {
                upstream.set(|s| s.body = format!("{{\"n\": {n}}}").into_bytes());
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        })
    };

    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("hub.log");
    let db = dir.path().join("millrace.db");
    let mut hub = HubProcess::start(dir.path(), &log).await;

    let mut hooks = Vec::new();
    for h in 0..HOOKS {
        let id = hub
            .post_ok(
                "/admin/api/integrations",
                json!({"template": "signed-webhook", "name": format!("Hook {h}")}),
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
        let widget_config = hub
            .post_ok(
                "/admin/api/widget-configs",
                json!({"integration_id": id, "name": format!("Board {h}")}),
                201,
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        hooks.push(Hook {
            id,
            secret,
            widget_config,
        });
    }
    let pull_wcs = hub
        .json_pull_widgets(
            "Crash feed",
            &upstream.url("/{{options.path}}"),
            2000,
            PULL_KEYS,
            "Feed",
        )
        .await;
    let mut all_wcs = pull_wcs.clone();
    all_wcs.extend(hooks.iter().map(|h| h.widget_config.clone()));

    let seen = Arc::new(Mutex::new(BTreeMap::new()));
    let violations = Arc::new(Mutex::new(Vec::new()));
    let pull_changes = Arc::new(AtomicUsize::new(0));
    let mut stored_before = 0i64;
    let mut answered_total = 0usize;
    for round in 0..KILL_POINTS {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for (h, hook) in hooks.iter().enumerate() {
            tasks.push(tokio::spawn(sender(
                hub.hooks.clone(),
                h,
                hook.id,
                hook.secret.clone(),
                round,
                Arc::clone(&acked),
                Arc::clone(&stop),
            )));
        }
        tasks.push(tokio::spawn(player_and_refresher(Watch {
            admin: hub.admin.clone(),
            player: hub.player.clone(),
            token: hub.token.clone(),
            pull_wcs: pull_wcs.clone(),
            all_wcs: all_wcs.clone(),
            seen: Arc::clone(&seen),
            violations: Arc::clone(&violations),
            pull_changes: Arc::clone(&pull_changes),
            stop: Arc::clone(&stop),
        })));

        let kill_after = Duration::from_millis(150 + rng.next() % 1350);
        tokio::time::sleep(kill_after).await;
        hub.kill9();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }

        let acked = acked.lock().unwrap().clone();
        answered_total += acked.len();
        if let Some(first) = acked.iter().map(|a| a.version).min() {
            assert!(
                first > stored_before,
                "round {round}: version {first} handed out again (≤ {stored_before} stored before the restart)"
            );
        }
        stored_before = check_after_kill(&db, round, &hooks, &acked);
        println!(
            "round {round}: killed after {kill_after:?}, {} deliveries answered, {} pulled versions seen so far, highest version {stored_before}",
            acked.len(),
            pull_changes.load(Ordering::Relaxed)
        );

        hub = HubProcess::start(dir.path(), &log).await;
        // No sign sees a version go back across the restart.
        let client = client();
        for wc in &all_wcs {
            let d: Value = client
                .get(format!("{}/api/widget-configs/{wc}/data", hub.player))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            observe(
                &seen,
                &violations,
                wc,
                d["version"].as_i64().unwrap(),
                "after restart",
            );
        }
    }
    let violations = violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "versions went back: {violations:?}");
    assert!(
        answered_total > 0,
        "no delivery was answered before any kill: the test proved nothing"
    );
    assert!(
        pull_changes.load(Ordering::Relaxed) as u64 >= KILL_POINTS,
        "pulls stored too few new versions to have been interrupted"
    );

    // A delivery after the last restart takes a version above everything stored before.
    let hook = &hooks[0];
    let body = br#"{"after": "the last restart"}"#;
    let mut req = client()
        .post(format!("{}/webhooks/integrations/{}", hub.hooks, hook.id))
        .header("content-type", "application/json")
        .body(body.to_vec());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (k, v) in webhook::sign(
        &verifier(),
        &SecretString::new(hook.secret.clone()),
        body,
        now,
        "after-last-restart",
    ) {
        req = req.header(k, v);
    }
    let answer: Value = req.send().await.unwrap().json().await.unwrap();
    assert!(
        answer["version"].as_i64().unwrap() > stored_before,
        "{answer}"
    );
    hub.stop();
    changer.abort();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}
