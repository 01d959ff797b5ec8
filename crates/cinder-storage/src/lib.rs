//! Where events live: the [`Backend`] trait, the catalog store, and one module per backend.
//!
//! A backend stores the events of each source in a table of its own and runs SQL that
//! `cinder_sql` translated for its [`Target`]. Writes arrive from the server's loader in
//! [`LoadBatch`]es that carry the write-ahead-log position they cover; a backend commits the
//! rows and the position in one transaction, so replaying the log after a crash never stores
//! an event twice. Every backend runs the suite in `tests/conformance.rs`.

mod catalog;
pub mod embedded;
mod error;
pub mod postgres;
mod rows;

use std::sync::Arc;

use async_trait::async_trait;
use cinder_core::{LogEvent, Schema};
use cinder_sql::{Target, TargetSql};

pub use catalog::{CatalogEntry, CatalogStore};
pub use embedded::{Embedded, EngineSettings};
pub use error::StorageError;
pub use postgres::Postgres;
pub use rows::{encode_json_value, Rows};

/// Why a query failed when it ran out of time, on every backend.
pub const QUERY_TIMEOUT_MESSAGE: &str = "the query took too long and was stopped: narrow the time range or add a LIMIT";

/// The most rows one query may return; past it the query fails and asks for a LIMIT.
pub const MAX_RESULT_ROWS: usize = 100_000;

/// The events of one table within a [`LoadBatch`].
#[derive(Debug, Clone)]
pub struct TableEvents {
    /// The table (`log_events_<token>`).
    pub table: String,
    /// The source's schema; every event fits it.
    pub schema: Arc<Schema>,
    /// The events, in log order.
    pub events: Vec<Arc<LogEvent>>,
}

/// Events for several tables, stored all or nothing, with the log position they reach.
#[derive(Debug, Clone, Default)]
pub struct LoadBatch {
    /// Per-table events.
    pub tables: Vec<TableEvents>,
    /// The write-ahead-log position up to which every event is in this batch or stored before.
    pub position: u64,
}

impl LoadBatch {
    /// Returns how many events the batch holds.
    pub fn len(&self) -> usize {
        self.tables.iter().map(|table| table.events.len()).sum()
    }

    /// Returns true when the batch holds no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Stores and queries the events of each source.
///
/// Every implementation runs the suite in `tests/conformance.rs`.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Dialect accepted by [`Backend::query`].
    fn target(&self) -> Target;

    /// Creates the table, or adds the columns new in `schema`.
    async fn apply_schema(&self, table: &str, schema: &Schema) -> Result<(), StorageError>;

    /// Stores every event of `batch` and its log position, in one transaction.
    async fn insert(&self, batch: &LoadBatch) -> Result<(), StorageError>;

    /// Returns the log position of the last stored batch (0 when none).
    async fn position(&self) -> Result<u64, StorageError>;

    /// Runs SQL that `cinder_sql::translate` produced for [`Backend::target`], binding
    /// `params` in order (`None` binds NULL).
    async fn query(&self, sql: &TargetSql, params: &[Option<String>]) -> Result<Rows, StorageError>;

    /// Deletes a table and its events.
    async fn drop_table(&self, table: &str) -> Result<(), StorageError>;

    /// Deletes the events of `table` older than `cutoff` (microseconds since the epoch), in
    /// batches small enough not to hold up ingest; returns how many.
    async fn delete_older_than(&self, table: &str, cutoff: i64) -> Result<u64, StorageError>;

    /// The name queries use for `table` (a fully qualified table id on BigQuery).
    fn table_reference(&self, table: &str) -> String {
        table.to_owned()
    }

    /// Whether ingest keeps accepting events into the write-ahead log while this backend is
    /// unreachable (up to the backlog bound), rather than answering 503: for a remote
    /// service whose outages are expected to be brief and whose writes are idempotent.
    fn spools_while_unavailable(&self) -> bool {
        false
    }

    /// Events of `table` that the backend refused after they were acknowledged, newest last
    /// (at most `limit`), each `{"event": ..., "errors": [...], "at": ...}`. Backends that
    /// check every event before acknowledging it refuse none.
    async fn rejected(&self, table: &str, limit: usize) -> Result<Vec<serde_json::Value>, StorageError> {
        let _ = (table, limit);
        Ok(Vec::new())
    }
}
