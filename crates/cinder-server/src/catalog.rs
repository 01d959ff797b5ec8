//! The catalog in memory: the user, access tokens and sources with their schemas.
//!
//! Reads come from memory; every change is written through to the [`CatalogStore`] before it
//! is visible, so a restart finds what the API acknowledged. Each source has a
//! [`SourceHandle`] that ingest uses without touching the catalog lock: its schema behind a
//! mutex (copy-on-write, so the loader can hold the version it stores), its counters and its
//! most recent events.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cinder_core::{LogEvent, Schema, SchemaError, SchemaOutcome, Source, SourceName};
use cinder_storage::{CatalogStore, StorageError};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::alerts::{Alert, AlertRuns};
use crate::auth::Scope;
use crate::drains::Drain;
use crate::endpoints::Endpoint;
use crate::rules::Rule;
use crate::teams::Team;
use crate::vault::Vault;

/// The id of the single default user.
pub const DEFAULT_USER_ID: i64 = 1;
/// How many recent events each source keeps for `GET /api/sources/:token/recent`.
const RECENT_EVENTS: usize = 100;

/// An access token as stored: only a hash of the secret, and the secret itself only for
/// tokens whose scopes include `public` (Logflare shows those again).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    /// Numeric id.
    pub id: i64,
    /// SHA-256 of the token, hex.
    pub hash: String,
    /// The token itself, for public tokens only.
    pub token: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<Scope>,
    /// Free text; env-var tokens carry the variable's name.
    pub description: Option<String>,
    /// RFC 3339 creation time.
    pub inserted_at: String,
}

/// Returns the hex SHA-256 of a token.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Counters of one source, reported in its `metrics`.
#[derive(Debug, Default)]
pub struct SourceMetrics {
    /// Events stored.
    pub inserts: AtomicU64,
    /// Values that conflicted with the schema and were kept under `<field>_<type>`.
    pub conflicts: AtomicU64,
    /// Requests refused for their shape (too many fields).
    pub rejected: AtomicU64,
    /// Timestamp (µs) of the latest event accepted.
    pub latest: AtomicU64,
    /// Events accepted per second, over the last seconds.
    pub rate: RateMeter,
}

/// Counts events per second over the last [`RATE_SECONDS`] seconds.
#[derive(Debug, Default)]
pub struct RateMeter {
    /// (second since the epoch, events accepted in it), a ring indexed by the second.
    seconds: Mutex<[(i64, u64); RATE_SECONDS as usize + 1]>,
}

/// The window of [`RateMeter::per_second`].
pub const RATE_SECONDS: i64 = 10;

impl RateMeter {
    /// Counts `events` accepted at `second` (since the epoch).
    pub fn add(&self, second: i64, events: u64) {
        let mut seconds = self.seconds.lock();
        let slot = &mut seconds[second.rem_euclid(RATE_SECONDS + 1) as usize];
        if slot.0 != second {
            *slot = (second, 0);
        }
        slot.1 += events;
    }

    /// Events per second over the [`RATE_SECONDS`] whole seconds before `now_second`.
    pub fn per_second(&self, now_second: i64) -> f64 {
        let seconds = self.seconds.lock();
        let total: u64 = seconds
            .iter()
            .filter(|(second, _)| *second < now_second && *second >= now_second - RATE_SECONDS)
            .map(|(_, count)| count)
            .sum();
        total as f64 / RATE_SECONDS as f64
    }
}

/// Everything ingest needs about one source, shared without the catalog lock.
pub struct SourceHandle {
    /// The source's settings; replaced on update.
    pub source: RwLock<Source>,
    /// The table holding its events.
    pub table: String,
    schema: Mutex<Arc<Schema>>,
    /// The schema the backend's table holds (see [`SourceHandle::stored_schema`]).
    stored_schema: Mutex<Arc<Schema>>,
    /// Counters.
    pub metrics: SourceMetrics,
    recent: Mutex<VecDeque<Arc<LogEvent>>>,
    saved_schema_version: AtomicU64,
    /// New events for live tails: each accepted batch, numbered by its first event.
    tail: tokio::sync::broadcast::Sender<TailBatch>,
    /// How many events have been published to `tail` (the next batch's first number).
    tailed: AtomicU64,
}

