//! The backends API (`/api/backends`, Studio's log drains) and the rules API (`/api/rules`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::auth::Manager;
use crate::drains::Drain;
use crate::error::ApiError;
use crate::rules::Rule;
use crate::state::AppState;
use crate::{drains, rules};

use super::{find_document, parse_body, path_token};

/// `GET /api/backends` (`?metadata[key]=value` filters, as Studio lists its log drains)
pub async fn list(
    State(state): State<AppState>,
    _: Manager,
    Query(query): Query<Vec<(String, String)>>,
) -> Json<Value> {
    let filters: Vec<(String, String)> = query
        .into_iter()
        .filter_map(|(key, value)| {
            let key = key.strip_prefix("metadata[")?.strip_suffix(']')?.to_owned();
            Some((key, value))
        })
        .collect();
    let backends = state.catalog.all::<Drain>();
    Json(
        backends
            .iter()
            .filter(|backend| backend.matches_metadata(&filters))
            .map(|backend| backend.render())
            .collect(),
    )
}

/// `POST /api/backends` → 201
pub async fn create(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let stored = drains::create(&state, &parse_body(&body)?).await?;
    Ok((StatusCode::CREATED, Json(stored.render())).into_response())
}

/// `GET /api/backends/:token`
pub async fn show(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find_document::<Drain>(&state, &text)?.render()))
}

async fn update(state: &AppState, text: &str, body: &Bytes) -> Result<Arc<Drain>, ApiError> {
    let backend = find_document::<Drain>(state, text)?;
    drains::update(state, &backend, &parse_body(body)?).await
}

/// `PUT /api/backends/:token` → 200 with the backend
pub async fn replace(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(update(&state, &text, &body).await?.render()))
}

/// `PATCH /api/backends/:token` → 204
pub async fn patch(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    update(&state, &text, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/backends/:token` → 204; refused while sources are attached. Its rules go too.
pub async fn delete(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<StatusCode, ApiError> {
    let backend = find_document::<Drain>(&state, &text)?;
    drains::delete(&state, &backend).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/backends/:token/test`: whether the destination answers.
pub async fn test(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let backend = find_document::<Drain>(&state, &text)?;
    Ok(Json(match drains::test(&state, &backend).await {
        Ok(()) => json!({"connected?": true}),
        Err(reason) => json!({"connected?": false, "reason": reason}),
    }))
}

/// `POST /api/sources/:token/backends/:backend_token` → 201 with the source
pub async fn attach(
    State(state): State<AppState>,
    manager: Manager,
    Path((source, backend)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    set_attached(&state, &source, &backend, true).await?;
    let source = super::sources::show(State(state), manager, Path(source)).await?;
    Ok((StatusCode::CREATED, source).into_response())
}

/// `DELETE /api/sources/:token/backends/:backend_token` → 200 with the source
pub async fn detach(
    State(state): State<AppState>,
    manager: Manager,
    Path((source, backend)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    set_attached(&state, &source, &backend, false).await?;
    super::sources::show(State(state), manager, Path(source)).await
}

async fn set_attached(state: &AppState, source: &str, backend: &str, attached: bool) -> Result<(), ApiError> {
    let source = path_token(source)?;
    let backend = find_document::<Drain>(state, backend)?;
    drains::set_attached(state, &source, &backend, attached).await
}

/// `GET /api/rules` (`?backend_id=`, `?backend_token=`, `?source_id=` filter)
pub async fn list_rules(
    State(state): State<AppState>,
    _: Manager,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let wanted = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let backend_id = match (wanted("backend_id"), wanted("backend_token")) {
        (Some(id), _) => Some(
            id.parse::<i64>()
                .map_err(|_| ApiError::BadRequest("backend_id must be a number".into()))?,
        ),
        (None, Some(text)) => Some(find_document::<Drain>(&state, text)?.id),
        (None, None) => None,
    };
    let source_id = wanted("source_id").and_then(|id| id.parse::<i64>().ok());
    let rules = state.catalog.all::<Rule>();
    Ok(Json(
        rules
            .iter()
            .filter(|rule| backend_id.is_none_or(|id| rule.backend_id == Some(id)))
            .filter(|rule| source_id.is_none_or(|id| rule.source_id == id))
            .map(|rule| rule.render())
            .collect(),
    ))
}

/// `POST /api/rules` → 201: one rule, or a JSON array of them (`{"errors": [], "results": [...]}`;
/// 400 with every item's error, and nothing stored, when any is invalid).
pub async fn create_rules(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let value: Value =
        serde_json::from_slice(&body).map_err(|error| ApiError::BadRequest(format!("malformed JSON: {error}")))?;
    let Value::Array(items) = value else {
        let params = parse_body(&body)?;
        let rule = rules::create(&state, &params).await?;
        return Ok((StatusCode::CREATED, Json(rule.render())).into_response());
    };
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(params) = item.as_object() else {
            errors.push(json!(format!("item {index} is not an object")));
            continue;
        };
        if let Err(error) = rules::check(&state, params) {
            errors.push(json!(format!("item {index}: {}", describe(&error))));
        }
    }
    if !errors.is_empty() {
        return Ok((StatusCode::BAD_REQUEST, Json(json!({"errors": errors, "results": []}))).into_response());
    }
    let mut results = Vec::new();
    for item in &items {
        let params = item.as_object().expect("checked above");
        results.push(rules::create(&state, params).await?.render());
    }
    Ok((StatusCode::CREATED, Json(json!({"errors": [], "results": results}))).into_response())
}

fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Validation(fields) => fields
            .iter()
            .map(|(field, messages)| format!("{field} {}", messages.join(", ")))
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::NotFound => "Not Found".to_owned(),
        other => other.to_string(),
    }
}

/// `GET /api/rules/:token`
pub async fn show_rule(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find_document::<Rule>(&state, &text)?.render()))
}

async fn update_rule(state: &AppState, text: &str, body: &Bytes) -> Result<Arc<Rule>, ApiError> {
    let rule = find_document::<Rule>(state, text)?;
    rules::update(state, &rule, &parse_body(body)?).await
}

/// `PUT /api/rules/:token` → 200 with the rule
pub async fn replace_rule(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(update_rule(&state, &text, &body).await?.render()))
}

/// `PATCH /api/rules/:token` → 204
pub async fn patch_rule(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    update_rule(&state, &text, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/rules/:token` → 204
pub async fn delete_rule(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<StatusCode, ApiError> {
    rules::delete(&state, &path_token(&text)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
