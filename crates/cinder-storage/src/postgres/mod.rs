//! The PostgreSQL backend, in Logflare's layout so that an `_analytics` schema Logflare wrote
//! is read as it is: one table per source, `log_events_<token>`, with `id text primary key`,
//! `body jsonb` (the whole event), `event_message text` and `timestamp timestamp` (UTC), and
//! a BRIN index on `timestamp`.
//!
//! Sessions run with `TimeZone=UTC` and `search_path` set to the configured schema, so the
//! translator's unqualified table names and UTC timestamps hold.

mod read;
pub mod tls;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{BufMut, BytesMut};
use cinder_core::Schema;
use cinder_sql::{Target, TargetSql};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use parking_lot::Mutex;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{accepts, to_sql_checked, IsNull, ToSql, Type};

use crate::{Backend, CatalogEntry, CatalogStore, LoadBatch, Rows, StorageError};

/// Connections kept open for ingest and queries.
const POOL_SIZE: usize = 8;

/// The schema changes of Cinder's own tables, in order; each runs once (`{schema}` is the
/// configured schema). Never edit one that has shipped: add the next.
const MIGRATIONS: &[&str] = &[
    // 1: the log position stored with every batch.
    "CREATE TABLE IF NOT EXISTS {schema}._cinder_position (id int PRIMARY KEY, position bigint NOT NULL)",
    // 2: the catalog: sources, schemas, tokens, endpoints... as JSON documents.
    "CREATE TABLE IF NOT EXISTS {schema}._cinder_catalog (
         kind text NOT NULL,
         key text NOT NULL,
         value jsonb NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (kind, key)
     )",
    // 3: JSON functions over text that is not JSON answer NULL, as BigQuery's do (gotrue writes
    // plain-text lines beside its JSON lines); a cast would fail the whole query. Queries find
    // it through the session's search_path.
    "CREATE OR REPLACE FUNCTION {schema}.cinder_try_jsonb(value text) RETURNS jsonb
         LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
         BEGIN
             RETURN value::jsonb;
         EXCEPTION WHEN others THEN
             RETURN NULL;
         END
     $$",
];

/// Rows deleted per statement by retention, so no delete holds locks for long.
const RETENTION_BATCH: i64 = 5_000;

/// The PostgreSQL backend.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    schema: String,
    /// Tables known to exist, so a batch creates its table once, not on every insert.
    tables: Arc<Mutex<HashSet<String>>>,
    query_timeout: Duration,
}

impl Postgres {
    /// Connects to `url`, creates `schema` if needed and runs the migrations this version has
    /// not run yet. Queries run read-only and stop after `query_timeout`.
    /// `sslmode` and `sslrootcert` in `url` have libpq's meanings ([`tls`]).
    pub async fn connect(url: &str, schema: &str, query_timeout: Duration) -> Result<Self, StorageError> {
        let connection = tls::parse(url).map_err(StorageError::Internal)?;
        Self::connect_with(connection, schema, query_timeout).await
    }

