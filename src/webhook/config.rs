//! `push_config`, the JSON an integration carries for PUSH mode (DESIGN §11):
//! `{"verifier": {"scheme", "secret_field", "tolerance_seconds", "header", "prefix", "encoding"},
//!   "transform": "passthrough" | "facebook" | "castmill" | {"mapping": {field: <JSON pointer>}}}`.

use serde::{Deserialize, Serialize};

use crate::mapping::{self, Mapping};

/// Default credential field holding the webhook secret.
pub const DEFAULT_SECRET_FIELD: &str = "webhook_secret";
/// Default timestamp tolerance, in seconds, for schemes that sign a time.
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;
/// Allowed tolerances.
pub const TOLERANCE_RANGE: std::ops::RangeInclusive<u64> = 1..=86_400;

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Standard Webhooks 1.0 (`webhook-id`/`-timestamp`/`-signature`; Svix's `svix-*` too).
    StandardWebhooks,
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>`.
    Github,
    /// Meta (Facebook, Instagram, WhatsApp): `X-Hub-Signature-256: sha256=<hex>` with the app
    /// secret, plus the `hub.challenge` subscription handshake.
    Meta,
    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>`.
    Stripe,
    /// Slack: `X-Slack-Signature: v0=<hex>` over `v0:<ts>:<body>`.
    Slack,
    /// A configurable HMAC-SHA256 of the raw body in one header.
    Hmac,
}

/// Signature encoding for the `hmac` scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Lowercase or uppercase hex.
    #[default]
    Hex,
    /// Standard base64.
    Base64,
}

/// How deliveries are verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierConfig {
    /// The scheme.
    pub scheme: Scheme,
    /// The credential field holding the secret.
    #[serde(default = "default_secret_field")]
    pub secret_field: String,
    /// Accepted clock difference for schemes that sign a timestamp.
    #[serde(default = "default_tolerance")]
    pub tolerance_seconds: u64,
    /// `hmac` only: the header carrying the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// `hmac` only: a prefix before the signature, e.g. `sha256=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `hmac` only: how the signature is encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
}

fn default_secret_field() -> String {
    DEFAULT_SECRET_FIELD.to_owned()
}

fn default_tolerance() -> u64 {
    DEFAULT_TOLERANCE_SECONDS
}

/// A named transform.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NamedTransform {
    /// The payload is the data.
    #[default]
    Passthrough,
    /// The guide's `transform_payload` for a Meta page feed change.
    Facebook,
    /// Castmill's `{"data": {...}}` envelope.
    Castmill,
}

/// How a verified payload becomes widget data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TransformConfig {
    /// A built-in transform.
    Named(NamedTransform),
    /// A JSON-pointer mapping.
    Mapping {
        /// Output field → JSON pointer.
        mapping: Mapping,
    },
}

impl Default for TransformConfig {
    fn default() -> Self {
        Self::Named(NamedTransform::Passthrough)
    }
}

/// PUSH settings of an integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// Verification of deliveries. Required: Millrace never accepts unsigned webhooks.
    pub verifier: VerifierConfig,
    /// The transform.
    #[serde(default)]
    pub transform: TransformConfig,
}