/// A batch of newly accepted events for live tails. `first` numbers its first event in the
/// source's stream, so a subscriber that fell behind knows exactly how many it missed.
#[derive(Debug, Clone)]
pub struct TailBatch {
    /// The number of the batch's first event.
    pub first: u64,
    /// The events, in order.
    pub events: Arc<[Arc<LogEvent>]>,
}

/// How many batches a live tail may fall behind before it skips some.
const TAIL_BATCHES: usize = 256;

impl SourceHandle {
    /// A handle whose table is taken to hold `schema`: start-up applies every loaded schema to
    /// its table before it serves a query, and a new source's table is created with it.
    pub(crate) fn new(source: Source, schema: Schema) -> Arc<Self> {
        let schema = Arc::new(schema);
        Arc::new(Self {
            table: source.table_name(),
            saved_schema_version: AtomicU64::new(schema.version()),
            source: RwLock::new(source),
            stored_schema: Mutex::new(schema.clone()),
            schema: Mutex::new(schema),
            metrics: SourceMetrics::default(),
            recent: Mutex::new(VecDeque::new()),
            tail: tokio::sync::broadcast::channel(TAIL_BATCHES).0,
            tailed: AtomicU64::new(0),
        })
    }

    /// Returns the current schema.
    pub fn schema(&self) -> Arc<Schema> {
        self.schema.lock().clone()
    }

    /// Returns the schema the backend's table has columns for. [`SourceHandle::schema`] runs
    /// ahead of it from the moment an event with a new field is acknowledged until the loader
    /// has applied it to the table (just before storing the event): queries are translated
    /// with both (see `cinder_sql::SourceTable::columns`), so a query in that instant may miss
    /// the newest events but never names a column the table does not have yet.
    pub fn stored_schema(&self) -> Arc<Schema> {
        self.stored_schema.lock().clone()
    }

    /// Records that the backend's table now holds `schema` (an older version is ignored:
    /// schemas only grow, and loads may finish out of order with schema changes).
    pub fn schema_stored(&self, schema: &Arc<Schema>) {
        let mut stored = self.stored_schema.lock();
        if schema.version() > stored.version() {
            *stored = schema.clone();
        }
    }

    /// Fits events to the schema (see [`Schema::apply`]) and returns the schema they fit.
    pub fn apply_schema(&self, events: &mut [LogEvent]) -> Result<(Arc<Schema>, SchemaOutcome), SchemaError> {
        let mut guard = self.schema.lock();
        if guard.fits(events) {
            return Ok((guard.clone(), SchemaOutcome::default()));
        }
        let mut next = Schema::clone(&guard);
        let outcome = next.apply(events).inspect_err(|_| {
            self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
        })?;
        self.metrics.conflicts.fetch_add(outcome.conflicts, Ordering::Relaxed);
        *guard = Arc::new(next);
        Ok((guard.clone(), outcome))
    }

    /// Returns true when `version` is newer than the last schema saved.
    pub fn schema_needs_saving(&self, version: u64) -> bool {
        self.saved_schema_version.load(Ordering::Acquire) < version
    }

    /// Records that the schema of `version` is saved.
    pub fn schema_saved(&self, version: u64) {
        self.saved_schema_version.fetch_max(version, Ordering::AcqRel);
    }

    /// Remembers the newest events for the `recent` route.
    pub fn remember(&self, events: &[Arc<LogEvent>]) {
        let mut recent = self.recent.lock();
        for event in events.iter().rev().take(RECENT_EVENTS).rev() {
            if recent.len() == RECENT_EVENTS {
                recent.pop_front();
            }
            recent.push_back(event.clone());
        }
        if let Some(latest) = events.iter().map(|event| event.timestamp).max() {
            self.metrics.latest.fetch_max(latest.max(0) as u64, Ordering::Relaxed);
        }
        self.metrics
            .rate
            .add(chrono::Utc::now().timestamp(), events.len() as u64);
        if self.tail.receiver_count() > 0 && !events.is_empty() {
            let first = self.tailed.fetch_add(events.len() as u64, Ordering::AcqRel);
            // No receiver left since the check: nothing to deliver.
            let _ = self.tail.send(TailBatch {
                first,
                events: events.into(),
            });
        }
    }

    /// Subscribes to the events accepted from now on, and returns the number the next one
    /// will carry.
    pub fn subscribe(&self) -> (tokio::sync::broadcast::Receiver<TailBatch>, u64) {
        let receiver = self.tail.subscribe();
        (receiver, self.tailed.load(Ordering::Acquire))
    }

