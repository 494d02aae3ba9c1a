//! A typed client of a running hub's admin API (DESIGN §8, §11), for the headless CLI and for
//! scripts written in Rust.
//!
//! It speaks HTTP to the loopback admin listener with `Authorization: Bearer <admin token>`, the
//! token that `millrace serve` keeps in `<data-dir>/admin-token` ([`find_token`]). Every method
//! is one admin API call and answers the hub's own types ([`IntegrationView`],
//! [`WidgetConfigView`], [`CredentialsView`], [`ImportReport`], …) or an [`AdminClientError`]
//! carrying the hub's status, stable `code`, message and field errors.
//!
//! # Secrets
//! The token is a [`SecretString`] written only into the `Authorization` header; credential
//! values go in as [`CredentialValue`]s (their `Debug` redacts) and are written only into the
//! request body. No error, `Debug` output or message of this module contains either. The
//! client never uses a proxy: the admin API is loopback-only, and a proxy would see the token.
//!
//! [`apply`] turns files an admin edits (definitions documents, single integration definitions,
//! widget configs) into the requests that create or update them.

pub mod apply;

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::credentials::CredentialsView;
use crate::definitions::{Definitions, ImportReport, OnConflict};
use crate::error::FieldErrors;
use crate::integrations::Integration;
use crate::schema::{FieldDef, FieldType};
use crate::secret::SecretString;
use crate::token::{self, TokenError};
use crate::widget_configs::WidgetConfig;

/// Where `millrace serve` answers by default.
pub const DEFAULT_ADMIN_URL: &str = "http://127.0.0.1:7420";

/// The environment variable that, when set, supplies the admin token instead of the file (a
/// convenience for scripts; the token never goes on a command line, where `ps` would show it).
pub const TOKEN_ENV: &str = "MILLRACE_ADMIN_TOKEN";

/// How long to wait for the TCP connection: the hub is on this computer, so a slow connect means
/// nothing answers.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one call may take in all (a key rotation re-seals every record).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Why an admin API call, or finding the hub and its token, failed. Never contains the token or
/// a credential value.
#[derive(Debug, thiserror::Error)]
pub enum AdminClientError {
    /// The admin URL cannot be used.
    #[error("'{0}' is not an admin URL: expected http://HOST:PORT, such as {DEFAULT_ADMIN_URL}")]
    BadUrl(String),
    /// Nothing accepts connections at the URL.
    #[error("no hub answers at {url} — is `millrace serve` running? (use --admin-url)")]
    Unreachable {
        /// The admin URL tried.
        url: String,
    },
    /// The token file does not exist.
    #[error("no admin token at {}: `millrace serve` creates it when the hub starts. Point --data-dir (or MILLRACE_DATA_DIR) at the hub's data directory, or set {TOKEN_ENV}", path.display())]
    NoToken {
        /// The file looked for.
        path: PathBuf,
    },
    /// The token file exists but cannot be read or is not a token.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// No data directory was given and the platform has none.
    #[error("no data directory: the platform's convention could not be determined; pass --data-dir or set {TOKEN_ENV}")]
    NoDataDir,
    /// The hub answered with an error: `{"error": {"code", "message"}}`, and for a 422 the
    /// field errors `{"errors": {path: [message]}}`.
    #[error("{message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The hub's stable error code (`not_found`, `invalid`, `wrong_scope`, …).
        code: String,
        /// The hub's message.
        message: String,
        /// Field path → messages (empty unless the status is 422).
        fields: FieldErrors,
    },
    /// The request could not be completed (after connecting).
    #[error("the request to {url} failed: {reason}")]
    Transport {
        /// The admin URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The request body could not be encoded as JSON.
    #[error("cannot encode the request as JSON: {0}")]
    Encode(String),
    /// The answer is not what this version expects (another service on the port, or a hub of
    /// another version).
    #[error("unexpected answer from {url} (HTTP {status}): {reason}")]
    Unexpected {
        /// The admin URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        reason: String,
    },
}

