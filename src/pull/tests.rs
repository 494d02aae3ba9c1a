//! The pull pipeline against loopback servers: request building, conditional requests, timeouts,
//! the size cap, redirects, error classification and secret hygiene. Every server binds
//! 127.0.0.1:0 before it is spawned, so there is nothing to wait for; nothing leaves the machine.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::io::AsyncWriteExt;

use super::client::{ClientSettings, PullClient};
use super::config::PullConfig;
use super::fetch::{fetch, FetchError, FetchOutcome, PullRequest, Validators};
use super::fetchers::ACCEPT_FEEDS;
use super::template::TemplateContext;
use crate::secret::SecretString;

/// A credential value that must never appear in any error, message or `Debug` output.
const SECRET: &str = "SECRET-7f3a9c1e-appid";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/pull/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Serves `router` on a fresh loopback port.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Request headers seen by a test server, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<HeaderMap>>>);

impl Seen {
    fn record(&self, headers: &HeaderMap) {
        self.0.lock().unwrap().push(headers.clone());
    }
    fn all(&self) -> Vec<HeaderMap> {
        self.0.lock().unwrap().clone()
    }
}

fn options(pairs: Value) -> Map<String, Value> {
    match pairs {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn credentials() -> BTreeMap<String, SecretString> {
    [("api_key".to_owned(), SecretString::new(SECRET.to_owned()))].into()
}

/// Builds a request; `config` is `pull_config` JSON.
fn request(endpoint: &str, config: Value, opts: Value) -> PullRequest {
    let config: PullConfig = serde_json::from_value(config).unwrap();
    assert!(config.validate().is_empty(), "{:?}", config.validate());
    let opts = options(opts);
    let creds = credentials();
    PullRequest::from_integration(
        endpoint,
        &config,
        &TemplateContext {
            options: &opts,
            credentials: &creds,
        },
    )
    .unwrap()
}

fn client() -> PullClient {
    PullClient::new().unwrap()
}

/// Asserts that neither the message nor the `Debug` form of `e` carries the secret in any form.
fn assert_no_secret(e: &FetchError) {
    let forms = [
        SECRET.to_owned(),
        super::template::encode_component(SECRET),
        "7f3a9c1e".to_owned(),
    ];
    let display = e.to_string();
    let debug = format!("{e:?}");
    for form in &forms {
        assert!(
            !display.contains(form.as_str()),
            "secret in message: {display}"
        );
        assert!(!debug.contains(form.as_str()), "secret in Debug: {debug}");
    }
}

/// Query strings seen by a test server, in order.
#[derive(Clone, Default)]
struct Queries(Arc<Mutex<Vec<String>>>);

#[tokio::test]
async fn sends_user_agent_accept_and_templated_query_and_headers() {
    let seen = Seen::default();
    let queries = Queries::default();
    let app = Router::new()
        .route(
            "/data/2.5/weather",
            get(
                |State((seen, queries)): State<(Seen, Queries)>, req: Request| async move {
                    seen.record(req.headers());
                    let query = req.uri().query().unwrap_or_default().to_owned();
                    queries.0.lock().unwrap().push(query);
                    (
                        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                        fixture("openweather_current_metric.json"),
                    )
                },
            ),
        )
        .route(
            "/news.rss",
            get(
                |State((seen, _)): State<(Seen, Queries)>, req: Request| async move {
                    seen.record(req.headers());
                    (
                        [(header::CONTENT_TYPE, "application/rss+xml")],
                        fixture("rss2_harbourside.xml"),
                    )
                },
            ),
        )
        .with_state((seen.clone(), queries.clone()));
    let addr = serve(app).await;

    let weather = request(
        &format!("http://{addr}/data/2.5/weather"),
        json!({
            "fetcher": "openweather",
            "query": {
                "lat": "{{options.latitude}}",
                "lon": "{{options.longitude}}",
                "units": "{{options.units}}",
                "appid": "{{credentials.api_key}}",
                "q": "{{options.city}}",
            },
            "headers": {"X-Client": "signage {{options.units}}"}
        }),
        json!({"latitude": 38.7223, "longitude": -9.1393, "units": "metric", "city": "Lisboa & Tejo"}),
    );
    let outcome = fetch(&client(), &weather, &Validators::default())
        .await
        .unwrap();
    let FetchOutcome::Fetched { data, status, .. } = outcome else {
        panic!("expected data")
    };
    assert_eq!(status, 200);
    assert_eq!(data["location"], "Lisbon, PT");
    assert_eq!(data["units"], "metric");
    // Numbers as their JSON text, values form-encoded, names in the config's (sorted) order.
    assert_eq!(
        queries.0.lock().unwrap()[0],
        format!("appid={SECRET}&lat=38.7223&lon=-9.1393&q=Lisboa+%26+Tejo&units=metric")
    );
    let h = &seen.all()[0];
    assert_eq!(
        h[header::USER_AGENT],
        format!("Millrace/{}", crate::VERSION).as_str()
    );
    assert_eq!(h[header::ACCEPT], "application/json");
    assert_eq!(h["x-client"], "signage metric");
    assert!(!h.contains_key(header::IF_NONE_MATCH));

    // A feed whose endpoint is the widget's feed_url: the feeds' Accept list.
    let feed = request(
        "{{options.feed_url}}",
        json!({"fetcher": "rss"}),
        json!({"feed_url": format!("http://{addr}/news.rss")}),
    );
    let outcome = fetch(&client(), &feed, &Validators::default())
        .await
        .unwrap();
    let h = &seen.all()[1];
    assert_eq!(h[header::ACCEPT], ACCEPT_FEEDS);
    assert_eq!(
        h[header::USER_AGENT],
        format!("Millrace/{}", crate::VERSION).as_str()
    );
    let FetchOutcome::Fetched { data, sample, .. } = outcome else {
        panic!("expected data")
    };
    assert_eq!(data["items"].as_array().unwrap().len(), 5);
    assert!(sample.starts_with("<?xml"), "{sample}");
    assert!(sample.len() <= super::fetch::SAMPLE_BYTES);
}

#[tokio::test]
async fn validators_are_stored_sent_back_and_a_304_is_not_modified() {
    const ETAG: &str = "W/\"5d8c-19a2f\"";
    const LAST_MODIFIED: &str = "Fri, 07 Mar 2025 08:30:00 GMT";
    let seen = Seen::default();
    let app = Router::new()
        .route(
            "/departures",
            get(|State(seen): State<Seen>, headers: HeaderMap| async move {
                seen.record(&headers);
                if headers
                    .get(header::IF_NONE_MATCH)
                    .is_some_and(|v| v == ETAG)
                {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::ETAG, ETAG),
                        (header::LAST_MODIFIED, LAST_MODIFIED),
                    ],
                    fixture("transit_departures.json"),
                )
                    .into_response()
            }),
        )
        .with_state(seen.clone());
    let addr = serve(app).await;
    let req = request(
        &format!("http://{addr}/departures"),
        json!({"mapping": {"stop": "/stop/name"}}),
        json!({}),
    );

    let first = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap();
    let FetchOutcome::Fetched {
        data, validators, ..
    } = first
    else {
        panic!("expected data")
    };
    assert_eq!(data, json!({"stop": "Fenwick Road / Market Square"}));
    assert_eq!(
        validators,
        Validators {
            etag: Some(ETAG.to_owned()),
            last_modified: Some(LAST_MODIFIED.to_owned()),
        }
    );

    let second = fetch(&client(), &req, &validators).await.unwrap();
    assert_eq!(second, FetchOutcome::NotModified);
    let sent = &seen.all()[1];
    assert_eq!(sent[header::IF_NONE_MATCH], ETAG);
    assert_eq!(sent[header::IF_MODIFIED_SINCE], LAST_MODIFIED);
}

