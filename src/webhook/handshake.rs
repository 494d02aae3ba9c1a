//! Subscription handshakes, which prove to a provider that the hub owns the webhook URL.
//!
//! - **Meta**: `GET ?hub.mode=subscribe&hub.challenge=<n>&hub.verify_token=<token>`, answered with
//!   the challenge as the `text/plain` body when the token matches the one the admin configured.
//!   It is unsigned, so the token is the only proof and is compared in constant time.
//! - **Slack**: a signed `POST {"type": "url_verification", "challenge": …}` whose challenge is
//!   echoed. Call [`slack_url_verification`] only after [`super::verify`] accepted the request.
//!
//! An echoed challenge is attacker-chosen text returned by our server, so only a short token of
//! URL-safe characters is ever echoed ([`is_echoable`]): never markup, never control characters.

use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::secret::SecretString;

/// The longest challenge echoed back.
pub const MAX_CHALLENGE_LEN: usize = 256;

/// Why a Meta subscription request was refused (answered with a generic 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// No verify token is configured, so no request can prove anything.
    #[error("no verify token is configured for this integration")]
    NoToken,
    /// `hub.mode` is absent or not `subscribe`.
    #[error("hub.mode is not subscribe")]
    NotSubscribe,
    /// A `hub.*` parameter appears more than once, so it is ambiguous which one to trust.
    #[error("{0} appears more than once")]
    Repeated(&'static str),
    /// `hub.verify_token` is absent or does not match.
    #[error("hub.verify_token does not match the configured verify token")]
    TokenMismatch,
    /// `hub.challenge` is absent.
    #[error("hub.challenge is missing")]
    MissingChallenge,
    /// `hub.challenge` is too long or has characters that are not safe to echo.
    #[error("hub.challenge is not a short token of letters, digits and -._~+/=:")]
    InvalidChallenge,
}

/// Answers Meta's subscription handshake: `query` is the raw query string (without `?`). Returns
/// the challenge to send back as the `text/plain` body.
///
/// # Errors
/// [`ChallengeError`]: the configured token is empty, the mode is not `subscribe`, a parameter is
/// repeated, the token does not match (constant-time), or the challenge is missing or not a short
/// printable token.
pub fn meta_challenge(query: &str, verify_token: &SecretString) -> Result<String, ChallengeError> {
    let expected = verify_token.expose().as_bytes();
    if expected.is_empty() {
        // An empty token would be matched by `hub.verify_token=` from anyone.
        return Err(ChallengeError::NoToken);
    }
    let mut mode = None;
    let mut token = None;
    let mut challenge = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let (slot, key) = match name.as_ref() {
            "hub.mode" => (&mut mode, "hub.mode"),
            "hub.verify_token" => (&mut token, "hub.verify_token"),
            "hub.challenge" => (&mut challenge, "hub.challenge"),
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(ChallengeError::Repeated(key));
        }
    }
    if mode.as_deref() != Some("subscribe") {
        return Err(ChallengeError::NotSubscribe);
    }
    let token = token.ok_or(ChallengeError::TokenMismatch)?;
    if !bool::from(token.as_bytes().ct_eq(expected)) {
        return Err(ChallengeError::TokenMismatch);
    }
    let challenge = challenge.ok_or(ChallengeError::MissingChallenge)?;
    if !is_echoable(&challenge) {
        return Err(ChallengeError::InvalidChallenge);
    }
    Ok(challenge.into_owned())
}

/// The `challenge` of a Slack `{"type": "url_verification"}` payload, if it is one and the
/// challenge is safe to echo. Only call it on a payload whose signature was verified.
pub fn slack_url_verification(payload: &Value) -> Option<String> {
    if payload.get("type")?.as_str()? != "url_verification" {
        return None;
    }
    let challenge = payload.get("challenge")?.as_str()?;
    is_echoable(challenge).then(|| challenge.to_owned())
}