    /// Like [`Postgres::connect`], from connection settings.
    pub async fn connect_with(
        connection: tls::Connection,
        schema: &str,
        query_timeout: Duration,
    ) -> Result<Self, StorageError> {
        let tls::Connection { mut config, tls } = connection;
        let search_path = quote(schema).replace('\\', "\\\\").replace(' ', "\\ ");
        config.options(format!("-c TimeZone=UTC -c search_path={search_path}"));
        if config.get_application_name().is_none() {
            config.application_name("cinder");
        }
        config.connect_timeout(Duration::from_secs(10));
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|error| StorageError::Internal(error.to_string()))?;
        let backend = Self {
            pool,
            schema: schema.to_owned(),
            tables: Arc::default(),
            query_timeout,
        };
        backend.migrate().await?;
        Ok(backend)
    }

    /// Runs the migrations not yet recorded in `_cinder_migrations`, each in its own
    /// transaction, under a lock so that two servers starting together do not race.
    async fn migrate(&self) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let schema = quote(&self.schema);
        client
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {schema};
                 CREATE TABLE IF NOT EXISTS {schema}._cinder_migrations (
                     version int PRIMARY KEY,
                     applied_at timestamptz NOT NULL DEFAULT now()
                 )"
            ))
            .await
            .map_err(query_error)?;
        for (version, sql) in MIGRATIONS.iter().enumerate() {
            let version = i32::try_from(version + 1).unwrap_or(i32::MAX);
            let transaction = client.transaction().await.map_err(query_error)?;
            transaction
                .execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&self.schema])
                .await
                .map_err(query_error)?;
            let applied = transaction
                .query_opt(
                    &format!("SELECT 1 FROM {schema}._cinder_migrations WHERE version = $1"),
                    &[&version],
                )
                .await
                .map_err(query_error)?
                .is_some();
            if !applied {
                transaction
                    .batch_execute(&sql.replace("{schema}", &schema))
                    .await
                    .map_err(query_error)?;
                transaction
                    .execute(
                        &format!("INSERT INTO {schema}._cinder_migrations (version) VALUES ($1)"),
                        &[&version],
                    )
                    .await
                    .map_err(query_error)?;
            }
            transaction.commit().await.map_err(query_error)?;
        }
        Ok(())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool
            .get()
            .await
            .map_err(|error| StorageError::Unavailable(format!("Postgres: {}", with_causes(&error))))
    }

    fn table(&self, table: &str) -> String {
        format!("{}.{}", quote(&self.schema), quote(table))
    }

    /// The sources Logflare recorded in its metadata table `<schema>.sources`, as (name,
    /// token), when this schema holds one: what a Cinder that replaces Logflare takes over, so
    /// Logflare's `log_events_<token>` tables stay readable. Empty when there is none.
    pub async fn logflare_sources(&self) -> Result<Vec<(String, String)>, StorageError> {
        let client = self.client().await?;
        let sources = format!("{}.sources", quote(&self.schema));
        let exists: Option<String> = client
            .query_one("SELECT to_regclass($1)::text", &[&sources])
            .await
            .map_err(query_error)?
            .get(0);
        if exists.is_none() {
            return Ok(Vec::new());
        }
        let rows = client
            .query(
                &format!("SELECT name::text, token::text FROM {sources} ORDER BY id"),
                &[],
            )
            .await
            .map_err(query_error)?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let name: Option<String> = row.get(0);
                let token: Option<String> = row.get(1);
                Some((name?, token?))
            })
            .collect())
    }

    /// The bodies of the `limit` latest events of `table` (none when it does not exist).
    pub async fn latest_bodies(&self, table: &str, limit: i64) -> Result<Vec<serde_json::Value>, StorageError> {
        let client = self.client().await?;
        let statement = format!(
            "SELECT body FROM {} ORDER BY timestamp DESC LIMIT $1",
            self.table(table)
        );
        match client.query(&statement, &[&limit]).await {
            Ok(rows) => Ok(rows
                .iter()
                .filter_map(|row| row.get::<_, Option<serde_json::Value>>(0))
                .collect()),
            Err(error) if error.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => Ok(Vec::new()),
            Err(error) => Err(query_error(error)),
        }
    }
}

/// Writes events with binary COPY into `table` (a quoted name).
async fn copy_events(
    client: &tokio_postgres::Transaction<'_>,
    table: &str,
    events: &[Arc<cinder_core::LogEvent>],
) -> Result<(), tokio_postgres::Error> {
    let sink = client
        .copy_in(&format!(
            "COPY {table} (id, body, event_message, timestamp) FROM STDIN BINARY"
        ))
        .await?;
    let writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::JSONB, Type::TEXT, Type::TIMESTAMP]);
    tokio::pin!(writer);
    for event in events {
        // An event's timestamp was parsed from a valid date, so it is in range.
        let timestamp = chrono::DateTime::from_timestamp_micros(event.timestamp)
            .unwrap_or_default()
            .naive_utc();
        let body = Jsonb(event);
        let row: [&(dyn ToSql + Sync); 4] = [&event.id, &body, &event.event_message, &timestamp];
        writer.as_mut().write(&row).await?;
    }
    writer.finish().await?;
    Ok(())
}

/// An event as `jsonb`, serialised straight into the COPY buffer (no intermediate JSON value).
#[derive(Debug)]
struct Jsonb<'a>(&'a cinder_core::LogEvent);

