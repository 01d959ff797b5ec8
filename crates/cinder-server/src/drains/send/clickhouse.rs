//! ClickHouse over its HTTP interface: a table per source in `database`
//! (`log_events_<source token>`: `id`, `timestamp` DateTime64(6), `event_message`, `body` as
//! JSON text; a ReplacingMergeTree on `(timestamp, id)`, so a batch sent again merges away),
//! created on first use, and rows inserted as `JSONEachRow`. `username`/`password` go in
//! ClickHouse's `X-ClickHouse-User`/`X-ClickHouse-Key` headers.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};
use uuid::Uuid;

use super::{http, message, micros, required, setting, Failure, Outgoing};
use crate::drains::Drain;

/// The tables this sender has made sure of.
#[derive(Default)]
pub struct Tables(HashSet<String>);

/// A ClickHouse identifier, backquoted.
fn quoted(name: &str) -> String {
    format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
}

/// The table's DDL.
pub fn create_table(table: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (id String, timestamp DateTime64(6, 'UTC'), \
         event_message String, body String) ENGINE = ReplacingMergeTree ORDER BY (timestamp, id)"
    )
}

/// The `JSONEachRow` lines of events.
pub fn rows(events: &[&Value]) -> Vec<u8> {
    let mut body = Vec::new();
    for event in events {
        let time = chrono::DateTime::from_timestamp_micros(micros(event))
            .unwrap_or_default()
            .format("%Y-%m-%d %H:%M:%S%.6f")
            .to_string();
        let row = json!({
            "id": event["id"],
            "timestamp": time,
            "event_message": message(event),
            "body": event.to_string(),
        });
        body.extend_from_slice(row.to_string().as_bytes());
        body.push(b'\n');
    }
    body
}

async fn run(client: &reqwest::Client, drain: &Drain, query: &str, body: Vec<u8>) -> Result<(), Failure> {
    let mut request = client.post(required(drain, "url")?).query(&[("query", query)]);
    if let Some(user) = setting(drain, "username") {
        request = request.header("x-clickhouse-user", user);
    }
    if let Some(password) = setting(drain, "password") {
        request = request.header("x-clickhouse-key", password);
    }
    http::send(request.body(body)).await.map(drop)
}

pub async fn send(
    client: &reqwest::Client,
    tables: &mut Tables,
    drain: &Drain,
    events: &[Outgoing],
) -> Result<(), Failure> {
    let database = quoted(required(drain, "database")?);
    let mut by_source: BTreeMap<Uuid, Vec<&Value>> = BTreeMap::new();
    for (source, event) in events {
        by_source.entry(*source).or_default().push(event);
    }
    for (source, events) in by_source {
        let table = format!("{database}.{}", quoted(&cinder_core::table_name(&source)));
        if !tables.0.contains(&table) {
            run(client, drain, &create_table(&table), Vec::new()).await?;
            tables.0.insert(table.clone());
        }
        let insert = format!("INSERT INTO {table} (id, timestamp, event_message, body) FORMAT JSONEachRow");
        run(client, drain, &insert, rows(&events)).await?;
    }
    Ok(())
}
