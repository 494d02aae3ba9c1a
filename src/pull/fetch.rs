//! One pull: build the request from an integration's settings ([`PullRequest::from_integration`]),
//! send it ([`fetch`]) and classify the outcome.
//!
//! Classification (what the scheduler does with it, DESIGN §4):
//! - [`FetchOutcome::Fetched`]: new widget data; [`FetchOutcome::NotModified`]: a 304, the cached
//!   data is still current.
//! - [`FetchError::Auth`] (401/403): stop pulling until the credentials change.
//! - [`FetchError::RateLimited`] (429, or 503 with `Retry-After`): wait at least `retry_after`.
//! - [`FetchError::Transient`] (timeouts, connection failures, a connection cut mid-body, 5xx,
//!   other 4xx, redirect trouble): keep the last good data and back off.
//! - [`FetchError::BadBody`] (empty, unparsable, wrong shape, too large): keep the last good data.
//!
//! Secrets: a request may carry credentials in its URL (`appid=…`) or headers. Errors and `Debug`
//! output never contain the URL's query or any credential value: messages are built here from
//! the status, the host and the error kind (reqwest errors, which carry the URL, are stripped
//! with `without_url()`), and every message and body sample is scrubbed of the credential values
//! the request was built from, raw and percent-encoded, as a second line of defence.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use url::Url;

use super::client::{error_chain, PullClient};
use super::config::PullConfig;
use super::fetchers::{self, Body, Fetcher};
use super::template::{encode_component, Template, TemplateContext, TemplateRenderError};
use crate::secret::{SecretString, REDACTED};

/// How much of a body is kept as [`FetchOutcome::Fetched::sample`] (and in errors).
pub const SAMPLE_BYTES: usize = 4096;

/// How much of an error response's body is read (for its message and sample).
const ERROR_BODY_BYTES: usize = 64 * 1024;

/// Validators longer than this are ignored (no legitimate ETag is that long).
const MAX_VALIDATOR_LEN: usize = 1024;

/// Credential values shorter than this are not scrubbed from messages: redacting every "1" or
/// "ab" would garble them, and such values are not secrets worth the name.
const MIN_SCRUBBED_LEN: usize = 4;

/// The upstream's cache validators, stored with the cached data and sent back on the next pull.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header, as received (quotes and `W/` included).
    pub etag: Option<String>,
    /// The `Last-Modified` header, as received.
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }

    fn from_headers(headers: &HeaderMap) -> Self {
        let get = |name: HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= MAX_VALIDATOR_LEN)
                .map(str::to_owned)
        };
        Self {
            etag: get(header::ETAG),
            last_modified: get(header::LAST_MODIFIED),
        }
    }
}

/// The result of a successful pull.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchOutcome {
    /// 304 Not Modified: the cached data is current.
    NotModified,
    /// A new body, mapped to widget data.
    Fetched {
        /// The widget data.
        data: Value,
        /// The first ~4 KiB of the body, lossily UTF-8, for the admin's Test connection.
        sample: String,
        /// The HTTP status (2xx).
        status: u16,
        /// The validators to store and send next time (empty when the upstream sent none).
        validators: Validators,
    },
}

/// Why a pull failed. Every variant's `message` is plain words for the admin UI and never holds
/// a secret or the request's query; `status` and `sample` (when the upstream answered) serve
/// Test connection.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    /// 401 or 403: the credentials are wrong or lack access. Stop until they change.
    #[error("{message}")]
    Auth {
        /// What went wrong.
        message: String,
        /// 401 or 403.
        status: u16,
        /// The start of the body.
        sample: Option<String>,
    },
    /// 429, or 503 with `Retry-After`.
    #[error("{message}")]
    RateLimited {
        /// How long the upstream asks to wait, if it said.
        retry_after: Option<Duration>,
        /// What went wrong.
        message: String,
        /// 429 or 503.
        status: u16,
        /// The start of the body.
        sample: Option<String>,
    },
    /// Worth retrying later: timeouts, connection failures, 5xx, other 4xx, redirect trouble.
    #[error("{message}")]
    Transient {
        /// What went wrong.
        message: String,
        /// The status, if the upstream answered.
        status: Option<u16>,
        /// The start of the body, if one was read.
        sample: Option<String>,
    },
    /// The body cannot become widget data: empty, unparsable, wrong shape or too large.
    #[error("{message}")]
    BadBody {
        /// What went wrong.
        message: String,
        /// The status of the response.
        status: u16,
        /// The start of the body, if one was read.
        sample: Option<String>,
    },
}