    /// Returns the remembered events, oldest first.
    pub fn recent(&self) -> Vec<Arc<LogEvent>> {
        let mut events: Vec<_> = self.recent.lock().iter().cloned().collect();
        events.sort_by_key(|event| event.timestamp);
        events
    }
}

#[derive(Default)]
#[doc(hidden)]
pub struct Data {
    tokens: HashMap<String, AccessToken>,
    sources: HashMap<Uuid, Arc<SourceHandle>>,
    names: HashMap<String, Uuid>,
    endpoints: HashMap<Uuid, Arc<Endpoint>>,
    backends: HashMap<Uuid, Arc<Drain>>,
    rules: HashMap<Uuid, Arc<Rule>>,
    teams: HashMap<Uuid, Arc<Team>>,
    alerts: HashMap<Uuid, Arc<Alert>>,
    alert_runs: HashMap<Uuid, Arc<AlertRuns>>,
    account_token: Uuid,
    next_id: i64,
}

/// A kind of catalog document kept by token: endpoints, backends, rules, teams, alerts.
pub trait Document: Serialize + for<'de> Deserialize<'de> + Send + Sync + 'static {
    /// The kind it is stored under.
    const KIND: &'static str;
    /// Its token.
    fn token(&self) -> Uuid;
    /// Its numeric id.
    fn id(&self) -> i64;
    /// A name that must be unique within the kind, if the kind has one.
    fn unique_name(&self) -> Option<&str> {
        None
    }
    #[doc(hidden)]
    fn collection(data: &Data) -> &HashMap<Uuid, Arc<Self>>;
    #[doc(hidden)]
    fn collection_mut(data: &mut Data) -> &mut HashMap<Uuid, Arc<Self>>;
}

macro_rules! document {
    ($type:ty, $kind:literal, $field:ident, $name:expr) => {
        impl Document for $type {
            const KIND: &'static str = $kind;
            fn token(&self) -> Uuid {
                self.token
            }
            fn id(&self) -> i64 {
                self.id
            }
            fn unique_name(&self) -> Option<&str> {
                let name: fn(&Self) -> Option<&str> = $name;
                name(self)
            }
            fn collection(data: &Data) -> &HashMap<Uuid, Arc<Self>> {
                &data.$field
            }
            fn collection_mut(data: &mut Data) -> &mut HashMap<Uuid, Arc<Self>> {
                &mut data.$field
            }
        }
    };
}

document!(Endpoint, "endpoint", endpoints, |endpoint| Some(&endpoint.name));
document!(Drain, "backend", backends, |_| None);
document!(Rule, "rule", rules, |_| None);
document!(Team, "team", teams, |_| None);
document!(Alert, "alert", alerts, |alert| Some(&alert.name));
document!(AlertRuns, "alert_runs", alert_runs, |_| None);

fn load_document<T: Document>(data: &mut Data, value: Value) -> Result<(), StorageError> {
    let document: T = decode(value, T::KIND)?;
    data.next_id = data.next_id.max(document.id() + 1);
    T::collection_mut(data).insert(document.token(), Arc::new(document));
    Ok(())
}

/// Why a catalog change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A source with this name exists.
    #[error("has already been taken")]
    NameTaken,
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The in-memory catalog, written through to a [`CatalogStore`].
pub struct Catalog {
    store: Arc<dyn CatalogStore>,
    vault: Arc<Vault>,
    data: RwLock<Data>,
    /// Serialises writers, so the store and memory change in the same order.
    write: tokio::sync::Mutex<()>,
}

const KIND_SOURCE: &str = "source";
const KIND_SCHEMA: &str = "schema";
const KIND_TOKEN: &str = "token";
const KIND_ACCOUNT: &str = "account";
/// The catalog's format: `{"version": n}` under the key `catalog`.
const KIND_FORMAT: &str = "format";
/// The catalog format this Cinder writes, and the newest it reads.
pub const CATALOG_FORMAT: u64 = 1;

/// The fields of each kind that hold secrets, sealed by the [`Vault`] before they are stored.
fn secret_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        KIND_TOKEN => &["token"],
        KIND_SOURCE | Alert::KIND => &["webhook_notification_url", "slack_hook_url"],
        Drain::KIND => &["config"],
        _ => &[],
    }
}

