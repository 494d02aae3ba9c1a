//! Received webhooks: the admin's delivery inspector (every delivery, accepted or not, within
//! the hooks listener's budgets — see `http::hooks::HookLimits` — and with bounded retention)
//! and the message ids already accepted (replay protection).

use rusqlite::{Connection, OptionalExtension as _};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Error;

/// How many deliveries are kept per integration (older ones are dropped as new ones arrive).
pub const RETENTION_PER_INTEGRATION: i64 = 500;
/// How many deliveries are kept for requests that matched no integration.
pub const RETENTION_UNMATCHED: i64 = 200;
/// How long accepted message ids are remembered (at least every scheme's tolerance).
pub const DEDUPE_WINDOW_SECONDS: i64 = 24 * 3600;
/// How much of a body the inspector keeps.
pub const BODY_PREVIEW_BYTES: usize = 4096;

/// One delivery, as recorded and shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Delivery {
    /// Its id.
    pub id: i64,
    /// When it arrived (RFC 3339).
    pub received_at: String,
    /// The integration it was addressed to, if it exists.
    pub integration_id: Option<i64>,
    /// The widget config it was addressed to, if any.
    pub widget_config_id: Option<String>,
    /// The sender's message id, if any.
    pub message_id: Option<String>,
    /// The signature check: `valid`, `missing_signature`, `bad_signature`, `stale_timestamp`,
    /// `malformed`, `no_secret`, `not_checked`.
    pub verification: String,
    /// What happened: `accepted`, `duplicate`, `bad_signature`, `invalid_json`,
    /// `transform_failed`, `rate_limited`, `not_found`, `too_large`, `incomplete_body` (the
    /// sender stalled or hung up mid-body), `no_secret`, `challenge`, `challenge_refused`.
    pub outcome: String,
    /// The status code answered.
    pub status_code: u16,
    /// The data version after the delivery, when it was accepted.
    pub version_after: Option<i64>,
    /// Time from arrival to answer, in milliseconds.
    pub latency_ms: f64,
    /// Request headers (signature values redacted).
    pub headers: Map<String, Value>,
    /// The start of the body.
    pub body_preview: Option<String>,
    /// What went wrong, in plain words.
    pub error: Option<String>,
}

/// Words that mark a header as carrying a secret (matched case-insensitively anywhere in the
/// name): signatures, tokens, API keys, passwords, cookies and any `*auth*` header. Senders use
/// many names (`X-Api-Key`, `X-Gitlab-Token`, `X-Auth-Secret`, `Proxy-Authorization`…), so the
/// inspector redacts by pattern rather than by a list of known names; a header redacted by
/// mistake costs the admin a value, a header shown by mistake could leak a credential.
const SECRET_HEADER_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "auth",
    "signature",
    "cookie",
    "password",
];

/// Whether a header's value is never shown: its name contains one of [`SECRET_HEADER_WORDS`],
/// or it is the `hmac` scheme's own signature header.
fn is_secret_header(name: &str, extra_secret_header: Option<&str>) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_HEADER_WORDS.iter().any(|w| lower.contains(w))
        || extra_secret_header.is_some_and(|h| h.eq_ignore_ascii_case(name))
}

/// The headers to record: at most 40, values truncated to 300 characters, values of headers
/// that may carry a secret (see [`is_secret_header`]) replaced by `<redacted>`.
pub fn recorded_headers(
    headers: &axum::http::HeaderMap,
    extra_secret_header: Option<&str>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in headers.iter().take(40) {
        let key = name.as_str().to_owned();
        let shown = if is_secret_header(&key, extra_secret_header) {
            crate::secret::REDACTED.to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes())
                .chars()
                .take(300)
                .collect()
        };
        out.insert(key, Value::String(shown));
    }
    out
}

/// The inspector's preview of a body.
pub fn preview(body: &[u8]) -> String {
    let end = body.len().min(BODY_PREVIEW_BYTES);
    String::from_utf8_lossy(&body[..end]).into_owned()
}

/// Records a delivery and trims the log.
///
/// # Errors
/// On database errors.
pub fn record(conn: &Connection, d: &Delivery) -> Result<i64, Error> {
    conn.execute(
        "INSERT INTO deliveries (received_at, integration_id, widget_config_id, message_id,
            verification, outcome, status_code, version_after, latency_us, headers, body_preview, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        rusqlite::params![
            d.received_at,
            d.integration_id,
            d.widget_config_id,
            d.message_id,
            d.verification,
            d.outcome,
            d.status_code,
            d.version_after,
            (d.latency_ms * 1000.0) as i64,
            serde_json::to_string(&d.headers)?,
            d.body_preview,
            d.error,
        ],
    )?;
    let id = conn.last_insert_rowid();
    // Bounded retention, per integration (and for unmatched requests).
    conn.execute(
        "DELETE FROM deliveries WHERE integration_id IS ?1 AND id <= (
            SELECT id FROM deliveries WHERE integration_id IS ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        rusqlite::params![
            d.integration_id,
            if d.integration_id.is_some() { RETENTION_PER_INTEGRATION } else { RETENTION_UNMATCHED }
        ],
    )?;
    Ok(id)
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One integration.
    pub integration_id: Option<i64>,
    /// One widget config.
    pub widget_config_id: Option<String>,
    /// One outcome.
    pub outcome: Option<String>,
    /// Only deliveries older than this id (paging).
    pub before_id: Option<i64>,
    /// At most this many (1–500).
    pub limit: i64,
}

