//! Signature verification of webhook deliveries, one module per scheme.
//!
//! [`verify`] takes the raw body bytes and the request headers — never a parsed body — and checks
//! the HMAC-SHA256 signature of the configured [`Scheme`]. The exact formats are those the providers
//! publish (Standard Webhooks 1.0 and Svix, GitHub, Meta, Stripe, Slack) plus a configurable
//! single-header HMAC for custom senders.
//!
//! Rules shared by every scheme:
//! - The comparison is constant time (`hmac`'s `verify_slice`); the expected signature is never
//!   materialised, so it cannot reach an error, a log or the delivery inspector.
//! - Every signature in the headers is tried against every configured secret, so a sender may sign
//!   with several secrets and the hub may hold the current and the previous one during rotation.
//!   At most [`MAX_SIGNATURES`] signatures are considered, which bounds the work a forged request
//!   can cause.
//! - An empty secret never verifies anything (an empty key would let anyone sign), and secrets are
//!   trimmed of surrounding whitespace, which is always a paste accident.
//! - Where the scheme signs a timestamp (Standard Webhooks, Stripe, Slack), it must be within
//!   ±`tolerance_seconds` of `now`. The signature is checked first, so
//!   [`VerifyError::StaleTimestamp`] is only ever reported for an authentic message (a replay or a
//!   skewed clock), never for a forgery.
//! - Errors describe what was wrong in words; they never echo a secret, an expected signature or a
//!   received header value (which is attacker-controlled).
//! - No input panics: header bytes, lengths and bodies are all untrusted.
//!
//! Replay protection beyond the timestamp window is the caller's: it dedupes on
//! [`Verified::message_id`] (or [`body_message_id`] once the verified body is parsed).

mod github;
mod header_hmac;
mod meta;
mod slack;
mod standard_webhooks;
mod stripe;

use axum::http::HeaderMap;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::config::{Scheme, VerifierConfig};
use crate::secret::SecretString;

/// The most signatures one delivery may carry; more is refused as malformed.
pub const MAX_SIGNATURES: usize = 32;
/// The longest message id accepted from a header or a body.
pub const MAX_MESSAGE_ID_LEN: usize = 256;

/// The prefix of Standard Webhooks (and Stripe) secrets.
const WHSEC: &str = "whsec_";

type HmacSha256 = Hmac<Sha256>;

/// A delivery whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The sender's message id from the headers, where the scheme has one (`webhook-id`/`svix-id`,
    /// `X-GitHub-Delivery`). For Stripe, Slack and Meta the id is in the body: see
    /// [`body_message_id`].
    pub message_id: Option<String>,
    /// The signed timestamp (unix seconds) for schemes that sign one.
    pub timestamp: Option<i64>,
    /// Index into the `secrets` slice of the secret that matched (0 = current, 1 = previous…), so
    /// the admin can see when senders have moved to a new secret.
    pub secret_index: usize,
}

/// Why a delivery was refused. Each is answered with the same generic 401; the variants exist for
/// the admin's delivery inspector. Messages never contain secrets, expected signatures or received
/// header values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No usable secret is configured (none at all, or only empty ones).
    #[error("no webhook secret is configured for this integration")]
    NoSecret,
    /// The configured secrets cannot be used by this scheme (Standard Webhooks secrets must be
    /// base64, optionally after `whsec_`).
    #[error("the configured webhook secret is not valid for this scheme: {0}")]
    InvalidSecret(&'static str),
    /// A header the scheme requires is absent.
    #[error("the {0} header is missing")]
    MissingHeader(String),
    /// A header is present but cannot be parsed.
    #[error("malformed signature headers: {0}")]
    Malformed(String),
    /// The signature is valid but the signed timestamp is outside the accepted window.
    #[error("the signed timestamp is outside the accepted window (age {age_seconds} s; negative means from the future)")]
    StaleTimestamp {
        /// `now - timestamp`: positive for the past, negative for the future.
        age_seconds: i64,
    },
    /// No signature matched any configured secret.
    #[error("no signature matched the configured secret")]
    NoMatch,
}

