//! Request templates: `{{options.<field>}}` and `{{credentials.<field>}}` placeholders in
//! `pull_endpoint`, query parameters and headers (DESIGN §11).
//!
//! Parsing is separate from rendering so integrations can be validated when they are saved: a
//! template that names a field the schemas do not define is rejected then, never sent as a
//! request with an empty parameter.

use std::fmt;

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
}
