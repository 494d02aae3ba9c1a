//! The `rss` fetcher: RSS 2.0, RSS 1.0 (RDF), RSS 0.9x, Atom and JSON Feed, parsed by `feed-rs`,
//! mapped to the shape display templates rely on (DESIGN §11):
//!
//! ```json
//! {"feed_title": "…", "feed_link": "https://…",
//!  "items": [{"title", "link", "summary", "published", "image", "author"}]}
//! ```
//!
//! Decisions:
//! - `title` and `summary` are plain text: RSS titles and descriptions are treated as HTML (they
//!   are, in practice, whether in CDATA or entity-escaped), Atom and JSON Feed text follows its
//!   declared type. `summary` comes from the summary/description, else the content, and is cut
//!   to [`SUMMARY_MAX_CHARS`] characters.
//! - Links and images are absolute `http`/`https` URLs or `null` (never `javascript:` and the
//!   like). Relative ones resolve against `xml:base`, else the feed's own site link, else the
//!   URL the feed was fetched from.
//! - `published` is ISO 8601 UTC (`2025-03-06T14:05:00Z`): the publication date, else the
//!   update date (Atom entries often have only `updated`), else `null`.
//! - `image`: an image enclosure or `media:content`, else `media:thumbnail`, else the JSON Feed
//!   `image`/`banner_image`, else the first `<img src>` of the item's HTML.
//! - `author`: the name of the item's author or `dc:creator`, else the feed's author; an e-mail
//!   address alone is not shown (signs are public).
//! - At most [`MAX_ITEMS`] items, in document order; serve-time `max_items` trims further.
//! - Character encodings: the body is transcoded to UTF-8 here (its XML declaration dropped)
//!   before `feed-rs` sees it. A BOM wins; then the HTTP `charset`, which overrides
//!   the declaration (RFC 7303) except when it claims UTF-8 over bytes that are not; then the
//!   declaration; an undeclared body that is not UTF-8 is read as windows-1252 (the usual
//!   culprit). `ISO-8859-1` is read as windows-1252, as browsers do.
//! - A truncated XML document (no closing root tag) is rejected rather than served with the
//!   items that happened to arrive.

use std::borrow::Cow;

use feed_rs::model::{Entry, Feed, FeedType, Link, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use serde_json::{json, Map, Value};
use url::Url;

use super::html;
use super::{charset_of, looks_like_html, Body, BodyError};

/// Items kept from one feed.
pub const MAX_ITEMS: usize = 100;

/// Longest `summary`, in characters (an ellipsis ends a cut one).
pub const SUMMARY_MAX_CHARS: usize = 500;

/// Maps a feed body.
///
/// # Errors
/// [`BodyError`] for an empty body, an HTML page, something that is not a feed, or a malformed or
/// truncated one.
pub fn widget_data(body: &Body<'_>) -> Result<Value, BodyError> {
    if body.bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError("the response is empty".to_owned()));
    }
    let input = to_utf8(body.bytes, body.content_type);
    let is_json = first_significant_byte(&input) == Some(b'{');
    let feed = parse(&input, body.url, body)?;
    if !is_json && !xml_is_complete(&input) {
        return Err(BodyError(
            "the feed is cut off: the document ends before its closing tag".to_owned(),
        ));
    }
    // Relative links resolve against the feed's own site link in preference to the URL it was
    // fetched from (feeds are often served by another host than the site they describe), so
    // parse again with that base when it differs. xml:base still wins inside the document.
    let site = site_link(&feed, body.url);
    let (feed, base) = match site {
        Some(site) if site != *body.url && !is_json => {
            let again = parse(&input, &site, body)?;
            (again, site)
        }
        Some(site) => (feed, site),
        None => (feed, body.url.clone()),
    };
    let json_items = if is_json {
        serde_json::from_slice::<Value>(&input)
            .ok()
            .and_then(|v| v.get("items").and_then(Value::as_array).cloned())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let media = if is_json {
        Vec::new()
    } else {
        scan_media(&input)
    };
    // RSS text is HTML in practice, whatever the element's formal type; Atom and JSON Feed say
    // what theirs is.
    let rss = matches!(
        feed.feed_type,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2
    );
    let extras = |i: usize| Extras {
        json_item: json_items.get(i),
        media: media.get(i),
    };
    let items: Vec<Value> = feed
        .entries
        .iter()
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(i, entry)| item(&feed, entry, &base, extras(i), rss))
        .collect();
    Ok(json!({
        "feed_title": feed.title.as_ref().map(|t| text(t, rss)).filter(|t| !t.is_empty()),
        "feed_link": site_link(&feed, body.url).map(String::from),
        "items": items,
    }))
}

