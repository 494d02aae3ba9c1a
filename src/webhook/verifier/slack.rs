//! Slack: `X-Slack-Signature: v0=<hex>` over `v0:{X-Slack-Request-Timestamp}:{raw body}`, keyed
//! with the signing secret's bytes. The Events API's `event_id` is in the body; its
//! `url_verification` handshake is in [`crate::webhook::handshake`].

use axum::http::HeaderMap;

use super::{
    all_values, decode_hex, find_match, parse_unix, push_candidate, required, split_list, Key,
    Verified, VerifyError,
};

const SIGNATURE: &str = "X-Slack-Signature";
const TIMESTAMP: &str = "X-Slack-Request-Timestamp";
const PREFIX: &str = "v0=";

pub(super) fn verify(
    keys: &[Key],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, VerifyError> {
    let ts_text = required(headers, TIMESTAMP)?;
    let timestamp = parse_unix(ts_text, TIMESTAMP)?;
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
    let secret_index = find_match(keys, &[b"v0:", ts_text.as_bytes(), b":", body], &candidates)?;
    Ok(Verified {
        message_id: None,
        timestamp: Some(timestamp),
        secret_index,
    })
}

pub(super) fn sign(key: Option<&Key>, body: &[u8], now_unix: i64) -> Vec<(String, String)> {
    let ts = now_unix.to_string();
    let mut headers = vec![(TIMESTAMP.to_owned(), ts.clone())];
    if let Some(tag) = key.and_then(|k| k.tag(&[b"v0:", ts.as_bytes(), b":", body])) {
        headers.push((
            SIGNATURE.to_owned(),
            format!("{PREFIX}{}", hex::encode(tag)),
        ));
    }
    headers
}
