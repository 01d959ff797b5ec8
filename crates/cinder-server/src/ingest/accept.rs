//! Accepting a request's events into a source: the one chain every way in runs (HTTP routes
//! today; the dashboard and the other protocols call it the same way).
//!
//! normalise → the source's schema → rules → durable submit → the copies rules make →
//! deliveries to drains. All of the request's events are made durable, or none; what rules
//! make of them follows best effort, after the answer is certain.

use std::io::ErrorKind;
use std::sync::Arc;

use cinder_core::{normalize, NormalizeOptions};
use serde_json::{Map, Value};

use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::ingest::pipeline::SubmitError;
use crate::metrics::metrics;
use crate::state::AppState;

/// Admits a request of `body_bytes` before its body is parsed, holding it while the pending
/// events are at their bound (see [`Pipeline::admit`](crate::ingest::pipeline::Pipeline::admit)):
/// 429 when no room came within the wait, 503 at once while the backend is down. Such refused
/// requests are counted in `cinder_ingest_shed_requests_total`, not by event.
pub async fn admit(state: &AppState, body_bytes: usize) -> Result<(), ApiError> {
    state.pipeline.admit(body_bytes).await.map_err(|error| {
        metrics().shed_requests.inc();
        submit_error(error)
    })
}

/// Stores `raw_events` (decoded event objects) in `source`. Returns once they are durable.
pub async fn accept(
    state: &AppState,
    source: Arc<SourceHandle>,
    raw_events: Vec<Map<String, Value>>,
) -> Result<(), ApiError> {
    if raw_events.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now().timestamp_micros();
    let keys = source.source.read().custom_event_message_keys.clone();
    let options = NormalizeOptions {
        custom_event_message_keys: keys.as_deref(),
    };
    let mut events: Vec<_> = raw_events
        .into_iter()
        .map(|raw| normalize(raw, &options, now))
        .collect();
    let count = events.len() as u64;
    let refused = |error: ApiError| {
        let metrics = metrics();
        let labels = [
            ("source", metrics.name("source", source.source.read().name.as_str())),
            ("code", error.status().as_u16().to_string()),
        ];
        metrics.refused_events.get_or_create(&labels).inc_by(count);
        error
    };
    if let Err(error) = source.apply_schema(&mut events) {
        return Err(refused(ApiError::BadRequest(error.to_string())));
    }

    let routed = crate::routing::route(&state.catalog, &source, &events);
    if let Err(error) = state.pipeline.submit(source.clone(), events).await {
        return Err(refused(submit_error(error)));
    }
    // The request's own events are durable; what rules made of them follows, best effort.
    for (sink, mut copies) in routed.copies {
        let name = sink.source.read().name.clone();
        let stored = match sink.apply_schema(&mut copies) {
            Ok(_) => state
                .pipeline
                .submit(sink, copies)
                .await
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = stored {
            tracing::warn!(sink = %name, %error, "events a rule copies could not be stored");
        }
    }
    for (backend, deliveries) in routed.deliveries {
        state.egress.enqueue(&backend, routed.source, deliveries);
    }
    Ok(())
}

fn submit_error(error: SubmitError) -> ApiError {
    match error {
        SubmitError::Full => ApiError::TooManyRequests(format!("Buffer Full: Too Many Requests ({error})")),
        SubmitError::Log(error) if matches!(error.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded) => {
            ApiError::InsufficientStorage(format!(
                "the disk is full: events cannot be made durable now, none of this request's were stored; retry shortly ({error})"
            ))
        }
        SubmitError::Log(error) => ApiError::Unavailable(format!("events cannot be made durable now: {error}")),
        SubmitError::BackendDown => ApiError::Unavailable(error.to_string()),
    }
}
