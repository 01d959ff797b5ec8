//! Endpoints: saved BigQuery-SQL queries served over HTTP.
//!
//! A call binds the request's parameters to the query's `@names` (always as text, never
//! spliced into SQL), runs the query translated for the backend in use with at most
//! `max_limit` rows, and answers with the response bytes — which the [`ResultCache`] keeps. On a
//! sandboxable endpoint the caller's `sql=` (or `lql=`) runs inside the endpoint's CTEs.

mod cache;
pub mod manage;
pub mod model;
mod redact;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cinder_sql::{inspect, lql, parse, translate_parsed, Query, Sandbox, TranslateError};
use cinder_storage::{Backend, StorageError};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;
use uuid::Uuid;

pub use cache::{Key, Lifetime, Outcome, ResultCache};
pub use model::{collect_params, Endpoint, Params};

use crate::catalog::Catalog;

/// What Logflare answers when a query runs out of time.
const TIMEOUT_MESSAGE: &str = "Query timed out. Retry your query or reduce the time range.";
/// How often cached results are checked for a background re-run.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Background re-runs at once, so they never crowd out callers.
const REQUERY_CONCURRENCY: usize = 2;

/// Runs endpoints and keeps their results.
pub struct Endpoints {
    catalog: Arc<Catalog>,
    backend: Arc<dyn Backend>,
    cache: ResultCache,
    timeout: Duration,
    /// Each endpoint's query as last parsed and expanded, by endpoint token.
    parsed: Mutex<HashMap<Uuid, Arc<Parsed>>>,
}

/// An endpoint's query parsed and expanded, kept while neither its text nor any name it
/// looked up changes: parsing Supabase's `logs.all` (fourteen CTEs) took longer than
/// translating a Studio query into it and DuckDB planning the result together.
struct Parsed {
    /// The text it was parsed from.
    sql: String,
    /// Each name the expansion looked up, with what it found (see [`Endpoints::resolve`]).
    lookups: Vec<(String, Option<String>)>,
    query: Query,
}

/// What the caller of a sandboxable endpoint asked to run inside its CTEs.
enum Consumer<'a> {
    Sql(&'a str),
    Lql(&'a str),
}

#[derive(Serialize)]
struct ResultBody<'a> {
    result: &'a [Map<String, Value>],
}

impl Endpoints {
    /// Endpoints over `catalog` and `backend`, keeping up to `cache_bytes` of results; a query
    /// runs for at most `timeout`.
    pub fn new(catalog: Arc<Catalog>, backend: Arc<dyn Backend>, cache_bytes: usize, timeout: Duration) -> Self {
        Self {
            catalog,
            backend,
            cache: ResultCache::new(cache_bytes),
            timeout,
            parsed: Mutex::new(HashMap::new()),
        }
    }

    /// The result cache.
    pub fn cache(&self) -> &ResultCache {
        &self.cache
    }

    /// Parses `sql` and expands the names of other endpoints in it into subqueries (not the
    /// endpoint `own`, so an endpoint never reads itself).
    pub fn expanded(&self, sql: &str, own: Option<Uuid>) -> Result<Query, TranslateError> {
        self.expand(sql, own).map(|parsed| parsed.query)
    }

    /// [`Endpoints::expanded`] for a saved endpoint, parsed again only when its text or a name
    /// it reads has changed since the last call.
    fn expanded_endpoint(&self, endpoint: &Endpoint) -> Result<Query, TranslateError> {
        let own = Some(endpoint.token);
        let kept = self.parsed.lock().get(&endpoint.token).cloned();
        if let Some(parsed) = kept.filter(|parsed| {
            parsed.sql == endpoint.query
                && parsed
                    .lookups
                    .iter()
                    .all(|(name, found)| self.resolve(name, own) == *found)
        }) {
            return Ok(parsed.query.clone());
        }
        let parsed = self.expand(&endpoint.query, own)?;
        let query = parsed.query.clone();
        let mut kept = self.parsed.lock();
        kept.retain(|token, _| self.catalog.find(|other: &Endpoint| other.token == *token).is_some());
        kept.insert(endpoint.token, Arc::new(parsed));
        Ok(query)
    }

    fn expand(&self, sql: &str, own: Option<Uuid>) -> Result<Parsed, TranslateError> {
        let mut query = parse(sql)?;
        let lookups = std::cell::RefCell::new(Vec::new());
        inspect::expand(&mut query, |name| {
            let found = self.resolve(name, own);
            let subquery = found.as_deref().and_then(|other| parse(other).ok());
            lookups.borrow_mut().push((name.to_owned(), found));
            subquery
        });
        Ok(Parsed {
            sql: sql.to_owned(),
            lookups: lookups.into_inner(),
            query,
        })
    }

