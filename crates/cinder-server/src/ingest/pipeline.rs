//! From an accepted request to the backend: admission, the write-ahead log, the loader.
//!
//! [`Pipeline::submit`] reserves room for the request's events (or refuses: the caller
//! answers 429), appends them to the log and waits for the group commit. The log's writer
//! thread, in log order, queues them for the loader; so the queue is always in log order and
//! the loader can store any prefix of it together with the position of its last record. The
//! loader stores large batches (one transaction for thousands of events), then trims the log
//! behind them. Events replayed from the log at start-up enter the same queue.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cinder_core::LogEvent;
use cinder_storage::{Backend, LoadBatch, TableEvents};
use parking_lot::Mutex;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::catalog::{Catalog, SourceHandle};
use crate::metrics::metrics;
use crate::wal::{Record, Wal};

/// The most events the loader stores in one transaction.
const LOAD_BATCH_EVENTS: usize = 100_000;
/// The longest a request is held for room before it is refused with 429 (see
/// [`Pipeline::admit`]). The loader stores a batch every few hundred milliseconds when it is
/// behind, so a second covers several of them.
pub const ADMISSION_WAIT: Duration = Duration::from_secs(1);
/// How long the loader waits for more events before storing a small batch.
const LINGER: Duration = Duration::from_millis(50);

/// Why events were not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Too many events are waiting for the backend; retry later.
    #[error("too many events are waiting to be stored; retry shortly")]
    Full,
    /// The log could not write: nothing was acknowledged.
    #[error(transparent)]
    Log(#[from] io::Error),
    /// The backend cannot be reached; what was accepted before waits in the log.
    #[error("the storage backend is unreachable; retry shortly")]
    BackendDown,
}

struct Entry {
    position: u64,
    source: Arc<SourceHandle>,
    events: Vec<Arc<LogEvent>>,
    /// The memory they take (see [`memory_size`]), counted against the pending bytes.
    bytes: usize,
    /// When the events were made durable (or replayed).
    accepted: Instant,
}

/// The ingest pipeline shared by every request.
pub struct Pipeline {
    wal: Wal,
    queue: Arc<Mutex<VecDeque<Entry>>>,
    notify: Arc<Notify>,
    /// Events accepted or being appended and not yet stored.
    outstanding: Arc<AtomicUsize>,
    max_outstanding: usize,
    /// The memory those events take: memory is bounded by bytes, whatever the events' size.
    outstanding_bytes: Arc<AtomicUsize>,
    max_outstanding_bytes: usize,
    /// The most memory (of parsed events) the loader stores in one transaction.
    load_batch_bytes: usize,
    /// Set while the backend refuses connections; ingest answers 503 until a store succeeds.
    backend_down: AtomicBool,
    /// Set when a request is refused for want of room, until the loader next stores a batch:
    /// only then does room come back, so until then requests are refused before parsing.
    full: AtomicBool,
    /// Woken when the loader has stored a batch: requests held for room look again.
    room: Notify,
    /// When the oldest event of the batch being stored was accepted.
    storing_since: Mutex<Option<Instant>>,
}

impl Pipeline {
    /// Creates the pipeline over an opened log; past `max_outstanding` events or
    /// `max_outstanding_bytes` (of memory, see [`memory_size`]) waiting to be stored, ingest is
    /// refused. The loader stores at most `load_batch_bytes` of events per transaction.
    pub fn new(wal: Wal, max_outstanding: usize, max_outstanding_bytes: usize, load_batch_bytes: usize) -> Self {
        Self {
            wal,
            queue: Arc::new(Mutex::new(VecDeque::new())),
            notify: Arc::new(Notify::new()),
            outstanding: Arc::new(AtomicUsize::new(0)),
            max_outstanding,
            outstanding_bytes: Arc::new(AtomicUsize::new(0)),
            max_outstanding_bytes,
            load_batch_bytes,
            backend_down: AtomicBool::new(false),
            full: AtomicBool::new(false),
            room: Notify::new(),
            storing_since: Mutex::new(None),
        }
    }

    /// How long the oldest event accepted and not yet stored has waited; None when none waits.
    pub fn lag(&self) -> Option<Duration> {
        let storing = *self.storing_since.lock();
        let queued = self.queue.lock().front().map(|entry| entry.accepted);
        storing.into_iter().chain(queued).min().map(|since| since.elapsed())
    }

    /// Returns how many events are accepted but not yet stored.
    pub fn outstanding(&self) -> usize {
        self.outstanding.load(Ordering::Relaxed)
    }