/// Whether a challenge may be echoed: 1 to [`MAX_CHALLENGE_LEN`] ASCII letters, digits or
/// `-._~+/=:` — enough for Meta's integers, Slack's tokens and base64, and nothing a browser
/// could take for markup or script.
pub fn is_echoable(challenge: &str) -> bool {
    (1..=MAX_CHALLENGE_LEN).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token() -> SecretString {
        SecretString::new("my-verify-token".to_owned())
    }

    #[test]
    fn answers_a_valid_subscription_with_the_challenge() {
        let q = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my-verify-token";
        assert_eq!(meta_challenge(q, &token()).unwrap(), "1158201444");
        // Parameter order and percent-encoding do not matter.
        let q = "hub.verify_token=my%2Dverify%2Dtoken&hub.challenge=abc_DEF-9&hub.mode=subscribe";
        assert_eq!(meta_challenge(q, &token()).unwrap(), "abc_DEF-9");
    }

    #[test]
    fn refuses_a_wrong_or_missing_token() {
        for q in [
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=my-verify-toke",
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=my-verify-token2",
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=",
            "hub.mode=subscribe&hub.challenge=1",
        ] {
            assert_eq!(
                meta_challenge(q, &token()),
                Err(ChallengeError::TokenMismatch),
                "{q}"
            );
        }
    }

    #[test]
    fn an_empty_configured_token_matches_nothing() {
        // Otherwise `hub.verify_token=` (empty) from anyone would subscribe.
        let q = "hub.mode=subscribe&hub.challenge=1&hub.verify_token=";
        assert_eq!(
            meta_challenge(q, &SecretString::new(String::new())),
            Err(ChallengeError::NoToken)
        );
    }

    #[test]
    fn refuses_other_modes_and_repeated_parameters() {
        let q = "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=my-verify-token";
        assert_eq!(
            meta_challenge(q, &token()),
            Err(ChallengeError::NotSubscribe)
        );
        assert_eq!(
            meta_challenge("", &token()),
            Err(ChallengeError::NotSubscribe)
        );
        let q = "hub.mode=subscribe&hub.challenge=1&hub.verify_token=x&hub.verify_token=my-verify-token";
        assert_eq!(
            meta_challenge(q, &token()),
            Err(ChallengeError::Repeated("hub.verify_token"))
        );
    }

    #[test]
    fn never_echoes_markup_control_characters_or_long_challenges() {
        let long = "9".repeat(MAX_CHALLENGE_LEN + 1);
        for challenge in [
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "abc%0D%0ASet-Cookie:x=1",
            "a%00b",
            "a+b",
            "%22quoted%22",
            "",
            long.as_str(),
        ] {
            let q = format!(
                "hub.mode=subscribe&hub.challenge={challenge}&hub.verify_token=my-verify-token"
            );
            assert_eq!(
                meta_challenge(&q, &token()),
                Err(ChallengeError::InvalidChallenge),
                "{challenge}"
            );
        }
        let q = "hub.mode=subscribe&hub.verify_token=my-verify-token";
        assert_eq!(
            meta_challenge(q, &token()),
            Err(ChallengeError::MissingChallenge)
        );
        let ok = "9".repeat(MAX_CHALLENGE_LEN);
        let q = format!("hub.mode=subscribe&hub.challenge={ok}&hub.verify_token=my-verify-token");
        assert_eq!(meta_challenge(&q, &token()).unwrap(), ok);
    }

    #[test]
    fn errors_never_contain_the_token() {
        let q = "hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong";
        let e = meta_challenge(q, &token()).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("my-verify-token"));
    }

    #[test]
    fn slack_url_verification_returns_a_safe_challenge_only() {
        let p = json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"});
        assert_eq!(
            slack_url_verification(&p).as_deref(),
            Some("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        );
        assert_eq!(
            slack_url_verification(&json!({"type": "event_callback", "challenge": "x"})),
            None
        );
        assert_eq!(
            slack_url_verification(&json!({"type": "url_verification", "challenge": "<b>"})),
            None
        );
        assert_eq!(
            slack_url_verification(&json!({"type": "url_verification", "challenge": 5})),
            None
        );
        assert_eq!(slack_url_verification(&json!([1, 2])), None);
    }
}
