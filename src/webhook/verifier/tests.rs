//! Verifier tests: published vectors, per-scheme behaviour, and a deterministic fuzz run.

use axum::http::{HeaderName, HeaderValue};
use base64::Engine as _;
use serde_json::json;

use super::*;
use crate::webhook::config::Encoding;

const NOW: i64 = 1_700_000_000;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn cfg(scheme: Scheme) -> VerifierConfig {
    VerifierConfig {
        scheme,
        secret_field: "webhook_secret".to_owned(),
        tolerance_seconds: 300,
        header: None,
        prefix: None,
        encoding: None,
    }
}

fn hmac_cfg(header: &str, prefix: Option<&str>, encoding: Option<Encoding>) -> VerifierConfig {
    VerifierConfig {
        header: Some(header.to_owned()),
        prefix: prefix.map(str::to_owned),
        encoding,
        ..cfg(Scheme::Hmac)
    }
}

/// One configuration per scheme, and both encodings of `hmac`.
fn configs() -> Vec<VerifierConfig> {
    vec![
        cfg(Scheme::StandardWebhooks),
        cfg(Scheme::Github),
        cfg(Scheme::Meta),
        cfg(Scheme::Stripe),
        cfg(Scheme::Slack),
        hmac_cfg("X-Signature", Some("sha256="), Some(Encoding::Hex)),
        hmac_cfg("X-Body-Signature", None, Some(Encoding::Base64)),
    ]
}

fn s(text: &str) -> SecretString {
    SecretString::new(text.to_owned())
}