    /// Admits a request whose body is `body_bytes` long before it is parsed, once there is
    /// room for it, holding it up to [`ADMISSION_WAIT`] for the loader to make room: a client
    /// that sends faster than the store keeps up is slowed down rather than refused, and one
    /// that ignores `Retry-After` cannot spin on refusals and take the CPU the loader needs.
    /// Refused at once while the backend is down; past the wait, refused for want of room (see
    /// [`Pipeline::try_admit`]).
    pub async fn admit(&self, body_bytes: usize) -> Result<(), SubmitError> {
        let deadline = tokio::time::Instant::now() + ADMISSION_WAIT;
        loop {
            // Registered before the check, so room made between the two is not missed.
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            match self.try_admit(body_bytes) {
                Err(SubmitError::Full) => {}
                admitted => return admitted,
            }
            if tokio::time::timeout_at(deadline, room).await.is_err() {
                return Err(SubmitError::Full);
            }
        }
    }

    /// Whether a request whose body is `body_bytes` long may be parsed now: not while the
    /// backend is down; not when [`submit`] would refuse it whatever it holds (no further event
    /// fits, or its events do not fit in the pending bytes); and, once a request was refused for
    /// want of room, not until the loader stores its next batch, which is when room comes back.
    /// Parsed events take more memory than the text they come from (a map node alone is over
    /// 600 bytes), so the body's length is a lower bound of what they would count. An
    /// overloaded server then does not spend on parsing what it refuses the CPU its loader
    /// needs to catch up.
    ///
    /// [`submit`]: Pipeline::submit
    pub fn try_admit(&self, body_bytes: usize) -> Result<(), SubmitError> {
        if self.backend_down.load(Ordering::Acquire) {
            return Err(SubmitError::BackendDown);
        }
        let events = self.outstanding.load(Ordering::Acquire);
        let bytes = self.outstanding_bytes.load(Ordering::Acquire);
        if events == 0 && bytes == 0 {
            return Ok(());
        }
        if self.full.load(Ordering::Acquire)
            || events >= self.max_outstanding
            || bytes + body_bytes > self.max_outstanding_bytes
        {
            return Err(SubmitError::Full);
        }
        Ok(())
    }

    /// Makes events durable; they are queued for the backend before this returns.
    pub async fn submit(&self, source: Arc<SourceHandle>, events: Vec<LogEvent>) -> Result<(), SubmitError> {
        if self.backend_down.load(Ordering::Acquire) {
            return Err(SubmitError::BackendDown);
        }
        let count = events.len();
        let previous = self.outstanding.fetch_add(count, Ordering::AcqRel);
        if previous + count > self.max_outstanding && previous > 0 {
            self.outstanding.fetch_sub(count, Ordering::AcqRel);
            self.full.store(true, Ordering::Release);
            return Err(SubmitError::Full);
        }
        let size = memory_size(&events);
        let previous_bytes = self.outstanding_bytes.fetch_add(size, Ordering::AcqRel);
        if previous_bytes + size > self.max_outstanding_bytes && previous_bytes > 0 {
            self.outstanding_bytes.fetch_sub(size, Ordering::AcqRel);
            self.outstanding.fetch_sub(count, Ordering::AcqRel);
            self.full.store(true, Ordering::Release);
            return Err(SubmitError::Full);
        }
        let payload = encode_payload(&source.source.read().token, &events);
        let (bytes, label) = (
            payload.len() as u64,
            metrics().source(source.source.read().name.as_str()),
        );
        let events: Vec<Arc<LogEvent>> = events.into_iter().map(Arc::new).collect();
        let queue = self.queue.clone();
        let notify = self.notify.clone();
        let on_durable = Box::new(move |position| {
            // Only durable events are shown (recent events, live tail).
            source.remember(&events);
            queue.lock().push_back(Entry {
                position,
                source,
                events,
                bytes: size,
                accepted: Instant::now(),
            });
            notify.notify_one();
        });
        match self.wal.append(payload, on_durable).await {
            Ok(_) => {
                metrics().ingested_events.get_or_create(&label).inc_by(count as u64);
                metrics().ingested_bytes.get_or_create(&label).inc_by(bytes);
                Ok(())
            }
            Err(error) => {
                self.outstanding.fetch_sub(count, Ordering::AcqRel);
                self.outstanding_bytes.fetch_sub(size, Ordering::AcqRel);
                Err(SubmitError::Log(error))
            }
        }
    }

