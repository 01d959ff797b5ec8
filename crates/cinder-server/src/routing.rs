//! After ingest: a source's rules copy matching events into sink sources, and hand matching
//! events to backends (log drains), which a sender per backend delivers in the background.
//!
//! Events are routed once, when a client sends them: copies are stored directly in their sink
//! and never routed again, so rules cannot loop. Delivery to a backend never blocks ingest: each
//! backend has a bounded queue; when it is full (the destination has been failing for long),
//! further events for it are counted as dropped and logged, and the source's own events are
//! unaffected.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use cinder_core::LogEvent;
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::catalog::{Catalog, SourceHandle};
use crate::drains::{Drain, DrainType};
use crate::rules::Rule;

/// Events one backend may have waiting.
const QUEUE_EVENTS: usize = 50_000;
/// Events per request to a backend (Logflare's webhook batch size).
const BATCH_EVENTS: usize = 250;
/// How long a partial batch waits for more events.
const BATCH_WAIT: Duration = Duration::from_secs(1);
/// Attempts per batch; the waits between them double from one second.
const ATTEMPTS: u32 = 6;

/// What a source's rules made of a request's events.
#[derive(Default)]
pub struct Routed {
    /// Copies for sink sources.
    pub copies: Vec<(Arc<SourceHandle>, Vec<LogEvent>)>,
    /// Events for backends, as JSON.
    pub deliveries: Vec<(Arc<Drain>, Vec<Value>)>,
    /// The source they came from (a Postgres backend keeps each source in a table of its own).
    pub source: Uuid,
}

/// Applies the rules of `source` to `events`; backends attached to the source get every event.
pub fn route(catalog: &Catalog, source: &SourceHandle, events: &[LogEvent]) -> Routed {
    let (source_id, token) = {
        let source = source.source.read();
        (source.id, source.token)
    };
    let rules: Vec<Arc<Rule>> = catalog
        .all::<Rule>()
        .into_iter()
        .filter(|rule| rule.source_id == source_id)
        .collect();
    let attached: Vec<Arc<Drain>> = catalog
        .all::<Drain>()
        .into_iter()
        .filter(|backend| backend.sources.contains(&token))
        .collect();
    let mut routed = Routed {
        source: token,
        ..Routed::default()
    };
    if rules.is_empty() && attached.is_empty() {
        return routed;
    }
    let now = chrono::Utc::now().timestamp_micros();
    let json: Vec<Value> = events.iter().map(LogEvent::to_json).collect();
    for backend in attached {
        routed.deliveries.push((backend, json.clone()));
    }
    for rule in rules {
        let Ok(filter) = cinder_sql::lql::parse(&rule.lql_string, now) else {
            continue;
        };
        let matching: Vec<usize> = (0..events.len())
            .filter(|&index| filter.matches(&json[index]))
            .collect();
        if matching.is_empty() {
            continue;
        }
        if let Some(sink) = rule.sink.and_then(|token| catalog.source(&token)) {
            routed
                .copies
                .push((sink, matching.iter().map(|&index| events[index].clone()).collect()));
        }
        if let Some(backend) = rule
            .backend_id
            .and_then(|id| catalog.find(|backend: &Drain| backend.id == id))
        {
            routed
                .deliveries
                .push((backend, matching.iter().map(|&index| json[index].clone()).collect()));
        }
    }
    routed
}

/// The senders, one per backend, started on first use.
pub struct Egress {
    catalog: Arc<Catalog>,
    client: reqwest::Client,
    queues: Mutex<HashMap<Uuid, mpsc::Sender<(Uuid, Value)>>>,
}

impl Egress {
    /// Senders reading backend settings from `catalog`.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("cinder/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        Self {
            catalog,
            client,
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// Events waiting in each drain's queue, by drain name.
    pub fn queued(&self) -> Vec<(String, usize)> {
        let queues = self.queues.lock();
        queues
            .iter()
            .filter_map(|(token, sender)| {
                let drain = self.catalog.get::<Drain>(token)?;
                Some((drain.name.clone(), sender.max_capacity() - sender.capacity()))
            })
            .collect()
    }

    /// Queues events of `source` for a backend without waiting.
    pub fn enqueue(&self, backend: &Drain, source: Uuid, events: Vec<Value>) {
        if !backend.can_send() {
            tracing::warn!(backend = %backend.name, kind = ?backend.kind, "a rule routes events to a backend type Cinder cannot send to yet; they are not sent");
            dropped(&backend.name, events.len());
            return;
        }
        let sender = {
            let mut queues = self.queues.lock();
            queues
                .entry(backend.token)
                .or_insert_with(|| {
                    let (sender, receiver) = mpsc::channel(QUEUE_EVENTS);
                    tokio::spawn(deliver(
                        self.catalog.clone(),
                        self.client.clone(),
                        backend.token,
                        receiver,
                    ));
                    sender
                })
                .clone()
        };
        let mut overflow = 0;
        for event in events {
            if sender.try_send((source, event)).is_err() {
                overflow += 1;
            }
        }
        if overflow > 0 {
            dropped(&backend.name, overflow);
            tracing::warn!(backend = %backend.name, dropped = overflow, "the backend's queue is full; events for it were dropped");
        }
    }
}

