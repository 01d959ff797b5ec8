//! Ingest load generator and baseline for `bench/ingest/run.sh`.
//!
//! `ingest-bench http URL TOKEN SOURCE CLIENTS BATCH SECONDS` sends Supabase-shaped events of
//! about 600 bytes from CLIENTS concurrent keep-alive connections, in batches of BATCH, for
//! SECONDS, and prints events/s, MB/s and request latency percentiles.
//!
//! `ingest-bench otlp URL TOKEN SOURCE CLIENTS BATCH SECONDS` sends the same events as OTLP/HTTP
//! protobuf log exports to `/v1/logs` (the message as the body, the other fields as attributes),
//! to compare with JSON ingest in the same run.
//!
//! `ingest-bench direct DIR BATCH EVENTS` writes the same events straight into the embedded
//! engine (schema fitting and DuckDB appends, no HTTP, no log), as the baseline.
//!
//! `ingest-bench body BATCH` prints one batch of those events as a JSON array, the body that
//! `bench/ingest/wrk.sh` sends with `wrk`.
//!
//! `ingest-bench pg-copy URL BATCH EVENTS` and `ingest-bench pg-insert URL BATCH EVENTS` write
//! the same rows into Logflare's Postgres table layout with a raw binary COPY, or with the
//! multi-row INSERT Logflare's Postgres backend uses, one transaction per batch: the baselines
//! of `bench/postgres-ingest`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use cinder_core::{normalize, LogEvent, NormalizeOptions, Schema};
use cinder_otlp::opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use cinder_otlp::opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use cinder_otlp::opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use cinder_storage::{Backend, Embedded, LoadBatch, TableEvents};
use prost::Message;
use serde_json::Value;

use cinder_bench::{event, percentile};

/// How the events are sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// Cinder's JSON ingest, `POST /api/logs`.
    Json,
    /// OTLP/HTTP protobuf, `POST /v1/logs`.
    Otlp,
}

/// An OTLP attribute value from a JSON value: strings, integers and objects as themselves.
fn otlp_value(value: &Value) -> AnyValue {
    use cinder_otlp::opentelemetry_proto::tonic::common::v1::KeyValueList;
    let value = match value {
        Value::String(text) => any_value::Value::StringValue(text.clone()),
        Value::Number(number) if number.is_i64() => any_value::Value::IntValue(number.as_i64().unwrap_or_default()),
        Value::Number(number) => any_value::Value::DoubleValue(number.as_f64().unwrap_or_default()),
        Value::Bool(flag) => any_value::Value::BoolValue(*flag),
        Value::Object(object) => any_value::Value::KvlistValue(KeyValueList {
            values: object
                .iter()
                .map(|(key, value)| KeyValue {
                    key: key.clone(),
                    value: Some(otlp_value(value)),
                    ..Default::default()
                })
                .collect(),
        }),
        other => any_value::Value::StringValue(other.to_string()),
    };
    AnyValue { value: Some(value) }
}

/// A batch of events as an OTLP logs export.
fn otlp_body(events: &[Value]) -> Vec<u8> {
    let records = events
        .iter()
        .map(|event| LogRecord {
            time_unix_nano: 1_780_308_000_000_000_000,
            body: Some(otlp_value(&event["event_message"])),
            attributes: event
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(key, _)| !matches!(key.as_str(), "event_message" | "timestamp"))
                .map(|(key, value)| KeyValue {
                    key: key.clone(),
                    value: Some(otlp_value(value)),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

#[allow(clippy::too_many_arguments)]
async fn http(
    protocol: Protocol,
    url: String,
    token: String,
    source: String,
    clients: usize,
    batch: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..64)
            .map(|b| {
                let events: Vec<Value> = (0..batch).map(|i| event(b * batch + i)).collect();
                match protocol {
                    Protocol::Json => serde_json::to_vec(&events).expect("json"),
                    Protocol::Otlp => otlp_body(&events),
                }
            })
            .collect(),
    );
    let (path, content_type, name) = match protocol {
        Protocol::Json => (format!("/api/logs?source_name={source}"), "application/json", "http"),
        Protocol::Otlp => (
            format!("/v1/logs?source_name={source}"),
            "application/x-protobuf",
            "otlp",
        ),
    };
    let bytes_per_event = bodies[0].len() as f64 / batch as f64;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client_index in 0..clients {
        let (url, token, path, bodies) = (url.clone(), token.clone(), path.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build()?;
            let mut latencies = Vec::new();
            let mut refused = 0u64;
            let mut index = client_index;
            while Instant::now() < deadline {
                let body = bodies[index % bodies.len()].clone();
                index += clients;
                let sent = Instant::now();
                let response = client
                    .post(format!("{url}{path}"))
                    .header("x-api-key", &token)
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await?;
                let status = response.status();
                response.bytes().await?;
                if status.is_success() {
                    latencies.push(sent.elapsed());
                } else {
                    refused += 1;
                }
            }
            anyhow::Ok((latencies, refused))
        }));
    }
    let mut latencies = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (mut l, r) = task.await??;
        latencies.append(&mut l);
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let events = latencies.len() * batch;
    println!(
        "{name} clients={clients} batch={batch}: {:.0} events/s, {:.1} MB/s, p50 {:.2} ms, p99 {:.2} ms, {} requests, {} refused, {:.0} bytes/event",
        events as f64 / elapsed,
        events as f64 * bytes_per_event / elapsed / 1e6,
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.len(),
        refused,
        bytes_per_event
    );
    Ok(())
}

