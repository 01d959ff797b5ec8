//! Endpoint results, kept as the response bytes they are sent as.
//!
//! An entry is keyed by the endpoint and every parameter of the call. The first caller runs
//! the query; callers that arrive meanwhile wait for that same run (a [`OnceCell`]), and if the
//! first caller goes away its run is taken over by the next. A result is served while it is
//! younger than the endpoint's `cache_duration_seconds`; the endpoint service re-runs entries
//! that are still being read every `proactive_requerying_seconds`, so their callers never wait,
//! and drops entries nobody read for a whole cache duration. Failures are never kept. The total
//! size of the kept results is bounded; past it the least recently read go first.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::model::Params;

/// What a cached result answers: one endpoint called with these parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The endpoint's token.
    pub endpoint: Uuid,
    /// Every parameter of the call, including ones the query does not declare.
    pub params: Params,
    /// Whether IP addresses are redacted.
    pub redact: bool,
}

/// Whether a call was answered from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Served a kept result.
    Hit,
    /// Ran the query (or waited for a run started by another caller).
    Miss,
}

/// How long results live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime {
    /// A result older than this is not served.
    pub ttl: Duration,
    /// A result older than this is re-run in the background while it is being read.
    pub requery: Option<Duration>,
}

struct Fresh {
    body: Bytes,
    at: Instant,
    /// What it costs the memory bound: the body, the key and the bookkeeping.
    cost: usize,
}

/// Memory an entry takes besides its body and key text (maps, locks, timestamps).
const ENTRY_OVERHEAD: usize = 256;

fn cost(key: &Key, body: &Bytes) -> usize {
    let key_text: usize = key
        .params
        .iter()
        .map(|(name, value)| name.len() + value.as_ref().map_or(0, String::len))
        .sum();
    body.len() + key_text + ENTRY_OVERHEAD
}

struct Entry {
    lifetime: Lifetime,
    first: OnceCell<Result<Bytes, String>>,
    current: Mutex<Option<Fresh>>,
    last_read: Mutex<Instant>,
    refreshing: std::sync::atomic::AtomicBool,
}

