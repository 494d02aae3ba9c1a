//! Upstream chaos: the real binary pulls 35 data keys from a loopback upstream that, after
//! serving good data once, misbehaves in every way the pull client must survive — no answer at
//! all, a body that trickles in, a connection reset mid-body, bytes that are not JSON, a body
//! that never ends, redirects in a loop and a redirect chain that never ends.
//!
//! What it proves:
//! - **Players always get the last good data.** Signs poll every key throughout; every answer
//!   carries exactly the data of the last good pull (marked stale once the key has failed).
//! - **Each fault is really exercised**: every key ends up `error` with the message of its
//!   fault (time-out, cut connection, not JSON, over the 5 MiB cap, redirect loop…).
//! - **Memory stays bounded.** The hub's peak resident memory (`VmHWM` from `/proc`, the true
//!   high-water mark, not a sample) during the chaos stays within a fixed allowance above its
//!   peak after the good pulls — endless bodies at loopback speed would otherwise take gigabytes
//!   within the 2 s pull timeout. (The binary is the debug build; the allowance is generous on
//!   purpose: it tells bounded from unbounded, it does not measure footprint.)
//! - **Every key recovers by itself** once the upstream is good again — through its own
//!   backoff, which is capped at the pull interval; nobody presses Refresh.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::common::process::HubProcess;
use crate::common::{eventually, fixture};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Accepts the connection and never answers.
    Silent,
    /// Sends the headers, then one byte every 200 ms.
    Trickle,
    /// Sends part of the promised body, then resets the connection.
    Reset,
    /// 200 with bytes that are not JSON.
    Garbage,
    /// 200 with a body that never ends, as fast as loopback allows.
    Endless,
    /// 302 to a second URL that redirects back.
    RedirectLoop,
    /// 302 to a new URL every time, forever.
    RedirectChain,
}

const FAULTS: [Fault; 7] = [
    Fault::Silent,
    Fault::Trickle,
    Fault::Reset,
    Fault::Garbage,
    Fault::Endless,
    Fault::RedirectLoop,
    Fault::RedirectChain,
];

impl Fault {
    /// Words the hub's error message for this fault must contain.
    fn message(self) -> &'static str {
        match self {
            Self::Silent => "no answer from",
            Self::Trickle => "did not finish within",
            Self::Reset => "broke before the whole response arrived",
            Self::Garbage => "not valid JSON",
            Self::Endless => "larger than 5 MiB",
            Self::RedirectLoop => "redirects in a loop",
            Self::RedirectChain => "too many redirects",
        }
    }
}

const KEYS_PER_FAULT: usize = 5;

/// What the upstream serves now.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Good JSON, marked with this generation.
    Good(u32),
    /// Key `i` misbehaves as `FAULTS[i % 7]`.
    Chaos,
}

struct ChaosUpstream {
    addr: SocketAddr,
    phase: Arc<Mutex<Phase>>,
    task: tokio::task::JoinHandle<()>,
}

impl ChaosUpstream {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let phase = Arc::new(Mutex::new(Phase::Good(1)));
        let p = Arc::clone(&phase);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let phase = *p.lock().unwrap();
                tokio::spawn(async move {
                    let _ = answer(stream, phase).await;
                });
            }
        });
        Self { addr, phase, task }
    }

    fn set(&self, phase: Phase) {
        *self.phase.lock().unwrap() = phase;
    }
}

impl Drop for ChaosUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn good_body(key: usize, generation: u32) -> Vec<u8> {
    let departures: Value =
        serde_json::from_slice(&fixture("pull/transit_departures.json")).unwrap();
    serde_json::to_vec(&json!({"key": key, "generation": generation, "departures": departures}))
        .unwrap()
}

