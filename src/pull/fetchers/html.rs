//! Plain text from the HTML fragments feeds put in titles and summaries.
//!
//! Signs show text, not markup, and display templates must never render a feed's HTML. This is a
//! small, lenient tokenizer, not a sanitizer: it drops tags, comments and the contents of
//! `script`/`style`, turns block-level tags into spaces, decodes entities (the full HTML5 named
//! set, via `html-escape`) and collapses whitespace. A `<` that cannot start a tag (as in
//! `a < b`) is kept as text, as browsers do. It also finds the first `<img src>`, for item
//! images that exist only inside the HTML.

/// Tags whose boundaries separate words.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// One tag found by [`Tokens`].
struct Tag<'a> {
    name: String,
    closing: bool,
    /// The text between the name and `>`.
    attributes: &'a str,
}

/// A piece of an HTML fragment.
enum Token<'a> {
    Text(&'a str),
    Tag(Tag<'a>),
}

/// Splits an HTML fragment into text and tags; comments, doctypes and processing
/// instructions are skipped, and so are the contents of `script` and `style`.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(html: &'a str) -> Self {
        Self { rest: html }
    }

    /// Skips up to and including `end` (or to the end of input).
    fn skip_past(&mut self, end: &str) {
        self.rest = match self.rest.find(end) {
            Some(i) => &self.rest[i + end.len()..],
            None => "",
        };
    }

    /// Skips the raw-text contents of `script`/`style` up to its closing tag.
    fn skip_raw_text(&mut self, name: &str) {
        let closing = format!("</{name}");
        let lower = self.rest.to_ascii_lowercase();
        match lower.find(&closing) {
            Some(i) => {
                self.rest = &self.rest[i..];
            }
            None => self.rest = "",
        }
    }

    /// The index of the `>` that ends a tag, ignoring `>` inside quoted attribute values.
    fn tag_end(s: &str) -> Option<usize> {
        let mut quote: Option<u8> = None;
        for (i, b) in s.bytes().enumerate() {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'>') => return Some(i),
                (None, _) => {}
            }
        }
        None
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let Some(lt) = self.rest.find('<') else {
                let text = self.rest;
                self.rest = "";
                return Some(Token::Text(text));
            };
            if lt > 0 {
                let text = &self.rest[..lt];
                self.rest = &self.rest[lt..];
                return Some(Token::Text(text));
            }
            // `self.rest` starts with '<'.
            let after = &self.rest[1..];
            if after.starts_with("!--") {
                self.skip_past("-->");
                continue;
            }
            let first = after.bytes().next();
            let closing = first == Some(b'/');
            let name_start = usize::from(closing);
            let starts_tag = match first {
                Some(b'!' | b'?') => {
                    self.skip_past(">");
                    continue;
                }
                Some(b'/') => after.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic),
                Some(b) => b.is_ascii_alphabetic(),
                None => false,
            };
            if !starts_tag {
                // A literal '<', as in "a < b".
                let text = &self.rest[..1];
                self.rest = &self.rest[1..];
                return Some(Token::Text(text));
            }
            let Some(end) = Self::tag_end(after) else {
                // An unclosed tag at the end of a (truncated) fragment: drop it.
                self.rest = "";
                return None;
            };
            let inner = &after[name_start..end];
            let name_len = inner
                .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .unwrap_or(inner.len());
            let name = inner[..name_len].to_ascii_lowercase();
            let attributes = &inner[name_len..];
            self.rest = &after[end + 1..];
            if !closing
                && matches!(name.as_str(), "script" | "style")
                && !attributes.trim_end().ends_with('/')
            {
                self.skip_raw_text(&name);
            }
            return Some(Token::Tag(Tag {
                name,
                closing,
                attributes,
            }));
        }
    }
}