impl ToSql for Jsonb<'_> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        // jsonb's binary form: a version byte, then the JSON text.
        out.put_u8(1);
        serde_json::to_writer(out.writer(), self.0)?;
        Ok(IsNull::No)
    }

    accepts!(JSONB);
    to_sql_checked!();
}

/// Quotes an identifier.
/// The statements that create a source's events table `schema.table` if it is missing: Logflare's
/// layout (`id` the primary key, so a re-sent event is stored once; the event as `body`) with a
/// BRIN index on `timestamp`. The backend and the PostgreSQL drain both create tables with it.
pub fn events_table_ddl(schema: &str, table: &str) -> String {
    let qualified = format!("{}.{}", quote(schema), quote(table));
    format!(
        "CREATE TABLE IF NOT EXISTS {qualified} (
             id text PRIMARY KEY,
             body jsonb NOT NULL,
             event_message text,
             timestamp timestamp NOT NULL
         );
         CREATE INDEX IF NOT EXISTS {index} ON {qualified} USING brin (timestamp)",
        index = quote(&format!("{table}_timestamp_brin")),
    )
}

pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn query_error(error: tokio_postgres::Error) -> StorageError {
    match error.as_db_error() {
        // The server is shutting down or restarting: retry later.
        Some(db) if db.code().code().starts_with("57P") || db.code().code().starts_with("08") => {
            StorageError::Unavailable(format!("Postgres: {}", db.message()))
        }
        Some(db) if db.code() == &tokio_postgres::error::SqlState::QUERY_CANCELED => {
            StorageError::Query(crate::QUERY_TIMEOUT_MESSAGE.into())
        }
        Some(db) => StorageError::Query(db.message().to_owned()),
        None => StorageError::Unavailable(format!("Postgres: {}", with_causes(&error))),
    }
}

/// An error's message followed by its causes' (a TLS handshake error says which certificate
/// check failed only in its cause).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let message = error.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        cause = error.source();
    }
    text
}

#[async_trait]
impl CatalogStore for Postgres {
    async fn load(&self) -> Result<Vec<CatalogEntry>, StorageError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT kind, key, value FROM {}._cinder_catalog ORDER BY kind, key",
                    quote(&self.schema)
                ),
                &[],
            )
            .await
            .map_err(query_error)?;
        Ok(rows
            .into_iter()
            .map(|row| CatalogEntry {
                kind: row.get(0),
                key: row.get(1),
                value: row.get(2),
            })
            .collect())
    }

    async fn put(&self, kind: &str, key: &str, value: &serde_json::Value) -> Result<(), StorageError> {
        let client = self.client().await?;
        client
            .execute(
                &format!(
                    "INSERT INTO {}._cinder_catalog (kind, key, value) VALUES ($1, $2, $3)
                     ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, updated_at = now()",
                    quote(&self.schema)
                ),
                &[&kind, &key, value],
            )
            .await
            .map_err(query_error)?;
        Ok(())
    }

    async fn delete(&self, kind: &str, key: &str) -> Result<(), StorageError> {
        let client = self.client().await?;
        client
            .execute(
                &format!(
                    "DELETE FROM {}._cinder_catalog WHERE kind = $1 AND key = $2",
                    quote(&self.schema)
                ),
                &[&kind, &key],
            )
            .await
            .map_err(query_error)?;
        Ok(())
    }
}

#[async_trait]
impl Backend for Postgres {
    fn target(&self) -> Target {
        Target::Postgres
    }

    async fn apply_schema(&self, table: &str, _schema: &Schema) -> Result<(), StorageError> {
        // Every field lives in `body`: a growing schema needs no new column.
        let client = self.client().await?;
        client
            .batch_execute(&events_table_ddl(&self.schema, table))
            .await
            .map_err(query_error)?;
        self.tables.lock().insert(table.to_owned());
        Ok(())
    }

