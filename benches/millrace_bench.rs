//! `millrace-bench`: every benchmark behind `docs/performance.md`, each figure printed next to a
//! baseline measured in the same run on the same machine, as a ratio (`value / baseline`).
//!
//! Run it with `scripts/bench` (release build; it also builds the headless binary the start-up
//! and memory figures spawn). `scripts/bench player` runs only the figures whose name contains
//! "player".
//!
//! | figure | baseline |
//! | --- | --- |
//! | player API 304 and 200, requests/s | a bare axum handler answering the same bytes, on the same server loop |
//! | change → SSE event at 1,000 subscribers (p50, p99) | a bare axum SSE endpoint fed by a broadcast channel, triggered by a POST |
//! | webhook ingest, verified deliveries/s | the signature check (`webhook::verify`) alone, on every core |
//! | pulls/s through the scheduler | the same fetches sent directly, as many at once as the scheduler allows |
//! | headless start-up to the first answered request | a bare axum server process |
//! | idle RSS, headless hub | a bare axum server process |
//! | idle RSS, desktop app (when built) | the headless hub |
//!
//! Load comes from a minimal HTTP/1.1 client over keep-alive TCP connections in this process, so
//! the client's own cost is small and the same for a figure and its baseline. Everything runs on
//! loopback; nothing reaches the internet.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use millrace::app::{App, Deps, RunningApp};
use millrace::config::Config;
use millrace::crypto::keystore::MemoryStore;
use millrace::pull::config::PullConfig;
use millrace::pull::{PullClient, PullRequest, TemplateContext, Validators};
use millrace::scheduler::{SchedulerSettings, Target};
use millrace::secret::SecretString;
use millrace::webhook::{self, VerifierConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

type Res<T> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const RSS_FIXTURE: &[u8] = include_bytes!("../tests/fixtures/pull/rss2_harbourside.xml");
const JSON_FIXTURE: &[u8] = include_bytes!("../tests/fixtures/pull/transit_departures.json");

/// One line of the table.
struct Row {
    figure: String,
    value: f64,
    baseline: f64,
    unit: &'static str,
    baseline_is: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--upstream") => return upstream_server(),
        Some("--scheduler-phase") => {
            return scheduler_phase(
                args.get(1).map_or("hub", String::as_str),
                args.get(2).map_or("", String::as_str),
            );
        }
        _ => {}
    }
    if args.first().map(String::as_str) == Some("--bare-server") {
        let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        bare_server(port);
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(run(filter));
}

async fn run(filter: Option<String>) {
    millrace::tls::install_provider();
    let started = Instant::now();
    println!("millrace-bench: {}", machine());
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut section = |name: &str, result: Res<Vec<Row>>| match result {
        Ok(r) => rows.extend(r),
        Err(e) => notes.push(format!("{name}: FAILED: {e}")),
    };
    if wanted("player") {
        section("player API", player_api().await);
    }
    if wanted("sse") {
        section("SSE fan-out", sse_latency().await);
    }
    if wanted("webhook") {
        section("webhook ingest", webhook_ingest().await);
    }
    if wanted("scheduler") {
        section("scheduler", scheduler_overhead().await);
    }
    if wanted("startup") {
        section("start-up", startup().await);
    }
    if wanted("rss") {
        match idle_rss().await {
            Ok((r, note)) => {
                rows.extend(r);
                notes.extend(note);
            }
            Err(e) => notes.push(format!("idle RSS: FAILED: {e}")),
        }
    }
    println!();
    println!("| figure | value | baseline | ratio |");
    println!("| --- | ---: | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {} {} | {} {} ({}) | {} |",
            r.figure,
            num(r.value),
            r.unit,
            num(r.baseline),
            r.unit,
            r.baseline_is,
            ratio(r.value / r.baseline)
        );
    }
    for n in &notes {
        println!("\n{n}");
    }
    println!(
        "\n(ratio = value / baseline; whole run {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    if notes.iter().any(|n| n.contains("FAILED")) {
        std::process::exit(1);
    }
}

/// A ratio with two decimals, or three significant digits when it is below 0.1.
fn ratio(r: f64) -> String {
    if r >= 0.1 || r == 0.0 {
        format!("{r:.2}")
    } else {
        let decimals = (2 - r.log10().floor() as i32).clamp(2, 9) as usize;
        format!("{r:.decimals$}")
    }
}

fn num(v: f64) -> String {
    if v >= 100.0 {
        let s = format!("{v:.0}");
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `nproc`, CPU model, RAM and kernel.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cpus} CPUs ({model}), {:.1} GiB RAM, Linux {}",
        ram_kib as f64 / 1024.0 / 1024.0,
        kernel.trim()
    )
}

// ---------------------------------------------------------------------------------------------
// Servers: the hub in process, bare baselines, a loopback upstream.

struct Hub {
    app: RunningApp,
    _dir: tempfile::TempDir,
    client: reqwest::Client,
}

