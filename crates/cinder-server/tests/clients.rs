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
