//! Payload transforms, the JSON-pointer mapping and the handshakes on arbitrary input: a
//! verified payload of any shape is transformed or refused, never a panic.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use millrace::secret::SecretString;
use millrace::webhook::{self, NamedTransform, TransformConfig};

#[derive(Debug, Arbitrary)]
struct Input {
    transform: u8,
    mapping: Vec<(String, String)>,
    payload: Vec<u8>,
    query: String,
    verify_token: String,
}

fuzz_target!(|input: Input| {
    let cfg = match input.transform % 4 {
        0 => TransformConfig::Named(NamedTransform::Passthrough),
        1 => TransformConfig::Named(NamedTransform::Facebook),
        2 => TransformConfig::Named(NamedTransform::Castmill),
        _ => TransformConfig::Mapping {
            mapping: input.mapping.iter().cloned().collect(),
        },
    };
    if let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&input.payload) {
        if let Ok(data) = webhook::transform::apply(&cfg, &payload) {
            // Whatever comes out is stored as JSON and served: it must serialize.
            serde_json::to_vec(&data).expect("transformed data serializes");
        }
        let _ = webhook::slack_url_verification(&payload);
    }
    let token = SecretString::new(input.verify_token);
    if let Ok(challenge) = webhook::meta_challenge(&input.query, &token) {
        assert!(
            webhook::handshake::is_echoable(&challenge),
            "only a short URL-safe challenge is echoed: {challenge:?}"
        );
    }
});