fn parse(input: &[u8], base: &Url, body: &Body<'_>) -> Result<Feed, BodyError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .build();
    // quick-xml 0.42 under feed-rs 3 panics on an XML declaration naming another encoding in
    // the middle of a document (found by fuzzing). XML allows a declaration only at the very
    // start, so such a document is refused before the parser sees it.
    if misplaced_xml_declaration(input) {
        return Err(BodyError(
            "the feed is not well-formed XML: it has an XML declaration (<?xml …?>) that is broken or not at the start of the document".to_owned(),
        ));
    }
    // Feeds come from third parties: a panic in the parser on input nobody foresaw must still
    // end as a refused body (last good data kept), not as a pull task that never reports back.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(input))) {
        Ok(parsed) => parsed.map_err(|e| parse_error(&e, body)),
        Err(_) => Err(BodyError(
            "the feed cannot be read: the feed parser failed on it".to_owned(),
        )),
    }
}

/// Whether a document `feed-rs` will read as XML (JSON Feeds may quote XML) still has an XML
/// declaration once [`to_utf8`] dropped the one at its start: the reader under `feed-rs`
/// switches encodings on it and panics when that comes too late (found by fuzzing). `<?xml-stylesheet` and other
/// processing instructions whose target merely begins with "xml" are not declarations.
fn misplaced_xml_declaration(input: &[u8]) -> bool {
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    // feed-rs reads a document as XML when a `<` comes before any `{` in its first buffer
    // (8 KiB), as JSON when a `{` does, and not at all when neither is there.
    let head = &input[..input.len().min(8 * 1024)];
    if head.iter().find(|b| matches!(b, b'<' | b'{')) != Some(&b'<') {
        return false;
    }
    let is_decl = |at: usize| {
        body.get(at..at + 5)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"<?xml"))
            && body
                .get(at + 5)
                .is_none_or(|b| b.is_ascii_whitespace() || *b == b'?')
    };
    // The declaration at the start was dropped when the body was decoded (`to_utf8`): any left
    // is a second one, or one that never ends.
    body.windows(5)
        .enumerate()
        .any(|(i, w)| w[0] == b'<' && w[1] == b'?' && is_decl(i))
}

fn parse_error(e: &ParseFeedError, body: &Body<'_>) -> BodyError {
    let message = match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot)
            if looks_like_html(body.bytes, body.content_type) =>
        {
            "the response is an HTML page, not a feed".to_owned()
        }
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            "the response is not a feed (RSS, Atom or JSON Feed)".to_owned()
        }
        ParseFeedError::ParseError(kind) => format!("the feed cannot be read: {kind}"),
        ParseFeedError::XmlReader(x) => format!("the feed is not well-formed XML: {x}"),
        ParseFeedError::JsonSerde(j) => format!("the JSON Feed is not valid: {j}"),
        ParseFeedError::JsonUnsupportedVersion(v) => {
            format!("the JSON Feed version is not supported: {v}")
        }
        ParseFeedError::IoError(io) => format!("the feed cannot be read: {io}"),
    };
    BodyError(message)
}

/// What an item has beyond `feed-rs`'s model.
#[derive(Clone, Copy)]
struct Extras<'a> {
    /// The item's JSON Feed object (for `image`/`banner_image`).
    json_item: Option<&'a Value>,
    /// The item's Media RSS images.
    media: Option<&'a ScannedMedia>,
}

/// One item in the output shape. `rss` says the text is RSS's (HTML whatever its type).
fn item(feed: &Feed, entry: &Entry, base: &Url, extras: Extras<'_>, rss: bool) -> Value {
    let title = entry
        .title
        .as_ref()
        .map(|t| text(t, rss))
        .filter(|t| !t.is_empty());
    let link = entry_link(entry, base);
    let summary = summary(entry, rss);
    let published = entry
        .published
        .or(entry.updated)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let content_base = entry
        .base
        .as_deref()
        .and_then(|b| absolute(b, base))
        .or_else(|| link.clone())
        .unwrap_or_else(|| base.clone());
    let image = image(entry, base, &content_base, extras);
    let author = author(&entry.authors).or_else(|| author(&feed.authors));
    let mut out = Map::new();
    out.insert("title".to_owned(), json!(title));
    out.insert("link".to_owned(), json!(link.map(String::from)));
    out.insert("summary".to_owned(), json!(summary));
    out.insert("published".to_owned(), json!(published));
    out.insert("image".to_owned(), json!(image.map(String::from)));
    out.insert("author".to_owned(), json!(author));
    Value::Object(out)
}

/// Plain text of a `Text`. `html` says whether plain-typed text is HTML anyway (RSS titles).
fn text(t: &Text, html: bool) -> String {
    if html || !is_plain(&t.content_type) {
        html::to_text(&t.content)
    } else {
        html::collapse_whitespace(&t.content)
    }
}