impl Hub {
    async fn start() -> Res<Self> {
        let dir = tempfile::tempdir().map_err(err)?;
        let mut config = Config::new(dir.path().to_owned());
        config.admin_addr = "127.0.0.1:0".parse().unwrap();
        config.player_addr = "127.0.0.1:0".parse().unwrap();
        config.player_addr_from_settings = false;
        config.hooks_addr = "127.0.0.1:0".parse().unwrap();
        let app = App::start(
            config,
            Deps {
                keystore: Some(Arc::new(MemoryStore::new())),
                scheduler: Some(SchedulerSettings {
                    startup_spread: Duration::ZERO,
                    ..SchedulerSettings::default()
                }),
                ..Deps::default()
            },
        )
        .await
        .map_err(err)?;
        Ok(Self {
            app,
            _dir: dir,
            client: reqwest::Client::new(),
        })
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Res<Value> {
        let res = self
            .client
            .request(method, format!("http://{}{path}", self.app.addrs.admin))
            .bearer_auth(self.app.admin_token().expose())
            .json(&body)
            .send()
            .await
            .map_err(err)?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("{path}: {status} {body}"));
        }
        Ok(body)
    }

    async fn post(&self, path: &str, body: Value) -> Res<Value> {
        self.admin(reqwest::Method::POST, path, body).await
    }

    async fn player_data(&self, wc: &str) -> Res<(Value, Vec<u8>)> {
        let res = self
            .client
            .get(format!(
                "http://{}/api/widget-configs/{wc}/data",
                self.app.addrs.player
            ))
            .send()
            .await
            .map_err(err)?;
        let bytes = res.bytes().await.map_err(err)?.to_vec();
        Ok((serde_json::from_slice(&bytes).map_err(err)?, bytes))
    }

    /// A signed-webhook integration: (id, secret, widget config).
    async fn signed_webhook(&self, name: &str) -> Res<(i64, String, String)> {
        let id = self
            .post(
                "/admin/api/integrations",
                json!({"template": "signed-webhook", "name": name}),
            )
            .await?["id"]
            .as_i64()
            .ok_or("no id")?;
        let secret = self
            .post(
                &format!("/admin/api/integrations/{id}/webhook/secret"),
                json!({}),
            )
            .await?["secret"]
            .as_str()
            .ok_or("no secret")?
            .to_owned();
        let wc = self
            .post(
                "/admin/api/widget-configs",
                json!({"integration_id": id, "name": format!("{name} board")}),
            )
            .await?["id"]
            .as_str()
            .ok_or("no id")?
            .to_owned();
        Ok((id, secret, wc))
    }

    async fn stop(self) {
        self.app.shutdown().await;
    }
}

/// Serves `router` on a loopback port with the hub's own server loop (same hyper settings).
async fn serve_bare(router: Router) -> Res<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(err)?;
    let addr = listener.local_addr().map_err(err)?;
    tokio::spawn(millrace::http::serve(
        listener,
        router,
        std::future::pending(),
    ));
    Ok(addr)
}

/// The baseline process for start-up and memory: a bare axum server on `port` (0: any).
fn bare_server(port: u16) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        println!("listening on {}", listener.local_addr().expect("addr"));
        let router = Router::new().route(
            "/healthz",
            get(|| async { axum::Json(json!({"ok": true})) }),
        );
        axum::serve(listener, router).await.expect("serve");
    });
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 load generator.

/// Reads one response from `s` (keep-alive), using and refilling `buf`. Returns the status.
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> Res<u16> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.map_err(err)?;
        if n == 0 {
            return Err("connection closed".to_owned());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(err)?;
    let status: u16 = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.map_err(err)?;
        if n == 0 {
            return Err("connection closed mid-body".to_owned());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.drain(..head_end + len);
    Ok(status)
}

/// What a load run did.
struct Load {
    per_second: f64,
    statuses: BTreeMap<u16, u64>,
}

/// Sends `requests` (in turn, each at most once unless `cycle`) over `conns` keep-alive
/// connections for `dur` after a `warm_up`, and counts the answers inside the measured window.
async fn hammer(
    addr: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    cycle: bool,
    conns: usize,
    warm_up: Duration,
    dur: Duration,
) -> Res<Load> {
    let next = Arc::new(AtomicUsize::new(0));
    let counted = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let (measure_from, end) = (start + warm_up, start + warm_up + dur);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (requests, next, counted, measuring) = (
            Arc::clone(&requests),
            Arc::clone(&next),
            Arc::clone(&counted),
            Arc::clone(&measuring),
        );
        tasks.push(tokio::spawn(async move {
            let mut statuses = BTreeMap::new();
            let mut s = TcpStream::connect(addr).await.map_err(err)?;
            s.set_nodelay(true).map_err(err)?;
            let mut buf = Vec::new();
            let mut last = Instant::now();
            while Instant::now() < end {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let req = if cycle {
                    &requests[i % requests.len()]
                } else if let Some(r) = requests.get(i) {
                    r
                } else {
                    break;
                };
                s.write_all(req).await.map_err(err)?;
                let status = read_response(&mut s, &mut buf).await?;
                last = Instant::now();
                if last >= measure_from {
                    measuring.store(true, Ordering::Relaxed);
                    counted.fetch_add(1, Ordering::Relaxed);
                    *statuses.entry(status).or_insert(0u64) += 1;
                }
            }
            Ok::<_, String>((statuses, last))
        }));
    }
    let mut statuses = BTreeMap::new();
    let mut last_answer = start;
    for t in tasks {
        let (s, last) = t.await.map_err(err)??;
        last_answer = last_answer.max(last);
        for (k, v) in s {
            *statuses.entry(k).or_insert(0) += v;
        }
    }
    // Without `cycle` the requests may run out early: measure up to the last answer.
    let window = last_answer.min(end).saturating_duration_since(measure_from);
    let n = counted.load(Ordering::Relaxed);
    if n == 0 || window.is_zero() {
        return Err("no answers in the measured window".to_owned());
    }
    Ok(Load {
        per_second: n as f64 / window.as_secs_f64(),
        statuses,
    })
}

fn get_request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: millrace-bench\r\nX-Player-Id: bench\r\n\r\n")
        .into_bytes()
}

