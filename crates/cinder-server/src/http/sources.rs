//! The sources management API (`/api/sources`), with Logflare's fields and status codes.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::auth::Manager;
use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::sources;
use crate::state::AppState;

use super::{parse_body, path_token};

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
            "rate": metrics.rate.per_second(chrono::Utc::now().timestamp()),
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
        "backends": crate::drains::attached_to(state, &source.token),
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
    let handle = sources::create(&state, &parse_body(&body)?).await?;
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
    sources::update(state, &handle, &parse_body(body)?).await?;
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
    sources::delete(&state, &token).await?;
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
