//! One pull of one data key: prepare the request from the database (integration, a widget config
//! using the key, decrypted credentials), fetch, and store the outcome — without ever blanking
//! the cached data on failure.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use serde_json::Value;
use time::OffsetDateTime;

use crate::cache::{self, DataRow, KeyId, Status, Success};
use crate::clock::rfc3339;
use crate::credentials;
use crate::crypto::Cipher;
use crate::error::Error;
use crate::integrations::{self, CredentialScope, Integration};
use crate::pull::{FetchError, FetchOutcome, PullRequest, TemplateContext, Validators};
use crate::secret::SecretString;
use crate::widget_configs::{self, WidgetConfig};

use super::{Puller, SchedulerDeps};

/// Everything needed to send one pull.
#[derive(Debug)]
pub struct Prepared {
    /// The integration.
    pub integration: Integration,
    /// The widget config whose options (and, for widget scope, credentials) build the request.
    pub widget_config: WidgetConfig,
    /// The request, or why it cannot be built (a configuration problem for the admin).
    pub request: Result<PullRequest, String>,
    /// Validators to send (only when data is cached and the pull is not fresh).
    pub validators: Validators,
    /// The pull interval.
    pub interval: Duration,
}

/// What to build a request from, for [`build`]: options and credentials.
pub fn build(
    integration: &Integration,
    options: &serde_json::Map<String, Value>,
    creds: &BTreeMap<String, SecretString>,
) -> Result<PullRequest, String> {
    let missing: Vec<&str> = integration
        .credential_schema
        .iter()
        .filter(|(name, def)| {
            def.required
                && creds
                    .get(*name)
                    .is_none_or(|v| v.expose().trim().is_empty())
        })
        .map(|(name, _)| name.as_str())
        .collect();
    if !missing.is_empty() {
        let where_ = match integration.credential_scope {
            CredentialScope::Organization => "the integration",
            CredentialScope::Widget => "this widget config",
        };
        return Err(format!(
            "credentials are not set: set {} on {where_}",
            missing.join(", ")
        ));
    }
    let endpoint = integration
        .pull_endpoint
        .as_deref()
        .ok_or_else(|| "the integration has no pull_endpoint".to_owned())?;
    let ctx = TemplateContext {
        options,
        credentials: creds,
    };
    PullRequest::from_integration(endpoint, &integration.pull_config, &ctx)
        .map_err(|e| e.to_string())
}

/// Prepares the pull of `key`; `None` when no active widget config uses the key any more.
///
/// # Errors
/// Database errors and credentials that do not open.
pub fn prepare(
    conn: &Connection,
    cipher: &Cipher,
    key: &KeyId,
    hint: Option<&str>,
    fresh: bool,
) -> Result<Option<Prepared>, Error> {
    let Some(integration) = integrations::get(conn, key.0)? else {
        return Ok(None);
    };
    if !integration.is_active || !integration.integration_type.pulls() {
        return Ok(None);
    }
    let uses_key = |wc: &WidgetConfig| wc.is_active && cache::key_for(&integration, wc) == key.1;
    // The scheduler's hint saves reading every widget config of the integration; it may be out
    // of date (a widget changed since the plan), so it is checked, and the scan is the fallback.
    let hinted = match hint {
        Some(id) => widget_configs::get(conn, id)?
            .filter(|wc| wc.integration_id == integration.id && uses_key(wc)),
        None => None,
    };
    let found = match hinted {
        Some(wc) => Some(wc),
        None => widget_configs::list_for(conn, integration.id)?
            .into_iter()
            .find(|wc| uses_key(wc)),
    };
    let Some(wc) = found else {
        return Ok(None);
    };
    let scope_wc = match integration.credential_scope {
        CredentialScope::Organization => None,
        CredentialScope::Widget => Some(wc.id.as_str()),
    };
    let creds = credentials::open(conn, cipher, integration.id, scope_wc)?.unwrap_or_default();
    let request = build(&integration, &wc.options, &creds);
    let validators = match cache::load(conn, key.0, &key.1)? {
        Some(row) if !fresh && row.data.is_some() => Validators {
            etag: row.etag,
            last_modified: row.last_modified,
        },
        _ => Validators::default(),
    };
    let interval = Duration::from_secs(u64::from(integration.pull_interval_seconds.unwrap_or(300)));
    Ok(Some(Prepared {
        integration,
        widget_config: wc,
        request,
        validators,
        interval,
    }))
}

