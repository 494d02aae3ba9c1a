//! Scheduler tests on paused tokio time with a scripted puller: what is pulled, when, and what
//! happens on failures, rate limits, restarts and "pull now" during a pull.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::json;
use tokio::time::Instant;

use super::*;
use crate::cache::Cache;
use crate::clock::TokioClock;
use crate::crypto::{Cipher, MasterKey};
use crate::integrations::IntegrationInput;
use crate::pull::{FetchError, FetchOutcome, PullRequest, Validators};
use crate::widget_configs::WidgetConfigInput;

/// A puller that records each call (time, target, validators) and answers from a script.
#[derive(Debug, Default)]
struct Scripted {
    calls: Mutex<Vec<(Instant, String, Validators)>>,
    script: Mutex<VecDeque<Result<FetchOutcome, FetchError>>>,
    /// When set, each pull waits for a permit (to hold a pull in flight).
    gate: Option<Arc<tokio::sync::Semaphore>>,
    /// How many of the next pulls panic (a bug somewhere below the scheduler).
    panics: std::sync::atomic::AtomicUsize,
}

impl Scripted {
    fn calls(&self) -> Vec<(Instant, String, Validators)> {
        self.calls.lock().unwrap().clone()
    }
    fn push(&self, r: Result<FetchOutcome, FetchError>) {
        self.script.lock().unwrap().push_back(r);
    }
}

fn fetched(data: serde_json::Value) -> Result<FetchOutcome, FetchError> {
    Ok(FetchOutcome::Fetched {
        data,
        sample: String::new(),
        status: 200,
        validators: Validators {
            etag: Some("\"e1\"".to_owned()),
            last_modified: None,
        },
    })
}

fn transient() -> Result<FetchOutcome, FetchError> {
    Err(FetchError::Transient {
        message: "the server answered 503".to_owned(),
        status: Some(503),
        sample: None,
    })
}

impl Puller for Scripted {
    fn pull<'a>(
        &'a self,
        request: &'a PullRequest,
        validators: &'a Validators,
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .push((Instant::now(), request.target(), validators.clone()));
            if let Some(g) = &self.gate {
                g.acquire().await.unwrap().forget();
            }
            let panic_now = self
                .panics
                .fetch_update(
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                    |n| n.checked_sub(1),
                )
                .is_ok();
            assert!(!panic_now, "a scripted panic");
            self.script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| fetched(json!({"n": 0})))
        })
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    cache: Arc<Cache>,
    cipher: Arc<RwLock<Cipher>>,
    puller: Arc<Scripted>,
}

fn setup(puller: Scripted) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let cache = Arc::new(
        store
            .call_blocking(|c| Ok(Cache::load(c).unwrap()))
            .unwrap(),
    );
    Setup {
        _dir: dir,
        store,
        cache,
        cipher: Arc::new(RwLock::new(Cipher::new(&MasterKey::generate()))),
        puller: Arc::new(puller),
    }
}

fn json_integration(rate_limit: Option<u32>, interval: u32) -> IntegrationInput {
    serde_json::from_value(json!({
        "widget": "json", "name": format!("api-{interval}-{rate_limit:?}"), "integration_type": "pull",
        "config_schema": {"city": {"type": "string", "required": true}},
        "pull_endpoint": "http://127.0.0.1:9/{{options.city}}",
        "pull_interval_seconds": interval,
        "pull_config": {"fetcher": "json", "rate_limit": rate_limit},
        "data_key": "widget_option:city"
    }))
    .unwrap()
}

impl Setup {
    fn add(&self, input: IntegrationInput, cities: &[&str]) -> i64 {
        let cities: Vec<String> = cities.iter().map(|c| (*c).to_owned()).collect();
        self.store
            .call_blocking(move |c| {
                let i = crate::integrations::create(c, input, "2026-01-01T00:00:00Z").unwrap();
                for city in cities {
                    crate::widget_configs::create(
                        c,
                        WidgetConfigInput {
                            integration_id: i.id,
                            name: city.clone(),
                            options: json!({"city": city}).as_object().unwrap().clone(),
                            is_active: true,
                        },
                        "2026-01-01T00:00:00Z",
                    )
                    .unwrap();
                }
                Ok(i.id)
            })
            .unwrap()
    }

