//! `POST /admin/api/keys/rotate`: re-seal every record under a new master key.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::http::error::ApiError;
use crate::http::AppState;
use crate::keys::{self, RotationFault};

pub(super) async fn rotate(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let st = state.clone();
    let (count, fingerprint) = state
        .store
        .call(move |conn| {
            // The write lock keeps every reader on the old key until the switch; the store's
            // single connection keeps every writer out for the whole rotation.
            let mut cipher = st.cipher.write().unwrap_or_else(|p| p.into_inner());
            let result = keys::rotate(conn, &*st.keystore, &mut cipher, RotationFault::None);
            Ok(result.map(|n| (n, cipher.fingerprint().to_owned())))
        })
        .await??;
    Ok(Json(json!({"rotated": count, "fingerprint": fingerprint})))
}
