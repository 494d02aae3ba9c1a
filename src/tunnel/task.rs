//! The owned tunnel task (STYLE habit 6): one `select!` loop that opens a session for the
//! current settings, serves it, reconnects with capped exponential backoff and jitter, restarts
//! on new settings, and publishes a [`TunnelStatus`] on a watch channel.

use std::net::SocketAddr;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{
    tunnel_for, Provider, TunnelConfig, TunnelError, TunnelErrorKind, TunnelSession, TunnelState,
    TunnelStatus,
};

/// How long [`TunnelHandle::stop`] waits for the task before aborting it.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Exponential backoff between connection attempts: `base`, `2·base`, `4·base`… up to `cap`,
/// each delay drawn uniformly from its upper half (so restarts do not retry in lockstep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure.
    pub base: Duration,
    /// The longest delay, also the pace of retries after a rejection.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 1 s doubling up to 60 s.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The delay after `failures` consecutive failures (≥ 1), jittered by `random`.
    pub fn delay(&self, failures: u32, random: u64) -> Duration {
        let exponent = failures.saturating_sub(1).min(31);
        let full = self
            .base
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.cap)
            .min(self.cap);
        Self::jitter(full, random)
    }

    /// A delay in `[full/2, full]`.
    fn jitter(full: Duration, random: u64) -> Duration {
        let half = full / 2;
        let spread = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(random % (spread + 1))
    }
}

/// Tuning of a [`TunnelTask`]; the defaults are for production.
#[derive(Debug, Clone, Default)]
pub struct TunnelOptions {
    /// Delays between connection attempts.
    pub backoff: Backoff,
    /// ngrok's agent ingress as `host:port` instead of the SDK's default: a custom ingress, or a
    /// loopback address in tests.
    pub ngrok_server_addr: Option<String>,
}

/// Spawns the tunnel task.
#[derive(Debug)]
pub struct TunnelTask;

impl TunnelTask {
    /// Starts a task that keeps a tunnel of `config` forwarding to `local` — the hooks
    /// listener's address, and nothing else — with production options.
    pub fn spawn(config: TunnelConfig, local: SocketAddr) -> TunnelHandle {
        Self::spawn_with(config, local, TunnelOptions::default())
    }

    /// [`TunnelTask::spawn`] with explicit options (tests use a short backoff).
    pub fn spawn_with(
        config: TunnelConfig,
        local: SocketAddr,
        options: TunnelOptions,
    ) -> TunnelHandle {
        let (status_tx, status) = watch::channel(TunnelStatus::initial(config.provider()));
        let (config_tx, config_rx) = watch::channel(config);
        let task = tokio::spawn(
            Runner {
                config: config_rx,
                status: status_tx,
                local,
                options,
            }
            .run(),
        );
        TunnelHandle {
            config: Some(config_tx),
            status,
            task: Some(task),
        }
    }
}

/// The handle of a running tunnel task. Dropping it aborts the task (sessions close as their
/// sockets drop); [`TunnelHandle::stop`] closes them politely first.
#[derive(Debug)]
pub struct TunnelHandle {
    config: Option<watch::Sender<TunnelConfig>>,
    status: watch::Receiver<TunnelStatus>,
    task: Option<JoinHandle<()>>,
}

impl TunnelHandle {
    /// The status, updated on every change.
    pub fn status(&self) -> watch::Receiver<TunnelStatus> {
        self.status.clone()
    }

    /// Restarts the tunnel with new settings: the current session is closed, the backoff and
    /// `last_error` are reset. The same settings again mean "retry now".
    pub fn reconfigure(&self, config: TunnelConfig) {
        if let Some(tx) = &self.config {
            tx.send_replace(config);
        }
    }

    /// Closes the session and ends the task, waiting at most [`STOP_TIMEOUT`] before aborting.
    pub async fn stop(mut self) {
        // Dropping the settings sender is the stop signal.
        drop(self.config.take());
        let Some(mut task) = self.task.take() else {
            return;
        };
        if tokio::time::timeout(STOP_TIMEOUT, &mut task).await.is_err() {
            tracing::warn!("the tunnel task did not stop in time; aborting it");
            task.abort();
        }
    }
}

impl Drop for TunnelHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// How long opening a session may take in all (ngrok's SDK has no timeout of its own).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long closing a session may take (ngrok tells its service).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// What ended an inner loop.
enum Next {
    /// New settings arrived.
    Reconfigure,
    /// The handle stopped or was dropped.
    Stop,
}

struct Runner {
    config: watch::Receiver<TunnelConfig>,
    status: watch::Sender<TunnelStatus>,
    local: SocketAddr,
    options: TunnelOptions,
}

impl Runner {
    async fn run(mut self) {
        loop {
            let config = self.config.borrow_and_update().clone();
            let next = self.run_config(&config).await;
            if matches!(next, Next::Stop) {
                break;
            }
        }
        tracing::debug!("tunnel task stopped");
    }

