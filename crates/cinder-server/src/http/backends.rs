//! The backends API (`/api/backends`, Studio's log drains) and the rules API (`/api/rules`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::auth::Manager;
use crate::egress::{BackendType, EgressBackend, Rule};
use crate::error::ApiError;
use crate::state::AppState;

use super::{catalog_error, find_document, parse_body, path_token};

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
    let backends = state.catalog.all::<EgressBackend>();
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
    let body = parse_body(&body)?;
    let now = crate::now_rfc3339();
    let mut backend = EgressBackend {
        id: 0,
        token: Uuid::new_v4(),
        name: String::new(),
        description: None,
        kind: BackendType::Webhook,
        config: Map::new(),
        metadata: Map::new(),
        sources: Vec::new(),
        inserted_at: now.clone(),
        updated_at: now,
    };
    backend.apply(&body, true)?;
    if !backend.can_send() {
        tracing::warn!(name = %backend.name, kind = ?backend.kind, "backend stored; Cinder does not send events to this type yet");
    }
    let stored = state
        .catalog
        .put(|id| EgressBackend { id, ..backend })
        .await
        .map_err(catalog_error)?;
    Ok((StatusCode::CREATED, Json(stored.render())).into_response())
}

/// `GET /api/backends/:token`
pub async fn show(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find_document::<EgressBackend>(&state, &text)?.render()))
}

async fn update(state: &AppState, text: &str, body: &Bytes) -> Result<Arc<EgressBackend>, ApiError> {
    let mut backend = EgressBackend::clone(&*find_document::<EgressBackend>(state, text)?);
    backend.apply(&parse_body(body)?, false)?;
    backend.updated_at = crate::now_rfc3339();
    state.catalog.put(|_| backend).await.map_err(catalog_error)
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
    let backend = find_document::<EgressBackend>(&state, &text)?;
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
    state.catalog.remove::<EgressBackend>(&backend.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/backends/:token/test`: whether the destination answers.
pub async fn test(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let backend = find_document::<EgressBackend>(&state, &text)?;
    if !backend.can_send() {
        let reason = format!("Cinder cannot send to {:?} backends yet", backend.kind).to_lowercase();
        return Ok(Json(json!({"connected?": false, "reason": reason})));
    }
    let reason = match backend.kind {
        BackendType::Postgres => postgres_reachable(&backend.config).await.err(),
        _ => match backend.config.get("url").and_then(Value::as_str) {
            Some(url) => tcp_reachable(url).await.err(),
            None => Some("no url to check".to_owned()),
        },
    };

    Ok(Json(match reason {
        None => json!({"connected?": true}),
        Some(reason) => json!({"connected?": false, "reason": reason}),
    }))
}

async fn postgres_reachable(config: &Map<String, Value>) -> Result<(), String> {
    let settings = crate::egress::postgres_settings(config)?;
    let (client, connection) = settings
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|error| error.to_string())?;
    tokio::spawn(connection);
    client
        .simple_query("SELECT 1 AS result")
        .await
        .map_err(|error| error.to_string())?;
    Ok(())
}

async fn tcp_reachable(url: &str) -> Result<(), String> {
    let (scheme, rest) = url.split_once("://").ok_or("not a URL")?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let address = if host
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
    {
        host.to_owned()
    } else {
        format!("{host}:{}", if scheme == "https" { 443 } else { 80 })
    };
    match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(&address)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("timeout".to_owned()),
    }
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
    state.catalog.source(&source).ok_or(ApiError::NotFound)?;
    let mut backend = EgressBackend::clone(&*find_document::<EgressBackend>(state, backend)?);
    backend.sources.retain(|token| *token != source);
    if attached {
        backend.sources.push(source);
    }
    state.catalog.put(|_| backend).await.map_err(catalog_error)?;
    Ok(())
}

/// The backends attached to a source, for its `backends` field.
pub fn attached_to(state: &AppState, source: &Uuid) -> Vec<Value> {
    state
        .catalog
        .all::<EgressBackend>()
        .iter()
        .filter(|backend| backend.sources.contains(source))
        .map(|backend| backend.render())
        .collect()
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
        (None, Some(text)) => Some(find_document::<EgressBackend>(&state, text)?.id),
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

/// Applies a rule's fields, checking the LQL and that what it names exists.
fn apply_rule(state: &AppState, rule: &mut Rule, params: &Map<String, Value>, creating: bool) -> Result<(), ApiError> {
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

async fn create_rule(state: &AppState, params: &Map<String, Value>) -> Result<Arc<Rule>, ApiError> {
    let now = crate::now_rfc3339();
    let mut rule = Rule::new(&now);
    apply_rule(state, &mut rule, params, true)?;
    state.catalog.put(|id| Rule { id, ..rule }).await.map_err(catalog_error)
}

/// `POST /api/rules` → 201: one rule, or a JSON array of them (`{"errors": [], "results": [...]}`;
/// 400 with every item's error, and nothing stored, when any is invalid).
pub async fn create_rules(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let value: Value =
        serde_json::from_slice(&body).map_err(|error| ApiError::BadRequest(format!("malformed JSON: {error}")))?;
    let Value::Array(items) = value else {
        let params = parse_body(&body)?;
        let rule = create_rule(&state, &params).await?;
        return Ok((StatusCode::CREATED, Json(rule.render())).into_response());
    };
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(params) = item.as_object() else {
            errors.push(json!(format!("item {index} is not an object")));
            continue;
        };
        let mut probe = Rule::new("");
        if let Err(error) = apply_rule(&state, &mut probe, params, true) {
            errors.push(json!(format!("item {index}: {}", describe(&error))));
        }
    }
    if !errors.is_empty() {
        return Ok((StatusCode::BAD_REQUEST, Json(json!({"errors": errors, "results": []}))).into_response());
    }
    let mut results = Vec::new();
    for item in &items {
        let params = item.as_object().expect("checked above");
        results.push(create_rule(&state, params).await?.render());
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
    let mut rule = Rule::clone(&*find_document::<Rule>(state, text)?);
    apply_rule(state, &mut rule, &parse_body(body)?, false)?;
    rule.updated_at = crate::now_rfc3339();
    state.catalog.put(|_| rule).await.map_err(catalog_error)
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
    state
        .catalog
        .remove::<Rule>(&path_token(&text)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(StatusCode::NO_CONTENT)
}