/// `(current, previous)` secrets in the scheme's own format.
fn secrets_for(scheme: Scheme) -> (SecretString, SecretString) {
    match scheme {
        Scheme::StandardWebhooks => (
            s("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            s("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
        ),
        Scheme::Stripe => (
            s("whsec_9xYq2Tz7Lm4Kp8Rv3Wn6Bd1Hs5Gf0Jc2"),
            s("whsec_previousPreviousPrevious0000"),
        ),
        _ => (s("It's a Secret to Everybody"), s("the-previous-secret")),
    }
}

fn timed(scheme: Scheme) -> bool {
    matches!(
        scheme,
        Scheme::StandardWebhooks | Scheme::Stripe | Scheme::Slack
    )
}

fn signature_header(cfg: &VerifierConfig) -> String {
    match cfg.scheme {
        Scheme::StandardWebhooks => "webhook-signature".to_owned(),
        Scheme::Github | Scheme::Meta => "x-hub-signature-256".to_owned(),
        Scheme::Stripe => "stripe-signature".to_owned(),
        Scheme::Slack => "x-slack-signature".to_owned(),
        Scheme::Hmac => cfg.header.clone().unwrap().to_ascii_lowercase(),
    }
}

/// A well-formed signature value that matches nothing (32 zero bytes).
fn bogus_signature(cfg: &VerifierConfig, ts: i64) -> String {
    let zeros = [0u8; 32];
    match cfg.scheme {
        Scheme::StandardWebhooks => format!("v1,{}", B64.encode(zeros)),
        Scheme::Github | Scheme::Meta => format!("sha256={}", hex::encode(zeros)),
        Scheme::Stripe => format!("t={ts},v1={}", hex::encode(zeros)),
        Scheme::Slack => format!("v0={}", hex::encode(zeros)),
        Scheme::Hmac => {
            let prefix = cfg.prefix.as_deref().unwrap_or("");
            match cfg.encoding.unwrap_or_default() {
                Encoding::Hex => format!("{prefix}{}", hex::encode(zeros)),
                Encoding::Base64 => format!("{prefix}{}", B64.encode(zeros)),
            }
        }
    }
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

const BODY: &[u8] = br#"{"object":"page","entry":[{"id":"1234567890","time":1520383571}]}"#;

fn signed(cfg: &VerifierConfig, secret: &SecretString, body: &[u8], at: i64) -> HeaderMap {
    header_map(&sign(
        cfg,
        secret,
        body,
        at,
        "msg_2bVxDTTS5PFCpLjGvBDbDCwvjXZ",
    ))
}

// ---------------------------------------------------------------- published vectors

#[test]
fn standard_webhooks_published_vector() {
    let headers = header_map(&[
        (
            "webhook-id".to_owned(),
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk".to_owned(),
        ),
        ("webhook-timestamp".to_owned(), "1649367553".to_owned()),
        (
            "webhook-signature".to_owned(),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=".to_owned(),
        ),
    ]);
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    let secrets = [s("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")];
    let v = verify(
        &cfg(Scheme::StandardWebhooks),
        &secrets,
        &headers,
        body,
        1_649_367_553,
    )
    .unwrap();
    assert_eq!(
        v,
        Verified {
            message_id: Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk".to_owned()),
            timestamp: Some(1_649_367_553),
            secret_index: 0,
        }
    );
    // The secret without its `whsec_` prefix is the same key.
    let bare = [s("C2FVsBQIhrscChlQIMV+b5sSYspob7oD")];
    assert!(verify(
        &cfg(Scheme::StandardWebhooks),
        &bare,
        &headers,
        body,
        1_649_367_553
    )
    .is_ok());
    // And sign() reproduces the published signature exactly.
    let ours = sign(
        &cfg(Scheme::StandardWebhooks),
        &secrets[0],
        body,
        1_649_367_553,
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
    );
    assert!(ours.contains(&(
        "webhook-signature".to_owned(),
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=".to_owned()
    )));
}

#[test]
fn github_published_vector() {
    let headers = header_map(&[
        (
            "X-Hub-Signature-256".to_owned(),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".to_owned(),
        ),
        (
            "X-GitHub-Delivery".to_owned(),
            "72d3162e-cc78-11e3-81ab-4c9367dc0958".to_owned(),
        ),
    ]);
    let secrets = [s("It's a Secret to Everybody")];
    let v = verify(
        &cfg(Scheme::Github),
        &secrets,
        &headers,
        b"Hello, World!",
        NOW,
    )
    .unwrap();
    assert_eq!(
        v.message_id.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(v.timestamp, None);
    // Meta uses the same header and formula, without a delivery id.
    let v = verify(
        &cfg(Scheme::Meta),
        &secrets,
        &headers,
        b"Hello, World!",
        NOW,
    )
    .unwrap();
    assert_eq!(v.message_id, None);
}

#[test]
fn slack_published_vector() {
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let headers = header_map(&[
        (
            "X-Slack-Request-Timestamp".to_owned(),
            "1531420618".to_owned(),
        ),
        (
            "X-Slack-Signature".to_owned(),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503".to_owned(),
        ),
    ]);
    let secrets = [s("8f742231b10e8888abcd99yyyzzz85a5")];
    let v = verify(
        &cfg(Scheme::Slack),
        &secrets,
        &headers,
        body,
        1_531_420_618 + 299,
    )
    .unwrap();
    assert_eq!(v.timestamp, Some(1_531_420_618));
}

#[test]
fn stripe_vector_from_the_formula() {
    // Frozen: HMAC-SHA256(key = the whole "whsec_…" string, "1686089970." + body), computed
    // independently of this code (Python's hmac module).
    let body = br#"{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"payment_intent.succeeded"}"#;
    let headers = header_map(&[(
        "Stripe-Signature".to_owned(),
        "t=1686089970,v1=49c202e228bd0339fb785e0a4b57ae464b80c754d89b129e5188de80cf679af0,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39".to_owned(),
    )]);
    let secrets = [s("whsec_9xYq2Tz7Lm4Kp8Rv3Wn6Bd1Hs5Gf0Jc2")];
    let v = verify(
        &cfg(Scheme::Stripe),
        &secrets,
        &headers,
        body,
        1_686_089_970,
    )
    .unwrap();
    assert_eq!(v.timestamp, Some(1_686_089_970));
    assert_eq!(v.message_id, None);
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        body_message_id(Scheme::Stripe, &payload).as_deref(),
        Some("evt_1NG8Du2eZvKYlo2CUI79vXWy")
    );
}

#[test]
fn stripe_keys_with_the_secret_text_and_standard_webhooks_with_its_base64() {
    // The two schemes share the `whsec_` look but not the key derivation; mixing them up must fail.
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let decoded = B64.decode("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
    let tag_with = |key: &[u8], msg: &[u8]| {
        let mut mac = HmacSha256::new_from_slice(key).unwrap();
        mac.update(msg);
        mac.finalize().into_bytes().to_vec()
    };
    let wrong = hex::encode(tag_with(&decoded, b"1700000000.{}"));
    let h = header_map(&[(
        "Stripe-Signature".to_owned(),
        format!("t=1700000000,v1={wrong}"),
    )]);
    assert_eq!(
        verify(&cfg(Scheme::Stripe), &[s(secret)], &h, b"{}", NOW),
        Err(VerifyError::NoMatch)
    );
    let wrong = B64.encode(tag_with(secret.as_bytes(), b"id.1700000000.{}"));
    let h = header_map(&[
        ("webhook-id".to_owned(), "id".to_owned()),
        ("webhook-timestamp".to_owned(), "1700000000".to_owned()),
        ("webhook-signature".to_owned(), format!("v1,{wrong}")),
    ]);
    assert_eq!(
        verify(&cfg(Scheme::StandardWebhooks), &[s(secret)], &h, b"{}", NOW),
        Err(VerifyError::NoMatch)
    );
}

// ---------------------------------------------------------------- every scheme

#[test]
fn sign_then_verify_round_trips_for_every_scheme() {
    for cfg in configs() {
        let (current, _) = secrets_for(cfg.scheme);
        let headers = signed(&cfg, &current, BODY, NOW);
        let v = verify(&cfg, &[current], &headers, BODY, NOW)
            .unwrap_or_else(|e| panic!("{:?}: {e}", cfg.scheme));
        assert_eq!(v.secret_index, 0);
        assert_eq!(v.timestamp, timed(cfg.scheme).then_some(NOW), "{cfg:?}");
        let expected_id = matches!(cfg.scheme, Scheme::StandardWebhooks | Scheme::Github)
            .then(|| "msg_2bVxDTTS5PFCpLjGvBDbDCwvjXZ".to_owned());
        assert_eq!(v.message_id, expected_id, "{cfg:?}");
    }
}

#[test]
fn a_wrong_secret_is_no_match() {
    for cfg in configs() {
        let (current, previous) = secrets_for(cfg.scheme);
        let headers = signed(&cfg, &previous, BODY, NOW);
        assert_eq!(
            verify(&cfg, &[current], &headers, BODY, NOW),
            Err(VerifyError::NoMatch),
            "{cfg:?}"
        );
    }
}

#[test]
fn a_tampered_body_is_no_match() {
    for cfg in configs() {
        let (current, _) = secrets_for(cfg.scheme);
        let headers = signed(&cfg, &current, BODY, NOW);
        let mut tampered = BODY.to_vec();
        tampered[20] ^= 0x01;
        for body in [&tampered[..], &BODY[..BODY.len() - 1], b"", b"{}"] {
            assert_eq!(
                verify(&cfg, std::slice::from_ref(&current), &headers, body, NOW),
                Err(VerifyError::NoMatch),
                "{cfg:?}"
            );
        }
        // Re-serialised JSON (what a JSON middleware would hand over) is a different body too.
        let reserialised =
            serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(BODY).unwrap()).unwrap();
        assert_eq!(
            verify(&cfg, &[current], &headers, &reserialised, NOW),
            Err(VerifyError::NoMatch)
        );
    }
}

#[test]
fn a_missing_signature_header_is_named() {
    for cfg in configs() {
        let (current, _) = secrets_for(cfg.scheme);
        let mut headers = signed(&cfg, &current, BODY, NOW);
        headers.remove(signature_header(&cfg).as_str());
        let err = verify(&cfg, &[current], &headers, BODY, NOW).unwrap_err();
        assert!(
            matches!(err, VerifyError::MissingHeader(_)),
            "{cfg:?}: {err}"
        );
        assert!(
            err.to_string()
                .to_ascii_lowercase()
                .contains(&signature_header(&cfg)),
            "{err}"
        );
    }
    // The other required headers of the timed schemes.
    for (scheme, header) in [
        (Scheme::StandardWebhooks, "webhook-id"),
        (Scheme::StandardWebhooks, "webhook-timestamp"),
        (Scheme::Slack, "x-slack-request-timestamp"),
    ] {
        let cfg = cfg(scheme);
        let (current, _) = secrets_for(scheme);
        let mut headers = signed(&cfg, &current, BODY, NOW);
        headers.remove(header);
        let err = verify(&cfg, &[current], &headers, BODY, NOW).unwrap_err();
        assert!(
            matches!(&err, VerifyError::MissingHeader(h) if h.eq_ignore_ascii_case(header)),
            "{header}: {err}"
        );
    }
    // No headers at all.
    for cfg in configs() {
        let (current, _) = secrets_for(cfg.scheme);
        let err = verify(&cfg, &[current], &HeaderMap::new(), BODY, NOW).unwrap_err();
        assert!(matches!(err, VerifyError::MissingHeader(_)), "{cfg:?}");
    }
}

#[test]
fn the_previous_secret_is_accepted_during_rotation() {
    for cfg in configs() {
        let (current, previous) = secrets_for(cfg.scheme);
        let secrets = [current.clone(), previous.clone()];
        // A sender still on the previous secret matches index 1; one on the new secret index 0.
        let headers = signed(&cfg, &previous, BODY, NOW);
        assert_eq!(
            verify(&cfg, &secrets, &headers, BODY, NOW)
                .unwrap()
                .secret_index,
            1,
            "{cfg:?}"
        );
        let headers = signed(&cfg, &current, BODY, NOW);
        assert_eq!(
            verify(&cfg, &secrets, &headers, BODY, NOW)
                .unwrap()
                .secret_index,
            0
        );
    }
}

#[test]
fn one_valid_signature_among_several_is_enough() {
    for cfg in configs() {
        let (current, _) = secrets_for(cfg.scheme);
        let valid = signed(&cfg, &current, BODY, NOW);
        let name = signature_header(&cfg);
        // A repeated header: the bogus instance first.
        let mut headers = HeaderMap::new();
        for (k, v) in &valid {
            if k.as_str() != name {
                headers.append(k.clone(), v.clone());
            }
        }
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(&bogus_signature(&cfg, NOW)).unwrap(),
        );
        for v in valid.get_all(name.as_str()) {
            headers.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), v.clone());
        }
        assert!(
            verify(&cfg, std::slice::from_ref(&current), &headers, BODY, NOW).is_ok(),
            "{cfg:?}"
        );
        // Only bogus signatures: no match.
        headers.remove(name.as_str());
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(&bogus_signature(&cfg, NOW)).unwrap(),
        );
        assert_eq!(
            verify(&cfg, &[current], &headers, BODY, NOW),
            Err(VerifyError::NoMatch)
        );
    }
}

