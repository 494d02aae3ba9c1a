//! The JSON body extractor of the admin API: a 1 MiB limit (413), the whole body within
//! [`super::BODY_READ_TIMEOUT`] (408), `application/json` only
//! (415), malformed JSON with its position (400), and field-level 422s with the path of each
//! problem (unknown fields named) — the same format as domain validation.

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::error::FieldErrors;

/// The largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body deserialized into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let value = read_json(req).await?;
        from_value(value).map(JsonBody)
    }
}

/// Reads a body as a JSON value (limit, media type, syntax).
///
/// # Errors
/// 413, 415 or 400 as described in the module doc.
pub async fn read_json(req: Request) -> Result<serde_json::Value, ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && !essence.ends_with("+json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with 'Content-Type: application/json'",
        ));
    }
    let bytes = super::read_body(req.into_body(), BODY_LIMIT)
        .await
        .map_err(|e| match e {
            super::BodyReadError::TooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {} KiB", BODY_LIMIT / 1024),
            ),
            super::BodyReadError::TimedOut => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the body did not arrive in time",
            ),
            super::BodyReadError::Broken => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                "the body could not be read",
            ),
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "the body is not valid JSON: {} (line {}, column {})",
                strip_position(&e.to_string()),
                e.line(),
                e.column()
            ),
        )
    })
}

fn strip_position(msg: &str) -> &str {
    msg.split(" at line ").next().unwrap_or(msg)
}

/// Deserializes a JSON value into `T`, turning errors into a field-level 422.
///
/// # Errors
/// 422 with the path of the problem.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| ApiError::invalid(field_error(&e)))
}

/// The field-level form of a deserialization error: the path (with an unknown field's own name
/// appended) and serde's message.
pub fn field_error(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldErrors {
    let mut path = e.path().to_string();
    if path == "." {
        path.clear();
    }
    let msg = e.inner().to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((name, expected)) = rest.split_once('`') {
            // serde_path_to_error's path already ends with the unknown key.
            let full = if path.is_empty() || !path.ends_with(name) {
                [path.as_str(), name]
                    .iter()
                    .filter(|p| !p.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(".")
            } else {
                path.clone()
            };
            let expected = expected.trim_start_matches(", ");
            return FieldErrors::one(full, format!("unknown field; {expected}"));
        }
    }
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
    if let Some(rest) = msg.strip_prefix("missing field `") {
        if let Some((name, _)) = rest.split_once('`') {
            let full = if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return FieldErrors::one(full, "is required");
        }
    }
    FieldErrors::one(
        if path.is_empty() {
            "body".to_owned()
        } else {
            path
        },
        msg,
    )
}
