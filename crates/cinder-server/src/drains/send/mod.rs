//! Sending batches of events to drains, one module per destination type. Each turns the events
//! (as JSON, with the source they came from) into the destination's documented request and
//! sorts its failures into transient (retried with backoff) and permanent (dropped, counted).
//!
//! One [`Sender`] serves one drain's queue, so connections (PostgreSQL, syslog) and clients
//! (BigQuery) are kept between batches and made afresh after a failure.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::drains::{Drain, DrainType};

mod bigquery;
mod clickhouse;
mod elastic;
mod http;
mod loki;
mod otlp;
mod postgres;
mod s3;
mod sentry;
mod syslog;
mod vendors;

pub use otlp::LAST9_REGIONS;
pub use sentry::parse_dsn;
pub use vendors::DATADOG_SITES;

/// What a batch's failure means for it.
#[derive(Debug)]
pub enum Failure {
    /// Worth retrying: a network error, a timeout, 429 or 5xx.
    Transient(String),
    /// Not worth retrying: the destination refused the batch (a 4xx, a bad setting).
    Permanent(String),
}

/// One event on its way: the source it came from, and the event as JSON (`id`, `timestamp`
/// in microseconds, `event_message`, and the body's fields).
pub type Outgoing = (Uuid, Value);

/// What every sender may need from the server.
#[derive(Clone)]
pub struct Environment {
    /// The catalog, for source names.
    pub catalog: Arc<Catalog>,
    /// Where drains keep state (BigQuery's log position and refused rows).
    pub data_dir: PathBuf,
    /// BigQuery's API (`CINDER_BIGQUERY_ENDPOINT`, else Google's).
    pub bigquery_endpoint: String,
    /// The service account for BigQuery drains, when the server has one.
    pub google_account: Option<Arc<cinder_bigquery::ServiceAccount>>,
}

impl Environment {
    /// The name a destination knows a source by: its `service_name`, else its name.
    pub fn source_name(&self, token: &Uuid) -> String {
        self.catalog
            .source(token)
            .map(|source| {
                let source = source.source.read();
                source
                    .service_name
                    .clone()
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| source.name.to_string())
            })
            .unwrap_or_else(|| token.to_string())
    }
}

/// How a drain's queue is cut into batches: at most this many events, or what arrived in
/// this long.
pub fn batching(drain: &Drain) -> (usize, Duration) {
    match drain.kind {
        // Objects, not requests: fewer and larger (`batch_timeout` in ms, Logflare's key).
        DrainType::S3 => {
            let wait = drain
                .config
                .get("batch_timeout")
                .and_then(Value::as_u64)
                .unwrap_or(60_000)
                .clamp(100, 3_600_000);
            (10_000, Duration::from_millis(wait))
        }
        DrainType::Bigquery | DrainType::Clickhouse | DrainType::Postgres => (1_000, Duration::from_secs(1)),
        // Logflare's webhook batch.
        _ => (250, Duration::from_secs(1)),
    }
}

/// The sender of one drain's batches, with what it keeps between them.
pub struct Sender {
    env: Environment,
    client: reqwest::Client,
    postgres: Option<postgres::Connection>,
    syslog: Option<syslog::Connection>,
    bigquery: Option<bigquery::Destination>,
    clickhouse: clickhouse::Tables,
}

impl Sender {
    /// A sender using `client` for HTTP destinations.
    pub fn new(env: Environment, client: reqwest::Client) -> Self {
        Self {
            env,
            client,
            postgres: None,
            syslog: None,
            bigquery: None,
            clickhouse: clickhouse::Tables::default(),
        }
    }

