//! Webhook verification on arbitrary input, for every scheme.
//!
//! 1. Anything at all — headers, body, secrets, clock, tolerance — must be answered `Ok` or a
//!    `VerifyError`, never a panic (the hooks listener is reachable from the internet).
//! 2. For every verifier configuration the admin API accepts (`PushConfig::validate`), a
//!    delivery signed by `sign` verifies with the same secret at the same time, and no longer
//!    verifies once a byte of the body is changed.
#![no_main]

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use millrace::secret::SecretString;
use millrace::webhook::{self, Encoding, PushConfig, Scheme, VerifierConfig, VerifyError};

#[derive(Debug, Arbitrary)]
struct Input {
    scheme: u8,
    secrets: Vec<String>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    now: i64,
    tolerance: u64,
    hmac_header: Option<String>,
    prefix: Option<String>,
    base64: bool,
    /// For the round trip: key bytes, a message id and a time.
    key: Vec<u8>,
    message_id: String,
    at: u32,
}

const SCHEMES: [Scheme; 6] = [
    Scheme::StandardWebhooks,
    Scheme::Github,
    Scheme::Meta,
    Scheme::Stripe,
    Scheme::Slack,
    Scheme::Hmac,
];

fn config(input: &Input, scheme: Scheme) -> VerifierConfig {
    VerifierConfig {
        scheme,
        secret_field: "webhook_secret".to_owned(),
        tolerance_seconds: input.tolerance,
        header: input.hmac_header.clone(),
        prefix: input.prefix.clone(),
        encoding: Some(if input.base64 {
            Encoding::Base64
        } else {
            Encoding::Hex
        }),
    }
}

fuzz_target!(|input: Input| {
    let scheme = SCHEMES[usize::from(input.scheme) % SCHEMES.len()];

    // 1. Arbitrary deliveries.
    let cfg = config(&input, scheme);
    let mut headers = HeaderMap::new();
    for (name, value) in &input.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(n, v);
        }
    }
    let secrets: Vec<SecretString> = input
        .secrets
        .iter()
        .cloned()
        .map(SecretString::new)
        .collect();
    let _ = webhook::verify(&cfg, &secrets, &headers, &input.body, input.now);
    if let Ok(v) = serde_json::from_slice(&input.body) {
        let _ = webhook::body_message_id(scheme, &v);
    }

    // 2. Round trip: what `sign` produces verifies, and a changed body does not.
    if input.key.is_empty() {
        return;
    }
    let secret = match scheme {
        Scheme::StandardWebhooks => {
            use base64::Engine as _;
            format!(
                "whsec_{}",
                base64::engine::general_purpose::STANDARD.encode(&input.key)
            )
        }
        _ => hex::encode(&input.key),
    };
    let mut cfg = config(&input, scheme);
    cfg.tolerance_seconds = 300;
    if scheme == Scheme::Hmac {
        cfg.header = Some("x-signature".to_owned());
    } else {
        (cfg.header, cfg.prefix, cfg.encoding) = (None, None, None);
    }
    let accepted = PushConfig {
        verifier: cfg.clone(),
        transform: webhook::TransformConfig::default(),
    }
    .validate()
    .is_empty();
    if !accepted {
        return;
    }
    let id: String = input
        .message_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(64)
        .collect();
    let id = if id.is_empty() {
        "msg_1".to_owned()
    } else {
        id
    };
    let at = i64::from(input.at);
    let secret = SecretString::new(secret);
    let mut signed = HeaderMap::new();
    for (k, v) in webhook::sign(&cfg, &secret, &input.body, at, &id) {
        signed.append(
            HeaderName::from_bytes(k.as_bytes()).expect("sign makes valid header names"),
            HeaderValue::from_str(&v).expect("sign makes valid header values"),
        );
    }
    let secrets = [secret];
    let verified = webhook::verify(&cfg, &secrets, &signed, &input.body, at);
    assert!(
        verified.is_ok(),
        "{scheme:?}: a signed delivery does not verify: {verified:?}"
    );
    let mut tampered = input.body.clone();
    match tampered.first_mut() {
        Some(b) => *b = b.wrapping_add(1),
        None => tampered.push(b'x'),
    }
    assert_eq!(
        webhook::verify(&cfg, &secrets, &signed, &tampered, at).err(),
        Some(VerifyError::NoMatch),
        "{scheme:?}: a changed body verifies"
    );
});
