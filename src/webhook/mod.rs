//! PUSH mode: webhook verification, handshakes and payload transforms (DESIGN §6), transport-free.
//!
//! # Threat model
//!
//! Webhook URLs are public (the tunnel exposes the hooks listener to the internet), so anyone can
//! send anything to them. What a delivery may do is replace a widget's data on every sign, so:
//!
//! - **Verify before parse.** The caller hands [`verify`] the raw body bytes, exactly as received,
//!   and parses JSON only after it succeeded. Nothing about an unverified body is interpreted.
//!   Re-serialised JSON would not verify anyway (Meta signs escaped unicode, Stripe signs its own
//!   spacing).
//! - **Constant-time comparison** of every signature against every configured secret (the current
//!   and, during rotation, the previous one); the expected signature is never materialised, so it
//!   cannot leak through an error or a log. Empty secrets never verify.
//! - **Replay window.** Where the scheme signs a time (Standard Webhooks, Stripe, Slack), it must be
//!   within ±`tolerance_seconds` (default 300 s) of now, in both directions, even when the message
//!   id was never seen. **Dedupe is the caller's**: it records [`Verified::message_id`] (or
//!   [`body_message_id`] for ids inside the body) for at least that window and accepts a repeated
//!   id once (200, no version change). GitHub, Meta and the plain `hmac` scheme sign no time, so
//!   for them dedupe is the only replay defence.
//! - **Generic 401s.** Every [`VerifyError`] is answered with the same detail-free 401; the variants
//!   only feed the admin's delivery inspector, and never contain secrets, expected signatures or
//!   received header values.
//! - **Handshakes** ([`handshake`]) echo a challenge only if it is a short URL-safe token, so the
//!   echo cannot carry markup; Meta's verify token is compared in constant time.
//! - **No panics** on any input: header bytes, sizes and bodies are untrusted.
//!
//! Out of scope here: the 1 MiB body limit, 404 for unknown or disabled hooks, and status codes
//! (the transport, `http/`); storing secrets (the cipher).

pub mod config;
pub mod handshake;
pub mod transform;
pub mod verifier;

pub use config::{Encoding, NamedTransform, PushConfig, Scheme, TransformConfig, VerifierConfig};
pub use handshake::{meta_challenge, slack_url_verification, ChallengeError};
pub use transform::TransformError;
pub use verifier::{body_message_id, generate_secret, sign, verify, Verified, VerifyError};