fn decode<T: for<'de> Deserialize<'de>>(value: Value, what: &str) -> Result<T, StorageError> {
    serde_json::from_value(value)
        .map_err(|error| StorageError::Internal(format!("corrupt {what} in the catalog: {error}")))
}

fn encode<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("catalog documents serialise")
}

impl Catalog {
    /// Loads the catalog from its store, opening its secrets with `vault`. Secrets sealed with a
    /// retired key (or not sealed yet) are sealed again under the current key, one document
    /// at a time, so a crash half-way leaves every document readable.
    pub async fn load(store: Arc<dyn CatalogStore>, vault: Arc<Vault>) -> Result<Self, StorageError> {
        let mut data = Data {
            next_id: 1,
            ..Data::default()
        };
        let mut schemas = HashMap::new();
        let mut sources = Vec::new();
        let mut stale = Vec::new();
        let mut format = None;
        for mut entry in store.load().await? {
            let fields = secret_fields(&entry.kind);
            let needs_sealing = vault
                .open_fields(&mut entry.value, fields)
                .map_err(|error| StorageError::Internal(format!("{} `{}`: {error:#}", entry.kind, entry.key)))?;
            if needs_sealing {
                stale.push((entry.kind.clone(), entry.key.clone(), entry.value.clone()));
            }
            match entry.kind.as_str() {
                KIND_SOURCE => sources.push(decode::<Source>(entry.value, "source")?),
                KIND_SCHEMA => {
                    schemas.insert(entry.key, decode::<Schema>(entry.value, "schema")?);
                }
                KIND_TOKEN => {
                    let token: AccessToken = decode(entry.value, "token")?;
                    data.next_id = data.next_id.max(token.id + 1);
                    data.tokens.insert(token.hash.clone(), token);
                }
                Endpoint::KIND => load_document::<Endpoint>(&mut data, entry.value)?,
                Drain::KIND => load_document::<Drain>(&mut data, entry.value)?,
                Rule::KIND => load_document::<Rule>(&mut data, entry.value)?,
                Team::KIND => load_document::<Team>(&mut data, entry.value)?,
                Alert::KIND => load_document::<Alert>(&mut data, entry.value)?,
                AlertRuns::KIND => load_document::<AlertRuns>(&mut data, entry.value)?,
                KIND_ACCOUNT => data.account_token = decode(entry.value, "account")?,
                KIND_FORMAT => format = entry.value.get("version").and_then(Value::as_u64),
                _ => {}
            }
        }
        for source in sources {
            let schema = schemas.remove(&source.token.to_string()).unwrap_or_default();
            data.next_id = data.next_id.max(source.id + 1);
            data.names.insert(source.name.as_str().to_owned(), source.token);
            data.sources.insert(source.token, SourceHandle::new(source, schema));
        }
        match format {
            Some(version) if version > CATALOG_FORMAT => {
                return Err(StorageError::Internal(format!(
                    "the catalog is in format {version}, written by a newer Cinder; this one reads formats up to {CATALOG_FORMAT}"
                )))
            }
            Some(_) => {}
            // A new catalog, or one from before formats were written (format 1).
            None => {
                store
                    .put(KIND_FORMAT, "catalog", &serde_json::json!({ "version": CATALOG_FORMAT }))
                    .await?
            }
        }
        if data.account_token.is_nil() {
            data.account_token = Uuid::new_v4();
            store.put(KIND_ACCOUNT, "default", &encode(&data.account_token)).await?;
        }
        if !stale.is_empty() {
            tracing::info!(
                documents = stale.len(),
                key = vault.key_id(),
                "sealing secrets under the current encryption key"
            );
            for (kind, key, value) in &stale {
                let mut sealed = value.clone();
                vault.seal_fields(&mut sealed, secret_fields(kind));
                store.put(kind, key, &sealed).await?;
            }
            tracing::info!(
                documents = stale.len(),
                key = vault.key_id(),
                "every secret is sealed under the current key"
            );
        }
        Ok(Self {
            store,
            vault,
            data: RwLock::new(data),
            write: tokio::sync::Mutex::new(()),
        })
    }

    /// Stores a document with its secret fields sealed.
    async fn store_sealed(&self, kind: &str, key: &str, mut value: Value) -> Result<(), StorageError> {
        self.vault.seal_fields(&mut value, secret_fields(kind));
        self.store.put(kind, key, &value).await
    }

