//! After ingest: a source's rules copy matching events into sink sources, and hand matching
//! events to backends (log drains), which a sender per backend delivers in the background.
//!
//! Events are routed once, when a client sends them: copies are stored directly in their sink
//! and never routed again, so rules cannot loop. Delivery to a backend never blocks ingest: each
//! backend has a bounded queue; when it is full (the destination has been failing for long),
//! further events for it are counted as dropped and logged, and the source's own events are
//! unaffected.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cinder_core::LogEvent;
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::catalog::{Catalog, SourceHandle};
use crate::drains::send::{self, Environment, Failure, Outgoing, Sender};
use crate::drains::Drain;
use crate::rules::Rule;

/// Events one backend may have waiting.
const QUEUE_EVENTS: usize = 50_000;
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

/// The senders, one per drain, started on first use.
pub struct Egress {
    env: Environment,
    client: reqwest::Client,
    queues: Mutex<HashMap<Uuid, mpsc::Sender<Outgoing>>>,
}

impl Egress {
    /// Senders reading drain settings from the environment's catalog.
    pub fn new(env: Environment) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("cinder/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        Self {
            env,
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
                let drain = self.env.catalog.get::<Drain>(token)?;
                Some((drain.name.clone(), sender.max_capacity() - sender.capacity()))
            })
            .collect()
    }

    /// Queues events of `source` for a drain without waiting.
    pub fn enqueue(&self, drain: &Drain, source: Uuid, events: Vec<Value>) {
        let sender = {
            let mut queues = self.queues.lock();
            queues
                .entry(drain.token)
                .or_insert_with(|| {
                    let (sender, receiver) = mpsc::channel(QUEUE_EVENTS);
                    let sender_of = Sender::new(self.env.clone(), self.client.clone());
                    tokio::spawn(deliver(self.env.catalog.clone(), sender_of, drain.token, receiver));
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
            dropped(&drain.name, overflow);
            tracing::warn!(drain = %drain.name, dropped = overflow, "the drain's queue is full; events for it were dropped");
        }
    }
}

/// Delivers one drain's queue in batches until the drain is deleted.
async fn deliver(catalog: Arc<Catalog>, mut sender: Sender, token: Uuid, mut receiver: mpsc::Receiver<Outgoing>) {
    while let Some(first) = receiver.recv().await {
        // The settings are read per batch: an edit applies to the next one.
        let Some(drain) = catalog.get::<Drain>(&token) else {
            return; // deleted: what it had queued goes with it
        };
        let (most, wait) = send::batching(&drain);
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + wait;
        while batch.len() < most {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(event)) => batch.push(event),
                Ok(None) | Err(_) => break,
            }
        }
        let metrics = crate::metrics::metrics();
        let label = metrics.drain(&drain.name);
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=ATTEMPTS {
            match sender.send(&drain, &batch).await {
                Ok(()) => {
                    metrics.drain_sent.get_or_create(&label).inc_by(batch.len() as u64);
                    break;
                }
                Err(Failure::Permanent(reason)) => {
                    tracing::error!(drain = %drain.name, kind = ?drain.kind, %reason, events = batch.len(), "the drain refused a batch; it is dropped");
                    dropped(&drain.name, batch.len());
                    break;
                }
                Err(Failure::Transient(reason)) if attempt == ATTEMPTS => {
                    tracing::error!(drain = %drain.name, kind = ?drain.kind, %reason, events = batch.len(), "a batch failed {ATTEMPTS} times; it is dropped");
                    dropped(&drain.name, batch.len());
                }
                Err(Failure::Transient(reason)) => {
                    tracing::warn!(drain = %drain.name, kind = ?drain.kind, %reason, attempt, "a batch failed; retrying");
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