/// Verifies a delivery: `body` is the raw request body, exactly as received.
///
/// Checks, in order: the secrets are usable, the headers are present and well-formed, a signature
/// matches one of the `secrets`, and (where the scheme signs one) the timestamp is within
/// `cfg.tolerance_seconds` of `now_unix` in either direction.
///
/// # Errors
/// [`VerifyError`] as above; the HTTP layer answers every one with a generic 401.
pub fn verify(
    cfg: &VerifierConfig,
    secrets: &[SecretString],
    headers: &HeaderMap,
    body: &[u8],
    now_unix: i64,
) -> Result<Verified, VerifyError> {
    let keys = keys(cfg.scheme, secrets)?;
    let verified = match cfg.scheme {
        Scheme::StandardWebhooks => standard_webhooks::verify(&keys, headers, body)?,
        Scheme::Github => github::verify(&keys, headers, body)?,
        Scheme::Meta => meta::verify(&keys, headers, body)?,
        Scheme::Stripe => stripe::verify(&keys, headers, body)?,
        Scheme::Slack => slack::verify(&keys, headers, body)?,
        Scheme::Hmac => header_hmac::verify(cfg, &keys, headers, body)?,
    };
    if let Some(ts) = verified.timestamp {
        check_window(ts, now_unix, cfg.tolerance_seconds)?;
    }
    Ok(verified)
}

/// The headers a real sender of `cfg.scheme` would send with `body`, signed with `secret` at
/// `now_unix`: for tests and the admin's "Send test delivery".
///
/// `message_id` is sent where the scheme carries one in a header (`webhook-id`,
/// `X-GitHub-Delivery`); Stripe, Slack and Meta carry their ids in the body, so it is unused there.
/// It should be visible ASCII, or the caller cannot turn it into a header value.
///
/// If `secret` is unusable for the scheme (empty, or not base64 for Standard Webhooks), the
/// signature header is left out; [`verify`] of such a delivery reports the secret problem. The
/// `hmac` scheme without a configured header yields no headers at all.
pub fn sign(
    cfg: &VerifierConfig,
    secret: &SecretString,
    body: &[u8],
    now_unix: i64,
    message_id: &str,
) -> Vec<(String, String)> {
    let key = key(cfg.scheme, 0, secret).ok().flatten();
    match cfg.scheme {
        Scheme::StandardWebhooks => {
            standard_webhooks::sign(key.as_ref(), body, now_unix, message_id)
        }
        Scheme::Github => github::sign(key.as_ref(), body, message_id),
        Scheme::Meta => meta::sign(key.as_ref(), body),
        Scheme::Stripe => stripe::sign(key.as_ref(), body, now_unix),
        Scheme::Slack => slack::sign(key.as_ref(), body, now_unix),
        Scheme::Hmac => header_hmac::sign(cfg, key.as_ref(), body),
    }
}

/// A fresh secret in the form the scheme's senders expect: `whsec_` + base64 of 24 random bytes for
/// Standard Webhooks, `whsec_` + 32 random alphanumerics for Stripe, 32 random bytes as lowercase
/// hex otherwise.
pub fn generate_secret(scheme: Scheme) -> SecretString {
    match scheme {
        Scheme::StandardWebhooks => {
            let mut bytes = Zeroizing::new([0u8; 24]);
            crate::crypto::random_bytes(bytes.as_mut());
            let mut out = String::from(WHSEC);
            base64::engine::general_purpose::STANDARD.encode_string(bytes.as_ref(), &mut out);
            SecretString::new(out)
        }
        Scheme::Stripe => {
            const ALPHABET: &[u8; 62] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            let mut out = String::with_capacity(WHSEC.len() + 32);
            out.push_str(WHSEC);
            let mut pool = Zeroizing::new([0u8; 64]);
            while out.len() < WHSEC.len() + 32 {
                crate::crypto::random_bytes(pool.as_mut());
                // Rejection sampling: 248 = 4 × 62, so `b % 62` is uniform over the kept bytes.
                for &b in pool.iter().filter(|&&b| b < 248) {
                    if out.len() == WHSEC.len() + 32 {
                        break;
                    }
                    out.push(char::from(ALPHABET[usize::from(b % 62)]));
                }
            }
            SecretString::new(out)
        }
        Scheme::Github | Scheme::Meta | Scheme::Slack | Scheme::Hmac => {
            let mut bytes = Zeroizing::new([0u8; 32]);
            crate::crypto::random_bytes(bytes.as_mut());
            SecretString::new(hex::encode(bytes.as_ref()))
        }
    }
}

