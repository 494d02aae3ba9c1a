//! Request templating on arbitrary templates, options and credentials: parsing, rendering as
//! text and as a URL, and building a whole pull request (endpoint, query, headers) either work or
//! give an error naming the problem — never a panic. A rendered URL is always absolute http(s).
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use millrace::pull::config::PullConfig;
use millrace::pull::template::Template;
use millrace::pull::{PullRequest, TemplateContext};
use millrace::secret::SecretString;
use serde_json::{Map, Value};

#[derive(Debug, Arbitrary)]
enum OptionValue {
    Text(String),
    Number(f64),
    Integer(i64),
    Bool(bool),
    Null,
    List(Vec<String>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    template: String,
    options: Vec<(String, OptionValue)>,
    credentials: Vec<(String, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

fuzz_target!(|input: Input| {
    let mut options = Map::new();
    for (k, v) in input.options {
        let v = match v {
            OptionValue::Text(s) => Value::String(s),
            OptionValue::Number(n) => {
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
            }
            OptionValue::Integer(i) => Value::from(i),
            OptionValue::Bool(b) => Value::Bool(b),
            OptionValue::Null => Value::Null,
            OptionValue::List(l) => Value::from(l),
        };
        options.insert(k, v);
    }
    let credentials: BTreeMap<String, SecretString> = input
        .credentials
        .into_iter()
        .map(|(k, v)| (k, SecretString::new(v)))
        .collect();
    let ctx = TemplateContext {
        options: &options,
        credentials: &credentials,
    };
    if let Ok(t) = Template::parse(&input.template) {
        let _ = t.render("fuzz", &ctx);
        if let Ok(url) = t.render_url("fuzz", &ctx) {
            assert!(
                matches!(url.url.scheme(), "http" | "https"),
                "render_url gave {}",
                url.url.scheme()
            );
        }
    }
    let config = PullConfig {
        query: input.query.into_iter().collect(),
        headers: input.headers.into_iter().collect(),
        ..PullConfig::default()
    };
    if let Ok(request) = PullRequest::from_integration(&input.template, &config, &ctx) {
        let _ = request.target();
        let _ = format!("{request:?}");
    }
});