/// Runs `a` then `b` twice each, alternating, and keeps the best of each (less noise from
/// whatever else the machine is doing).
async fn best_of_alternating(
    a: (SocketAddr, Vec<u8>),
    b: (SocketAddr, Vec<u8>),
    expect: u16,
) -> Res<(f64, f64)> {
    let (mut best_a, mut best_b) = (0f64, 0f64);
    for _ in 0..2 {
        for (which, (addr, req)) in [(0, &a), (1, &b)] {
            let load = hammer(
                *addr,
                Arc::new(vec![req.clone()]),
                true,
                16,
                Duration::from_millis(500),
                Duration::from_secs(3),
            )
            .await?;
            if load.statuses.keys().any(|s| *s != expect) {
                return Err(format!("unexpected answers: {:?}", load.statuses));
            }
            if which == 0 {
                best_a = best_a.max(load.per_second);
            } else {
                best_b = best_b.max(load.per_second);
            }
        }
    }
    Ok((best_a, best_b))
}

// ---------------------------------------------------------------------------------------------
// 1. The player API.

async fn player_api() -> Res<Vec<Row>> {
    eprintln!("player API: 304 and 200 paths vs a bare axum handler…");
    let upstream = serve_bare(Router::new().route(
        "/feed.xml",
        get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], RSS_FIXTURE) }),
    ))
    .await?;
    let hub = Hub::start().await?;
    let rss = hub
        .post("/admin/api/integrations", json!({"template": "rss"}))
        .await?["id"]
        .as_i64()
        .ok_or("no id")?;
    let wc = hub
        .post(
            "/admin/api/widget-configs",
            json!({"integration_id": rss, "name": "Lobby", "options": {"feed_url": format!("http://{upstream}/feed.xml")}}),
        )
        .await?["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    let (data, body) = loop {
        let (d, bytes) = hub.player_data(&wc).await?;
        if d["status"] == "ok" {
            break (d, bytes);
        }
        if Instant::now() > deadline {
            return Err(format!("the feed was never pulled: {d}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let version = data["version"].as_i64().ok_or("no version")?;
    let etag = format!("\"{version}\"");
    let body = bytes::Bytes::from(body);
    let body_len = body.len();
    let bare = serve_bare(
        Router::new()
            .route(
                "/304",
                get({
                    let etag = etag.clone();
                    move || async move {
                        (
                            StatusCode::NOT_MODIFIED,
                            [
                                (header::ETAG, etag),
                                (header::CACHE_CONTROL, "no-cache".to_owned()),
                            ],
                        )
                    }
                }),
            )
            .route(
                "/200",
                get(move || async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json".to_owned()),
                            (header::ETAG, etag),
                            (header::CACHE_CONTROL, "no-cache".to_owned()),
                        ],
                        body,
                    )
                }),
            ),
    )
    .await?;
    let player = hub.app.addrs.player;
    let path = format!("/api/widget-configs/{wc}/data");
    let (hub_304, bare_304) = best_of_alternating(
        (player, get_request(&format!("{path}?version={version}"))),
        (bare, get_request("/304")),
        304,
    )
    .await?;
    let (hub_200, bare_200) = best_of_alternating(
        (player, get_request(&path)),
        (bare, get_request("/200")),
        200,
    )
    .await?;
    hub.stop().await;
    Ok(vec![
        Row {
            figure: "player API, 304 (sign holds the current version), 16 connections".to_owned(),
            value: hub_304,
            baseline: bare_304,
            unit: "req/s",
            baseline_is: "bare axum handler answering 304".to_owned(),
        },
        Row {
            figure: format!(
                "player API, 200 with the data ({body_len} B, RSS feed), 16 connections"
            ),
            value: hub_200,
            baseline: bare_200,
            unit: "req/s",
            baseline_is: "bare axum handler answering the same bytes".to_owned(),
        },
    ])
}

// ---------------------------------------------------------------------------------------------
// 2. Change → SSE event at 1,000 subscribers.

const SUBSCRIBERS: usize = 1000;
const CHANGES: usize = 20;

/// Opens `SUBSCRIBERS` SSE streams at `path`; each sends the time it saw each `event: version`.
async fn subscribe(
    addr: SocketAddr,
    path: &str,
) -> Res<(
    tokio::sync::mpsc::UnboundedReceiver<Instant>,
    Vec<tokio::task::JoinHandle<()>>,
)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    let request = get_request(path);
    for _ in 0..SUBSCRIBERS {
        let mut s = TcpStream::connect(addr).await.map_err(err)?;
        s.set_nodelay(true).map_err(err)?;
        s.write_all(&request).await.map_err(err)?;
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            const NEEDLE: &[u8] = b"event: version";
            let mut buf = [0u8; 4096];
            let mut tail: Vec<u8> = Vec::new();
            loop {
                let Ok(n) = s.read(&mut buf).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                let now = Instant::now();
                tail.extend_from_slice(&buf[..n]);
                let hits = tail.windows(NEEDLE.len()).filter(|w| *w == NEEDLE).count();
                for _ in 0..hits {
                    let _ = tx.send(now);
                }
                // Keep only what could start a needle split across reads.
                let keep = tail.len().min(NEEDLE.len() - 1);
                tail.drain(..tail.len() - keep);
                if hits > 0 {
                    tail.clear();
                }
            }
        }));
    }
    Ok((rx, tasks))
}

async fn collect(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Instant>,
    n: usize,
) -> Res<Vec<Instant>> {
    let mut out = Vec::with_capacity(n);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while out.len() < n {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(t)) => out.push(t),
            _ => {
                return Err(format!(
                    "only {} of {n} subscribers got the event",
                    out.len()
                ))
            }
        }
    }
    Ok(out)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Latencies in ms of `CHANGES` changes made by `change(i)`, seen by every subscriber.
