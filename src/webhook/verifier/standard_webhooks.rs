//! Standard Webhooks 1.0, and Svix (the same scheme under `svix-*` header names).
//!
//! `webhook-signature: v1,<base64> [v1,<base64> …]` (space-separated) over
//! `{webhook-id}.{webhook-timestamp}.{raw body}`, keyed with the base64-decoded secret (after an
//! optional `whsec_`). `v1a` (ed25519) and unknown versions are ignored. The id is signed, so it is
//! a trustworthy dedupe key.

use axum::http::HeaderMap;
use base64::Engine as _;

use super::{
    all_values, decode_base64, find_match, parse_unix, push_candidate, required, Key, Verified,
    VerifyError, MAX_MESSAGE_ID_LEN,
};

/// One header family: the standard names, then Svix's.
struct Names {
    id: &'static str,
    timestamp: &'static str,
    signature: &'static str,
}

const STANDARD: Names = Names {
    id: "webhook-id",
    timestamp: "webhook-timestamp",
    signature: "webhook-signature",
};

const SVIX: Names = Names {
    id: "svix-id",
    timestamp: "svix-timestamp",
    signature: "svix-signature",
};

pub(super) fn verify(
    keys: &[Key],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, VerifyError> {
    // The family is chosen by its signature header, and the id and timestamp are read from the
    // same family, so a mix of names cannot combine into something never signed.
    let names = if headers.contains_key(STANDARD.signature) {
        &STANDARD
    } else if headers.contains_key(SVIX.signature) {
        &SVIX
    } else {
        return Err(VerifyError::MissingHeader(STANDARD.signature.to_owned()));
    };
    let id = required(headers, names.id)?;
    if id.is_empty() || id.len() > MAX_MESSAGE_ID_LEN {
        return Err(VerifyError::Malformed(format!(
            "{} must be 1 to {MAX_MESSAGE_ID_LEN} characters",
            names.id
        )));
    }
    let ts_text = required(headers, names.timestamp)?;
    let timestamp = parse_unix(ts_text, names.timestamp)?;
    let mut candidates = Vec::new();
    for value in all_values(headers, names.signature)? {
        for entry in value.split_ascii_whitespace() {
            // Only `v1` is HMAC-SHA256; `v1a` is ed25519 and later versions are unknown to us.
            if let Some(("v1", sig)) = entry.split_once(',') {
                push_candidate(&mut candidates, decode_base64(sig))?;
            }
        }
    }
    if candidates.is_empty() {
        return Err(VerifyError::Malformed(format!(
            "{} has no v1 signature",
            names.signature
        )));
    }
    // Sign exactly the header text that was received (the timestamp is not re-formatted).
    let secret_index = find_match(
        keys,
        &[id.as_bytes(), b".", ts_text.as_bytes(), b".", body],
        &candidates,
    )?;
    Ok(Verified {
        message_id: Some(id.to_owned()),
        timestamp: Some(timestamp),
        secret_index,
    })
}

pub(super) fn sign(
    key: Option<&Key>,
    body: &[u8],
    now_unix: i64,
    message_id: &str,
) -> Vec<(String, String)> {
    let ts = now_unix.to_string();
    let mut headers = vec![
        (STANDARD.id.to_owned(), message_id.to_owned()),
        (STANDARD.timestamp.to_owned(), ts.clone()),
    ];
    if let Some(tag) =
        key.and_then(|k| k.tag(&[message_id.as_bytes(), b".", ts.as_bytes(), b".", body]))
    {
        let sig = base64::engine::general_purpose::STANDARD.encode(tag);
        headers.push((STANDARD.signature.to_owned(), format!("v1,{sig}")));
    }
    headers
}
