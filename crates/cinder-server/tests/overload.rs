//! Overload: sixteen clients send as fast as they can, far past what the store keeps up with
//! under a small `CINDER_MAX_PENDING_EVENTS`. Ingest holds a request up to a second for room
//! and answers 429 with `Retry-After` past that instead of queueing without bound, so clients
//! are slowed down to what the store takes, and mostly not refused; `/health` stays fast;
//! memory stays bounded; every acknowledged event is stored, once. `CINDER_OVERLOAD_SECONDS`
//! (10) sets how long.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PUBLIC};

const CLIENTS: usize = 16;
const BATCH: usize = 500;

fn seconds() -> u64 {
    std::env::var("CINDER_OVERLOAD_SECONDS")
        .ok()
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or(10)
}

/// The peak resident memory of a process, from Linux's `VmHWM`.
fn peak_rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM")
        / 1024
}

#[derive(Default)]
struct Tally {
    acknowledged: Vec<String>,
    refused: usize,
    without_retry_after: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load test, meaningful in release builds: scripts/test.sh runs it"]
async fn sixteen_flooding_clients_are_slowed_down_refused_with_429_past_a_wait_and_lose_nothing() {
    let dir = temp_dir("overload");
    let server = Server::start_with(&dir, &[("CINDER_MAX_PENDING_EVENTS", "5000")]).await;
    server.create_source("flood").await;
    let padding = "x".repeat(400);
    let running = Arc::new(AtomicBool::new(true));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (base, running, padding) = (server.base.clone(), running.clone(), padding.clone());
        clients.push(tokio::spawn(async move {
            let http = Client::new();
            let mut tally = Tally::default();
            let mut batch = 0;
            while running.load(Ordering::Acquire) {
                let ids: Vec<String> = (0..BATCH).map(|index| format!("c{client}-b{batch}-e{index}")).collect();
                let events: Vec<Value> = ids
                    .iter()
                    .map(|id| json!({"id": id, "message": padding, "client": client}))
                    .collect();
                let response = http
                    .post(format!("{base}/api/logs?source_name=flood"))
                    .header("x-api-key", PUBLIC)
                    .json(&json!({ "batch": events }))
                    .send()
                    .await
                    .unwrap();
                match response.status() {
                    StatusCode::OK => tally.acknowledged.extend(ids),
                    StatusCode::TOO_MANY_REQUESTS => {
                        tally.refused += 1;
                        if response.headers().get("retry-after").is_none() {
                            tally.without_retry_after += 1;
                        }
                    }
                    other => panic!("{other}: {}", response.text().await.unwrap()),
                }
                batch += 1;
            }
            tally
        }));
    }
    // Meanwhile, /health is probed the way an orchestrator does: from a thread of its own, so
    // that the clients' work in this process does not delay the probe's timing.
    let prober = {
        let (base, running) = (server.base.clone(), running.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let http = Client::new();
                let mut latencies = Vec::new();
                while running.load(Ordering::Acquire) {
                    let started = Instant::now();
                    let response = http.get(format!("{base}/health")).send().await.unwrap();
                    assert_eq!(response.status(), StatusCode::OK);
                    latencies.push(started.elapsed());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                latencies
            })
        })
    };
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds())).await;
    running.store(false, Ordering::Release);
    let elapsed = started.elapsed();
    let mut tally = Tally::default();
    for client in clients {
        let one = client.await.unwrap();
        tally.acknowledged.extend(one.acknowledged);
        tally.refused += one.refused;
        tally.without_retry_after += one.without_retry_after;
    }
    let mut latencies = prober.join().unwrap();
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    let peak = peak_rss_mb(server.child.id());

    let acknowledged = tally.acknowledged.len();
    let offered = acknowledged + tally.refused * BATCH;
    assert!(tally.refused > 0, "no request was refused: not an overload");
    assert_eq!(tally.without_retry_after, 0, "429 without Retry-After");
    assert!(p99 < Duration::from_millis(50), "/health p99 {p99:?} under overload");
    assert!(peak < 1024, "peak RSS {peak} MB");
    assert_eq!(
        server.wait_for_count("flood", acknowledged as u64).await,
        acknowledged as u64
    );
    let rows = server
        .query("select count(*) as n, count(distinct id) as d from flood where timestamp > '1900-01-01'")
        .await;
    assert_eq!(rows[0]["n"], rows[0]["d"], "an event stored twice");
    assert_eq!(rows[0]["n"], acknowledged as u64, "stored ≠ acknowledged");
    // Clients are slowed down rather than refused: a request that finds no room waits for the
    // loader to make some, so most requests are taken. (Refusing at once, the server answered
    // 99% of requests 429, and clients that retry at once took the CPU the loader needed.)
    let taken = acknowledged / BATCH;
    assert!(
        tally.refused < taken,
        "{} requests refused, {taken} taken: clients were refused, not slowed down",
        tally.refused
    );
    // Those refused before their body was parsed are counted apart, and are among the refused.
    let metrics = server.metrics().await;
    let shed: usize = metrics
        .lines()
        .find_map(|line| line.strip_prefix("cinder_ingest_shed_requests_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no cinder_ingest_shed_requests_total in\n{metrics}"));
    assert!(
        shed <= tally.refused,
        "{shed} requests shed before parsing, {} refused",
        tally.refused
    );
    eprintln!(
        "overload {elapsed:?}: {} events/s offered, {} events/s acknowledged ({:.1}× over), {} requests refused with 429 ({shed} before parsing); \
         /health p50 {:?} p99 {p99:?} max {:?}; peak RSS {peak} MB; all {acknowledged} acknowledged stored once",
        offered as u64 / elapsed.as_secs().max(1),
        acknowledged as u64 / elapsed.as_secs().max(1),
        offered as f64 / acknowledged.max(1) as f64,
        tally.refused,
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
    );
    std::fs::remove_dir_all(&dir).ok();
}