async fn fan_out<F, Fut>(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Instant>,
    mut change: F,
) -> Res<Vec<f64>>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Res<()>>,
{
    collect(rx, SUBSCRIBERS).await?; // the current version, sent on connect
    let mut latencies = Vec::new();
    for i in 0..CHANGES {
        let t0 = Instant::now();
        change(i).await?;
        for t in collect(rx, SUBSCRIBERS).await? {
            latencies.push(t.duration_since(t0).as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    latencies.sort_by(f64::total_cmp);
    Ok(latencies)
}

async fn sse_latency() -> Res<Vec<Row>> {
    eprintln!("SSE: change → event at {SUBSCRIBERS} subscribers vs a bare broadcast endpoint…");
    // The hub: a verified webhook delivery changes a widget its 1,000 signs follow.
    let hub = Hub::start().await?;
    let (id, secret, wc) = hub.signed_webhook("Fan-out").await?;
    let (mut rx, tasks) = subscribe(
        hub.app.addrs.player,
        &format!("/api/events?widget_config_id={wc}"),
    )
    .await?;
    let hooks = hub.app.addrs.hooks;
    let client = reqwest::Client::new();
    let cfg: VerifierConfig =
        serde_json::from_value(json!({"scheme": "standard_webhooks"})).map_err(err)?;
    let secret = SecretString::new(secret);
    let hub_lat = fan_out(&mut rx, |i| {
        let body = serde_json::to_vec(&json!({"headline": format!("change {i}")})).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut req = client
            .post(format!("http://{hooks}/webhooks/integrations/{id}"))
            .header("content-type", "application/json")
            .body(body.clone());
        for (k, v) in webhook::sign(&cfg, &secret, &body, now, &format!("fan-{i}")) {
            req = req.header(k, v);
        }
        async move {
            let res = req.send().await.map_err(err)?;
            if res.status() != 200 {
                return Err(format!("delivery answered {}", res.status()));
            }
            Ok(())
        }
    })
    .await?;
    for t in tasks {
        t.abort();
    }
    hub.stop().await;

    // The baseline: a POST that sends on a broadcast channel, and an SSE endpoint forwarding it.
    let (tx, _) = tokio::sync::broadcast::channel::<u64>(64);
    let sse_tx = tx.clone();
    let bare = serve_bare(
        Router::new()
            .route(
                "/events",
                get(move || {
                    let rx = sse_tx.subscribe();
                    async move { axum::response::sse::Sse::new(version_events(rx)).into_response() }
                }),
            )
            .route(
                "/change",
                post(move || {
                    let tx = tx.clone();
                    async move {
                        let _ = tx.send(1);
                        StatusCode::OK
                    }
                }),
            ),
    )
    .await?;
    let (mut rx, tasks) = subscribe(bare, "/events").await?;
    let bare_lat = fan_out(&mut rx, |_| {
        let req = client.post(format!("http://{bare}/change")).send();
        async move {
            req.await.map_err(err)?;
            Ok(())
        }
    })
    .await?;
    for t in tasks {
        t.abort();
    }
    let row = |name: &str, p: f64| Row {
        figure: format!(
            "change → SSE event at {SUBSCRIBERS} subscribers, {name} ({CHANGES} changes)"
        ),
        value: percentile(&hub_lat, p),
        baseline: percentile(&bare_lat, p),
        unit: "ms",
        baseline_is: "bare broadcast → SSE endpoint, POST-triggered".to_owned(),
    };
    Ok(vec![row("median", 0.5), row("99th percentile", 0.99)])
}

/// The baseline's SSE stream: version 0 at once, then one event per broadcast.
fn version_events(
    rx: tokio::sync::broadcast::Receiver<u64>,
) -> impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>
{
    futures_util::stream::unfold((rx, true), |(mut rx, first)| async move {
        let v = if first {
            0
        } else {
            loop {
                match rx.recv().await {
                    Ok(v) => break v,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        };
        let event = axum::response::sse::Event::default()
            .event("version")
            .id(v.to_string())
            .data(json!({"widget_config_id": "w", "version": v}).to_string());
        Some((Ok(event), (rx, false)))
    })
}

// ---------------------------------------------------------------------------------------------
// 3. Webhook ingest.

const INGEST_INTEGRATIONS: usize = 40;
/// Under each integration's burst of 600 deliveries, so the rate limit never answers.
const INGEST_PER_INTEGRATION: usize = 550;

async fn webhook_ingest() -> Res<Vec<Row>> {
    eprintln!("webhook ingest: verified deliveries/s vs the signature check alone…");
    let hub = Hub::start().await?;
    let cfg: VerifierConfig =
        serde_json::from_value(json!({"scheme": "standard_webhooks"})).map_err(err)?;
    let mut hooks = Vec::new();
    for i in 0..INGEST_INTEGRATIONS {
        let (id, secret, _) = hub.signed_webhook(&format!("Ingest {i}")).await?;
        hooks.push((id, SecretString::new(secret)));
    }
    let payload = |seq: usize| {
        serde_json::to_vec(&json!({
            "type": "article.published", "seq": seq,
            "data": {"headline": format!("Headline number {seq}"), "summary": "x".repeat(800),
                     "author": "Newsroom", "published": "2026-01-01T12:00:00Z"}
        }))
        .unwrap()
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut requests = Vec::with_capacity(INGEST_INTEGRATIONS * INGEST_PER_INTEGRATION);
    for seq in 0..INGEST_INTEGRATIONS * INGEST_PER_INTEGRATION {
        let (id, secret) = &hooks[seq % hooks.len()];
        let body = payload(seq);
        let mut req = format!("POST /webhooks/integrations/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in webhook::sign(&cfg, secret, &body, now, &format!("ingest-{seq}")) {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(&body);
        requests.push(bytes);
    }
    let load = hammer(
        hub.app.addrs.hooks,
        Arc::new(requests),
        false,
        16,
        Duration::from_millis(500),
        Duration::from_secs(5),
    )
    .await?;
    hub.stop().await;
    if load.statuses.keys().any(|s| *s != 200) {
        return Err(format!(
            "not every delivery was accepted: {:?}",
            load.statuses
        ));
    }

    // The baseline: `webhook::verify` of one such delivery, in a loop on every core.
    let body = payload(0);
    let secret = hooks[0].1.clone();
    let mut headers = axum::http::HeaderMap::new();
    for (k, v) in webhook::sign(&cfg, &secret, &body, now, "hmac-only") {
        headers.insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).map_err(err)?,
            axum::http::HeaderValue::from_str(&v).map_err(err)?,
        );
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let total = Arc::new(AtomicU64::new(0));
    let run_for = Duration::from_secs(2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (cfg, secret, headers, body, total) = (&cfg, &secret, &headers, &body, &total);
            scope.spawn(move || {
                let secrets = [secret.clone()];
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < run_for {
                    assert!(webhook::verify(cfg, &secrets, headers, body, now).is_ok());
                    n += 1;
                }
                total.fetch_add(n, Ordering::Relaxed);
            });
        }
    });
    let verify_rate = total.load(Ordering::Relaxed) as f64 / run_for.as_secs_f64();
    Ok(vec![Row {
        figure: format!(
            "webhook ingest, verified + stored deliveries ({} B, Standard Webhooks), 16 connections",
            body.len()
        ),
        value: load.per_second,
        baseline: verify_rate,
        unit: "/s",
        baseline_is: format!("webhook::verify alone on {threads} threads"),
    }])
}

// ---------------------------------------------------------------------------------------------
// 4. Scheduler overhead: issue 4's simulated hour. Each side runs in its own process (this binary
// with `--scheduler-phase`), against an upstream in a third process, so each process's CPU time
// and memory are its own.

/// Data keys, and widget configs sharing them.
const PULL_KEYS: usize = 1_000;
const WIDGET_CONFIGS: usize = 10_000;
/// The pull interval of the simulated integration; an hour is `3600 / PULL_INTERVAL_S` rounds.
const PULL_INTERVAL_S: usize = 300;
const ROUNDS_PER_HOUR: usize = 3600 / PULL_INTERVAL_S;

/// What one side of the scheduler benchmark measured (printed by the child as one JSON line).
#[derive(serde::Serialize, serde::Deserialize)]
struct PhaseReport {
    /// CPU time (user + system) of the process over the simulated hour, seconds.
    cpu_s: f64,
    /// Wall time of the simulated hour, seconds.
    wall_s: f64,
    /// Pulls made during the hour.
    pulls: usize,
    /// VmRSS before anything was set up, when the hour starts (everything placed and pulled
    /// once), and at its end, MiB.
    rss_start_mib: f64,
    rss_hour_start_mib: f64,
    rss_hour_end_mib: f64,
    /// The highest VmRSS seen during the hour, MiB.
    rss_hour_peak_mib: f64,
}

/// User + system CPU time of this process, from `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    // After the name: state(3) ppid(4) … utime(14) stime(15); index 11 and 12 from here.
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn current_rss_mib() -> f64 {
    rss_kib(std::process::id()).unwrap_or(0) as f64 / 1024.0
}

/// Samples this process's VmRSS every 20 ms until dropped; `peak()` is the highest seen.
struct PeakRss {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl PeakRss {
    fn start() -> Self {
        let peak = Arc::new(AtomicU64::new(rss_kib(std::process::id()).unwrap_or(0)));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (Arc::clone(&peak), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(kib) = rss_kib(std::process::id()) {
                    p.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self { peak, stop }
    }

    fn peak_mib(&self) -> f64 {
        if let Some(kib) = rss_kib(std::process::id()) {
            self.peak.fetch_max(kib, Ordering::Relaxed);
        }
        self.peak.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

impl Drop for PeakRss {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The upstream process: `GET /k/{key}` answers the departures fixture with a counter, so every
/// pull is new data (a version, a store, a notification: the scheduler's whole path).
fn upstream_server() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let counter = Arc::new(AtomicU64::new(0));
        let board: Value = serde_json::from_slice(JSON_FIXTURE).expect("the fixture");
        let count = Arc::clone(&counter);
        let router = Router::new()
            .route(
                "/count",
                get(move || async move { count.load(Ordering::Relaxed).to_string() }),
            )
            .route(
                "/k/{key}",
                get(
                    move |axum::extract::Path(key): axum::extract::Path<String>| {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let board = board.clone();
                        async move { axum::Json(json!({"key": key, "n": n, "board": board})) }
                    },
                ),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("{}", listener.local_addr().expect("addr"));
        millrace::http::serve(listener, router, std::future::pending())
            .await
            .expect("serve");
    });
}

fn upstream_endpoint(upstream: &str) -> String {
    format!("http://{upstream}/k/{{{{options.path}}}}")
}

/// `--scheduler-phase hub|plain UPSTREAM`: one side of the scheduler benchmark, in this process.
fn scheduler_phase(which: &str, upstream: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let report = rt.block_on(async move {
        millrace::tls::install_provider();
        match which {
            "hub" => scheduler_hub_hour(upstream).await,
            _ => plain_fetch_hour(upstream).await,
        }
    });
    match report {
        Ok(r) => println!("{}", serde_json::to_string(&r).expect("a report")),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// The hub in this process with 10,000 widget configs over 1,000 keys; the simulated hour is
/// `ROUNDS_PER_HOUR` rounds in which every key comes due once (what its interval does in an hour).
async fn scheduler_hub_hour(upstream: &str) -> Res<PhaseReport> {
    let rss_start_mib = current_rss_mib();
    let hub = Hub::start().await?;
    let state = hub.app.state().clone();
    // Place every widget while paused, then let the scheduler take them all at once.
    state.scheduler.set_paused(true);
    let integration = hub
        .post(
            "/admin/api/integrations",
            json!({
                "widget": "json", "name": "Bench feed", "integration_type": "pull",
                "config_schema": {"path": {"type": "string", "required": true}},
                "pull_endpoint": upstream_endpoint(upstream),
                "pull_interval_seconds": PULL_INTERVAL_S,
                "pull_config": {"fetcher": "json", "timeout": 5000},
                "data_key": "widget_option:path"
            }),
        )
        .await?["id"]
        .as_i64()
        .ok_or("no id")?;
    let hub = Arc::new(hub);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (hub, next) = (Arc::clone(&hub), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= WIDGET_CONFIGS {
                    return Ok::<_, String>(());
                }
                hub.post(
                    "/admin/api/widget-configs",
                    json!({
                        "integration_id": integration,
                        "name": format!("Sign {n}"),
                        "options": {"path": format!("k{}", n % PULL_KEYS)}
                    }),
                )
                .await?;
            }
        }));
    }
    for w in workers {
        w.await.map_err(err)??;
    }
    // Counts widget notifications: a round is over when every widget config has a new version.
    let mut changes = state.cache.subscribe();
    let mut wait_round = async |what: &str| -> Res<()> {
        let mut seen = 0usize;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while seen < WIDGET_CONFIGS {
            match tokio::time::timeout_at(deadline, changes.recv()).await {
                Ok(Ok(change)) => seen += change.widgets.len(),
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))) => {
                    return Err(format!("{what}: the benchmark's listener lagged by {n}"));
                }
                Ok(Err(e)) => return Err(format!("{what}: {e}")),
                Err(_) => {
                    return Err(format!(
                    "{what}: only {seen} of {WIDGET_CONFIGS} widget configs got new data in 120 s"
                ))
                }
            }
        }
        Ok(())
    };
    state.scheduler.set_paused(false);
    wait_round("the first pulls").await?;
    state.scheduler.sync().await;

    let requests_before = upstream_requests(upstream).await?;
    let rss_hour_start_mib = current_rss_mib();
    let hour_peak = PeakRss::start();
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    for round in 0..ROUNDS_PER_HOUR {
        state.scheduler.run_fresh(Target::All);
        wait_round(&format!("round {round}")).await?;
    }
    let wall_s = t0.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    let pulls = (upstream_requests(upstream).await? - requests_before) as usize;
    let rss_hour_peak_mib = hour_peak.peak_mib();
    let rss_hour_end_mib = current_rss_mib();
    match Arc::try_unwrap(hub) {
        Ok(hub) => hub.stop().await,
        Err(_) => return Err("the hub is still shared".to_owned()),
    }
    Ok(PhaseReport {
        cpu_s,
        wall_s,
        pulls,
        rss_start_mib,
        rss_hour_start_mib,
        rss_hour_end_mib,
        rss_hour_peak_mib,
    })
}

/// Requests the upstream has answered so far (its `GET /count`).
async fn upstream_requests(upstream: &str) -> Res<u64> {
    reqwest::get(format!("http://{upstream}/count"))
        .await
        .map_err(err)?
        .text()
        .await
        .map_err(err)?
        .trim()
        .parse()
        .map_err(err)
}

/// The baseline: the same hour's fetches (and JSON mapping) sent directly, as many at once as
/// the scheduler runs, with nothing stored.
async fn plain_fetch_hour(upstream: &str) -> Res<PhaseReport> {
    let rss_start_mib = current_rss_mib();
    let concurrency = SchedulerSettings::default().max_concurrent;
    let client = PullClient::new().map_err(err)?;
    let config = PullConfig::default();
    let creds = BTreeMap::new();
    let endpoint = upstream_endpoint(upstream);
    let mut requests = Vec::new();
    for k in 0..PULL_KEYS {
        let options = json!({"path": format!("k{k}")})
            .as_object()
            .cloned()
            .ok_or("options")?;
        let ctx = TemplateContext {
            options: &options,
            credentials: &creds,
        };
        requests.push(PullRequest::from_integration(&endpoint, &config, &ctx).map_err(err)?);
    }
    let requests = Arc::new(requests);
    let rss_hour_start_mib = current_rss_mib();
    let hour_peak = PeakRss::start();
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut pulls = 0;
    for _ in 0..ROUNDS_PER_HOUR {
        let next = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let (client, requests, next) =
                (client.clone(), Arc::clone(&requests), Arc::clone(&next));
            workers.push(tokio::spawn(async move {
                let mut done = 0usize;
                while let Some(r) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                    millrace::pull::fetch(&client, r, &Validators::default())
                        .await
                        .map_err(|e| e.to_string())?;
                    done += 1;
                }
                Ok::<_, String>(done)
            }));
        }
        for w in workers {
            pulls += w.await.map_err(err)??;
        }
    }
    Ok(PhaseReport {
        cpu_s: cpu_seconds() - cpu0,
        wall_s: t0.elapsed().as_secs_f64(),
        pulls,
        rss_start_mib,
        rss_hour_start_mib,
        rss_hour_end_mib: current_rss_mib(),
        rss_hour_peak_mib: hour_peak.peak_mib(),
    })
}

fn run_phase(which: &str, upstream: &str) -> Res<PhaseReport> {
    let out = std::process::Command::new(std::env::current_exe().map_err(err)?)
        .args(["--scheduler-phase", which, upstream])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(err)?;
    if !out.status.success() {
        return Err(format!("the {which} side failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().ok_or("no report")?;
    serde_json::from_str(line).map_err(|e| format!("{which} report {line:?}: {e}"))
}

async fn scheduler_overhead() -> Res<Vec<Row>> {
    eprintln!(
        "scheduler: a simulated hour of {WIDGET_CONFIGS} widget configs over {PULL_KEYS} keys every {PULL_INTERVAL_S} s, vs the same fetches in a plain loop…"
    );
    let mut upstream = std::process::Command::new(std::env::current_exe().map_err(err)?)
        .arg("--upstream")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(err)?;
    let mut line = String::new();
    {
        use std::io::BufRead as _;
        let stdout = upstream.stdout.take().ok_or("no upstream stdout")?;
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(err)?;
    }
    let upstream = Child(upstream);
    let addr = line.trim().to_owned();
    let result = (|| {
        let plain = run_phase("plain", &addr)?;
        let hub = run_phase("hub", &addr)?;
        Ok::<_, String>((plain, hub))
    })();
    drop(upstream);
    let (plain, hub) = result?;
    if hub.pulls != plain.pulls {
        return Err(format!(
            "the hub made {} pulls in the hour, the plain loop {}",
            hub.pulls, plain.pulls
        ));
    }
    let hour = format!(
        "{WIDGET_CONFIGS} widget configs over {PULL_KEYS} keys, {PULL_INTERVAL_S} s interval: {} pulls",
        hub.pulls
    );
    Ok(vec![
        Row {
            figure: format!("scheduler: CPU time per simulated hour ({hour})"),
            value: hub.cpu_s,
            baseline: plain.cpu_s,
            unit: "CPU s",
            baseline_is: "the same fetches + mapping in a plain loop".to_owned(),
        },
        Row {
            figure: format!("scheduler: wall time of the hour's pulls, {} at a time", SchedulerSettings::default().max_concurrent),
            value: hub.wall_s,
            baseline: plain.wall_s,
            unit: "s",
            baseline_is: "the same fetches + mapping in a plain loop".to_owned(),
        },
        Row {
            figure: format!("scheduler: memory at the end of the hour, whole process (hub: {WIDGET_CONFIGS} widget configs and {PULL_KEYS} cached keys)"),
            value: hub.rss_hour_end_mib,
            baseline: plain.rss_hour_end_mib,
            unit: "MiB",
            baseline_is: "the plain loop's process".to_owned(),
        },
        Row {
            figure: "scheduler: memory, peak growth during the hour (above the RSS it started with)".to_owned(),
            value: (hub.rss_hour_peak_mib - hub.rss_hour_start_mib).max(0.01),
            baseline: (plain.rss_hour_peak_mib - plain.rss_hour_start_mib).max(0.01),
            unit: "MiB",
            baseline_is: "the plain loop's process".to_owned(),
        },
    ])
}

// ---------------------------------------------------------------------------------------------
// 5. Start-up, and 6. idle memory: separate processes.

fn hub_binary() -> PathBuf {
    std::env::var_os("MILLRACE_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/millrace"),
        PathBuf::from,
    )
}

fn free_port() -> Res<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
    Ok(l.local_addr().map_err(err)?.port())
}

/// A child process that is killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_hub(data_dir: &Path, admin_port: u16) -> Res<Child> {
    std::process::Command::new(hub_binary())
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--keystore", "file"])
        .args(["--admin-addr", &format!("127.0.0.1:{admin_port}")])
        .args(["--player-addr", "127.0.0.1:0"])
        .args(["--hooks-addr", "127.0.0.1:0"])
        .env("DBUS_SESSION_BUS_ADDRESS", "disabled:")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(Child)
        .map_err(|e| {
            format!(
                "{}: {e} (build it: cargo build --release)",
                hub_binary().display()
            )
        })
}

fn spawn_bare(port: u16) -> Res<Child> {
    std::process::Command::new(std::env::current_exe().map_err(err)?)
        .args(["--bare-server", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(Child)
        .map_err(err)
}

/// Polls `GET /healthz` on `port` until it answers 200; returns when it did.
async fn first_answer(port: u16, limit: Duration) -> Res<Instant> {
    let start = Instant::now();
    let req = get_request("/healthz");
    while start.elapsed() < limit {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await {
            if s.write_all(&req).await.is_ok() {
                let mut buf = Vec::new();
                if let Ok(200) = read_response(&mut s, &mut buf).await {
                    return Ok(Instant::now());
                }
            }
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    Err(format!("nothing answered on port {port} within {limit:?}"))
}

async fn startup() -> Res<Vec<Row>> {
    eprintln!("start-up: headless hub vs a bare axum server process…");
    const RUNS: usize = 10;
    let (mut hub_ms, mut bare_ms) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().map_err(err)?;
        let port = free_port()?;
        let t0 = Instant::now();
        let child = spawn_hub(dir.path(), port)?;
        let t1 = first_answer(port, Duration::from_secs(30)).await?;
        hub_ms.push(t1.duration_since(t0).as_secs_f64() * 1000.0);
        drop(child);

        let port = free_port()?;
        let t0 = Instant::now();
        let child = spawn_bare(port)?;
        let t1 = first_answer(port, Duration::from_secs(30)).await?;
        bare_ms.push(t1.duration_since(t0).as_secs_f64() * 1000.0);
        drop(child);
    }
    hub_ms.sort_by(f64::total_cmp);
    bare_ms.sort_by(f64::total_cmp);
    Ok(vec![Row {
        figure: format!(
            "headless start-up to the first answered request, fresh data dir (median of {RUNS})"
        ),
        value: hub_ms[RUNS / 2],
        baseline: bare_ms[RUNS / 2],
        unit: "ms",
        baseline_is: "bare axum server process".to_owned(),
    }])
}

fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// A `/proc/<pid>/status` figure in KiB (`VmRSS:`, `RssAnon:`…).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `pid` and every descendant, from `/proc/*/stat`.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
                continue;
            };
            // The field after the parenthesised name: state, then the parent id.
            let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
            if let Some(ppid) = after
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u32>().ok())
            {
                parents.push((p, ppid));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

async fn warm_requests(port: u16, token: Option<&str>) {
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let mut req = client.get(format!("http://127.0.0.1:{port}/healthz"));
        if let Some(t) = token {
            req = client
                .get(format!("http://127.0.0.1:{port}/admin/api/status"))
                .bearer_auth(t);
        }
        let _ = req.send().await;
        let _ = client.get(format!("http://127.0.0.1:{port}/")).send().await;
    }
}

async fn idle_rss() -> Res<(Vec<Row>, Vec<String>)> {
    eprintln!("idle RSS: headless hub vs a bare axum server process (5 s idle each)…");
    let idle = Duration::from_secs(5);
    let dir = tempfile::tempdir().map_err(err)?;
    let port = free_port()?;
    let hub = spawn_hub(dir.path(), port)?;
    first_answer(port, Duration::from_secs(30)).await?;
    let token = std::fs::read_to_string(dir.path().join("admin-token")).map_err(err)?;
    warm_requests(port, Some(token.trim())).await;
    let bare_port = free_port()?;
    let bare = spawn_bare(bare_port)?;
    first_answer(bare_port, Duration::from_secs(30)).await?;
    warm_requests(bare_port, None).await;
    tokio::time::sleep(idle).await;
    let hub_rss = rss_kib(hub.0.id()).ok_or("no VmRSS for the hub")? as f64 / 1024.0;
    let bare_rss = rss_kib(bare.0.id()).ok_or("no VmRSS for the bare server")? as f64 / 1024.0;
    let anon = |pid: u32| status_kib(pid, "RssAnon:").map_or(0.0, |k| k as f64 / 1024.0);
    let (hub_anon, bare_anon) = (anon(hub.0.id()), anon(bare.0.id()));
    drop((hub, bare));
    let mut rows = vec![Row {
        figure: "idle RSS, headless hub (release), empty database, after a few admin requests"
            .to_owned(),
        value: hub_rss,
        baseline: bare_rss,
        unit: "MiB",
        baseline_is: "bare axum server process".to_owned(),
    }];
    let mut notes = vec![format!(
        "idle RSS: of which private (RssAnon): hub {hub_anon:.1} MiB, bare axum server {bare_anon:.1} MiB; the rest is the executable's pages (shared, clean, from the page cache)"
    )];
    match desktop_rss(idle).await {
        Ok(Some(mib)) => rows.push(Row {
            figure: "idle RSS, desktop app under Xvfb (app + WebKit processes)".to_owned(),
            value: mib,
            baseline: hub_rss,
            unit: "MiB",
            baseline_is: "headless hub".to_owned(),
        }),
        Ok(None) => notes.push(
            "idle RSS, desktop app: not built (cargo build --release -p millrace-desktop, or set MILLRACE_DESKTOP_BIN)".to_owned(),
        ),
        Err(e) => notes.push(format!("idle RSS, desktop app: FAILED: {e}")),
    }
    Ok((rows, notes))
}

/// The desktop app's idle RSS (its whole process tree, WebKit included) in MiB, or `None` when
/// it is not built or Xvfb is missing.
async fn desktop_rss(idle: Duration) -> Res<Option<f64>> {
    let bin = std::env::var_os("MILLRACE_DESKTOP_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/millrace-desktop"),
        PathBuf::from,
    );
    let has_xvfb = std::process::Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !bin.exists() || !has_xvfb {
        return Ok(None);
    }
    eprintln!("idle RSS: desktop app under Xvfb…");
    let dir = tempfile::tempdir().map_err(err)?;
    let log = dir.path().join("desktop.log");
    let data = dir.path().join("data");
    let xvfb = std::process::Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(&bin)
        .env("MILLRACE_DATA_DIR", &data)
        .env("MILLRACE_ADMIN_ADDR", "127.0.0.1:0")
        .env("MILLRACE_PLAYER_ADDR", "127.0.0.1:0")
        .env("MILLRACE_HOOKS_ADDR", "127.0.0.1:0")
        .env("MILLRACE_KEYSTORE", "file")
        .env("DBUS_SESSION_BUS_ADDRESS", "disabled:")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).map_err(err)?)
        .spawn()
        .map(Child)
        .map_err(err)?;
    // Its admin listener, from the log ("admin=127.0.0.1:PORT").
    let deadline = Instant::now() + Duration::from_secs(60);
    let admin_port = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(port) = text.split("admin=127.0.0.1:").nth(1).and_then(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<u16>()
                .ok()
        }) {
            break port;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the desktop app never reported its admin address:\n{text}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    first_answer(admin_port, Duration::from_secs(30)).await?;
    // Let the window load the UI, then sit idle.
    tokio::time::sleep(Duration::from_secs(5) + idle).await;
    let app_pid = process_tree(xvfb.0.id())
        .into_iter()
        .find(|p| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .is_ok_and(|e| e.file_name() == bin.file_name())
        })
        .ok_or("the desktop process was not found under xvfb-run")?;
    let kib: u64 = process_tree(app_pid).into_iter().filter_map(rss_kib).sum();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &app_pid.to_string()])
        .status();
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(xvfb);
    Ok(Some(kib as f64 / 1024.0))
}
