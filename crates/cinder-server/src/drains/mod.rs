//! Drains (Logflare's "backends" that events are sent on to): creating, changing, testing,
//! attaching and deleting them. The JSON API and the dashboard both call these.

use std::sync::Arc;
use std::time::Duration;

mod model;
pub mod send;

pub use model::{postgres_settings, redact, Drain, DrainType, REDACTED};

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{catalog_error, ApiError};
use crate::rules::Rule;
use crate::state::AppState;

/// Creates a drain from Logflare's fields, validated before it is stored.
pub async fn create(state: &AppState, params: &Map<String, Value>) -> Result<Arc<Drain>, ApiError> {
    let mut backend = Drain::blank(&crate::now_rfc3339());
    backend.apply(params, true)?;
    state
        .catalog
        .put(|id| Drain { id, ..backend })
        .await
        .map_err(catalog_error)
}

/// Changes the fields `params` names.
pub async fn update(state: &AppState, backend: &Drain, params: &Map<String, Value>) -> Result<Arc<Drain>, ApiError> {
    let mut backend = backend.clone();
    backend.apply(params, false)?;
    backend.updated_at = crate::now_rfc3339();
    state.catalog.put(|_| backend).await.map_err(catalog_error)
}

/// Deletes a drain and the rules that send to it; refused while sources are attached.
pub async fn delete(state: &AppState, backend: &Drain) -> Result<(), ApiError> {
    if !backend.sources.is_empty() {
        return Err(ApiError::invalid(
            "sources",
            "There are still sources connected to this backend",
        ));
    }
    for rule in state.catalog.all::<Rule>() {
        if rule.backend_id == Some(backend.id) {
            state.catalog.remove::<Rule>(&rule.token).await?;
        }
    }
    state.catalog.remove::<Drain>(&backend.token).await?;
    Ok(())
}

/// Whether the drain's destination answers; the reason when it does not.
pub async fn test(state: &AppState, backend: &Drain) -> Result<(), String> {
    match backend.kind {
        DrainType::Postgres => postgres_reachable(&backend.config).await,
        DrainType::Bigquery => {
            tcp_reachable(
                state
                    .config
                    .bigquery_endpoint
                    .as_deref()
                    .unwrap_or(cinder_bigquery::GOOGLE_ENDPOINT),
            )
            .await
        }
        _ => tcp_reachable(&send::probe_url(backend)?).await,
    }
}

async fn postgres_reachable(config: &Map<String, Value>) -> Result<(), String> {
    let settings = crate::drains::postgres_settings(config)?;
    let (client, connection) = settings
        .config
        .connect(settings.tls)
        .await
        .map_err(|error| error.to_string())?;
    tokio::spawn(connection);
    client
        .simple_query("SELECT 1 AS result")
        .await
        .map_err(|error| error.to_string())?;
    Ok(())
}

/// Whether a TCP connection to the URL's host and port (its scheme's default) opens.
async fn tcp_reachable(url: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(url).map_err(|error| format!("not a URL: {error}"))?;
    let host = url.host_str().ok_or("the URL names no host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().ok_or("the URL names no port")?;
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("timeout".to_owned()),
    }
}

/// Attaches a source to a drain, or detaches it.
pub async fn set_attached(state: &AppState, source: &Uuid, backend: &Drain, attached: bool) -> Result<(), ApiError> {
    state.catalog.source(source).ok_or(ApiError::NotFound)?;
    let mut backend = backend.clone();
    backend.sources.retain(|token| token != source);
    if attached {
        backend.sources.push(*source);
    }
    state.catalog.put(|_| backend).await.map_err(catalog_error)?;
    Ok(())
}

/// The backends attached to a source, for its `backends` field.
pub fn attached_to(state: &AppState, source: &Uuid) -> Vec<Value> {
    state
        .catalog
        .all::<Drain>()
        .iter()
        .filter(|backend| backend.sources.contains(source))
        .map(|backend| backend.render())
        .collect()
}
