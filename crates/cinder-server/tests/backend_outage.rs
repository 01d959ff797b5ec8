//! Backends lost for a while: PostgreSQL and BigQuery (the emulator) behind a proxy that first
//! refuses connections, then holds them unanswered (a network partition), then flaps up and
//! down, while four clients ingest. Every answer is honest — 200 only for what the write-ahead
//! log holds, 503 or 429 with `Retry-After` otherwise, nothing else — queries end with an error
//! within their timeout instead of hanging, and once the backend is back every acknowledged
//! event is stored exactly once, without a restart. `CINDER_OUTAGE_SECONDS` (60) sets how long
//! the backend is away (half refusing, half partitioned); flapping lasts 10 s more.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

mod common;
use common::proxy::{Mode, Proxy};
use common::{temp_dir, test_postgres, Server, PUBLIC};

const CLIENTS: usize = 4;
const BATCH: usize = 20;
const QUERY_TIMEOUT_SECONDS: u64 = 10;

fn outage() -> Duration {
    Duration::from_secs(
        std::env::var("CINDER_OUTAGE_SECONDS")
            .ok()
            .and_then(|seconds| seconds.parse().ok())
            .unwrap_or(60),
    )
}

#[derive(Default, Debug)]
struct Tally {
    acknowledged: Vec<String>,
    unavailable: usize,
    limited: usize,
}

/// One client: batches until told to stop, five a second.
async fn client(base: String, client: usize, running: Arc<AtomicBool>) -> Tally {
    let http = Client::new();
    let mut tally = Tally::default();
    let mut batch = 0;
    while running.load(Ordering::Acquire) {
        let ids: Vec<String> = (0..BATCH).map(|index| format!("c{client}-b{batch}-e{index}")).collect();
        let events: Vec<Value> = ids.iter().map(|id| json!({"id": id, "message": "outage"})).collect();
        let response = http
            .post(format!("{base}/api/logs?source_name=outage"))
            .header("x-api-key", PUBLIC)
            .json(&json!({ "batch": events }))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("ingest answers while the backend is away");
        let status = response.status();
        if status != StatusCode::OK {
            assert!(
                response.headers().contains_key("retry-after"),
                "{status} without Retry-After"
            );
        }
        match status {
            StatusCode::OK => tally.acknowledged.extend(ids),
            StatusCode::SERVICE_UNAVAILABLE => tally.unavailable += 1,
            StatusCode::TOO_MANY_REQUESTS => tally.limited += 1,
            other => panic!("{other} while the backend was away: {}", response.text().await.unwrap()),
        }
        batch += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tally
}

/// A query while the backend is away: an honest error (503 or 504) within the query timeout.
async fn query_answers_in_time(server: &Server, phase: &str) -> StatusCode {
    let started = Instant::now();
    let response = server
        .client
        .get(server.url("/api/query"))
        .query(&[("sql", "select count(*) as n from outage where timestamp > '1900-01-01'")])
        .bearer_auth(common::PRIVATE)
        .timeout(Duration::from_secs(QUERY_TIMEOUT_SECONDS * 3))
        .send()
        .await
        .unwrap_or_else(|error| panic!("a query while the backend {phase} did not answer: {error}"));
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(QUERY_TIMEOUT_SECONDS + 10),
        "a query while the backend {phase} took {elapsed:?}"
    );
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::GATEWAY_TIMEOUT,
        "a query while the backend {phase} answered {status} (the backend's fault, not the query's: 503 or 504): {body}"
    );
    status
}

async fn outage_on(name: &str, target: String, backend_env: impl Fn(u16) -> Vec<(String, String)>) {
    let proxy = Proxy::start(target).await;
    let dir = temp_dir(&format!("outage-{name}"));
    let mut env = backend_env(proxy.port);
    env.push(("CINDER_QUERY_TIMEOUT_SECONDS".into(), QUERY_TIMEOUT_SECONDS.to_string()));
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let server = Server::start_with(&dir, &env).await;
    server.create_source("outage").await;

    let running = Arc::new(AtomicBool::new(true));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|index| tokio::spawn(client(server.base.clone(), index, running.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let half = outage() / 2;
    proxy.set(Mode::Refuse);
    tokio::time::sleep(half / 2).await;
    let refused = query_answers_in_time(&server, "refused connections").await;
    tokio::time::sleep(half / 2).await;
    proxy.set(Mode::Blackhole);
    tokio::time::sleep(half / 2).await;
    let partitioned = query_answers_in_time(&server, "was partitioned").await;
    tokio::time::sleep(half / 2).await;
    // Flapping: up and down every few hundred milliseconds for 10 s.
    let flapping = Instant::now();
    let mut flaps = 0;
    while flapping.elapsed() < Duration::from_secs(10) {
        proxy.set(if flaps % 2 == 0 { Mode::Up } else { Mode::Refuse });
        flaps += 1;
        tokio::time::sleep(Duration::from_millis(300 + 200 * (flaps % 3))).await;
    }
    proxy.set(Mode::Up);
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    running.store(false, Ordering::Release);

    let mut tally = Tally::default();
    for handle in clients {
        let one = handle.await.unwrap();
        tally.acknowledged.extend(one.acknowledged);
        tally.unavailable += one.unavailable;
        tally.limited += one.limited;
    }
    let acknowledged = tally.acknowledged.len() as u64;
    // Stored once it is back, by the running server.
    let deadline = Instant::now() + Duration::from_secs(180);
    let (stored, distinct) = loop {
        let (status, rows) = server
            .try_query("select count(*) as n, count(distinct id) as d from outage where timestamp > '1900-01-01'")
            .await;
        if status == StatusCode::OK {
            let row = &rows["result"][0];
            let (n, d) = (row["n"].as_u64().unwrap(), row["d"].as_u64().unwrap());
            if n >= acknowledged || Instant::now() > deadline {
                break (n, d);
            }
        }
        assert!(
            Instant::now() < deadline,
            "queries fail after the backend came back: {rows}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(stored, distinct, "an event stored twice");
    assert_eq!(stored, acknowledged, "acknowledged events missing");
    eprintln!(
        "{name}: away {:?} (refusing, then partitioned), then {flaps} flaps; {acknowledged} events acknowledged, \
         {} batches refused 503 and {} 429 (all with Retry-After); queries while away answered {refused} and \
         {partitioned}; all stored once {:?} after it came back, no restart",
        outage(),
        tally.unavailable,
        tally.limited,
        back.elapsed(),
    );
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_away_partitioned_and_flapping_loses_nothing() {
    let (_, address) = test_postgres();
    let schema = format!("cinder_outage_{}", std::process::id());
    outage_on("postgres", address, |port| {
        vec![
            (
                "POSTGRES_BACKEND_URL".into(),
                format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            ),
            ("POSTGRES_BACKEND_SCHEMA".into(), schema.clone()),
        ]
    })
    .await;
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts it and sets CINDER_TEST_BIGQUERY_URL"]
async fn bigquery_away_partitioned_and_flapping_loses_nothing() {
    let emulator = std::env::var("CINDER_TEST_BIGQUERY_URL")
        .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator");
    let address = emulator.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let append = format!("_outage_{}", std::process::id());
    outage_on("bigquery", address, |port| {
        vec![
            ("GOOGLE_PROJECT_ID".into(), "cinder-test".into()),
            ("GOOGLE_DATASET_ID_APPEND".into(), append.clone()),
            ("CINDER_BIGQUERY_ENDPOINT".into(), format!("http://127.0.0.1:{port}")),
        ]
    })
    .await;
}