    fn spawn(&self, settings: SchedulerSettings) -> (SchedulerHandle, SchedulerTask) {
        spawn(SchedulerDeps {
            store: self.store.clone(),
            cache: Arc::clone(&self.cache),
            cipher: Arc::clone(&self.cipher),
            puller: self.puller.clone() as Arc<dyn Puller>,
            clock: Arc::new(TokioClock::starting_at(
                time::macros::datetime!(2026-01-01 00:00 UTC),
            )),
            settings,
        })
    }
}

fn settings() -> SchedulerSettings {
    SchedulerSettings {
        max_concurrent: 4,
        startup_spread: Duration::ZERO,
        start_paused: false,
    }
}

/// Lets the scheduler run until `n` pulls happened (advancing paused time as needed).
async fn until_calls(p: &Scripted, n: usize) {
    for _ in 0..100_000 {
        if p.calls().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("only {} calls, expected {n}", p.calls().len());
}

/// Waits (in paused time) until the scheduler has stored a result for every call made so far.
async fn settle(s: &Setup) {
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        tokio::task::yield_now().await;
    }
    let _ = s.store.call(|_| Ok(())).await;
}

#[tokio::test(start_paused = true)]
async fn pulls_each_used_key_once_then_on_its_interval() {
    let s = setup(Scripted::default());
    // Two widgets on the same city share one key; a third city is another key.
    s.add(json_integration(None, 60), &["lisbon", "lisbon", "porto"]);
    let (_h, task) = s.spawn(settings());
    until_calls(&s.puller, 2).await;
    settle(&s).await;
    let calls = s.puller.calls();
    assert_eq!(
        calls.len(),
        2,
        "one pull per distinct key, not per widget: {calls:?}"
    );
    let mut targets: Vec<&str> = calls.iter().map(|c| c.1.as_str()).collect();
    targets.sort_unstable();
    assert_eq!(
        targets,
        ["http://127.0.0.1:9/lisbon", "http://127.0.0.1:9/porto"]
    );
    let first = calls[0].0;
    until_calls(&s.puller, 4).await;
    let calls = s.puller.calls();
    assert!(
        calls[2].0 - first >= Duration::from_secs(60),
        "the interval is respected"
    );
    assert!(calls[2].0 - first < Duration::from_secs(61));
    // The second pull sends the validators the first one stored.
    assert_eq!(calls[2].2.etag.as_deref(), Some("\"e1\""));
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn identical_data_keeps_the_version_and_new_data_bumps_it() {
    let s = setup(Scripted::default());
    let id = s.add(json_integration(None, 60), &["lisbon"]);
    s.puller.push(fetched(json!({"t": 1})));
    s.puller.push(fetched(json!({"t": 1})));
    s.puller.push(fetched(json!({"t": 2})));
    let (_h, task) = s.spawn(settings());
    until_calls(&s.puller, 1).await;
    settle(&s).await;
    let v1 = s.cache.row(id, "city=lisbon").unwrap().version;
    until_calls(&s.puller, 2).await;
    settle(&s).await;
    assert_eq!(
        s.cache.row(id, "city=lisbon").unwrap().version,
        v1,
        "same data, same version"
    );
    until_calls(&s.puller, 3).await;
    settle(&s).await;
    let row = s.cache.row(id, "city=lisbon").unwrap();
    assert!(row.version > v1);
    assert_eq!(row.data.as_deref(), Some(&json!({"t": 2})));
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn failures_keep_the_data_and_back_off_exponentially_up_to_the_interval() {
    let s = setup(Scripted::default());
    let id = s.add(json_integration(None, 300), &["lisbon"]);
    s.puller.push(fetched(json!({"good": true})));
    for _ in 0..8 {
        s.puller.push(transient());
    }
    let (_h, task) = s.spawn(settings());
    until_calls(&s.puller, 9).await;
    settle(&s).await;
    let calls = s.puller.calls();
    let gaps: Vec<Duration> = calls.windows(2).skip(1).map(|w| w[1].0 - w[0].0).collect();
    // After the first (successful) pull the interval applies; then 10 s, 20 s, 40 s… jittered
    // into the upper half, capped at the 300 s interval.
    let mut expected = Duration::from_secs(10);
    for g in &gaps {
        assert!(
            *g >= expected / 2 && *g <= expected + Duration::from_millis(100),
            "gap {g:?} vs {expected:?}: {gaps:?}"
        );
        expected = (expected * 2).min(Duration::from_secs(300));
    }
    let row = s.cache.row(id, "city=lisbon").unwrap();
    assert_eq!(row.status, Status::Error);
    assert_eq!(
        row.data.as_deref(),
        Some(&json!({"good": true})),
        "the last good data stays"
    );
    assert!(row.error_message.as_deref().unwrap().contains("503"));
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let s = setup(Scripted::default());
    s.add(json_integration(None, 3600), &["lisbon"]);
    s.puller.push(Err(FetchError::RateLimited {
        retry_after: Some(Duration::from_secs(120)),
        message: "slow down".to_owned(),
        status: 429,
        sample: None,
    }));
    let (_h, task) = s.spawn(settings());
    until_calls(&s.puller, 2).await;
    let calls = s.puller.calls();
    assert!(calls[1].0 - calls[0].0 >= Duration::from_secs(120));
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn credentials_refused_block_the_key_until_a_fresh_pull() {
    let s = setup(Scripted::default());
    let id = s.add(json_integration(None, 60), &["lisbon"]);
    s.puller.push(Err(FetchError::Auth {
        message: "refused the credentials (401)".to_owned(),
        status: 401,
        sample: None,
    }));
    let (h, task) = s.spawn(settings());
    until_calls(&s.puller, 1).await;
    settle(&s).await;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        s.puller.calls().len(),
        1,
        "no retries while the credentials are refused"
    );
    assert_eq!(
        s.cache.row(id, "city=lisbon").unwrap().status,
        Status::AuthFailed
    );
    assert_eq!(h.status().blocked, 1);
    // New credentials (the admin handlers send a fresh pull) unblock it at once.
    h.run_fresh(Target::Integration(id));
    until_calls(&s.puller, 2).await;
    settle(&s).await;
    assert_eq!(s.cache.row(id, "city=lisbon").unwrap().status, Status::Ok);
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_holds_across_all_keys_of_the_integration() {
    let s = setup(Scripted::default());
    let cities: Vec<String> = (0..6).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = cities.iter().map(String::as_str).collect();
    s.add(json_integration(Some(2), 3600), &refs);
    let (_h, task) = s.spawn(settings());
    until_calls(&s.puller, 6).await;
    let calls = s.puller.calls();
    let start = calls[0].0;
    // 2 per minute: two at once, then one every 30 s.
    for (i, c) in calls.iter().enumerate() {
        let min = Duration::from_secs(30) * u32::try_from(i.saturating_sub(1)).unwrap();
        assert!(
            c.0 - start >= min,
            "call {i} at {:?} < {min:?}",
            c.0 - start
        );
    }
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_restart_resumes_the_persisted_schedule() {
    let s = setup(Scripted::default());
    s.add(json_integration(None, 600), &["lisbon"]);
    let (_h, task) = s.spawn(settings());
    until_calls(&s.puller, 1).await;
    settle(&s).await;
    task.stop().await;
    let stopped_at = Instant::now();
    // A new scheduler over the same database: the key is not due until refresh_at.
    let (_h, task) = s.spawn(settings());
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(
        s.puller.calls().len(),
        1,
        "a restart must not refetch everything"
    );
    until_calls(&s.puller, 2).await;
    let second = s.puller.calls()[1].0;
    assert!(
        second - stopped_at >= Duration::from_secs(590),
        "{:?}",
        second - stopped_at
    );
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn start_up_pulls_are_spread_with_jitter() {
    let s = setup(Scripted::default());
    let cities: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = cities.iter().map(String::as_str).collect();
    s.add(json_integration(None, 3600), &refs);
    let (_h, task) = s.spawn(SchedulerSettings {
        max_concurrent: 20,
        startup_spread: Duration::from_secs(10),
        start_paused: false,
    });
    until_calls(&s.puller, 20).await;
    let mut times: Vec<Instant> = s.puller.calls().iter().map(|c| c.0).collect();
    times.sort();
    times.dedup();
    assert!(
        times.len() > 10,
        "20 keys must not all start at once: {} distinct times",
        times.len()
    );
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn pull_now_during_a_pull_queues_exactly_one_more() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let s = setup(Scripted {
        gate: Some(Arc::clone(&gate)),
        ..Scripted::default()
    });
    let id = s.add(json_integration(None, 3600), &["lisbon"]);
    let (h, task) = s.spawn(settings());
    until_calls(&s.puller, 1).await;
    for _ in 0..5 {
        h.run_now(Target::Integration(id));
    }
    settle(&s).await;
    assert_eq!(s.puller.calls().len(), 1, "still in flight");
    gate.add_permits(10);
    until_calls(&s.puller, 2).await;
    settle(&s).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        s.puller.calls().len(),
        2,
        "five requests during a pull made exactly one more"
    );
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn pull_now_never_sends_a_waiting_key_to_the_back_of_the_line() {
    // One pull at a time, so keys queue. Found by the upstream-chaos test: a "pull now" for
    // every key, repeated while slow pulls held the slots, kept resetting the queued keys to the
    // same moment, and the tie went to the same keys every time — some keys were never pulled.
    // (With every slot taken the loop also used to spin on an already-passed due time; on
    // paused time that made this test hang.)
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let s = setup(Scripted {
        gate: Some(Arc::clone(&gate)),
        ..Scripted::default()
    });
    s.add(
        json_integration(None, 3600),
        &["aveiro", "braga", "coimbra"],
    );
    let (h, task) = s.spawn(SchedulerSettings {
        max_concurrent: 1,
        ..settings()
    });
    until_calls(&s.puller, 1).await;
    gate.add_permits(1);
    until_calls(&s.puller, 2).await;
    // aveiro is done, braga is in flight, coimbra has waited since the start.
    h.run_now(Target::All);
    settle(&s).await;
    gate.add_permits(1);
    until_calls(&s.puller, 3).await;
    let targets: Vec<String> = s.puller.calls().into_iter().map(|c| c.1).collect();
    assert_eq!(
        targets,
        [
            "http://127.0.0.1:9/aveiro",
            "http://127.0.0.1:9/braga",
            "http://127.0.0.1:9/coimbra"
        ],
        "the key waiting longest goes next"
    );
    gate.add_permits(100);
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_pull_that_panics_is_retried_instead_of_stuck_running() {
    let s = setup(Scripted {
        panics: std::sync::atomic::AtomicUsize::new(1),
        ..Scripted::default()
    });
    s.add(json_integration(None, 3600), &["lisbon"]);
    let (h, task) = s.spawn(settings());
    until_calls(&s.puller, 2).await;
    let calls = s.puller.calls();
    assert!(
        calls[1].0 - calls[0].0 >= PANIC_RETRY,
        "retried after the pause, not at once"
    );
    settle(&s).await;
    assert_eq!(h.status().in_flight, 0, "nothing is left running");
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn paused_means_no_pulls_until_resumed() {
    let s = setup(Scripted::default());
    s.add(json_integration(None, 60), &["lisbon"]);
    let (h, task) = s.spawn(SchedulerSettings {
        start_paused: true,
        ..settings()
    });
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(s.puller.calls().is_empty());
    assert!(h.status().paused);
    h.set_paused(false);
    until_calls(&s.puller, 1).await;
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_new_widget_config_is_pulled_at_once_and_unused_keys_are_dropped() {
    let s = setup(Scripted::default());
    let id = s.add(json_integration(None, 3600), &["lisbon"]);
    let (h, task) = s.spawn(settings());
    until_calls(&s.puller, 1).await;
    settle(&s).await;
    // The admin adds a widget for another city: reload + fresh pull of its key.
    let wc = s
        .store
        .call_blocking(move |c| {
            Ok(crate::widget_configs::create(
                c,
                WidgetConfigInput {
                    integration_id: id,
                    name: "Faro".to_owned(),
                    options: json!({"city": "faro"}).as_object().unwrap().clone(),
                    is_active: true,
                },
                "2026-01-01T00:00:00Z",
            )
            .unwrap())
        })
        .unwrap();
    h.reload();
    h.run_fresh(Target::WidgetConfig(wc.id.clone()));
    until_calls(&s.puller, 2).await;
    assert_eq!(s.puller.calls()[1].1, "http://127.0.0.1:9/faro");
    // Deleting the first widget drops its key and its cached row.
    let lisbon_wc = s
        .store
        .call_blocking(move |c| {
            Ok(crate::widget_configs::list_for(c, id)
                .unwrap()
                .into_iter()
                .find(|w| w.name == "lisbon")
                .unwrap()
                .id)
        })
        .unwrap();
    s.store
        .call_blocking(move |c| {
            crate::widget_configs::delete(c, &lisbon_wc).unwrap();
            Ok(())
        })
        .unwrap();
    h.reload();
    h.sync().await;
    settle(&s).await;
    assert_eq!(h.status().keys, 1);
    assert!(s.cache.row(id, "city=lisbon").is_none());
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_changes_pulls_every_new_key_exactly_once() {
    let s = setup(Scripted::default());
    let id = s.add(json_integration(None, 3600), &["lisbon"]);
    let (h, task) = s.spawn(settings());
    until_calls(&s.puller, 1).await;
    settle(&s).await;
    // A script places 40 widgets, each announced as it is stored: the scheduler reads the
    // definitions once for the queued lot, and still pulls each new key once, at once.
    let mut ids = Vec::new();
    for n in 0..40 {
        let wc = s
            .store
            .call_blocking(move |c| {
                Ok(crate::widget_configs::create(
                    c,
                    WidgetConfigInput {
                        integration_id: id,
                        name: format!("town {n}"),
                        options: json!({"city": format!("town{n}")})
                            .as_object()
                            .unwrap()
                            .clone(),
                        is_active: true,
                    },
                    "2026-01-01T00:00:00Z",
                )
                .unwrap())
            })
            .unwrap();
        h.changed(Some(Target::WidgetConfig(wc.id.clone())));
        ids.push(wc.id);
    }
    until_calls(&s.puller, 41).await;
    settle(&s).await;
    let calls = s.puller.calls();
    let mut targets: Vec<String> = calls[1..].iter().map(|c| c.1.clone()).collect();
    targets.sort_unstable();
    let mut expected: Vec<String> = (0..40)
        .map(|n| format!("http://127.0.0.1:9/town{n}"))
        .collect();
    expected.sort_unstable();
    assert_eq!(targets, expected, "one pull per new key, none twice");
    assert!(
        calls[1..]
            .iter()
            .all(|c| c.0 - calls[1].0 < Duration::from_secs(2)),
        "every new key is pulled at once"
    );
    for wc in &ids {
        assert!(s.cache.served_version(wc).is_some_and(|v| v > 0));
    }
    task.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_stale_widget_hint_falls_back_to_another_widget_of_the_key() {
    let s = setup(Scripted::default());
    // Two widgets share one key; the scheduler builds the pull from one of them.
    let id = s.add(json_integration(None, 3600), &["lisbon", "lisbon"]);
    let (h, task) = s.spawn(settings());
    until_calls(&s.puller, 1).await;
    settle(&s).await;
    // Both are deleted and a third placed behind the scheduler's back (no reload), so the
    // widget it planned with is gone: the pull is still built, from the widget that remains.
    s.store
        .call_blocking(move |c| {
            for wc in crate::widget_configs::list_for(c, id).unwrap() {
                crate::widget_configs::delete(c, &wc.id).unwrap();
            }
            crate::widget_configs::create(
                c,
                WidgetConfigInput {
                    integration_id: id,
                    name: "Lisbon again".to_owned(),
                    options: json!({"city": "lisbon"}).as_object().unwrap().clone(),
                    is_active: true,
                },
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
            Ok(())
        })
        .unwrap();
    h.run_fresh(Target::All);
    until_calls(&s.puller, 2).await;
    assert_eq!(s.puller.calls()[1].1, "http://127.0.0.1:9/lisbon");
    settle(&s).await;
    assert_eq!(h.status().keys, 1, "the key is still scheduled");
    task.stop().await;
}