/// Delivers one backend's queue in batches until the backend is deleted.
async fn deliver(
    catalog: Arc<Catalog>,
    client: reqwest::Client,
    token: Uuid,
    mut receiver: mpsc::Receiver<(Uuid, Value)>,
) {
    let mut connection = None;
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + BATCH_WAIT;
        while batch.len() < BATCH_EVENTS {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(event)) => batch.push(event),
                Ok(None) | Err(_) => break,
            }
        }
        // The settings are read per batch: an edit applies to the next one.
        let Some(backend) = catalog.get::<Drain>(&token) else {
            return; // deleted: what it had queued goes with it
        };
        let metrics = crate::metrics::metrics();
        let label = metrics.drain(&backend.name);
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=ATTEMPTS {
            match send(&client, &mut connection, &backend, &batch).await {
                Ok(()) => {
                    metrics.drain_sent.get_or_create(&label).inc_by(batch.len() as u64);
                    break;
                }
                Err(Failure::Permanent(reason)) => {
                    tracing::error!(backend = %backend.name, %reason, events = batch.len(), "the backend refused a batch; it is dropped");
                    dropped(&backend.name, batch.len());
                    break;
                }
                Err(Failure::Transient(reason)) if attempt == ATTEMPTS => {
                    tracing::error!(backend = %backend.name, %reason, events = batch.len(), "a batch failed {ATTEMPTS} times; it is dropped");
                    dropped(&backend.name, batch.len());
                }
                Err(Failure::Transient(reason)) => {
                    tracing::warn!(backend = %backend.name, %reason, attempt, "a batch failed; retrying");
                    metrics.drain_retries.get_or_create(&label).inc();
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(60));
                }
            }
        }
    }
}

/// Counts events given up on for a drain.
fn dropped(drain: &str, events: usize) {
    let metrics = crate::metrics::metrics();
    metrics
        .drain_dropped
        .get_or_create(&metrics.drain(drain))
        .inc_by(events as u64);
}

enum Failure {
    /// Worth retrying: a network error, a timeout, 429 or 5xx.
    Transient(String),
    /// Not worth retrying: any other 4xx.
    Permanent(String),
}

async fn send(
    client: &reqwest::Client,
    connection: &mut Option<PostgresSink>,
    backend: &Drain,
    events: &[(Uuid, Value)],
) -> Result<(), Failure> {
    match backend.kind {
        DrainType::Webhook => {
            let events: Vec<&Value> = events.iter().map(|(_, event)| event).collect();
            webhook(client, backend, &events).await
        }
        DrainType::Postgres => {
            let result = postgres(connection, backend, events).await;
            if result.is_err() {
                *connection = None; // connect afresh for the retry
            }
            result
        }
        other => Err(Failure::Permanent(format!("{other:?} backends cannot send yet"))),
    }
}

/// A connection to a Postgres backend, and the tables it has made sure of.
struct PostgresSink {
    client: tokio_postgres::Client,
    tables: std::collections::HashSet<String>,
}

/// Logflare's Postgres backend layout in the configured schema (default `public`): a
/// `log_events_<source token>` table per source, `id` as primary key (a re-sent batch is not
/// stored twice), the event as `body`.
async fn postgres(
    connection: &mut Option<PostgresSink>,
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
        *connection = Some(PostgresSink {
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

/// Logflare's webhook: a JSON array of the events, gzip'd unless `gzip: false`, with the
/// configured headers.
async fn webhook(client: &reqwest::Client, backend: &Drain, events: &[&Value]) -> Result<(), Failure> {
    let config = &backend.config;
    let url = config
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::Permanent("no url".into()))?;
    let body = serde_json::to_vec(events).map_err(|error| Failure::Permanent(error.to_string()))?;
    let mut request = client.post(url).header("content-type", "application/json");
    let gzip = config.get("gzip").and_then(Value::as_bool).unwrap_or(true);
    let body = if gzip {
        request = request.header("content-encoding", "gzip");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&body).expect("writing to memory");
        encoder.finish().expect("writing to memory")
    } else {
        body
    };
    for (name, value) in config.get("headers").and_then(Value::as_object).into_iter().flatten() {
        if let Some(value) = value.as_str() {
            request = request.header(name.as_str(), value);
        }
    }
    let response = request
        .body(body)
        .send()
        .await
        .map_err(|error| Failure::Transient(error.to_string()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else if status.as_u16() == 429 || status.is_server_error() {
        Err(Failure::Transient(format!("HTTP {status}")))
    } else {
        Err(Failure::Permanent(format!("HTTP {status}")))
    }
}
