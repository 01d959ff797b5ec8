//! PostgreSQL, in Logflare's Postgres backend layout (see [`send`]).

use std::collections::HashMap;

use serde_json::Value;
use uuid::Uuid;

use super::Failure;
use crate::drains::Drain;

/// A connection to a Postgres backend, and the tables it has made sure of.
pub struct Connection {
    client: tokio_postgres::Client,
    tables: std::collections::HashSet<String>,
}

/// Logflare's Postgres backend layout in the configured schema (default `public`): a
/// `log_events_<source token>` table per source, `id` as primary key (a re-sent batch is not
/// stored twice), the event as `body`.
pub async fn send(
    connection: &mut Option<Connection>,
    backend: &Drain,
    events: &[(Uuid, Value)],
) -> Result<(), Failure> {
    let config = &backend.config;
    let text = |key: &str| config.get(key).and_then(Value::as_str);
    if connection.is_none() {
        let settings = crate::drains::postgres_settings(config).map_err(Failure::Permanent)?;
        let (client, driver) = settings
            .config
            .connect(settings.tls)
            .await
            .map_err(|error| Failure::Transient(error.to_string()))?;
        tokio::spawn(driver);
        *connection = Some(Connection {
            client,
            tables: std::collections::HashSet::new(),
        });
    }
    let sink = connection.as_mut().expect("connected above");
    let schema = text("schema").unwrap_or("public");
    let mut by_source: HashMap<Uuid, Vec<&Value>> = HashMap::new();
    for (source, event) in events {
        by_source.entry(*source).or_default().push(event);
    }
    let transient = |error: tokio_postgres::Error| Failure::Transient(error.to_string());
    for (source, events) in by_source {
        let name = cinder_core::table_name(&source);
        let quoted_schema = format!("\"{}\"", schema.replace('"', "\"\""));
        let table = format!("{quoted_schema}.\"{}\"", name.replace('"', "\"\""));
        if !sink.tables.contains(&table) {
            // The same layout as Cinder's own PostgreSQL backend.
            let ddl = cinder_storage::postgres::events_table_ddl(schema, &name);
            sink.client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {quoted_schema}; {ddl}"))
                .await
                .map_err(transient)?;
            sink.tables.insert(table.clone());
        }
        let ids: Vec<&str> = events
            .iter()
            .map(|event| event["id"].as_str().unwrap_or_default())
            .collect();
        let bodies: Vec<String> = events.iter().map(|event| event.to_string()).collect();
        let messages: Vec<Option<&str>> = events.iter().map(|event| event["event_message"].as_str()).collect();
        let micros: Vec<i64> = events
            .iter()
            .map(|event| event["timestamp"].as_i64().unwrap_or_default())
            .collect();
        sink.client
            .execute(
                &format!(
                    "INSERT INTO {table} (id, body, event_message, timestamp)
                     SELECT id, body::jsonb, message, to_timestamp(micros / 1000000.0) AT TIME ZONE 'UTC'
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS t(id, body, message, micros)
                     ON CONFLICT (id) DO NOTHING"
                ),
                &[&ids, &bodies, &messages, &micros],
            )
            .await
            .map_err(transient)?;
    }
    Ok(())
}