    /// The query of the endpoint that `name` stands for in the query of endpoint `own`: none
    /// when it names a source (sources come first), nothing, or `own` itself.
    fn resolve(&self, name: &str, own: Option<Uuid>) -> Option<String> {
        if self.catalog.source_by_name(name).is_some() {
            return None;
        }
        let other = self.catalog.endpoint_by_name(name)?;
        (Some(other.token) != own).then(|| other.query.clone())
    }

    /// Checks an endpoint's query as it would run, and returns the sources it reads (name →
    /// token) for its `source_mapping`.
    pub fn check(&self, endpoint: &Endpoint) -> Result<BTreeMap<String, Uuid>, String> {
        self.check_saved(&endpoint.query, Some(endpoint.token), endpoint.max_limit)
    }

    /// Checks a saved query (an endpoint's, `own`, or an alert's) as it would run with at most
    /// `max_limit` rows, and returns the sources it reads (name → token).
    pub fn check_saved(&self, sql: &str, own: Option<Uuid>, max_limit: u32) -> Result<BTreeMap<String, Uuid>, String> {
        let query = self.expanded(sql, own).map_err(|e| e.to_string())?;
        let mapping = self.mapping(&query);
        let sources = self.catalog.translator_sources(self.backend.as_ref());
        translate_parsed(query, self.backend.target(), &sources, Some(u64::from(max_limit)))
            .map_err(|error| error.to_string())?;
        Ok(mapping)
    }

    /// Runs a saved query with no parameters bound (an alert's), reading the sources of
    /// `mapping` under their saved names, and returns at most `max_limit` rows. Its time counts
    /// in the query metrics under `origin`.
    pub async fn run_saved(
        &self,
        sql: &str,
        mapping: &BTreeMap<String, Uuid>,
        max_limit: u32,
        origin: &str,
    ) -> Result<Vec<Map<String, Value>>, String> {
        let query = self.expanded(sql, None).map_err(|error| error.to_string())?;
        self.run(query, mapping, max_limit, &Params::new(), &HashMap::new(), origin)
            .await
    }

    /// The sources an endpoint's query reads (name → token), whether or not it translates.
    pub fn source_mapping(&self, endpoint: &Endpoint) -> BTreeMap<String, Uuid> {
        self.expanded(&endpoint.query, Some(endpoint.token))
            .map(|query| self.mapping(&query))
            .unwrap_or_default()
    }

    fn mapping(&self, query: &Query) -> BTreeMap<String, Uuid> {
        inspect::tables(query)
            .into_iter()
            .filter_map(|name| {
                let token = self.catalog.source_by_name(&name)?.source.read().token;
                Some((name, token))
            })
            .collect()
    }

    /// Answers a call: from the cache when the endpoint caches, else by running the query.
    /// `Err` carries the message for the caller.
    pub async fn call(
        &self,
        endpoint: Arc<Endpoint>,
        params: Params,
        redact: bool,
    ) -> (Result<Bytes, String>, Outcome) {
        if endpoint.cache_duration_seconds == 0 {
            return (self.execute(&endpoint, &params, redact).await, Outcome::Miss);
        }
        let lifetime = Lifetime {
            ttl: Duration::from_secs(endpoint.cache_duration_seconds.into()),
            requery: (endpoint.proactive_requerying_seconds > 0)
                .then(|| Duration::from_secs(endpoint.proactive_requerying_seconds.into())),
        };
        let key = Key {
            endpoint: endpoint.token,
            params: params.clone(),
            redact,
        };
        let (result, outcome) = self
            .cache
            .get_or_run(key, lifetime, self.execute(&endpoint, &params, redact))
            .await;
        let label = match outcome {
            Outcome::Hit => "hit",
            Outcome::Miss => "miss",
        };
        crate::metrics::metrics()
            .endpoint_cache_requests
            .get_or_create(&[("result", label.to_owned())])
            .inc();
        (result, outcome)
    }

    /// Bytes of results the cache holds.
    pub fn cache_bytes(&self) -> usize {
        self.cache.bytes()
    }

