//! Meta (Facebook Pages, Instagram, WhatsApp): `X-Hub-Signature-256: sha256=<hex>` over the raw
//! body, keyed with the app secret. Meta signs the escaped-unicode JSON it sends, which is why only
//! the raw bytes may be verified. There is no delivery id header and no signed time; the id comes
//! from the body ([`body_message_id`]). The subscription handshake is in
//! [`crate::webhook::handshake`].

use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{github, Key, Verified, VerifyError};

pub(super) fn verify(
    keys: &[Key],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, VerifyError> {
    Ok(Verified {
        message_id: None,
        timestamp: None,
        secret_index: github::check_hub_signature(keys, headers, body)?,
    })
}

pub(super) fn sign(key: Option<&Key>, body: &[u8]) -> Vec<(String, String)> {
    github::hub_signature(key, body).into_iter().collect()
}

/// `{entry[0].id}:{entry[0].time}:{16 hex digits of the payload's SHA-256}`; why, see
/// [`super::body_message_id`].
pub(super) fn body_message_id(payload: &Value) -> Option<String> {
    let entry = payload.get("entry")?.get(0)?;
    let id = match entry.get("id")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let time = entry.get("time").and_then(Value::as_i64).unwrap_or(0);
    // Re-serialising a parsed body is deterministic, so one body always yields one digest.
    let canonical = serde_json::to_vec(payload).ok()?;
    let digest = Sha256::digest(&canonical);
    Some(format!("{id}:{time}:{}", hex::encode(&digest[..8])))
}
