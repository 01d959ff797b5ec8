//! Real Logflare clients, unmodified, against the real binary: `pino` with `pino-logflare`, and
//! `logflare-transport-core`'s `HttpClient`, from the npm registry (`tests/clients`, installed by
//! `scripts/test.sh`).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{temp_dir, Server, PUBLIC};

fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients")
}

#[tokio::test]
async fn pino_logflare_and_transport_core_deliver_their_logs() {
    let dir = clients_dir();
    assert!(
        dir.join("node_modules/pino-logflare").is_dir(),
        "the npm clients are not installed: run `npm ci --prefix tests/clients` (scripts/test.sh does)"
    );
    let server = Server::start(&temp_dir("clients")).await;
    let source = server.create_source("node-app").await;
    let token = source["token"].as_str().unwrap();
    let run = uuid_run();
    let output = Command::new("node")
        .arg(dir.join("send.mjs"))
        .args([&server.base, PUBLIC, token, "node-app", &run])
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "the clients failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // pino-logflare 0.5.2 posts its last partial batch twice when the stream ends (its own
    // behaviour: each copy is a separate request), so the check is that every log arrived.
    server.wait_for_count("node-app", 15).await;
    let rows = server
        .query("select distinct event_message, metadata.client as client, metadata.n as n, metadata.user.id as user_id from `node-app` order by client, n")
        .await;
    let rows = rows.as_array().unwrap();
    let by = |client: &str| {
        rows.iter()
            .filter(|row| row["client"] == client)
            .collect::<Vec<&Value>>()
    };
    let pino = by("pino-logflare");
    assert_eq!(pino.len(), 13, "{rows:?}");
    assert_eq!(pino[0]["event_message"], "pino message 0");
    assert_eq!(pino[4]["user_id"], 1, "nested fields arrive as metadata");
    assert_eq!(pino[12]["event_message"], "pino failure");
    let core = by("transport-core");
    assert_eq!(core.len(), 2, "{rows:?}");
    assert_eq!(core[1]["event_message"], "core message 1");
}

fn uuid_run() -> String {
    format!("run-{}", std::process::id())
}

/// Erlang's external term format for a JSON value, as `:erlang.term_to_binary/1` writes the
/// maps Logflare's Elixir clients send (binary keys and strings, atoms for booleans and nil).
fn etf(value: &Value) -> Vec<u8> {
    fn term(value: &Value, out: &mut Vec<u8>) {
        match value {
            Value::Null => out.extend([119, 3, b'n', b'i', b'l']),
            Value::Bool(true) => out.extend([119, 4, b't', b'r', b'u', b'e']),
            Value::Bool(false) => out.extend([119, 5, b'f', b'a', b'l', b's', b'e']),
            Value::Number(number) => match number.as_i64() {
                Some(integer) => {
                    out.push(110);
                    out.push(8);
                    out.push(u8::from(integer < 0));
                    out.extend(integer.unsigned_abs().to_le_bytes());
                }
                None => {
                    out.push(70);
                    out.extend(number.as_f64().unwrap().to_be_bytes());
                }
            },
            Value::String(text) => {
                out.push(109);
                out.extend((text.len() as u32).to_be_bytes());
                out.extend(text.as_bytes());
            }
            Value::Array(items) => {
                out.push(108);
                out.extend((items.len() as u32).to_be_bytes());
                items.iter().for_each(|item| term(item, out));
                out.push(106);
            }
            Value::Object(map) => {
                out.push(116);
                out.extend((map.len() as u32).to_be_bytes());
                for (key, value) in map {
                    term(&Value::String(key.clone()), out);
                    term(value, out);
                }
            }
        }
    }
    let mut out = vec![131];
    term(value, &mut out);
    out
}

/// The other request types of Supabase's clients and Logflare's integrations (R18–R25).
#[tokio::test]
async fn every_client_request_type_is_accepted() {
    use reqwest::StatusCode;
    use serde_json::json;
    use std::io::Write;

    let server = Server::start(&temp_dir("client-shapes")).await;
    let source = server.create_source("shapes").await;
    let token = source["token"].as_str().unwrap();

    // R20/R21: logflare_logger_backend: gzip'd BERT, the source inside the body.
    let batch = json!({
        "batch": [{"message": "from elixir", "timestamp": 1_780_308_000_123_456u64, "metadata": {"level": "info", "ok": true, "none": null, "pid": "#PID<0.1.0>"}}],
        "source": token,
    });
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&etf(&batch)).unwrap();
    let response = server
        .client
        .post(server.url("/logs/elixir/logger"))
        .header("x-api-key", PUBLIC)
        .header("content-type", "application/bert")
        .header("content-encoding", "gzip")
        .body(gzip.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());

    // R18: logflare-transport-core 0.3: typecasts, key and source in the query string.
    let typecasts = json!({"batch": [{"body": {"message": "typecast", "metadata": {"ms": "2.5"}}, "typecasts": [{"path": ["metadata", "ms"], "from": "string", "to": "float"}]}]});
    // R22: the Cloudflare worker: `{"batch": [...], "source": <uuid>}`.
    let worker = json!({"batch": [{"message": "from the worker", "timestamp": "2026-06-01T10:00:01.000Z", "metadata": {"request": {"url": "https://x.dev/"}}}], "source": token});
    // R23: fly-log-shipper through the Vector route.
    let fly = json!([{"message": "from fly", "timestamp": "2026-06-01T10:00:02.000Z", "fly": {"app": {"name": "a"}}}]);
    // R24: a Vercel log drain.
    let vercel = json!([{"source": "lambda", "message": "from vercel", "timestamp": 1_780_308_003_000u64, "proxy": {"statusCode": 200, "path": "/"}}]);
    let requests = [
        (
            format!("/logs/typecasts?api_key={PUBLIC}&source={token}"),
            typecasts,
            false,
        ),
        ("/logs/cloudflare".to_owned(), worker, true),
        (format!("/logs/vector?source={token}"), fly, true),
        (
            format!("/logs/vercel?api_key={PUBLIC}&source_id={token}"),
            vercel,
            false,
        ),
    ];
    for (path, body, header) in requests {
        let mut request = server.client.post(server.url(&path)).json(&body);
        if header {
            request = request.header("X-API-KEY", PUBLIC);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{path}: {}",
            response.text().await.unwrap()
        );
    }
    assert_eq!(server.wait_for_count("shapes", 5).await, 5);
    let rows = server
        .query("select event_message, metadata.ok as ok, metadata.ms as ms, timestamp from shapes order by timestamp")
        .await;
    let messages: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["event_message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"from elixir") && messages.contains(&"typecast") && messages.contains(&"from fly"),
        "{rows}"
    );
    assert!(
        messages.iter().any(|message| message.starts_with("lambda | 200")),
        "{rows}"
    );
    let elixir = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["event_message"] == "from elixir")
        .unwrap();
    assert_eq!(
        (elixir["ok"].clone(), elixir["timestamp"].clone()),
        (json!(true), json!(1_780_308_000_123_456u64))
    );
    let typecast = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["event_message"] == "typecast")
        .unwrap();
    assert_eq!(typecast["ms"], 2.5);

    // R6–R8: health for GET and HEAD; R25: CORS preflights on ingest and query paths.
    for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
        let response = server
            .client
            .request(method, server.url("/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    for path in ["/api/logs", "/logs", "/api/endpoints/query/logs.all"] {
        let response = server
            .client
            .request(reqwest::Method::OPTIONS, server.url(path))
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        assert_eq!(response.headers()["access-control-allow-origin"], "*", "{path}");
    }
}