#[tokio::test]
async fn a_304_without_validators_is_not_success() {
    let app = Router::new().route("/", get(|| async { StatusCode::NOT_MODIFIED }));
    let addr = serve(app).await;
    let req = request(&format!("http://{addr}/"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Transient { .. }), "{e:?}");
}

#[tokio::test]
async fn no_answer_in_time_is_transient_and_says_the_timeout() {
    let app = Router::new()
        .route("/silent", get(std::future::pending::<&'static str>))
        .route(
            "/stalls",
            get(|| async {
                // Headers and a first chunk, then nothing more.
                let first = futures_util::stream::once(async {
                    Ok::<_, Infallible>(Bytes::from_static(b"{\"departures\": ["))
                });
                let never = futures_util::stream::pending();
                Body::from_stream(futures_util::StreamExt::chain(first, never))
            }),
        );
    let addr = serve(app).await;
    let req = request(
        &format!("http://{addr}/silent"),
        json!({"timeout": 300}),
        json!({}),
    );
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, FetchError::Transient { status: None, .. }),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "no answer from 127.0.0.1 within 300 ms");

    let req = request(
        &format!("http://{addr}/stalls"),
        json!({"timeout": 1500}),
        json!({}),
    );
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "transient");
    assert_eq!(e.to_string(), "the response did not finish within 1.5 s");
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_with_or_without_content_length() {
    let app = Router::new()
        // A declared length over the cap: refused before the body is read.
        .route("/declared", get(|| async { vec![b' '; 6 * 1024 * 1024] }))
        // An endless chunked stream: refused as soon as the cap is passed. If the cap were not
        // enforced while streaming, this would end in the 30 s timeout (Transient), not BadBody.
        .route(
            "/endless",
            get(|| async {
                let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                let stream =
                    futures_util::stream::repeat_with(move || Ok::<_, Infallible>(chunk.clone()));
                Body::from_stream(stream)
            }),
        );
    let addr = serve(app).await;
    for path in ["declared", "endless"] {
        let req = request(
            &format!("http://{addr}/{path}"),
            json!({"timeout": 30000}),
            json!({}),
        );
        let e = fetch(&client(), &req, &Validators::default())
            .await
            .unwrap_err();
        assert!(
            matches!(e, FetchError::BadBody { status: 200, .. }),
            "{path}: {e:?}"
        );
        assert_eq!(e.to_string(), "the response is larger than 5 MiB", "{path}");
    }
    // A smaller cap, set per client.
    let small = PullClient::with_settings(ClientSettings {
        max_body_bytes: 100 * 1024,
        ..ClientSettings::default()
    })
    .unwrap();
    let req = request(&format!("http://{addr}/endless"), json!({}), json!({}));
    let e = fetch(&small, &req, &Validators::default())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "the response is larger than 100 KiB");
}

