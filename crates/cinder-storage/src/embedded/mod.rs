//! The embedded backend: one DuckDB database file, one table per source.
//!
//! Each table has `id`, `timestamp`, `event_message`, the whole event as JSON in
//! [`ROOT_COLUMN`], and one typed column per [`Column`] of the source's schema, named by its
//! dotted path (`"metadata.request.path"`), added as the schema grows. Filters and
//! aggregates then read typed columns instead of parsing JSON (DESIGN.md has the numbers).
//!
//! Writes go through one connection under a lock; queries use a small pool of their own
//! connections, so a long query never blocks ingest. All DuckDB calls run on the blocking
//! thread pool.

mod layout;
mod read;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cinder_core::Schema;
use cinder_sql::{Target, TargetSql};
use duckdb::{params, Config, Connection};
use parking_lot::{Mutex, RwLock};
use serde_json::Value;

use self::layout::TableLayout;
use crate::{Backend, CatalogEntry, CatalogStore, LoadBatch, Rows, StorageError};

/// How long a query may run unless [`Embedded::set_query_timeout`] says otherwise.
const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(60);

/// How the embedded engine uses memory and disk; sizes are DuckDB's (`256MB`, `1GB`).
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Memory for queries, caches and not yet checkpointed rows; past it DuckDB spills to disk.
    pub memory_limit: String,
    /// The size DuckDB's own log reaches before its rows are compressed into the database file.
    /// Each checkpoint compresses the table's last, partly filled row group (up to 122,880 rows)
    /// again, so a small threshold rewrites the same rows many times: 16 MB (DuckDB's default)
    /// loaded events at half the rate of 256 MB in `bench/ingest`.
    pub checkpoint_threshold: String,
    /// How long after its last write the engine folds its log into the database file, so an
    /// idle server (or one that replayed a long log at start) gives back the memory that the
    /// rows not yet checkpointed hold.
    pub idle_checkpoint: Duration,
}

impl EngineSettings {
    /// The default [`EngineSettings::memory_limit`].
    pub const DEFAULT_MEMORY_LIMIT: &'static str = "256MB";
    /// The default [`EngineSettings::checkpoint_threshold`].
    pub const DEFAULT_CHECKPOINT_THRESHOLD: &'static str = "256MB";
    /// The default [`EngineSettings::idle_checkpoint`].
    pub const DEFAULT_IDLE_CHECKPOINT: Duration = Duration::from_secs(10);
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            memory_limit: Self::DEFAULT_MEMORY_LIMIT.into(),
            checkpoint_threshold: Self::DEFAULT_CHECKPOINT_THRESHOLD.into(),
            idle_checkpoint: Self::DEFAULT_IDLE_CHECKPOINT,
        }
    }
}

/// The embedded DuckDB backend and catalog store.

#[derive(Clone)]
pub struct Embedded {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Writer>,
    /// How long a query may run before it is interrupted, in milliseconds.
    query_timeout_ms: std::sync::atomic::AtomicU64,
    /// Idle connections for queries; more are cloned from `base` when all are busy.
    readers: Mutex<Vec<Connection>>,
    base: Mutex<Connection>,
    /// Held (shared) by every query while it runs, so that trimming the engine's memory after
    /// an idle checkpoint never happens under a query (the checkpoint itself may).
    queries: RwLock<()>,
    /// The engine's `memory_limit`, restored after trimming.
    memory_limit: String,
    /// The database file.
    path: PathBuf,
}

struct Writer {
    connection: Connection,
    tables: HashMap<String, TableLayout>,
    /// When the last write not yet checkpointed was made; `None` when every write is.
    unsaved_since: Option<Instant>,
}

