//! Sources: creating, changing and deleting them, with every rule that goes with it. The JSON
//! API and the dashboard both call these; their handlers only parse and render.

use std::collections::BTreeMap;
use std::sync::Arc;

use cinder_core::{Source, SourceName};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalog::SourceHandle;
use crate::drains::Drain;
use crate::error::{catalog_error, ApiError};
use crate::rules::Rule;
use crate::state::AppState;

/// Why a protocol that names sources by name (Elasticsearch's indexes, Loki's labels) cannot
/// ingest into one.
#[derive(Debug, Clone)]
pub enum NamedSourceError {
    /// No such source, and the token may not create one.
    Missing,
    /// The token may not ingest into it.
    Forbidden,
    /// It could not be created (an invalid name...).
    Invalid(String),
}

/// The source named `name` that `principal` ingests into: created on demand when the token
/// has the management scope, as a shipper that names its destination expects.
pub async fn ingest_target(
    state: &AppState,
    principal: &crate::auth::Principal,
    name: &str,
) -> Result<Arc<SourceHandle>, NamedSourceError> {
    let source = match state.catalog.source_by_name(name) {
        Some(source) => source,
        None if principal.can_manage() => create_named(state, name)
            .await
            .map_err(|error| NamedSourceError::Invalid(error.to_string()))?,
        None => return Err(NamedSourceError::Missing),
    };
    if !principal.can_ingest(source.source.read().id) {
        return Err(NamedSourceError::Forbidden);
    }
    Ok(source)
}

/// Creates a source with only a name, every setting at its default: the sources shippers
/// and listeners name.
pub async fn create_named(state: &AppState, name: &str) -> Result<Arc<SourceHandle>, ApiError> {
    create(
        state,
        serde_json::json!({ "name": name }).as_object().expect("an object"),
    )
    .await
}

/// Creates a source from Logflare's fields (`name` and the writable ones), its table too.
/// Every field is validated before anything is stored.
pub async fn create(state: &AppState, params: &Map<String, Value>) -> Result<Arc<SourceHandle>, ApiError> {
    let name = match params.get("name") {
        Some(Value::String(name)) => {
            SourceName::try_from(name.clone()).map_err(|message| ApiError::invalid("name", message))?
        }
        Some(Value::Null) | None => return Err(ApiError::invalid("name", "can't be blank")),
        Some(_) => return Err(ApiError::invalid("name", "is invalid")),
    };
    let mut probe = Source::new(0, 0, name.clone(), "");
    apply_params(&mut probe, params)?;
    let handle = state
        .catalog
        .create_source(name, |mut source| {
            apply_params(&mut source, params).expect("validated above");
            source
        })
        .await
        .map_err(catalog_error)?;
    state.backend.apply_schema(&handle.table, &handle.schema()).await?;
    Ok(handle)
}

/// Changes the writable fields `params` names.
pub async fn update(state: &AppState, handle: &SourceHandle, params: &Map<String, Value>) -> Result<(), ApiError> {
    let mut updated = handle.source.read().clone();
    apply_params(&mut updated, params)?;
    updated.updated_at = crate::now_rfc3339();
    state
        .catalog
        .update_source(handle, updated)
        .await
        .map_err(catalog_error)
}

/// Deletes a source and its events; its rules, the rules copying into it and its drain
/// attachments go with it. `NotFound` when there is no such source.
pub async fn delete(state: &AppState, token: &Uuid) -> Result<(), ApiError> {
    let handle = state.catalog.delete_source(token).await?.ok_or(ApiError::NotFound)?;
    state.backend.drop_table(&handle.table).await?;
    let source_id = handle.source.read().id;
    for rule in state.catalog.all::<Rule>() {
        if rule.source_id == source_id || rule.sink == Some(*token) {
            state.catalog.remove::<Rule>(&rule.token).await?;
        }
    }
    for backend in state.catalog.all::<Drain>() {
        if backend.sources.contains(token) {
            let mut detached = Drain::clone(&backend);
            detached.sources.retain(|attached| attached != token);
            state.catalog.put(|_| detached).await.map_err(catalog_error)?;
        }
    }
    Ok(())
}