    /// Runs an endpoint's query once.
    async fn execute(&self, endpoint: &Endpoint, params: &Params, redact: bool) -> Result<Bytes, String> {
        let query = self.expanded_endpoint(endpoint).map_err(|error| error.to_string())?;
        let text = |name: &str| params.get(name).and_then(Option::as_deref);
        let consumer = match (endpoint.is_sandboxable(), text("sql"), text("lql")) {
            (true, Some(sql), _) if !sql.trim().is_empty() => Some(Consumer::Sql(sql)),
            (true, None | Some(_), Some(lql)) if !lql.trim().is_empty() => Some(Consumer::Lql(lql)),
            _ => None,
        };
        let mut lql_values = HashMap::new();
        let query = match consumer {
            None => query,
            Some(Consumer::Sql(sql)) => Sandbox::from_query(query)
                .and_then(|sandbox| sandbox.combine(sql))
                .map_err(|error| error.to_string())?,
            Some(Consumer::Lql(text)) => {
                let sandbox = Sandbox::from_query(query).map_err(|error| error.to_string())?;
                let search = lql::parse(text, chrono::Utc::now().timestamp_micros()).map_err(|e| e.to_string())?;
                let table = match (&search.from, sandbox.tables()) {
                    (Some(from), tables) if tables.contains(from) => from.clone(),
                    (Some(from), tables) => {
                        return Err(format!(
                            "LQL: `f:{from}` is not one of the endpoint's CTEs ({})",
                            tables.join(", ")
                        ))
                    }
                    (None, [only]) => only.clone(),
                    (None, tables) => {
                        return Err(format!(
                            "LQL: the endpoint has several CTEs ({}); choose one with `f:<name>`",
                            tables.join(", ")
                        ))
                    }
                };
                let search = search.to_sql(&table);
                lql_values.extend(search.params);
                sandbox.combine(&search.sql).map_err(|error| error.to_string())?
            }
        };
        let mut rows = self
            .run(
                query,
                &endpoint.source_mapping,
                endpoint.max_limit,
                params,
                &lql_values,
                &endpoint.name,
            )
            .await?;
        if redact {
            for row in &mut rows {
                row.values_mut().for_each(redact::redact);
            }
        }
        serde_json::to_vec(&ResultBody { result: &rows })
            .map(Bytes::from)
            .map_err(|error| format!("cannot encode the result: {error}"))
    }

    /// Translates `query` for the backend and runs it with the query timeout, binding its
    /// parameters from `params` and `extra`; at most `max_limit` rows.
    async fn run(
        &self,
        query: Query,
        mapping: &BTreeMap<String, Uuid>,
        max_limit: u32,
        params: &Params,
        extra: &HashMap<String, String>,
        origin: &str,
    ) -> Result<Vec<Map<String, Value>>, String> {
        let sources = self.sources_for(mapping);
        let translated = translate_parsed(query, self.backend.target(), &sources, Some(max_limit.into()))
            .map_err(|error| error.to_string())?;
        let values = model::bind(&translated.params, params, extra);
        let started = Instant::now();
        let rows = match tokio::time::timeout(self.timeout, self.backend.query(&translated, &values)).await {
            Err(_) => return Err(TIMEOUT_MESSAGE.to_owned()),
            Ok(result) => result.map_err(storage_message)?,
        };
        crate::metrics::metrics().observe_query(origin, started.elapsed());
        let mut rows = rows.rows;
        // The LIMIT added to the query covers literal limits; this covers the rest.
        rows.truncate(max_limit as usize);
        Ok(rows)
    }

    /// The caller's sources, plus the names a query was saved with (`mapping`) for sources
    /// renamed since, so the query reads the same sources.
    fn sources_for(&self, mapping: &BTreeMap<String, Uuid>) -> cinder_sql::Sources {
        let mut sources = self.catalog.translator_sources(self.backend.as_ref());
        for (name, token) in mapping {
            if sources.contains_key(name) {
                continue;
            }
            if let Some(handle) = self.catalog.source(token) {
                let current = handle.source.read().name.as_str().to_owned();
                if let Some(table) = sources.get(&current).cloned() {
                    sources.insert(name.clone(), table);
                }
            }
        }
        sources
    }

    /// Re-runs cached results that are still being read before they expire, and drops the ones
    /// nobody reads. Runs until the process ends.
    pub async fn run_requery(self: Arc<Self>) {
        let permits = Arc::new(Semaphore::new(REQUERY_CONCURRENCY));
        let mut ticker = tokio::time::interval(SWEEP_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            for due in self.cache.sweep(Instant::now()) {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    return;
                };
                let this = self.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    let result = match this.catalog.endpoint(&due.key.endpoint) {
                        Some(endpoint) => this.execute(&endpoint, &due.key.params, due.key.redact).await,
                        None => Err("the endpoint was deleted".to_owned()),
                    };
                    if let Err(error) = &result {
                        tracing::warn!(endpoint = %due.key.endpoint, %error, "a background re-run failed; the result is dropped");
                    }
                    this.cache.refreshed(due, result);
                });
            }
        }
    }
}

fn storage_message(error: StorageError) -> String {
    match error {
        StorageError::Query(message) if message == cinder_storage::QUERY_TIMEOUT_MESSAGE => TIMEOUT_MESSAGE.to_owned(),
        StorageError::Query(message) => message,
        StorageError::Unavailable(message) => format!("the backend is unavailable, retry shortly: {message}"),
        StorageError::Internal(cause) => {
            tracing::error!(%cause, "an endpoint query failed");
            "internal error while running the query; the cause is in Cinder's log".to_owned()
        }
    }
}
