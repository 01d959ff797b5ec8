//! Retention: events older than a source's `retention_days` are deleted, on every backend
//! (Logflare's Postgres backend never deletes, so its tables grow forever).

use std::sync::Arc;
use std::time::Duration;

use cinder_storage::Backend;

use crate::catalog::Catalog;

const DAY_MICROS: i64 = 86_400_000_000;

/// Deletes expired events of every source every `interval`, forever; the first pass waits an
/// `interval` after start-up too.
pub async fn run(backend: Arc<dyn Backend>, catalog: Arc<Catalog>, interval: Duration) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        ticker.tick().await;
        enforce(backend.as_ref(), &catalog, chrono::Utc::now().timestamp_micros()).await;
    }
}

/// One pass: for each source with `retention_days`, deletes what is older than that.
pub async fn enforce(backend: &dyn Backend, catalog: &Catalog, now_micros: i64) -> u64 {
    let mut total = 0;
    for source in catalog.sources() {
        let (name, days) = {
            let settings = source.source.read();
            (settings.name.to_string(), settings.retention_days)
        };
        let Some(days) = days.filter(|days| *days > 0) else {
            continue;
        };
        let cutoff = now_micros.saturating_sub(i64::from(days) * DAY_MICROS);
        match backend.delete_older_than(&source.table, cutoff).await {
            Ok(0) => {}
            Ok(deleted) => {
                total += deleted;
                crate::metrics::metrics().retention_deleted.inc_by(deleted);
                tracing::info!(source = %name, deleted, days, "retention deleted expired events");
            }
            Err(error) => tracing::warn!(source = %name, %error, "retention failed; retrying at the next pass"),
        }
    }
    total
}