impl PushConfig {
    /// Checks values. Returns `(path, message)` pairs relative to `push_config`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let v = &self.verifier;
        if v.secret_field.trim().is_empty() {
            problems.push((
                "verifier.secret_field".to_owned(),
                "must name a credential field".to_owned(),
            ));
        }
        if !TOLERANCE_RANGE.contains(&v.tolerance_seconds) {
            problems.push((
                "verifier.tolerance_seconds".to_owned(),
                format!(
                    "must be between {} and {} seconds",
                    TOLERANCE_RANGE.start(),
                    TOLERANCE_RANGE.end()
                ),
            ));
        }
        if v.scheme == Scheme::Hmac {
            match v.header.as_deref() {
                None | Some("") => problems.push((
                    "verifier.header".to_owned(),
                    "the hmac scheme needs the name of the header that carries the signature"
                        .to_owned(),
                )),
                Some(h) if axum::http::HeaderName::from_bytes(h.as_bytes()).is_err() => problems
                    .push((
                        "verifier.header".to_owned(),
                        format!("'{h}' is not a valid header name"),
                    )),
                Some(_) => {}
            }
            // Signatures in the header are separated by commas and spaces, and the header value
            // must be visible ASCII: a prefix with either could never verify.
            if let Some(p) = v.prefix.as_deref() {
                if p.len() > 64 || !p.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
                    problems.push((
                        "verifier.prefix".to_owned(),
                        "must be at most 64 visible characters without spaces or commas (those separate signatures), e.g. sha256=".to_owned(),
                    ));
                }
            }
        } else {
            for (field, set) in [
                ("header", v.header.is_some()),
                ("prefix", v.prefix.is_some()),
                ("encoding", v.encoding.is_some()),
            ] {
                if set {
                    problems.push((
                        format!("verifier.{field}"),
                        "is only used by the hmac scheme".to_owned(),
                    ));
                }
            }
        }
        if let TransformConfig::Mapping { mapping } = &self.transform {
            for (field, message) in mapping::validate(mapping) {
                problems.push((format!("transform.mapping.{field}"), message));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Found by fuzzing (`fuzz/regressions/webhook_verify/`): a prefix with a comma or a space
    /// was accepted, but the verifier splits signatures on those, so no delivery could verify.
    #[test]
    fn fail_an_hmac_prefix_that_could_never_verify_is_refused() {
        for bad in [
            "sha256, ",
            "v1 =",
            "a,b",
            "tab\there",
            "é=",
            &"x".repeat(65),
        ] {
            let c: PushConfig = serde_json::from_value(json!({
                "verifier": {"scheme": "hmac", "header": "X-Signature", "prefix": bad}
            }))
            .unwrap();
            let problems = c.validate();
            assert!(
                problems.iter().any(|(f, _)| f == "verifier.prefix"),
                "{bad:?}: {problems:?}"
            );
        }
        for good in ["sha256=", "v1=", "sig:"] {
            let c: PushConfig = serde_json::from_value(json!({
                "verifier": {"scheme": "hmac", "header": "X-Signature", "prefix": good}
            }))
            .unwrap();
            assert!(c.validate().is_empty(), "{good:?}");
        }
    }

    #[test]
    fn parses_each_form() {
        let c: PushConfig = serde_json::from_value(json!({
            "verifier": {"scheme": "standard_webhooks"}
        }))
        .unwrap();
        assert_eq!(c.verifier.secret_field, "webhook_secret");
        assert_eq!(c.verifier.tolerance_seconds, 300);
        assert_eq!(
            c.transform,
            TransformConfig::Named(NamedTransform::Passthrough)
        );
        let c: PushConfig = serde_json::from_value(json!({
            "verifier": {"scheme": "hmac", "header": "X-Signature", "prefix": "sha256=", "encoding": "base64"},
            "transform": {"mapping": {"title": "/post/title"}}
        }))
        .unwrap();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        let c: PushConfig = serde_json::from_value(
            json!({"verifier": {"scheme": "meta"}, "transform": "facebook"}),
        )
        .unwrap();
        assert_eq!(
            c.transform,
            TransformConfig::Named(NamedTransform::Facebook)
        );
    }

    #[test]
    fn a_verifier_is_required_and_unknown_schemes_are_named() {
        let e = serde_json::from_value::<PushConfig>(json!({})).unwrap_err();
        assert!(e.to_string().contains("verifier"), "{e}");
        let e = serde_json::from_value::<PushConfig>(json!({"verifier": {"scheme": "md5"}}))
            .unwrap_err();
        assert!(e.to_string().contains("md5"), "{e}");
    }

    #[test]
    fn hmac_needs_a_header_and_others_refuse_hmac_fields() {
        let c: PushConfig =
            serde_json::from_value(json!({"verifier": {"scheme": "hmac"}})).unwrap();
        assert_eq!(c.validate()[0].0, "verifier.header");
        let c: PushConfig = serde_json::from_value(
            json!({"verifier": {"scheme": "github", "prefix": "x", "tolerance_seconds": 0}}),
        )
        .unwrap();
        let paths: Vec<_> = c.validate().into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["verifier.tolerance_seconds", "verifier.prefix"]);
    }
}