impl FetchError {
    /// The message for the admin.
    pub fn message(&self) -> &str {
        match self {
            Self::Auth { message, .. }
            | Self::RateLimited { message, .. }
            | Self::Transient { message, .. }
            | Self::BadBody { message, .. } => message,
        }
    }

    /// A stable code for the UI: `auth`, `rate_limited`, `transient` or `bad_body`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Auth { .. } => "auth",
            Self::RateLimited { .. } => "rate_limited",
            Self::Transient { .. } => "transient",
            Self::BadBody { .. } => "bad_body",
        }
    }

    /// The upstream's status, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Auth { status, .. }
            | Self::RateLimited { status, .. }
            | Self::BadBody { status, .. } => Some(*status),
            Self::Transient { status, .. } => *status,
        }
    }

    /// The start of the upstream's body, if one was read.
    pub fn sample(&self) -> Option<&str> {
        match self {
            Self::Auth { sample, .. }
            | Self::RateLimited { sample, .. }
            | Self::Transient { sample, .. }
            | Self::BadBody { sample, .. } => sample.as_deref(),
        }
    }

    fn transient(message: String) -> Self {
        Self::Transient {
            message,
            status: None,
            sample: None,
        }
    }
}

/// Replaces credential values (raw, percent-encoded and form-encoded) with `<redacted>`.
#[derive(Clone, Default)]
struct Scrubber {
    needles: Vec<SecretString>,
}

