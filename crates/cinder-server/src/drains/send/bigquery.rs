//! BigQuery, by the BigQuery backend's own insert path: the drain's `project_id` and
//! `dataset_id`, a table per source (Logflare's layout, schema from the source's), streaming
//! inserts with the event id as `insertId` and the backend's exactly-once check after a
//! failure. Credentials and API are the server's (`GOOGLE_APPLICATION_CREDENTIALS`,
//! `CINDER_BIGQUERY_ENDPOINT`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cinder_bigquery::{BigQuery, BigQueryConfig};
use cinder_core::LogEvent;
use cinder_storage::{Backend, LoadBatch, StorageError, TableEvents};
use uuid::Uuid;

use super::{required, setting, Environment, Failure, Outgoing};
use crate::drains::Drain;

/// A connected BigQuery, and the settings it was connected with.
pub struct Destination {
    settings: (String, String, String),
    backend: BigQuery,
}

fn failure(error: StorageError) -> Failure {
    match error {
        StorageError::Unavailable(reason) => Failure::Transient(reason),
        other => Failure::Permanent(other.to_string()),
    }
}

pub async fn send(
    destination: &mut Option<Destination>,
    env: &Environment,
    drain: &Drain,
    events: &[Outgoing],
) -> Result<(), Failure> {
    let settings = (
        required(drain, "project_id")?.to_owned(),
        required(drain, "dataset_id")?.to_owned(),
        setting(drain, "location").unwrap_or("US").to_owned(),
    );
    if destination
        .as_ref()
        .is_none_or(|connected| connected.settings != settings)
    {
        let backend = BigQuery::connect(BigQueryConfig {
            project_id: settings.0.clone(),
            dataset_id: settings.1.clone(),
            location: settings.2.clone(),
            endpoint: env.bigquery_endpoint.clone(),
            account: env.google_account.clone(),
            state_dir: env.data_dir.join("drains").join(drain.token.to_string()),
            query_timeout: Duration::from_secs(60),
            require_partition_filter: true,
        })
        .await
        .map_err(failure)?;
        *destination = Some(Destination { settings, backend });
    }
    let backend = &destination.as_ref().expect("connected above").backend;
    let mut by_source: BTreeMap<Uuid, Vec<Arc<LogEvent>>> = BTreeMap::new();
    for (source, event) in events {
        let event = LogEvent::from_json(event.clone())
            .ok_or_else(|| Failure::Permanent("an event without its id or timestamp".into()))?;
        by_source.entry(*source).or_default().push(Arc::new(event));
    }
    let mut tables = Vec::new();
    for (source, events) in by_source {
        // Gone since it was queued: its events go with it.
        let Some(handle) = env.catalog.source(&source) else {
            continue;
        };
        tables.push(TableEvents {
            table: handle.table.clone(),
            schema: handle.schema(),
            events,
        });
    }
    // Rows BigQuery refuses are kept in the drain's state directory, with its reasons.
    backend
        .insert(&LoadBatch { tables, position: 0 })
        .await
        .map_err(failure)
}