impl AdminClientError {
    /// The field errors of a 422 answer, else `None`.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::Api { fields, .. } if !fields.is_empty() => Some(fields),
            _ => None,
        }
    }
}

/// Finds the admin token: `env_token` when it is given and not blank (from [`TOKEN_ENV`]), else
/// the `admin-token` file in `data_dir`, else in the platform's data directory.
///
/// # Errors
/// [`AdminClientError::NoToken`] naming the file looked for when it does not exist;
/// [`AdminClientError::Token`] when it is unreadable or invalid; [`AdminClientError::NoDataDir`].
pub fn find_token(
    env_token: Option<String>,
    data_dir: Option<&Path>,
) -> Result<SecretString, AdminClientError> {
    if let Some(t) = env_token {
        let t = SecretString::new(t);
        if !t.expose().trim().is_empty() {
            return Ok(SecretString::new(t.expose().trim().to_owned()));
        }
    }
    let dir = match data_dir {
        Some(d) => d.to_owned(),
        None => crate::config::default_data_dir().ok_or(AdminClientError::NoDataDir)?,
    };
    token::read(&dir).map_err(|e| match e {
        TokenError::Io { path, source } if source.kind() == std::io::ErrorKind::NotFound => {
            AdminClientError::NoToken { path }
        }
        other => AdminClientError::Token(other),
    })
}

/// An integration as the admin API shows it: the definition, its organization credentials'
/// state (`None` for widget scope: see each widget config) and how many widget configs use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationView {
    /// The integration.
    #[serde(flatten)]
    pub integration: Integration,
    /// Organization-scoped credentials; `None` for widget scope.
    pub credentials: Option<CredentialsView>,
    /// How many widget configs use it.
    pub widget_config_count: i64,
}

/// A widget config as the admin API shows it, with its own credentials' state for integrations
/// with widget-scoped credentials (`None` otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetConfigView {
    /// The widget config.
    #[serde(flatten)]
    pub widget_config: WidgetConfig,
    /// Its credentials (widget scope only).
    pub credentials: Option<CredentialsView>,
}

/// The answer of a key rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    /// How many credentials records were re-sealed.
    pub rotated: u64,
    /// The new master key's fingerprint (not secret: it identifies, it does not reveal).
    pub fingerprint: String,
}

/// Whose credentials a call addresses: an integration's (organization scope) or a widget
/// config's (widget scope). The hub refuses the wrong one with `400 wrong_scope`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsOwner {
    /// `/integrations/{id}/credentials`.
    Integration(i64),
    /// `/widget-configs/{id}/credentials`.
    WidgetConfig(String),
}

/// One credential field's new value.
#[derive(Debug, Clone, PartialEq)]
pub enum CredentialValue {
    /// Text (every sensitive field is text).
    Text(SecretString),
    /// A number, for a non-sensitive `number` or `integer` field.
    Number(serde_json::Number),
    /// A boolean, for a non-sensitive `boolean` field.
    Bool(bool),
    /// Remove the stored value.
    Clear,
}

impl CredentialValue {
    /// The value for a field of type `def` typed as `text`: sensitive and string fields stay
    /// text; numbers and booleans are converted when the text is one, else sent as text for the
    /// hub to refuse with its field error.
    pub fn from_text(def: &FieldDef, text: SecretString) -> Self {
        if def.sensitive {
            return Self::Text(text);
        }
        let t = text.expose().trim();
        let converted = match def.kind {
            FieldType::String => None,
            FieldType::Integer => t.parse::<i64>().ok().map(|n| Self::Number(n.into())),
            FieldType::Number => t
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Self::Number),
            FieldType::Boolean => t.parse::<bool>().ok().map(Self::Bool),
        };
        converted.unwrap_or(Self::Text(text))
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Text(s) => Value::String(s.expose().clone()),
            Self::Number(n) => Value::Number(n.clone()),
            Self::Bool(b) => Value::Bool(*b),
            Self::Clear => Value::Null,
        }
    }
}

