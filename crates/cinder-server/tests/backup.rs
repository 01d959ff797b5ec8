//! Backups while running (`cinder backup <dir>`) and data directories written by earlier
//! Cinders (`testdata/data-v1`, made by this test with `CINDER_BLESS=1`, then kept): both open
//! with everything in them.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, test_postgres, Server, PRIVATE, PUBLIC};

/// A source, an endpoint, a drain with a secret, an alert: what a data directory keeps.
async fn populate(server: &Server) {
    server.create_source("kept").await;
    server
        .manage(
            "/api/endpoints",
            json!({"name": "kept.count", "query": "select count(*) as n from kept"}),
        )
        .await;
    server.manage("/api/backends",
        json!({"name": "hook", "type": "webhook", "config": {"url": "http://127.0.0.1:9/hook", "headers": {"authorization": "Bearer drain-secret"}}}),
    )
    .await;
    server
        .manage(
            "/api/alerts",
            json!({"name": "nightly", "query": "select count(*) as n from kept", "cron": "0 3 * * *"}),
        )
        .await;
}

/// Checks what [`populate`] made, and that `ids` are exactly the events stored.
async fn check_kept(server: &Server, ids: &BTreeSet<String>) {
    let rows = server.query("select id from kept where timestamp > '1900-01-01'").await;
    let stored: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect();
    let distinct: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), distinct.len(), "an event stored twice");
    assert_eq!(&distinct, ids);
    let result = server
        .client
        .get(server.url("/api/endpoints/query/kept.count"))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(result, json!({"result": [{"n": ids.len()}]}));
    let backends = server.get_json("/api/backends").await;
    assert_eq!(backends[0]["name"], "hook");
    assert_eq!(backends[0]["config"]["headers"]["authorization"], "REDACTED");
    let alerts = server.get_json("/api/alerts").await;
    assert_eq!(alerts[0]["cron"], "0 3 * * *");
}

async fn send(server: &Server, ids: &[String]) -> StatusCode {
    let batch: Vec<Value> = ids.iter().map(|id| json!({"id": id, "message": "m"})).collect();
    server
        .client
        .post(server.url("/api/logs?source_name=kept"))
        .header("x-api-key", PUBLIC)
        .json(&json!({ "batch": batch }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_backup_made_while_ingesting_restores_exactly_what_was_acknowledged() {
    let dir = temp_dir("backup");
    let server = Arc::new(Server::start(&dir.join("data")).await);
    populate(&server).await;

    // Four clients ingest throughout.
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let running = Arc::new(AtomicBool::new(true));
    let mut clients = Vec::new();
    for client in 0..4 {
        let (server, acknowledged, running) = (server.clone(), acknowledged.clone(), running.clone());
        clients.push(tokio::spawn(async move {
            let mut round = 0;
            while running.load(Ordering::Acquire) {
                let ids: Vec<String> = (0..20).map(|index| format!("c{client}-{round}-{index}")).collect();
                assert_eq!(send(&server, &ids).await, StatusCode::OK);
                acknowledged.lock().extend(ids);
                round += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before: BTreeSet<String> = acknowledged.lock().iter().cloned().collect();
    let target = dir.join("restored");
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .arg("backup")
        .arg(&target)
        .env("PHX_HTTP_PORT", server.base.rsplit(':').next().unwrap())
        .env("LOGFLARE_PRIVATE_ACCESS_TOKEN", PRIVATE)
        .output()
        .unwrap();
    let after: BTreeSet<String> = acknowledged.lock().iter().cloned().collect();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("CINDER_DATA_DIR="), "{said}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.store(false, Ordering::Release);
    for client in clients {
        client.await.unwrap();
    }
    let all: BTreeSet<String> = acknowledged.lock().iter().cloned().collect();
    assert_eq!(server.wait_for_count("kept", all.len() as u64).await, all.len() as u64);
    assert!(
        !dir.join("data/backups").read_dir().unwrap().any(|_| true),
        "the backup was moved out"
    );

    // The restored directory opens on its own: everything acknowledged before the backup
    // began, nothing never acknowledged, each event once.
    let restored = Server::start(&target).await;
    let count = restored.wait_for_count("kept", before.len() as u64).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rows = restored
        .query("select id from kept where timestamp > '1900-01-01'")
        .await;
    let ids: BTreeSet<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), rows.as_array().unwrap().len(), "an event restored twice");
    assert!(
        ids.is_superset(&before),
        "events acknowledged before the backup are missing"
    );
    // (An event made durable just before the copy may be acknowledged just after the command
    // returned: only events never acknowledged would be wrong.)
    assert!(ids.is_subset(&all), "events never acknowledged are in it");
    check_kept(&restored, &ids).await;
    eprintln!(
        "backup while 4 clients ingested: {} acknowledged before it began, {} restored ({count} at first look), {} by its end, {} in all",
        before.len(),
        ids.len(),
        after.len(),
        all.len()
    );
    // And it takes events again.
    assert_eq!(send(&restored, &["after-restore".to_owned()]).await, StatusCode::OK);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn backups_of_postgres_point_to_pg_dump() {
    let (url, _) = test_postgres();
    let schema = format!("cinder_backup_{}", std::process::id());
    let dir = temp_dir("backup-postgres");
    let env = [
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
    ];
    let server = Server::start_with(&dir, &env).await;
    let response = server
        .client
        .post(server.url("/api/backups"))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("pg_dump"), "{body}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The fixture: a data directory written by the Cinder of format 1.
fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/data-v1")
}

/// The events in the fixture.
fn fixture_ids() -> BTreeSet<String> {
    (0..50).map(|index| format!("v1-{index}")).collect()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Every change must open what the first format wrote: its sources, events, endpoints, drains
/// (with secrets sealed by its key: a secret it cannot open would be missing), alerts.
#[tokio::test]
async fn a_data_directory_of_format_1_opens_with_everything_in_it() {
    let fixture = fixture();
    if std::env::var_os("CINDER_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&fixture);
        let mut server = Server::start_with(
            &fixture,
            &[(
                "LOGFLARE_DB_ENCRYPTION_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            )],
        )
        .await;
        populate(&server).await;
        let ids: Vec<String> = fixture_ids().into_iter().collect();
        assert_eq!(send(&server, &ids).await, StatusCode::OK);
        assert_eq!(server.wait_for_count("kept", 50).await, 50);
        server.kill();
        eprintln!("wrote {}", fixture.display());
    }
    assert!(
        fixture.join("cinder.duckdb").exists(),
        "{} is missing: run with CINDER_BLESS=1",
        fixture.display()
    );
    let dir = temp_dir("format-1");
    copy_tree(&fixture, &dir);
    let server = Server::start_with(
        &dir,
        &[(
            "LOGFLARE_DB_ENCRYPTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )],
    )
    .await;
    server.wait_for_count("kept", 50).await;
    check_kept(&server, &fixture_ids()).await;
    assert_eq!(send(&server, &["new".to_owned()]).await, StatusCode::OK);
    std::fs::remove_dir_all(&dir).ok();
}