impl Embedded {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path, settings: &EngineSettings) -> Result<Self, StorageError> {
        // A log left by a crash is replayed into memory as DuckDB opens: count it as unsaved.
        let replayed = std::fs::metadata(log_path(path)).is_ok_and(|log| log.len() > 0);
        let config = Config::default()
            .enable_external_access(false)?
            .with("autoinstall_known_extensions", "false")?
            .with("autoload_known_extensions", "false")?
            // DuckDB's own allocator gives freed memory back only as it allocates again, so an
            // idle engine kept what its last work freed (4-10 MB after start-up in Supabase
            // mode): with its background thread, idle RSS is 61 MB instead of 66-72.
            .with("allocator_background_threads", "true")?
            .with("memory_limit", &settings.memory_limit)?
            .with("checkpoint_threshold", &settings.checkpoint_threshold)?;
        let connection = Connection::open_with_flags(path, config)
            .map_err(|error| StorageError::Internal(format!("cannot open `{}`: {error}", path.display())))?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS _cinder_position (id INTEGER PRIMARY KEY, position UBIGINT NOT NULL);
             CREATE TABLE IF NOT EXISTS _cinder_catalog (kind VARCHAR, key VARCHAR, value VARCHAR NOT NULL, PRIMARY KEY (kind, key));",
        )?;
        let tables = layout::load_layouts(&connection)?;
        let base = connection.try_clone()?;
        let writer = Writer {
            connection,
            tables,
            unsaved_since: replayed.then(Instant::now),
        };
        let inner = Arc::new(Inner {
            writer: Mutex::new(writer),
            query_timeout_ms: std::sync::atomic::AtomicU64::new(DEFAULT_QUERY_TIMEOUT.as_millis() as u64),
            readers: Mutex::new(Vec::new()),
            base: Mutex::new(base),
            queries: RwLock::new(()),
            memory_limit: settings.memory_limit.clone(),
            path: path.to_owned(),
        });
        let (weak, idle) = (Arc::downgrade(&inner), settings.idle_checkpoint);
        std::thread::Builder::new()
            .name("cinder-checkpoint".into())
            .spawn(move || checkpoint_when_idle(weak, idle))
            .map_err(|error| StorageError::Internal(format!("cannot start the checkpoint thread: {error}")))?;
        Ok(Self { inner })
    }

    /// Sets how long a query may run; past it DuckDB interrupts the query and it fails.
    pub fn set_query_timeout(&self, timeout: std::time::Duration) {
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX).max(1);
        self.inner
            .query_timeout_ms
            .store(millis, std::sync::atomic::Ordering::Relaxed);
    }

    /// Copies the database into the directory `into`, consistent: nothing is written while it
    /// is copied (every write goes through the writer, held meanwhile). `also` runs while the
    /// writer is still held, for what must be copied at the same moment (the write-ahead log).
    /// Returns the bytes copied.
    pub async fn snapshot<F>(&self, into: PathBuf, also: F) -> Result<u64, StorageError>
    where
        F: FnOnce() -> std::io::Result<u64> + Send + 'static,
    {
        let path = self.inner.path.clone();
        self.with_writer(move |writer| {
            // Fold DuckDB's own log into the file, so the copy is one file; when a query is
            // under way DuckDB may decline, and its log is copied beside the file instead.
            match writer.connection.execute_batch("CHECKPOINT") {
                Ok(()) => writer.unsaved_since = None,
                Err(error) => tracing::debug!(%error, "no checkpoint before the snapshot; copying DuckDB's log too"),
            }
            let name = path.file_name().expect("a database file name").to_owned();
            let mut bytes = std::fs::copy(&path, into.join(&name))
                .map_err(|error| StorageError::Internal(format!("cannot copy `{}`: {error}", path.display())))?;
            let log = log_path(&path);
            let log_name = log.file_name().expect("a log file name");
            match std::fs::copy(&log, into.join(log_name)) {
                Ok(copied) => bytes += copied,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(StorageError::Internal(format!(
                        "cannot copy `{}`: {error}",
                        log.display()
                    )))
                }
            }
            bytes += also().map_err(|error| StorageError::Internal(format!("snapshot: {error}")))?;
            Ok(bytes)
        })
        .await
    }

    async fn with_writer<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Writer) -> Result<T, StorageError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&mut inner.writer.lock())).await?
    }

    async fn with_reader<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().pop();
            let connection = match pooled {
                Some(connection) => connection,
                None => inner.base.lock().try_clone()?,
            };
            let result = {
                let _running = inner.queries.read();
                work(&connection)
            };
            inner.readers.lock().push(connection);
            result
        })
        .await?
    }
}

/// DuckDB's own log of the database at `path`: the rows written since its last checkpoint.
fn log_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().expect("a database file name").to_owned();
    name.push(".wal");
    path.with_file_name(name)
}