fn summary(entry: &Entry, rss: bool) -> Option<String> {
    let from_summary = entry
        .summary
        .as_ref()
        .map(|t| text(t, rss))
        .filter(|s| !s.is_empty());
    let text = from_summary.or_else(|| {
        let content = entry.content.as_ref()?;
        let body = content.body.as_deref()?;
        let t = if is_plain(&content.content_type) {
            html::collapse_whitespace(body)
        } else {
            html::to_text(body)
        };
        (!t.is_empty()).then_some(t)
    })?;
    Some(html::truncate(&text, SUMMARY_MAX_CHARS))
}

/// Whether a media type is `text/plain` (parameters aside).
fn is_plain(media_type: &impl AsRef<str>) -> bool {
    media_type
        .as_ref()
        .to_ascii_lowercase()
        .starts_with("text/plain")
}

/// `href` resolved against `base`, if the result is an `http`/`https` URL.
fn absolute(href: &str, base: &Url) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Whether a link points at the page of the item or feed (not its feed, comments or media).
fn is_page_link(l: &Link) -> bool {
    matches!(l.rel.as_deref(), None | Some("alternate"))
        && l.target.is_none()
        && l.media_type
            .as_deref()
            .is_none_or(|m| m.starts_with("text/html") || m.contains("xhtml"))
}

/// The feed's site link (not its `self` link), absolute.
fn site_link(feed: &Feed, url: &Url) -> Option<Url> {
    let link = match feed.feed_type {
        // JSON Feed: home_page_url comes first, feed_url second.
        FeedType::JSON => feed.links.first(),
        _ => feed.links.iter().find(|l| is_page_link(l)),
    }?;
    absolute(&link.href, url)
}

fn entry_link(entry: &Entry, base: &Url) -> Option<Url> {
    let page = entry
        .links
        .iter()
        .filter(|l| is_page_link(l))
        .find_map(|l| absolute(&l.href, base));
    page.or_else(|| {
        // An RSS item with only a permalink guid.
        let id = entry.id.trim();
        (id.starts_with("http://") || id.starts_with("https://"))
            .then(|| absolute(id, base))
            .flatten()
    })
}

fn has_image_extension(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

fn image(entry: &Entry, base: &Url, content_base: &Url, extras: Extras<'_>) -> Option<Url> {
    let contents = || entry.media.iter().flat_map(|m| m.content.iter());
    // Enclosures and media:content declared as images.
    let typed = contents().find_map(|c| {
        let url = c.url.as_ref()?;
        let is_image = c
            .content_type
            .as_ref()
            .is_some_and(|t| t.as_str().to_ascii_lowercase().starts_with("image/"));
        is_image.then(|| absolute(url.as_str(), base)).flatten()
    });
    // media:content without a type whose URL names an image file.
    let untyped = || {
        contents().find_map(|c| {
            let url = c.url.as_ref()?;
            (c.content_type.is_none() && has_image_extension(url))
                .then(|| absolute(url.as_str(), base))
                .flatten()
        })
    };
    let thumbnail = || {
        entry
            .media
            .iter()
            .flat_map(|m| m.thumbnails.iter())
            .map(|t| t.image.uri.as_str())
            .chain(extras.media.and_then(|m| m.thumbnail.as_deref()))
            .find_map(|uri| absolute(uri, base))
    };
    let medium_image = || {
        let uri = extras.media?.image.as_deref()?;
        absolute(uri, base)
    };
    // Atom enclosure links and JSON Feed attachments typed as images.
    let enclosure_link = || {
        entry.links.iter().find_map(|l| {
            l.media_type
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().starts_with("image/"))
                .then(|| absolute(&l.href, base))
                .flatten()
        })
    };
    let json_image = || {
        let item = extras.json_item?;
        ["image", "banner_image"]
            .iter()
            .find_map(|k| absolute(item.get(*k)?.as_str()?, base))
    };
    let in_html = || {
        let content = entry.content.as_ref().and_then(|c| c.body.as_deref());
        let summary = entry.summary.as_ref().map(|t| t.content.as_str());
        [content, summary]
            .into_iter()
            .flatten()
            .find_map(html::first_img_src)
            .and_then(|src| absolute(&src, content_base))
    };
    typed
        .or_else(untyped)
        .or_else(medium_image)
        .or_else(thumbnail)
        .or_else(enclosure_link)
        .or_else(json_image)
        .or_else(in_html)
}

/// The first person's name. E-mail addresses are never shown: signs are public.
fn author(people: &[feed_rs::model::Person]) -> Option<String> {
    people.iter().find_map(|p| {
        p.name
            .as_deref()
            .map(|n| html::to_text(n.trim().trim_start_matches('(').trim_end_matches(')')))
            .filter(|n| !n.is_empty() && !n.contains('@'))
    })
}

