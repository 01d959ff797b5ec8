//! The checks every backend must pass: ingest, read back, schema growth, type conflicts,
//! atomic batches with their log position, restart, catalog documents.

mod suite;

use std::path::PathBuf;

use cinder_core::Schema;
use cinder_storage::{Backend, CatalogStore, Embedded};
use serde_json::json;
use suite::{batch, event, retention, select, suite, unnest_semantics};

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cinder-conformance-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn embedded_backend_follows_the_unnest_semantics() {
    let dir = temp_dir();
    let backend = Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
    unnest_semantics(&backend).await;
    drop(backend);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn embedded_backend_conforms_and_survives_reopening() {
    let dir = temp_dir();
    let path = dir.join("cinder.duckdb");
    {
        let backend = Embedded::open(&path, &cinder_storage::EngineSettings::default()).unwrap();
        suite(&backend, true).await;
        backend.put("source", "s1", &json!({"name": "one"})).await.unwrap();
        backend.put("source", "s2", &json!({"name": "two"})).await.unwrap();
        backend.delete("source", "s2").await.unwrap();
    }
    let backend = Embedded::open(&path, &cinder_storage::EngineSettings::default()).unwrap();
    assert_eq!(backend.position().await.unwrap(), 11);
    let entries = backend.load().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].value, json!({"name": "one"}));
    // Reopened tables keep their columns: a batch with a known schema appends.
    let mut schema = Schema::new();
    let more = batch(
        "log_events_conformance",
        &mut schema,
        vec![event("d", 1, json!({"metadata": {"status": 1}}))],
        12,
    );
    backend.insert(&more).await.unwrap();
    let all = backend
        .query(
            &cinder_sql::TargetSql {
                sql: "select count(*) as n from log_events_conformance".into(),
                params: vec![],
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(all.rows[0]["n"], 4);
    std::fs::remove_dir_all(dir).unwrap();
}

async fn postgres(prefix: &str) -> cinder_storage::Postgres {
    let url = std::env::var("CINDER_TEST_DATABASE_URL")
        .expect("CINDER_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL");
    let schema = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    cinder_storage::Postgres::connect(&url, &schema, std::time::Duration::from_secs(30))
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_backend_follows_the_unnest_semantics() {
    unnest_semantics(&postgres("cinder_unnest").await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_backend_conforms_and_replays_without_duplicates() {
    let backend = postgres("cinder_conformance").await;
    suite(&backend, true).await;
    // A batch replayed from the log after a crash stores nothing twice.
    let mut schema = Schema::new();
    let replay = batch(
        "log_events_conformance",
        &mut schema,
        vec![event(
            "a",
            1_700_000_000_000_000,
            json!({"metadata": {"status": 200, "path": "/a"}}),
        )],
        11,
    );
    backend.insert(&replay).await.unwrap();
    let rows = select(
        &backend,
        "log_events_conformance",
        &schema,
        "select count(*) as n from logs where id = 'a'",
    )
    .await;
    assert_eq!(rows[0]["n"], 1);
}

#[tokio::test]
async fn embedded_backend_enforces_retention() {
    let dir = temp_dir();
    let backend = Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
    retention(&backend).await;
    drop(backend);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The size of DuckDB's log beside `database`: rows written and not yet checkpointed.
fn log_size(database: &std::path::Path) -> u64 {
    std::fs::metadata(database.with_extension("duckdb.wal")).map_or(0, |log| log.len())
}

async fn wait_for_checkpoint(database: &std::path::Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while log_size(database) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the log of {} was not checkpointed when idle",
            database.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn count(backend: &Embedded, table: &str) -> serde_json::Value {
    let sql = cinder_sql::TargetSql {
        sql: format!("select count(*) as n from {table}"),
        params: vec![],
    };
    backend.query(&sql, &[]).await.unwrap().rows[0]["n"].clone()
}

#[tokio::test]
async fn embedded_backend_checkpoints_when_idle_and_after_replaying_a_log() {
    let dir = temp_dir();
    let path = dir.join("cinder.duckdb");
    let idle = cinder_storage::EngineSettings {
        idle_checkpoint: std::time::Duration::from_millis(300),
        memory_limit: "100MB".into(),
        ..Default::default()
    };
    let never = cinder_storage::EngineSettings {
        idle_checkpoint: std::time::Duration::from_secs(3600),
        ..Default::default()
    };
    let mut schema = Schema::new();

    // A write goes to the log first; once nothing has been written for a while, into the file.
    let backend = Embedded::open(&path, &idle).unwrap();
    let limit = cinder_sql::TargetSql {
        sql: "select current_setting('memory_limit') as limit".into(),
        params: vec![],
    };
    let configured = backend.query(&limit, &[]).await.unwrap().rows;
    // Memory DuckDB's allocator frees goes back to the system while the server sits idle.
    let background = cinder_sql::TargetSql {
        sql: "select current_setting('allocator_background_threads') as on".into(),
        params: vec![],
    };
    assert_eq!(backend.query(&background, &[]).await.unwrap().rows[0]["on"], true);
    let first = batch("log_events_idle", &mut schema, vec![event("a", 1, json!({"n": 1}))], 1);
    backend.insert(&first).await.unwrap();
    assert!(log_size(&path) > 0, "the write is not in DuckDB's log");
    wait_for_checkpoint(&path).await;
    assert_eq!(count(&backend, "log_events_idle").await, 1);
    // The cache was trimmed after the checkpoint, and the memory limit restored.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(backend.query(&limit, &[]).await.unwrap().rows, configured);
    drop(backend);

    // A log left behind (a crash: here, a copy taken while it is open) is replayed at start,
    // then checkpointed once the engine is idle.
    let backend = Embedded::open(&path, &never).unwrap();
    let second = batch("log_events_idle", &mut schema, vec![event("b", 2, json!({"n": 2}))], 2);
    backend.insert(&second).await.unwrap();
    let copy = dir.join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(&path, copy.join("cinder.duckdb")).unwrap();
    std::fs::copy(path.with_extension("duckdb.wal"), copy.join("cinder.duckdb.wal")).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(log_size(&path) > 0, "checkpointed although idle_checkpoint is an hour");
    drop(backend);
    let copied = copy.join("cinder.duckdb");
    assert!(log_size(&copied) > 0);
    let backend = Embedded::open(&copied, &idle).unwrap();
    wait_for_checkpoint(&copied).await;
    assert_eq!(count(&backend, "log_events_idle").await, 2);
    assert_eq!(backend.position().await.unwrap(), 2);
    drop(backend);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A query under way does not hold the idle checkpoint back, nor does the checkpoint hold the
/// query: after a large burst it takes seconds, which Studio's next query would wait for.
#[tokio::test]
async fn embedded_backend_checkpoints_when_idle_while_a_query_runs() {
    let dir = temp_dir();
    let path = dir.join("cinder.duckdb");
    let settings = cinder_storage::EngineSettings {
        idle_checkpoint: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let backend = Embedded::open(&path, &settings).unwrap();
    // The long query ends when the timeout interrupts it.
    backend.set_query_timeout(std::time::Duration::from_secs(5));
    let mut schema = Schema::new();
    let first = batch("log_events_busy", &mut schema, vec![event("a", 1, json!({"n": 1}))], 1);
    backend.insert(&first).await.unwrap();
    assert!(log_size(&path) > 0, "the write is not in DuckDB's log");
    let long = cinder_sql::TargetSql {
        sql: "select count(*) as n from range(1000000000000) t(i) where hash(i) % 7 = 1".into(),
        params: vec![],
    };
    let query = tokio::spawn({
        let backend = backend.clone();
        async move { backend.query(&long, &[]).await }
    });
    while log_size(&path) > 0 && !query.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!query.is_finished(), "the idle checkpoint waited for the query to end");
    assert!(query.await.unwrap().is_err(), "the long query was not interrupted");
    assert_eq!(count(&backend, "log_events_busy").await, 1);
    drop(backend);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The event document's column is compressed with FSST, even for documents a dictionary would
/// suit: choosing costs the checkpoint memory outside the engine's limit (see layout.rs).
#[tokio::test]
async fn embedded_documents_are_compressed_with_fsst() {
    let dir = temp_dir();
    let path = dir.join("cinder.duckdb");
    let mut schema = Schema::new();
    let backend = Embedded::open(&path, &cinder_storage::EngineSettings::default()).unwrap();
    let first = batch("log_events_fsst", &mut schema, vec![event("a", 1, json!({"n": 1}))], 1);
    backend.insert(&first).await.unwrap();
    drop(backend);

    // Four documents over and over, and the same four texts in a plain column, which shows
    // that left to choose DuckDB would keep them in a dictionary.
    let connection = duckdb::Connection::open(&path).unwrap();
    connection
        .execute_batch(
            "INSERT INTO log_events_fsst (id, timestamp, event_message, __ROOT__)
               SELECT 'e' || i, TIMESTAMP '2026-01-01', '{\"n\": ' || (i % 4) || '}', '{\"n\": ' || (i % 4) || '}'
               FROM range(150000) AS r(i);
             CHECKPOINT;",
        )
        .unwrap();
    let compressions = |column: &str| -> Vec<String> {
        let mut statement = connection
            .prepare(
                "SELECT DISTINCT compression FROM pragma_storage_info('log_events_fsst')
                 WHERE column_name = ? AND segment_type <> 'VALIDITY' ORDER BY 1",
            )
            .unwrap();
        statement
            .query_map([column], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let plain = compressions("event_message");
    assert!(plain.iter().any(|c| c.contains("Dictionary")), "{plain:?}");
    assert_eq!(compressions("__ROOT__"), ["FSST"]);
    drop(connection);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_backend_enforces_retention() {
    retention(&postgres("cinder_retention").await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_catalog_survives_reconnecting_and_migrations_run_once() {
    let url = std::env::var("CINDER_TEST_DATABASE_URL").unwrap();
    let schema = format!("cinder_catalog_{}", uuid::Uuid::new_v4().simple());
    let timeout = std::time::Duration::from_secs(30);
    {
        let store = cinder_storage::Postgres::connect(&url, &schema, timeout).await.unwrap();
        store.put("source", "s1", &json!({"name": "one"})).await.unwrap();
        store.put("source", "s2", &json!({"name": "two"})).await.unwrap();
        store.put("source", "s1", &json!({"name": "uno"})).await.unwrap();
        store.delete("source", "s2").await.unwrap();
    }
    let store = cinder_storage::Postgres::connect(&url, &schema, timeout).await.unwrap();
    let entries = store.load().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].value, json!({"name": "uno"}));
    // A second start applied no migration twice.
    let rows = store
        .query(
            &cinder_sql::TargetSql {
                sql: "select count(*) as n, count(distinct version) as versions from _cinder_migrations".into(),
                params: vec![],
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.rows[0]["n"], rows.rows[0]["versions"]);
    assert_eq!(rows.rows[0]["n"], 3, "migrations: position, catalog, cinder_try_jsonb");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn postgres_queries_cannot_write_and_stop_at_the_timeout() {
    let url = std::env::var("CINDER_TEST_DATABASE_URL").unwrap();
    let schema = format!("cinder_readonly_{}", uuid::Uuid::new_v4().simple());
    let backend = cinder_storage::Postgres::connect(&url, &schema, std::time::Duration::from_millis(300))
        .await
        .unwrap();
    let raw = |sql: &str| cinder_sql::TargetSql {
        sql: sql.into(),
        params: vec![],
    };
    let write = backend.query(&raw("create table evil (x int)"), &[]).await.unwrap_err();
    assert!(write.to_string().contains("read-only"), "{write}");
    let slow = backend.query(&raw("select pg_sleep(5)"), &[]).await.unwrap_err();
    assert!(slow.to_string().contains("took too long"), "{slow}");
}

#[tokio::test]
async fn embedded_queries_are_interrupted_at_the_timeout() {
    let dir = std::env::temp_dir().join(format!("cinder-timeout-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let backend =
        cinder_storage::Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
    backend.set_query_timeout(std::time::Duration::from_millis(300));
    let heavy = cinder_sql::TargetSql {
        sql: "select count(*) as n from range(100000000) a, range(100000) b where a.range + b.range = -1".into(),
        params: vec![],
    };
    let started = std::time::Instant::now();
    let error = backend.query(&heavy, &[]).await.unwrap_err();
    assert_eq!(error.to_string(), cinder_storage::QUERY_TIMEOUT_MESSAGE);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "interrupted, not waited out: {:?}",
        started.elapsed()
    );
    // The connection is fine afterwards.
    let quick = cinder_sql::TargetSql {
        sql: "select 1 as n".into(),
        params: vec![],
    };
    assert_eq!(backend.query(&quick, &[]).await.unwrap().rows[0]["n"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}
