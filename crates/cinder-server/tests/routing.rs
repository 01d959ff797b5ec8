//! Rules after ingest: matching events are copied to a sink source (once, never looping) and
//! delivered to a webhook receiver started here, gzip'd, with the configured headers, through
//! a failure and a retry.

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use parking_lot::Mutex;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PRIVATE, PUBLIC};

#[derive(Clone, Default)]
struct Receiver {
    events: Arc<Mutex<Vec<Value>>>,
    requests: Arc<AtomicUsize>,
    headers: Arc<Mutex<Vec<HeaderMap>>>,
}

/// A webhook endpoint that fails its first request with a 503, then stores what it gets.
async fn start_receiver() -> (String, Receiver) {
    let receiver = Receiver::default();
    let state = receiver.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                if state.requests.fetch_add(1, Ordering::SeqCst) == 0 {
                    return AxumStatus::SERVICE_UNAVAILABLE;
                }
                let mut text = String::new();
                if headers.get("content-encoding").is_some_and(|value| value == "gzip") {
                    flate2::read::GzDecoder::new(&body[..])
                        .read_to_string(&mut text)
                        .unwrap();
                } else {
                    text = String::from_utf8(body.to_vec()).unwrap();
                }
                let batch: Vec<Value> = serde_json::from_str(&text).unwrap();
                state.events.lock().extend(batch);
                state.headers.lock().push(headers);
                AxumStatus::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/hook"), receiver)
}

#[tokio::test]
async fn rules_copy_to_sinks_once_and_deliver_to_webhooks() {
    let (url, receiver) = start_receiver().await;
    let server = Server::start(&temp_dir("routing")).await;
    let app = server.create_source("app").await;
    let errors = server.create_source("errors").await;
    let hook = server.manage("/api/backends",
        json!({"name": "hook", "type": "webhook", "config": {"url": url, "headers": {"authorization": "Bearer hook-secret"}}}),
    )
    .await;
    server
        .manage(
            "/api/rules",
            json!({"source_id": app["id"], "lql_string": "m.level:error", "sink": errors["token"]}),
        )
        .await;
    server
        .manage(
            "/api/rules",
            json!({"source_id": app["id"], "lql_string": "m.level:error", "backend_id": hook["id"]}),
        )
        .await;
    // A rule back from the sink to the source: copies are never routed again, so no loop.
    server
        .manage(
            "/api/rules",
            json!({"source_id": errors["id"], "lql_string": "m.level:error", "sink": app["token"]}),
        )
        .await;

    let events: Vec<Value> = (0..10)
        .map(|i| json!({"message": format!("event {i}"), "metadata": {"level": if i % 3 == 0 { "error" } else { "info" }}}))
        .collect();
    let response = server
        .client
        .post(server.url("/api/logs?source_name=app"))
        .header("x-api-key", PUBLIC)
        .json(&json!({"batch": events}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.wait_for_count("errors", 4).await, 4);
    assert_eq!(server.wait_for_count("app", 10).await, 10);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        server.wait_for_count("app", 10).await,
        10,
        "the copies did not come back"
    );
    let copied = server
        .query("select event_message from errors order by event_message")
        .await;
    assert_eq!(
        copied,
        json!([{"event_message": "event 0"}, {"event_message": "event 3"}, {"event_message": "event 6"}, {"event_message": "event 9"}])
    );

    // The webhook gets the four, after its first request failed and was retried.
    let deadline = Instant::now() + Duration::from_secs(15);
    while receiver.events.lock().len() < 4 {
        assert!(Instant::now() < deadline, "the webhook never got the events");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        receiver.requests.load(Ordering::SeqCst) >= 2,
        "the failed request was retried"
    );
    let mut delivered: Vec<String> = receiver
        .events
        .lock()
        .iter()
        .map(|event| event["event_message"].as_str().unwrap().to_owned())
        .collect();
    delivered.sort();
    assert_eq!(delivered, ["event 0", "event 3", "event 6", "event 9"]);
    let event = receiver.events.lock()[0].clone();
    assert_eq!(event["metadata"]["level"], "error");
    assert!(event["id"].is_string() && event["timestamp"].is_number(), "{event}");
    assert_eq!(receiver.headers.lock()[0]["authorization"], "Bearer hook-secret");
}

/// A Postgres backend attached to a source gets every event of it, in Logflare's table layout.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn an_attached_postgres_backend_receives_every_event() {
    let (url, _) = common::test_postgres();
    let schema = format!("cinder_drain_{}", std::process::id());
    let server = Server::start(&temp_dir("routing-pg")).await;
    let app = server.create_source("app").await;
    let drain = server
        .manage(
            "/api/backends",
            json!({"name": "pg", "type": "postgres", "config": {"url": url, "schema": schema}}),
        )
        .await;
    let path = format!(
        "/api/sources/{}/backends/{}",
        app["token"].as_str().unwrap(),
        drain["token"].as_str().unwrap()
    );
    let response = server
        .client
        .post(server.url(&path))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    let events: Vec<Value> = (0..5)
        .map(|i| json!({"message": format!("to postgres {i}"), "metadata": {"n": i}}))
        .collect();
    let response = server
        .client
        .post(server.url("/api/logs?source_name=app"))
        .header("x-api-key", PUBLIC)
        .json(&events)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let table = format!(
        "\"{schema}\".log_events_{}",
        app["token"].as_str().unwrap().replace('-', "_")
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let rows = loop {
        if let Ok(rows) = client
            .query(
                &format!("SELECT event_message, (body->'metadata'->>'n')::int AS n FROM {table} ORDER BY 2"),
                &[],
            )
            .await
        {
            if rows.len() == 5 {
                break rows;
            }
        }
        assert!(Instant::now() < deadline, "the Postgres backend never got the events");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let messages: Vec<String> = rows.iter().map(|row| row.get::<_, String>(0)).collect();
    assert_eq!(messages[4], "to postgres 4");
    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
}
