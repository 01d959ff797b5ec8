//! The BigQuery backend: one dataset, a table per source, streaming inserts and queries over
//! BigQuery's REST API (Google's, or an emulator's).
//!
//! - **Tables** are Logflare's: `<token with _>`, partitioned by day on `timestamp` with
//!   `requirePartitionFilter`, clustered on `timestamp`, partitions expiring after the source's
//!   retention. A table's schema is patched as the source's grows; a live type is never changed.
//! - **Writes** arrive from the loader after the write-ahead log made them durable. Rows go out
//!   by `tabledata.insertAll` in chunks of at most 500, with the event id as `insertId` (so a
//!   batch sent again soon after a failure is deduplicated by BigQuery), refusing invalid rows rather
//!   than skipping them: a row BigQuery refuses is kept on local disk with BigQuery's reasons
//!   (see [`Backend::rejected`]) and the rest of the chunk is sent again. Transient failures are
//!   retried; while BigQuery stays unreachable the batch stays in the log and ingest keeps
//!   accepting events into it ([`Backend::spools_while_unavailable`]). BigQuery has no
//!   transaction to hold the log position with the rows, so it is kept in a file beside the
//!   log, written after the rows are accepted.
//! - **Exactly once.** BigQuery forgets an `insertId` after about a minute, so a batch sent
//!   again later (after an outage, or a restart) would be stored twice. So the ids sent to a
//!   table are remembered until a batch to it has gone through whole; before rows among them
//!   go again, BigQuery is asked which it holds already, and only the others are sent. After
//!   a start nothing is known of what the last process sent: every row of the first batch is
//!   asked about.
//! - **Queries** are the translator's BigQuery target, run by `jobs.query` with named STRING
//!   parameters, paged through `getQueryResults`, and read into rows encoded as every backend
//!   encodes them.
#![warn(missing_docs)]

pub mod auth;
pub mod client;
mod results;
mod schema;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cinder_core::{LogEvent, Schema};
use cinder_sql::{Target, TargetSql};
use cinder_storage::{Backend, LoadBatch, Rows, StorageError, TableEvents, MAX_RESULT_ROWS, QUERY_TIMEOUT_MESSAGE};
use parking_lot::Mutex;
use reqwest::Method;
use serde_json::{json, Value};

pub use auth::ServiceAccount;
pub use client::{ApiError, Client, GOOGLE_ENDPOINT};
use schema::{row, table_fields};

/// The most rows in one `insertAll` call (Google's recommendation).
const INSERT_ROWS: usize = 500;
/// The most bytes of rows in one `insertAll` call (BigQuery's limit is 10 MB).
const INSERT_BYTES: usize = 8 << 20;
/// The most ids asked about in one query (see [`BigQuery::stored_before`]).
const ASK_IDS: usize = 10_000;
/// How many times the valid rows of a chunk are sent again after others were refused.
const INSERT_ROUNDS: usize = 3;
/// Rows per page of query results.
const PAGE_ROWS: usize = 10_000;
/// How long one call waits for a query to finish before asking again.
const POLL: Duration = Duration::from_secs(10);
const DAY_MS: i64 = 86_400_000;

/// Where and how to reach BigQuery.
#[derive(Debug, Clone)]
pub struct BigQueryConfig {
    /// `GOOGLE_PROJECT_ID`.
    pub project_id: String,
    /// The dataset holding the tables (`<user id><GOOGLE_DATASET_ID_APPEND>`).
    pub dataset_id: String,
    /// `GOOGLE_DATASET_LOCATION` (default `US`).
    pub location: String,
    /// Google's API, or an emulator (`CINDER_BIGQUERY_ENDPOINT`).
    pub endpoint: String,
    /// The service account; `None` sends no credentials (emulators).
    pub account: Option<Arc<ServiceAccount>>,
    /// Where the log position and refused rows are kept.
    pub state_dir: PathBuf,
    /// How long a query may run.
    pub query_timeout: Duration,
    /// Whether queries must filter on `timestamp` (Logflare sets it; so does Cinder by default).
    pub require_partition_filter: bool,
}

