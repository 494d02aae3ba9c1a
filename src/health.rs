//! Health: one word and a plain sentence per integration and widget config, for the overview,
//! the tray tooltip and desktop notifications.

use rusqlite::Connection;
use serde::Serialize;
use time::OffsetDateTime;

use crate::cache::{self, Status};
use crate::credentials;
use crate::error::Error;
use crate::integrations::{self, CredentialScope, Integration};
use crate::scheduler::job::parse_time;
use crate::widget_configs::{self, WidgetConfig};

/// A push-only widget with no delivery for this long is flagged.
pub const QUIET_PUSH_DAYS: i64 = 7;
/// Pulled data older than this many intervals is stale even if the last pull did not fail.
pub const STALE_INTERVALS: i64 = 3;

/// A health state, ordered from best to worst for [`Health::worst`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Disabled by the admin.
    Inactive,
    /// Fine.
    Ok,
    /// Waiting for the first data.
    Waiting,
    /// A push widget that has received nothing for a long time.
    NoWebhooks,
    /// Showing the last good data; the latest fetch failed or it is old.
    Stale,
    /// A push integration without a webhook secret (it refuses deliveries).
    NoSecret,
    /// Failing, with no data to show.
    Error,
    /// The third party refused the credentials.
    AuthFailed,
}

impl Health {
    /// The worst of several (ok when empty).
    pub fn worst(items: impl IntoIterator<Item = Self>) -> Self {
        items.into_iter().max().unwrap_or(Self::Ok)
    }
}

/// A widget config's health.
#[derive(Debug, Clone, Serialize)]
pub struct WidgetHealth {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it is served.
    pub is_active: bool,
    /// The state.
    pub health: Health,
    /// The state in plain words.
    pub message: Option<String>,
    /// The version players are served.
    pub version: i64,
    /// When the data was last fetched or received.
    pub fetched_at: Option<String>,
    /// When the next pull is due (pull and both).
    pub next_pull: Option<String>,
    /// Signs showing it.
    pub players: usize,
    /// Of those, how many hold the current version.
    pub players_current: usize,
}

/// An integration's health.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationHealth {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its widget kind.
    pub widget: String,
    /// pull, push or both.
    pub integration_type: integrations::IntegrationType,
    /// Whether it is active.
    pub is_active: bool,
    /// The worst of its widget configs' states (or its own, e.g. a missing secret).
    pub health: Health,
    /// That state in plain words.
    pub message: Option<String>,
    /// The latest update of any of its widgets.
    pub last_update: Option<String>,
    /// The soonest pull due.
    pub next_pull: Option<String>,
    /// Its widget configs.
    pub widget_configs: Vec<WidgetHealth>,
}

/// Players per widget config: `(total, holding the served version)`.
pub type PlayerCounts = std::collections::HashMap<String, (usize, usize)>;

fn secret_missing(
    conn: &Connection,
    i: &Integration,
    wc: Option<&WidgetConfig>,
) -> Result<bool, Error> {
    let Some(push) = &i.push_config else {
        return Ok(false);
    };
    let owner = match (i.credential_scope, wc) {
        (CredentialScope::Organization, _) => None,
        (CredentialScope::Widget, Some(w)) => Some(w.id.as_str()),
        (CredentialScope::Widget, None) => return Ok(false),
    };
    let view = credentials::view(conn, i, owner)?;
    Ok(!view
        .fields
        .get(&push.verifier.secret_field)
        .is_some_and(|f| f.set))
}