impl Scrubber {
    fn add(&mut self, secret: &SecretString) {
        let raw = secret.expose();
        if raw.len() < MIN_SCRUBBED_LEN {
            return;
        }
        let forms = [
            raw.to_owned(),
            encode_component(raw),
            url::form_urlencoded::byte_serialize(raw.as_bytes()).collect(),
        ];
        for form in forms {
            if !self.needles.iter().any(|n| n.expose() == &form) {
                self.needles.push(SecretString::new(form));
            }
        }
        // Longest first, so a longer form is not half-replaced via a shorter one.
        self.needles
            .sort_by_key(|n| std::cmp::Reverse(n.expose().len()));
    }

    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in &self.needles {
            if out.contains(needle.expose().as_str()) {
                out = out.replace(needle.expose().as_str(), REDACTED);
            }
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Scrubs every string (and object key) in a JSON value, in place.
    fn scrub_value(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => {
                if self.needles.iter().any(|n| s.contains(n.expose().as_str())) {
                    *s = self.scrub(s);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    let Some(mut v) = map.remove(&key) else {
                        continue;
                    };
                    self.scrub_value(&mut v);
                    map.insert(self.scrub(&key), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Whether a query parameter or header is left out: its template is exactly one placeholder
/// and that value is not set (an optional field, such as an API key some APIs do without). The
/// scheduler refuses to pull while a *required* credential is missing, so this never hides a
/// missing required value.
fn omitted(template: &Template, ctx: &TemplateContext<'_>) -> bool {
    if !template.is_single_field() {
        return false;
    }
    template.fields().all(|(source, field)| match source {
        super::template::Source::Options => ctx
            .options
            .get(field)
            .is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())),
        super::template::Source::Credentials => ctx
            .credentials
            .get(field)
            .is_none_or(|v| v.expose().trim().is_empty()),
    })
}

/// A request ready to send: built once per data key from the integration's settings, the widget
/// options and the decrypted credentials; reusable for every pull until one of those changes.
///
/// Its `Debug` shows the target without the query and without any credential value.
#[derive(Clone)]
pub struct PullRequest {
    url: Url,
    headers: HeaderMap,
    fetcher: Fetcher,
    timeout: Duration,
    scrubber: Scrubber,
    /// Whether any header carries a credential (such a request is not redirected to another
    /// host).
    secret_headers: bool,
}

impl fmt::Debug for PullRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("PullRequest")
            .field("target", &self.target())
            .field("query", &self.url.query().map(|_| REDACTED))
            .field("headers", &header_names)
            .field("fetcher", &self.fetcher.kind())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl PullRequest {
    /// Builds the request: `endpoint_template` (the integration's `pull_endpoint`) rendered as a
    /// URL, `config.query` appended with form encoding, `config.headers` rendered (credential
    /// values marked sensitive), `Accept` for the fetcher unless `config.headers` sets one, and
    /// the timeout from `config.timeout`.
    ///
    /// # Errors
    /// [`TemplateRenderError`] naming the first template that cannot be rendered or the value it
    /// lacks.
    pub fn from_integration(
        endpoint_template: &str,
        config: &PullConfig,
        ctx: &TemplateContext<'_>,
    ) -> Result<Self, TemplateRenderError> {
        let parse = |at: &str, text: &str| {
            Template::parse(text).map_err(|error| TemplateRenderError::Parse {
                at: at.to_owned(),
                error,
            })
        };
        let mut scrubber = Scrubber::default();
        let endpoint =
            parse("pull_endpoint", endpoint_template)?.render_url("pull_endpoint", ctx)?;
        for s in &endpoint.secrets {
            scrubber.add(s);
        }
        let mut url = endpoint.url;
        if !config.query.is_empty() {
            let mut rendered = Vec::with_capacity(config.query.len());
            for (name, template) in &config.query {
                let at = format!("pull_config.query.{name}");
                let template = parse(&at, template)?;
                if omitted(&template, ctx) {
                    continue;
                }
                let value = template.render(&at, ctx)?;
                if value.is_secret() {
                    Self::add_secret_fields(&mut scrubber, &template, ctx);
                }
                rendered.push((name, value));
            }
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &rendered {
                pairs.append_pair(name, value.expose());
            }
        }
        let fetcher = Fetcher::from_config(config, &url);
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(fetcher.accept()));
        let mut secret_headers = false;
        for (name, template) in &config.headers {
            let at = format!("pull_config.headers.{name}");
            let template = parse(&at, template)?;
            if omitted(&template, ctx) {
                continue;
            }
            let value = template.render(&at, ctx)?;
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| TemplateRenderError::BadHeaderValue { at: at.clone() })?;
            let mut header_value = HeaderValue::from_str(value.expose())
                .map_err(|_| TemplateRenderError::BadHeaderValue { at: at.clone() })?;
            if value.is_secret() {
                header_value.set_sensitive(true);
                secret_headers = true;
                Self::add_secret_fields(&mut scrubber, &template, ctx);
            }
            headers.insert(header_name, header_value);
        }
        Ok(Self {
            url,
            headers,
            fetcher,
            timeout: Duration::from_millis(config.timeout),
            scrubber,
            secret_headers,
        })
    }

    fn add_secret_fields(scrubber: &mut Scrubber, template: &Template, ctx: &TemplateContext<'_>) {
        for (source, field) in template.fields() {
            if source == super::template::Source::Credentials {
                if let Some(value) = ctx.credentials.get(field) {
                    scrubber.add(value);
                }
            }
        }
    }

    /// The fetcher that will read the response.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The whole-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Where the request goes, safe to show: scheme, host, port and path, without the query and
    /// with any credential value redacted.
    pub fn target(&self) -> String {
        let mut shown = self.url.clone();
        shown.set_query(None);
        shown.set_fragment(None);
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        self.scrubber.scrub(shown.as_str())
    }

    /// The host, for messages (redacted if a credential went into it).
    fn host(&self, url: &Url) -> String {
        self.scrubber.scrub(url.host_str().unwrap_or("the server"))
    }
}

/// Sends `spec`, with `validators` as conditional headers (pass [`Validators::default`] when
/// there is no cached data to fall back on, e.g. for Test connection), and maps the response.
///
/// # Errors
/// [`FetchError`], classified as the module docs say.
pub async fn fetch(
    client: &PullClient,
    spec: &PullRequest,
    validators: &Validators,
) -> Result<FetchOutcome, FetchError> {
    let answered = AtomicBool::new(false);
    let result = tokio::time::timeout(
        spec.timeout,
        fetch_within(client, spec, validators, &answered),
    )
    .await;
    let result = match result {
        Ok(r) => r,
        Err(_) => {
            let words = duration_words(spec.timeout);
            let message = if answered.load(Ordering::Relaxed) {
                format!("the response did not finish within {words}")
            } else {
                format!("no answer from {} within {words}", spec.host(&spec.url))
            };
            Err(FetchError::transient(message))
        }
    };
    result.map_err(|e| scrub_error(e, &spec.scrubber))
}

fn scrub_error(e: FetchError, s: &Scrubber) -> FetchError {
    if s.is_empty() {
        return e;
    }
    let scrub_opt = |o: Option<String>| o.map(|t| s.scrub(&t));
    match e {
        FetchError::Auth {
            message,
            status,
            sample,
        } => FetchError::Auth {
            message: s.scrub(&message),
            status,
            sample: scrub_opt(sample),
        },
        FetchError::RateLimited {
            retry_after,
            message,
            status,
            sample,
        } => FetchError::RateLimited {
            retry_after,
            message: s.scrub(&message),
            status,
            sample: scrub_opt(sample),
        },
        FetchError::Transient {
            message,
            status,
            sample,
        } => FetchError::Transient {
            message: s.scrub(&message),
            status,
            sample: scrub_opt(sample),
        },
        FetchError::BadBody {
            message,
            status,
            sample,
        } => FetchError::BadBody {
            message: s.scrub(&message),
            status,
            sample: scrub_opt(sample),
        },
    }
}

async fn fetch_within(
    client: &PullClient,
    spec: &PullRequest,
    validators: &Validators,
    answered: &AtomicBool,
) -> Result<FetchOutcome, FetchError> {
    let mut url = spec.url.clone();
    let mut visited = vec![url.clone()];
    loop {
        let mut request = client.http.get(url.clone()).headers(spec.headers.clone());
        if let Some(etag) = validators
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = validators
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }
        let response = request
            .send()
            .await
            .map_err(|e| send_error(e, spec, &url, client))?;
        let status = response.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            if let Some(next) = redirect_target(&response, &url)? {
                if visited.contains(&next) {
                    return Err(FetchError::Transient {
                        message: format!(
                            "the server redirects in a loop ({} answered {} back to an address already visited)",
                            spec.host(&url),
                            status_words(status)
                        ),
                        status: Some(status.as_u16()),
                        sample: None,
                    });
                }
                if visited.len() > client.settings.max_redirects {
                    return Err(FetchError::Transient {
                        message: format!(
                            "too many redirects (more than {}), last from {}",
                            client.settings.max_redirects,
                            spec.host(&url)
                        ),
                        status: Some(status.as_u16()),
                        sample: None,
                    });
                }
                if spec.secret_headers && !same_server(&url, &next) {
                    return Err(FetchError::Transient {
                        message: format!(
                            "{} redirects to another server ({}); Millrace does not send credentials on to another server, so set the integration's endpoint to the new address",
                            spec.host(&url),
                            spec.host(&next)
                        ),
                        status: Some(status.as_u16()),
                        sample: None,
                    });
                }
                visited.push(next.clone());
                url = next;
                continue;
            }
        }
        answered.store(true, Ordering::Relaxed);
        return respond(client, spec, validators, response, &url).await;
    }
}

