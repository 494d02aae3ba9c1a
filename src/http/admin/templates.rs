//! `GET /admin/api/templates`: the built-in integration templates.

use axum::Json;

use crate::templates::{self, IntegrationTemplate};

pub(super) async fn list() -> Json<Vec<IntegrationTemplate>> {
    Json(templates::all())
}
