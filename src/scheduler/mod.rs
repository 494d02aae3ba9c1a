//! The pull scheduler (DESIGN §4): one owned task that pulls exactly the data keys at least one
//! active widget config uses, each on its integration's interval.
//!
//! - **Commands** come through a [`SchedulerHandle`]: reload the definitions, pull now (a new or
//!   changed widget config, new credentials, the admin's Refresh now), pause and resume.
//!   A pull requested while the key is being pulled queues exactly one more pull.
//! - **Time**: timers use tokio's clock (paused in tests); stored times come from an injected
//!   [`Clock`]. Each key's `refresh_at` is persisted, so a restart resumes the schedule instead of
//!   refetching everything; keys due at start are spread with jitter.
//! - **Failures** keep the last good data ([`job`]): transient errors back off exponentially
//!   with jitter up to the interval, honouring `Retry-After`; 401/403 block the key until its
//!   credentials change.
//! - **Rate limits** (`pull_config.rate_limit`, per minute per integration) hold across all the
//!   keys of the integration; at most [`SchedulerSettings::max_concurrent`] pulls run at once.

pub mod job;
pub mod rate;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::cache::{self, Cache, KeyId, Status};
use crate::clock::Clock;
use crate::crypto::Cipher;
use crate::error::Error;
use crate::integrations;
use crate::pull::{FetchError, FetchOutcome, PullClient, PullRequest, Validators};
use crate::store::Store;
use crate::widget_configs;

use self::job::Next;
use self::rate::Bucket;

/// What sends pulls: the real HTTP client, or a test double.
pub trait Puller: Send + Sync + std::fmt::Debug {
    /// Sends one pull.
    fn pull<'a>(
        &'a self,
        request: &'a PullRequest,
        validators: &'a Validators,
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>>;
}

impl Puller for PullClient {
    fn pull<'a>(
        &'a self,
        request: &'a PullRequest,
        validators: &'a Validators,
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        Box::pin(crate::pull::fetch(self, request, validators))
    }
}

/// When a pull that panicked (a bug, never an upstream's doing) is tried again.
pub const PANIC_RETRY: Duration = Duration::from_secs(60);

/// Tunables.
#[derive(Debug, Clone, Copy)]
pub struct SchedulerSettings {
    /// Pulls in flight at once.
    pub max_concurrent: usize,
    /// Keys due at start-up are spread over up to this long.
    pub startup_spread: Duration,
    /// Start paused (tests that must not pull; the admin resumes with `PUT /admin/api/scheduler`).
    pub start_paused: bool,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            max_concurrent: 4,
            startup_spread: Duration::from_secs(10),
            start_paused: false,
        }
    }
}

/// What the scheduler needs.
#[derive(Debug, Clone)]
pub struct SchedulerDeps {
    /// The database.
    pub store: Store,
    /// The in-memory cache (updated after each pull).
    pub cache: Arc<Cache>,
    /// The cipher for credentials.
    pub cipher: Arc<RwLock<Cipher>>,
    /// Sends pulls.
    pub puller: Arc<dyn Puller>,
    /// Wall-clock time for stored timestamps.
    pub clock: Arc<dyn Clock>,
    /// Tunables.
    pub settings: SchedulerSettings,
}

/// Which keys a "pull now" applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every key.
    All,
    /// Every key of an integration.
    Integration(i64),
    /// The key a widget config uses.
    WidgetConfig(String),
    /// One key.
    Key(KeyId),
}

#[derive(Debug)]
enum Command {
    Reload,
    PullNow { target: Target, fresh: bool },
    Pause(bool),
    Sync(tokio::sync::oneshot::Sender<()>),
    Batch(Vec<Command>),
}

/// The scheduler's state, for the admin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SchedulerStatus {
    /// Whether pulls are paused.
    pub paused: bool,
    /// Data keys scheduled.
    pub keys: usize,
    /// Pulls in flight.
    pub in_flight: usize,
    /// Keys blocked until their credentials change.
    pub blocked: usize,
}

/// A cheap handle to send commands. Clone it freely.
#[derive(Debug, Clone)]
pub struct SchedulerHandle {
    tx: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<SchedulerStatus>,
}

impl SchedulerHandle {
    /// Re-reads integrations and widget configs (after any definition change).
    pub fn reload(&self) {
        let _ = self.tx.send(Command::Reload);
    }

    /// Definitions changed: reload them, then (atomically, so it makes one pull) pull `target`
    /// fresh — the keys whose request may have changed.
    pub fn changed(&self, target: Option<Target>) {
        let mut batch = vec![Command::Reload];
        if let Some(target) = target {
            batch.push(Command::PullNow {
                target,
                fresh: true,
            });
        }
        let _ = self.tx.send(Command::Batch(batch));
    }