#[tokio::test]
async fn redirects_are_followed_but_loops_and_long_chains_are_errors() {
    let app = Router::new()
        .route("/old", get(|| async { Redirect::permanent("/new") }))
        .route(
            "/new",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/rss+xml")],
                    fixture("rss2_harbourside.xml"),
                )
            }),
        )
        .route("/a", get(|| async { Redirect::temporary("/b") }))
        .route("/b", get(|| async { Redirect::temporary("/a") }))
        .route(
            "/chain/{n}",
            get(
                |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    Redirect::to(&format!("/chain/{}", n + 1))
                },
            ),
        );
    let addr = serve(app).await;

    let req = request(
        &format!("http://{addr}/old"),
        json!({"fetcher": "rss"}),
        json!({}),
    );
    let outcome = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap();
    assert!(matches!(outcome, FetchOutcome::Fetched { status: 200, .. }));

    let req = request(&format!("http://{addr}/a"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Transient { .. }), "{e:?}");
    assert!(e.to_string().contains("redirects in a loop"), "{e}");

    let req = request(&format!("http://{addr}/chain/0"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("too many redirects (more than 5)"),
        "{e}"
    );
}

#[tokio::test]
async fn credentials_in_headers_are_not_forwarded_to_another_server() {
    let seen = Seen::default();
    let elsewhere = serve(
        Router::new()
            .route(
                "/",
                get(|State(seen): State<Seen>, headers: HeaderMap| async move {
                    seen.record(&headers);
                    "{}"
                }),
            )
            .with_state(seen.clone()),
    )
    .await;
    let target = format!("http://{elsewhere}/");
    let origin = serve(Router::new().route(
        "/",
        get(move || {
            let target = target.clone();
            async move { Redirect::temporary(&target) }
        }),
    ))
    .await;
    let req = request(
        &format!("http://{origin}/"),
        json!({"headers": {"X-Api-Key": "{{credentials.api_key}}"}}),
        json!({}),
    );
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("does not send credentials on"),
        "{e}"
    );
    assert_no_secret(&e);
    assert!(seen.all().is_empty(), "the other server was contacted");
}