/// The BigQuery backend. Cheap to clone.
#[derive(Clone)]
pub struct BigQuery {
    inner: Arc<Inner>,
}

struct Inner {
    config: BigQueryConfig,
    client: Client,
    dataset_ready: tokio::sync::OnceCell<()>,
    /// The schema version each table was last brought to.
    applied: Mutex<HashMap<String, u64>>,
    /// The partition expiry each table was last given (ms).
    expiry: Mutex<HashMap<String, i64>>,
    /// Serialises writes to the position and rejected files.
    files: Mutex<()>,
    /// Per table, the ids sent since a batch to it last went through whole: rows of a batch
    /// that failed part-way may be stored already.
    sent: Mutex<HashMap<String, HashSet<String>>>,
    /// Set until the first batch after the start is stored: the batch in flight when the
    /// last process stopped may have been stored without its position.
    starting: AtomicBool,
}

impl BigQuery {
    /// Connects: checks that BigQuery answers and creates the dataset when missing.
    pub async fn connect(config: BigQueryConfig) -> Result<Self, StorageError> {
        std::fs::create_dir_all(config.state_dir.join("rejected")).map_err(|error| {
            StorageError::Internal(format!("cannot create {}: {error}", config.state_dir.display()))
        })?;
        let client = Client::new(&config.endpoint, &config.project_id, config.account.clone());
        let backend = Self {
            inner: Arc::new(Inner {
                config,
                client,
                dataset_ready: tokio::sync::OnceCell::new(),
                applied: Mutex::new(HashMap::new()),
                expiry: Mutex::new(HashMap::new()),
                files: Mutex::new(()),
                sent: Mutex::new(HashMap::new()),
                starting: AtomicBool::new(true),
            }),
        };
        backend.ensure_dataset().await?;
        Ok(backend)
    }

    /// The table id of a source table (`log_events_<token>` → `<token>`, as Logflare names it).
    pub fn table_id(table: &str) -> &str {
        table.strip_prefix("log_events_").unwrap_or(table)
    }

    fn table_path(&self, table: &str) -> String {
        format!(
            "/datasets/{}/tables/{}",
            self.inner.config.dataset_id,
            Self::table_id(table)
        )
    }

    async fn ensure_dataset(&self) -> Result<(), StorageError> {
        let config = &self.inner.config;
        self.inner
            .dataset_ready
            .get_or_try_init(|| async {
                let body = json!({
                    "datasetReference": {"projectId": config.project_id, "datasetId": config.dataset_id},
                    "location": config.location,
                    "description": "Managed by Cinder",
                    "labels": {"managed_by": "cinder"},
                });
                match self.call(Method::POST, "/datasets", &[], Some(&body)).await {
                    Ok(_) => {
                        tracing::info!(dataset = %config.dataset_id, "created the BigQuery dataset");
                        Ok(())
                    }
                    Err(error) if error.is_duplicate() => Ok(()),
                    Err(error) => Err(storage_error(error)),
                }
            })
            .await
            .map(|_| ())
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        self.inner.client.call_retrying(method, path, query, body).await
    }