    /// Pulls `target` now (debounced: during a pull it queues exactly one more).
    pub fn run_now(&self, target: Target) {
        let _ = self.tx.send(Command::PullNow {
            target,
            fresh: false,
        });
    }

    /// Pulls `target` now without sending the stored upstream validators: for changed options,
    /// definitions or credentials, where a `304` would keep data built from the old request.
    /// Also unblocks keys whose credentials were refused.
    pub fn run_fresh(&self, target: Target) {
        let _ = self.tx.send(Command::PullNow {
            target,
            fresh: true,
        });
    }

    /// Pauses or resumes all pulls.
    pub fn set_paused(&self, paused: bool) {
        let _ = self.tx.send(Command::Pause(paused));
    }

    /// Waits until every command sent before has been handled (e.g. a reload finished).
    pub async fn sync(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.tx.send(Command::Sync(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// The current status.
    pub fn status(&self) -> SchedulerStatus {
        self.status.borrow().clone()
    }

    /// Watches the status.
    pub fn watch(&self) -> watch::Receiver<SchedulerStatus> {
        self.status.clone()
    }
}

/// The running task; stop it with [`SchedulerTask::stop`].
#[derive(Debug)]
pub struct SchedulerTask {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SchedulerTask {
    /// Stops the scheduler; in-flight pulls are abandoned (their data stays as it was). Waits at
    /// most 2 s.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// Starts the scheduler. It loads the definitions at once.
pub fn spawn(deps: SchedulerDeps) -> (SchedulerHandle, SchedulerTask) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (status_tx, status) = watch::channel(SchedulerStatus::default());
    let (stop, stop_rx) = watch::channel(false);
    let _ = tx.send(Command::Reload);
    let task = tokio::spawn(run(deps, rx, status_tx, stop_rx));
    (SchedulerHandle { tx, status }, SchedulerTask { stop, task })
}

/// "Pull now" (not fresh) within this long of the key's last pull waits until it has passed, so
/// repeated Refresh clicks or many widgets on one key make one pull.
pub const REFRESH_DEBOUNCE: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct Job {
    /// When the next pull is due; `None` while blocked (credentials refused).
    due: Option<Instant>,
    /// When the last pull started.
    last_started: Option<Instant>,
    running: bool,
    /// A pull was asked for while running: run once more when done.
    again: Option<bool>,
    fresh: bool,
}

struct Loop {
    deps: SchedulerDeps,
    jobs: HashMap<KeyId, Job>,
    rates: HashMap<i64, Bucket>,
    /// Integration of each widget config, and each widget config's key.
    widget_keys: HashMap<String, KeyId>,
    /// One active widget config per key, as a hint for building its pull.
    key_widgets: HashMap<KeyId, String>,
    running: JoinSet<job::Outcome>,
    /// The key each running pull task works on, so a task that panics can be accounted for.
    tasks: HashMap<tokio::task::Id, KeyId>,
    paused: bool,
}

async fn run(
    deps: SchedulerDeps,
    mut rx: mpsc::UnboundedReceiver<Command>,
    status: watch::Sender<SchedulerStatus>,
    mut stop: watch::Receiver<bool>,
) {
    let mut l = Loop {
        deps,
        jobs: HashMap::new(),
        rates: HashMap::new(),
        widget_keys: HashMap::new(),
        key_widgets: HashMap::new(),
        running: JoinSet::new(),
        tasks: HashMap::new(),
        paused: false,
    };
    l.paused = l.deps.settings.start_paused;
    loop {
        l.start_due();
        status.send_if_modified(|s| {
            let new = SchedulerStatus {
                paused: l.paused,
                keys: l.jobs.len(),
                in_flight: l.running.len(),
                blocked: l
                    .jobs
                    .values()
                    .filter(|j| j.due.is_none() && !j.running)
                    .count(),
            };
            let changed = *s != new;
            *s = new;
            changed
        });
        // With every slot taken there is nothing to start before a pull finishes (or a command
        // comes): waiting for a due time that has already passed would spin.
        let full = l.running.len() >= l.deps.settings.max_concurrent;
        let next_due = if l.paused || full {
            None
        } else {
            l.jobs
                .values()
                .filter(|j| !j.running)
                .filter_map(|j| j.due)
                .min()
        };
        tokio::select! {
            () = stopped(&mut stop) => break,
            cmd = rx.recv() => match cmd {
                Some(cmd) => {
                    // Handle everything already queued before starting pulls, so "reload" and
                    // "pull this new widget now" sent together make one pull, not two.
                    let mut queued = vec![cmd];
                    while let Ok(more) = rx.try_recv() {
                        queued.push(more);
                    }
                    l.commands(queued).await;
                }
                None => break,
            },
            Some(done) = l.running.join_next_with_id(), if !l.running.is_empty() => {
                match done {
                    Ok((id, outcome)) => {
                        l.tasks.remove(&id);
                        l.finished(outcome);
                    }
                    // A pull that panicked must not leave its key "running" for ever: retry
                    // it later like any other failure.
                    Err(e) => {
                        if let Some(key) = l.tasks.remove(&e.id()) {
                            tracing::error!(integration = key.0, "a pull failed unexpectedly: {e}");
                            l.finished(job::Outcome {
                                key,
                                next: job::Next::After(PANIC_RETRY),
                            });
                        }
                    }
                }
            }
            () = sleep_until(next_due), if next_due.is_some() => {}
        }
    }
    l.running.abort_all();
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return max;
    }
    let mut b = [0u8; 2];
    crate::crypto::random_bytes(&mut b);
    max.mul_f64(f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX))
}

/// Every key in use, with its integration's interval and rate limit, and each widget config's
/// key.
struct Plan {
    /// Each key with one active widget config that uses it (its pull is built from that
    /// widget's options).
    keys: HashMap<KeyId, String>,
    rates: HashMap<i64, Option<u32>>,
    widget_keys: HashMap<String, KeyId>,
}

fn plan(conn: &rusqlite::Connection) -> Result<Plan, Error> {
    let mut p = Plan {
        keys: HashMap::new(),
        rates: HashMap::new(),
        widget_keys: HashMap::new(),
    };
    let all_integrations = integrations::list(conn)?;
    let mut used_keys: HashSet<KeyId> = HashSet::new();
    for i in &all_integrations {
        for wc in widget_configs::list_for(conn, i.id)? {
            let key = (i.id, cache::key_for(i, &wc));
            used_keys.insert(key.clone());
            p.widget_keys.insert(wc.id.clone(), key.clone());
            if i.is_active && wc.is_active && i.integration_type.pulls() {
                p.keys.entry(key).or_insert_with(|| wc.id.clone());
                p.rates.insert(i.id, i.pull_config.rate_limit);
            }
        }
    }
    // Cache rows no widget config uses any more (an option changed, a widget was deleted) are
    // dropped, so the cache stays bounded.
    let mut stmt = conn.prepare("SELECT integration_id, data_key FROM integration_data")?;
    let stored: Vec<KeyId> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for key in stored {
        if !used_keys.contains(&key) {
            conn.execute(
                "DELETE FROM integration_data WHERE integration_id = ?1 AND data_key = ?2",
                (key.0, &key.1),
            )?;
        }
    }
    Ok(p)
}

impl Loop {
    /// Handles queued commands with one reload for the lot: a reload reads every definition,
    /// so a burst of changes (an import, a script placing many widgets) would otherwise cost one
    /// full read per change. Pull requests wait for the reload before them, so they see the
    /// keys it adds; a pause or a sync keeps its place in the order.
    async fn commands(&mut self, queued: Vec<Command>) {
        let mut flat = Vec::with_capacity(queued.len());
        let mut stack: Vec<Command> = queued.into_iter().rev().collect();
        while let Some(c) = stack.pop() {
            match c {
                Command::Batch(inner) => stack.extend(inner.into_iter().rev()),
                other => flat.push(other),
            }
        }
        let mut reload = false;
        let mut pulls = Vec::new();
        for c in flat {
            match c {
                Command::Reload => reload = true,
                pull @ Command::PullNow { .. } => pulls.push(pull),
                other => {
                    self.flush(&mut reload, &mut pulls).await;
                    self.command(other).await;
                }
            }
        }
        self.flush(&mut reload, &mut pulls).await;
    }

    async fn flush(&mut self, reload: &mut bool, pulls: &mut Vec<Command>) {
        if std::mem::take(reload) {
            self.reload().await;
        }
        for pull in pulls.drain(..) {
            self.command(pull).await;
        }
    }

    async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Reload => self.reload().await,
            Command::Pause(p) => self.paused = p,
            Command::Sync(done) => {
                let _ = done.send(());
            }
            Command::Batch(cmds) => {
                for c in cmds {
                    Box::pin(self.command(c)).await;
                }
            }
            Command::PullNow { target, fresh } => {
                let now = Instant::now();
                let keys: Vec<KeyId> = self
                    .jobs
                    .keys()
                    .filter(|k| match &target {
                        Target::All => true,
                        Target::Integration(id) => k.0 == *id,
                        Target::Key(key) => *k == key,
                        Target::WidgetConfig(wc) => self.widget_keys.get(wc) == Some(*k),
                    })
                    .cloned()
                    .collect();
                for key in keys {
                    let job = self.jobs.get_mut(&key).expect("listed above");
                    if job.running {
                        job.again = Some(job.again.unwrap_or(false) || fresh);
                    } else {
                        // Fresh pulls (changed definitions or credentials) go at once; plain
                        // "pull now" is debounced. Never later than it already was: a key
                        // waiting for a free slot keeps its place in line (repeated requests
                        // would otherwise reset every waiting key to the same moment, and the
                        // same keys would win each tie).
                        let earliest = match job.last_started {
                            Some(t) if !fresh => (t + REFRESH_DEBOUNCE).max(now),
                            _ => now,
                        };
                        job.due = Some(job.due.map_or(earliest, |d| d.min(earliest)));
                        job.fresh |= fresh;
                    }
                }
            }
        }
    }