/// Whether a redirect stays on the same server: the same origin, or the same host upgraded from
/// `http` to `https`. Credentials in headers follow only such redirects (never a downgrade to
/// cleartext, never another host).
fn same_server(from: &Url, to: &Url) -> bool {
    from.origin() == to.origin()
        || (from.scheme() == "http" && to.scheme() == "https" && from.host() == to.host())
}

/// The absolute `http`/`https` target of a redirect, or `None` when there is no `Location`
/// (then the 3xx is handled as any other status).
fn redirect_target(response: &Response, from: &Url) -> Result<Option<Url>, FetchError> {
    let Some(location) = response.headers().get(header::LOCATION) else {
        return Ok(None);
    };
    let bad = |why: &str| FetchError::Transient {
        message: format!("the server sent a redirect that cannot be followed ({why})"),
        status: Some(response.status().as_u16()),
        sample: None,
    };
    let location = location.to_str().map_err(|_| bad("unreadable Location"))?;
    let next = from.join(location).map_err(|_| bad("invalid Location"))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(bad("not an http or https address"));
    }
    Ok(Some(next))
}

fn send_error(e: reqwest::Error, spec: &PullRequest, url: &Url, client: &PullClient) -> FetchError {
    let host = spec.host(url);
    let (timeout, connect) = (e.is_timeout(), e.is_connect());
    let cause = root_cause(&e.without_url());
    let message = match (connect, timeout) {
        (true, true) => format!(
            "cannot connect to {host}: no answer within {}",
            duration_words(client.settings.connect_timeout)
        ),
        (true, false) => format!("cannot connect to {host}: {cause}"),
        (false, true) => format!(
            "no answer from {host} within {}",
            duration_words(spec.timeout)
        ),
        (false, false) => format!("the request to {host} failed: {cause}"),
    };
    FetchError::transient(message)
}

