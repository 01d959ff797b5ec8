//! Elasticsearch's bulk API, from the unmodified Elasticsearch Python client (PyPI
//! `elasticsearch`, the bulk helper): documents reach the sources their indexes name,
//! refused actions fail alone, and the client accepts every answer as Elasticsearch's.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PRIVATE, PUBLIC};

#[tokio::test]
#[ignore = "needs Python's elasticsearch client: scripts/test.sh installs it and sets CINDER_TEST_PYTHON"]
async fn the_elasticsearch_client_bulk_loads_into_sources() {
    let dir = temp_dir("elastic");
    let server = Server::start(&dir).await;
    let python = std::env::var("CINDER_TEST_PYTHON").expect(
        "CINDER_TEST_PYTHON is not set: run scripts/test.sh, which installs the elasticsearch client in a venv",
    );
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/elastic/bulk.py");
    // A private token may create the sources its indexes name.
    let output = Command::new(python)
        .arg(script)
        .arg(&server.base)
        .arg(PRIVATE)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], 501, "{report}");
    assert_eq!(report["errors"], json!([]), "{report}");
    assert_eq!(report["mixed_errors"], true);
    assert_eq!(report["mixed_items"][0]["delete"]["status"], 400, "{report}");
    assert_eq!(report["mixed_items"][1]["index"]["status"], 201, "{report}");

    server.wait_for_count("es-app", 501).await;
    let rows = server
        .query("select event_message, n, nested.level as level from `es-app` where n = 499")
        .await;
    assert_eq!(
        rows,
        json!([{"event_message": "document 499", "n": 499, "level": "info"}])
    );
    server.wait_for_count("es-other", 1).await;

    // An ingest-only token cannot create sources: that item fails with 404, the rest is stored.
    let body = "{\"index\": {\"_index\": \"es-app\"}}\n{\"message\": \"public\"}\n\
                {\"index\": {\"_index\": \"es-new\"}}\n{\"message\": \"nowhere\"}\n";
    let response = server
        .client
        .post(server.url("/_bulk"))
        .header("authorization", format!("ApiKey {PUBLIC}"))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-elastic-product"], "Elasticsearch");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["errors"], true);
    assert_eq!(answer["items"][0]["index"]["status"], 201);
    assert_eq!(answer["items"][1]["index"]["status"], 404);
    assert_eq!(
        answer["items"][1]["index"]["error"]["type"],
        "index_not_found_exception"
    );
    server.wait_for_count("es-app", 502).await;

    // The index in the path; basic auth with the token as password; a broken body; no token.
    let response = server
        .client
        .post(server.url("/es-app/_bulk"))
        .basic_auth("anyone", Some(PUBLIC))
        .body("{\"create\": {}}\n{\"message\": \"by path\"}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.wait_for_count("es-app", 503).await;
    let response = server
        .client
        .post(server.url("/_bulk"))
        .basic_auth("anyone", Some(PUBLIC))
        .body("this is not a bulk body\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["error"]["reason"].as_str().unwrap().contains("line 1"),
        "{answer}"
    );
    let response = server
        .client
        .post(server.url("/_bulk"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["x-elastic-product"], "Elasticsearch");
    std::fs::remove_dir_all(&dir).ok();
}