    async fn reload(&mut self) {
        let plan = self
            .deps
            .store
            .call(|c| plan(c).map_err(|e| crate::store::StoreError::Task(e.to_string())))
            .await;
        let plan = match plan {
            Ok(p) => p,
            Err(e) => {
                tracing::error!("the scheduler cannot read the definitions: {e}");
                return;
            }
        };
        let now = Instant::now();
        let wall = self.deps.clock.now();
        self.jobs.retain(|k, _| plan.keys.contains_key(k));
        for key in plan.keys.keys() {
            if self.jobs.contains_key(key) {
                continue;
            }
            let row = self.deps.cache.row(key.0, &key.1);
            let due = match row.as_deref() {
                // Credentials were refused: wait for new ones.
                Some(r) if r.status == Status::AuthFailed => None,
                // Resume the persisted schedule.
                Some(r) if r.status != Status::Pending => {
                    match r.refresh_at.as_deref().and_then(job::parse_time) {
                        Some(at) if at > wall => {
                            let wait = Duration::try_from(at - wall).unwrap_or_default();
                            Some(now + wait)
                        }
                        _ => Some(now + jitter(self.deps.settings.startup_spread)),
                    }
                }
                _ => Some(
                    now + jitter(
                        self.deps
                            .settings
                            .startup_spread
                            .min(Duration::from_secs(1)),
                    ),
                ),
            };
            self.jobs.insert(
                key.clone(),
                Job {
                    due,
                    last_started: None,
                    running: false,
                    again: None,
                    fresh: false,
                },
            );
        }
        for (iid, rl) in &plan.rates {
            match rl {
                Some(per_minute) => {
                    let keep = self
                        .rates
                        .get(iid)
                        .is_some_and(|b| b.per_minute() == *per_minute);
                    if !keep {
                        self.rates.insert(*iid, Bucket::new(*per_minute, now));
                    }
                }
                None => {
                    self.rates.remove(iid);
                }
            }
        }
        self.rates.retain(|iid, _| plan.rates.contains_key(iid));
        self.widget_keys = plan.widget_keys;
        self.key_widgets = plan.keys;
        // Forget cache rows the plan dropped.
        let cache = Arc::clone(&self.deps.cache);
        let _ = self
            .deps
            .store
            .call(move |c| {
                cache
                    .reload_widgets(c)
                    .map_err(|e| crate::store::StoreError::Task(e.to_string()))
            })
            .await;
    }