/// The message id carried inside a verified JSON body, for schemes that put it there:
///
/// - Stripe: the event `id` (`evt_…`).
/// - Slack: the Events API `event_id` (`Ev…`); slash commands and interactivity have none.
/// - Meta: `{entry[0].id}:{entry[0].time}:{digest}`, where `digest` is the first 16 hex digits of
///   the SHA-256 of the payload re-serialised. Meta has no delivery id. `entry[0].id:time` alone
///   would merge two different changes to one page sent in the same second, and `post_id` + `verb`
///   would merge two edits of one post — both lose a real update. The digest makes the id name the
///   exact content, so only true redeliveries collide; a retry that Meta re-stamps with a new
///   `time` is then processed again, which is harmless because versions only change when the
///   served content changes.
///
/// Other schemes (ids in headers, or none) and payloads without the field give `None`, as do ids
/// longer than [`MAX_MESSAGE_ID_LEN`].
pub fn body_message_id(scheme: Scheme, payload: &Value) -> Option<String> {
    let id = match scheme {
        Scheme::Stripe => payload.get("id")?.as_str()?.to_owned(),
        Scheme::Slack => payload.get("event_id")?.as_str()?.to_owned(),
        Scheme::Meta => meta::body_message_id(payload)?,
        Scheme::StandardWebhooks | Scheme::Github | Scheme::Hmac => return None,
    };
    (!id.is_empty() && id.len() <= MAX_MESSAGE_ID_LEN).then_some(id)
}

/// A secret ready to key the MAC, with its index in the configured slice.
struct Key {
    index: usize,
    bytes: Zeroizing<Vec<u8>>,
}

impl Key {
    /// A MAC keyed with this secret, fed with `parts` in order.
    fn mac(&self, parts: &[&[u8]]) -> Option<HmacSha256> {
        // HMAC accepts keys of any length, so this never fails; stay panic-free regardless.
        let mut mac = HmacSha256::new_from_slice(&self.bytes).ok()?;
        for part in parts {
            mac.update(part);
        }
        Some(mac)
    }

    /// The raw tag, for signing only. Verification never materialises it.
    fn tag(&self, parts: &[&[u8]]) -> Option<Vec<u8>> {
        Some(self.mac(parts)?.finalize().into_bytes().to_vec())
    }
}

/// The MAC keys of the configured secrets, skipping unusable ones.
fn keys(scheme: Scheme, secrets: &[SecretString]) -> Result<Vec<Key>, VerifyError> {
    let mut keys = Vec::with_capacity(secrets.len());
    let mut invalid = None;
    for (index, secret) in secrets.iter().enumerate() {
        match key(scheme, index, secret) {
            Ok(Some(k)) => keys.push(k),
            Ok(None) => {}
            Err(e) => invalid = Some(e),
        }
    }
    if keys.is_empty() {
        return Err(invalid.unwrap_or(VerifyError::NoSecret));
    }
    Ok(keys)
}