/// The value of attribute `wanted` in a tag's attribute text, entity-decoded.
fn attribute(attributes: &str, wanted: &str) -> Option<String> {
    let mut rest = attributes;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let value = if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            match after_eq.bytes().next() {
                Some(q @ (b'"' | b'\'')) => {
                    let body = &after_eq[1..];
                    let end = body.find(q as char).unwrap_or(body.len());
                    rest = body.get(end + 1..).unwrap_or("");
                    &body[..end]
                }
                _ => {
                    let end = after_eq
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after_eq.len());
                    rest = &after_eq[end..];
                    &after_eq[..end]
                }
            }
        } else {
            ""
        };
        if name.eq_ignore_ascii_case(wanted) {
            return Some(html_escape::decode_html_entities(value).trim().to_owned());
        }
    }
}

/// Plain text of an HTML fragment: markup removed, entities decoded, whitespace collapsed.
pub fn to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    for token in Tokens::new(html) {
        match token {
            Token::Text(t) => raw.push_str(t),
            Token::Tag(tag) => {
                if BLOCK_TAGS.contains(&tag.name.as_str()) {
                    raw.push(' ');
                }
            }
        }
    }
    collapse_whitespace(&html_escape::decode_html_entities(&raw))
}

/// Plain text kept as text: entities are not decoded (a plain-text title may say "&amp;"), only
/// whitespace is collapsed.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `src` of the first `<img>` with a non-empty one, entity-decoded (possibly relative).
pub fn first_img_src(html: &str) -> Option<String> {
    Tokens::new(html).find_map(|token| match token {
        Token::Tag(tag) if tag.name == "img" && !tag.closing => {
            attribute(tag.attributes, "src").filter(|s| !s.is_empty())
        }
        _ => None,
    })
}

/// `text` cut to at most `max_chars` characters (not bytes), at a word boundary when one is
/// near, ending with "…" when anything was cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars || max_chars == 0 {
        return text.to_owned();
    }
    let keep = max_chars - 1;
    let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
    let cut = &text[..end];
    // Prefer to end on a word boundary when that loses at most a short word's worth.
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if cut.len() - i <= 40 => &cut[..i],
        _ => cut,
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_decodes_entities() {
        assert_eq!(
            to_text("<p>Hello <b>big</b>&nbsp;world &amp; friends&#8230;</p><p>Second</p>"),
            "Hello big world & friends… Second"
        );
        assert_eq!(to_text("Caf&eacute; &mdash; &#x27;ok&#39;"), "Café — 'ok'");
        // Text that looks like an entity-escaped tag stays text after one decoding.
        assert_eq!(to_text("a &lt;b&gt; tag"), "a <b> tag");
    }

    #[test]
    fn keeps_a_literal_less_than_and_drops_scripts_and_comments() {
        assert_eq!(to_text("1 < 2 and 3 <4"), "1 < 2 and 3 <4");
        assert_eq!(
            to_text("a<script>var x = '<p>';</script>b<!-- c --><style>p{}</style>d"),
            "abd"
        );
        assert_eq!(to_text("line<br/>break<BR>again"), "line break again");
        assert_eq!(to_text("cut <a href=\"x"), "cut");
        assert_eq!(to_text("<a title='1 > 0'>link</a>"), "link");
    }

    #[test]
    fn finds_the_first_image() {
        let html = r#"<p>Hi</p><img alt="x"><img class=a src='/img/a.jpg?w=1&amp;h=2' /><img src="b.png">"#;
        assert_eq!(first_img_src(html).as_deref(), Some("/img/a.jpg?w=1&h=2"));
        assert_eq!(
            first_img_src("<IMG SRC=plain.gif>").as_deref(),
            Some("plain.gif")
        );
        assert_eq!(first_img_src("no images"), None);
    }

    #[test]
    fn truncates_on_char_and_word_boundaries() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("one two three four", 12), "one two…");
        // Multi-byte characters are counted as characters and never split.
        let s = "é".repeat(20);
        let t = truncate(&s, 10);
        assert_eq!(t.chars().count(), 10);
        assert!(t.ends_with('…'));
    }
}