    /// The default user's token.
    pub fn account_token(&self) -> Uuid {
        self.data.read().account_token
    }

    /// Returns the token record for a presented secret.
    pub fn token(&self, secret: &str) -> Option<AccessToken> {
        self.data.read().tokens.get(&hash_token(secret)).cloned()
    }

    /// Returns the token whose secret hashes to `hash`, if it is not revoked.
    pub fn token_by_hash(&self, hash: &str) -> Option<AccessToken> {
        self.data.read().tokens.get(hash).cloned()
    }

    /// Returns every token.
    pub fn tokens(&self) -> Vec<AccessToken> {
        let mut tokens: Vec<_> = self.data.read().tokens.values().cloned().collect();
        tokens.sort_by_key(|token| token.id);
        tokens
    }

    /// Stores a token for `secret`, unless one exists.
    pub async fn add_token(
        &self,
        secret: &str,
        scopes: Vec<Scope>,
        description: Option<String>,
    ) -> Result<AccessToken, StorageError> {
        let _write = self.write.lock().await;
        let hash = hash_token(secret);
        if let Some(existing) = self.data.read().tokens.get(&hash) {
            return Ok(existing.clone());
        }
        let id = self.data.read().next_id;
        let token = AccessToken {
            id,
            hash: hash.clone(),
            token: scopes.contains(&Scope::Public).then(|| secret.to_owned()),
            scopes,
            description,
            inserted_at: crate::now_rfc3339(),
        };
        self.store_sealed(KIND_TOKEN, &hash, encode(&token)).await?;
        let mut data = self.data.write();
        data.next_id = id + 1;
        data.tokens.insert(hash, token.clone());
        Ok(token)
    }

    /// Revokes (deletes) a token by hash.
    pub async fn revoke_token(&self, hash: &str) -> Result<bool, StorageError> {
        let _write = self.write.lock().await;
        if !self.data.read().tokens.contains_key(hash) {
            return Ok(false);
        }
        self.store.delete(KIND_TOKEN, hash).await?;
        self.data.write().tokens.remove(hash);
        Ok(true)
    }

    /// Returns every source, favourites first, then by name (Logflare's order).
    pub fn sources(&self) -> Vec<Arc<SourceHandle>> {
        let mut handles: Vec<_> = self.data.read().sources.values().cloned().collect();
        handles.sort_by_cached_key(|handle| {
            let source = handle.source.read();
            (!source.favorite, source.name.as_str().to_owned())
        });
        handles
    }

    /// Returns a source by token.
    pub fn source(&self, token: &Uuid) -> Option<Arc<SourceHandle>> {
        self.data.read().sources.get(token).cloned()
    }

    /// Returns a source by name.
    pub fn source_by_name(&self, name: &str) -> Option<Arc<SourceHandle>> {
        let data = self.data.read();
        data.names.get(name).and_then(|token| data.sources.get(token)).cloned()
    }

    /// Creates a source from settings built by `build` (given the new id).
    pub async fn create_source(
        &self,
        name: SourceName,
        build: impl FnOnce(Source) -> Source,
    ) -> Result<Arc<SourceHandle>, CatalogError> {
        let _write = self.write.lock().await;
        if self.data.read().names.contains_key(name.as_str()) {
            return Err(CatalogError::NameTaken);
        }
        let id = self.data.read().next_id;
        let source = build(Source::new(id, DEFAULT_USER_ID, name, &crate::now_rfc3339()));
        let schema = Schema::new();
        self.store_sealed(KIND_SOURCE, &source.token.to_string(), encode(&source))
            .await?;
        self.store
            .put(KIND_SCHEMA, &source.token.to_string(), &encode(&schema))
            .await?;
        let handle = SourceHandle::new(source, schema);
        let mut data = self.data.write();
        data.next_id = id + 1;
        let source = handle.source.read().clone();
        data.names.insert(source.name.as_str().to_owned(), source.token);
        data.sources.insert(source.token, handle.clone());
        Ok(handle)
    }

    /// Replaces a source's settings (its token and id stay).
    pub async fn update_source(&self, handle: &SourceHandle, updated: Source) -> Result<(), CatalogError> {
        let _write = self.write.lock().await;
        let old_name = handle.source.read().name.clone();
        if updated.name != old_name && self.data.read().names.contains_key(updated.name.as_str()) {
            return Err(CatalogError::NameTaken);
        }
        self.store_sealed(KIND_SOURCE, &updated.token.to_string(), encode(&updated))
            .await?;
        let mut data = self.data.write();
        data.names.remove(old_name.as_str());
        data.names.insert(updated.name.as_str().to_owned(), updated.token);
        *handle.source.write() = updated;
        Ok(())
    }