/// One secret's MAC key: `Ok(None)` if it is empty.
fn key(scheme: Scheme, index: usize, secret: &SecretString) -> Result<Option<Key>, VerifyError> {
    let text = secret.expose().trim();
    let bytes = if scheme == Scheme::StandardWebhooks {
        // Standard Webhooks keys are the base64-decoded secret after an optional `whsec_`.
        let encoded = text.strip_prefix(WHSEC).unwrap_or(text);
        if encoded.is_empty() {
            return Ok(None);
        }
        Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| {
                    VerifyError::InvalidSecret(
                        "a Standard Webhooks secret is base64, optionally after whsec_",
                    )
                })?,
        )
    } else {
        // Every other scheme (Stripe included) keys the MAC with the secret text as it is.
        Zeroizing::new(text.as_bytes().to_vec())
    };
    Ok((!bytes.is_empty()).then_some(Key { index, bytes }))
}

/// The index of the first key whose MAC over `parts` equals one of `candidates`.
///
/// # Errors
/// [`VerifyError::NoMatch`].
fn find_match(keys: &[Key], parts: &[&[u8]], candidates: &[Vec<u8>]) -> Result<usize, VerifyError> {
    for key in keys {
        let Some(mac) = key.mac(parts) else { continue };
        for candidate in candidates {
            // `verify_slice` compares in constant time (and refuses a wrong length).
            if mac.clone().verify_slice(candidate).is_ok() {
                return Ok(key.index);
            }
        }
    }
    Err(VerifyError::NoMatch)
}

/// Refuses a timestamp more than `tolerance` seconds from `now`, in the past or the future.
fn check_window(ts: i64, now: i64, tolerance: u64) -> Result<(), VerifyError> {
    let age_seconds = now.saturating_sub(ts);
    if age_seconds.unsigned_abs() > tolerance {
        Err(VerifyError::StaleTimestamp { age_seconds })
    } else {
        Ok(())
    }
}

/// The single value of a required header, as text.
fn required<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, VerifyError> {
    let value = headers
        .get(name)
        .ok_or_else(|| VerifyError::MissingHeader(name.to_owned()))?;
    value
        .to_str()
        .map_err(|_| VerifyError::Malformed(format!("{name} is not visible ASCII text")))
}

/// Every value of a (possibly repeated) header, as text; `MissingHeader` if there is none.
fn all_values<'h>(headers: &'h HeaderMap, name: &str) -> Result<Vec<&'h str>, VerifyError> {
    let mut values = Vec::new();
    for value in headers.get_all(name) {
        values.push(
            value
                .to_str()
                .map_err(|_| VerifyError::Malformed(format!("{name} is not visible ASCII text")))?,
        );
    }
    if values.is_empty() {
        return Err(VerifyError::MissingHeader(name.to_owned()));
    }
    Ok(values)
}

/// A unix timestamp in seconds: 1 to 15 ASCII digits (no sign, no fraction).
fn parse_unix(text: &str, header: &str) -> Result<i64, VerifyError> {
    if text.is_empty() || text.len() > 15 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::Malformed(format!(
            "{header} is not a unix time in seconds"
        )));
    }
    text.parse()
        .map_err(|_| VerifyError::Malformed(format!("{header} is not a unix time in seconds")))
}

/// The entries of a signature list separated by commas and/or whitespace.
fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
}

/// Adds a decoded signature, refusing more than [`MAX_SIGNATURES`].
fn push_candidate(
    candidates: &mut Vec<Vec<u8>>,
    decoded: Option<Vec<u8>>,
) -> Result<(), VerifyError> {
    if let Some(bytes) = decoded {
        if candidates.len() == MAX_SIGNATURES {
            return Err(VerifyError::Malformed(format!(
                "more than {MAX_SIGNATURES} signatures"
            )));
        }
        candidates.push(bytes);
    }
    Ok(())
}

/// Hex in either case; `None` if it is not hex.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

/// Base64, standard or URL-safe alphabet, padded or not; `None` if it is neither.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// An optional message id header: absent or unusable (not text, too long) gives `None`, since the
/// schemes that use this do not sign the id.
fn optional_id(headers: &HeaderMap, name: &str) -> Option<String> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    (!text.is_empty() && text.len() <= MAX_MESSAGE_ID_LEN).then(|| text.to_owned())
}

#[cfg(test)]
mod tests;
