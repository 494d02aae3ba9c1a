//! The fetchers (JSON with a mapping, RSS/Atom/JSON Feed, OpenWeather) on arbitrary response
//! bytes and content types: a body becomes widget data or a `BodyError`, never a panic, and the
//! widget data always serializes.
//!
//! Input: byte 0 picks the fetcher, byte 1 the `Content-Type`, the rest is the body — so the
//! recorded fixtures in `tests/fixtures/pull/` seed it directly (see `scripts/fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use millrace::pull::fetchers::{self, Body, Fetcher};

const CONTENT_TYPES: [Option<&str>; 8] = [
    None,
    Some("application/json"),
    Some("application/rss+xml"),
    Some("application/atom+xml; charset=utf-8"),
    Some("text/xml; charset=iso-8859-1"),
    Some("application/feed+json"),
    Some("text/html"),
    Some("text/plain; charset=\"windows-1252\""),
];

static QUIET_CAUGHT_PANICS: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts on every panic, even one the RSS fetcher catches around
    // feed-rs (which still panics on some malformed feeds: a second encoding switch in
    // quick-xml, slicing inside a character in its author parser…) and turns into a refused
    // body: that is the fetcher's contract. A panic that escapes the fetcher is still a crash:
    // libfuzzer-sys catches it around this closure and aborts.
    QUIET_CAUGHT_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let [kind, ct, bytes @ ..] = data else {
        return;
    };
    let fetcher = match kind % 5 {
        0 => Fetcher::Json { mapping: None },
        1 => Fetcher::Json {
            mapping: Some(
                [
                    ("title", "/items/0/title"),
                    ("first", "/0"),
                    ("all", ""),
                    ("deep", "/a~1b/c~0d/3"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            ),
        },
        2 => Fetcher::Rss,
        3 => Fetcher::Openweather {
            units: "metric".to_owned(),
        },
        _ => Fetcher::Openweather {
            units: "standard".to_owned(),
        },
    };
    let url = url::Url::parse("https://feeds.example/news/feed.xml?x=1").unwrap();
    let body = Body {
        bytes,
        url: &url,
        content_type: CONTENT_TYPES[usize::from(*ct) % CONTENT_TYPES.len()],
    };
    if let Ok(data) = fetcher.widget_data(&body) {
        serde_json::to_vec(&data).expect("widget data serializes");
    }
    let _ = fetchers::upstream_message(bytes);
});
