//! Request templates: `{{options.<field>}}` and `{{credentials.<field>}}` placeholders in
//! `pull_endpoint`, query parameters and headers (DESIGN §11).
//!
//! Parsing is separate from rendering so integrations can be validated when they are saved: a
//! template that names a field the schemas do not define is rejected then, never sent as a
//! request with an empty parameter.
//!
//! Rendering ([`Template::render`], [`Template::render_url`]) fills placeholders from a
//! [`TemplateContext`]. Decisions:
//! - Strings are inserted as they are; numbers and booleans as their JSON text (`44.34`, `true`).
//! - A placeholder whose value is missing, `null` or blank is an error that names it: Millrace
//!   never sends a request with an empty parameter. Lists and objects cannot be inserted.
//! - Anything rendered from a credential is secret ([`Rendered::is_secret`]); its `Debug` is
//!   redacted, and callers must not put it into messages or logs.
//! - In a URL each value is percent-encoded for its position (path segment, query, fragment),
//!   except a value that starts the URL (`{{options.feed_url}}`, `{{options.base_url}}/items`)
//!   or forms its host (`https://{{options.host}}/…`), which is inserted raw; the result must be
//!   an absolute `http`/`https` URL.

use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};
use url::Url;

use crate::secret::{SecretString, REDACTED};

/// Where a placeholder takes its value from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// The widget config's options (validated against `config_schema`).
    Options,
    /// The decrypted credentials (validated against `credential_schema`).
    Credentials,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Options => "options",
            Self::Credentials => "credentials",
        })
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// A placeholder.
    Field(Source, String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// A template that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` without `}}`.
    #[error("'{{{{' at position {0} is not closed with '}}}}'")]
    Unclosed(usize),
    /// A placeholder that is not `options.<field>` or `credentials.<field>`.
    #[error("'{{{{{0}}}}}' is not a placeholder: use {{{{options.<field>}}}} or {{{{credentials.<field>}}}}")]
    BadPlaceholder(String),
}

impl Template {
    /// Parses `text`.
    ///
    /// # Errors
    /// See [`TemplateError`].
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or(TemplateError::Unclosed(offset + start))?;
            let inner = after[..end].trim();
            let (source, field) = match inner.split_once('.') {
                Some(("options", f)) => (Source::Options, f),
                Some(("credentials", f)) => (Source::Credentials, f),
                _ => return Err(TemplateError::BadPlaceholder(inner.to_owned())),
            };
            if field.is_empty()
                || !field
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(TemplateError::BadPlaceholder(inner.to_owned()));
            }
            parts.push(Part::Field(source, field.to_owned()));
            let consumed = start + 2 + end + 2;
            offset += consumed;
            rest = &rest[consumed..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Self { parts })
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The placeholders, in order of appearance.
    pub fn fields(&self) -> impl Iterator<Item = (Source, &str)> {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(s, f) => Some((*s, f.as_str())),
            Part::Text(_) => None,
        })
    }

    /// Whether the template is exactly one placeholder (e.g. `{{options.feed_url}}`).
    pub fn is_single_field(&self) -> bool {
        matches!(self.parts.as_slice(), [Part::Field(..)])
    }
}

/// The values templates are rendered with.
#[derive(Debug, Clone, Copy)]
pub struct TemplateContext<'a> {
    /// The widget config's options (and integration settings merged in by the caller).
    pub options: &'a Map<String, Value>,
    /// The decrypted credentials.
    pub credentials: &'a BTreeMap<String, SecretString>,
}

/// A rendered template. Secret when a credential value went into it: then `Debug` prints
/// `<redacted>` and the text must stay out of messages and logs.
#[derive(Clone)]
pub struct Rendered {
    text: SecretString,
    secret: bool,
}

impl Rendered {
    /// The text. Keep the borrow short; never format it when [`Self::is_secret`].
    pub fn expose(&self) -> &str {
        self.text.expose()
    }

    /// Whether a credential value went into the text.
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secret {
            f.write_str(REDACTED)
        } else {
            fmt::Debug::fmt(self.text.expose(), f)
        }
    }
}

/// A URL rendered from a template, with the credential values that went into it (so that
/// callers can scrub them from anything they show).
#[derive(Clone)]
pub struct RenderedUrl {
    /// The URL. Contains secrets when `secrets` is not empty: never format it then.
    pub url: Url,
    /// The credential values inserted, raw.
    pub secrets: Vec<SecretString>,
}

impl fmt::Debug for RenderedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secrets.is_empty() {
            f.debug_struct("RenderedUrl")
                .field("url", &self.url.as_str())
                .finish()
        } else {
            f.debug_struct("RenderedUrl")
                .field("url", &REDACTED)
                .finish()
        }
    }
}