    /// Deletes a source from the catalog (its table is the caller's to drop).
    pub async fn delete_source(&self, token: &Uuid) -> Result<Option<Arc<SourceHandle>>, StorageError> {
        let _write = self.write.lock().await;
        let Some(handle) = self.source(token) else {
            return Ok(None);
        };
        self.store.delete(KIND_SOURCE, &token.to_string()).await?;
        self.store.delete(KIND_SCHEMA, &token.to_string()).await?;
        let mut data = self.data.write();
        data.sources.remove(token);
        data.names.remove(handle.source.read().name.as_str());
        Ok(Some(handle))
    }

    /// The sources as the translator sees them, by name, with their tables named as
    /// `backend`'s queries name them, their schemas, and the part of each that its table has
    /// columns for.
    pub fn translator_sources(&self, backend: &dyn cinder_storage::Backend) -> cinder_sql::Sources {
        self.data
            .read()
            .sources
            .values()
            .map(|handle| {
                let name = handle.source.read().name.as_str().to_owned();
                // The stored schema first: it never runs ahead of the schema read after it.
                let columns = handle.stored_schema();
                let table = cinder_sql::SourceTable {
                    table: backend.table_reference(&handle.table),
                    schema: handle.schema(),
                    columns,
                };
                (name, table)
            })
            .collect()
    }

    /// Every document of one kind, in id order.
    pub fn all<T: Document>(&self) -> Vec<Arc<T>> {
        let mut all: Vec<_> = T::collection(&self.data.read()).values().cloned().collect();
        all.sort_by_key(|document| document.id());
        all
    }

    /// A document by token.
    pub fn get<T: Document>(&self, token: &Uuid) -> Option<Arc<T>> {
        T::collection(&self.data.read()).get(token).cloned()
    }

    /// The first document (in id order) that `wanted` accepts.
    pub fn find<T: Document>(&self, wanted: impl Fn(&T) -> bool) -> Option<Arc<T>> {
        self.all::<T>().into_iter().find(|document| wanted(document))
    }

    /// Stores a document built by `build` (given the next free id, for a new document),
    /// creating it or replacing the one with its token. Names, where a kind has them, are unique.
    pub async fn put<T: Document>(&self, build: impl FnOnce(i64) -> T) -> Result<Arc<T>, CatalogError> {
        let _write = self.write.lock().await;
        let id = self.data.read().next_id;
        let document = Arc::new(build(id));
        if let Some(name) = document.unique_name() {
            let taken = T::collection(&self.data.read())
                .values()
                .any(|other| other.unique_name() == Some(name) && other.token() != document.token());
            if taken {
                return Err(CatalogError::NameTaken);
            }
        }
        self.store_sealed(T::KIND, &document.token().to_string(), encode(&*document))
            .await?;
        let mut data = self.data.write();
        data.next_id = data.next_id.max(document.id() + 1);
        T::collection_mut(&mut data).insert(document.token(), document.clone());
        Ok(document)
    }

    /// Deletes a document.
    pub async fn remove<T: Document>(&self, token: &Uuid) -> Result<Option<Arc<T>>, StorageError> {
        let _write = self.write.lock().await;
        if self.get::<T>(token).is_none() {
            return Ok(None);
        }
        self.store.delete(T::KIND, &token.to_string()).await?;
        Ok(T::collection_mut(&mut self.data.write()).remove(token))
    }

    /// Returns an endpoint by token.
    pub fn endpoint(&self, token: &Uuid) -> Option<Arc<Endpoint>> {
        self.get(token)
    }

    /// Returns an endpoint by name.
    pub fn endpoint_by_name(&self, name: &str) -> Option<Arc<Endpoint>> {
        self.find(|endpoint: &Endpoint| endpoint.name == name)
    }

    /// Persists a source's schema.
    pub async fn save_schema(&self, token: &Uuid, schema: &Schema) -> Result<(), StorageError> {
        let _write = self.write.lock().await;
        if self.source(token).is_none() {
            return Ok(());
        }
        self.store.put(KIND_SCHEMA, &token.to_string(), &encode(schema)).await
    }
}
