//! Random events and query templates for the differential tests (`differential.rs` here:
//! embedded and PostgreSQL; `cinder-bigquery/tests/differential.rs`: embedded and the BigQuery
//! emulator). Every template must give the same rows on every engine.

use std::sync::Arc;

use std::collections::HashMap;

use cinder_core::{normalize, LogEvent, NormalizeOptions, Schema};
use cinder_sql::{translate, SourceTable, Sources};
use cinder_storage::{Backend, LoadBatch, TableEvents};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

pub type Generated = (Option<Value>, Option<String>, String);

pub const QUERIES: &[&str] = &[
    "select id, metadata.status, metadata.path, project from logs",
    "select count(*) as n from logs cross join unnest(metadata) as m where m.status >= 300",
    "select m.path, count(*) as n from logs cross join unnest(metadata) as m group by m.path",
    "select id, r.method from logs left join unnest(metadata) as m on true left join unnest(m.request) as r on true",
    "select id, tag from logs cross join unnest(metadata) as m cross join unnest(m.tags) as tag",
    "select countif(metadata.level = 'error') as errors, count(distinct metadata.path) as paths from logs",
    "select id from logs where regexp_contains(ifnull(metadata.path, ''), '^/a') and safe_cast(metadata.status as int64) between 200 and 499",
    "select timestamp_trunc(timestamp, hour) as h, count(*) as n from logs group by h order by h",
    "select id, metadata.tags[SAFE_OFFSET(0)] as first_tag from logs",
    "select id, safe_divide(metadata.status, 100) as ratio, metadata.status / 3 as third from logs",
    "select id, json_value(event_message, '$.level') as level from logs where starts_with(event_message, '{')",
    "select if(metadata.status > 400, 'bad', 'good') as verdict, count(id) as n from logs group by 1",
    "select id from logs cross join unnest(metadata) as m cross join unnest(m.request) as r where r.method in ('GET', 'POST')",
    "select metadata.level, max(metadata.status) as top, sum(metadata.status) as total, min(timestamp) as first from logs group by metadata.level",
];

fn metadata() -> impl Strategy<Value = Option<Value>> {
    let status = prop_oneof![Just(None), (100i64..600).prop_map(|n| Some(json!(n)))];
    let path = prop_oneof![
        Just(None),
        prop::sample::select(vec!["/a", "/a/b", "/b", ""]).prop_map(|p| Some(json!(p)))
    ];
    let level = prop_oneof![
        Just(None),
        prop::sample::select(vec!["info", "error", "warning"]).prop_map(|l| Some(json!(l)))
    ];
    let tags = prop_oneof![
        Just(None),
        prop::collection::vec(prop::sample::select(vec!["x", "y", "z"]), 0..3).prop_map(|tags| Some(json!(tags)))
    ];
    let request = prop_oneof![
        Just(None),
        Just(Some(json!({}))),
        prop::sample::select(vec!["GET", "POST", "PUT"]).prop_map(|m| Some(json!({"method": m})))
    ];
    prop_oneof![
        1 => Just(None),
        4 => (status, path, level, tags, request).prop_map(|(status, path, level, tags, request)| {
            let mut map = Map::new();
            for (key, value) in [("status", status), ("path", path), ("level", level), ("tags", tags), ("request", request)] {
                if let Some(value) = value {
                    map.insert(key.to_owned(), value);
                }
            }
            Some(Value::Object(map))
        }),
    ]
}

pub fn event() -> impl Strategy<Value = Generated> {
    let project = prop_oneof![
        Just(None),
        prop::sample::select(vec!["p1", "p2"]).prop_map(|p| Some(p.to_owned()))
    ];
    let message = prop_oneof![
        Just("plain text".to_owned()),
        prop::sample::select(vec!["info", "error"]).prop_map(|level| format!("{{\"level\":\"{level}\"}}")),
    ];
    (metadata(), project, message)
}

/// The events a generated case stands for, normalised, and the schema they grow.
pub fn events(generated: Vec<Generated>) -> (Vec<Arc<LogEvent>>, Arc<Schema>) {
    let mut events: Vec<_> = generated
        .into_iter()
        .enumerate()
        .map(|(index, (metadata, project, message))| {
            let mut raw = Map::new();
            raw.insert("id".into(), json!(format!("e{index:02}")));
            raw.insert(
                "timestamp".into(),
                json!(1_780_300_000_000_000i64 + index as i64 * 1_200_000_000),
            );
            raw.insert("event_message".into(), json!(message));
            if let Some(metadata) = metadata {
                raw.insert("metadata".into(), metadata);
            }
            if let Some(project) = project {
                raw.insert("project".into(), json!(project));
            }
            normalize(raw, &NormalizeOptions::default(), 0)
        })
        .collect();
    let mut schema = Schema::new();
    schema.apply(&mut events).unwrap();
    (events.into_iter().map(Arc::new).collect(), Arc::new(schema))
}

/// Rows as comparable text, sorted; floats to 10 significant digits.
pub fn sorted_rows(rows: Vec<Map<String, Value>>) -> Vec<String> {
    let mut rows: Vec<String> = rows
        .into_iter()
        .map(|row| {
            let rounded: Map<String, Value> = row
                .into_iter()
                .map(|(key, value)| match value.as_f64() {
                    Some(float) if value.is_f64() => (key, json!(format!("{float:.9e}"))),
                    _ => (key, value),
                })
                .collect();
            Value::Object(rounded).to_string()
        })
        .collect();
    rows.sort();
    rows
}

/// Stores one case's events on `backend` in a table of their own, runs every template over them
/// (as the source `logs`) and drops the table: the sorted rows of each template.
pub async fn rows_per_query(
    backend: &dyn Backend,
    table: &str,
    schema: &Arc<Schema>,
    events: &[Arc<LogEvent>],
) -> Vec<Vec<String>> {
    let batch = LoadBatch {
        tables: vec![TableEvents {
            table: table.to_owned(),
            schema: schema.clone(),
            events: events.to_vec(),
        }],
        position: 1,
    };
    backend.apply_schema(table, schema).await.unwrap();
    backend.insert(&batch).await.unwrap();
    let sources: Sources = HashMap::from([(
        "logs".to_owned(),
        SourceTable::new(backend.table_reference(table), schema.clone()),
    )]);
    let mut per_query = Vec::new();
    for sql in QUERIES {
        let translated = translate(sql, backend.target(), &sources).unwrap_or_else(|error| panic!("`{sql}`: {error}"));
        let rows = backend
            .query(&translated, &[])
            .await
            .unwrap_or_else(|error| panic!("`{sql}` on {}: {error}\n{}", backend.target(), translated.sql));
        per_query.push(sorted_rows(rows.rows));
    }
    backend.drop_table(table).await.unwrap();
    per_query
}