/// Why a template could not be rendered. `at` says where the template sits (`pull_endpoint`,
/// `pull_config.query.appid`, …). Messages never contain a value: option values may be private
/// (a feed URL with a token) and credential values always are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateRenderError {
    /// The template does not parse.
    #[error("{at}: {error}")]
    Parse {
        /// Where the template sits.
        at: String,
        /// The parse error.
        error: TemplateError,
    },
    /// A placeholder names a value that is missing, `null` or blank.
    #[error("{at} needs {from}.{field}, which is not set")]
    Missing {
        /// Where the template sits.
        at: String,
        /// Options or credentials.
        from: Source,
        /// The field.
        field: String,
    },
    /// A placeholder names a list or an object.
    #[error("{at}: {from}.{field} is a list or an object; only text, numbers and true/false can be inserted")]
    NotAValue {
        /// Where the template sits.
        at: String,
        /// Options or credentials.
        from: Source,
        /// The field.
        field: String,
    },
    /// A template that is a single placeholder (e.g. `{{options.feed_url}}`) whose value is
    /// not an absolute `http`/`https` URL.
    #[error("{at}: {from}.{field} is not an absolute http or https URL (such as https://example.com/feed.xml)")]
    NotAUrl {
        /// Where the template sits.
        at: String,
        /// Options or credentials.
        from: Source,
        /// The field.
        field: String,
    },
    /// The rendered text is not an absolute `http`/`https` URL.
    #[error("{at} does not make an absolute http or https URL: {reason}")]
    BadUrl {
        /// Where the template sits.
        at: String,
        /// Why, in words (never the URL itself).
        reason: String,
    },
    /// The rendered text cannot be a header value (a line break or another control character).
    #[error("{at} contains a line break or another character that a header value cannot hold")]
    BadHeaderValue {
        /// Where the template sits.
        at: String,
    },
}

/// Everything but `A-Z a-z 0-9 - . _ ~` (RFC 3986 unreserved) is percent-encoded: safe in a
/// path segment, a query name or value, userinfo and a fragment alike.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `value` for any URL component (everything but RFC 3986 unreserved characters).
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// Where in a URL the next inserted value lands, judged from what precedes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlPosition {
    /// The start of the URL or its host: inserted raw.
    Raw,
    /// Userinfo, port or part of a host name.
    Authority,
    /// The path.
    Path,
    /// The query.
    Query,
    /// The fragment.
    Fragment,
}

fn url_position(prefix: &str) -> UrlPosition {
    if prefix.is_empty() {
        return UrlPosition::Raw;
    }
    if prefix.contains('#') {
        return UrlPosition::Fragment;
    }
    if prefix.contains('?') {
        return UrlPosition::Query;
    }
    match prefix.find("://") {
        Some(i) => {
            let rest = &prefix[i + 3..];
            if rest.is_empty() {
                UrlPosition::Raw
            } else if rest.contains('/') {
                UrlPosition::Path
            } else {
                UrlPosition::Authority
            }
        }
        None => UrlPosition::Path,
    }
}

/// The text of one value, or why it cannot be inserted.
enum Lookup {
    Plain(String),
    Secret(SecretString),
}

impl Template {
    fn lookup(
        at: &str,
        ctx: &TemplateContext<'_>,
        from: Source,
        field: &str,
    ) -> Result<Lookup, TemplateRenderError> {
        let missing = || TemplateRenderError::Missing {
            at: at.to_owned(),
            from,
            field: field.to_owned(),
        };
        match from {
            Source::Options => {
                let text = match ctx.options.get(field) {
                    None | Some(Value::Null) => return Err(missing()),
                    Some(Value::String(s)) => s.clone(),
                    Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
                    Some(Value::Array(_) | Value::Object(_)) => {
                        return Err(TemplateRenderError::NotAValue {
                            at: at.to_owned(),
                            from,
                            field: field.to_owned(),
                        })
                    }
                };
                if text.trim().is_empty() {
                    return Err(missing());
                }
                Ok(Lookup::Plain(text))
            }
            Source::Credentials => match ctx.credentials.get(field) {
                Some(s) if !s.expose().trim().is_empty() => Ok(Lookup::Secret(s.clone())),
                _ => Err(missing()),
            },
        }
    }