/// The innermost cause of an error, in words (no URL: reqwest's own layer is stripped).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(source) = current.source() {
        current = source;
    }
    let text = current.to_string();
    if text.is_empty() {
        error_chain(e)
    } else {
        text
    }
}

/// Reading a body stopped.
enum ReadError {
    /// Past the cap.
    TooLarge,
    /// The connection failed mid-body.
    Broken(reqwest::Error),
}

/// Reads the body, at most `cap` bytes: refuses a larger `Content-Length` up front and stops as
/// soon as the streamed body passes the cap (dropping the response closes the connection).
async fn read_capped(response: &mut Response, cap: usize) -> Result<Vec<u8>, ReadError> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > cap as u64) {
        return Err(ReadError::TooLarge);
    }
    let initial = declared.map_or(8 * 1024, |len| len as usize).min(cap);
    let mut body = Vec::with_capacity(initial);
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Broken)? {
        if body.len() + chunk.len() > cap {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a small prefix of an error body; failures just mean no body.
async fn read_prefix(response: &mut Response, cap: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = cap - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    body
}

/// The first [`SAMPLE_BYTES`] of a body as text, lossily UTF-8, not ending in a split character.
fn sample_of(body: &[u8]) -> String {
    let mut end = body.len().min(SAMPLE_BYTES);
    if end < body.len() {
        // Step back over a UTF-8 sequence the cut split.
        if let Err(e) = std::str::from_utf8(&body[..end]) {
            if e.error_len().is_none() {
                end = e.valid_up_to();
            }
        }
    }
    String::from_utf8_lossy(&body[..end]).into_owned()
}

async fn respond(
    client: &PullClient,
    spec: &PullRequest,
    validators: &Validators,
    mut response: Response,
    url: &Url,
) -> Result<FetchOutcome, FetchError> {
    let status = response.status();
    let code = status.as_u16();
    let host = spec.host(url);
    let cap = client.settings.max_body_bytes;
    if status == StatusCode::NOT_MODIFIED {
        if validators.is_empty() {
            return Err(FetchError::Transient {
                message: format!(
                    "{host} answered 304 Not Modified to a request that had nothing cached"
                ),
                status: Some(code),
                sample: None,
            });
        }
        return Ok(FetchOutcome::NotModified);
    }
    if status.is_success() {
        let headers = response.headers().clone();
        let body = match read_capped(&mut response, cap).await {
            Ok(b) => b,
            Err(ReadError::TooLarge) => {
                return Err(FetchError::BadBody {
                    message: format!("the response is larger than {}", size_words(cap)),
                    status: code,
                    sample: None,
                })
            }
            Err(ReadError::Broken(e)) => return Err(body_error(e, &host, code)),
        };
        let sample = spec.scrubber.scrub(&sample_of(&body));
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let mut data = spec
            .fetcher
            .widget_data(&Body {
                bytes: &body,
                url,
                content_type,
            })
            .map_err(|e| FetchError::BadBody {
                message: e.0,
                status: code,
                sample: Some(sample.clone()),
            })?;
        // Widget data is served to every sign on the LAN: an API that echoes the request (a
        // `self` link with the key in it) must not hand the key out.
        spec.scrubber.scrub_value(&mut data);
        return Ok(FetchOutcome::Fetched {
            data,
            sample,
            status: code,
            validators: Validators::from_headers(&headers),
        });
    }
    // An error status: read a little of the body for the upstream's own message and the sample.
    let headers = response.headers().clone();
    let body = read_prefix(&mut response, ERROR_BODY_BYTES.min(cap)).await;
    drop(response);
    let sample = (!body.is_empty()).then(|| spec.scrubber.scrub(&sample_of(&body)));
    let upstream = fetchers::upstream_message(&body);
    let with_upstream = |text: String| match &upstream {
        Some(m) => format!("{text}: {m}"),
        None => text,
    };
    let words = status_words(status);
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(FetchError::Auth {
            message: with_upstream(format!(
                "{host} refused the credentials (it answered {words})"
            )),
            status: code,
            sample,
        }),
        StatusCode::TOO_MANY_REQUESTS => {
            let retry_after = retry_after(&headers);
            Err(FetchError::RateLimited {
                message: with_upstream(rate_limited_words(&host, &words, retry_after)),
                retry_after,
                status: code,
                sample,
            })
        }
        StatusCode::SERVICE_UNAVAILABLE if headers.contains_key(header::RETRY_AFTER) => {
            let retry_after = retry_after(&headers);
            Err(FetchError::RateLimited {
                message: with_upstream(rate_limited_words(&host, &words, retry_after)),
                retry_after,
                status: code,
                sample,
            })
        }
        _ => Err(FetchError::Transient {
            message: with_upstream(format!("{host} answered {words}")),
            status: Some(code),
            sample,
        }),
    }
}

fn rate_limited_words(host: &str, status: &str, retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(
            "{host} asks to slow down (it answered {status}); retry in {}",
            duration_words(d)
        ),
        None => format!("{host} asks to slow down (it answered {status})"),
    }
}