    async fn insert(&self, batch: &LoadBatch) -> Result<(), StorageError> {
        for table in &batch.tables {
            if !self.tables.lock().contains(&table.table) {
                self.apply_schema(&table.table, &table.schema).await?;
            }
        }
        let mut client = self.client().await?;
        let mut transaction = client.transaction().await.map_err(query_error)?;
        for table in &batch.tables {
            // Fast path: binary COPY straight into the table. A duplicate id (sent twice, or
            // already stored) fails the COPY; then the rows go through a staging table and
            // move with ON CONFLICT DO NOTHING, so a duplicate never fails the batch.
            let target = self.table(&table.table);
            let savepoint = transaction.savepoint("cinder_copy").await.map_err(query_error)?;
            let copied = copy_events(&savepoint, &target, &table.events).await;
            match copied {
                Ok(()) => savepoint.commit().await.map_err(query_error)?,
                Err(error) if error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
                    savepoint.rollback().await.map_err(query_error)?;
                    transaction
                        .batch_execute(
                            "CREATE TEMP TABLE IF NOT EXISTS _cinder_stage (
                                 id text, body jsonb, event_message text, timestamp timestamp
                             ) ON COMMIT DELETE ROWS",
                        )
                        .await
                        .map_err(query_error)?;
                    copy_events(&transaction, "_cinder_stage", &table.events)
                        .await
                        .map_err(query_error)?;
                    transaction
                        .batch_execute(&format!(
                            "INSERT INTO {target} (id, body, event_message, timestamp)
                             SELECT id, body, event_message, timestamp FROM _cinder_stage
                             ON CONFLICT (id) DO NOTHING;
                             TRUNCATE _cinder_stage"
                        ))
                        .await
                        .map_err(query_error)?;
                }
                Err(error) => return Err(query_error(error)),
            }
        }
        transaction
            .execute(
                &format!(
                    "INSERT INTO {}._cinder_position (id, position) VALUES (1, $1)
                     ON CONFLICT (id) DO UPDATE SET position = excluded.position",
                    quote(&self.schema)
                ),
                &[&i64::try_from(batch.position).unwrap_or(i64::MAX)],
            )
            .await
            .map_err(query_error)?;
        transaction.commit().await.map_err(query_error)
    }

    async fn position(&self) -> Result<u64, StorageError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT position FROM {}._cinder_position WHERE id = 1",
                    quote(&self.schema)
                ),
                &[],
            )
            .await
            .map_err(query_error)?;
        Ok(row.map_or(0, |row| u64::try_from(row.get::<_, i64>(0)).unwrap_or(0)))
    }

    async fn query(&self, sql: &TargetSql, params: &[Option<String>]) -> Result<Rows, StorageError> {
        let mut client = self.client().await?;
        // Read-only, whatever the SQL says, and never longer than the timeout.
        let transaction = client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .map_err(query_error)?;
        transaction
            .batch_execute(&format!(
                "SET LOCAL statement_timeout = {}",
                self.query_timeout.as_millis().max(1)
            ))
            .await
            .map_err(query_error)?;
        let rows = read::run(&transaction, &sql.sql, params).await?;
        transaction.commit().await.map_err(query_error)?;
        Ok(rows)
    }

    async fn delete_older_than(&self, table: &str, cutoff: i64) -> Result<u64, StorageError> {
        let cutoff = chrono::DateTime::from_timestamp_micros(cutoff)
            .map(|cutoff| cutoff.naive_utc())
            .ok_or_else(|| StorageError::Internal(format!("cutoff out of range: {cutoff}")))?;
        let client = self.client().await?;
        let statement = format!(
            "DELETE FROM {table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {table} WHERE timestamp < $1 LIMIT {RETENTION_BATCH}))",
            table = self.table(table)
        );
        let mut deleted = 0;
        loop {
            let count = match client.execute(&statement, &[&cutoff]).await {
                Ok(count) => count,
                // A source whose table was never created has nothing to delete.
                Err(error) if error.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => return Ok(0),
                Err(error) => return Err(query_error(error)),
            };
            deleted += count;
            if count < RETENTION_BATCH as u64 {
                return Ok(deleted);
            }
            tokio::task::yield_now().await;
        }
    }

    async fn drop_table(&self, table: &str) -> Result<(), StorageError> {
        let client = self.client().await?;
        client
            .batch_execute(&format!("DROP TABLE IF EXISTS {}", self.table(table)))
            .await
            .map_err(query_error)?;
        self.tables.lock().remove(table);
        Ok(())
    }
}