    /// Sends one batch to `drain` as its type says.
    pub async fn send(&mut self, drain: &Drain, events: &[Outgoing]) -> Result<(), Failure> {
        let env = &self.env;
        let client = &self.client;
        let result = match drain.kind {
            DrainType::Webhook => vendors::webhook(client, drain, events).await,
            DrainType::Datadog => vendors::datadog(client, env, drain, events).await,
            DrainType::Axiom => vendors::axiom(client, drain, events).await,
            DrainType::Incidentio => vendors::incidentio(client, drain, events).await,
            DrainType::Sentry => sentry::send(client, drain, events).await,
            DrainType::Elastic => elastic::send(client, env, drain, events).await,
            DrainType::Loki => loki::send(client, env, drain, events).await,
            DrainType::Otlp | DrainType::Last9 => otlp::send(client, env, drain, events).await,
            DrainType::Clickhouse => clickhouse::send(client, &mut self.clickhouse, drain, events).await,
            DrainType::S3 => s3::send(client, drain, events).await,
            DrainType::Postgres => postgres::send(&mut self.postgres, drain, events).await,
            DrainType::Syslog => syslog::send(&mut self.syslog, drain, events).await,
            DrainType::Bigquery => bigquery::send(&mut self.bigquery, env, drain, events).await,
        };
        if result.is_err() {
            // Connect afresh for the retry.
            self.postgres = None;
            self.syslog = None;
            self.clickhouse = clickhouse::Tables::default();
        }
        result
    }
}

/// The URL whose host and port the drain sends to, for a test of the connection (BigQuery's
/// is the server's: see `drains::test`).
pub fn probe_url(drain: &Drain) -> Result<String, String> {
    let reason = |failure: Failure| match failure {
        Failure::Transient(reason) | Failure::Permanent(reason) => reason,
    };
    let url = match drain.kind {
        DrainType::Datadog => vendors::datadog_url(drain).map_err(reason)?.to_owned(),
        DrainType::Axiom => setting(drain, "url")
            .map(str::to_owned)
            .unwrap_or_else(|| format!("https://{}", setting(drain, "domain").unwrap_or("api.axiom.co"))),
        DrainType::Incidentio => setting(drain, "url").unwrap_or("https://api.incident.io").to_owned(),
        DrainType::Otlp | DrainType::Last9 => otlp::url(drain).map_err(reason)?,
        DrainType::Sentry => sentry::parse_dsn(required(drain, "dsn").map_err(reason)?)?.endpoint,
        DrainType::S3 => match setting(drain, "endpoint") {
            Some(endpoint) => endpoint.to_owned(),
            None => format!(
                "https://s3.{}.amazonaws.com",
                setting(drain, "storage_region").unwrap_or("us-east-1")
            ),
        },
        DrainType::Syslog => format!(
            "tcp://{}:{}",
            required(drain, "host").map_err(reason)?,
            drain
                .config
                .get("port")
                .map(|port| port.to_string().trim_matches('"').to_owned())
                .unwrap_or_default()
        ),
        _ => required(drain, "url").map_err(reason)?.to_owned(),
    };
    Ok(url)
}

/// The drain's text setting `key`, when set and not empty.
fn setting<'d>(drain: &'d Drain, key: &str) -> Option<&'d str> {
    drain
        .config
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// The drain's text setting `key`, required.
fn required<'d>(drain: &'d Drain, key: &str) -> Result<&'d str, Failure> {
    setting(drain, key).ok_or_else(|| Failure::Permanent(format!("the drain's config has no `{key}`")))
}

/// An event's time in microseconds.
fn micros(event: &Value) -> i64 {
    event["timestamp"].as_i64().unwrap_or_default()
}

/// An event's time in RFC 3339, to the microsecond.
fn rfc3339(event: &Value) -> String {
    chrono::DateTime::from_timestamp_micros(micros(event))
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// An event's message: `event_message`, else `message`.
fn message(event: &Value) -> &str {
    event["event_message"]
        .as_str()
        .or_else(|| event["message"].as_str())
        .unwrap_or_default()
}

/// An event's level: `metadata.level`, else `level`, lowercase.
fn level(event: &Value) -> Option<String> {
    event
        .pointer("/metadata/level")
        .or_else(|| event.get("level"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}
