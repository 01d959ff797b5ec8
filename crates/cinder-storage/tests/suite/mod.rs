//! The checks every backend must pass, shared by each backend's conformance tests (this
//! crate's `tests/conformance.rs`, and `cinder-bigquery`'s, which includes this file).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use cinder_core::{LogEvent, Schema};
use cinder_sql::{translate, SourceTable, Sources};
use cinder_storage::{Backend, LoadBatch, TableEvents};
use serde_json::{json, Value};

pub fn event(id: &str, timestamp: i64, body: Value) -> LogEvent {
    LogEvent {
        id: id.to_owned(),
        timestamp,
        event_message: Some(format!("message {id}")),
        body: body.as_object().unwrap().clone(),
    }
}

/// Fits events to the schema as ingest does, and wraps them in a batch for one table.
pub fn batch(table: &str, schema: &mut Schema, events: Vec<LogEvent>, position: u64) -> LoadBatch {
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

/// The translator's view of one table, as the source `logs`.
pub fn sources(backend: &dyn Backend, table: &str, schema: &Schema) -> Sources {
    HashMap::from([(
        "logs".to_owned(),
        SourceTable::new(backend.table_reference(table), Arc::new(schema.clone())),
    )])
}

pub async fn select(
    backend: &dyn Backend,
    table: &str,
    schema: &Schema,
    sql: &str,
) -> Vec<serde_json::Map<String, Value>> {
    let translated = translate(sql, backend.target(), &sources(backend, table, schema)).unwrap();
    backend.query(&translated, &[]).await.unwrap().rows
}

/// Ingest, read back, schema growth, type conflicts, log positions. `nested_growth`: whether
/// the backend can add a field inside an existing object (the BigQuery emulator cannot).
pub async fn suite(backend: &dyn Backend, nested_growth: bool) {
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

    if !nested_growth {
        // Schema growth at the top level only (see `suite`'s documentation).
        let second = batch(
            table,
            &mut schema,
            vec![event("c", 1_700_000_002_000_000, json!({"user": {"id": 7}}))],
            11,
        );
        backend.insert(&second).await.unwrap();
        let rows = select(
            backend,
            table,
            &schema,
            "select id, user.id as user_id from logs order by id",
        )
        .await;
        let ids: Vec<_> = rows.iter().map(|row| row["user_id"].clone()).collect();
        assert_eq!(ids, [Value::Null, Value::Null, json!(7)]);
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
        return;
    }
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
pub async fn unnest_semantics(backend: &dyn Backend) {
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

/// Retention deletes exactly the events older than the cutoff, on any backend.
pub async fn retention(backend: &dyn Backend) {
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
