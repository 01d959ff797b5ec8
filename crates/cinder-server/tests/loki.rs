//! Loki's push API: the unmodified python-logging-loki handler (JSON) and a snappy-compressed
//! protobuf push as Promtail and Alloy send it. Entries reach the source their `source` label
//! (or `X-Source-Name`) names, with their labels; bad pushes get a clear 4xx.

use std::process::Command;

use cinder_decode::loki::{EntryAdapter, PushRequest, StreamAdapter, Timestamp};
use prost::Message;
use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::{temp_dir, Server, PRIVATE, PUBLIC};

#[tokio::test]
#[ignore = "needs python-logging-loki: scripts/test.sh installs it and sets CINDER_TEST_PYTHON"]
async fn loki_clients_push_into_sources() {
    let dir = temp_dir("loki");
    let server = Server::start(&dir).await;
    let python = std::env::var("CINDER_TEST_PYTHON")
        .expect("CINDER_TEST_PYTHON is not set: run scripts/test.sh, which installs python-logging-loki in a venv");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/loki/push.py");
    let output = Command::new(python)
        .arg(script)
        .arg(&server.base)
        .arg(PRIVATE)
        .arg("50")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    server.wait_for_count("loki-app", 50).await;
    let rows = server
        .query(
            "select event_message, labels.application as application, labels.service as service, \
             labels.severity as severity from `loki-app` where event_message = 'message 49'",
        )
        .await;
    assert_eq!(
        rows,
        json!([{"event_message": "message 49", "application": "demo", "service": "checkout", "severity": "warning"}])
    );

    // Snappy-compressed protobuf, the source named by header, the token in a header.
    let request = PushRequest {
        streams: vec![StreamAdapter {
            labels: r#"{job="varlogs", host="web-1"}"#.into(),
            entries: (0..10)
                .map(|n| EntryAdapter {
                    timestamp: Some(Timestamp {
                        seconds: chrono::Utc::now().timestamp(),
                        nanos: n,
                    }),
                    line: format!("protobuf line {n}"),
                    structured_metadata: Vec::new(),
                })
                .collect(),
            hash: 0,
        }],
    };
    let body = snap::raw::Encoder::new()
        .compress_vec(&request.encode_to_vec())
        .unwrap();
    let response = server
        .client
        .post(server.url("/loki/api/v1/push"))
        .header("content-type", "application/x-protobuf")
        .header("x-source-name", "loki-app")
        .bearer_auth(PUBLIC)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "{}",
        response.text().await.unwrap()
    );
    server.wait_for_count("loki-app", 60).await;
    let rows = server
        .query("select labels.host as host from `loki-app` where event_message = 'protobuf line 9'")
        .await;
    assert_eq!(rows, json!([{"host": "web-1"}]));

    // Bad pushes: clear 4xx, nothing stored.
    let refusals = [
        (
            "application/json",
            b"{\"streams\": [{\"stream\": {\"source\": \"loki-app\"}, \"values\": [[1, \"x\"]]}]}".to_vec(),
            "unix nanoseconds",
        ),
        (
            "application/json",
            b"{\"streams\": [{\"stream\": {}, \"values\": [[\"1\", \"x\"]]}]}".to_vec(),
            "source",
        ),
        ("application/x-protobuf", b"not snappy".to_vec(), "snappy"),
        ("text/plain", b"x".to_vec(), "application/json"),
    ];
    for (content_type, body, says) in refusals {
        // Loki answers errors in plain text.
        let (status, answer) = server.post("/loki/api/v1/push", content_type, body).await;
        let text = answer.as_str().map_or_else(|| answer.to_string(), str::to_owned);
        assert!(status.is_client_error(), "{status}: {text}");
        assert!(text.contains(says), "{says}: {text}");
    }
    let response = server
        .client
        .post(server.url("/loki/api/v1/push"))
        .body("{\"streams\": []}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.wait_for_count("loki-app", 60).await, 60);
    std::fs::remove_dir_all(&dir).ok();
}