    /// Creates the table or adds the fields new in `schema`.
    /// Streams one table's events in chunks under insertAll's limits; returns the rows
    /// BigQuery refused, with their reasons.
    async fn insert_table<'t>(&self, table: &'t TableEvents) -> Result<Vec<(&'t LogEvent, Value)>, StorageError> {
        self.bring_table_to(&table.table, &table.schema).await?;
        let stored = self.stored_before(table).await?;
        let mut refused = Vec::new();
        let mut chunk: Vec<(&LogEvent, Value)> = Vec::with_capacity(INSERT_ROWS);
        let mut bytes = 0;
        for event in table.events.iter().filter(|event| !stored.contains(&event.id)) {
            let row = row(event);
            let size = row.to_string().len();
            if !chunk.is_empty() && (chunk.len() == INSERT_ROWS || bytes + size > INSERT_BYTES) {
                refused.extend(self.insert_chunk(&table.table, &chunk).await?);
                chunk.clear();
                bytes = 0;
            }
            bytes += size;
            chunk.push((event.as_ref(), row));
        }
        if !chunk.is_empty() {
            refused.extend(self.insert_chunk(&table.table, &chunk).await?);
        }
        Ok(refused)
    }

    async fn bring_table_to(&self, table: &str, schema: &Schema) -> Result<(), StorageError> {
        if self
            .inner
            .applied
            .lock()
            .get(table)
            .is_some_and(|version| *version >= schema.version())
        {
            return Ok(());
        }
        self.ensure_dataset().await?;
        let wanted = table_fields(schema);
        let path = self.table_path(table);
        let live = match self.call(Method::GET, &path, &[], None).await {
            Ok(live) => Some(live),
            Err(error) if error.is_not_found() => None,
            Err(error) => return Err(storage_error(error)),
        };
        match live {
            None => self.create_table(table, &wanted).await?,
            Some(live) => self.patch_schema(table, &live, &wanted).await?,
        }
        self.inner.applied.lock().insert(table.to_owned(), schema.version());
        Ok(())
    }

    async fn create_table(&self, table: &str, fields: &[Value]) -> Result<(), StorageError> {
        let config = &self.inner.config;
        let body = json!({
            "tableReference": {
                "projectId": config.project_id,
                "datasetId": config.dataset_id,
                "tableId": Self::table_id(table),
            },
            "schema": {"fields": fields},
            "timePartitioning": {"type": "DAY", "field": "timestamp"},
            "requirePartitionFilter": config.require_partition_filter,
            "clustering": {"fields": ["timestamp"]},
            "labels": {"managed_by": "cinder"},
        });
        let path = format!("/datasets/{}/tables", config.dataset_id);
        match self.call(Method::POST, &path, &[], Some(&body)).await {
            Ok(_) => Ok(()),
            // Created meanwhile (another Cinder, or a retried call that had succeeded).
            Err(error) if error.is_duplicate() => {
                let live = self
                    .call(Method::GET, &self.table_path(table), &[], None)
                    .await
                    .map_err(storage_error)?;
                self.patch_schema(table, &live, fields).await
            }
            Err(error) => Err(storage_error(error)),
        }
    }

    /// Patches the live table with the fields it lacks. A field whose type differs is kept as
    /// the table has it (BigQuery refuses to change a type) and reported.
    async fn patch_schema(&self, table: &str, live: &Value, wanted: &[Value]) -> Result<(), StorageError> {
        let path = self.table_path(table);
        let mut live = live.clone();
        for attempt in 0..2 {
            let live_fields = live["schema"]["fields"].as_array().cloned().unwrap_or_default();
            let changes = schema::type_changes(&live_fields, wanted, "");
            if !changes.is_empty() {
                tracing::warn!(
                    table = Self::table_id(table),
                    changes = %changes.join(", "),
                    "the BigQuery table has other types than the source's schema; rows that do not fit are refused and kept"
                );
            }
            let Some(merged) = schema::merge(&live_fields, wanted) else {
                return Ok(());
            };
            let body = json!({"schema": {"fields": merged}});
            match self.call(Method::PATCH, &path, &[], Some(&body)).await {
                Ok(answer) => {
                    let now_live = answer["schema"]["fields"].as_array().cloned().unwrap_or_default();
                    if !now_live.is_empty() && schema::merge(&now_live, wanted).is_some() {
                        // BigQuery adds every field it accepts; a service that answers 200 and
                        // leaves some out (the local emulator, for fields inside objects)
                        // would refuse or drop their values.
                        tracing::error!(
                            table = Self::table_id(table),
                            "the schema patch was accepted but some fields were not added"
                        );
                    }
                    return Ok(());
                }
                // "Provided Schema does not match Table": the table changed under us (or a
                // type could not be changed). Read it again and merge once more.
                Err(ApiError::Refused {
                    status: 400, message, ..
                }) if attempt == 0 => {
                    tracing::warn!(table = Self::table_id(table), %message, "schema patch refused; re-reading the table");
                    live = self.call(Method::GET, &path, &[], None).await.map_err(storage_error)?;
                }
                Err(error) => return Err(storage_error(error)),
            }
        }
        Err(StorageError::Internal(format!(
            "the schema of BigQuery table `{}` cannot be brought up to date",
            Self::table_id(table)
        )))
    }

    /// Sends one chunk of rows; returns the events BigQuery refused, with its reasons.
    async fn insert_chunk<'e>(
        &self,
        table: &str,
        chunk: &[(&'e LogEvent, Value)],
    ) -> Result<Vec<(&'e LogEvent, Value)>, StorageError> {
        let path = format!("{}/insertAll", self.table_path(table));
        let mut pending: Vec<usize> = (0..chunk.len()).collect();
        let mut refused = Vec::new();
        // Remembered before the call: its answer may be lost after BigQuery stored the rows.
        self.inner
            .sent
            .lock()
            .entry(table.to_owned())
            .or_default()
            .extend(chunk.iter().map(|(event, _)| event.id.clone()));
        for _ in 0..INSERT_ROUNDS {
            let rows: Vec<Value> = pending
                .iter()
                .map(|&index| json!({"insertId": chunk[index].0.id, "json": chunk[index].1}))
                .collect();
            let body = json!({
                "kind": "bigquery#tableDataInsertAllRequest",
                "skipInvalidRows": false,
                "ignoreUnknownValues": false,
                "rows": rows,
            });
            let answer = self
                .call(Method::POST, &path, &[], Some(&body))
                .await
                .map_err(storage_error)?;
            let Some(errors) = answer["insertErrors"].as_array().filter(|errors| !errors.is_empty()) else {
                return Ok(refused);
            };
            // Rows with a reason of their own are refused; the others ("stopped") were held
            // back because of them and go again.
            let mut again = Vec::new();
            let mut failed = vec![false; pending.len()];
            for error in errors {
                let Some(position) = error["index"].as_u64().map(|index| index as usize) else {
                    continue;
                };
                let Some(&index) = pending.get(position) else { continue };
                failed[position] = true;
                let reasons: Vec<Value> = error["errors"]
                    .as_array()
                    .map(|reasons| {
                        reasons
                            .iter()
                            .filter(|reason| reason["reason"] != "stopped")
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                if reasons.is_empty() {
                    again.push(index);
                } else {
                    refused.push((chunk[index].0, Value::Array(reasons)));
                }
            }
            // Rows without an error entry were stored when every error is "stopped"-free;
            // BigQuery stores nothing of a request that has refused rows, so they go again.
            again.extend(
                pending
                    .iter()
                    .enumerate()
                    .filter(|(position, _)| !failed[*position])
                    .map(|(_, &index)| index),
            );
            again.sort_unstable();
            if again.is_empty() {
                return Ok(refused);
            }
            pending = again;
        }
        Err(StorageError::Unavailable(format!(
            "BigQuery kept refusing a chunk of {} rows of `{}`",
            pending.len(),
            Self::table_id(table)
        )))
    }

    /// The ids of `table`'s events that may have been sent before and that BigQuery holds.
    async fn stored_before(&self, table: &TableEvents) -> Result<HashSet<String>, StorageError> {
        let asked: Vec<&LogEvent> = if self.inner.starting.load(Ordering::Acquire) {
            table.events.iter().map(AsRef::as_ref).collect()
        } else {
            let sent = self.inner.sent.lock();
            let Some(ids) = sent.get(&table.table) else {
                return Ok(HashSet::new());
            };
            table
                .events
                .iter()
                .map(AsRef::as_ref)
                .filter(|event| ids.contains(&event.id))
                .collect()
        };
        let mut stored = HashSet::new();
        for events in asked.chunks(ASK_IDS) {
            stored.extend(self.stored_ids(&table.table, events).await?);
        }
        if !stored.is_empty() {
            tracing::info!(
                table = Self::table_id(&table.table),
                rows = stored.len(),
                "rows sent before are in BigQuery already; they are not sent again"
            );
        }
        Ok(stored)
    }

    /// The ids of `events` that `table` holds already.
    async fn stored_ids(&self, table: &str, events: &[&LogEvent]) -> Result<HashSet<String>, StorageError> {
        let Some(from) = events.iter().map(|event| event.timestamp).min() else {
            return Ok(HashSet::new());
        };
        let to = events.iter().map(|event| event.timestamp).max().unwrap_or(from);
        let config = &self.inner.config;
        let ids: Vec<Value> = events.iter().map(|event| json!({"value": event.id})).collect();
        let body = json!({
            "query": format!(
                "SELECT id FROM `{}.{}` WHERE timestamp BETWEEN TIMESTAMP_MICROS(@from) AND TIMESTAMP_MICROS(@to) AND id IN UNNEST(@ids)",
                config.dataset_id,
                Self::table_id(table)
            ),
            "useLegacySql": false,
            "parameterMode": "NAMED",
            "queryParameters": [
                {"name": "from", "parameterType": {"type": "INT64"}, "parameterValue": {"value": from.to_string()}},
                {"name": "to", "parameterType": {"type": "INT64"}, "parameterValue": {"value": to.to_string()}},
                {"name": "ids", "parameterType": {"type": "ARRAY", "arrayType": {"type": "STRING"}}, "parameterValue": {"arrayValues": ids}},
            ],
            "maxResults": PAGE_ROWS,
            "timeoutMs": POLL.min(config.query_timeout).as_millis() as u64,
            "location": config.location,
            "useQueryCache": false,
            "labels": {"managed_by": "cinder"},
        });
        let (_, rows) = self.run_query(body).await.map_err(storage_error)?;
        Ok(rows
            .iter()
            .filter_map(|row| row.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }

    /// Keeps refused events on disk, so they are reported rather than lost.
    fn keep_refused(&self, table: &str, refused: &[(&LogEvent, Value)]) -> Result<(), StorageError> {
        if refused.is_empty() {
            return Ok(());
        }
        let _guard = self.inner.files.lock();
        let path = self.rejected_path(table);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|error| {
                StorageError::Internal(format!("cannot keep refused rows in {}: {error}", path.display()))
            })?;
        let at = chrono::Utc::now().to_rfc3339();
        let mut text = String::new();
        for (event, errors) in refused {
            let line = json!({"event": event.to_json(), "errors": errors, "at": at});
            text.push_str(&line.to_string());
            text.push('\n');
        }
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|error| {
                StorageError::Internal(format!("cannot keep refused rows in {}: {error}", path.display()))
            })?;
        tracing::error!(
            table = Self::table_id(table),
            rows = refused.len(),
            first = %refused[0].1,
            "BigQuery refused rows; they are kept in {}",
            path.display()
        );
        Ok(())
    }

    fn rejected_path(&self, table: &str) -> PathBuf {
        self.inner
            .config
            .state_dir
            .join("rejected")
            .join(format!("{}.ndjson", Self::table_id(table)))
    }

    fn position_path(&self) -> PathBuf {
        self.inner.config.state_dir.join("position")
    }

    fn save_position(&self, position: u64) -> Result<(), StorageError> {
        let _guard = self.inner.files.lock();
        let path = self.position_path();
        let temporary = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(position.to_string().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, &path)?;
            if let Some(dir) = path.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|error| StorageError::Internal(format!("cannot save the log position: {error}")))
    }

    /// Runs one query to the end, paging through its results.
    async fn run_query(&self, body: Value) -> Result<(Vec<Value>, Vec<serde_json::Map<String, Value>>), ApiError> {
        let config = &self.inner.config;
        let started = Instant::now();
        let mut answer = self.call(Method::POST, "/queries", &[], Some(&body)).await?;
        let job = answer["jobReference"]["jobId"].as_str().map(str::to_owned);
        let location = answer["jobReference"]["location"]
            .as_str()
            .unwrap_or(&config.location)
            .to_owned();
        let results = |extra: Vec<(&'static str, String)>| {
            let mut query = vec![
                ("location", location.clone()),
                ("maxResults", PAGE_ROWS.to_string()),
                ("formatOptions.useInt64Timestamp", "true".to_owned()),
            ];
            query.extend(extra);
            query
        };
        while answer["jobComplete"] == false {
            let Some(job) = &job else { break };
            if started.elapsed() >= config.query_timeout {
                let cancel = format!("/jobs/{job}/cancel");
                let _ = self
                    .call(Method::POST, &cancel, &[("location", location.clone())], None)
                    .await;
                return Err(ApiError::Refused {
                    status: 408,
                    reason: "timeout".into(),
                    message: QUERY_TIMEOUT_MESSAGE.into(),
                });
            }
            let wait = POLL.min(config.query_timeout.saturating_sub(started.elapsed()));
            let query = results(vec![("timeoutMs", wait.as_millis().to_string())]);
            answer = self.call(Method::GET, &format!("/queries/{job}"), &query, None).await?;
        }
        let fields = answer["schema"]["fields"].as_array().cloned().unwrap_or_default();
        let mut rows = results::decode_rows(
            &fields,
            answer["rows"].as_array().map(Vec::as_slice).unwrap_or_default(),
        );
        while let (Some(token), Some(job)) = (answer["pageToken"].as_str().map(str::to_owned), &job) {
            if rows.len() > MAX_RESULT_ROWS {
                break;
            }
            let query = results(vec![("pageToken", token)]);
            answer = self.call(Method::GET, &format!("/queries/{job}"), &query, None).await?;
            rows.extend(results::decode_rows(
                &fields,
                answer["rows"].as_array().map(Vec::as_slice).unwrap_or_default(),
            ));
        }
        Ok((fields, rows))
    }
}

/// The named STRING parameters of a query (`None` binds NULL: no value).
fn parameters(sql: &TargetSql, params: &[Option<String>]) -> Vec<Value> {
    sql.params
        .iter()
        .zip(params.iter().chain(std::iter::repeat(&None)))
        .map(|(name, value)| {
            let value = match value {
                Some(value) => json!({"value": value}),
                None => json!({}),
            };
            json!({"name": name, "parameterType": {"type": "STRING"}, "parameterValue": value})
        })
        .collect()
}

/// A storage error for a failed call: transient failures make the backend unavailable
/// (ingest spools, queries answer 503); refusals are the caller's to read.
fn storage_error(error: ApiError) -> StorageError {
    match error {
        ApiError::Transient(message) => StorageError::Unavailable(message),
        ApiError::Refused { reason, message, .. } if reason == "quotaExceeded" => {
            StorageError::Unavailable(format!("BigQuery quota exceeded: {message}"))
        }
        refused => StorageError::Internal(refused.to_string()),
    }
}

#[async_trait]
impl Backend for BigQuery {
    fn target(&self) -> Target {
        Target::BigQuery
    }

    async fn apply_schema(&self, table: &str, schema: &Schema) -> Result<(), StorageError> {
        self.bring_table_to(table, schema).await
    }

    async fn insert(&self, batch: &LoadBatch) -> Result<(), StorageError> {
        // Tables are written concurrently: each insertAll is a round trip to BigQuery.
        // When one table fails, the calls to the others are cut off in flight: the ids they
        // sent stay remembered (see `Inner::sent`).
        let refused =
            futures_util::future::try_join_all(batch.tables.iter().map(|table| self.insert_table(table))).await?;
        for (table, refused) in batch.tables.iter().zip(refused) {
            self.keep_refused(&table.table, &refused)?;
        }
        self.save_position(batch.position)?;
        let mut sent = self.inner.sent.lock();
        for table in &batch.tables {
            sent.remove(&table.table);
        }
        self.inner.starting.store(false, Ordering::Release);
        Ok(())
    }

    async fn position(&self) -> Result<u64, StorageError> {
        match std::fs::read_to_string(self.position_path()) {
            Ok(text) => text
                .trim()
                .parse()
                .map_err(|_| StorageError::Internal(format!("unreadable log position `{text}`"))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(error) => Err(StorageError::Internal(format!("cannot read the log position: {error}"))),
        }
    }

    async fn query(&self, sql: &TargetSql, params: &[Option<String>]) -> Result<Rows, StorageError> {
        let config = &self.inner.config;
        let body = json!({
            "query": sql.sql,
            "useLegacySql": false,
            "parameterMode": "NAMED",
            "queryParameters": parameters(sql, params),
            "maxResults": PAGE_ROWS,
            "timeoutMs": POLL.min(config.query_timeout).as_millis() as u64,
            "location": config.location,
            "useQueryCache": true,
            "formatOptions": {"useInt64Timestamp": true},
            "labels": {"managed_by": "cinder"},
        });
        let (fields, rows) = self.run_query(body).await.map_err(|error| match error {
            ApiError::Transient(message) => StorageError::Unavailable(message),
            ApiError::Refused { message, .. } => StorageError::Query(message),
        })?;
        if rows.len() > MAX_RESULT_ROWS {
            return Err(StorageError::Query(format!(
                "the result has more than {MAX_RESULT_ROWS} rows: add a LIMIT or aggregate"
            )));
        }
        Ok(Rows {
            columns: results::column_names(&fields),
            rows,
        })
    }

    async fn drop_table(&self, table: &str) -> Result<(), StorageError> {
        self.inner.applied.lock().remove(table);
        match self.call(Method::DELETE, &self.table_path(table), &[], None).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_not_found() => Ok(()),
            Err(error) => Err(storage_error(error)),
        }
    }

    /// Gives the table's partitions the retention as their expiry (BigQuery then drops whole
    /// days by itself) and deletes the older rows of the partly expired day.
    async fn delete_older_than(&self, table: &str, cutoff: i64) -> Result<u64, StorageError> {
        let now = chrono::Utc::now().timestamp_micros();
        let days = ((now - cutoff) as f64 / (DAY_MS as f64 * 1000.0)).round().max(1.0) as i64;
        let expiration = days * DAY_MS;
        if self.inner.expiry.lock().get(table) != Some(&expiration) {
            let body = json!({"timePartitioning": {"type": "DAY", "field": "timestamp", "expirationMs": expiration.to_string()}});
            match self
                .call(Method::PATCH, &self.table_path(table), &[], Some(&body))
                .await
            {
                Ok(_) => {
                    self.inner.expiry.lock().insert(table.to_owned(), expiration);
                }
                Err(error) if error.is_not_found() => return Ok(0),
                Err(error) => return Err(storage_error(error)),
            }
        }
        let config = &self.inner.config;
        let statement = format!(
            "DELETE FROM `{}.{}.{}` WHERE timestamp < TIMESTAMP_MICROS(@cutoff)",
            config.project_id,
            config.dataset_id,
            Self::table_id(table)
        );
        let body = json!({
            "query": statement,
            "useLegacySql": false,
            "parameterMode": "NAMED",
            "queryParameters": [{"name": "cutoff", "parameterType": {"type": "INT64"}, "parameterValue": {"value": cutoff.to_string()}}],
            "location": config.location,
        });
        match self.call(Method::POST, "/queries", &[], Some(&body)).await {
            Ok(answer) => Ok(answer["numDmlAffectedRows"]
                .as_str()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)),
            // Rows still in the streaming buffer cannot be deleted yet; the next run will.
            Err(ApiError::Refused { message, .. }) => {
                tracing::warn!(table = Self::table_id(table), %message, "old rows not deleted yet");
                Ok(0)
            }
            Err(error) => Err(storage_error(error)),
        }
    }

    fn table_reference(&self, table: &str) -> String {
        let config = &self.inner.config;
        format!("{}.{}.{}", config.project_id, config.dataset_id, Self::table_id(table))
    }

    fn spools_while_unavailable(&self) -> bool {
        true
    }

    async fn rejected(&self, table: &str, limit: usize) -> Result<Vec<Value>, StorageError> {
        let text = match std::fs::read_to_string(self.rejected_path(table)) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(StorageError::Internal(error.to_string())),
        };
        let lines: Vec<&str> = text.lines().collect();
        Ok(lines[lines.len().saturating_sub(limit)..]
            .iter()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect())
    }
}