    /// Keeps one configuration online until new settings arrive or the handle stops.
    async fn run_config(&mut self, config: &TunnelConfig) -> Next {
        let provider = config.provider();
        let problems = config.validate();
        if !problems.is_empty() {
            let detail = problems
                .iter()
                .map(|(field, message)| format!("{field} {message}"))
                .collect::<Vec<_>>()
                .join("; ");
            self.publish(TunnelStatus {
                state: TunnelState::Error,
                last_error: Some(config.scrub(&format!("invalid tunnel settings: {detail}"))),
                ..TunnelStatus::initial(provider)
            });
            return self.changed().await;
        }
        let Some(tunnel) = tunnel_for(config, &self.options) else {
            self.publish(TunnelStatus::initial(provider));
            return self.changed().await;
        };

        let mut failures: u32 = 0;
        let mut last: Option<TunnelError> = None;
        loop {
            self.publish(waiting(provider, last.as_ref(), config));
            let attempt = tokio::time::timeout(CONNECT_TIMEOUT, tunnel.connect(self.local));
            let opened = tokio::select! {
                opened = attempt => opened.unwrap_or_else(|_| Err(TunnelError::unavailable(format!(
                    "no session after {} s; is the network up?",
                    CONNECT_TIMEOUT.as_secs()
                )))),
                next = self.changed() => return next,
            };
            match opened {
                Ok(mut session) => {
                    let since = Instant::now();
                    self.publish(TunnelStatus {
                        provider,
                        state: TunnelState::Online,
                        public_url: Some(session.public_url().to_owned()),
                        last_error: last.as_ref().map(|e| config.scrub(e.message())),
                        connected_since: Some(OffsetDateTime::now_utc()),
                    });
                    tracing::info!(provider = ?provider, public_url = %session.public_url(), "tunnel online");
                    let outcome = tokio::select! {
                        lost = session.serve() => Ok(lost),
                        next = self.changed() => Err(next),
                    };
                    close(session).await;
                    let lost = match outcome {
                        Ok(lost) => lost,
                        Err(next) => return next,
                    };
                    tracing::warn!(provider = ?provider, error = %config.scrub(lost.message()), "tunnel session lost");
                    // A session that held for a while starts the backoff afresh; one that
                    // drops right after connecting keeps growing it, so a flapping relay is
                    // not hammered.
                    if since.elapsed() >= self.options.backoff.cap {
                        failures = 0;
                    }
                    failures = failures.saturating_add(1);
                    last = Some(lost);
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    if last.as_ref().map(TunnelError::message) != Some(error.message()) {
                        tracing::warn!(provider = ?provider, error = %config.scrub(error.message()), "tunnel cannot connect");
                    }
                    last = Some(error);
                }
            }
            let delay = match last.as_ref().map(TunnelError::kind) {
                Some(TunnelErrorKind::Rejected) => self.options.backoff.cap,
                _ => self.options.backoff.delay(failures, random()),
            };
            self.publish(waiting(provider, last.as_ref(), config));
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                next = self.changed() => return next,
            }
        }
    }

    /// Waits for new settings or the stop signal.
    async fn changed(&mut self) -> Next {
        match self.config.changed().await {
            Ok(()) => Next::Reconfigure,
            Err(_) => Next::Stop,
        }
    }

    /// Publishes `status` if it differs, logging state changes.
    fn publish(&self, status: TunnelStatus) {
        self.status.send_if_modified(|current| {
            if *current == status {
                return false;
            }
            if current.state != status.state {
                tracing::debug!(from = ?current.state, to = ?status.state, "tunnel state");
            }
            *current = status;
            true
        });
    }
}

/// The status between sessions: `connecting`, or `error` after a rejection.
fn waiting(provider: Provider, last: Option<&TunnelError>, config: &TunnelConfig) -> TunnelStatus {
    let state = match last.map(TunnelError::kind) {
        Some(TunnelErrorKind::Rejected) => TunnelState::Error,
        _ => TunnelState::Connecting,
    };
    TunnelStatus {
        provider,
        state,
        public_url: None,
        last_error: last.map(|e| config.scrub(e.message())),
        connected_since: None,
    }
}

async fn close(session: Box<dyn TunnelSession>) {
    if tokio::time::timeout(CLOSE_TIMEOUT, session.close())
        .await
        .is_err()
    {
        tracing::debug!("closing the tunnel session timed out");
    }
}

/// Randomness for jitter; not security-relevant.
fn random() -> u64 {
    getrandom::u64().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let b = Backoff::default();
        // random = 0 gives the lower bound, u64::MAX-ish values stay within the upper bound.
        assert_eq!(b.delay(1, 0), Duration::from_millis(500));
        assert_eq!(b.delay(2, 0), Duration::from_secs(1));
        assert_eq!(b.delay(3, 0), Duration::from_secs(2));
        assert_eq!(b.delay(6, 0), Duration::from_secs(16));
        assert_eq!(
            b.delay(7, 0),
            Duration::from_secs(30),
            "64 s capped at 60 s"
        );
        assert_eq!(b.delay(u32::MAX, 0), Duration::from_secs(30));
        for failures in [1, 2, 5, 9, 40] {
            for random in [1, 499, 12_345, u64::MAX] {
                let d = b.delay(failures, random);
                assert!(d <= b.cap, "{d:?} exceeds the cap");
                assert!(d >= b.delay(failures, 0), "{d:?} below the lower half");
            }
        }
        assert_eq!(b.delay(1, 500), Duration::from_secs(1));
    }
}