/// Checkpoints the database once it has had no write for `idle`, then trims the engine's
/// memory, until the database is closed. DuckDB checkpoints on its own only when its log reaches
/// the checkpoint threshold, which a quiet server may take days to write, and keeps the blocks
/// it has read or written cached up to its memory limit: without this, a server that has taken
/// a burst of events holds hundreds of megabytes while it sits idle.
///
/// Queries go on during the checkpoint (DuckDB checkpoints under open read transactions, as it
/// does when its log reaches the threshold during ingest): after a burst of ten million events
/// it takes seconds, which a query must not wait for. Only the trim waits for a moment when no
/// query runs, since a lower memory limit could fail one; it lasts milliseconds.
fn checkpoint_when_idle(inner: Weak<Inner>, idle: Duration) {
    let tick = (idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let mut untrimmed = false;
    loop {
        std::thread::sleep(tick);
        let Some(inner) = inner.upgrade() else { return };
        // A write under way means the engine is not idle; look again next tick.
        let Some(mut writer) = inner.writer.try_lock() else {
            continue;
        };
        match writer.unsaved_since {
            Some(since) if since.elapsed() >= idle => {
                let started = Instant::now();
                if let Err(error) = writer.connection.execute_batch("CHECKPOINT") {
                    tracing::debug!(%error, "no checkpoint after an idle spell");
                    continue;
                }
                writer.unsaved_since = None;
                untrimmed = true;
                tracing::debug!(elapsed = ?started.elapsed(), "checkpointed after an idle spell");
            }
            // Written to since: the trim waits for the next idle checkpoint, so that it never
            // pushes rows not yet checkpointed out to temporary files.
            Some(_) => {
                untrimmed = false;
                continue;
            }
            None => {}
        }
        if !untrimmed {
            continue;
        }
        let Some(_no_query) = inner.queries.try_write() else {
            continue;
        };
        trim_memory(&writer.connection, &inner.memory_limit);
        untrimmed = false;
    }
}

/// Empties DuckDB's block cache by lowering its memory limit for a moment, then restores
/// `memory_limit`. (DuckDB has no statement that only evicts; lowering the limit evicts what no
/// query holds, and no query runs meanwhile.)
fn trim_memory(connection: &Connection, memory_limit: &str) {
    if let Err(error) = connection.execute_batch("SET memory_limit = '16MB'") {
        return tracing::debug!(%error, "the engine's cache was not trimmed");
    }
    let restore = format!("SET memory_limit = '{}'", memory_limit.replace('\'', "''"));
    if let Err(error) = connection.execute_batch(&restore) {
        tracing::error!(%error, memory_limit, "cannot restore the engine's memory limit after trimming");
    }
}

impl Writer {
    /// Notes a write that the next checkpoint saves.
    fn wrote(&mut self) {
        self.unsaved_since = Some(Instant::now());
    }

    fn apply_schema(&mut self, table: &str, schema: &Schema) -> Result<(), StorageError> {
        match self.tables.get_mut(table) {
            Some(layout) => layout.add_missing_columns(&self.connection, schema),
            None => {
                let layout = TableLayout::create(&self.connection, table, schema)?;
                self.tables.insert(table.to_owned(), layout);
                Ok(())
            }
        }
    }

    fn insert(&mut self, batch: &LoadBatch) -> Result<(), StorageError> {
        for table in &batch.tables {
            self.apply_schema(&table.table, &table.schema)?;
        }
        let transaction = self.connection.unchecked_transaction()?;
        for table in &batch.tables {
            let layout = self.tables.get_mut(&table.table).expect("applied above");
            layout.append(&transaction, &table.schema, &table.events)?;
        }
        transaction.execute(
            "INSERT OR REPLACE INTO _cinder_position VALUES (1, ?)",
            params![batch.position],
        )?;
        transaction.commit()?;
        self.wrote();
        Ok(())
    }
}

#[async_trait]
impl Backend for Embedded {
    fn target(&self) -> Target {
        Target::Embedded
    }

    async fn apply_schema(&self, table: &str, schema: &Schema) -> Result<(), StorageError> {
        let table = table.to_owned();
        let schema = schema.clone();
        self.with_writer(move |writer| writer.apply_schema(&table, &schema))
            .await
    }

    async fn insert(&self, batch: &LoadBatch) -> Result<(), StorageError> {
        let batch = batch.clone();
        self.with_writer(move |writer| writer.insert(&batch)).await
    }

    async fn position(&self) -> Result<u64, StorageError> {
        self.with_writer(|writer| {
            let mut statement = writer
                .connection
                .prepare("SELECT position FROM _cinder_position WHERE id = 1")?;
            let mut rows = statement.query([])?;
            match rows.next()? {
                Some(row) => Ok(row.get::<_, u64>(0)?),
                None => Ok(0),
            }
        })
        .await
    }

    async fn query(&self, sql: &TargetSql, params: &[Option<String>]) -> Result<Rows, StorageError> {
        let sql = sql.sql.clone();
        let params = params.to_vec();
        let timeout =
            std::time::Duration::from_millis(self.inner.query_timeout_ms.load(std::sync::atomic::Ordering::Relaxed));
        let (handle_sender, handle_receiver) = tokio::sync::oneshot::channel();
        let running = self.with_reader(move |connection| {
            let _ = handle_sender.send(connection.interrupt_handle());
            read::run(connection, &sql, &params)
        });
        tokio::pin!(running);
        match tokio::time::timeout(timeout, &mut running).await {
            Ok(result) => result,
            Err(_) => {
                // Stop the work, not just the wait: DuckDB checks for interrupts as it runs.
                // An interrupt that lands before the query starts is lost: repeat until it ends.
                if let Ok(handle) = handle_receiver.await {
                    loop {
                        handle.interrupt();
                        let wait = std::time::Duration::from_millis(100);
                        if tokio::time::timeout(wait, &mut running).await.is_ok() {
                            break;
                        }
                    }
                } else {
                    let _ = running.await;
                }
                Err(StorageError::Query(crate::QUERY_TIMEOUT_MESSAGE.into()))
            }
        }
    }

    async fn drop_table(&self, table: &str) -> Result<(), StorageError> {
        let table = table.to_owned();
        self.with_writer(move |writer| {
            writer
                .connection
                .execute_batch(&format!("DROP TABLE IF EXISTS {}", layout::quote(&table)))?;
            writer.tables.remove(&table);
            writer.wrote();
            Ok(())
        })
        .await
    }

    async fn delete_older_than(&self, table: &str, cutoff: i64) -> Result<u64, StorageError> {
        let table = table.to_owned();
        self.with_writer(move |writer| {
            if !writer.tables.contains_key(&table) {
                return Ok(0);
            }
            // DuckDB deletes by marking rows: one statement is quick and never blocks readers.
            let deleted = writer.connection.execute(
                &format!(
                    "DELETE FROM {} WHERE timestamp < make_timestamp(?)",
                    layout::quote(&table)
                ),
                params![cutoff],
            )?;
            if deleted > 0 {
                writer.wrote();
            }
            Ok(deleted as u64)
        })
        .await
    }
}

#[async_trait]
impl CatalogStore for Embedded {
    async fn load(&self) -> Result<Vec<CatalogEntry>, StorageError> {
        self.with_writer(|writer| {
            let mut statement = writer
                .connection
                .prepare("SELECT kind, key, value FROM _cinder_catalog ORDER BY kind, key")?;
            let mut rows = statement.query([])?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                let text: String = row.get(2)?;
                let value: Value = serde_json::from_str(&text)
                    .map_err(|error| StorageError::Internal(format!("corrupt catalog entry: {error}")))?;
                entries.push(CatalogEntry {
                    kind: row.get(0)?,
                    key: row.get(1)?,
                    value,
                });
            }
            Ok(entries)
        })
        .await
    }

    async fn put(&self, kind: &str, key: &str, value: &Value) -> Result<(), StorageError> {
        let (kind, key, text) = (kind.to_owned(), key.to_owned(), value.to_string());
        self.with_writer(move |writer| {
            writer.connection.execute(
                "INSERT OR REPLACE INTO _cinder_catalog VALUES (?, ?, ?)",
                params![kind, key, text],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete(&self, kind: &str, key: &str) -> Result<(), StorageError> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.with_writer(move |writer| {
            writer.connection.execute(
                "DELETE FROM _cinder_catalog WHERE kind = ? AND key = ?",
                params![kind, key],
            )?;
            Ok(())
        })
        .await
    }
}
