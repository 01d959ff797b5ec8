//! The sources management API (`/api/sources`), with Logflare's fields and status codes.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use cinder_core::{Source, SourceName};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::auth::Manager;
use crate::catalog::SourceHandle;
use crate::egress::{EgressBackend, Rule};
use crate::error::ApiError;
use crate::state::AppState;

use super::{catalog_error, parse_body, path_token};

fn find(state: &AppState, token: &str) -> Result<Arc<SourceHandle>, ApiError> {
    state.catalog.source(&path_token(token)?).ok_or(ApiError::NotFound)
}

/// Renders a source with Logflare's fields.
fn render(state: &AppState, handle: &SourceHandle) -> Value {
    let source = handle.source.read().clone();
    let metrics = &handle.metrics;
    let inserts = metrics.inserts.load(Ordering::Relaxed);
    let schema = handle.schema();
    json!({
        "id": source.id,
        "token": source.token,
        "name": source.name,
        "description": source.description,
        "service_name": source.service_name,
        "favorite": source.favorite,
        "webhook_notification_url": source.webhook_notification_url,
        "slack_hook_url": source.slack_hook_url,
        "api_quota": 100_000,
        "bigquery_table_ttl": source.retention_days,
        "retention_days": source.retention_days,
        "public_token": source.public_token,
        "bq_table_id": source.table_name(),
        "has_rejected_events": metrics.rejected.load(Ordering::Relaxed) > 0 || !schema.conflicts().is_empty(),
        "metrics": {
            "rate": 0,
            "latest": metrics.latest.load(Ordering::Relaxed),
            "avg": 0,
            "max": 0,
            "buffer": 0,
            "inserts": inserts,
            "inserts_string": inserts.to_string(),
            "recent": 0,
            "rejected": metrics.rejected.load(Ordering::Relaxed),
            "conflicts": metrics.conflicts.load(Ordering::Relaxed),
            "fields": schema.field_count(),
        },
        "notifications": {
            "team_user_ids_for_email": [],
            "team_user_ids_for_sms": [],
            "team_user_ids_for_schema_updates": [],
            "other_email_notifications": null,
            "user_email_notifications": false,
            "user_text_notifications": false,
            "user_schema_update_notifications": true,
        },
        "custom_event_message_keys": source.custom_event_message_keys,
        "backends": super::backends::attached_to(state, &source.token),
        "transform_copy_fields": source.transform_copy_fields,
        "transform_key_values": source.transform_key_values,
        "transform_drop_fields": source.transform_drop_fields,
        "bigquery_clustering_fields": source.bigquery_clustering_fields,
        "default_ingest_backend_enabled?": false,
        "notifications_every": source.notifications_every,
        "lock_schema": source.lock_schema,
        "validate_schema": source.validate_schema,
        "drop_lql_string": source.drop_lql_string,
        "default_search_lql": source.default_search_lql,
        "suggested_keys": source.suggested_keys,
        "disable_tailing": source.disable_tailing,
        "bq_storage_write_api": false,
        "labels": source.labels,
        "inserted_at": source.inserted_at,
        "updated_at": source.updated_at,
    })
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

/// `GET /api/sources`
pub async fn list(State(state): State<AppState>, _: Manager) -> Result<Json<Value>, ApiError> {
    let sources: Vec<Value> = state
        .catalog
        .sources()
        .iter()
        .map(|handle| render(&state, handle))
        .collect();
    Ok(Json(Value::Array(sources)))
}

/// `POST /api/sources` → 201
pub async fn create(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    let name = match body.get("name") {
        Some(Value::String(name)) => {
            SourceName::try_from(name.clone()).map_err(|message| ApiError::invalid("name", message))?
        }
        Some(Value::Null) | None => return Err(ApiError::invalid("name", "can't be blank")),
        Some(_) => return Err(ApiError::invalid("name", "is invalid")),
    };
    // Validate every field before anything is stored.
    let mut probe = Source::new(0, 0, name.clone(), "");
    apply_params(&mut probe, &body)?;
    let handle = state
        .catalog
        .create_source(name, |mut source| {
            apply_params(&mut source, &body).expect("validated above");
            source
        })
        .await
        .map_err(catalog_error)?;
    state.backend.apply_schema(&handle.table, &handle.schema()).await?;
    Ok((StatusCode::CREATED, Json(render(&state, &handle))).into_response())
}

/// `GET /api/sources/:token`
pub async fn show(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let handle = find(&state, &token)?;
    Ok(Json(render(&state, &handle)))
}

async fn update(state: &AppState, token: &str, body: &Bytes) -> Result<Arc<SourceHandle>, ApiError> {
    let handle = find(state, token)?;
    let mut updated = handle.source.read().clone();
    apply_params(&mut updated, &parse_body(body)?)?;
    updated.updated_at = crate::now_rfc3339();
    state
        .catalog
        .update_source(&handle, updated)
        .await
        .map_err(catalog_error)?;
    Ok(handle)
}

/// `PUT /api/sources/:token` → 200 with the source
pub async fn replace(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let handle = update(&state, &token, &body).await?;
    Ok(Json(render(&state, &handle)))
}

/// `PATCH /api/sources/:token` → 204
pub async fn patch(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    update(&state, &token, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/sources/:token` → 204; the source's events are deleted too.
pub async fn delete(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    let token = Uuid::parse_str(&token).map_err(|_| ApiError::NotFound)?;
    let handle = state.catalog.delete_source(&token).await?.ok_or(ApiError::NotFound)?;
    state.backend.drop_table(&handle.table).await?;
    // Rules of the source, rules copying into it, and its backend attachments go with it.
    let source_id = handle.source.read().id;
    for rule in state.catalog.all::<Rule>() {
        if rule.source_id == source_id || rule.sink == Some(token) {
            state.catalog.remove::<Rule>(&rule.token).await?;
        }
    }
    for backend in state.catalog.all::<EgressBackend>() {
        if backend.sources.contains(&token) {
            let mut detached = EgressBackend::clone(&backend);
            detached.sources.retain(|attached| *attached != token);
            state.catalog.put(|_| detached).await.map_err(catalog_error)?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/sources/:token/schema` (`?variant=dot` for the flat map)
pub async fn schema(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let handle = find(&state, &token)?;
    let schema = handle.schema();
    if params.get("variant").map(String::as_str) == Some("dot") {
        return Ok(Json(Value::Object(schema.to_dot_map())));
    }
    let name = handle.source.read().name.clone();
    Ok(Json(schema.to_json_schema(uri.path(), name.as_str())))
}

/// `GET /api/sources/:token/recent`: up to 100 recent events, oldest first.
pub async fn recent(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let handle = find(&state, &token)?;
    let events: Vec<Value> = handle.recent().iter().map(|event| event.to_json()).collect();
    Ok(Json(Value::Array(events)))
}

/// `GET /api/sources/:token/rejected`: events the backend refused after they were
/// acknowledged (BigQuery refusing a row), newest last, with the backend's reasons.
pub async fn rejected(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let handle = find(&state, &token)?;
    let rejected = state.backend.rejected(&handle.table, 100).await?;
    Ok(Json(serde_json::json!({ "rejected": rejected })))
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
