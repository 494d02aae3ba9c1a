//! The configurable `hmac` scheme: HMAC-SHA256 of the raw body, keyed with the secret's bytes, in
//! the header `cfg.header`, optionally after `cfg.prefix` (e.g. `sha256=`), hex (either case) or
//! base64 per `cfg.encoding`. Several signatures may be sent, separated by commas or spaces, each
//! with or without the prefix. Nothing time-related is signed and there is no message id: prefer
//! Standard Webhooks for senders you control.

use axum::http::HeaderMap;
use base64::Engine as _;

use super::{
    all_values, decode_base64, decode_hex, find_match, push_candidate, split_list, Key, Verified,
    VerifyError,
};
use crate::webhook::config::{Encoding, VerifierConfig};

pub(super) fn verify(
    cfg: &VerifierConfig,
    keys: &[Key],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, VerifyError> {
    let Some(name) = cfg.header.as_deref().filter(|h| !h.is_empty()) else {
        return Err(VerifyError::Malformed(
            "the hmac scheme has no signature header configured".to_owned(),
        ));
    };
    let prefix = cfg.prefix.as_deref().unwrap_or("");
    let encoding = cfg.encoding.unwrap_or_default();
    let mut candidates = Vec::new();
    // An invalid configured header name simply finds nothing (the lookup does not panic).
    for value in all_values(headers, name)? {
        for entry in split_list(value) {
            let sig = entry.strip_prefix(prefix).unwrap_or(entry);
            let decoded = match encoding {
                Encoding::Hex => decode_hex(sig),
                Encoding::Base64 => decode_base64(sig),
            };
            push_candidate(&mut candidates, decoded)?;
        }
    }
    if candidates.is_empty() {
        return Err(VerifyError::Malformed(format!(
            "{name} has no {} signature",
            match encoding {
                Encoding::Hex => "hex",
                Encoding::Base64 => "base64",
            }
        )));
    }
    Ok(Verified {
        message_id: None,
        timestamp: None,
        secret_index: find_match(keys, &[body], &candidates)?,
    })
}

pub(super) fn sign(cfg: &VerifierConfig, key: Option<&Key>, body: &[u8]) -> Vec<(String, String)> {
    let Some(name) = cfg.header.as_deref().filter(|h| !h.is_empty()) else {
        return Vec::new();
    };
    let Some(tag) = key.and_then(|k| k.tag(&[body])) else {
        return Vec::new();
    };
    let encoded = match cfg.encoding.unwrap_or_default() {
        Encoding::Hex => hex::encode(tag),
        Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(tag),
    };
    let prefix = cfg.prefix.as_deref().unwrap_or("");
    vec![(name.to_owned(), format!("{prefix}{encoded}"))]
}
