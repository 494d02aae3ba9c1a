//! `GET /admin/api/openapi.json`: the admin API's OpenAPI 3.1 document. A test checks its paths
//! and methods against [`super::routes`].

use axum::http::header;
use axum::response::IntoResponse;

/// The document (hand-written; kept in step with the routes by `tests/openapi.rs`).
pub const DOCUMENT: &str = include_str!("openapi.json");

pub(super) async fn show() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
