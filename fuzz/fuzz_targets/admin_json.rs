//! The admin API's JSON validation on arbitrary bodies, as `POST /admin/api/integrations` does
//! it: bytes → JSON → `IntegrationInput` (field-level errors) → `integrations::validate`; then a
//! widget config's options against the integration's `config_schema`. Every body is accepted or
//! refused with field errors — never a panic — and what validation accepts serializes back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use millrace::integrations::{self, IntegrationInput};
use millrace::schema;

fuzz_target!(|bytes: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return;
    };
    let options = value.get("options").and_then(|o| o.as_object()).cloned();
    let Ok(input) = millrace::http::json::from_value::<IntegrationInput>(value) else {
        return;
    };
    let Ok(valid) = integrations::validate(input) else {
        return;
    };
    serde_json::to_vec(&valid).expect("a valid integration serializes");
    if let Some(options) = options {
        let _ = schema::validate_values(&valid.config_schema, &options);
    }
});
