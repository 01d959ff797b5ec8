//! Cinder's own metrics, served at `GET /metrics` for Prometheus (OpenMetrics text).
//!
//! One registry for the process: the code that does the work counts it where it happens
//! ([`metrics`]), and what is a state rather than an event (pending events, the loader's lag,
//! cache bytes, drain queues, memory) is read when the metrics are scraped ([`render`]).
//! Labels name sources, endpoints, drains and routes, never requests; each kind of name is
//! capped at [`MAX_NAMES`] values, past which they count under `other`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::LazyLock;
use std::time::Duration;

use parking_lot::Mutex;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use crate::state::AppState;

/// The most distinct values one kind of label takes; the rest count as `other`.
pub const MAX_NAMES: usize = 200;

/// One label.
pub type Label = [(&'static str, String); 1];
/// Two labels.
pub type Labels = [(&'static str, String); 2];

/// Every metric Cinder keeps.
pub struct Metrics {
    registry: Registry,
    names: Mutex<HashMap<&'static str, HashSet<String>>>,
    /// HTTP requests by route (its template) and status code.
    pub http_requests: Family<Labels, Counter>,
    /// Request body bytes by route and status code (as sent: compressed bodies count
    /// compressed).
    pub http_request_bytes: Family<Labels, Counter>,
    /// Connections open now.
    pub open_connections: Gauge,
    /// Requests refused for a missing, wrong or insufficient token (401).
    pub auth_failures: Counter,
    /// Events made durable, by source.
    pub ingested_events: Family<Label, Counter>,
    /// Bytes of events made durable (as written to the log), by source.
    pub ingested_bytes: Family<Label, Counter>,
    /// Events of a known source that were refused, by source and status code.
    pub refused_events: Family<Labels, Counter>,
    /// Ingest requests refused before their body was parsed: the pending events were at their
    /// bound (429) or the backend was down (503).
    pub shed_requests: Counter,
    /// Bytes written to the write-ahead log.
    pub wal_bytes: Counter,
    /// Time to write and fsync one group commit.
    pub wal_commit_seconds: Histogram,
    /// Requests made durable together by one group commit.
    pub wal_group_records: Histogram,
    /// Events accepted and not yet stored by the backend.
    pub pending_events: Gauge,
    /// Age of the oldest event accepted and not yet stored.
    pub loader_lag_seconds: Gauge<f64, AtomicU64>,
    /// Events per batch the loader stores.
    pub loader_batch_events: Histogram,
    /// Time for the backend to store one batch.
    pub backend_write_seconds: Histogram,
    /// Batches the backend failed to store (they are retried).
    pub backend_write_errors: Counter,
    /// Query time, by endpoint name (`/api/query` for ad-hoc SQL, `dashboard` for its pages).
    pub query_seconds: Family<Label, Histogram>,
    /// Endpoint calls answered from the cache (`hit`) or by running the query (`miss`).
    pub endpoint_cache_requests: Family<Label, Counter>,
    /// Bytes of results the endpoint cache holds.
    pub endpoint_cache_bytes: Gauge,
    /// Events waiting to be sent to a drain.
    pub drain_queued: Family<Label, Gauge>,
    /// Events a drain delivered.
    pub drain_sent: Family<Label, Counter>,
    /// Events given up on for a drain (queue full, refused, or every attempt failed).
    pub drain_dropped: Family<Label, Counter>,
    /// Batches sent to a drain again after a failure.
    pub drain_retries: Family<Label, Counter>,
    /// Alert runs, by result: `fired` (rows, notifications sent), `quiet` (no rows), `failed`.
    pub alert_runs: Family<Label, Counter>,
    /// Events retention deleted.
    pub retention_deleted: Counter,
    /// Resident memory of the process.
    pub resident_memory: Gauge,
}

/// Latency buckets, 0.5 ms to 30 s.
const LATENCY_BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Metrics {
    fn new() -> Self {
        let mut m = Metrics {
            registry: Registry::with_prefix("cinder"),
            names: Mutex::new(HashMap::new()),
            http_requests: Family::default(),
            http_request_bytes: Family::default(),
            open_connections: Gauge::default(),
            auth_failures: Counter::default(),
            ingested_events: Family::default(),
            ingested_bytes: Family::default(),
            refused_events: Family::default(),
            shed_requests: Counter::default(),
            wal_bytes: Counter::default(),
            wal_commit_seconds: latency_histogram(),
            wal_group_records: Histogram::new(exponential_buckets(1.0, 4.0, 8)),
            pending_events: Gauge::default(),
            loader_lag_seconds: Gauge::default(),
            loader_batch_events: Histogram::new(exponential_buckets(1.0, 4.0, 10)),
            backend_write_seconds: latency_histogram(),
            backend_write_errors: Counter::default(),
            query_seconds: Family::new_with_constructor(latency_histogram),
            endpoint_cache_requests: Family::default(),
            endpoint_cache_bytes: Gauge::default(),
            drain_queued: Family::default(),
            drain_sent: Family::default(),
            drain_dropped: Family::default(),
            drain_retries: Family::default(),
            alert_runs: Family::default(),
            retention_deleted: Counter::default(),
            resident_memory: Gauge::default(),
        };
        // A gauge at 1, not an OpenMetrics info: text-format (0.0.4) parsers know no `info`.
        let build = Family::<Label, Gauge>::default();
        build
            .get_or_create(&[("version", env!("CARGO_PKG_VERSION").to_owned())])
            .set(1);
        m.registry.register("build_info", "Cinder's version", build);
        m.registry.register(
            "http_requests",
            "HTTP requests, by route and status code",
            m.http_requests.clone(),
        );
        m.registry.register_with_unit(
            "http_request",
            "Request body bytes, by route and status code",
            Unit::Bytes,
            m.http_request_bytes.clone(),
        );
        m.registry.register(
            "http_open_connections",
            "Connections open now",
            m.open_connections.clone(),
        );
        m.registry.register(
            "auth_failures",
            "Requests refused for a missing, wrong or insufficient token (401)",
            m.auth_failures.clone(),
        );
        m.registry.register(
            "ingest_events",
            "Events made durable, by source",
            m.ingested_events.clone(),
        );
        m.registry.register_with_unit(
            "ingest",
            "Bytes of events made durable, by source",
            Unit::Bytes,
            m.ingested_bytes.clone(),
        );
        m.registry.register(
            "ingest_refused_events",
            "Events of a known source refused, by source and status code",
            m.refused_events.clone(),
        );
        m.registry.register(
            "ingest_shed_requests",
            "Ingest requests refused before their body was parsed (429 pending events at their bound, 503 backend down)",
            m.shed_requests.clone(),
        );
        m.registry.register_with_unit(
            "wal_written",
            "Bytes written to the write-ahead log",
            Unit::Bytes,
            m.wal_bytes.clone(),
        );
        m.registry.register_with_unit(
            "wal_commit",
            "Time to write and fsync one group commit",
            Unit::Seconds,
            m.wal_commit_seconds.clone(),
        );
        m.registry.register(
            "wal_group_records",
            "Requests made durable by one group commit",
            m.wal_group_records.clone(),
        );
        m.registry.register(
            "pending_events",
            "Events accepted and not yet stored",
            m.pending_events.clone(),
        );
        m.registry.register_with_unit(
            "loader_lag",
            "Age of the oldest event accepted and not yet stored",
            Unit::Seconds,
            m.loader_lag_seconds.clone(),
        );
        m.registry.register(
            "loader_batch_events",
            "Events per batch stored",
            m.loader_batch_events.clone(),
        );
        m.registry.register_with_unit(
            "backend_write",
            "Time to store one batch",
            Unit::Seconds,
            m.backend_write_seconds.clone(),
        );
        m.registry.register(
            "backend_write_errors",
            "Batches the backend failed to store (retried)",
            m.backend_write_errors.clone(),
        );
        m.registry.register_with_unit(
            "query",
            "Query time, by endpoint (`/api/query` for ad-hoc SQL)",
            Unit::Seconds,
            m.query_seconds.clone(),
        );
        m.registry.register(
            "endpoint_cache_requests",
            "Endpoint calls answered from the cache (hit) or by a query (miss)",
            m.endpoint_cache_requests.clone(),
        );
        m.registry.register_with_unit(
            "endpoint_cache",
            "Bytes of results the endpoint cache holds",
            Unit::Bytes,
            m.endpoint_cache_bytes.clone(),
        );
        m.registry.register(
            "drain_queued_events",
            "Events waiting to be sent, by drain",
            m.drain_queued.clone(),
        );
        m.registry
            .register("drain_sent_events", "Events delivered, by drain", m.drain_sent.clone());
        m.registry.register(
            "drain_dropped_events",
            "Events given up on, by drain",
            m.drain_dropped.clone(),
        );
        m.registry.register(
            "drain_retries",
            "Batches sent again after a failure, by drain",
            m.drain_retries.clone(),
        );
        m.registry.register(
            "alert_runs",
            "Alert runs, by result (fired, quiet, failed)",
            m.alert_runs.clone(),
        );
        m.registry.register(
            "retention_deleted_events",
            "Events deleted by retention",
            m.retention_deleted.clone(),
        );
        m.registry.register_with_unit(
            "process_resident_memory",
            "Resident memory of the process",
            Unit::Bytes,
            m.resident_memory.clone(),
        );
        m
    }

    /// `name` as a label value of `kind`: itself for the first [`MAX_NAMES`] names of that kind,
    /// `other` after.
    pub fn name(&self, kind: &'static str, name: &str) -> String {
        let mut names = self.names.lock();
        let seen = names.entry(kind).or_default();
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < MAX_NAMES {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        "other".to_owned()
    }

    /// The label of a source.
    pub fn source(&self, name: &str) -> Label {
        [("source", self.name("source", name))]
    }

    /// The label of a drain.
    pub fn drain(&self, name: &str) -> Label {
        [("drain", self.name("drain", name))]
    }

    /// The label of an endpoint.
    pub fn endpoint(&self, name: &str) -> Label {
        [("endpoint", self.name("endpoint", name))]
    }

    /// Records one query's time.
    pub fn observe_query(&self, endpoint: &str, elapsed: Duration) {
        self.query_seconds
            .get_or_create(&self.endpoint(endpoint))
            .observe(elapsed.as_secs_f64());
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

/// Reads the states, then writes every metric in the OpenMetrics text format.
pub fn render(state: &AppState) -> String {
    let m = metrics();
    m.pending_events.set(state.pipeline.outstanding() as i64);
    m.loader_lag_seconds
        .set(state.pipeline.lag().map_or(0.0, |lag| lag.as_secs_f64()));
    m.endpoint_cache_bytes.set(state.endpoints.cache_bytes() as i64);
    for (drain, queued) in state.egress.queued() {
        m.drain_queued.get_or_create(&m.drain(&drain)).set(queued as i64);
    }
    if let Some(bytes) = resident_memory() {
        m.resident_memory.set(bytes as i64);
    }
    let mut text = String::new();
    encode(&mut text, &m.registry).expect("writing to a String cannot fail");
    text
}

/// Resident memory, from `VmRSS` in `/proc/self/status` (Linux; None elsewhere).
fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}
