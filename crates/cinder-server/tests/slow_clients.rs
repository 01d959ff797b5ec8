//! Slow and hostile clients: a thousand idle connections, headers sent a byte at a time
//! (slowloris), a body that trickles, a client that hangs up half-way through its body. The
//! server stays responsive, disconnects them within its timeouts, and stores nothing of an
//! unfinished request.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{temp_dir, Server, PUBLIC};

const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const BODY_TIMEOUT: Duration = Duration::from_secs(3);
const IDLE: usize = 1000;

/// Waits until the server closes `stream` (EOF or reset), reading whatever it answers first;
/// returns that answer and how long it took. Fails past `limit`.
async fn closed_by_server(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buffer)).await {
            Err(_) => panic!("the server kept the connection open for {limit:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&answer).into_owned(), started.elapsed()),
            Ok(Ok(count)) => answer.extend_from_slice(&buffer[..count]),
        }
    }
}

async fn health_latencies(server: &Server, count: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let response = server.client.get(server.url("/health")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        latencies.push(started.elapsed());
    }
    latencies.sort();
    latencies
}

async fn open_connections(server: &Server) -> f64 {
    let text = server.metrics().await;
    text.lines()
        .find_map(|line| line.strip_prefix("cinder_http_open_connections "))
        .and_then(|value| value.trim().parse().ok())
        .expect("cinder_http_open_connections")
}

#[tokio::test]
async fn slow_and_idle_clients_are_cut_off_and_the_server_stays_responsive() {
    let dir = temp_dir("slow-clients");
    let env = [
        ("CINDER_HTTP_HEADER_TIMEOUT_SECONDS", "10"),
        ("CINDER_HTTP_BODY_TIMEOUT_SECONDS", "3"),
    ];
    let server = Server::start_with(&dir, &env).await;
    server.create_source("slow").await;
    let address = server.base.trim_start_matches("http://").to_owned();

    // A thousand idle connections: /health still answers fast; they are closed after the
    // header timeout. (The server raises its limit of open files to the hard limit; this
    // process does the same to hold its ends.)
    // Under a hard limit of 1,024 (some CI runners), fewer.
    let limit = cinder_server::listener::raise_open_files_limit().expect("the limit of open files");
    let count = IDLE.min(limit.saturating_sub(200) as usize);
    assert!(
        count >= 500,
        "the hard limit of open files ({limit}) is too low for this test"
    );
    // Opened a hundred at a time: on a slow network stack (a sandboxed CI runner), opening a
    // thousand one after the other can take longer than the header timeout.
    let opening = Instant::now();
    let mut idle = Vec::with_capacity(count);
    while idle.len() < count {
        let batch = (count - idle.len()).min(100);
        let connects = (0..batch).map(|_| TcpStream::connect(&address));
        for stream in futures_util::future::join_all(connects).await {
            idle.push(stream.expect("an idle connection"));
        }
    }
    let opened = opening.elapsed();
    // Every connection is taken (counted) well before the first can reach the header timeout,
    // so none has been cut off yet when /health is measured.
    let deadline = opening + HEADER_TIMEOUT / 2;
    loop {
        let taken = open_connections(&server).await;
        if taken >= count as f64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server took {taken} of {count} connections within {:?} (opening them took {opened:?})",
            HEADER_TIMEOUT / 2
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let latencies = health_latencies(&server, 200).await;
    let p99 = latencies[latencies.len() * 99 / 100];
    assert!(
        p99 < Duration::from_millis(200),
        "p99 of /health with {count} idle connections: {p99:?}"
    );
    let started = Instant::now();
    for stream in &mut idle {
        let (answer, _) = closed_by_server(stream, HEADER_TIMEOUT * 4).await;
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    let all_closed = started.elapsed();
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let remaining = open_connections(&server).await;
    assert!(remaining < 10.0, "{remaining} connections still open");

    // Slowloris: a header line a byte at a time, never finished.
    let mut slowloris = TcpStream::connect(&address).await.unwrap();
    slowloris
        .write_all(b"POST /api/logs?source_name=slow HTTP/1.1\r\nHost: cinder\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        for byte in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            .iter()
            .cycle()
            .take(40)
        {
            if slowloris.write_all(&[*byte]).await.is_err() {
                return (slowloris, true);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        (slowloris, false)
    });
    let (mut slowloris, cut) = trickle.await.unwrap();
    if !cut {
        closed_by_server(&mut slowloris, HEADER_TIMEOUT).await;
    }

    // A body that trickles: the request fails after the body timeout and nothing is stored.
    let body = json!({"message": "never whole", "padding": "p".repeat(2000)}).to_string();
    let mut trickling = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/logs?source_name=slow HTTP/1.1\r\nHost: cinder\r\nx-api-key: {PUBLIC}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    trickling.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut sent = 0;
    let mut answer = String::new();
    while sent < body.len() {
        let chunk = &body.as_bytes()[sent..(sent + 10).min(body.len())];
        if trickling.write_all(chunk).await.is_err() {
            break;
        }
        sent += chunk.len();
        let mut buffer = [0u8; 1024];
        if let Ok(Ok(count)) = tokio::time::timeout(Duration::from_millis(200), trickling.read(&mut buffer)).await {
            answer = String::from_utf8_lossy(&buffer[..count]).into_owned();
            break;
        }
        assert!(
            started.elapsed() < BODY_TIMEOUT * 3,
            "the trickling body was never cut off"
        );
    }
    let trickle_cut = started.elapsed();
    assert!(sent < body.len(), "the whole body went through at 50 bytes/s");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "a trickling body answered: {answer}"
    );

    // A client that hangs up half-way through its body.
    let mut quitter = TcpStream::connect(&address).await.unwrap();
    quitter.write_all(head.as_bytes()).await.unwrap();
    quitter.write_all(&body.as_bytes()[..body.len() / 2]).await.unwrap();
    drop(quitter);

    // Nothing of either was stored; a proper request still is.
    let response = server
        .client
        .post(server.url("/api/logs?source_name=slow"))
        .header("x-api-key", PUBLIC)
        .json(&json!({"message": "whole"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.wait_for_count("slow", 1).await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = server
        .query("select event_message from slow where timestamp > '1900-01-01'")
        .await;
    assert_eq!(rows, json!([{"event_message": "whole"}]));
    eprintln!(
        "{count} idle connections (opened in {opened:?}): /health p50 {:?}, p99 {p99:?}, all closed {all_closed:?} after the check; \
         trickling body cut after {trickle_cut:?} ({sent} of {} bytes), answered {:?}",
        latencies[latencies.len() / 2],
        body.len(),
        answer.lines().next().unwrap_or("nothing")
    );
    std::fs::remove_dir_all(&dir).ok();
}