fn body_error(e: reqwest::Error, host: &str, status: u16) -> FetchError {
    if e.is_timeout() {
        return FetchError::Transient {
            message: format!("the response from {host} stopped arriving in time"),
            status: Some(status),
            sample: None,
        };
    }
    let e = e.without_url();
    // reqwest reports every failure under its decompression layer as a decode error, a
    // connection reset included. The connection's failures (and hyper's own "message
    // incomplete", which carries no I/O error) are worth a retry; any other I/O error while
    // reading is the decoder rejecting the data (a corrupt gzip stream).
    use std::io::ErrorKind as K;
    let connection_failure = match io_error_kind(&e) {
        None => true,
        Some(kind) => matches!(
            kind,
            K::ConnectionReset
                | K::ConnectionAborted
                | K::UnexpectedEof
                | K::BrokenPipe
                | K::TimedOut
                | K::NotConnected
                | K::Interrupted
        ),
    };
    if !connection_failure {
        return FetchError::BadBody {
            message: format!(
                "the response from {host} cannot be decompressed: {}",
                root_cause(&e)
            ),
            status,
            sample: None,
        };
    }
    FetchError::Transient {
        message: format!(
            "the connection to {host} broke before the whole response arrived: {}",
            root_cause(&e)
        ),
        status: Some(status),
        sample: None,
    }
}