/// Reads a request head and answers it as `phase` says (one request per connection).
async fn answer(mut s: TcpStream, phase: Phase) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut buf).await?;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    // "/k12" or "/k12/hop3"
    let mut parts = path.trim_start_matches('/').split('/');
    let key: usize = parts
        .next()
        .and_then(|k| k.strip_prefix('k'))
        .and_then(|k| k.parse().ok())
        .unwrap_or(0);
    let hop: u32 = parts
        .next()
        .and_then(|h| h.strip_prefix("hop"))
        .and_then(|h| h.parse().ok())
        .unwrap_or(0);
    let generation = match phase {
        Phase::Good(g) => g,
        Phase::Chaos => {
            return misbehave(s, FAULTS[key % FAULTS.len()], key, hop).await;
        }
    };
    let body = good_body(key, generation);
    s.write_all(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await?;
    s.write_all(&body).await?;
    s.shutdown().await
}

async fn misbehave(mut s: TcpStream, fault: Fault, key: usize, hop: u32) -> std::io::Result<()> {
    const JSON_200: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    match fault {
        Fault::Silent => {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        Fault::Trickle => {
            s.write_all(format!("{JSON_200}Content-Length: 100000\r\n\r\n[").as_bytes())
                .await?;
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                s.write_all(b"1").await?;
            }
        }
        Fault::Reset => {
            s.write_all(
                format!("{JSON_200}Content-Length: 5000\r\n\r\n{{\"partial\": [1, 2, ").as_bytes(),
            )
            .await?;
            s.flush().await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // Linger 0: closing sends a RST instead of a FIN.
            s.set_zero_linger()?;
            drop(s);
        }
        Fault::Garbage => {
            let mut x = 0x9E37_79B9_7F4A_7C15_u64 ^ key as u64;
            let garbage: Vec<u8> = (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 56) as u8
                })
                .collect();
            s.write_all(format!("{JSON_200}Content-Length: {}\r\n\r\n", garbage.len()).as_bytes())
                .await?;
            s.write_all(&garbage).await?;
        }
        Fault::Endless => {
            s.write_all(format!("{JSON_200}Connection: close\r\n\r\n[\"").as_bytes())
                .await?;
            let chunk = vec![b'a'; 64 * 1024];
            // Until the hub hangs up (it must, at its size cap).
            loop {
                s.write_all(&chunk).await?;
            }
        }
        Fault::RedirectLoop => {
            let next = if hop == 0 {
                format!("/k{key}/hop1")
            } else {
                format!("/k{key}")
            };
            s.write_all(
                format!("HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        }
        Fault::RedirectChain => {
            s.write_all(
                format!(
                    "HTTP/1.1 302 Found\r\nLocation: /k{key}/hop{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    hop + 1
                )
                .as_bytes(),
            )
            .await?;
        }
    }
    Ok(())
}

async fn player_data(client: &reqwest::Client, hub: &HubProcess, wc: &str) -> Value {
    let res = client
        .get(format!("{}/api/widget-configs/{wc}/data", hub.player))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_upstreams_never_blank_a_sign_stay_bounded_and_recover_by_themselves() {
    let upstream = ChaosUpstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(dir.path(), &logs.path().join("hub.log")).await;
    let client = crate::common::client();

    let keys = FAULTS.len() * KEYS_PER_FAULT;
    let wcs = hub
        .json_pull_widgets(
            "Chaos",
            &format!("http://{}/{{{{options.path}}}}", upstream.addr),
            2000,
            keys,
            "Sign",
        )
        .await;

    let t0 = std::time::Instant::now();
    // 1. Good data everywhere.
    let mut last_good = BTreeMap::new();
    for (k, wc) in wcs.iter().enumerate() {
        let d = eventually(60, "the first good pull of every key", || async {
            let d = player_data(&client, &hub, wc).await;
            (d["status"] == "ok").then_some(d)
        })
        .await;
        assert_eq!(d["data"]["key"], json!(k));
        assert_eq!(d["data"]["generation"], json!(1));
        last_good.insert(wc.clone(), d["data"].clone());
    }
    let peak_before = hub.peak_rss_kib();
    println!("chaos: good data everywhere after {:?}", t0.elapsed());

    // 2. Chaos, with signs polling and pulls pressed for throughout.
    upstream.set(Phase::Chaos);
    let stop = Arc::new(AtomicBool::new(false));
    let violations = Arc::new(Mutex::new(Vec::<String>::new()));
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let signs = {
        let (stop, violations, polls) = (stop.clone(), violations.clone(), polls.clone());
        let (client, player, last_good) = (client.clone(), hub.player.clone(), last_good.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                for (wc, good) in &last_good {
                    let res = client
                        .get(format!("{player}/api/widget-configs/{wc}/data"))
                        .send()
                        .await;
                    let d: Value = match res {
                        Ok(r) if r.status() == 200 => r.json().await.unwrap(),
                        Ok(r) => {
                            violations
                                .lock()
                                .unwrap()
                                .push(format!("{wc}: {}", r.status()));
                            continue;
                        }
                        Err(e) => {
                            violations.lock().unwrap().push(format!("{wc}: {e}"));
                            continue;
                        }
                    };
                    polls.fetch_add(1, Ordering::Relaxed);
                    if &d["data"] != good {
                        violations
                            .lock()
                            .unwrap()
                            .push(format!("{wc} served other data: {d}"));
                    }
                    if d["status"] == "error" && d["stale"] != true {
                        violations
                            .lock()
                            .unwrap()
                            .push(format!("{wc}: failed data not marked stale: {d}"));
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let refresher = {
        let stop = stop.clone();
        let (admin, token, wcs) = (hub.admin.clone(), hub.token.clone(), wcs.clone());
        let client = client.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                for wc in &wcs {
                    let _ = client
                        .post(format!("{admin}/admin/api/widget-configs/{wc}/refresh"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    // Every key fails, each with its own fault's message.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut pending = Vec::new();
        for (k, wc) in wcs.iter().enumerate() {
            let d = player_data(&client, &hub, wc).await;
            if d["status"] != "error" {
                pending.push(format!("key {k}: {} {}", d["status"], d["error"]));
                continue;
            }
            let fault = FAULTS[k % FAULTS.len()];
            let error = d["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(fault.message()),
                "key {k} ({fault:?}): '{error}' lacks '{}'",
                fault.message()
            );
        }
        if pending.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "keys that never failed: {pending:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("chaos: every key failed after {:?}", t0.elapsed());
    // Keep it up a while longer: every fault hits again and again.
    let mut rss_samples = Vec::new();
    for _ in 0..40 {
        rss_samples.push(hub.rss_kib());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop.store(true, Ordering::Relaxed);
    signs.await.unwrap();
    refresher.await.unwrap();
    let peak_during = hub.peak_rss_kib();
    let violations = violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "{violations:#?}");
    assert!(
        polls.load(Ordering::Relaxed) > keys * 5,
        "signs polled too little"
    );
    println!(
        "chaos: peak RSS {} KiB before, {} KiB during (samples up to {} KiB), {} player polls",
        peak_before,
        peak_during,
        rss_samples.iter().max().unwrap(),
        polls.load(Ordering::Relaxed)
    );
    // The allowance: four concurrent pulls at the 5 MiB cap, their buffers' growth, and slack.
    const ALLOWANCE_KIB: u64 = 96 * 1024;
    assert!(
        peak_during <= peak_before + ALLOWANCE_KIB,
        "memory grew by {} KiB under chaos",
        peak_during - peak_before
    );

    // 3. The upstream recovers with new content; every key follows by itself (backoff ≤ the
    // 30 s interval), without anyone pressing Refresh.
    upstream.set(Phase::Good(2));
    for (k, wc) in wcs.iter().enumerate() {
        let d = eventually(90, "every key to recover by itself", || async {
            let d = player_data(&client, &hub, wc).await;
            (d["status"] == "ok" && d["data"]["generation"] == 2).then_some(d)
        })
        .await;
        assert_eq!(d["data"]["key"], json!(k));
        assert_eq!(d["stale"], false);
        assert!(d["error"].is_null(), "{d}");
    }
    println!("chaos: every key recovered after {:?}", t0.elapsed());
    let log = hub.log_text();
    assert!(!log.contains("panicked"), "{log}");
    hub.stop();
}
