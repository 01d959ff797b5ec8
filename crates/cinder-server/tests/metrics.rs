//! `GET /metrics` against the real binary, scraped while events stream in and parsed by the
//! Prometheus project's own Python client (`prometheus_client` from PyPI, both its OpenMetrics
//! and its text-format parser): what was done is what is counted.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PRIVATE, PUBLIC};

/// One parsed sample.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses a scrape with `prometheus_client`; `format` is `openmetrics` or `prometheus`.
fn parse(text: &str, format: &str) -> Vec<Sample> {
    let python = std::env::var("CINDER_TEST_PYTHON")
        .expect("CINDER_TEST_PYTHON is not set: run scripts/test.sh, which installs prometheus_client in a venv");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/metrics/parse.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg(format)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "prometheus_client ({format}) refused the scrape: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let samples: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    samples
        .into_iter()
        .map(|sample| Sample {
            name: sample["name"].as_str().unwrap().to_owned(),
            labels: serde_json::from_value(sample["labels"].clone()).unwrap(),
            value: sample["value"].as_f64().unwrap(),
        })
        .collect()
}

/// The value of the sample `name` whose labels include `labels`; None if there is none.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value))
        })
        .map(|sample| sample.value)
}

async fn scrape(server: &Server, accept: Option<&str>) -> (StatusCode, String, String) {
    let mut request = server.client.get(server.url("/metrics")).bearer_auth(PRIVATE);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// What Prometheus sends.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

#[tokio::test]
#[ignore = "needs Python's prometheus_client: scripts/test.sh installs it and sets CINDER_TEST_PYTHON"]
async fn metrics_count_what_happened_and_parse_with_prometheus_client() {
    let dir = temp_dir("metrics");
    let server = Server::start(&dir).await;

    // Only the management scope reads them.
    for token in [None, Some(PUBLIC), Some("wrong")] {
        let mut request = server.client.get(server.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{token:?}"
        );
    }

    server.create_source("metered").await;
    // Ingest from four clients while scraping: every scrape parses, counters never go down.
    let batches = 40;
    let per_batch = 50;
    let mut senders = Vec::new();
    for client in 0..4 {
        let (client_http, url) = (server.client.clone(), server.url("/api/logs?source_name=metered"));
        senders.push(tokio::spawn(async move {
            for batch in 0..batches / 4 {
                let events: Vec<Value> = (0..per_batch)
                    .map(|i| json!({"message": format!("client {client} batch {batch} event {i}"), "metadata": {"n": i}}))
                    .collect();
                let response = client_http
                    .post(&url)
                    .header("x-api-key", PUBLIC)
                    .json(&events)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
            }
        }));
    }
    let mut last = 0.0;
    let mut scrapes = 0;
    while senders.iter().any(|sender| !sender.is_finished()) || scrapes < 3 {
        let (status, _, text) = scrape(&server, Some(PROMETHEUS_ACCEPT)).await;
        assert_eq!(status, StatusCode::OK);
        let samples = parse(&text, "openmetrics");
        let now = value(&samples, "cinder_ingest_events_total", &[("source", "metered")]).unwrap_or(0.0);
        assert!(now >= last, "a counter went down: {last} then {now}");
        last = now;
        scrapes += 1;
    }
    for sender in senders {
        sender.await.unwrap();
    }
    let sent = (batches * per_batch) as f64;
    assert_eq!(server.wait_for_count("metered", sent as u64).await, sent as u64);

    // Refusals, each with its reason.
    let (status, _) = server
        .post(
            "/api/logs?source_name=metered",
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let response = server
        .client
        .post(server.url("/api/logs?source_name=metered"))
        .header("x-api-key", "not-a-token")
        .json(&json!({"message": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let huge = vec![b' '; 12_000_001];
    let (status, _) = server
        .post("/api/logs?source_name=metered", "application/json", huge)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // A query and an endpoint called twice (a miss, then a hit from its cache).
    server
        .query("select count(*) as n from `metered` where timestamp > '1900-01-01'")
        .await;
    let endpoint = server
        .client
        .post(server.url("/api/endpoints"))
        .bearer_auth(PRIVATE)
        .json(&json!({"name": "metered.count", "query": "select count(*) as n from `metered`", "cache_duration_seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(endpoint.status(), StatusCode::CREATED);
    for _ in 0..2 {
        let response = server
            .client
            .get(server.url("/api/endpoints/query/metered.count"))
            .header("x-api-key", PRIVATE)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    let (status, content_type, text) = scrape(&server, Some(PROMETHEUS_ACCEPT)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let samples = parse(&text, "openmetrics");
    let get = |name: &str, labels: &[(&str, &str)]| {
        value(&samples, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"))
    };
    assert_eq!(get("cinder_ingest_events_total", &[("source", "metered")]), sent);
    assert!(get("cinder_ingest_bytes_total", &[("source", "metered")]) > sent * 20.0);
    assert_eq!(
        get("cinder_http_requests_total", &[("route", "/api/logs"), ("code", "200")]),
        batches as f64
    );
    for code in ["400", "401", "413"] {
        assert_eq!(
            get("cinder_http_requests_total", &[("route", "/api/logs"), ("code", code)]),
            1.0,
            "{code}"
        );
    }
    assert_eq!(
        get(
            "cinder_http_request_bytes_total",
            &[("route", "/api/logs"), ("code", "413")]
        ),
        12_000_001.0
    );
    assert!(get("cinder_wal_written_bytes_total", &[]) > 0.0);
    assert!(get("cinder_wal_commit_seconds_count", &[]) >= 1.0);
    assert_eq!(get("cinder_wal_group_records_sum", &[]), batches as f64);
    assert_eq!(get("cinder_loader_batch_events_sum", &[]), sent);
    assert!(get("cinder_backend_write_seconds_count", &[]) >= 1.0);
    assert_eq!(get("cinder_backend_write_errors_total", &[]), 0.0);
    assert_eq!(get("cinder_pending_events", &[]), 0.0);
    assert_eq!(get("cinder_loader_lag_seconds", &[]), 0.0);
    // wait_for_count's queries, then one more.
    assert!(get("cinder_query_seconds_count", &[("endpoint", "/api/query")]) >= 2.0);
    assert_eq!(get("cinder_query_seconds_count", &[("endpoint", "metered.count")]), 1.0);
    assert_eq!(get("cinder_endpoint_cache_requests_total", &[("result", "miss")]), 1.0);
    assert_eq!(get("cinder_endpoint_cache_requests_total", &[("result", "hit")]), 1.0);
    assert!(get("cinder_endpoint_cache_bytes", &[]) > 0.0);
    assert!(get("cinder_http_open_connections", &[]) >= 1.0);
    assert!(get("cinder_process_resident_memory_bytes", &[]) > 1e6);
    assert_eq!(get("cinder_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), 1.0);

    // Without an OpenMetrics Accept header: the text format, which Prometheus's text parser
    // reads as well.
    let (status, content_type, text) = scrape(&server, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let samples = parse(&text, "prometheus");
    assert_eq!(
        value(&samples, "cinder_ingest_events_total", &[("source", "metered")]),
        Some(sent)
    );
}

#[tokio::test]
async fn metrics_can_be_opened_to_scrapers_without_a_token() {
    let dir = temp_dir("metrics-public");
    let server = Server::start_with(&dir, &[("CINDER_METRICS_PUBLIC", "true")]).await;
    let response = server.client.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.contains("cinder_build_info{version="), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
}

/// A client guessing tokens: its failures are counted, and past 100 in a minute its address
/// gets 429 with `Retry-After`, whatever it sends (per address: `limits` unit tests).
#[tokio::test]
async fn failed_authentications_are_limited_per_address_and_counted() {
    let dir = temp_dir("auth-failures");
    let server = Server::start_with(&dir, &[("CINDER_METRICS_PUBLIC", "true")]).await;
    let guess = |token: String| {
        server
            .client
            .post(server.url("/api/logs?source_name=nowhere"))
            .header("x-api-key", token)
            .json(&json!({"message": "x"}))
            .send()
    };
    for attempt in 0..99 {
        assert_eq!(
            guess(format!("guess-{attempt}")).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let text = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("\ncinder_auth_failures_total 99\n"), "{text}");
    assert_eq!(
        guess("guess-99".into()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let refused = guess(PRIVATE.into()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}