/// The newest deliveries matching `f`.
///
/// # Errors
/// On database errors.
pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<Delivery>, Error> {
    let mut stmt = conn.prepare(
        "SELECT id, received_at, integration_id, widget_config_id, message_id, verification, outcome,
            status_code, version_after, latency_us, headers, body_preview, error
         FROM deliveries
         WHERE (?1 IS NULL OR integration_id = ?1) AND (?2 IS NULL OR widget_config_id = ?2)
           AND (?3 IS NULL OR outcome = ?3) AND (?4 IS NULL OR id < ?4)
         ORDER BY id DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![
            f.integration_id,
            f.widget_config_id,
            f.outcome,
            f.before_id,
            f.limit.clamp(1, 500)
        ],
        |r| {
            let headers: String = r.get(10)?;
            Ok(Delivery {
                id: r.get(0)?,
                received_at: r.get(1)?,
                integration_id: r.get(2)?,
                widget_config_id: r.get(3)?,
                message_id: r.get(4)?,
                verification: r.get(5)?,
                outcome: r.get(6)?,
                status_code: r.get(7)?,
                version_after: r.get(8)?,
                latency_ms: r.get::<_, i64>(9)? as f64 / 1000.0,
                headers: serde_json::from_str(&headers).unwrap_or_default(),
                body_preview: r.get(11)?,
                error: r.get(12)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the last accepted delivery of an integration (or widget config) arrived.
///
/// # Errors
/// On database errors.
pub fn last_accepted(
    conn: &Connection,
    integration_id: i64,
    wc: Option<&str>,
) -> Result<Option<String>, Error> {
    Ok(conn
        .query_row(
            "SELECT max(received_at) FROM deliveries WHERE integration_id = ?1
               AND (?2 IS NULL OR widget_config_id = ?2) AND outcome IN ('accepted', 'duplicate')",
            rusqlite::params![integration_id, wc],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// Remembers an accepted message id; returns `false` if it was already seen within the window
/// (a replay or a redelivery: acknowledge it, change nothing).
///
/// # Errors
/// On database errors.
pub fn first_time(
    conn: &Connection,
    integration_id: i64,
    message_id: &str,
    now: &str,
    now_unix: i64,
) -> Result<bool, Error> {
    let cutoff = time::OffsetDateTime::from_unix_timestamp(now_unix - DEDUPE_WINDOW_SECONDS)
        .map(crate::clock::rfc3339)
        .unwrap_or_default();
    conn.execute(
        "DELETE FROM webhook_message_ids WHERE seen_at < ?1",
        [&cutoff],
    )?;
    let inserted = conn.execute(
        "INSERT INTO webhook_message_ids (integration_id, message_id, seen_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (integration_id, message_id) DO NOTHING",
        rusqlite::params![integration_id, message_id, now],
    )?;
    Ok(inserted == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderName, HeaderValue};

    #[test]
    fn headers_whose_names_suggest_a_secret_are_redacted() {
        let mut headers = HeaderMap::new();
        let secret_names = [
            "authorization",
            "proxy-authorization",
            "cookie",
            "x-api-key",
            "apikey",
            "x-gitlab-token",
            "x-auth-secret",
            "x-client-secret",
            "x-hub-signature-256",
            "stripe-signature",
            "webhook-signature",
            "x-password",
            "x-my-sig",
        ];
        for name in secret_names {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static("CANARY-value"),
            );
        }
        let shown = ["content-type", "user-agent", "webhook-id", "x-github-event"];
        for name in shown {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static("plain"),
            );
        }
        // The `hmac` scheme's header is redacted whatever its name, in any case.
        let recorded = recorded_headers(&headers, Some("X-My-Sig"));
        for name in secret_names {
            assert_eq!(
                recorded[name],
                crate::secret::REDACTED,
                "{name} may carry a credential and must never reach the inspector"
            );
        }
        for name in shown {
            assert_eq!(recorded[name], "plain", "{name} carries no secret");
        }
        let all = serde_json::to_string(&recorded).unwrap();
        assert!(!all.contains("CANARY"), "{all}");
    }
}