#[tokio::test]
async fn auth_failures_are_auth_with_the_upstreams_message() {
    let app = Router::new()
        .route(
            "/data/2.5/weather",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                    fixture("openweather_401.json"),
                )
            }),
        )
        .route("/forbidden", get(|| async { StatusCode::FORBIDDEN }));
    let addr = serve(app).await;
    let req = request(
        &format!("http://{addr}/data/2.5/weather"),
        json!({"fetcher": "openweather", "query": {"appid": "{{credentials.api_key}}", "q": "Zocca"}}),
        json!({}),
    );
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Auth { status: 401, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "127.0.0.1 refused the credentials (it answered 401 Unauthorized): Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."
    );
    assert!(e.sample().unwrap().contains("\"cod\":401"));
    assert_no_secret(&e);

    let req = request(&format!("http://{addr}/forbidden"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Auth { status: 403, .. }), "{e:?}");
    assert_eq!(e.code(), "auth");
}

#[tokio::test]
async fn rate_limits_carry_retry_after_in_both_forms() {
    let app = Router::new()
        .route(
            "/seconds",
            get(|| async { (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "7")]) }),
        )
        .route(
            "/date",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [
                        (header::DATE, "Fri, 07 Mar 2025 08:43:00 GMT"),
                        (header::RETRY_AFTER, "Fri, 07 Mar 2025 08:45:30 GMT"),
                    ],
                )
            }),
        )
        .route(
            "/unavailable",
            get(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "120")],
                )
            }),
        )
        .route("/bare429", get(|| async { StatusCode::TOO_MANY_REQUESTS }))
        .route("/down", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let addr = serve(app).await;
    let get_err = |path: &str| {
        let req = request(&format!("http://{addr}/{path}"), json!({}), json!({}));
        async move {
            fetch(&client(), &req, &Validators::default())
                .await
                .unwrap_err()
        }
    };
    let retry = |e: &FetchError| match e {
        FetchError::RateLimited { retry_after, .. } => *retry_after,
        other => panic!("expected RateLimited, got {other:?}"),
    };

    let e = get_err("seconds").await;
    assert_eq!(retry(&e), Some(Duration::from_secs(7)));
    assert_eq!(
        e.to_string(),
        "127.0.0.1 asks to slow down (it answered 429 Too Many Requests); retry in 7 s"
    );
    assert_eq!(
        retry(&get_err("date").await),
        Some(Duration::from_secs(150))
    );
    assert_eq!(
        retry(&get_err("unavailable").await),
        Some(Duration::from_secs(120))
    );
    assert_eq!(retry(&get_err("bare429").await), None);
    let e = get_err("down").await;
    assert!(
        matches!(
            e,
            FetchError::Transient {
                status: Some(503),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "127.0.0.1 answered 503 Service Unavailable");
}

#[tokio::test]
async fn other_statuses_are_transient_and_say_the_status() {
    let app = Router::new()
        .route(
            "/gone",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"cod":"404","message":"city not found"}"#,
                )
            }),
        )
        .route("/boom", get(|| async { StatusCode::BAD_GATEWAY }));
    let addr = serve(app).await;
    let req = request(&format!("http://{addr}/gone"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            FetchError::Transient {
                status: Some(404),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "127.0.0.1 answered 404 Not Found: city not found"
    );
    let req = request(&format!("http://{addr}/boom"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "127.0.0.1 answered 502 Bad Gateway");
    assert_eq!(e.status(), Some(502));
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_transient() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            // Read (enough of) the request, promise 10 000 bytes, send 100, then reset.
            let mut buf = [0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&[b' '; 100]).await;
            let _ = socket.flush().await;
            let _ = socket.set_zero_linger();
            drop(socket);
        }
    });
    let req = request(&format!("http://{addr}/"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            FetchError::Transient {
                status: Some(200),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("the connection to 127.0.0.1 broke before the whole response arrived"),
        "{e}"
    );
}

#[tokio::test]
async fn garbage_and_wrong_shapes_are_bad_bodies() {
    let app = Router::new()
        .route(
            "/text",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain")],
                    fixture("fail_not_json.txt"),
                )
            }),
        )
        .route(
            "/login",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    fixture("fail_not_a_feed.html"),
                )
            }),
        )
        .route(
            "/truncated.xml",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/rss+xml")],
                    fixture("fail_truncated.xml"),
                )
            }),
        )
        .route(
            "/weather",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"list": []}"#,
                )
            }),
        );
    let addr = serve(app).await;
    let cases = [
        (
            "text",
            "json",
            "the response is not valid JSON (text/plain): ",
        ),
        ("login", "rss", "the response is an HTML page, not a feed"),
        ("truncated.xml", "rss", ""),
        (
            "weather",
            "openweather",
            "the response is not OpenWeather current weather",
        ),
    ];
    for (path, fetcher, prefix) in cases {
        let req = request(
            &format!("http://{addr}/{path}"),
            json!({"fetcher": fetcher}),
            json!({}),
        );
        let e = fetch(&client(), &req, &Validators::default())
            .await
            .unwrap_err();
        assert!(
            matches!(e, FetchError::BadBody { status: 200, .. }),
            "{path}: {e:?}"
        );
        assert!(e.to_string().starts_with(prefix), "{path}: {e}");
        assert!(e.sample().is_some_and(|s| !s.is_empty()), "{path}");
    }
}