    /// Renders the template as text (a query value or a header value); `at` names where it sits,
    /// for messages.
    ///
    /// # Errors
    /// [`TemplateRenderError::Missing`] or [`TemplateRenderError::NotAValue`] for the first
    /// placeholder that cannot be filled.
    pub fn render(
        &self,
        at: &str,
        ctx: &TemplateContext<'_>,
    ) -> Result<Rendered, TemplateRenderError> {
        let mut out = String::new();
        let mut secret = false;
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(from, field) => match Self::lookup(at, ctx, *from, field)? {
                    Lookup::Plain(v) => out.push_str(&v),
                    Lookup::Secret(v) => {
                        secret = true;
                        out.push_str(v.expose());
                    }
                },
            }
        }
        Ok(Rendered {
            text: SecretString::new(out),
            secret,
        })
    }

    /// Renders the template as an absolute `http`/`https` URL (`pull_endpoint`). A template
    /// that is one placeholder takes the value raw, and the value itself must be such a URL;
    /// otherwise each value is percent-encoded for its position (see the module docs).
    ///
    /// # Errors
    /// As [`Self::render`], plus [`TemplateRenderError::NotAUrl`] and
    /// [`TemplateRenderError::BadUrl`].
    pub fn render_url(
        &self,
        at: &str,
        ctx: &TemplateContext<'_>,
    ) -> Result<RenderedUrl, TemplateRenderError> {
        let mut out = String::new();
        let mut secrets = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(from, field) => {
                    let value = match Self::lookup(at, ctx, *from, field)? {
                        Lookup::Plain(v) => SecretString::new(v),
                        Lookup::Secret(v) => {
                            secrets.push(v.clone());
                            v
                        }
                    };
                    match url_position(&out) {
                        UrlPosition::Raw => out.push_str(value.expose()),
                        UrlPosition::Authority
                        | UrlPosition::Path
                        | UrlPosition::Query
                        | UrlPosition::Fragment => out.push_str(&encode_component(value.expose())),
                    }
                }
            }
        }
        let parsed = match Url::parse(&out) {
            Ok(u) => u,
            Err(e) => {
                return Err(self.url_error(at, &e.to_string()));
            }
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(self.url_error(at, "the scheme must be http or https"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(self.url_error(at, "it has no host"));
        }
        Ok(RenderedUrl {
            url: parsed,
            secrets,
        })
    }

    fn url_error(&self, at: &str, reason: &str) -> TemplateRenderError {
        match self.parts.as_slice() {
            [Part::Field(from, field)] => TemplateRenderError::NotAUrl {
                at: at.to_owned(),
                from: *from,
                field: field.clone(),
            },
            _ => TemplateRenderError::BadUrl {
                at: at.to_owned(),
                reason: reason.to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_and_fields() {
        let t =
            Template::parse("https://x/{{ options.city }}/q?k={{credentials.api_key}}").unwrap();
        assert_eq!(
            t.fields().collect::<Vec<_>>(),
            vec![(Source::Options, "city"), (Source::Credentials, "api_key")]
        );
        assert!(!t.is_single_field());
        assert!(Template::parse("{{options.feed_url}}")
            .unwrap()
            .is_single_field());
        assert!(Template::parse("plain").unwrap().fields().next().is_none());
    }

    #[test]
    fn rejects_bad_templates_with_the_culprit() {
        let e = Template::parse("a {{options.x").unwrap_err();
        assert_eq!(e, TemplateError::Unclosed(2));
        let e = Template::parse("{{secrets.x}}").unwrap_err().to_string();
        assert!(e.contains("secrets.x"), "{e}");
        assert!(Template::parse("{{options.}}").is_err());
        assert!(Template::parse("{{options.a b}}").is_err());
    }

    fn ctx_parts() -> (Map<String, Value>, BTreeMap<String, SecretString>) {
        let options = serde_json::json!({
            "city": "São Paulo/SP",
            "lat": 44.34,
            "metric": true,
            "feed_url": "https://news.example.com/rss?section=local&lang=en",
            "base_url": "https://api.example.com/v2",
            "host": "eu.api.example.com",
            "blank": "  ",
            "nothing": null,
            "list": [1, 2],
        });
        let Value::Object(options) = options else {
            unreachable!()
        };
        let credentials = [("api_key", "SECRET-k3y&more"), ("empty", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), SecretString::new(v.to_owned())))
            .collect();
        (options, credentials)
    }

    #[test]
    fn renders_strings_numbers_and_booleans() {
        let (options, credentials) = ctx_parts();
        let ctx = TemplateContext {
            options: &options,
            credentials: &credentials,
        };
        let r = Template::parse("{{options.lat}},{{options.metric}} {{options.city}}")
            .unwrap()
            .render("x", &ctx)
            .unwrap();
        assert_eq!(r.expose(), "44.34,true São Paulo/SP");
        assert!(!r.is_secret());
        assert_eq!(format!("{r:?}"), "\"44.34,true São Paulo/SP\"");
    }

    #[test]
    fn credentials_make_the_result_secret() {
        let (options, credentials) = ctx_parts();
        let ctx = TemplateContext {
            options: &options,
            credentials: &credentials,
        };
        let r = Template::parse("Bearer {{credentials.api_key}}")
            .unwrap()
            .render("headers.Authorization", &ctx)
            .unwrap();
        assert_eq!(r.expose(), "Bearer SECRET-k3y&more");
        assert!(r.is_secret());
        // Debug output of a secret rendering must not leak the credential into logs.
        assert_eq!(format!("{r:?}"), "<redacted>");
    }

    #[test]
    fn missing_null_blank_and_structured_values_are_errors_naming_them() {
        let (options, credentials) = ctx_parts();
        let ctx = TemplateContext {
            options: &options,
            credentials: &credentials,
        };
        for (template, field) in [
            ("{{options.absent}}", "options.absent"),
            ("a{{options.nothing}}", "options.nothing"),
            ("{{options.blank}}", "options.blank"),
            ("{{credentials.empty}}", "credentials.empty"),
            ("{{credentials.absent}}", "credentials.absent"),
        ] {
            let e = Template::parse(template)
                .unwrap()
                .render("pull_config.query.q", &ctx)
                .unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("pull_config.query.q needs {field}, which is not set")
            );
        }
        let e = Template::parse("{{options.list}}")
            .unwrap()
            .render("q", &ctx)
            .unwrap_err();
        assert!(matches!(e, TemplateRenderError::NotAValue { .. }), "{e}");
    }

    #[test]
    fn url_values_are_encoded_for_their_position() {
        let (options, credentials) = ctx_parts();
        let ctx = TemplateContext {
            options: &options,
            credentials: &credentials,
        };
        let r = Template::parse(
            "https://{{options.host}}/cities/{{options.city}}/now?key={{credentials.api_key}}&q={{options.city}}#{{options.city}}",
        )
        .unwrap()
        .render_url("pull_endpoint", &ctx)
        .unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://eu.api.example.com/cities/S%C3%A3o%20Paulo%2FSP/now?key=SECRET-k3y%26more&q=S%C3%A3o%20Paulo%2FSP#S%C3%A3o%20Paulo%2FSP"
        );
        assert_eq!(r.secrets.len(), 1);
        assert_eq!(format!("{r:?}"), "RenderedUrl { url: \"<redacted>\" }");
        // A base URL at the start is inserted as it is.
        let r = Template::parse("{{options.base_url}}/stops/{{options.lat}}")
            .unwrap()
            .render_url("pull_endpoint", &ctx)
            .unwrap();
        assert_eq!(r.url.as_str(), "https://api.example.com/v2/stops/44.34");
        assert!(r.secrets.is_empty());
    }

    #[test]
    fn a_single_placeholder_endpoint_is_a_raw_url_that_must_be_http() {
        let (mut options, credentials) = ctx_parts();
        let render = |options: &Map<String, Value>| {
            Template::parse("{{options.feed_url}}").unwrap().render_url(
                "pull_endpoint",
                &TemplateContext {
                    options,
                    credentials: &credentials,
                },
            )
        };
        assert_eq!(
            render(&options).unwrap().url.as_str(),
            "https://news.example.com/rss?section=local&lang=en"
        );
        for bad in [
            "news.example.com/rss",
            "ftp://news.example.com/rss",
            "file:///etc/passwd",
            "https://",
        ] {
            options.insert("feed_url".to_owned(), Value::String(bad.to_owned()));
            let e = render(&options).unwrap_err();
            assert_eq!(
                e.to_string(),
                "pull_endpoint: options.feed_url is not an absolute http or https URL (such as https://example.com/feed.xml)",
                "{bad}"
            );
            // The message never repeats the value (a private feed URL may hold a token).
            if bad != "https://" {
                assert!(!e.to_string().contains(bad), "{e}");
            }
        }
    }

    #[test]
    fn a_composed_endpoint_that_is_not_a_url_says_why() {
        let (options, credentials) = ctx_parts();
        let ctx = TemplateContext {
            options: &options,
            credentials: &credentials,
        };
        let e = Template::parse("api.example.com/{{options.city}}")
            .unwrap()
            .render_url("pull_endpoint", &ctx)
            .unwrap_err();
        assert!(matches!(e, TemplateRenderError::BadUrl { .. }), "{e}");
        let e = Template::parse("ws://api.example.com/{{options.city}}")
            .unwrap()
            .render_url("pull_endpoint", &ctx)
            .unwrap_err();
        assert!(e.to_string().contains("http or https"), "{e}");
    }
}