    fn start_due(&mut self) {
        if self.paused {
            return;
        }
        let now = Instant::now();
        let mut due: Vec<(Instant, KeyId)> = self
            .jobs
            .iter()
            .filter(|(_, j)| !j.running)
            .filter_map(|(k, j)| j.due.filter(|d| *d <= now).map(|d| (d, k.clone())))
            .collect();
        due.sort();
        for (_, key) in due {
            if self.running.len() >= self.deps.settings.max_concurrent {
                break;
            }
            if let Some(bucket) = self.rates.get_mut(&key.0) {
                if let Err(next) = bucket.take(now) {
                    if let Some(j) = self.jobs.get_mut(&key) {
                        j.due = Some(next);
                    }
                    continue;
                }
            }
            let job = self.jobs.get_mut(&key).expect("listed above");
            job.running = true;
            job.last_started = Some(now);
            let fresh = std::mem::take(&mut job.fresh);
            let d = self.deps.clone();
            let task_key = key.clone();
            let hint = self.key_widgets.get(&key).cloned();
            let task = self
                .running
                .spawn(async move { job::run(&d, key, hint, fresh).await });
            self.tasks.insert(task.id(), task_key);
        }
    }

    fn finished(&mut self, outcome: job::Outcome) {
        let Some(job) = self.jobs.get_mut(&outcome.key) else {
            return;
        };
        job.running = false;
        let now = Instant::now();
        match outcome.next {
            Next::Gone => {
                self.jobs.remove(&outcome.key);
                return;
            }
            Next::Blocked => job.due = None,
            Next::After(d) => job.due = Some(now + d),
        }
        if let Some(fresh) = job.again.take() {
            // A pull was asked for during this one: run once more now. A fresh request (new
            // credentials) also lifts a block.
            if job.due.is_some() || fresh {
                job.due = Some(now);
                job.fresh |= fresh;
            }
        }
    }
}

#[cfg(test)]
mod tests;