#[tokio::test]
async fn a_feed_with_its_charset_only_in_the_content_type() {
    let app = Router::new().route(
        "/rss",
        get(|| async {
            (
                [(
                    header::CONTENT_TYPE,
                    "application/rss+xml; charset=ISO-8859-1",
                )],
                fixture("latin1_http_charset.xml"),
            )
        }),
    );
    let addr = serve(app).await;
    let req = request(
        "{{options.feed_url}}",
        json!({"fetcher": "rss"}),
        json!({"feed_url": format!("http://{addr}/rss")}),
    );
    let FetchOutcome::Fetched { data, .. } = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap()
    else {
        panic!("expected data")
    };
    assert_eq!(data["feed_title"], "Panadería Niño: novedades");
}

#[tokio::test]
async fn no_error_carries_a_credential_from_the_query() {
    // A server that echoes the request (as some APIs do in their error pages) and one that is
    // gone: neither error may reveal the appid, nor may the request's Debug.
    let app = Router::new()
        .route(
            "/echo",
            get(|req: Request| async move {
                let uri = req.uri().to_string();
                let key = req
                    .headers()
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "application/json")],
                    json!({"message": format!("upstream failed for {uri} (key {key})")})
                        .to_string(),
                )
            }),
        )
        .route("/slow", get(std::future::pending::<&'static str>))
        .route(
            "/self",
            get(|req: Request| async move {
                let uri = req.uri().to_string();
                axum::Json(json!({"links": {"self": uri}, "temperature": 4.5}))
            }),
        );
    let addr = serve(app).await;
    let closed = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let config = json!({
        "timeout": 300,
        "query": {"appid": "{{credentials.api_key}}", "units": "metric"},
        "headers": {"X-Api-Key": "{{credentials.api_key}}"}
    });
    for endpoint in [
        format!("http://{addr}/echo"),
        format!("http://{addr}/slow"),
        format!("http://{closed}/weather"),
        format!("http://{addr}/echo/{{{{credentials.api_key}}}}"),
    ] {
        let req = request(&endpoint, config.clone(), json!({}));
        let debug = format!("{req:?}");
        assert!(
            !debug.contains("7f3a9c1e"),
            "secret in request Debug: {debug}"
        );
        let e = fetch(&client(), &req, &Validators::default())
            .await
            .unwrap_err();
        assert_no_secret(&e);
        if !endpoint.contains("/echo") {
            // Millrace's own messages never show the query at all.
            assert!(!e.to_string().contains("appid"), "query in message: {e}");
        }
        if let Some(sample) = e.sample() {
            assert!(!sample.contains("7f3a9c1e"), "secret in sample: {sample}");
        }
    }
    // The echo's message itself is still shown, with the credential redacted.
    let req = request(&format!("http://{addr}/echo"), config.clone(), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("(key <redacted>)"), "{e}");
    // Widget data goes to every sign on the LAN: an echoed key is redacted there too.
    let req = request(&format!("http://{addr}/self"), config, json!({}));
    let FetchOutcome::Fetched { data, sample, .. } = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap()
    else {
        panic!("expected data")
    };
    assert_eq!(
        data,
        json!({"links": {"self": "/self?appid=<redacted>&units=metric"}, "temperature": 4.5})
    );
    assert!(!sample.contains("7f3a9c1e"), "{sample}");
}

#[tokio::test]
async fn gzip_bodies_are_decoded_and_corrupt_ones_are_bad_bodies() {
    // gzip of `{"temperature": 21.5}`.
    const GZIPPED: &[u8] = &[
        31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 171, 86, 42, 73, 205, 45, 72, 45, 74, 44, 41, 45, 74, 85,
        178, 82, 48, 50, 212, 51, 173, 5, 0, 235, 64, 221, 179, 21, 0, 0, 0,
    ];
    let seen = Seen::default();
    let app = Router::new()
        .route(
            "/ok",
            get(|State(seen): State<Seen>, headers: HeaderMap| async move {
                seen.record(&headers);
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    GZIPPED,
                )
            }),
        )
        .route(
            "/corrupt",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    // A valid gzip header, then bytes that are no deflate stream.
                    [&GZIPPED[..10], &[0xff; 40][..]].concat(),
                )
            }),
        )
        .with_state(seen.clone());
    let addr = serve(app).await;
    let req = request(&format!("http://{addr}/ok"), json!({}), json!({}));
    let FetchOutcome::Fetched { data, .. } = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap()
    else {
        panic!("expected data")
    };
    assert_eq!(data, json!({"temperature": 21.5}));
    assert!(seen.all()[0][header::ACCEPT_ENCODING]
        .to_str()
        .unwrap()
        .contains("gzip"));

    let req = request(&format!("http://{addr}/corrupt"), json!({}), json!({}));
    let e = fetch(&client(), &req, &Validators::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, FetchError::BadBody { status: 200, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("the response from 127.0.0.1 cannot be decompressed"),
        "{e}"
    );
}

#[test]
fn the_fetch_future_is_send() {
    // The scheduler runs pulls on a multi-threaded runtime.
    fn is_send<T: Send>(_: &T) {}
    let client = client();
    let req = request("http://127.0.0.1:9/", json!({}), json!({}));
    let validators = Validators::default();
    let pull = fetch(&client, &req, &validators);
    is_send(&pull);
}