    /// Queues records read back from the log that the backend has not stored yet.
    pub fn replay(&self, records: Vec<Record>, stored: u64, catalog: &Catalog) -> usize {
        let mut replayed = 0;
        let mut queue = self.queue.lock();
        for record in records.into_iter().filter(|record| record.position > stored) {
            let Some((token, mut events)) = decode_payload(&record.payload) else {
                tracing::error!(position = record.position, "unreadable write-ahead log record skipped");
                continue;
            };
            let Some(source) = catalog.source(&token) else {
                continue; // the source was deleted
            };
            if let Err(error) = source.apply_schema(&mut events) {
                tracing::error!(%error, position = record.position, "replayed events no longer fit their schema");
                continue;
            }
            replayed += events.len();
            let size = memory_size(&events);
            self.outstanding.fetch_add(events.len(), Ordering::AcqRel);
            self.outstanding_bytes.fetch_add(size, Ordering::AcqRel);
            queue.push_back(Entry {
                position: record.position,
                source,
                events: events.into_iter().map(Arc::new).collect(),
                bytes: size,
                accepted: Instant::now(),
            });
        }
        self.notify.notify_one();
        replayed
    }

    /// Runs the loader until the process ends.
    pub async fn run_loader(self: Arc<Self>, backend: Arc<dyn Backend>, catalog: Arc<Catalog>) {
        let mut failures = 0u32;
        loop {
            if self.queue.lock().is_empty() {
                let _ = tokio::time::timeout(Duration::from_millis(500), self.notify.notified()).await;
            }
            if !self.queue_holds(LOAD_BATCH_EVENTS / 10, self.load_batch_bytes / 10) {
                tokio::time::sleep(LINGER).await;
            }
            let entries = self.take_batch();
            if entries.is_empty() {
                continue;
            }
            *self.storing_since.lock() = entries.iter().map(|entry| entry.accepted).min();
            let started = Instant::now();
            let stored = self.store(&entries, backend.as_ref(), &catalog).await;
            *self.storing_since.lock() = None;
            match stored {
                Ok(()) => {
                    let events: usize = entries.iter().map(|entry| entry.events.len()).sum();
                    metrics().loader_batch_events.observe(events as f64);
                    metrics().backend_write_seconds.observe(started.elapsed().as_secs_f64());
                    failures = 0;
                    if self.backend_down.swap(false, Ordering::AcqRel) {
                        tracing::info!("the storage backend is back; ingest resumes");
                    }
                }
                Err(error) => {
                    failures += 1;
                    metrics().backend_write_errors.inc();
                    // A backend that spools keeps accepting events into the log (up to the
                    // backlog bound, then 429); the others answer 503 until a store succeeds.
                    if matches!(error, cinder_storage::StorageError::Unavailable(_))
                        && !backend.spools_while_unavailable()
                    {
                        self.backend_down.store(true, Ordering::Release);
                    }
                    let backoff = Duration::from_millis(100 * 2u64.pow(failures.min(5)));
                    tracing::error!(%error, retry_in = ?backoff, "storing events failed; they stay queued");
                    {
                        let mut queue = self.queue.lock();
                        for entry in entries.into_iter().rev() {
                            queue.push_front(entry);
                        }
                    }
                    tokio::time::sleep(backoff).await;
                }
            }
        }
    }

    /// Gives back the room of `events` stored events that took `bytes`.
    fn stored(&self, events: usize, bytes: usize) {
        self.outstanding.fetch_sub(events, Ordering::AcqRel);
        self.outstanding_bytes.fetch_sub(bytes, Ordering::AcqRel);
        self.full.store(false, Ordering::Release);
        self.room.notify_waiters();
    }

    /// Whether the queue holds at least `events` events or `bytes` bytes.
    fn queue_holds(&self, events: usize, bytes: usize) -> bool {
        let queue = self.queue.lock();
        let (mut counted_events, mut counted_bytes) = (0, 0);
        for entry in queue.iter() {
            counted_events += entry.events.len();
            counted_bytes += entry.bytes;
            if counted_events >= events || counted_bytes >= bytes {
                return true;
            }
        }
        false
    }

