//! The PostgreSQL backend, in Logflare's layout so that an `_analytics` schema Logflare wrote
//! is read as it is: one table per source, `log_events_<token>`, with `id text primary key`,
//! `body jsonb` (the whole event), `event_message text` and `timestamp timestamp` (UTC), and
//! a BRIN index on `timestamp`.
//!
//! Sessions run with `TimeZone=UTC` and `search_path` set to the configured schema, so the
//! translator's unqualified table names and UTC timestamps hold.

mod read;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use cinder_core::Schema;
use cinder_sql::{Target, TargetSql};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use parking_lot::Mutex;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::NoTls;

use crate::{Backend, LoadBatch, Rows, StorageError};

/// Connections kept open for ingest and queries.
const POOL_SIZE: usize = 8;

/// The PostgreSQL backend.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    schema: String,
    /// Tables known to exist, so a batch creates its table once, not on every insert.
    tables: Arc<Mutex<HashSet<String>>>,
}

impl Postgres {
    /// Connects to `url` and makes sure `schema` and the log-position table exist.
    pub async fn connect(url: &str, schema: &str) -> Result<Self, StorageError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|error| StorageError::Internal(format!("invalid Postgres URL: {error}")))?;
        let search_path = quote(schema).replace('\\', "\\\\").replace(' ', "\\ ");
        config.options(format!("-c TimeZone=UTC -c search_path={search_path}"));
        config.application_name("cinder");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|error| StorageError::Internal(error.to_string()))?;
        let backend = Self {
            pool,
            schema: schema.to_owned(),
            tables: Arc::default(),
        };
        let client = backend.client().await?;
        client
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {schema};
                 CREATE TABLE IF NOT EXISTS {schema}._cinder_position (id int PRIMARY KEY, position bigint NOT NULL)",
                schema = quote(schema)
            ))
            .await
            .map_err(query_error)?;
        Ok(backend)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool
            .get()
            .await
            .map_err(|error| StorageError::Unavailable(format!("Postgres: {error}")))
    }

    fn table(&self, table: &str) -> String {
        format!("{}.{}", quote(&self.schema), quote(table))
    }
}

/// Quotes an identifier.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn query_error(error: tokio_postgres::Error) -> StorageError {
    match error.as_db_error() {
        Some(db) => StorageError::Query(db.message().to_owned()),
        None if error.is_closed() => StorageError::Unavailable(format!("Postgres: {error}")),
        None => StorageError::Internal(format!("Postgres: {error}")),
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
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {qualified} (
                     id text PRIMARY KEY,
                     body jsonb NOT NULL,
                     event_message text,
                     timestamp timestamp NOT NULL
                 );
                 CREATE INDEX IF NOT EXISTS {index} ON {qualified} USING brin (timestamp)",
                qualified = self.table(table),
                index = quote(&format!("{table}_timestamp_brin")),
            ))
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
        let transaction = client.transaction().await.map_err(query_error)?;
        for table in &batch.tables {
            let mut ids = Vec::with_capacity(table.events.len());
            let mut bodies = Vec::with_capacity(table.events.len());
            let mut messages = Vec::with_capacity(table.events.len());
            let mut timestamps = Vec::with_capacity(table.events.len());
            for event in &table.events {
                ids.push(event.id.as_str());
                bodies.push(event.to_json());
                messages.push(event.event_message.as_deref());
                timestamps.push(
                    chrono::DateTime::from_timestamp_micros(event.timestamp)
                        .map(|timestamp| timestamp.naive_utc())
                        .ok_or_else(|| {
                            StorageError::Internal(format!("timestamp out of range: {}", event.timestamp))
                        })?,
                );
            }
            // A replayed batch finds its events stored already: the id keeps them once.
            let statement = transaction
                .prepare_typed(
                    &format!(
                        "INSERT INTO {} (id, body, event_message, timestamp)
                         SELECT * FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::timestamp[])
                         ON CONFLICT (id) DO NOTHING",
                        self.table(&table.table)
                    ),
                    &[
                        Type::TEXT_ARRAY,
                        Type::JSONB_ARRAY,
                        Type::TEXT_ARRAY,
                        Type::TIMESTAMP_ARRAY,
                    ],
                )
                .await
                .map_err(query_error)?;
            let params: [&(dyn ToSql + Sync); 4] = [&ids, &bodies, &messages, &timestamps];
            transaction.execute(&statement, &params).await.map_err(query_error)?;
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
        let client = self.client().await?;
        read::run(&client, &sql.sql, params).await
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