/// Applies writable fields from request params to a source, collecting field errors.
fn apply_params(source: &mut Source, params: &Map<String, Value>) -> Result<(), ApiError> {
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut fail = |field: &str, message: &str| errors.entry(field.to_owned()).or_default().push(message.to_owned());
    let text = |value: &Value| -> Result<Option<String>, ()> {
        match value {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text.clone()).filter(|text| !text.is_empty())),
            _ => Err(()),
        }
    };
    for (key, value) in params {
        let key = key.as_str();
        macro_rules! set_text {
            ($field:ident) => {
                match text(value) {
                    Ok(parsed) => source.$field = parsed,
                    Err(()) => fail(key, "is invalid"),
                }
            };
        }
        macro_rules! set_bool {
            ($field:ident) => {
                match value {
                    Value::Bool(flag) => source.$field = *flag,
                    _ => fail(key, "is invalid"),
                }
            };
        }
        match key {
            "name" => match value {
                Value::String(name) => match SourceName::try_from(name.clone()) {
                    Ok(name) => source.name = name,
                    Err(message) => fail("name", message),
                },
                Value::Null => fail("name", "can't be blank"),
                _ => fail("name", "is invalid"),
            },
            "description" => match text(value) {
                Ok(parsed) => source.description = parsed.map(|text| text.trim().to_owned()),
                Err(()) => fail(key, "is invalid"),
            },
            "service_name" => set_text!(service_name),
            "custom_event_message_keys" => set_text!(custom_event_message_keys),
            "drop_lql_string" => set_text!(drop_lql_string),
            "default_search_lql" => set_text!(default_search_lql),
            "transform_copy_fields" => set_text!(transform_copy_fields),
            "transform_key_values" => set_text!(transform_key_values),
            "transform_drop_fields" => set_text!(transform_drop_fields),
            "webhook_notification_url" => set_text!(webhook_notification_url),
            "slack_hook_url" => set_text!(slack_hook_url),
            "bigquery_clustering_fields" => set_text!(bigquery_clustering_fields),
            "public_token" => set_text!(public_token),
            "suggested_keys" => match text(value) {
                Ok(parsed) => source.suggested_keys = parsed.unwrap_or_default(),
                Err(()) => fail(key, "is invalid"),
            },
            "favorite" => set_bool!(favorite),
            "lock_schema" => set_bool!(lock_schema),
            "validate_schema" => set_bool!(validate_schema),
            "disable_tailing" => set_bool!(disable_tailing),
            "retention_days" | "bigquery_table_ttl" => match value {
                Value::Null => source.retention_days = None,
                Value::Number(number) => match number.as_u64().and_then(|days| u32::try_from(days).ok()) {
                    Some(days) if days > 0 => source.retention_days = Some(days),
                    _ => fail(key, "must be a whole number of days greater than 0"),
                },
                _ => fail(key, "is invalid"),
            },
            "notifications_every" => match value.as_i64() {
                Some(ms) if ms >= 0 => source.notifications_every = ms,
                _ => fail(key, "is invalid"),
            },
            "labels" => match text(value) {
                Ok(None) => source.labels = None,
                Ok(Some(labels)) => match normalize_labels(&labels) {
                    Ok(labels) => source.labels = Some(labels),
                    Err(message) => fail(key, message),
                },
                Err(()) => fail(key, "is invalid"),
            },
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Normalises `k=v, k2=v2` labels as Logflare does, with its error messages.
fn normalize_labels(labels: &str) -> Result<String, &'static str> {
    let mut out = Vec::new();
    for pair in labels.split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
        let parts: Vec<&str> = pair.split('=').collect();
        match parts.as_slice() {
            [_] => return Err("must be in key=value format"),
            [key, value] => {
                let (key, value) = (key.trim(), value.trim());
                if key.is_empty() {
                    return Err("each label must have a non-empty key");
                }
                if value.is_empty() {
                    return Err("each label must have a non-empty value");
                }
                out.push(format!("{key}={value}"));
            }
            _ => return Err("must have exactly one '=' sign"),
        }
    }
    Ok(out.join(","))
}

/// One source as the dashboard's overview shows it.
pub struct SourceSummary {
    /// The source.
    pub handle: Arc<SourceHandle>,
    /// Events per bucket over the last 24 hours, oldest first.
    pub last_day: Vec<crate::search::Bar>,
    /// Events accepted per second, lately.
    pub rate: f64,
    /// The newest event's timestamp (µs), if any since start.
    pub latest: Option<i64>,
}

impl SourceSummary {
    /// Events in the last 24 hours.
    pub fn events(&self) -> u64 {
        self.last_day.iter().map(|bar| bar.count).sum()
    }
}

/// Every source with its last day of events (one query each, run together), rate and
/// counters, by name. A source whose histogram cannot be read reports the error instead.
pub async fn overview(state: &AppState, now: i64) -> Vec<(SourceSummary, Option<String>)> {
    let mut handles = state.catalog.sources();
    handles.sort_by(|a, b| a.source.read().name.as_str().cmp(b.source.read().name.as_str()));
    let summaries = handles.into_iter().map(|handle| async move {
        let histogram = match crate::search::Search::new(handle.clone(), "", now) {
            Ok(search) => search.histogram(state).await,
            Err(error) => Err(error),
        };
        let latest = handle.metrics.latest.load(std::sync::atomic::Ordering::Relaxed);
        let rate = handle.metrics.rate.per_second(now.div_euclid(1_000_000));
        let (last_day, error) = match histogram {
            Ok(bars) => (bars, None),
            Err(error) => (Vec::new(), Some(error.to_string())),
        };
        let summary = SourceSummary {
            handle,
            last_day,
            rate,
            latest: (latest > 0).then_some(latest as i64),
        };
        (summary, error)
    });
    futures_util::future::join_all(summaries).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_logflare() {
        assert_eq!(normalize_labels(" a = 1 ,b=2").unwrap(), "a=1,b=2");
        assert_eq!(normalize_labels("a").unwrap_err(), "must be in key=value format");
        assert_eq!(
            normalize_labels("a=").unwrap_err(),
            "each label must have a non-empty value"
        );
        assert_eq!(normalize_labels("a=b=c").unwrap_err(), "must have exactly one '=' sign");
    }
}