#[test]
fn several_signatures_in_one_header() {
    let zeros = [0u8; 32];
    // Standard Webhooks: space-separated, with a v1a (ed25519) and an unknown version ignored.
    let c = cfg(Scheme::StandardWebhooks);
    let (current, _) = secrets_for(c.scheme);
    let mut headers = signed(&c, &current, BODY, NOW);
    let valid = headers["webhook-signature"].to_str().unwrap().to_owned();
    let bogus = B64.encode(zeros);
    let combined = format!("v1a,{bogus} v2,{bogus} v1,{bogus} {valid}");
    headers.insert("webhook-signature", combined.parse().unwrap());
    assert!(verify(&c, std::slice::from_ref(&current), &headers, BODY, NOW).is_ok());
    // Only v1a/unknown versions: nothing this hub can check.
    headers.insert(
        "webhook-signature",
        format!("v1a,{bogus} v2,{bogus}").parse().unwrap(),
    );
    assert!(matches!(
        verify(&c, &[current], &headers, BODY, NOW),
        Err(VerifyError::Malformed(_))
    ));

    // Stripe: several v1 (Stripe signs with each active secret) and a v0.
    let c = cfg(Scheme::Stripe);
    let (current, _) = secrets_for(c.scheme);
    let mut headers = signed(&c, &current, BODY, NOW);
    let valid = headers["stripe-signature"].to_str().unwrap().to_owned();
    let v1 = valid.split_once("v1=").unwrap().1.to_owned();
    let z = hex::encode(zeros);
    let combined = format!("t={NOW},v1={z},v0={z},v1={v1}");
    headers.insert("stripe-signature", combined.parse().unwrap());
    assert!(verify(&c, std::slice::from_ref(&current), &headers, BODY, NOW).is_ok());
    // Two different `t`s are ambiguous.
    let combined = format!("t={NOW},v1={v1},t={}", NOW + 1);
    headers.insert("stripe-signature", combined.parse().unwrap());
    assert!(matches!(
        verify(&c, std::slice::from_ref(&current), &headers, BODY, NOW),
        Err(VerifyError::Malformed(_))
    ));
    headers.insert("stripe-signature", format!("v1={v1}").parse().unwrap());
    assert!(matches!(
        verify(&c, std::slice::from_ref(&current), &headers, BODY, NOW),
        Err(VerifyError::Malformed(_))
    ));
    headers.insert("stripe-signature", format!("t={NOW}").parse().unwrap());
    assert!(matches!(
        verify(&c, &[current], &headers, BODY, NOW),
        Err(VerifyError::Malformed(_))
    ));

    // hmac: comma- or space-separated, prefix optional, hex in either case.
    let c = hmac_cfg("X-Signature", Some("sha256="), Some(Encoding::Hex));
    let (current, _) = secrets_for(c.scheme);
    let headers = signed(&c, &current, BODY, NOW);
    let valid = headers["x-signature"].to_str().unwrap().to_owned();
    let hex_only = valid.strip_prefix("sha256=").unwrap();
    for value in [
        format!("sha256={z}, {valid}"),
        format!("{z} {hex_only}"),
        format!("sha256={}", hex_only.to_ascii_uppercase()),
        hex_only.to_owned(),
    ] {
        let h = header_map(&[("X-Signature".to_owned(), value.clone())]);
        assert!(
            verify(&c, std::slice::from_ref(&current), &h, BODY, NOW).is_ok(),
            "{value}"
        );
    }
}

