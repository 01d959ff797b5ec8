//! The endpoints API: management (`/api/endpoints`), calls (`/api/endpoints/query/...`) and
//! `/api/query/parse`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use cinder_sql::inspect;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::auth::{authenticate, presented_token, Manager};
use crate::endpoints::{collect_params, Endpoint, Outcome};
use crate::error::ApiError;
use crate::state::AppState;
use crate::supabase;

use super::{allow_cors, find_document, parse_body};

/// `GET /api/endpoints`
pub async fn list(State(state): State<AppState>, _: Manager) -> Json<Value> {
    Json(
        state
            .catalog
            .all::<Endpoint>()
            .iter()
            .map(|endpoint| endpoint.render())
            .collect(),
    )
}

/// `POST /api/endpoints` → 201
pub async fn create(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let stored = crate::endpoints::manage::create(&state, parse_body(&body)?).await?;
    Ok((StatusCode::CREATED, Json(stored.render())).into_response())
}

/// `GET /api/endpoints/:token`
pub async fn show(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find_document::<Endpoint>(&state, &token)?.render()))
}

async fn update(state: &AppState, token: &str, body: &Bytes) -> Result<Arc<Endpoint>, ApiError> {
    let endpoint = find_document::<Endpoint>(state, token)?;
    crate::endpoints::manage::update(state, &endpoint, &parse_body(body)?).await
}

/// `PUT /api/endpoints/:token` → 200 with the endpoint
pub async fn replace(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(update(&state, &token, &body).await?.render()))
}

/// `PATCH /api/endpoints/:token` → 204
pub async fn patch(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    update(&state, &token, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/endpoints/:token` → 204
pub async fn delete(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    let token = Uuid::parse_str(&token).map_err(|_| ApiError::NotFound)?;
    crate::endpoints::manage::delete(&state, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/query/parse?sql=`: the query's parameters and its text with other endpoints'
/// names expanded into subqueries.
pub async fn parse(
    State(state): State<AppState>,
    _: Manager,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let sql = params
        .iter()
        .rev()
        .find(|(name, _)| name == "sql" || name == "bq_sql")
        .map(|(_, sql)| sql)
        .ok_or_else(|| {
            ApiError::BadRequest("No query params provided. Supported query params are sql= and bq_sql=".into())
        })?;
    let query = state
        .endpoints
        .expanded(sql, None)
        .map_err(|error| ApiError::BadRequest(error.to_string()))?;
    Ok(Json(json!({
        "result": {
            "parameters": inspect::parameters(&query),
            "expanded_query": query.to_string(),
        }
    })))
}

const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Content-Length, X-Requested-With, X-API-Key, \
     LF-ENDPOINT-LABELS, LF-ENDPOINT-REDACT-PII, LF-ENDPOINT-BIGQUERY-RESERVATION";

/// `OPTIONS` on the call routes: CORS preflight, as Logflare answers it.
pub async fn preflight() -> Response {
    let mut headers = HeaderMap::new();
    allow_cors(&mut headers);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("1728000"));
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// Reads a call's body: a JSON object or a form; anything else is refused.
fn call_body(headers: &HeaderMap, body: &Bytes) -> Result<Option<Map<String, Value>>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|error| ApiError::BadRequest(format!("malformed form body: {error}")))?;
        return Ok(Some(
            pairs
                .into_iter()
                .map(|(name, value)| (name, Value::String(value)))
                .collect(),
        ));
    }
    parse_body(body).map(Some)
}

/// `GET|POST /api/endpoints/query/:token_or_name` (and the legacy paths): runs the endpoint.
/// Query failures are HTTP 200 `{"error": "..."}`, as Logflare answers and Studio reads.
pub async fn query(
    State(state): State<AppState>,
    Path(handle): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut response = match call(&state, &handle, &query, &headers, &body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    allow_cors(response.headers_mut());
    response
}

async fn call(
    state: &AppState,
    handle: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let api_key = query
        .iter()
        .rev()
        .find(|(name, _)| name == "api_key")
        .map(|(_, key)| key.as_str());
    let principal = authenticate(state, presented_token(headers, api_key));
    let endpoint = match Uuid::parse_str(handle) {
        Ok(token) => state.catalog.endpoint(&token),
        // By name only for a caller who says who they are, as Logflare.
        Err(_) if principal.is_some() => state.catalog.endpoint_by_name(handle),
        Err(_) => return Err(ApiError::Unauthorized),
    };
    let endpoint = match endpoint {
        Some(endpoint) => endpoint,
        // Studio may call endpoints only Supabase's platform has: no rows, not an error.
        None if principal.is_some() && state.config.supabase_mode && supabase::PLATFORM_ONLY.contains(&handle) => {
            return Ok(Json(json!({ "result": [] })).into_response())
        }
        None if principal.is_some() => return Err(ApiError::NotFound),
        None => return Err(ApiError::Unauthorized),
    };
    if endpoint.enable_auth && !principal.is_some_and(|principal| principal.can_query(endpoint.id)) {
        return Err(ApiError::Unauthorized);
    }
    let mut params = collect_params(query, call_body(headers, body)?.as_ref());
    params.remove("api_key");
    let redact = headers
        .get("lf-endpoint-redact-pii")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(endpoint.redact_pii);
    let (result, outcome) = state.endpoints.call(endpoint, params, redact).await;
    let body = match result {
        Ok(body) => body,
        Err(message) => Bytes::from(json!({ "error": message }).to_string()),
    };
    let cache_status = match outcome {
        Outcome::Hit => "cinder; hit",
        Outcome::Miss => "cinder; fwd=miss",
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (
                HeaderName::from_static("cache-status"),
                HeaderValue::from_static(cache_status),
            ),
        ],
        body,
    )
        .into_response())
}
