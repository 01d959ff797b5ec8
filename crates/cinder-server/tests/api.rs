//! Drives the real `cinder` binary over HTTP: every ingest shape and error, the sources API,
//! queries, restarts, and a `kill -9` in the middle of concurrent ingest.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

mod common;
use common::proxy::Proxy;
use common::{temp_dir, test_postgres, Server, PRIVATE, PUBLIC};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn sources_api_follows_logflare() {
    let dir = temp_dir("sources");
    let server = Server::start(&dir).await;
    let client = &server.client;

    let created = server.create_source("app.logs").await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "app.logs");
    assert_eq!(created["notifications_every"], 14_400_000);

    let duplicate = client
        .post(server.url("/api/sources"))
        .bearer_auth(PRIVATE)
        .json(&json!({"name": "app.logs"}))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        duplicate.json::<Value>().await.unwrap(),
        json!({"errors": {"name": ["has already been taken"]}})
    );
    let blank = client
        .post(server.url("/api/sources"))
        .bearer_auth(PRIVATE)
        .json(&json!({"description": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        blank.json::<Value>().await.unwrap(),
        json!({"errors": {"name": ["can't be blank"]}})
    );

    // The public token may ingest but not manage.
    let forbidden = client
        .get(server.url("/api/sources"))
        .header("x-api-key", PUBLIC)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        forbidden.json::<Value>().await.unwrap(),
        json!({"error": "Unauthorized"})
    );

    let listed: Value = server.get_json("/api/sources").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let put = client
        .put(server.url(&format!("/api/sources/{token}")))
        .bearer_auth(PRIVATE)
        .json(&json!({"description": " renamed ", "retention_days": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let put: Value = put.json().await.unwrap();
    assert_eq!(put["description"], "renamed");
    assert_eq!(put["retention_days"], 3);
    let patch = client
        .patch(server.url(&format!("/api/sources/{token}")))
        .bearer_auth(PRIVATE)
        .json(&json!({"favorite": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::NO_CONTENT);
    let bad = client
        .patch(server.url(&format!("/api/sources/{token}")))
        .bearer_auth(PRIVATE)
        .json(&json!({"retention_days": "soon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let missing = client
        .get(server.url(&format!("/api/sources/{}", uuid_like())))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.json::<Value>().await.unwrap(), json!({"error": "Not Found"}));

    // Schema and recent events.
    let (status, _) = server
        .post(
            &format!("/api/logs?source={token}"),
            "application/json",
            br#"{"message": "hi", "metadata": {"status": 200, "tags": ["a"]}}"#.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let dot: Value = server
        .get_json(&format!("/api/sources/{token}/schema?variant=dot"))
        .await;
    assert_eq!(dot["metadata.status"], "integer");
    assert_eq!(dot["metadata.tags"], "string[]");
    let full: Value = server.get_json(&format!("/api/sources/{token}/schema")).await;
    assert_eq!(full["$id"], format!("/api/sources/{token}/schema"));
    assert_eq!(full["properties"]["metadata"]["type"], "object");
    let recent: Value = server.get_json(&format!("/api/sources/{token}/recent")).await;
    assert_eq!(recent[0]["event_message"], "hi");

    let deleted = client
        .delete(server.url(&format!("/api/sources/{token}")))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = client
        .get(server.url(&format!("/api/sources/{token}")))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

#[tokio::test]
async fn every_ingest_shape_arrives() {
    let dir = temp_dir("shapes");
    let server = Server::start(&dir).await;
    let source = server.create_source("shapes").await;
    let token = source["token"].as_str().unwrap().to_owned();
    let by_name = "/api/logs?source_name=shapes";

    let cases: Vec<(String, &str, Vec<u8>, u64)> = vec![
        (
            by_name.into(),
            "application/json",
            br#"{"message": "single"}"#.to_vec(),
            1,
        ),
        (
            by_name.into(),
            "application/json",
            br#"{"batch": [{"message": "b1"}, {"message": "b2"}]}"#.to_vec(),
            2,
        ),
        (
            by_name.into(),
            "application/json",
            br#"[{"event_message": "a1", "timestamp": "2026-06-01T10:00:00.123456789Z"}]"#.to_vec(),
            1,
        ),
        (
            by_name.into(),
            "application/x-ndjson",
            b"{\"x\": 1}\n{\"x\": 2}\n".to_vec(),
            2,
        ),
        (
            format!("/logs?source={token}"),
            "application/json",
            br#"[{"message": "legacy prefix"}]"#.to_vec(),
            1,
        ),
        (
            format!("/api/events?source={token}"),
            "application/json",
            br#"[{"message": "events prefix"}]"#.to_vec(),
            1,
        ),
        (
            "/api/logs/json?source_name=shapes".into(),
            "application/json",
            br#"{"anything": true}"#.to_vec(),
            1,
        ),
        (
            "/api/logs/vector?source_name=shapes".into(),
            "application/json",
            br#"[{"message": "from vector", "timestamp": "2026-06-01T10:00:00Z", "host": "h"}]"#.to_vec(),
            1,
        ),
        (
            "/api/logs/cloudflare?source_name=shapes".into(),
            "text/plain; charset=utf-8",
            b"{\"EdgeStartTimestamp\": 1780000000000000000, \"ClientIP\": \"1.2.3.4\"}\n".to_vec(),
            1,
        ),
        (
            "/api/logs/vercel?source_name=shapes".into(),
            "application/json",
            br#"[{"source": "lambda", "timestamp": 1780000000000, "proxy": {"statusCode": 200}}]"#.to_vec(),
            1,
        ),
        (
            "/logs/syslogs?source_name=shapes".into(),
            "application/logplex-1",
            b"<190>1 2026-06-01T10:00:00Z host app 42 - - hello syslog\n".to_vec(),
            1,
        ),
    ];
    let mut expected = 0;
    for (path, content_type, body, count) in cases {
        let (status, reply) = server.post(&path, content_type, body).await;
        assert_eq!(status, StatusCode::OK, "{path} {content_type}: {reply}");
        assert_eq!(reply, json!({"message": "Logged!"}));
        expected += count;
    }
    // Compressed bodies, and the token in the other places Logflare reads it.
    let body = br#"[{"message": "zipped"}]"#;
    let client = &server.client;
    for (encoding, compressed) in [("gzip", gzip(body)), ("deflate", deflate(body))] {
        let response = client
            .post(server.url(by_name))
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .bearer_auth(PUBLIC)
            .body(compressed)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{encoding}");
        expected += 1;
    }
    let response = client
        .post(server.url(&format!("/api/logs?api_key={PUBLIC}")))
        .header("x-source", token.as_str())
        .json(&json!([{"message": "api_key param and x-source"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    expected += 1;
    let response = client
        .post(server.url("/api/logs"))
        .header("x-api-key", PUBLIC)
        .json(&json!({"source": token, "message": "source in the body"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    expected += 1;

    assert_eq!(server.wait_for_count("shapes", expected).await, expected);

    let rows = server
        .query("select event_message, timestamp, metadata.host as host from shapes where event_message = 'from vector'")
        .await;
    assert_eq!(rows[0]["timestamp"], 1_780_308_000_000_000_i64);
    assert_eq!(rows[0]["host"], "h");
    let rows = server
        .query("select timestamp from shapes where event_message = 'a1'")
        .await;
    assert_eq!(
        rows[0]["timestamp"], 1_780_308_000_123_456_i64,
        "nanoseconds truncate to microseconds"
    );
    let rows = server
        .query("select count(*) as n from shapes where metadata.severity = 'info'")
        .await;
    assert_eq!(rows[0]["n"], 1, "syslog severity lands in metadata");
    let dot: Value = server
        .get_json(&format!("/api/sources/{token}/schema?variant=dot"))
        .await;
    assert!(
        dot.get("source").is_none() && dot.get("source_name").is_none(),
        "routing keys are not stored: {dot}"
    );
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_reason_and_store_nothing() {
    let dir = temp_dir("errors");
    let server = Server::start(&dir).await;
    server.create_source("strict").await;
    let path = "/api/logs?source_name=strict";

    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "application/json",
            b"{\"message\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed JSON",
        ),
        (
            "application/json",
            b"[{\"message\": \"\xff\"}]".to_vec(),
            StatusCode::BAD_REQUEST,
            "UTF-8",
        ),
        (
            "application/json",
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
            StatusCode::BAD_REQUEST,
            "malformed JSON",
        ),
        (
            "application/json",
            b"[{\"ok\": 1}, 5]".to_vec(),
            StatusCode::BAD_REQUEST,
            "event 1 is not a JSON object",
        ),
        (
            "application/x-ndjson",
            b"{\"ok\": 1}\nnope\n".to_vec(),
            StatusCode::BAD_REQUEST,
            "line 2",
        ),
        (
            "application/xml",
            b"<a/>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported content type",
        ),
        (
            "application/json",
            vec![b' '; 12_000_001],
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
    ];
    for (content_type, body, status, message) in cases {
        let (got, reply) = server.post(path, content_type, body).await;
        assert_eq!(got, status, "{content_type}: {reply}");
        assert!(reply.to_string().contains(message), "{reply} should mention {message}");
    }
    let client = &server.client;
    let bad_gzip = client
        .post(server.url(path))
        .header("x-api-key", PUBLIC)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body("not gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_gzip.status(), StatusCode::BAD_REQUEST);
    let zip_bomb = gzip(&vec![b' '; 13_000_000]);
    let bomb = client
        .post(server.url(path))
        .header("x-api-key", PUBLIC)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(zip_bomb)
        .send()
        .await
        .unwrap();
    assert_eq!(bomb.status(), StatusCode::PAYLOAD_TOO_LARGE);

    for (path, key) in [("/api/logs?source_name=nope", PUBLIC), (path, "wrong-token")] {
        let response = client
            .post(server.url(path))
            .header("x-api-key", key)
            .json(&json!([{"a": 1}]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"error": "Unauthorized"})
        );
    }
    let no_token = client
        .post(server.url(path))
        .json(&json!([{"a": 1}]))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);

    let wide: serde_json::Map<String, Value> = (0..600).map(|i| (format!("f{i}"), json!(i))).collect();
    let (status, reply) = server
        .post(path, "application/json", serde_json::to_vec(&json!([wide])).unwrap())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["error"].as_str().unwrap().contains("more than 500 fields"),
        "{reply}"
    );

    // A marker event proves the loader ran; nothing from the refused requests is stored.
    let (status, _) = server
        .post(path, "application/json", br#"[{"message": "marker"}]"#.to_vec())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.wait_for_count("strict", 1).await, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.wait_for_count("strict", 1).await, 1);

    let refused = client
        .get(server.url("/api/query"))
        .bearer_auth(PRIVATE)
        .query(&[("sql", "select id from secrets")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({"error": "unknown source `secrets`"})
    );
    let public_query = client
        .get(server.url("/api/query"))
        .header("x-api-key", PUBLIC)
        .query(&[("sql", "select 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(public_query.status(), StatusCode::UNAUTHORIZED);
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn conflicting_types_are_kept_and_reported() {
    let dir = temp_dir("conflicts");
    let server = Server::start(&dir).await;
    let source = server.create_source("mixed").await;
    let token = source["token"].as_str().unwrap();
    let path = "/api/logs?source_name=mixed";
    server
        .post(
            path,
            "application/json",
            br#"[{"message": "a", "metadata": {"status": 200}}]"#.to_vec(),
        )
        .await;
    let (status, _) = server
        .post(
            path,
            "application/json",
            br#"[{"message": "b", "metadata": {"status": "teapot"}}]"#.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.wait_for_count("mixed", 2).await, 2);
    let rows = server
        .query("select metadata.status as s, metadata.status_string as t from mixed order by event_message")
        .await;
    assert_eq!(rows, json!([{"s": 200, "t": null}, {"s": null, "t": "teapot"}]));
    let shown: Value = server.get_json(&format!("/api/sources/{token}")).await;
    assert_eq!(shown["has_rejected_events"], true);
    assert_eq!(shown["metrics"]["conflicts"], 1);
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn restart_keeps_sources_tokens_schemas_and_events() {
    let dir = temp_dir("restart");
    let mut server = Server::start(&dir).await;
    let source = server.create_source("durable").await;
    server
        .post(
            "/api/logs?source_name=durable",
            "application/json",
            br#"[{"message": "m", "metadata": {"n": 1}}]"#.to_vec(),
        )
        .await;
    assert_eq!(server.wait_for_count("durable", 1).await, 1);
    server.kill();

    let server = Server::start(&server.data_dir.clone()).await;
    let shown: Value = server
        .get_json(&format!("/api/sources/{}", source["token"].as_str().unwrap()))
        .await;
    assert_eq!(shown["name"], "durable");
    assert_eq!(
        server.query("select metadata.n as n from durable").await,
        json!([{"n": 1}])
    );
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn acknowledged_events_survive_kill_9() {
    let dir = temp_dir("kill9");
    let mut server = Server::start(&dir).await;
    server.create_source("crash").await;
    let base = server.base.clone();

    // Eight clients send batches as fast as they can; each records the ids acknowledged.
    let mut clients = Vec::new();
    for client_index in 0..8 {
        let base = base.clone();
        clients.push(tokio::spawn(async move {
            let client = Client::new();
            let mut acknowledged = Vec::new();
            for batch in 0.. {
                let ids: Vec<String> = (0..50).map(|i| format!("c{client_index}-b{batch}-e{i}")).collect();
                let events: Vec<Value> = ids
                    .iter()
                    .map(|id| json!({"id": id, "message": "crash test", "metadata": {"n": batch}}))
                    .collect();
                let sent = client
                    .post(format!("{base}/api/logs?source_name=crash"))
                    .header("x-api-key", PUBLIC)
                    .json(&events)
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == StatusCode::OK => acknowledged.extend(ids),
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill(); // SIGKILL
    let mut acknowledged = Vec::new();
    for client in clients {
        acknowledged.extend(client.await.unwrap());
    }
    assert!(
        acknowledged.len() > 100,
        "the clients should have been acknowledged before the kill"
    );

    let server = Server::start(&server.data_dir.clone()).await;
    let total = acknowledged.len() as u64;
    let stored = server.wait_for_count("crash", total).await;
    assert!(stored >= total, "only {stored} of {total} acknowledged events survived");
    let distinct = server
        .query("select count(distinct id) as n, count(*) as total from crash")
        .await;
    assert_eq!(
        distinct[0]["n"], distinct[0]["total"],
        "replay must not duplicate events"
    );
    // Every acknowledged id is there (checked in chunks to keep queries small).
    for chunk in acknowledged.chunks(500) {
        let list = chunk.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
        let found = server
            .query(&format!("select count(*) as n from crash where id in ({list})"))
            .await;
        assert_eq!(found[0]["n"], chunk.len() as u64);
    }
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_backend_keeps_the_catalog_and_every_acknowledged_event_through_an_outage() {
    let (_, address) = test_postgres();
    let proxy = Proxy::start(address).await;
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", proxy.port);
    let unique = format!(
        "{}_{}",
        proxy.port,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let schema = format!("cinder_api_{unique}");
    let dir = std::env::temp_dir().join(format!("cinder-api-pg-{unique}"));
    let env = [
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
    ];
    let mut server = Server::start_with(&dir, &env).await;
    server.create_source("pg.logs").await;

    let mut acknowledged = Vec::new();
    let mut unavailable = 0;
    for round in 0..120 {
        if round == 30 {
            proxy.down();
        }
        if round == 80 {
            proxy.restore();
        }
        let ids: Vec<String> = (0..10).map(|index| format!("r{round}-{index}")).collect();
        let batch: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "message": "hello", "n": round}))
            .collect();
        let response = server
            .client
            .post(server.url("/api/logs?source_name=pg.logs"))
            .header("x-api-key", PUBLIC)
            .json(&json!({ "batch": batch }))
            .send()
            .await
            .unwrap();
        match response.status() {
            StatusCode::OK => acknowledged.extend(ids),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(response.headers().contains_key("retry-after"));
                unavailable += 1;
            }
            other => panic!("unexpected status {other}"),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        unavailable > 0,
        "ingest never answered 503 while Postgres was unreachable"
    );
    let stored = server.wait_for_count("pg.logs", acknowledged.len() as u64).await;
    assert_eq!(stored, acknowledged.len() as u64, "acknowledged events are missing");

    // A restart reads the catalog back from Postgres: the source and its events are there.
    server.kill();
    let server = Server::start_with(&dir, &env).await;
    let rows = server.query("select count(distinct id) as n from `pg.logs`").await;
    assert_eq!(rows[0]["n"].as_u64().unwrap(), acknowledged.len() as u64);
    let rows = server.query("select n from `pg.logs` where id = 'r5-3'").await;
    assert_eq!(rows, json!([{"n": 5}]));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn the_db_variables_put_the_catalog_in_postgres() {
    let (_, address) = test_postgres();
    let (host, port) = address.split_once(':').expect("host:port");
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("cinder_catalog_{unique}");
    let env = [
        ("DB_HOSTNAME", host),
        ("DB_PORT", port),
        ("DB_DATABASE", "postgres"),
        ("DB_USERNAME", "postgres"),
        ("DB_SCHEMA", schema.as_str()),
    ];
    let first = std::env::temp_dir().join(format!("cinder-api-db-a-{unique}"));
    let mut server = Server::start_with(&first, &env).await;
    let created = server.create_source("kept.in.postgres").await;
    server.kill();
    // A new data directory: only the catalog database remembers the source.
    let second = std::env::temp_dir().join(format!("cinder-api-db-b-{unique}"));
    let server = Server::start_with(&second, &env).await;
    let listed = server.get_json("/api/sources").await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["kept.in.postgres"]);
    assert_eq!(listed[0]["token"], created["token"]);
    std::fs::remove_dir_all(&first).ok();
    std::fs::remove_dir_all(&second).ok();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_restarted_mid_ingest_loses_nothing_acknowledged() {
    test_postgres(); // installed and on the PATH of scripts/postgres.sh
                     // A cluster of its own, so restarting it disturbs no other test.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh");
    let cluster = std::env::temp_dir().join(format!("cinder-pg-restart-{}", std::process::id()));
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let postgres = |argument: Option<&str>| {
        let output = Command::new(&script)
            .args(argument)
            .env("CINDER_PG_DIR", &cluster)
            .env("CINDER_PG_PORT", &port)
            .output()
            .expect("scripts/postgres.sh runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let url = postgres(None);
    let dir = std::env::temp_dir().join(format!("cinder-api-pg-restart-{}", std::process::id()));
    let env = [
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", "_analytics"),
    ];
    let server = Server::start_with(&dir, &env).await;
    server.create_source("restarted").await;
    let mut acknowledged = 0u64;
    let mut after_restart = 0u64;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut round = 0;
    // Until ten batches are acknowledged after the restart (the loader retries with backoff).
    while after_restart < 200 && Instant::now() < deadline {
        if round == 20 {
            postgres(Some("stop"));
        }
        if round == 40 {
            postgres(None);
        }
        let batch: Vec<Value> = (0..20)
            .map(|index| json!({"id": format!("{round}-{index}"), "message": "m"}))
            .collect();
        let status = server
            .client
            .post(server.url("/api/logs?source_name=restarted"))
            .header("x-api-key", PUBLIC)
            .json(&json!({ "batch": batch }))
            .send()
            .await
            .unwrap()
            .status();
        match status {
            StatusCode::OK => {
                acknowledged += 20;
                if round >= 40 {
                    after_restart += 20;
                }
            }
            StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("unexpected status {other}"),
        }
        round += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(after_restart >= 200, "ingest did not resume after the restart");
    assert_eq!(server.wait_for_count("restarted", acknowledged).await, acknowledged);
    drop(server);
    postgres(Some("stop"));
    std::fs::remove_dir_all(&cluster).ok();
    std::fs::remove_dir_all(&dir).ok();
}
