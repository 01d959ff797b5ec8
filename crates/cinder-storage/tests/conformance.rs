//! The checks every backend must pass: ingest, read back, schema growth, type conflicts,
//! atomic batches with their log position, restart, catalog documents.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use cinder_core::{LogEvent, Schema};
use cinder_sql::{translate, SourceTable, Sources};
use cinder_storage::{Backend, CatalogStore, Embedded, LoadBatch, TableEvents};
use serde_json::{json, Value};

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cinder-conformance-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn event(id: &str, timestamp: i64, body: Value) -> LogEvent {
    LogEvent {
        id: id.to_owned(),
        timestamp,
        event_message: Some(format!("message {id}")),
        body: body.as_object().unwrap().clone(),
    }
}

/// Fits events to the schema as ingest does, and wraps them in a batch for one table.
fn batch(table: &str, schema: &mut Schema, events: Vec<LogEvent>, position: u64) -> LoadBatch {
    let mut events = events;
    schema.apply(&mut events).unwrap();
    LoadBatch {
        tables: vec![TableEvents {
            table: table.to_owned(),
            schema: Arc::new(schema.clone()),
            events: events.into_iter().map(Arc::new).collect(),
        }],
        position,
    }
}

async fn select(backend: &dyn Backend, table: &str, schema: &Schema, sql: &str) -> Vec<serde_json::Map<String, Value>> {
    let sources: Sources = HashMap::from([(
        "logs".to_owned(),
        SourceTable {
            table: table.to_owned(),
            schema: Arc::new(schema.clone()),
        },
    )]);
    let translated = translate(sql, backend.target(), &sources).unwrap();
    backend.query(&translated, &[]).await.unwrap().rows
}

async fn suite(backend: &dyn Backend) {
    let table = "log_events_conformance";
    let mut schema = Schema::new();

    let first = batch(
        table,
        &mut schema,
        vec![
            event(
                "a",
                1_700_000_000_000_000,
                json!({"metadata": {"status": 200, "path": "/a"}}),
            ),
            event(
                "b",
                1_700_000_001_000_000,
                json!({"metadata": {"status": 500, "path": "/b", "tags": ["x", "y"]}}),
            ),
        ],
        10,
    );
    backend.insert(&first).await.unwrap();
    assert_eq!(backend.position().await.unwrap(), 10);

    let rows = select(
        backend,
        table,
        &schema,
        "select id, timestamp, metadata.status as status, metadata from logs order by timestamp",
    )
    .await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "a");
    assert_eq!(
        rows[0]["timestamp"], 1_700_000_000_000_000_i64,
        "timestamps come back as integer microseconds"
    );
    assert_eq!(rows[0]["status"], 200);
    assert_eq!(
        rows[1]["metadata"],
        json!([{"path": "/b", "status": 500, "tags": ["x", "y"]}])
    );

    // Schema growth: a new nested field becomes a new column, old rows read NULL.
    let second = batch(
        table,
        &mut schema,
        vec![event(
            "c",
            1_700_000_002_000_000,
            json!({"metadata": {"status": "teapot", "user": {"id": 7}}}),
        )],
        11,
    );
    assert_eq!(
        second.tables[0].events[0].body["metadata"]["status_string"], "teapot",
        "conflict kept aside"
    );
    backend.insert(&second).await.unwrap();
    let rows = select(
        backend,
        table,
        &schema,
        "select id, metadata.user.id as user_id, metadata.status_string as s, metadata.status from logs order by id",
    )
    .await;
    let ids: Vec<_> = rows.iter().map(|row| row["user_id"].clone()).collect();
    assert_eq!(ids, [Value::Null, Value::Null, json!(7)]);
    assert_eq!(rows[2]["s"], "teapot");
    assert_eq!(rows[2]["status"], Value::Null);

    let counts = select(
        backend,
        table,
        &schema,
        "select count(*) as n, max(metadata.status) as top from logs where metadata.status >= 200",
    )
    .await;
    assert_eq!(counts[0]["n"], 2);
    assert_eq!(counts[0]["top"], 500);
    assert_eq!(backend.position().await.unwrap(), 11);
}

