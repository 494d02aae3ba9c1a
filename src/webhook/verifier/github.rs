//! GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body, keyed with the secret's UTF-8
//! bytes. Nothing time-related is signed; `X-GitHub-Delivery` (a GUID, kept on redelivery) is the
//! dedupe key. It is not signed, so it only catches honest redeliveries, not a replayer.
//!
//! The same header format is Meta's ([`super::meta`]), so the check lives here for both.

use axum::http::HeaderMap;

use super::{
    all_values, decode_hex, find_match, optional_id, push_candidate, split_list, Key, Verified,
    VerifyError,
};

pub(super) const SIGNATURE: &str = "X-Hub-Signature-256";
const DELIVERY: &str = "X-GitHub-Delivery";
const PREFIX: &str = "sha256=";

pub(super) fn verify(
    keys: &[Key],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, VerifyError> {
    let secret_index = check_hub_signature(keys, headers, body)?;
    Ok(Verified {
        message_id: optional_id(headers, DELIVERY),
        timestamp: None,
        secret_index,
    })
}

/// Checks `X-Hub-Signature-256`; returns the index of the matching secret.
pub(super) fn check_hub_signature(
    keys: &[Key],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<usize, VerifyError> {
    let mut candidates = Vec::new();
    for value in all_values(headers, SIGNATURE)? {
        for entry in split_list(value) {
            if let Some(hex) = entry.strip_prefix(PREFIX) {
                push_candidate(&mut candidates, decode_hex(hex))?;
            }
        }
    }
    if candidates.is_empty() {
        return Err(VerifyError::Malformed(format!(
            "{SIGNATURE} has no {PREFIX}<hex> signature"
        )));
    }
    find_match(keys, &[body], &candidates)
}

/// The `X-Hub-Signature-256` header for `body`, if there is a key.
pub(super) fn hub_signature(key: Option<&Key>, body: &[u8]) -> Option<(String, String)> {
    let tag = key?.tag(&[body])?;
    Some((
        SIGNATURE.to_owned(),
        format!("{PREFIX}{}", hex::encode(tag)),
    ))
}

pub(super) fn sign(key: Option<&Key>, body: &[u8], message_id: &str) -> Vec<(String, String)> {
    let mut headers = vec![(DELIVERY.to_owned(), message_id.to_owned())];
    headers.extend(hub_signature(key, body));
    headers
}
