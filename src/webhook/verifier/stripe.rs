//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]` over `{t}.{raw body}`, keyed
//! with the whole secret string (`whsec_…`) as bytes — not base64-decoded, unlike Standard
//! Webhooks. Only `v1` is checked (`v0` is Stripe's test-mode legacy scheme). The event id is in
//! the body (`id`).

use axum::http::HeaderMap;

use super::{
    all_values, decode_hex, find_match, parse_unix, push_candidate, Key, Verified, VerifyError,
};

const SIGNATURE: &str = "Stripe-Signature";

pub(super) fn verify(
    keys: &[Key],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, VerifyError> {
    let mut ts_text: Option<&str> = None;
    let mut candidates = Vec::new();
    for value in all_values(headers, SIGNATURE)? {
        for item in value.split(',') {
            let Some((name, val)) = item.trim().split_once('=') else {
                continue;
            };
            match name {
                "t" => match ts_text {
                    // Two different `t`s would leave it open which one was signed.
                    Some(seen) if seen != val => {
                        return Err(VerifyError::Malformed(format!(
                            "{SIGNATURE} has more than one t= timestamp"
                        )))
                    }
                    _ => ts_text = Some(val),
                },
                "v1" => push_candidate(&mut candidates, decode_hex(val))?,
                _ => {}
            }
        }
    }
    let Some(ts_text) = ts_text else {
        return Err(VerifyError::Malformed(format!(
            "{SIGNATURE} has no t= timestamp"
        )));
    };
    let timestamp = parse_unix(ts_text, SIGNATURE)?;
    if candidates.is_empty() {
        return Err(VerifyError::Malformed(format!(
            "{SIGNATURE} has no v1 signature"
        )));
    }
    let secret_index = find_match(keys, &[ts_text.as_bytes(), b".", body], &candidates)?;
    Ok(Verified {
        message_id: None,
        timestamp: Some(timestamp),
        secret_index,
    })
}

pub(super) fn sign(key: Option<&Key>, body: &[u8], now_unix: i64) -> Vec<(String, String)> {
    let ts = now_unix.to_string();
    key.and_then(|k| k.tag(&[ts.as_bytes(), b".", body]))
        .map(|tag| {
            (
                SIGNATURE.to_owned(),
                format!("t={ts},v1={}", hex::encode(tag)),
            )
        })
        .into_iter()
        .collect()
}
