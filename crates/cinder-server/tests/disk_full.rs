//! A full disk: the data directory on a small tmpfs, filled while events stream in. Ingest
//! answers 507 with `Retry-After` instead of acknowledging, nothing acknowledged is lost,
//! ingest resumes by itself once space is freed, and the write-ahead log reads back whole
//! after a `kill -9`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PUBLIC};

/// Events per request, and the padding that makes each about 1 KB.
const BATCH: usize = 50;
const PADDING: usize = 1000;

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, megabytes: u32) -> Self {
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "cannot mount a tmpfs at {} (the test needs root, as scripts/test.sh runs it)",
            dir.display()
        );
        Self(dir.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes zeros into `path` until the filesystem refuses; returns the bytes written.
fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(count) => written += count as u64,
            Err(error) => {
                assert_eq!(error.raw_os_error(), Some(28), "ENOSPC expected: {error}");
                break;
            }
        }
    }
    let _ = file.sync_all();
    written
}

async fn send(server: &Server, round: usize) -> (StatusCode, Option<String>, Value) {
    let events: Vec<Value> = (0..BATCH)
        .map(|index| json!({"id": format!("r{round}-{index}"), "message": "x".repeat(PADDING), "n": round}))
        .collect();
    let response = server
        .client
        .post(server.url("/api/logs?source_name=disk"))
        .header("x-api-key", PUBLIC)
        .json(&json!({ "batch": events }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, retry_after, response.json().await.unwrap_or(Value::Null))
}

/// `count(*)` and `count(distinct id)` once the count reaches `expected` (or a minute passed).
async fn stored(server: &Server, expected: usize) -> (u64, u64) {
    server.wait_for_count("disk", expected as u64).await;
    let rows = server
        .query("select count(*) as n, count(distinct id) as d from disk where timestamp > '1900-01-01'")
        .await;
    (rows[0]["n"].as_u64().unwrap(), rows[0]["d"].as_u64().unwrap())
}

#[tokio::test]
#[ignore = "mounts a tmpfs, which needs root: scripts/test.sh runs it"]
async fn a_full_disk_refuses_with_507_loses_nothing_and_recovers_by_itself() {
    let dir = temp_dir("disk-full");
    let _tmpfs = Tmpfs::mount(&dir, 32);
    let data = dir.join("data");
    let mut server = Server::start_with(&data, &[]).await;
    server.create_source("disk").await;

    let mut acknowledged = 0;
    for round in 0..20 {
        let (status, _, body) = send(&server, round).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        acknowledged += BATCH;
    }
    assert_eq!(
        stored(&server, acknowledged).await,
        (acknowledged as u64, acknowledged as u64)
    );

    // The disk fills up while events stream in: 2 MB left, then none.
    let headroom = dir.join("headroom");
    std::fs::write(&headroom, vec![1u8; 2 << 20]).unwrap();
    let ballast = dir.join("ballast");
    let filled = fill(&ballast);
    std::fs::remove_file(&headroom).unwrap();
    let (mut accepted_while_filling, mut refused, mut round) = (0, 0, 20);
    while refused < 10 {
        assert!(round < 400, "the disk never filled up");
        let (status, retry_after, body) = send(&server, round).await;
        match status {
            StatusCode::OK => accepted_while_filling += 1,
            StatusCode::INSUFFICIENT_STORAGE => {
                refused += 1;
                assert!(retry_after.is_some(), "507 without Retry-After");
                let message = body["error"].as_str().unwrap();
                assert!(message.contains("disk is full"), "{message}");
            }
            other => panic!("{other}: {body}"),
        }
        round += 1;
    }
    acknowledged += accepted_while_filling * BATCH;
    assert!(accepted_while_filling > 0, "the 2 MB left took no request");
    let health = server.client.get(server.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "health on a full disk");

    // Space comes back: ingest resumes without a restart, and everything acknowledged is there.
    std::fs::remove_file(&ballast).unwrap();
    let resumed = Instant::now();
    for round in round..round + 20 {
        let (status, _, body) = send(&server, round).await;
        assert_eq!(status, StatusCode::OK, "after space was freed: {body}");
        acknowledged += BATCH;
    }
    let counts = stored(&server, acknowledged).await;
    assert_eq!(
        counts,
        (acknowledged as u64, acknowledged as u64),
        "stored after recovery"
    );
    eprintln!(
        "disk full: {filled} bytes of ballast; with 2 MB left {accepted_while_filling} requests \
         acknowledged, then {refused} refused with 507; {acknowledged} events acknowledged, \
         all stored {:?} after space was freed",
        resumed.elapsed()
    );

    // The log reads back whole: a kill -9 and a restart keep every event exactly once.
    server.kill();
    let server = Server::start_with(&data, &[]).await;
    let counts = stored(&server, acknowledged).await;
    assert_eq!(counts, (acknowledged as u64, acknowledged as u64), "after a restart");
    let (status, _, body) = send(&server, 100_000).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    drop(server);
}