/// What the scheduler should do next with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Pull again after this long.
    After(Duration),
    /// Do not pull until the credentials change (401/403).
    Blocked,
    /// The key is no longer used.
    Gone,
}

/// The result of one job.
#[derive(Debug)]
pub struct Outcome {
    /// The key.
    pub key: KeyId,
    /// What to do next.
    pub next: Next,
}

/// The shorter of two durations of backoff: `base · 2^(failures-1)`, capped at the interval,
/// with jitter (a random point in the upper half).
pub fn backoff(failures: u32, interval: Duration) -> Duration {
    const BASE: Duration = Duration::from_secs(10);
    let exp = BASE.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let capped = exp.min(interval).max(Duration::from_secs(1));
    let mut byte = [0u8; 1];
    crate::crypto::random_bytes(&mut byte);
    capped.mul_f64(0.5 + f64::from(byte[0]) / 510.0)
}

/// The longest wait a `Retry-After` may impose.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Runs one pull of `key` and stores its outcome.
pub async fn run(deps: &SchedulerDeps, key: KeyId, hint: Option<String>, fresh: bool) -> Outcome {
    let SchedulerDeps {
        store,
        cache,
        cipher,
        puller,
        clock,
        ..
    } = deps;
    let prep = {
        let cipher = Arc::clone(cipher);
        let k = key.clone();
        store
            .call(move |conn| {
                let c = cipher.read().unwrap_or_else(|p| p.into_inner());
                prepare(conn, &c, &k, hint.as_deref(), fresh)
                    .map_err(|e| crate::store::StoreError::Task(e.to_string()))
            })
            .await
    };
    let prep = match prep {
        Ok(Some(p)) => p,
        Ok(None) => {
            return Outcome {
                key,
                next: Next::Gone,
            }
        }
        Err(e) => {
            tracing::error!(integration = key.0, "cannot prepare a pull: {e}");
            return Outcome {
                key,
                next: Next::After(Duration::from_secs(60)),
            };
        }
    };
    let interval = prep.interval;
    let previous = cache.row(key.0, &key.1);
    let failures = previous
        .as_ref()
        .map_or(0, |r| u32::try_from(r.failure_count).unwrap_or(u32::MAX));
    let label = format!("{} ({})", prep.integration.name, key.1);

    let started = clock.now();
    let result = match &prep.request {
        Err(config_problem) => Err(FetchError::Transient {
            message: config_problem.clone(),
            status: None,
            sample: None,
        }),
        Ok(request) => {
            cache.count_request(&key);
            puller.pull(request, &prep.validators).await
        }
    };
    let now = clock.now();
    let fetched_at = rfc3339(now);
    let at = |d: Duration| rfc3339(now + d);
    let scope_wc = match prep.integration.credential_scope {
        CredentialScope::Organization => None,
        CredentialScope::Widget => Some(prep.widget_config.id.clone()),
    };

    enum Store_ {
        Success(Value, Validators),
        NotModified,
        Failure(Status, String),
    }
    let (what, next) = match result {
        Ok(FetchOutcome::Fetched {
            data, validators, ..
        }) => (Store_::Success(data, validators), Next::After(interval)),
        Ok(FetchOutcome::NotModified) => (Store_::NotModified, Next::After(interval)),
        Err(FetchError::Auth { message, .. }) => {
            (Store_::Failure(Status::AuthFailed, message), Next::Blocked)
        }
        Err(FetchError::RateLimited {
            retry_after,
            message,
            ..
        }) => {
            let wait = retry_after
                .map(|r| r.min(MAX_RETRY_AFTER))
                .unwrap_or_default()
                .max(backoff(failures + 1, interval));
            (Store_::Failure(Status::Error, message), Next::After(wait))
        }
        Err(e @ (FetchError::Transient { .. } | FetchError::BadBody { .. })) => (
            Store_::Failure(Status::Error, e.message().to_owned()),
            Next::After(if prep.request.is_err() {
                interval
            } else {
                backoff(failures + 1, interval)
            }),
        ),
    };
    let refresh_at = match next {
        Next::After(d) => Some(at(d)),
        _ => None,
    };
    let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let k = key.clone();
    let stored = store
        .call(move |conn| {
            let r: Result<DataRow, Error> = (|| match what {
                Store_::Success(data, v) => {
                    // A push (for a `both` integration) that arrived while this pull was in
                    // flight is newer than what the pull fetched: keep it.
                    let pushed_since = cache::load(conn, k.0, &k.1)?
                        .and_then(|r| r.fetched_at)
                        .and_then(|t| parse_time(&t))
                        .is_some_and(|t| t > started);
                    if pushed_since {
                        return cache::store_not_modified(
                            conn,
                            k.0,
                            &k.1,
                            &fetched_at,
                            refresh_at.as_deref(),
                            now_ms,
                        );
                    }
                    let (row, _) = cache::store_success(
                        conn,
                        k.0,
                        &k.1,
                        &Success {
                            data: &data,
                            fetched_at: &fetched_at,
                            refresh_at: refresh_at.as_deref(),
                            etag: v.etag.as_deref(),
                            last_modified: v.last_modified.as_deref(),
                            now_ms,
                        },
                    )?;
                    credentials::mark_valid(conn, k.0, scope_wc.as_deref(), true, &fetched_at)?;
                    Ok(row)
                }
                Store_::NotModified => cache::store_not_modified(
                    conn,
                    k.0,
                    &k.1,
                    &fetched_at,
                    refresh_at.as_deref(),
                    now_ms,
                ),
                Store_::Failure(status, message) => {
                    if status == Status::AuthFailed {
                        credentials::mark_valid(
                            conn,
                            k.0,
                            scope_wc.as_deref(),
                            false,
                            &fetched_at,
                        )?;
                    }
                    cache::store_failure(
                        conn,
                        k.0,
                        &k.1,
                        status,
                        &message,
                        refresh_at.as_deref(),
                        now_ms,
                    )
                }
            })();
            r.map_err(|e| crate::store::StoreError::Task(e.to_string()))
        })
        .await;
    match stored {
        Ok(row) => {
            log_transition(&label, previous.as_deref(), &row);
            cache.put(row);
        }
        Err(e) => tracing::error!("cannot store the pull of {label}: {e}"),
    }
    Outcome { key, next }
}