    /// Takes the oldest entries, up to [`LOAD_BATCH_EVENTS`] events and the batch's bytes (at
    /// least one entry, however large).
    fn take_batch(&self) -> Vec<Entry> {
        let mut queue = self.queue.lock();
        let mut taken = Vec::new();
        let (mut events, mut bytes) = (0, 0);
        while let Some(entry) = queue.front() {
            if !taken.is_empty()
                && (events + entry.events.len() > LOAD_BATCH_EVENTS || bytes + entry.bytes > self.load_batch_bytes)
            {
                break;
            }
            events += entry.events.len();
            bytes += entry.bytes;
            taken.push(queue.pop_front().expect("front exists"));
        }
        taken
    }

    async fn store(
        &self,
        entries: &[Entry],
        backend: &dyn Backend,
        catalog: &Catalog,
    ) -> Result<(), cinder_storage::StorageError> {
        let position = entries.last().map_or(0, |entry| entry.position);
        let mut tables: Vec<(Arc<SourceHandle>, TableEvents)> = Vec::new();
        for entry in entries {
            let token = entry.source.source.read().token;
            if catalog.source(&token).is_none() {
                continue; // deleted while its events waited
            }
            match tables.iter_mut().find(|(handle, _)| Arc::ptr_eq(handle, &entry.source)) {
                Some((_, table)) => table.events.extend(entry.events.iter().cloned()),
                None => tables.push((
                    entry.source.clone(),
                    TableEvents {
                        table: entry.source.table.clone(),
                        // Schemas only grow, so the current one covers every queued event.
                        schema: entry.source.schema(),
                        events: entry.events.clone(),
                    },
                )),
            }
        }
        let batch = LoadBatch {
            tables: tables.iter().map(|(_, table)| table.clone()).collect(),
            position,
        };
        // Schemas are saved before the rows that need them: a crash in between leaves a
        // schema that covers rows not yet stored, which replay then stores.
        for (handle, table) in &tables {
            if handle.schema_needs_saving(table.schema.version()) {
                let token = handle.source.read().token;
                catalog.save_schema(&token, &table.schema).await?;
                handle.schema_saved(table.schema.version());
            }
        }
        // The table gets the batch's new fields before its rows become visible, and queries
        // learn of them in between: a query sees a row only with every field it has. Tables
        // are altered concurrently: on BigQuery each alteration is a round trip of a second.
        let alterations = tables
            .iter()
            .filter(|(handle, table)| table.schema.version() > handle.stored_schema().version())
            .map(|(handle, table)| async move {
                backend.apply_schema(&table.table, &table.schema).await?;
                handle.schema_stored(&table.schema);
                Ok::<_, cinder_storage::StorageError>(())
            });
        futures_util::future::try_join_all(alterations).await?;
        backend.insert(&batch).await?;
        for (handle, table) in &tables {
            handle
                .metrics
                .inserts
                .fetch_add(table.events.len() as u64, Ordering::Relaxed);
        }
        let count: usize = entries.iter().map(|entry| entry.events.len()).sum();
        let bytes: usize = entries.iter().map(|entry| entry.bytes).sum();
        self.stored(count, bytes);
        if let Err(error) = self.wal.trim(position) {
            tracing::warn!(%error, "cannot trim the write-ahead log");
        }
        Ok(())
    }
}

/// The memory parsed events take while they wait: a tree of values is several times the size
/// of the JSON it was read from, so the pending bounds count this rather than the bytes logged.
fn memory_size(events: &[LogEvent]) -> usize {
    // Each event is also behind an `Arc`: two counts, and its pointer in the entry's vector.
    const SHARED: usize = 3 * std::mem::size_of::<usize>();
    events.iter().map(|event| event.memory_size() + SHARED).sum()
}

/// A log record: the source token's 16 bytes, then the events as a JSON array.
fn encode_payload(token: &Uuid, events: &[LogEvent]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(16 + events.len() * 512);
    payload.extend_from_slice(token.as_bytes());
    serde_json::to_writer(&mut payload, events).expect("events serialise");
    payload
}

fn decode_payload(payload: &[u8]) -> Option<(Uuid, Vec<LogEvent>)> {
    let token = Uuid::from_slice(payload.get(..16)?).ok()?;
    let values: Vec<serde_json::Value> = serde_json::from_slice(&payload[16..]).ok()?;
    let events = values
        .into_iter()
        .map(LogEvent::from_json)
        .collect::<Option<Vec<_>>>()?;
    Some((token, events))
}

#[cfg(test)]
mod tests {
    use cinder_core::{normalize, NormalizeOptions, Schema, Source, SourceName};
    use serde_json::json;

    use super::*;

    fn events(count: usize, padding: usize) -> Vec<LogEvent> {
        (0..count)
            .map(|index| {
                let raw = json!({"message": "x".repeat(padding), "n": index});
                normalize(raw.as_object().unwrap().clone(), &NormalizeOptions::default(), 0)
            })
            .collect()
    }