/// The kind of the first I/O error in an error's chain.
fn io_error_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = err.source();
    }
    None
}

/// `Retry-After` as a duration: delta-seconds, or an HTTP-date measured against the response's
/// `Date` (the server's clock, immune to skew) or, without one, the local clock. A date in the
/// past is zero.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = headers
        .get(header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .unwrap_or_else(SystemTime::now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// "404 Not Found".
fn status_words(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// "5 s", "1.5 s", "250 ms", "2 min".
pub fn duration_words(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms % 60_000 == 0 && ms >= 120_000 {
        format!("{} min", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        let tenths = (ms + 50) / 100;
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

/// "5 MiB", "512 KiB", "100 bytes".
fn size_words(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_durations_sizes_and_statuses() {
        assert_eq!(duration_words(Duration::from_millis(5000)), "5 s");
        assert_eq!(duration_words(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(duration_words(Duration::from_millis(250)), "250 ms");
        assert_eq!(duration_words(Duration::from_secs(180)), "3 min");
        assert_eq!(size_words(5 * 1024 * 1024), "5 MiB");
        assert_eq!(size_words(64 * 1024), "64 KiB");
        assert_eq!(status_words(StatusCode::NOT_FOUND), "404 Not Found");
    }

    #[test]
    fn retry_after_in_both_forms() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Fri, 07 Mar 2025 08:45:30 GMT"),
        );
        h.insert(
            header::DATE,
            HeaderValue::from_static("Fri, 07 Mar 2025 08:43:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(150)));
        h.insert(
            header::DATE,
            HeaderValue::from_static("Fri, 07 Mar 2025 09:00:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn samples_do_not_end_in_a_split_character() {
        let mut body = vec![b'a'; SAMPLE_BYTES - 1];
        body.extend_from_slice("é and more".as_bytes());
        let s = sample_of(&body);
        assert_eq!(s.len(), SAMPLE_BYTES - 1);
        assert!(!s.contains('\u{FFFD}'));
    }

    #[test]
    fn credentials_follow_only_same_server_redirects() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_server(
            &u("https://a.example/x"),
            &u("https://a.example/y")
        ));
        assert!(same_server(
            &u("http://a.example/x"),
            &u("https://a.example/x")
        ));
        assert!(!same_server(
            &u("https://a.example/x"),
            &u("http://a.example/x")
        ));
        assert!(!same_server(
            &u("https://a.example/x"),
            &u("https://b.example/x")
        ));
        assert!(!same_server(
            &u("https://a.example/x"),
            &u("https://a.example:8443/x")
        ));
    }

    #[test]
    fn the_scrubber_removes_every_form_of_a_secret() {
        let mut s = Scrubber::default();
        s.add(&SecretString::new("k3y with/slash".to_owned()));
        s.add(&SecretString::new("ab".to_owned()));
        let out = s.scrub("raw k3y with/slash, enc k3y%20with%2Fslash, form k3y+with%2Fslash, ab");
        assert_eq!(out, "raw <redacted>, enc <redacted>, form <redacted>, ab");
    }
}