fn widget_health(
    conn: &Connection,
    cache: &cache::Cache,
    i: &Integration,
    wc: &WidgetConfig,
    players: &PlayerCounts,
    now: OffsetDateTime,
) -> Result<WidgetHealth, Error> {
    let key = cache::key_for(i, wc);
    let row = cache.row(i.id, &key);
    let (health, message) = if !(i.is_active && wc.is_active) {
        (Health::Inactive, Some("disabled".to_owned()))
    } else if i.integration_type.pushes() && secret_missing(conn, i, Some(wc))? {
        (
            Health::NoSecret,
            Some(
                "no webhook secret is set: deliveries are refused until one is generated"
                    .to_owned(),
            ),
        )
    } else {
        match row.as_deref() {
            None => (
                Health::Waiting,
                Some("waiting for the first data".to_owned()),
            ),
            Some(r) => match r.status {
                Status::Pending => (
                    Health::Waiting,
                    Some("waiting for the first data".to_owned()),
                ),
                Status::AuthFailed => (
                    Health::AuthFailed,
                    Some(format!(
                        "the credentials were refused: {}",
                        r.error_message
                            .as_deref()
                            .unwrap_or("check them and save again")
                    )),
                ),
                Status::Error if r.data.is_some() => (
                    Health::Stale,
                    Some(format!(
                        "showing the last good data; the latest fetch failed: {}",
                        r.error_message.as_deref().unwrap_or("unknown error")
                    )),
                ),
                Status::Error => (Health::Error, r.error_message.clone()),
                Status::Ok => {
                    let age = r
                        .fetched_at
                        .as_deref()
                        .and_then(parse_time)
                        .map(|t| (now - t).whole_seconds());
                    let interval = i64::from(i.pull_interval_seconds.unwrap_or(0));
                    match age {
                        Some(a)
                            if i.integration_type.pulls()
                                && interval > 0
                                && a > STALE_INTERVALS * interval =>
                        {
                            (
                                Health::Stale,
                                Some(format!("the data is {} minutes old", a / 60)),
                            )
                        }
                        Some(a) if !i.integration_type.pulls() && a > QUIET_PUSH_DAYS * 86_400 => (
                            Health::NoWebhooks,
                            Some(format!("no webhook received in {} days", a / 86_400)),
                        ),
                        _ => (Health::Ok, None),
                    }
                }
            },
        }
    };
    let (total, current) = players.get(&wc.id).copied().unwrap_or((0, 0));
    Ok(WidgetHealth {
        id: wc.id.clone(),
        name: wc.name.clone(),
        is_active: wc.is_active,
        health,
        message,
        version: cache.served_version(&wc.id).unwrap_or(0),
        fetched_at: row.as_ref().and_then(|r| r.fetched_at.clone()),
        next_pull: if i.integration_type.pulls() && health != Health::AuthFailed {
            row.as_ref().and_then(|r| r.refresh_at.clone())
        } else {
            None
        },
        players: total,
        players_current: current,
    })
}

/// The health of every integration and widget config.
///
/// # Errors
/// On database errors.
pub fn overview(
    conn: &Connection,
    cache: &cache::Cache,
    players: &PlayerCounts,
    now: OffsetDateTime,
) -> Result<Vec<IntegrationHealth>, Error> {
    let mut out = Vec::new();
    for i in integrations::list(conn)? {
        let wcs = widget_configs::list_for(conn, i.id)?;
        let widgets = wcs
            .iter()
            .map(|wc| widget_health(conn, cache, &i, wc, players, now))
            .collect::<Result<Vec<_>, _>>()?;
        let (health, message) = if !i.is_active {
            (Health::Inactive, Some("disabled".to_owned()))
        } else if widgets.is_empty() {
            if i.integration_type.pushes()
                && i.credential_scope == CredentialScope::Organization
                && secret_missing(conn, &i, None)?
            {
                (
                    Health::NoSecret,
                    Some("no webhook secret is set".to_owned()),
                )
            } else {
                (Health::Waiting, Some("no widget uses it yet".to_owned()))
            }
        } else {
            let active: Vec<&WidgetHealth> = widgets
                .iter()
                .filter(|w| w.health != Health::Inactive)
                .collect();
            match active.iter().max_by_key(|w| w.health) {
                Some(w) => (w.health, w.message.clone()),
                None => (
                    Health::Inactive,
                    Some("every widget is disabled".to_owned()),
                ),
            }
        };
        out.push(IntegrationHealth {
            last_update: widgets.iter().filter_map(|w| w.fetched_at.clone()).max(),
            next_pull: widgets.iter().filter_map(|w| w.next_pull.clone()).min(),
            id: i.id,
            name: i.name,
            widget: i.widget,
            integration_type: i.integration_type,
            is_active: i.is_active,
            health,
            message,
            widget_configs: widgets,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_orders_by_severity() {
        assert_eq!(
            Health::worst([Health::Ok, Health::Stale, Health::Waiting]),
            Health::Stale
        );
        assert_eq!(
            Health::worst([Health::Error, Health::AuthFailed]),
            Health::AuthFailed
        );
        assert_eq!(Health::worst([]), Health::Ok);
        assert_eq!(Health::worst([Health::Inactive, Health::Ok]), Health::Ok);
    }
}