fn first_significant_byte(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Whether an XML document ends with its root's closing tag (`</rss>`, `</feed>`, `</rdf:RDF>`,
/// `</entry>`), trailing whitespace and comments aside. A body cut off in transit does not.
fn xml_is_complete(bytes: &[u8]) -> bool {
    // UTF-16 documents (with a BOM) are left to the parser.
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let mut end = bytes.len();
    loop {
        while end > 0 && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        let tail = &bytes[..end];
        if tail.ends_with(b"-->") {
            match find_last(tail, b"<!--") {
                Some(i) => {
                    end = i;
                    continue;
                }
                None => return false,
            }
        }
        break;
    }
    let tail = &bytes[..end];
    if !tail.ends_with(b">") {
        return false;
    }
    let Some(open) = find_last(tail, b"</") else {
        return false;
    };
    let name = &tail[open + 2..end - 1];
    let name = name.trim_ascii();
    let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    matches!(local, b"rss" | b"feed" | b"RDF" | b"entry")
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The encoding named in the XML declaration, if any, with the byte range of its name.
fn declared_encoding(bytes: &[u8]) -> Option<(&'static encoding_rs::Encoding, usize, usize)> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &bytes[start..];
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    let decl_end = start + find_first(rest, b"?>")?;
    let decl = &bytes[start..decl_end];
    let at = find_first(decl, b"encoding")?;
    let mut i = start + at + b"encoding".len();
    while i < decl_end && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    if bytes.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while i < decl_end && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    let quote = *bytes.get(i)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value_start = i + 1;
    let value_len = bytes[value_start..decl_end]
        .iter()
        .position(|b| *b == quote)?;
    let value_end = value_start + value_len;
    let encoding = encoding_rs::Encoding::for_label(&bytes[value_start..value_end])?;
    Some((encoding, value_start, value_end))
}

fn find_first(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The body as UTF-8 (see the module docs for which encoding wins), its XML declaration, if
/// any, saying so. Both `feed-rs` and the media scan then read plain UTF-8.
fn to_utf8<'b>(bytes: &'b [u8], content_type: Option<&str>) -> Cow<'b, [u8]> {
    use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
    // Labels of encodings the declaration could not even be read in (UTF-16 without a BOM)
    // are ignored.
    let usable = |e: &'static Encoding| e.is_ascii_compatible().then_some(e);
    let (encoding, body) = match Encoding::for_bom(bytes) {
        // A byte order mark wins over everything.
        Some((enc, bom_len)) => (enc, &bytes[bom_len..]),
        None => {
            let http = charset_of(content_type)
                .and_then(|c| Encoding::for_label(c.as_bytes()))
                .and_then(usable);
            let declared = declared_encoding(bytes).map(|(e, _, _)| e).and_then(usable);
            let valid_utf8 = std::str::from_utf8(bytes).is_ok();
            let enc = match (http, declared) {
                // HTTP says UTF-8 but the bytes are not: believe the declaration.
                (Some(h), Some(d)) if h == UTF_8 && !valid_utf8 => d,
                (Some(h), _) => h,
                (None, Some(d)) => d,
                (None, None) if valid_utf8 => UTF_8,
                (None, None) => WINDOWS_1252,
            };
            (enc, bytes)
        }
    };
    let utf8: Cow<'b, [u8]> = if encoding == UTF_8 && std::str::from_utf8(body).is_ok() {
        Cow::Borrowed(body)
    } else {
        let (text, _) = encoding.decode_without_bom_handling(body);
        Cow::Owned(text.into_owned().into_bytes())
    };
    // The declaration has done its work (it named the encoding read above) and is dropped: the
    // reader under feed-rs would switch encodings on it again, and panics doing so when the
    // declaration is longer than its look-ahead (found by fuzzing); without one it reads UTF-8.
    match xml_declaration_end(&utf8) {
        Some(end) => match utf8 {
            Cow::Borrowed(b) => Cow::Borrowed(&b[end..]),
            Cow::Owned(mut v) => {
                v.drain(..end);
                Cow::Owned(v)
            }
        },
        None => utf8,
    }
}

/// Where the XML declaration at the start of `bytes` (after white space) ends, if there is one.
fn xml_declaration_end(bytes: &[u8]) -> Option<usize> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &bytes[start..];
    let is_decl = rest.starts_with(b"<?xml")
        && rest
            .get(5)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'?');
    if !is_decl {
        return None;
    }
    Some(start + find_first(rest, b"?>")? + 2)
}

/// Media RSS images of one item that `feed-rs` does not report: a `media:thumbnail` with no
/// `media:content` beside it (as many news feeds have), and a `media:content medium="image"`
/// without a `type`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct ScannedMedia {
    thumbnail: Option<String>,
    image: Option<String>,
}

/// The Media RSS namespace (some feeds omit the trailing slash).
const MEDIA_RSS_NS: &str = "http://search.yahoo.com/mrss";