impl Entry {
    fn new(lifetime: Lifetime) -> Arc<Self> {
        Arc::new(Self {
            lifetime,
            first: OnceCell::new(),
            current: Mutex::new(None),
            last_read: Mutex::new(Instant::now()),
            refreshing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The kept result, if it is still young enough to serve.
    fn fresh(&self, now: Instant) -> Option<Bytes> {
        let current = self.current.lock();
        let fresh = current.as_ref()?;
        (now.duration_since(fresh.at) < self.lifetime.ttl).then(|| fresh.body.clone())
    }

    fn size(&self) -> usize {
        self.current.lock().as_ref().map_or(0, |fresh| fresh.cost)
    }
}

struct Entries {
    map: HashMap<Key, Arc<Entry>>,
    bytes: usize,
}

/// The cache. See the module documentation.
pub struct ResultCache {
    entries: Mutex<Entries>,
    capacity: usize,
}

/// An entry due for a background re-run.
pub struct Due {
    /// What to run.
    pub key: Key,
    entry: Arc<Entry>,
}

impl ResultCache {
    /// A cache that keeps at most `capacity` bytes of results.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                bytes: 0,
            }),
            capacity,
        }
    }

    /// Bytes of results kept.
    pub fn bytes(&self) -> usize {
        self.entries.lock().bytes
    }

    /// Results kept.
    pub fn len(&self) -> usize {
        self.entries.lock().map.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Answers `key` from the cache, or by `run`, shared with concurrent callers of the same key.
    pub async fn get_or_run<F>(&self, key: Key, lifetime: Lifetime, run: F) -> (Result<Bytes, String>, Outcome)
    where
        F: Future<Output = Result<Bytes, String>>,
    {
        let now = Instant::now();
        let entry = {
            let mut entries = self.entries.lock();
            match entries.map.get(&key) {
                Some(entry) if entry.first.initialized() && entry.fresh(now).is_none() => {
                    // Expired: start over with an entry of its own, so callers share the new run.
                    let fresh = Entry::new(lifetime);
                    let stale = entries.map.insert(key.clone(), fresh.clone());
                    entries.bytes -= stale.map_or(0, |stale| stale.size());
                    fresh
                }
                Some(entry) => entry.clone(),
                None => {
                    let fresh = Entry::new(lifetime);
                    entries.map.insert(key.clone(), fresh.clone());
                    fresh
                }
            }
        };
        *entry.last_read.lock() = now;
        if let Some(body) = entry.fresh(now) {
            return (Ok(body), Outcome::Hit);
        }
        let result = entry
            .first
            .get_or_init(|| async {
                let result = run.await;
                match &result {
                    Ok(body) => self.store(&key, &entry, body.clone()),
                    Err(_) => self.remove(&key, &entry),
                }
                result
            })
            .await
            .clone();
        (result, Outcome::Miss)
    }

    /// Keeps `body` as the entry's result, if the entry is still in the cache.
    fn store(&self, key: &Key, entry: &Arc<Entry>, body: Bytes) {
        let mut entries = self.entries.lock();
        if !entries.map.get(key).is_some_and(|kept| Arc::ptr_eq(kept, entry)) {
            return;
        }
        let old = entry.size();
        let new = cost(key, &body);
        *entry.current.lock() = Some(Fresh {
            body,
            at: Instant::now(),
            cost: new,
        });
        entries.bytes = entries.bytes + new - old;
        if new > self.capacity / 8 {
            // One result may not crowd out the rest: answer it, do not keep it.
            entries.map.remove(key);
            entries.bytes -= new;
            return;
        }
        if entries.bytes > self.capacity {
            // Evict the least recently read down to 90%, in one pass, so a stream of new keys
            // costs a sort now and then rather than a scan per call.
            let mut by_age: Vec<(Instant, Key)> = entries
                .map
                .iter()
                .map(|(key, entry)| (*entry.last_read.lock(), key.clone()))
                .collect();
            by_age.sort_by_key(|(read, _)| *read);
            let target = self.capacity / 10 * 9;
            for (_, oldest) in by_age {
                if entries.bytes <= target {
                    break;
                }
                if let Some(evicted) = entries.map.remove(&oldest) {
                    entries.bytes -= evicted.size();
                }
            }
        }
    }

    fn remove(&self, key: &Key, entry: &Arc<Entry>) {
        let mut entries = self.entries.lock();
        if entries.map.get(key).is_some_and(|kept| Arc::ptr_eq(kept, entry)) {
            entries.map.remove(key);
            entries.bytes -= entry.size();
        }
    }

    /// Drops every result of an endpoint (it changed or is gone).
    pub fn invalidate(&self, endpoint: &Uuid) {
        let mut entries = self.entries.lock();
        let mut freed = 0;
        entries.map.retain(|key, entry| {
            let keep = key.endpoint != *endpoint;
            if !keep {
                freed += entry.size();
            }
            keep
        });
        entries.bytes -= freed;
    }

    /// Drops entries nobody read for a whole cache duration and returns the ones due for a
    /// background re-run (each marked as being re-run until [`ResultCache::refreshed`]).
    pub fn sweep(&self, now: Instant) -> Vec<Due> {
        let mut entries = self.entries.lock();
        let mut freed = 0;
        entries.map.retain(|_, entry| {
            let cold = now.duration_since(*entry.last_read.lock()) >= entry.lifetime.ttl;
            if cold && entry.first.initialized() {
                freed += entry.size();
                return false;
            }
            true
        });
        entries.bytes -= freed;
        entries
            .map
            .iter()
            .filter(|(_, entry)| {
                let Some(requery) = entry.lifetime.requery else {
                    return false;
                };
                let due = entry
                    .current
                    .lock()
                    .as_ref()
                    .is_some_and(|fresh| now.duration_since(fresh.at) >= requery);
                due && !entry.refreshing.swap(true, std::sync::atomic::Ordering::AcqRel)
            })
            .map(|(key, entry)| Due {
                key: key.clone(),
                entry: entry.clone(),
            })
            .collect()
    }

    /// Records a background re-run's result: a new body replaces the old; a failure drops the
    /// entry (as a first run's failure would not have been kept).
    pub fn refreshed(&self, due: Due, result: Result<Bytes, String>) {
        match result {
            Ok(body) => self.store(&due.key, &due.entry, body),
            Err(_) => self.remove(&due.key, &due.entry),
        }
        due.entry.refreshing.store(false, std::sync::atomic::Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(endpoint: Uuid, value: &str) -> Key {
        Key {
            endpoint,
            params: Params::from([("p".to_owned(), Some(value.to_owned()))]),
            redact: false,
        }
    }

    /// Calls with a run that answers `body`, and returns whether it was a hit.
    async fn fill(cache: &ResultCache, key: Key, lifetime: Lifetime, body: Bytes) -> Outcome {
        let (result, outcome) = cache.get_or_run(key, lifetime, async move { Ok(body) }).await;
        result.unwrap();
        outcome
    }

    const HOUR: Lifetime = Lifetime {
        ttl: Duration::from_secs(3600),
        requery: None,
    };

    #[tokio::test]
    async fn a_second_call_is_a_hit_and_concurrent_calls_share_one_run() {
        let cache = ResultCache::new(1 << 20);
        let runs = AtomicUsize::new(0);
        let run = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(Bytes::from_static(b"[1]"))
        };
        let endpoint = Uuid::new_v4();
        let (a, b) = tokio::join!(
            cache.get_or_run(key(endpoint, "x"), HOUR, run()),
            cache.get_or_run(key(endpoint, "x"), HOUR, run())
        );
        assert_eq!(
            (a.0.unwrap(), b.0.unwrap()),
            (Bytes::from_static(b"[1]"), Bytes::from_static(b"[1]"))
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let (_, outcome) = cache.get_or_run(key(endpoint, "x"), HOUR, run()).await;
        assert_eq!(outcome, Outcome::Hit);
        let (_, outcome) = cache.get_or_run(key(endpoint, "y"), HOUR, run()).await;
        assert_eq!(outcome, Outcome::Miss);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        cache.invalidate(&endpoint);
        assert!(cache.is_empty());
        assert_eq!(cache.bytes(), 0);
    }

    #[tokio::test]
    async fn failures_are_not_kept_and_expired_results_run_again() {
        let cache = ResultCache::new(1 << 20);
        let endpoint = Uuid::new_v4();
        let (result, _) = cache
            .get_or_run(key(endpoint, "x"), HOUR, async { Err("boom".to_owned()) })
            .await;
        assert_eq!(result.unwrap_err(), "boom");
        assert!(cache.is_empty());
        let short = Lifetime {
            ttl: Duration::from_millis(30),
            requery: None,
        };
        fill(&cache, key(endpoint, "x"), short, Bytes::from_static(b"1")).await;
        tokio::time::sleep(Duration::from_millis(40)).await;
        let (result, outcome) = cache
            .get_or_run(key(endpoint, "x"), short, async { Ok(Bytes::from_static(b"2")) })
            .await;
        assert_eq!((result.unwrap(), outcome), (Bytes::from_static(b"2"), Outcome::Miss));
        assert_eq!(
            cache.bytes(),
            1 + 2 + ENTRY_OVERHEAD,
            "the body, the key and the bookkeeping"
        );
    }

    #[tokio::test]
    async fn the_size_is_bounded_and_the_least_recently_read_go_first() {
        let cache = ResultCache::new(8 * (10 + 2 + ENTRY_OVERHEAD));
        let endpoint = Uuid::new_v4();
        for value in ["a", "b", "c", "d", "e", "f", "g", "h", "i"] {
            fill(&cache, key(endpoint, value), HOUR, Bytes::from(vec![b'x'; 10])).await;
            // Keep `a` recently read.
            assert_eq!(fill(&cache, key(endpoint, "a"), HOUR, Bytes::new()).await, Outcome::Hit);
        }
        assert!(cache.bytes() <= 8 * (10 + 2 + ENTRY_OVERHEAD), "{}", cache.bytes());
        let (_, outcome) = cache
            .get_or_run(key(endpoint, "a"), HOUR, async { unreachable!() })
            .await;
        assert_eq!(outcome, Outcome::Hit);
        let (_, outcome) = cache
            .get_or_run(key(endpoint, "b"), HOUR, async { Ok(Bytes::new()) })
            .await;
        assert_eq!(outcome, Outcome::Miss);
        // Too large to keep at all.
        fill(&cache, key(endpoint, "big"), HOUR, Bytes::from(vec![b'x'; 300])).await;
        assert!(!cache.entries.lock().map.contains_key(&key(endpoint, "big")));
    }

    #[tokio::test]
    async fn sweeps_refresh_what_is_read_and_drop_what_is_not() {
        let cache = ResultCache::new(1 << 20);
        let endpoint = Uuid::new_v4();
        let lifetime = Lifetime {
            ttl: Duration::from_secs(60),
            requery: Some(Duration::from_secs(1)),
        };
        fill(&cache, key(endpoint, "x"), lifetime, Bytes::from_static(b"old")).await;
        let now = Instant::now();
        assert!(cache.sweep(now).is_empty());
        let due = cache.sweep(now + Duration::from_secs(2));
        assert_eq!(due.len(), 1);
        assert!(
            cache.sweep(now + Duration::from_secs(2)).is_empty(),
            "already being re-run"
        );
        let due = due.into_iter().next().unwrap();
        cache.refreshed(due, Ok(Bytes::from_static(b"new")));
        let (result, outcome) = cache
            .get_or_run(key(endpoint, "x"), lifetime, async { unreachable!() })
            .await;
        assert_eq!((result.unwrap(), outcome), (Bytes::from_static(b"new"), Outcome::Hit));
        assert!(cache.sweep(Instant::now() + Duration::from_secs(61)).is_empty());
        assert!(cache.is_empty(), "nobody read it for a whole cache duration");
    }
}