async fn direct(dir: String, batch: usize, total: usize) -> anyhow::Result<()> {
    let backend = Embedded::open(
        &std::path::Path::new(&dir).join("direct.duckdb"),
        &cinder_storage::EngineSettings::default(),
    )?;
    let mut schema = Schema::new();
    let raws: Vec<_> = (0..total)
        .map(|i| event(i).as_object().cloned().expect("object"))
        .collect();
    let started = Instant::now();
    let mut in_engine = Duration::ZERO;
    for (position, chunk) in (1..).zip(raws.chunks(batch)) {
        let mut events: Vec<LogEvent> = chunk
            .iter()
            .map(|raw| normalize(raw.clone(), &NormalizeOptions::default(), 0))
            .collect();
        schema.apply(&mut events)?;
        let load = LoadBatch {
            tables: vec![TableEvents {
                table: "log_events_direct".into(),
                schema: Arc::new(schema.clone()),
                events: events.into_iter().map(Arc::new).collect(),
            }],
            position,
        };
        let inserting = Instant::now();
        backend.insert(&load).await?;
        in_engine += inserting.elapsed();
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "direct batch={batch}: {:.0} events/s ({total} events in {elapsed:.2} s, of which {:.2} s in the engine's insert; one transaction per batch)",
        total as f64 / elapsed,
        in_engine.as_secs_f64()
    );
    Ok(())
}

/// The rows Cinder would store for `total` events: (id, body, event_message, timestamp).
fn postgres_rows(total: usize) -> Vec<(String, Value, Option<String>, chrono::NaiveDateTime)> {
    (0..total)
        .map(|i| {
            let raw = event(i).as_object().cloned().expect("object");
            let event = normalize(raw, &NormalizeOptions::default(), 0);
            let timestamp = chrono::DateTime::from_timestamp_micros(event.timestamp)
                .expect("in range")
                .naive_utc();
            (
                event.id.clone(),
                event.to_json(),
                event.event_message.clone(),
                timestamp,
            )
        })
        .collect()
}

async fn postgres_baseline(url: String, copy: bool, batch: usize, total: usize) -> anyhow::Result<()> {
    use tokio_postgres::types::{ToSql, Type};
    let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let table = format!("bench_{}_{}", if copy { "copy" } else { "insert" }, std::process::id());
    client
        .batch_execute(&format!(
            "CREATE TABLE {table} (id text PRIMARY KEY, body jsonb NOT NULL, event_message text, timestamp timestamp NOT NULL);
             CREATE INDEX ON {table} USING brin (timestamp)"
        ))
        .await?;
    let rows = postgres_rows(total);
    let started = Instant::now();
    for chunk in rows.chunks(batch) {
        let transaction = client.transaction().await?;
        if copy {
            let sink = transaction
                .copy_in(&format!(
                    "COPY {table} (id, body, event_message, timestamp) FROM STDIN BINARY"
                ))
                .await?;
            let writer = tokio_postgres::binary_copy::BinaryCopyInWriter::new(
                sink,
                &[Type::TEXT, Type::JSONB, Type::TEXT, Type::TIMESTAMP],
            );
            tokio::pin!(writer);
            for (id, body, message, timestamp) in chunk {
                let row: [&(dyn ToSql + Sync); 4] = [id, body, message, timestamp];
                writer.as_mut().write(&row).await?;
            }
            writer.finish().await?;
        } else {
            // Postgres takes at most 65535 parameters per statement: 4 per row.
            for rows in chunk.chunks(16_000) {
                let placeholders: Vec<String> = (0..rows.len())
                    .map(|row| {
                        format!(
                            "(${}, ${}, ${}, ${})",
                            row * 4 + 1,
                            row * 4 + 2,
                            row * 4 + 3,
                            row * 4 + 4
                        )
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {table} (id, body, event_message, timestamp) VALUES {}",
                    placeholders.join(", ")
                );
                let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(rows.len() * 4);
                for (id, body, message, timestamp) in rows {
                    params.extend([id as &(dyn ToSql + Sync), body, message, timestamp]);
                }
                transaction.execute(sql.as_str(), &params).await?;
            }
        }
        transaction.commit().await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    client.batch_execute(&format!("DROP TABLE {table}")).await?;
    println!(
        "{} batch={batch}: {:.0} events/s ({total} events in {elapsed:.2} s, one transaction per batch)",
        if copy {
            "raw binary COPY"
        } else {
            "multi-row INSERT (Logflare)"
        },
        total as f64 / elapsed
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize| cinder_bench::number_arg(&args, index);
    match args.first().map(String::as_str) {
        Some(mode @ ("http" | "otlp")) if args.len() == 7 => {
            let protocol = if mode == "http" { Protocol::Json } else { Protocol::Otlp };
            http(
                protocol,
                args[1].clone(),
                args[2].clone(),
                args[3].clone(),
                number(4)?,
                number(5)?,
                number(6)? as u64,
            )
            .await
        }
        Some("direct") if args.len() == 4 => direct(args[1].clone(), number(2)?, number(3)?).await,
        Some("body") if args.len() == 2 => {
            let events: Vec<Value> = (0..number(1)?).map(event).collect();
            println!("{}", serde_json::to_string(&events)?);
            Ok(())
        }
        Some(mode @ ("pg-copy" | "pg-insert")) if args.len() == 4 => {
            postgres_baseline(args[1].clone(), mode == "pg-copy", number(2)?, number(3)?).await
        }
        _ => bail!(
            "usage: ingest-bench http|otlp URL TOKEN SOURCE CLIENTS BATCH SECONDS | ingest-bench direct DIR BATCH EVENTS \
             | ingest-bench pg-copy|pg-insert POSTGRES_URL BATCH EVENTS | ingest-bench body BATCH"
        ),
    }
}
