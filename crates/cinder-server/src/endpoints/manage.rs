//! Creating, changing and deleting endpoints: the query checked and its sources mapped, the
//! cache dropped on change. The JSON API and the dashboard both call these.

use std::sync::Arc;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::Endpoint;
use crate::error::{catalog_error, ApiError};
use crate::state::AppState;

/// Checks the query of an endpoint about to be saved, filling its source mapping.
fn checked(state: &AppState, mut endpoint: Endpoint) -> Result<Endpoint, ApiError> {
    endpoint.source_mapping = state
        .endpoints
        .check(&endpoint)
        .map_err(|message| ApiError::invalid("query", message))?;
    Ok(endpoint)
}

/// Creates an endpoint from Logflare's fields (`name` and `query` required).
pub async fn create(state: &AppState, fields: Map<String, Value>) -> Result<Arc<Endpoint>, ApiError> {
    let mut endpoint = Endpoint::new(0, String::new(), String::new(), &crate::now_rfc3339());
    let mut required = Map::new();
    for field in ["name", "query"] {
        required.insert(field.to_owned(), fields.get(field).cloned().unwrap_or(Value::Null));
    }
    required.extend(fields);
    endpoint.apply(&required)?;
    let endpoint = checked(state, endpoint)?;
    state
        .catalog
        .put(|id| Endpoint { id, ..endpoint })
        .await
        .map_err(catalog_error)
}

/// Changes the fields `fields` names.
pub async fn update(
    state: &AppState,
    current: &Endpoint,
    fields: &Map<String, Value>,
) -> Result<Arc<Endpoint>, ApiError> {
    let mut endpoint = current.clone();
    endpoint.apply(fields)?;
    endpoint.updated_at = crate::now_rfc3339();
    let endpoint = checked(state, endpoint)?;
    let stored = state.catalog.put(|_| endpoint).await.map_err(catalog_error)?;
    state.endpoints.cache().invalidate(&stored.token);
    Ok(stored)
}

/// Deletes an endpoint and its cached results. `NotFound` when there is none.
pub async fn delete(state: &AppState, token: &Uuid) -> Result<(), ApiError> {
    state
        .catalog
        .remove::<Endpoint>(token)
        .await?
        .ok_or(ApiError::NotFound)?;
    state.endpoints.cache().invalidate(token);
    Ok(())
}