#[test]
fn timestamps_outside_the_window_fail_in_both_directions() {
    for cfg in configs().into_iter().filter(|c| timed(c.scheme)) {
        let (current, _) = secrets_for(cfg.scheme);
        let tol = 300;
        // Signed 301 s ago: a replay of an authentic message, even though its id is new.
        let headers = signed(&cfg, &current, BODY, NOW - tol - 1);
        assert_eq!(
            verify(&cfg, std::slice::from_ref(&current), &headers, BODY, NOW),
            Err(VerifyError::StaleTimestamp {
                age_seconds: tol + 1
            }),
            "{cfg:?}"
        );
        // Signed 301 s in the future.
        let headers = signed(&cfg, &current, BODY, NOW + tol + 1);
        assert_eq!(
            verify(&cfg, std::slice::from_ref(&current), &headers, BODY, NOW),
            Err(VerifyError::StaleTimestamp {
                age_seconds: -(tol + 1)
            })
        );
        // Exactly at the edge is still accepted, both ways.
        for at in [NOW - tol, NOW + tol] {
            let headers = signed(&cfg, &current, BODY, at);
            assert!(verify(&cfg, std::slice::from_ref(&current), &headers, BODY, NOW).is_ok());
        }
        // A smaller configured tolerance is honoured.
        let strict = VerifierConfig {
            tolerance_seconds: 5,
            ..cfg.clone()
        };
        let headers = signed(&strict, &current, BODY, NOW - 6);
        assert!(matches!(
            verify(&strict, std::slice::from_ref(&current), &headers, BODY, NOW),
            Err(VerifyError::StaleTimestamp { age_seconds: 6 })
        ));
        // A stale forgery is reported as a forgery: staleness is only reported for authentic
        // messages.
        let (_, other) = secrets_for(cfg.scheme);
        let headers = signed(&cfg, &other, BODY, NOW - 10_000);
        assert_eq!(
            verify(&cfg, &[current], &headers, BODY, NOW),
            Err(VerifyError::NoMatch)
        );
    }
}