    /// A pipeline whose loader batches hold up to 8 MB.
    async fn pipeline(max_events: usize, max_bytes: usize) -> (Pipeline, Arc<SourceHandle>) {
        let dir = std::env::temp_dir().join(format!("cinder-pipeline-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let (wal, _) = Wal::open(&dir).unwrap();
        let name = SourceName::try_from("bounded".to_owned()).unwrap();
        let source = SourceHandle::new(Source::new(1, 1, name, "2026-12-03T00:00:00Z"), Schema::new());
        (Pipeline::new(wal, max_events, max_bytes, 8 << 20), source)
    }

    /// Nothing is stored here (no loader runs): whatever is accepted stays pending.
    #[tokio::test]
    async fn large_events_are_bounded_by_their_bytes() {
        let (pipeline, source) = pipeline(1_000_000, 64 * 1024).await;
        // A first request is taken even when alone it is past the bound: it could never fit.
        pipeline.submit(source.clone(), events(10, 10_000)).await.unwrap();
        let refused = pipeline.submit(source.clone(), events(1, 100)).await;
        assert!(matches!(refused, Err(SubmitError::Full)), "{refused:?}");
        assert_eq!(pipeline.outstanding(), 10, "a refused request holds no room");
    }

    #[tokio::test]
    async fn a_loader_batch_is_bounded_by_bytes() {
        let (pipeline, source) = pipeline(1_000_000, usize::MAX).await;
        for _ in 0..3 {
            // About 3 MB each: two fit in a batch, three do not.
            pipeline.submit(source.clone(), events(3, 1_000_000)).await.unwrap();
        }
        // Alone past the bound, it still goes, in a batch of its own.
        pipeline.submit(source.clone(), events(1, 10_000_000)).await.unwrap();
        let sizes: Vec<usize> = std::iter::from_fn(|| Some(pipeline.take_batch()))
            .take_while(|batch| !batch.is_empty())
            .map(|batch| batch.iter().map(|entry| entry.events.len()).sum())
            .collect();
        assert_eq!(sizes, [6, 3, 1]);
    }

    /// Forty small fields are about 500 bytes of JSON and 5 KB once parsed: the bound counts
    /// the memory, which the log's bytes would understate by ten times.
    #[tokio::test]
    async fn pending_events_are_bounded_by_the_memory_they_take() {
        let (pipeline, source) = pipeline(1_000_000, 1 << 20).await;
        let wide = || -> Vec<LogEvent> {
            (0..100)
                .map(|_| {
                    let raw: serde_json::Map<String, serde_json::Value> =
                        (0..40).map(|field| (format!("f{field}"), json!(field))).collect();
                    normalize(raw, &NormalizeOptions::default(), 0)
                })
                .collect()
        };
        let logged = encode_payload(&Uuid::nil(), &wide()).len();
        assert!(logged < 100 * 1024, "{logged} bytes logged per request");
        let mut accepted = 0;
        while pipeline.submit(source.clone(), wide()).await.is_ok() {
            accepted += 1;
        }
        // Ten requests' log records would fit in 1 MB; their memory does not.
        assert!((2..=3).contains(&accepted), "{accepted} requests accepted");
        assert!(pipeline.outstanding_bytes.load(Ordering::Acquire) <= 1 << 20);
    }

    #[tokio::test]
    async fn a_request_that_cannot_fit_is_refused_before_it_is_parsed() {
        let (pipeline, source) = pipeline(100, 1 << 20).await;
        // Alone, any request is taken.
        assert!(pipeline.try_admit(10 << 20).is_ok());
        pipeline.submit(source.clone(), events(99, 10)).await.unwrap();
        let pending = pipeline.outstanding_bytes.load(Ordering::Acquire);
        assert!(
            pipeline.try_admit((1 << 20) - pending).is_ok(),
            "room for one event and its bytes"
        );
        let refused = pipeline.try_admit((1 << 20) - pending + 1);
        assert!(matches!(refused, Err(SubmitError::Full)), "{refused:?}");
        pipeline.submit(source.clone(), events(1, 10)).await.unwrap();
        let refused = pipeline.try_admit(1);
        assert!(
            matches!(refused, Err(SubmitError::Full)),
            "no room for one more event: {refused:?}"
        );
        // Once a request was refused, the next are refused unparsed until the loader stores.
        let first = pipeline.take_batch().remove(0);
        pipeline.stored(first.events.len(), first.bytes);
        assert_eq!(pipeline.outstanding(), 1);
        assert!(pipeline.try_admit(1).is_ok());
        pipeline.submit(source.clone(), events(90, 10)).await.unwrap();
        let refused = pipeline.submit(source.clone(), events(10, 10)).await;
        assert!(matches!(refused, Err(SubmitError::Full)), "{refused:?}");
        let refused = pipeline.try_admit(1);
        assert!(
            matches!(refused, Err(SubmitError::Full)),
            "room comes back with a store: {refused:?}"
        );
        let second = pipeline.take_batch().remove(0);
        pipeline.stored(second.events.len(), second.bytes);
        assert!(pipeline.try_admit(1).is_ok());
        pipeline.backend_down.store(true, Ordering::Release);
        assert!(matches!(pipeline.try_admit(1), Err(SubmitError::BackendDown)));
    }

    /// A request that finds no room is held until the loader stores a batch, then admitted;
    /// refused with 429 only when no room comes within the wait; at once while the backend is
    /// down.
    #[tokio::test]
    async fn a_request_without_room_waits_for_the_loader() {
        let (pipeline, source) = pipeline(100, 1 << 20).await;
        pipeline.submit(source.clone(), events(100, 10)).await.unwrap();
        let refused = pipeline.submit(source.clone(), events(1, 10)).await;
        assert!(matches!(refused, Err(SubmitError::Full)), "{refused:?}");
        let store = || {
            let batch = pipeline.take_batch().remove(0);
            pipeline.stored(batch.events.len(), batch.bytes);
        };

        let started = Instant::now();
        let (admitted, ()) = tokio::join!(pipeline.admit(1), async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            store();
        });
        let waited = started.elapsed();
        assert!(admitted.is_ok(), "{admitted:?}");
        assert!(
            waited >= Duration::from_millis(100) && waited < ADMISSION_WAIT,
            "admitted after {waited:?}"
        );

        pipeline.submit(source.clone(), events(100, 10)).await.unwrap();
        let refused = pipeline.submit(source.clone(), events(1, 10)).await;
        assert!(matches!(refused, Err(SubmitError::Full)), "{refused:?}");
        let started = Instant::now();
        let refused = pipeline.admit(1).await;
        assert!(matches!(refused, Err(SubmitError::Full)), "{refused:?}");
        assert!(
            started.elapsed() >= ADMISSION_WAIT,
            "refused after {:?}",
            started.elapsed()
        );

        pipeline.backend_down.store(true, Ordering::Release);
        let started = Instant::now();
        assert!(matches!(pipeline.admit(1).await, Err(SubmitError::BackendDown)));
        assert!(started.elapsed() < ADMISSION_WAIT);
    }

    /// What [`Pipeline::admit`] relies on: events take more memory parsed than their JSON text,
    /// whatever its shape (long strings, many small numbers, deep nesting, empty objects).
    #[test]
    fn parsed_events_take_more_memory_than_their_text() {
        let shapes = [
            json!({"message": "x".repeat(100_000)}),
            json!({"numbers": vec![1; 10_000]}),
            json!({"flags": vec![true; 1_000], "nulls": vec![serde_json::Value::Null; 1_000]}),
            json!({"a": {"b": {"c": {"d": {"e": [[[[1]]]]}}}}}),
            json!({"empty": [{}, {}, {}, {}, {}, {}, {}, {}]}),
            json!({}),
        ];
        for shape in shapes {
            let text = serde_json::to_vec(&[&shape; 10]).unwrap();
            let parsed: Vec<LogEvent> = (0..10)
                .map(|_| normalize(shape.as_object().unwrap().clone(), &NormalizeOptions::default(), 0))
                .collect();
            assert!(
                memory_size(&parsed) >= text.len(),
                "{shape}: {} < {}",
                memory_size(&parsed),
                text.len()
            );
        }
    }

    #[tokio::test]
    async fn small_events_are_bounded_by_their_count() {
        let (pipeline, source) = pipeline(100, usize::MAX).await;
        pipeline.submit(source.clone(), events(60, 10)).await.unwrap();
        pipeline.submit(source.clone(), events(40, 10)).await.unwrap();
        let refused = pipeline.submit(source.clone(), events(1, 10)).await;
        assert!(matches!(refused, Err(SubmitError::Full)), "{refused:?}");
        assert_eq!(pipeline.outstanding(), 100);
    }
}