/// The hub's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
    #[serde(default)]
    errors: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

/// A client of one hub's admin API.
pub struct AdminClient {
    base: url::Url,
    token: SecretString,
    http: reqwest::Client,
}

impl std::fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClient")
            .field("base", &self.base.as_str())
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl AdminClient {
    /// A client of the hub whose admin listener is at `base` (`http://127.0.0.1:7420`; a bare
    /// `127.0.0.1:7420` means `http://`).
    ///
    /// # Errors
    /// [`AdminClientError::BadUrl`] for anything but an `http(s)://host[:port][/]` URL.
    pub fn new(base: &str, token: SecretString) -> Result<Self, AdminClientError> {
        let text = base.trim();
        let parsed = url::Url::parse(text).or_else(|e| {
            if text.contains("://") {
                Err(e)
            } else {
                url::Url::parse(&format!("http://{text}"))
            }
        });
        let base = match parsed {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.query().is_none()
                    && u.fragment().is_none()
                    && u.username().is_empty()
                    && u.password().is_none() =>
            {
                u
            }
            _ => return Err(AdminClientError::BadUrl(text.to_owned())),
        };
        crate::tls::install_provider();
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(format!("millrace-cli/{}", crate::VERSION))
            .build()
            .map_err(|e| AdminClientError::Transport {
                url: base.to_string(),
                reason: format!("cannot create the HTTP client: {e}"),
            })?;
        Ok(Self { base, token, http })
    }

    /// The admin URL, as given (normalised), for messages.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `GET /integrations`.
    ///
    /// # Errors
    /// See [`AdminClientError`].
    pub async fn integrations(&self) -> Result<Vec<IntegrationView>, AdminClientError> {
        self.call(Method::GET, &["integrations"], &[], None).await
    }

    /// `GET /integrations/{id}`.
    ///
    /// # Errors
    /// `404 not_found` when it does not exist; see [`AdminClientError`].
    pub async fn integration(&self, id: i64) -> Result<IntegrationView, AdminClientError> {
        let id = id.to_string();
        self.call(Method::GET, &["integrations", &id], &[], None)
            .await
    }

    /// `DELETE /integrations/{id}`: deletes it with its widget configs, their and its
    /// credentials, and its cached data.
    ///
    /// # Errors
    /// `404 not_found`; see [`AdminClientError`].
    pub async fn delete_integration(&self, id: i64) -> Result<(), AdminClientError> {
        let id = id.to_string();
        self.call_empty(Method::DELETE, &["integrations", &id], None)
            .await
    }

    /// `GET /export`: every definition, never a secret.
    ///
    /// # Errors
    /// See [`AdminClientError`].
    pub async fn export(&self) -> Result<Definitions, AdminClientError> {
        self.call(Method::GET, &["export"], &[], None).await
    }

    /// `POST /import?on_conflict=…` with a definitions document (a [`Definitions`], or JSON as
    /// an admin wrote it, which the hub validates). All or nothing.
    ///
    /// # Errors
    /// `422 invalid` with paths such as `integrations[0].pull_interval_seconds`; nothing is
    /// imported then. See [`AdminClientError`].
    pub async fn import<D: Serialize + ?Sized>(
        &self,
        document: &D,
        on_conflict: OnConflict,
    ) -> Result<ImportReport, AdminClientError> {
        let body = to_json(document)?;
        self.call(
            Method::POST,
            &["import"],
            &[("on_conflict", on_conflict.as_str())],
            Some(body),
        )
        .await
    }

    /// `GET /widget-configs[?integration_id=…]`.
    ///
    /// # Errors
    /// See [`AdminClientError`].
    pub async fn widget_configs(
        &self,
        integration_id: Option<i64>,
    ) -> Result<Vec<WidgetConfigView>, AdminClientError> {
        let id = integration_id.map(|i| i.to_string());
        let query: Vec<(&str, &str)> = id
            .as_deref()
            .map(|i| ("integration_id", i))
            .into_iter()
            .collect();
        self.call(Method::GET, &["widget-configs"], &query, None)
            .await
    }

    /// `GET /widget-configs/{id}`.
    ///
    /// # Errors
    /// `404 not_found`; see [`AdminClientError`].
    pub async fn widget_config(&self, id: &str) -> Result<WidgetConfigView, AdminClientError> {
        self.call(Method::GET, &["widget-configs", id], &[], None)
            .await
    }

    /// `POST /widget-configs` with a widget config input (a
    /// [`crate::widget_configs::WidgetConfigInput`], or JSON the hub validates).
    ///
    /// # Errors
    /// `422 invalid`; see [`AdminClientError`].
    pub async fn create_widget_config<B: Serialize + ?Sized>(
        &self,
        input: &B,
    ) -> Result<WidgetConfigView, AdminClientError> {
        let body = to_json(input)?;
        self.call(Method::POST, &["widget-configs"], &[], Some(body))
            .await
    }

    /// `PUT /widget-configs/{id}`: replaces its name, options and active flag.
    ///
    /// # Errors
    /// `404 not_found`, `422 invalid`; see [`AdminClientError`].
    pub async fn update_widget_config<B: Serialize + ?Sized>(
        &self,
        id: &str,
        input: &B,
    ) -> Result<WidgetConfigView, AdminClientError> {
        let body = to_json(input)?;
        self.call(Method::PUT, &["widget-configs", id], &[], Some(body))
            .await
    }

    /// `DELETE /widget-configs/{id}`: deletes it with its credentials.
    ///
    /// # Errors
    /// `404 not_found`; see [`AdminClientError`].
    pub async fn delete_widget_config(&self, id: &str) -> Result<(), AdminClientError> {
        self.call_empty(Method::DELETE, &["widget-configs", id], None)
            .await
    }

    /// The state of `owner`'s credentials (which fields are set, never values), read from the
    /// integration or widget config. `None` when `owner` is not where that integration keeps
    /// credentials (an integration with widget scope, a widget config of one with organization
    /// scope).
    ///
    /// # Errors
    /// `404 not_found`; see [`AdminClientError`].
    pub async fn credentials(
        &self,
        owner: &CredentialsOwner,
    ) -> Result<Option<CredentialsView>, AdminClientError> {
        Ok(match owner {
            CredentialsOwner::Integration(id) => self.integration(*id).await?.credentials,
            CredentialsOwner::WidgetConfig(id) => self.widget_config(id).await?.credentials,
        })
    }

    /// `PUT …/credentials`: fields given replace stored ones ([`CredentialValue::Clear`] removes
    /// one), others are kept; answers which fields are now set.
    ///
    /// # Errors
    /// `400 wrong_scope` when `owner` is not where the integration keeps credentials; `422
    /// invalid` (paths `credentials.<field>`); see [`AdminClientError`].
    pub async fn set_credentials(
        &self,
        owner: &CredentialsOwner,
        values: &[(String, CredentialValue)],
    ) -> Result<CredentialsView, AdminClientError> {
        let credentials: Map<String, Value> = values
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        let body = serde_json::json!({ "credentials": credentials });
        let path = owner_path(owner);
        let segments: Vec<&str> = path.iter().map(String::as_str).collect();
        self.call(Method::PUT, &segments, &[], Some(body)).await
    }

    /// `DELETE …/credentials`: removes the whole record.
    ///
    /// # Errors
    /// `404 not_found` when none is stored, `400 wrong_scope`; see [`AdminClientError`].
    pub async fn clear_credentials(
        &self,
        owner: &CredentialsOwner,
    ) -> Result<(), AdminClientError> {
        let path = owner_path(owner);
        let segments: Vec<&str> = path.iter().map(String::as_str).collect();
        self.call_empty(Method::DELETE, &segments, None).await
    }

    /// `POST /keys/rotate`: re-seals every credentials record under a new master key.
    ///
    /// # Errors
    /// See [`AdminClientError`].
    pub async fn rotate_keys(&self) -> Result<KeyRotation, AdminClientError> {
        self.call(Method::POST, &["keys", "rotate"], &[], None)
            .await
    }

    /// `GET /admin/api/overview`: health of everything (the desktop tray and notifications).
    ///
    /// # Errors
    /// See [`AdminClientError`].
    pub async fn overview(&self) -> Result<Value, AdminClientError> {
        self.call(Method::GET, &["overview"], &[], None).await
    }

    /// `GET /admin/api/settings`.
    ///
    /// # Errors
    /// See [`AdminClientError`].
    pub async fn settings(&self) -> Result<Value, AdminClientError> {
        self.call(Method::GET, &["settings"], &[], None).await
    }

    /// `PUT /admin/api/scheduler`: pause or resume all pulls.
    ///
    /// # Errors
    /// See [`AdminClientError`].
    pub async fn set_paused(&self, paused: bool) -> Result<Value, AdminClientError> {
        self.call(
            Method::PUT,
            &["scheduler"],
            &[],
            Some(serde_json::json!({"paused": paused})),
        )
        .await
    }

    fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("http URLs have path segments")
            .pop_if_empty()
            .extend(["admin", "api"])
            .extend(segments);
        url
    }

    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<(StatusCode, Vec<u8>), AdminClientError> {
        let mut url = self.url(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(self.token.expose());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.map_err(|e| self.transport(&e))?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| self.transport(&e))?;
        if status.is_success() {
            return Ok((status, bytes.to_vec()));
        }
        Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => AdminClientError::Api {
                status: status.as_u16(),
                code: body.error.code,
                message: body.error.message,
                fields: FieldErrors(body.errors),
            },
            Err(_) => AdminClientError::Unexpected {
                url: self.base_url().to_owned(),
                status: status.as_u16(),
                reason: format!(
                    "not a Millrace error body: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            },
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<T, AdminClientError> {
        let (status, bytes) = self.send(method, segments, query, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| AdminClientError::Unexpected {
            url: self.base_url().to_owned(),
            status: status.as_u16(),
            reason: format!(
                "the answer is not what millrace {} expects: {e}",
                crate::VERSION
            ),
        })
    }

    async fn call_empty(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Value>,
    ) -> Result<(), AdminClientError> {
        self.send(method, segments, &[], body).await.map(drop)
    }

    fn transport(&self, e: &reqwest::Error) -> AdminClientError {
        let url = self.base_url().to_owned();
        if e.is_connect() {
            return AdminClientError::Unreachable { url };
        }
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            source = s.source();
        }
        AdminClientError::Transport { url, reason }
    }
}

fn owner_path(owner: &CredentialsOwner) -> [String; 3] {
    match owner {
        CredentialsOwner::Integration(id) => [
            "integrations".to_owned(),
            id.to_string(),
            "credentials".to_owned(),
        ],
        CredentialsOwner::WidgetConfig(id) => [
            "widget-configs".to_owned(),
            id.clone(),
            "credentials".to_owned(),
        ],
    }
}

fn to_json<B: Serialize + ?Sized>(body: &B) -> Result<Value, AdminClientError> {
    serde_json::to_value(body).map_err(|e| AdminClientError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(kind: FieldType, sensitive: bool) -> FieldDef {
        serde_json::from_value(serde_json::json!({"type": kind, "sensitive": sensitive})).unwrap()
    }

    fn token() -> SecretString {
        SecretString::new("t0ken-value-that-must-not-show".to_owned())
    }

    #[test]
    fn the_environment_token_wins_and_a_blank_one_falls_back_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let from_env = find_token(Some(" from-env \n".to_owned()), Some(dir.path())).unwrap();
        assert_eq!(from_env.expose(), "from-env");
        let written = token::load_or_create(dir.path()).unwrap();
        let from_file = find_token(Some("  ".to_owned()), Some(dir.path())).unwrap();
        assert_eq!(from_file.expose(), written.expose());
    }

    #[test]
    fn a_missing_token_file_names_the_path_and_who_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = find_token(None, Some(dir.path())).unwrap_err();
        assert!(matches!(e, AdminClientError::NoToken { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(&dir.path().join("admin-token").display().to_string()),
            "{msg}"
        );
        assert!(
            msg.contains("millrace serve") && msg.contains("--data-dir"),
            "{msg}"
        );
        std::fs::write(dir.path().join("admin-token"), "garbled\n").unwrap();
        let e = find_token(None, Some(dir.path())).unwrap_err();
        assert!(e.to_string().contains("not valid"), "{e}");
    }

    #[test]
    fn admin_urls_are_http_without_credentials_and_paths_are_encoded() {
        for ok in [
            "http://127.0.0.1:7420",
            "http://127.0.0.1:7420/",
            "127.0.0.1:7420",
            "http://localhost:1",
        ] {
            let c = AdminClient::new(ok, token()).unwrap();
            assert!(c.base_url().starts_with("http://"), "{ok}");
            assert!(!c.base_url().ends_with('/'), "{ok}");
        }
        for bad in [
            "ftp://127.0.0.1",
            "http://user:pw@127.0.0.1:7420",
            "http://127.0.0.1:7420/?x=1",
            "",
        ] {
            let e = AdminClient::new(bad, token()).unwrap_err();
            assert!(matches!(e, AdminClientError::BadUrl(_)), "{bad}: {e:?}");
        }
        let c = AdminClient::new("http://127.0.0.1:7420/", token()).unwrap();
        assert_eq!(
            c.url(&["widget-configs", "../integrations/1"]).as_str(),
            "http://127.0.0.1:7420/admin/api/widget-configs/..%2Fintegrations%2F1",
            "a user-given id stays one path segment"
        );
    }

    #[test]
    fn debug_output_never_shows_the_token_or_a_value() {
        let c = AdminClient::new("http://127.0.0.1:7420", token()).unwrap();
        let out = format!("{c:?}");
        assert!(!out.contains("t0ken"), "{out}");
        assert!(out.contains("<redacted>"), "{out}");
        let v = CredentialValue::Text(SecretString::new("hunter2".to_owned()));
        assert!(!format!("{v:?}").contains("hunter2"));
    }

    #[test]
    fn typed_text_becomes_the_fields_type_and_secrets_stay_text() {
        let text = |s: &str| SecretString::new(s.to_owned());
        assert_eq!(
            CredentialValue::from_text(&def(FieldType::Integer, false), text(" 42 ")).to_json(),
            serde_json::json!(42)
        );
        assert_eq!(
            CredentialValue::from_text(&def(FieldType::Number, false), text("1.5")).to_json(),
            serde_json::json!(1.5)
        );
        assert_eq!(
            CredentialValue::from_text(&def(FieldType::Boolean, false), text("true")).to_json(),
            serde_json::json!(true)
        );
        assert_eq!(
            CredentialValue::from_text(&def(FieldType::Integer, false), text("many")).to_json(),
            serde_json::json!("many"),
            "left for the hub to refuse with its field error"
        );
        assert_eq!(
            CredentialValue::from_text(&def(FieldType::String, true), text(" 42 ")).to_json(),
            serde_json::json!(" 42 "),
            "a secret is sent exactly as typed"
        );
        assert_eq!(CredentialValue::Clear.to_json(), Value::Null);
    }
}