#[test]
fn changing_the_signed_timestamp_breaks_the_signature() {
    // Otherwise a captured old message could be refreshed by editing its timestamp header.
    for (scheme, header) in [
        (Scheme::StandardWebhooks, "webhook-timestamp"),
        (Scheme::Slack, "x-slack-request-timestamp"),
    ] {
        let c = cfg(scheme);
        let (current, _) = secrets_for(scheme);
        let mut headers = signed(&c, &current, BODY, NOW - 1000);
        headers.insert(header, NOW.to_string().parse().unwrap());
        assert_eq!(
            verify(&c, &[current], &headers, BODY, NOW),
            Err(VerifyError::NoMatch)
        );
    }
    let c = cfg(Scheme::Stripe);
    let (current, _) = secrets_for(Scheme::Stripe);
    let mut headers = signed(&c, &current, BODY, NOW - 1000);
    let value = headers["stripe-signature"]
        .to_str()
        .unwrap()
        .replace(&(NOW - 1000).to_string(), &NOW.to_string());
    headers.insert("stripe-signature", value.parse().unwrap());
    assert_eq!(
        verify(&c, &[current], &headers, BODY, NOW),
        Err(VerifyError::NoMatch)
    );
}

#[test]
fn malformed_timestamps_are_reported() {
    for bad in [
        "",
        "soon",
        "-5",
        "+5",
        "1.5",
        "1e9",
        "99999999999999999999",
        " 5",
    ] {
        let c = cfg(Scheme::StandardWebhooks);
        let (current, _) = secrets_for(c.scheme);
        let mut headers = signed(&c, &current, BODY, NOW);
        let Ok(value) = HeaderValue::from_str(bad) else {
            continue;
        };
        headers.insert("webhook-timestamp", value);
        assert!(
            matches!(
                verify(&c, &[current], &headers, BODY, NOW),
                Err(VerifyError::Malformed(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn svix_header_names_are_accepted() {
    let c = cfg(Scheme::StandardWebhooks);
    let (current, previous) = secrets_for(c.scheme);
    let standard = sign(&c, &previous, BODY, NOW, "msg_svix_1");
    let svix: Vec<_> = standard
        .iter()
        .map(|(k, v)| (k.replace("webhook-", "svix-"), v.clone()))
        .collect();
    assert!(svix.iter().any(|(k, _)| k == "svix-signature"));
    let v = verify(
        &c,
        &[current.clone(), previous],
        &header_map(&svix),
        BODY,
        NOW,
    )
    .unwrap();
    assert_eq!(v.message_id.as_deref(), Some("msg_svix_1"));
    assert_eq!(v.secret_index, 1);
    // The family is chosen by the signature header: svix-signature with a webhook-id only is
    // missing svix-id, not silently mixed.
    let mixed = header_map(&[
        ("webhook-id".to_owned(), "msg_svix_1".to_owned()),
        ("svix-timestamp".to_owned(), NOW.to_string()),
        (
            "svix-signature".to_owned(),
            svix.iter()
                .find(|(k, _)| k == "svix-signature")
                .unwrap()
                .1
                .clone(),
        ),
    ]);
    assert_eq!(
        verify(&c, &[current], &mixed, BODY, NOW),
        Err(VerifyError::MissingHeader("svix-id".to_owned()))
    );
}

#[test]
fn secrets_that_cannot_verify_are_reported() {
    let headers = HeaderMap::new();
    for cfg in configs() {
        // No secret, or only empty/blank ones: an empty key would let anyone sign.
        assert_eq!(
            verify(&cfg, &[], &headers, BODY, NOW),
            Err(VerifyError::NoSecret)
        );
        assert_eq!(
            verify(&cfg, &[s(""), s("  \n")], &headers, BODY, NOW),
            Err(VerifyError::NoSecret)
        );
        // sign() with an empty secret sends no signature; verify() names the secret problem.
        let out = sign(&cfg, &s(""), BODY, NOW, "id");
        let name = signature_header(&cfg);
        assert!(
            !out.iter().any(|(k, _)| k.eq_ignore_ascii_case(&name)),
            "{out:?}"
        );
    }
    let c = cfg(Scheme::StandardWebhooks);
    assert!(matches!(
        verify(&c, &[s("whsec_not base64!")], &headers, BODY, NOW),
        Err(VerifyError::InvalidSecret(_))
    ));
    assert_eq!(
        verify(&c, &[s("whsec_")], &headers, BODY, NOW),
        Err(VerifyError::NoSecret)
    );
    // One unusable secret does not stop the other from working.
    let (current, _) = secrets_for(c.scheme);
    let signed_headers = signed(&c, &current, BODY, NOW);
    let v = verify(
        &c,
        &[s("whsec_not base64!"), s(""), current],
        &signed_headers,
        BODY,
        NOW,
    )
    .unwrap();
    assert_eq!(v.secret_index, 2);
}

#[test]
fn a_pasted_secret_with_surrounding_whitespace_still_verifies() {
    for cfg in configs() {
        let (current, _) = secrets_for(cfg.scheme);
        let headers = signed(&cfg, &current, BODY, NOW);
        let pasted = s(&format!("  {}\n", current.expose()));
        assert!(
            verify(&cfg, &[pasted], &headers, BODY, NOW).is_ok(),
            "{cfg:?}"
        );
    }
}

#[test]
fn hmac_scheme_configuration() {
    let (current, _) = secrets_for(Scheme::Hmac);
    // base64 with a prefix.
    let c = hmac_cfg("X-Sig", Some("sha256="), Some(Encoding::Base64));
    let headers = signed(&c, &current, BODY, NOW);
    assert!(headers["x-sig"].to_str().unwrap().starts_with("sha256="));
    assert!(verify(&c, std::slice::from_ref(&current), &headers, BODY, NOW).is_ok());
    // The header name is case-insensitive.
    let c2 = hmac_cfg("x-SIG", Some("sha256="), Some(Encoding::Base64));
    assert!(verify(&c2, std::slice::from_ref(&current), &headers, BODY, NOW).is_ok());
    // A hex signature under a base64 configuration is not silently reinterpreted.
    let hex_cfg = hmac_cfg("X-Sig", None, Some(Encoding::Hex));
    let hex_headers = signed(&hex_cfg, &current, BODY, NOW);
    assert!(verify(&c, std::slice::from_ref(&current), &hex_headers, BODY, NOW).is_err());
    // Default encoding is hex.
    let default = hmac_cfg("X-Sig", None, None);
    assert!(verify(
        &default,
        std::slice::from_ref(&current),
        &hex_headers,
        BODY,
        NOW
    )
    .is_ok());
    // Not hex at all.
    let h = header_map(&[("X-Sig".to_owned(), "zzzz".to_owned())]);
    assert!(matches!(
        verify(&default, std::slice::from_ref(&current), &h, BODY, NOW),
        Err(VerifyError::Malformed(_))
    ));
    // No configured header (validate() refuses this; verify() still must not accept or panic).
    let none = VerifierConfig {
        header: None,
        ..default.clone()
    };
    assert!(matches!(
        verify(
            &none,
            std::slice::from_ref(&current),
            &hex_headers,
            BODY,
            NOW
        ),
        Err(VerifyError::Malformed(_))
    ));
    assert!(sign(&none, &current, BODY, NOW, "id").is_empty());
    // An invalid configured header name finds nothing rather than panicking.
    let invalid = hmac_cfg("Bad Header\n", None, None);
    assert!(matches!(
        verify(&invalid, &[current], &hex_headers, BODY, NOW),
        Err(VerifyError::MissingHeader(_))
    ));
}

#[test]
fn too_many_signatures_are_refused() {
    let c = hmac_cfg("X-Sig", None, None);
    let (current, _) = secrets_for(c.scheme);
    let many = vec![hex::encode([7u8; 32]); MAX_SIGNATURES + 1].join(",");
    let h = header_map(&[("X-Sig".to_owned(), many)]);
    assert!(matches!(
        verify(&c, &[current], &h, BODY, NOW),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn non_ascii_header_values_are_malformed() {
    for cfg in configs() {
        let (current, _) = secrets_for(cfg.scheme);
        let mut headers = signed(&cfg, &current, BODY, NOW);
        headers.insert(
            HeaderName::from_bytes(signature_header(&cfg).as_bytes()).unwrap(),
            HeaderValue::from_bytes(b"v1,\xff\xfe sha256=\xc3\xa9").unwrap(),
        );
        assert!(
            matches!(
                verify(&cfg, &[current], &headers, BODY, NOW),
                Err(VerifyError::Malformed(_))
            ),
            "{cfg:?}"
        );
    }
}

#[test]
fn errors_never_contain_secrets_signatures_or_received_values() {
    let marker = "ATTACKER<script>";
    for cfg in configs() {
        let (current, previous) = secrets_for(cfg.scheme);
        let good = signed(&cfg, &current, BODY, NOW);
        let expected: Vec<String> = good
            .values()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| {
                v.split([',', ' ', '='])
                    .filter(|p| p.len() >= 20)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(!expected.is_empty(), "{cfg:?}");
        let mut garbage = good.clone();
        for name in good.keys() {
            garbage.insert(name.clone(), HeaderValue::from_str(marker).unwrap());
        }
        let attempts = [
            verify(&cfg, std::slice::from_ref(&previous), &good, BODY, NOW),
            verify(&cfg, std::slice::from_ref(&current), &good, b"other", NOW),
            verify(
                &cfg,
                std::slice::from_ref(&current),
                &good,
                BODY,
                NOW + 10_000,
            ),
            verify(&cfg, std::slice::from_ref(&current), &garbage, BODY, NOW),
            verify(
                &cfg,
                std::slice::from_ref(&current),
                &HeaderMap::new(),
                BODY,
                NOW,
            ),
        ];
        for result in attempts {
            let Err(err) = result else { continue };
            let text = format!("{err} {err:?}");
            for secret in [&current, &previous] {
                assert!(!text.contains(secret.expose().as_str()), "{text}");
                let bare = secret.expose().trim_start_matches("whsec_");
                assert!(!text.contains(bare), "{text}");
            }
            for sig in &expected {
                assert!(!text.contains(sig.as_str()), "{text}");
            }
            assert!(!text.contains(marker), "{text}");
        }
    }
}

// ---------------------------------------------------------------- ids and secrets

#[test]
fn body_message_ids() {
    assert_eq!(
        body_message_id(Scheme::Stripe, &json!({"id": "evt_123", "object": "event"})).as_deref(),
        Some("evt_123")
    );
    assert_eq!(
        body_message_id(
            Scheme::Slack,
            &json!({"type": "event_callback", "event_id": "Ev08MFMKH6"})
        )
        .as_deref(),
        Some("Ev08MFMKH6")
    );
    for scheme in [Scheme::StandardWebhooks, Scheme::Github, Scheme::Hmac] {
        assert_eq!(
            body_message_id(scheme, &json!({"id": "x", "event_id": "y"})),
            None
        );
    }
    assert_eq!(body_message_id(Scheme::Stripe, &json!({"id": 5})), None);
    assert_eq!(body_message_id(Scheme::Stripe, &json!({"id": ""})), None);
    assert_eq!(
        body_message_id(
            Scheme::Stripe,
            &json!({"id": "e".repeat(MAX_MESSAGE_ID_LEN + 1)})
        ),
        None
    );
    assert_eq!(body_message_id(Scheme::Slack, &json!([1])), None);
}

#[test]
fn meta_body_message_id_names_the_exact_change() {
    let feed = |verb: &str, message: &str| {
        json!({"object": "page", "entry": [{"id": "1234567890", "time": 1520383571,
            "changes": [{"field": "feed", "value": {"post_id": "1234567890_9876543210",
            "verb": verb, "message": message}}]}]})
    };
    let a = body_message_id(Scheme::Meta, &feed("add", "hello")).unwrap();
    assert!(a.starts_with("1234567890:1520383571:"), "{a}");
    assert_eq!(a.len(), "1234567890:1520383571:".len() + 16);
    // The same delivery again (a redelivery) has the same id: it is deduped.
    let body = serde_json::to_vec(&feed("add", "hello")).unwrap();
    let reparsed: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body_message_id(Scheme::Meta, &reparsed).unwrap(), a);
    // Two different changes in the same second, or two edits of one post, are not merged.
    let b = body_message_id(Scheme::Meta, &feed("edited", "hello")).unwrap();
    let c = body_message_id(Scheme::Meta, &feed("edited", "hello again")).unwrap();
    assert_ne!(a, b);
    assert_ne!(b, c);
    // Numeric page ids are accepted; payloads without an entry have no id.
    let numeric = json!({"entry": [{"id": 42, "time": 7, "changes": []}]});
    assert!(body_message_id(Scheme::Meta, &numeric)
        .unwrap()
        .starts_with("42:7:"));
    assert_eq!(
        body_message_id(Scheme::Meta, &json!({"object": "page"})),
        None
    );
    assert_eq!(body_message_id(Scheme::Meta, &json!({"entry": []})), None);
}

#[test]
fn generated_secrets_have_each_schemes_format_and_verify() {
    let sw = generate_secret(Scheme::StandardWebhooks);
    let key = sw.expose().strip_prefix("whsec_").unwrap();
    assert_eq!(B64.decode(key).unwrap().len(), 24);

    let stripe = generate_secret(Scheme::Stripe);
    let rest = stripe.expose().strip_prefix("whsec_").unwrap();
    assert_eq!(rest.len(), 32);
    assert!(rest.bytes().all(|b| b.is_ascii_alphanumeric()));

    for scheme in [Scheme::Github, Scheme::Meta, Scheme::Slack, Scheme::Hmac] {
        let secret = generate_secret(scheme);
        assert_eq!(secret.expose().len(), 64);
        assert!(secret
            .expose()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
    // Fresh every time.
    assert_ne!(
        generate_secret(Scheme::Github),
        generate_secret(Scheme::Github)
    );
    assert_ne!(
        generate_secret(Scheme::Stripe),
        generate_secret(Scheme::Stripe)
    );
    // And usable end to end.
    for cfg in configs() {
        let secret = generate_secret(cfg.scheme);
        let headers = signed(&cfg, &secret, BODY, NOW);
        assert!(
            verify(&cfg, &[secret], &headers, BODY, NOW).is_ok(),
            "{cfg:?}"
        );
    }
}

#[test]
fn sign_sends_what_real_senders_send() {
    let names = |cfg: &VerifierConfig| -> Vec<String> {
        let (current, _) = secrets_for(cfg.scheme);
        sign(cfg, &current, BODY, NOW, "id-1")
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(
        names(&cfg(Scheme::StandardWebhooks)),
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    );
    assert_eq!(
        names(&cfg(Scheme::Github)),
        ["X-GitHub-Delivery", "X-Hub-Signature-256"]
    );
    assert_eq!(names(&cfg(Scheme::Meta)), ["X-Hub-Signature-256"]);
    assert_eq!(names(&cfg(Scheme::Stripe)), ["Stripe-Signature"]);
    assert_eq!(
        names(&cfg(Scheme::Slack)),
        ["X-Slack-Request-Timestamp", "X-Slack-Signature"]
    );
    assert_eq!(
        names(&hmac_cfg("X-Signature", Some("sha256="), None)),
        ["X-Signature"]
    );
}

// ---------------------------------------------------------------- fuzz

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A header value that is sometimes garbage and sometimes nearly right.
fn fuzz_value(rng: &mut Rng) -> Vec<u8> {
    const PIECES: &[&str] = &[
        "v1,",
        "v1a,",
        "v0=",
        "v1=",
        "t=",
        "sha256=",
        "whsec_",
        ",",
        " ",
        "=",
        ".",
        "1700000000",
        "-1",
        "99999999999999999999",
        "msg_1",
    ];
    let mut out = Vec::new();
    for _ in 0..rng.below(8) {
        match rng.below(6) {
            0 => out.extend(PIECES[rng.below(PIECES.len())].as_bytes()),
            1 => out.extend(hex::encode(rng.bytes(32)).as_bytes()),
            2 => out.extend(B64.encode(rng.bytes(32)).as_bytes()),
            3 => {
                let len = rng.below(40);
                out.extend(rng.bytes(len));
            }
            4 => out.extend((NOW + rng.below(1000) as i64 - 500).to_string().as_bytes()),
            _ => {
                // Occasionally huge.
                if rng.below(20) == 0 {
                    out.extend(std::iter::repeat_n(b'a', 20_000));
                }
            }
        }
    }
    out
}

const FUZZ_HEADERS: &[&str] = &[
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "x-hub-signature-256",
    "x-github-delivery",
    "stripe-signature",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-signature",
    "x-body-signature",
];

#[test]
fn fuzzed_headers_and_bodies_never_panic_or_verify() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut runs = 0;
    let mut kinds = std::collections::HashSet::new();
    for cfg in configs() {
        let (current, previous) = secrets_for(cfg.scheme);
        let secrets = [current.clone(), previous];
        for _ in 0..800 {
            let mut headers = HeaderMap::new();
            for name in FUZZ_HEADERS {
                if rng.below(3) == 0 {
                    continue;
                }
                for _ in 0..=rng.below(2) {
                    // Only bytes a real request could carry: HeaderValue refuses the rest.
                    if let Ok(v) = HeaderValue::from_bytes(&fuzz_value(&mut rng)) {
                        headers.append(*name, v);
                    }
                }
            }
            let len = [0, 1, 64, 5000][rng.below(4)];
            let body = rng.bytes(len);
            let now = [NOW, 0, i64::MAX, i64::MIN, -1][rng.below(5)];
            // A random secret list too: empty, blank, garbage, or the real ones.
            let result = match rng.below(4) {
                0 => verify(&cfg, &[], &headers, &body, now),
                1 => verify(&cfg, &[s(""), s("whsec_%%%")], &headers, &body, now),
                _ => verify(&cfg, &secrets, &headers, &body, now),
            };
            let Err(err) = result else {
                panic!("{cfg:?} accepted fuzzed input: {headers:?}");
            };
            kinds.insert(std::mem::discriminant(&err));
            runs += 1;
        }
        // Mutations of an authentic delivery: every changed body must fail.
        let headers = signed(&cfg, &current, BODY, NOW);
        for _ in 0..200 {
            let mut body = BODY.to_vec();
            let i = rng.below(body.len());
            body[i] ^= 1 + (rng.next() % 255) as u8;
            if rng.below(4) == 0 {
                let extra = 1 + rng.below(8);
                body.extend(rng.bytes(extra));
            }
            assert_eq!(
                verify(&cfg, &secrets, &headers, &body, NOW),
                Err(VerifyError::NoMatch),
                "{cfg:?}"
            );
            runs += 1;
        }
        // Forgeries signed with random secrets of the right shape.
        for _ in 0..100 {
            let forged_secret = generate_secret(cfg.scheme);
            let forged = signed(&cfg, &forged_secret, BODY, NOW);
            assert_eq!(
                verify(&cfg, &secrets, &forged, BODY, NOW),
                Err(VerifyError::NoMatch)
            );
            runs += 1;
        }
    }
    assert!(runs >= 7_000, "{runs}");
    // The garbage reached every stage, up to the constant-time comparison.
    for expected in [
        VerifyError::NoSecret,
        VerifyError::MissingHeader(String::new()),
        VerifyError::Malformed(String::new()),
        VerifyError::NoMatch,
    ] {
        assert!(
            kinds.contains(&std::mem::discriminant(&expected)),
            "the fuzz never produced {expected:?}"
        );
    }
}