/// The semantic rule on stored rows: objects are one-element REPEATED RECORDs, so UNNEST of
/// an object keeps the rows that have it (CROSS) or all rows (LEFT ... ON TRUE), and UNNEST of
/// an array yields one row per element. Expected rows derived by hand from the events.
async fn unnest_semantics(backend: &dyn Backend) {
    let table = "log_events_unnest";
    let mut schema = Schema::new();
    let events = vec![
        event(
            "a",
            1,
            json!({"metadata": {"request": {"method": "GET", "path": "/a"}, "tags": ["x", "y"],
                   "hops": [{"host": "h1", "ms": 3}, {"host": "h2", "ms": 5}]}}),
        ),
        event("b", 2, json!({"metadata": {"tags": []}})),
        event("c", 3, json!({"project": "p"})),
    ];
    backend.insert(&batch(table, &mut schema, events, 1)).await.unwrap();
    let values =
        |rows: Vec<serde_json::Map<String, Value>>| -> Vec<Value> { rows.into_iter().map(Value::Object).collect() };

    let rows = select(
        backend,
        table,
        &schema,
        "select id, request.path from logs cross join unnest(metadata) as m cross join unnest(m.request) as request order by id",
    )
    .await;
    assert_eq!(values(rows), [json!({"id": "a", "path": "/a"})]);

    let rows = select(
        backend,
        table,
        &schema,
        "select id, r.method from logs left join unnest(metadata) as m on true left join unnest(m.request) as r on true order by id",
    )
    .await;
    assert_eq!(
        values(rows),
        [
            json!({"id": "a", "method": "GET"}),
            json!({"id": "b", "method": null}),
            json!({"id": "c", "method": null})
        ]
    );

    let rows = select(
        backend,
        table,
        &schema,
        "select id, tag from logs cross join unnest(metadata.tags) as tag order by id, tag",
    )
    .await;
    assert_eq!(
        values(rows),
        [json!({"id": "a", "tag": "x"}), json!({"id": "a", "tag": "y"})]
    );

    let rows = select(
        backend,
        table,
        &schema,
        "select id, count(tag) as n from logs left join unnest(metadata.tags) as tag on true group by id order by id",
    )
    .await;
    assert_eq!(
        values(rows),
        [
            json!({"id": "a", "n": 2}),
            json!({"id": "b", "n": 0}),
            json!({"id": "c", "n": 0})
        ]
    );

    let rows = select(
        backend,
        table,
        &schema,
        "select sum(hop.ms) as total, max(host) as last from logs cross join unnest(metadata) as m cross join unnest(m.hops) as hop",
    )
    .await;
    assert_eq!(values(rows), [json!({"total": 8, "last": "h2"})]);

    // A path no event has is NULL; UNNEST of an object no event has drops every row.
    let rows = select(
        backend,
        table,
        &schema,
        "select id, metadata.response.status_code as code from logs where id = 'a'",
    )
    .await;
    assert_eq!(values(rows), [json!({"id": "a", "code": null})]);
    let rows = select(
        backend,
        table,
        &schema,
        "select count(*) as n from logs cross join unnest(metadata.response) as r",
    )
    .await;
    assert_eq!(values(rows), [json!({"n": 0})]);

    // Through a CTE that passes the source's columns on, as Supabase's `logs.all` does.
    let rows = select(
        backend,
        table,
        &schema,
        "with edge_logs as (select t.timestamp, t.id, t.event_message, t.metadata from logs as t order by t.timestamp desc) \
         select id, edge_logs.timestamp, request.method, request.path, metadata from edge_logs \
         cross join unnest(metadata) as m cross join unnest(m.request) as request order by timestamp desc limit 100",
    )
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"], "a");
    assert_eq!(rows[0]["timestamp"], 1);
    assert_eq!(rows[0]["method"], "GET");
    assert_eq!(rows[0]["metadata"][0]["request"][0]["path"], "/a", "{rows:?}");
    let rows = select(
        backend,
        table,
        &schema,
        "with x as (select id, metadata from logs) select count(*) as n, sum(case when r.path is null then 1 else 0 end) as missing \
         from x left join unnest(x.metadata) as m on true left join unnest(m.request) as r on true",
    )
    .await;
    assert_eq!(values(rows), [json!({"n": 3, "missing": 2})]);
}

#[tokio::test]
async fn embedded_backend_follows_the_unnest_semantics() {
    let dir = temp_dir();
    let backend = Embedded::open(&dir.join("cinder.duckdb"), "256MB").unwrap();
    unnest_semantics(&backend).await;
    drop(backend);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn embedded_backend_conforms_and_survives_reopening() {
    let dir = temp_dir();
    let path = dir.join("cinder.duckdb");
    {
        let backend = Embedded::open(&path, "256MB").unwrap();
        suite(&backend).await;
        backend.put("source", "s1", &json!({"name": "one"})).await.unwrap();
        backend.put("source", "s2", &json!({"name": "two"})).await.unwrap();
        backend.delete("source", "s2").await.unwrap();
    }
    let backend = Embedded::open(&path, "256MB").unwrap();
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
    suite(&backend).await;
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

/// Retention deletes exactly the events older than the cutoff, on any backend.
async fn retention(backend: &dyn Backend) {
    let table = "log_events_retention";
    let mut schema = Schema::new();
    let day = 86_400_000_000i64;
    let events = (0..12)
        .map(|index| {
            event(
                &format!("r{index}"),
                1_700_000_000_000_000 + index * day,
                json!({"n": index}),
            )
        })
        .collect();
    let loaded = batch(table, &mut schema, events, 20);
    backend.apply_schema(table, &schema).await.unwrap();
    backend.insert(&loaded).await.unwrap();
    let cutoff = 1_700_000_000_000_000 + 5 * day;
    assert_eq!(backend.delete_older_than(table, cutoff).await.unwrap(), 5);
    assert_eq!(backend.delete_older_than(table, cutoff).await.unwrap(), 0);
    let rows = select(
        backend,
        table,
        &schema,
        "select min(n) as first, count(*) as left_over from logs",
    )
    .await;
    assert_eq!(rows, [json!({"first": 5, "left_over": 7}).as_object().unwrap().clone()]);
    assert_eq!(
        backend
            .delete_older_than("log_events_never_created", cutoff)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn embedded_backend_enforces_retention() {
    let dir = temp_dir();
    let backend = Embedded::open(&dir.join("cinder.duckdb"), "256MB").unwrap();
    retention(&backend).await;
    drop(backend);
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
    assert_eq!(rows.rows[0]["n"], 2);
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
    let backend = cinder_storage::Embedded::open(&dir.join("cinder.duckdb"), "256MB").unwrap();
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