/// Logs health on state changes only, never on every failure.
fn log_transition(label: &str, before: Option<&DataRow>, after: &DataRow) {
    let was = before.map_or(Status::Pending, |r| r.status);
    if was == after.status {
        return;
    }
    let msg = after.error_message.as_deref().unwrap_or("");
    match after.status {
        Status::Ok if was == Status::Pending => tracing::info!("{label}: first data received"),
        Status::Ok => tracing::info!("{label}: recovered"),
        Status::Error => {
            tracing::warn!("{label}: pulling fails, keeping the last good data: {msg}")
        }
        Status::AuthFailed => {
            tracing::warn!("{label}: credentials refused; pulling stops until they change: {msg}");
        }
        Status::Pending => {}
    }
}

/// Test connection: runs the pull pipeline for `integration` with the given options and
/// credentials, without touching the cache.
pub async fn test_connection(
    puller: &Arc<dyn Puller>,
    integration: &Integration,
    options: &serde_json::Map<String, Value>,
    creds: &BTreeMap<String, SecretString>,
) -> (
    Result<PullRequest, String>,
    Option<Result<FetchOutcome, FetchError>>,
    Duration,
) {
    let request = build(integration, options, creds);
    let started = tokio::time::Instant::now();
    let outcome = match &request {
        Ok(r) => Some(puller.pull(r, &Validators::default()).await),
        Err(_) => None,
    };
    (request, outcome, started.elapsed())
}

/// Parses a stored RFC 3339 time.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps_at_the_interval() {
        let interval = Duration::from_secs(300);
        for failures in 1..20 {
            let b = backoff(failures, interval);
            let exp = Duration::from_secs(10)
                .saturating_mul(1 << (failures - 1).min(16))
                .min(interval);
            assert!(
                b >= exp / 2 && b <= exp,
                "{failures}: {b:?} not in [{:?}, {exp:?}]",
                exp / 2
            );
        }
        assert!(backoff(30, interval) <= interval);
    }
}