/// Scans a UTF-8 XML feed for Media RSS images per item (`item` or `entry`), in document order.
/// Best effort: a document this scan cannot read has already been rejected by `feed-rs`.
fn scan_media(xml: &[u8]) -> Vec<ScannedMedia> {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;

    let mut out = Vec::new();
    if find_first(xml, MEDIA_RSS_NS.as_bytes()).is_none() {
        return out;
    }
    let mut reader = quick_xml::NsReader::from_reader(xml);
    let mut depth: usize = 0;
    let mut item_depth: Option<usize> = None;
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(ns), ev)) => (Some(ns.as_ref().to_owned()), ev),
            Ok((_, ev)) => (None, ev),
            Err(_) => break,
        };
        let (element, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                if item_depth == Some(depth) {
                    item_depth = None;
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if !empty {
            depth += 1;
        }
        let local = element.local_name();
        let local = local.as_ref();
        if item_depth.is_none() && (local == "item" || local == "entry") {
            if !empty {
                item_depth = Some(depth);
            }
            out.push(ScannedMedia::default());
            continue;
        }
        let (Some(_), Some(current)) = (item_depth, out.last_mut()) else {
            continue;
        };
        if !ns.as_deref().is_some_and(|n| n.starts_with(MEDIA_RSS_NS)) {
            continue;
        }
        let attr = |name: &str| {
            element
                .try_get_attribute(name)
                .ok()
                .flatten()
                .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        match local {
            "thumbnail" if current.thumbnail.is_none() => current.thumbnail = attr("url"),
            "content" if current.image.is_none() && attr("medium").as_deref() == Some("image") => {
                current.image = attr("url");
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/pull/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn map(bytes: &[u8], url: &str, content_type: Option<&str>) -> Result<Value, BodyError> {
        let url = Url::parse(url).unwrap();
        widget_data(&Body {
            bytes,
            url: &url,
            content_type,
        })
    }

    fn map_fixture(name: &str, url: &str, content_type: Option<&str>) -> Value {
        map(&fixture(name), url, content_type).unwrap()
    }

    /// Found by fuzzing (`fuzz/regressions/feed_mapping/`): a second XML declaration naming
    /// another encoding, in the middle of a feed, made the XML reader under `feed-rs` panic.
    #[test]
    fn fail_a_second_xml_declaration_is_refused_not_a_panic() {
        for doc in [
            &b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>A</title><?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><item><title>B</title></item></channel></rss>"[..],
            &std::fs::read(format!(
                "{}/fuzz/regressions/feed_mapping/crash-eed769b01de17a29a66bdf99f7dd3f246ed6313e",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()[2..],
        ] {
            let e = map(doc, "https://e.example/feed", None).unwrap_err();
            assert!(
                e.0.contains("an XML declaration (<?xml …?>) that is broken or not at the start"),
                "{e}"
            );
        }
        // A JSON Feed may quote one in its content.
        let json_feed = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "A", "items": [{"id": "1", "content_html": "<?xml version=\"1.0\"?><p>B</p>"}]}"#;
        assert!(map(
            json_feed,
            "https://e.example/feed.json",
            Some("application/feed+json")
        )
        .is_ok());
        // A stylesheet processing instruction is not a declaration.
        let styled = b"<?xml version=\"1.0\"?><?xml-stylesheet href=\"s.xsl\"?><rss version=\"2.0\"><channel><title>A</title><item><title>B</title></item></channel></rss>";
        assert!(map(styled, "https://e.example/feed", None).is_ok());
    }

    /// Found by fuzzing in CI: a declaration after a run of junk (NULs, extra BOMs, text) made
    /// the reader panic once its look-ahead was used up. Every such document is refused with a
    /// reason; white space before the declaration is fine.
    #[test]
    fn fail_a_declaration_after_junk_is_refused_not_a_panic() {
        let tail = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>A</title><item><title>B</title></item></channel></rss>";
        for lead in ["\u{feff}", "\0", "x", "\u{feff}\n"] {
            for n in [2, 63, 200, 5000] {
                let doc = format!("{}{tail}", lead.repeat(n));
                match map(doc.as_bytes(), "https://e.example/feed", None) {
                    // Extra BOMs may be dropped while the body is decoded.
                    Ok(_) => assert!(lead.starts_with('\u{feff}'), "{lead:?} x {n} was read"),
                    // Refused for the declaration, or (past feed-rs's first 8 KiB) as no feed.
                    Err(e) => assert!(
                        e.0.contains("broken or not at the start of the document")
                            || (n == 5000 && e.0.contains("not a feed")),
                        "{lead:?} x {n}: {e}"
                    ),
                }
            }
        }
        for n in [0, 1, 63, 200] {
            let doc = format!("{}{tail}", "\n ".repeat(n));
            assert!(
                map(doc.as_bytes(), "https://e.example/feed", None).is_ok(),
                "{n}"
            );
        }
        let doc = format!("\u{feff}{tail}");
        assert!(map(doc.as_bytes(), "https://e.example/feed", None).is_ok());
        // Read as XML whatever comes first, unless a `{` comes before any `<`.
        let e = map(
            format!("[{tail}").as_bytes(),
            "https://e.example/feed",
            None,
        )
        .unwrap_err();
        assert!(e.0.contains("broken or not at the start"), "{e}");
    }

    /// Found by fuzzing in CI: feed-rs 3 slices an author's "e-mail (name)" inside a character
    /// and panics; the fetcher refuses the body instead of losing the pull.
    #[test]
    fn fail_a_panic_inside_feed_rs_is_a_refused_body() {
        let doc = std::fs::read(format!(
            "{}/fuzz/regressions/feed_mapping/crash-f89ab86c547af6ef6e99bbf09ff0be8a57b64723",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let e = map(
            &doc[2..],
            "https://e.example/feed",
            Some("application/rss+xml"),
        )
        .unwrap_err();
        assert!(e.0.contains("the feed parser failed on it"), "{e}");
    }

    /// Found by fuzzing: a declaration longer than the reader's look-ahead, naming another
    /// encoding, made it panic. Real feeds have long ones too (spaces, `standalone`).
    #[test]
    fn a_long_declaration_naming_another_encoding_is_read() {
        let mut doc = b"<?xml version=\"1.0\"      encoding=\"windows-1252\"      standalone=\"yes\"      ?>\n<rss version=\"2.0\"><channel><title>Caf\xe9</title><item><title>Cr\xe8me</title></item></channel></rss>".to_vec();
        let data = map(&doc, "https://e.example/feed", None).unwrap();
        assert_eq!(data["feed_title"], "Caf\u{e9}");
        assert_eq!(data["items"][0]["title"], "Cr\u{e8}me");
        // The fuzzer's input: an unreadable attribute before the encoding.
        doc = std::fs::read(format!(
            "{}/fuzz/regressions/feed_mapping/crash-9b3c8008f96095aacda67b356a0c8ec7a07e869a",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()[2..]
            .to_vec();
        match map(&doc, "https://e.example/feed", None) {
            Ok(_) => {}
            Err(e) => assert!(!e.0.contains("parser failed"), "{e}"),
        }
    }

    #[test]
    fn rss2_with_html_titles_named_zones_media_and_relative_links() {
        let data = map_fixture(
            "rss2_harbourside.xml",
            "https://feeds.harbourside-gazette.example/news.rss",
            Some("application/rss+xml; charset=UTF-8"),
        );
        assert_eq!(data["feed_title"], "Harbourside Gazette & Friends");
        assert_eq!(
            data["feed_link"],
            "https://www.harbourside-gazette.example/"
        );
        let items = data["items"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        // CDATA HTML title and description; EST is UTC-5; an image enclosure; dc:creator.
        // Relative links resolve against the site link, not the feeds.* host served from.
        assert_eq!(
            items[0],
            json!({
                "title": "Ferry timetable changes from Monday",
                "link": "https://www.harbourside-gazette.example/news/2025/03/ferry-timetable-changes",
                "summary": "The Harbour Line ferry will run every 20 minutes… Full details inside.",
                "published": "2025-03-06T22:30:00Z",
                "image": "https://cdn.harbourside-gazette.example/img/ferry-1200.jpg",
                "author": "Priya Raman",
            })
        );
        // Entity-escaped HTML (decoded once by XML, once as HTML); PST is UTC-8; media:content;
        // RSS `author` as "email (Name)".
        assert_eq!(
            items[1],
            json!({
                "title": "Council approves new cycle lanes & crossings",
                "link": "https://www.harbourside-gazette.example/news/2025/03/cycle-lanes",
                "summary": "Work on the Quay Street lanes starts in April.",
                "published": "2025-03-05T16:05:00Z",
                "image": "https://cdn.harbourside-gazette.example/img/cycle-lanes.png",
                "author": "Tom Okafor",
            })
        );
        // A relative media:thumbnail.
        assert_eq!(
            items[2],
            json!({
                "title": "Weekend market returns to the quay",
                "link": "https://www.harbourside-gazette.example/news/2025/03/weekend-market",
                "summary": "Stalls open at 9am on Saturday & Sunday.",
                "published": "2025-03-04T11:00:00Z",
                "image": "https://www.harbourside-gazette.example/img/thumbs/market.jpg",
                "author": "Ana Lima",
            })
        );
        // An audio enclosure is not an image; the image is the first <img> of content:encoded.
        assert_eq!(
            items[3],
            json!({
                "title": "Lighthouse restoration: photo gallery",
                "link": "https://www.harbourside-gazette.example/galleries/lighthouse",
                "summary": "Before and after.",
                "published": "2025-03-03T07:45:00Z",
                "image": "https://www.harbourside-gazette.example/img/galleries/lighthouse/01.jpg",
                "author": "Ana Lima",
            })
        );
        // Only a permalink guid, no date, no author; a long description is cut.
        let last = &items[4];
        assert_eq!(
            last["link"],
            "https://www.harbourside-gazette.example/letters/2025/03/long-view"
        );
        assert_eq!(last["published"], Value::Null);
        assert_eq!(last["image"], Value::Null);
        assert_eq!(last["author"], Value::Null);
        let summary = last["summary"].as_str().unwrap();
        assert!(summary.chars().count() <= SUMMARY_MAX_CHARS, "{summary}");
        assert!(summary.starts_with("Sir, I have lived on Quay Street"));
        assert!(summary.ends_with("…"), "{summary}");
    }

    #[test]
    fn rss1_rdf() {
        let data = map_fixture(
            "rss1_library.rdf",
            "https://library.example.org/new-titles.rdf",
            Some("application/rdf+xml"),
        );
        assert_eq!(
            data,
            json!({
                "feed_title": "Riverside Library: New Titles",
                "feed_link": "https://library.example.org/",
                "items": [
                    {
                        "title": "The Salt Path Atlas",
                        "link": "https://library.example.org/catalogue/9780000000011",
                        "summary": "A walker's guide to the coast path, with 40 maps.",
                        "published": "2025-03-05T10:00:00Z",
                        "image": null,
                        "author": "R. Whitlock",
                    },
                    {
                        "title": "Tidal Engineering for Beginners",
                        "link": "https://library.example.org/catalogue/9780000000028",
                        "summary": "Locks, weirs & sluices explained.",
                        "published": "2025-03-04T14:30:00Z",
                        "image": null,
                        "author": "M. Osei",
                    },
                ],
            })
        );
    }

    #[test]
    fn atom_with_xml_base_and_updated_only() {
        let data = map_fixture(
            "atom_tideline.xml",
            "https://cdn.tideline.example/feeds/blog.atom",
            Some("application/atom+xml"),
        );
        assert_eq!(
            data,
            json!({
                "feed_title": "Tideline Engineering Blog",
                "feed_link": "https://tideline.example/blog/",
                "items": [
                    {
                        // type="html": markup stripped; `updated` stands in for `published`.
                        "title": "Sharding the events table",
                        "link": "https://tideline.example/blog/posts/sharding-events",
                        "summary": "How we split 4 TB of events across eight nodes without downtime.",
                        "published": "2025-03-06T15:20:00Z",
                        "image": null,
                        "author": "Mei Chen",
                    },
                    {
                        // type="text" stays text; the entry's own xml:base; the summary and
                        // image come from the content; the author is the feed's.
                        "title": "Release 4.2 & what's <next>",
                        "link": "https://tideline.example/notes/release-4-2",
                        "summary": "Highlights: faster sync and a new dashboard.",
                        "published": "2025-02-27T09:00:00Z",
                        "image": "https://tideline.example/notes/images/4-2-dashboard.png",
                        "author": "Tideline Team",
                    },
                    {
                        // type="xhtml"; `published` wins over `updated`; an image enclosure link.
                        "title": "On-call without burnout",
                        "link": "https://tideline.example/careers/on-call",
                        "summary": "Plain text, with extra spaces & an ampersand.",
                        "published": "2025-02-19T08:30:00Z",
                        "image": "https://tideline.example/media/on-call.jpg",
                        "author": "Jonas Berg",
                    },
                ],
            })
        );
    }

    #[test]
    fn json_feed_1_1() {
        let data = map_fixture(
            "jsonfeed_almanac.json",
            "https://almanac.example.net/feed.json",
            Some("application/feed+json"),
        );
        assert_eq!(
            data,
            json!({
                "feed_title": "Night Sky Almanac",
                "feed_link": "https://almanac.example.net/",
                "items": [
                    {
                        "title": "Total lunar eclipse on 14 March",
                        "link": "https://almanac.example.net/2025/03/14/total-lunar-eclipse",
                        "summary": "Totality lasts 65 minutes; best seen from the Americas.",
                        "published": "2025-03-07T01:00:00Z",
                        "image": "https://almanac.example.net/images/eclipse.jpg",
                        "author": "Inês Duarte",
                    },
                    {
                        "title": "Planet parade",
                        "link": "https://almanac.example.net/2025/03/01/planet-parade",
                        "summary": "Six planets line up after sunset. Look west.",
                        "published": "2025-03-01T18:00:00Z",
                        "image": "https://almanac.example.net/images/parade-banner.png",
                        "author": "Oskar Lund",
                    },
                    {
                        "title": "Meteor notes",
                        "link": "https://almanac.example.net/2025/02/20/meteor-notes",
                        "summary": "Count the Lyrids.",
                        "published": "2025-02-20T06:00:00Z",
                        "image": "https://almanac.example.net/images/lyrids.gif",
                        "author": "Oskar Lund",
                    },
                ],
            })
        );
    }

    #[test]
    fn latin1_declared_in_the_prolog() {
        let data = map_fixture(
            "latin1_prolog.xml",
            "https://cafe-mueller.example.de/feed.xml",
            Some("text/xml"),
        );
        assert_eq!(data["feed_title"], "Café Müller: Tagesangebote");
        assert_eq!(data["items"][0]["title"], "Crème brûlée à la maison");
        assert_eq!(
            data["items"][0]["summary"],
            "Nur heute: 4,50 EUR. Größe: groß."
        );
    }

    #[test]
    fn latin1_declared_only_in_the_content_type() {
        let data = map_fixture(
            "latin1_http_charset.xml",
            "https://panaderia-nino.example.es/rss",
            Some("application/rss+xml; charset=ISO-8859-1"),
        );
        assert_eq!(data["feed_title"], "Panadería Niño: novedades");
        assert_eq!(data["items"][0]["title"], "Ensaïmada de Mallorca");
        assert_eq!(
            data["items"][0]["summary"],
            "Hojaldre, azúcar y mantequilla; ¡recién horneada!"
        );
    }

    #[test]
    fn windows_1252_smart_quotes_and_euro() {
        let data = map_fixture(
            "cp1252_prolog.xml",
            "https://quayside-theatre.example/rss",
            None,
        );
        assert_eq!(data["items"][0]["title"], "“Early bird” tickets from €15…");
        assert_eq!(
            data["items"][0]["summary"],
            "Book before Friday – it’s worth it."
        );
    }

    #[test]
    fn the_http_charset_overrides_the_prolog() {
        // A proxy transcoded a Latin-1 feed to UTF-8 and said so in the header, leaving the
        // declaration behind: the header is right (RFC 7303).
        let latin1 = fixture("latin1_prolog.xml");
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&latin1);
        let data = map(
            text.as_bytes(),
            "https://cafe-mueller.example.de/feed.xml",
            Some("text/xml; charset=utf-8"),
        )
        .unwrap();
        assert_eq!(data["feed_title"], "Café Müller: Tagesangebote");
        // But a header claiming UTF-8 over bytes that are not falls back to the declaration.
        let data = map(
            &latin1,
            "https://cafe-mueller.example.de/feed.xml",
            Some("text/xml; charset=utf-8"),
        )
        .unwrap();
        assert_eq!(data["feed_title"], "Café Müller: Tagesangebote");
    }

    #[test]
    fn at_most_max_items_are_kept() {
        let mut xml = String::from(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title><link>https://many.example/</link>"#,
        );
        for i in 0..130 {
            xml.push_str(&format!(
                "<item><title>Item {i}</title><link>/items/{i}</link></item>"
            ));
        }
        xml.push_str("</channel></rss>");
        let data = map(xml.as_bytes(), "https://many.example/rss", None).unwrap();
        let items = data["items"].as_array().unwrap();
        assert_eq!(items.len(), MAX_ITEMS);
        assert_eq!(items[99]["title"], "Item 99");
        assert_eq!(items[99]["link"], "https://many.example/items/99");
    }

    #[test]
    fn unsafe_link_schemes_become_null() {
        let xml = r#"<rss version="2.0"><channel><title>T</title><item><title>x</title><link>javascript:alert(1)</link><description>&lt;img src="data:image/png;base64,AAAA"&gt;</description></item></channel></rss>"#;
        let data = map(xml.as_bytes(), "https://x.example/rss", None).unwrap();
        assert_eq!(data["items"][0]["link"], Value::Null);
        assert_eq!(data["items"][0]["image"], Value::Null);
        assert_eq!(data["feed_link"], Value::Null);
    }

    #[test]
    fn must_fail_fixtures_fail_with_a_reason() {
        let url = "https://feeds.harbourside-gazette.example/news.rss";
        let e = map(
            &fixture("fail_truncated.xml"),
            url,
            Some("application/rss+xml"),
        )
        .unwrap_err();
        assert!(
            e.0.contains("cut off") || e.0.contains("not well-formed"),
            "{e}"
        );
        let e = map(
            &fixture("fail_not_a_feed.html"),
            url,
            Some("text/html; charset=utf-8"),
        )
        .unwrap_err();
        assert_eq!(e.0, "the response is an HTML page, not a feed");
        let e = map(
            &fixture("fail_not_a_feed.xml"),
            url,
            Some("application/xml"),
        )
        .unwrap_err();
        assert_eq!(e.0, "the response is not a feed (RSS, Atom or JSON Feed)");
        let e = map(&fixture("fail_not_json.txt"), url, Some("text/plain")).unwrap_err();
        assert_eq!(e.0, "the response is not a feed (RSS, Atom or JSON Feed)");
        let e = map(b"", url, None).unwrap_err();
        assert_eq!(e.0, "the response is empty");
    }
}
