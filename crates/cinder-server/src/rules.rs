//! Rules: a source's events that match an LQL filter are copied into another source (`sink`)
//! or sent to a drain. The JSON API and the dashboard both call these.

use std::sync::Arc;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::egress::{EgressBackend, Rule};
use crate::error::{catalog_error, ApiError};
use crate::state::AppState;

/// Applies a rule's fields, checking the LQL and that what it names exists.
fn apply(state: &AppState, rule: &mut Rule, params: &Map<String, Value>, creating: bool) -> Result<(), ApiError> {
    let id = |key: &str| -> Result<Option<i64>, ApiError> {
        match params.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid(key, "is invalid")),
            Some(Value::String(text)) => text.parse().map(Some).map_err(|_| ApiError::invalid(key, "is invalid")),
            Some(_) => Err(ApiError::invalid(key, "is invalid")),
        }
    };
    if let Some(source_id) = id("source_id")? {
        state
            .catalog
            .sources()
            .iter()
            .find(|handle| handle.source.read().id == source_id)
            .ok_or(ApiError::NotFound)?;
        rule.source_id = source_id;
    } else if creating {
        return Err(ApiError::invalid("source_id", "can't be blank"));
    }
    if let Some(backend_id) = id("backend_id")? {
        state
            .catalog
            .find(|backend: &EgressBackend| backend.id == backend_id)
            .ok_or(ApiError::NotFound)?;
        rule.backend_id = Some(backend_id);
    }
    match params.get("sink") {
        Some(Value::String(text)) => {
            let sink = Uuid::parse_str(text).map_err(|_| ApiError::invalid("sink", "must be a source token"))?;
            let sink_source = state.catalog.source(&sink).ok_or(ApiError::NotFound)?;
            if sink_source.source.read().id == rule.source_id {
                return Err(ApiError::invalid("sink", "cannot be the rule's own source"));
            }
            rule.sink = Some(sink);
        }
        Some(Value::Null) | None => {}
        Some(_) => return Err(ApiError::invalid("sink", "must be a source token")),
    }
    match params.get("lql_string") {
        Some(Value::String(text)) => rule.lql_string = text.clone(),
        Some(_) => return Err(ApiError::invalid("lql_string", "is invalid")),
        None if creating => return Err(ApiError::invalid("lql_string", "can't be blank")),
        None => {}
    }
    match cinder_sql::lql::parse(&rule.lql_string, chrono::Utc::now().timestamp_micros()) {
        Ok(lql) if !lql.filters.is_empty() => {}
        Ok(_) => return Err(ApiError::invalid("lql_string", "must have at least one filter rule")),
        Err(error) => return Err(ApiError::invalid("lql_string", error.to_string())),
    }
    if rule.backend_id.is_none() && rule.sink.is_none() {
        return Err(ApiError::invalid(
            "backend_id",
            "a rule needs a `backend_id` or a `sink` to send events to",
        ));
    }
    Ok(())
}

/// Checks a new rule's fields without storing anything.
pub fn check(state: &AppState, params: &Map<String, Value>) -> Result<(), ApiError> {
    apply(state, &mut Rule::new(""), params, true)
}

/// Creates a rule.
pub async fn create(state: &AppState, params: &Map<String, Value>) -> Result<Arc<Rule>, ApiError> {
    let now = crate::now_rfc3339();
    let mut rule = Rule::new(&now);
    apply(state, &mut rule, params, true)?;
    state.catalog.put(|id| Rule { id, ..rule }).await.map_err(catalog_error)
}

/// Changes the fields `params` names.
pub async fn update(state: &AppState, rule: &Rule, params: &Map<String, Value>) -> Result<Arc<Rule>, ApiError> {
    let mut rule = rule.clone();
    apply(state, &mut rule, params, false)?;
    rule.updated_at = crate::now_rfc3339();
    state.catalog.put(|_| rule).await.map_err(catalog_error)
}

/// Deletes a rule. `NotFound` when there is none.
pub async fn delete(state: &AppState, token: &uuid::Uuid) -> Result<(), ApiError> {
    state.catalog.remove::<Rule>(token).await?.ok_or(ApiError::NotFound)?;
    Ok(())
}
