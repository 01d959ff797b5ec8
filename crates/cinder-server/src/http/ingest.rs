//! The ingest routes: `POST /api/logs` and friends.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{authenticate, presented_token};
use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::state::AppState;
pub use cinder_decode::Route;
use cinder_decode::{decode_request, header_text, BodySource, Decoded};

use super::allow_cors;

/// Handles one ingest request: all of its events are stored, or none.
pub async fn ingest(
    State(state): State<AppState>,
    route: Route,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let token = presented_token(&headers, params.get("api_key").map(String::as_str));
    let principal = authenticate(&state, token).ok_or(ApiError::Unauthorized)?;
    crate::ingest::admit(&state, body.len()).await?;

    let Decoded { events, body_source } = decode_request(route, &headers, &body)?;

    let source = find_source(&state, &params, &headers, body_source.as_ref()).ok_or(ApiError::Unauthorized)?;
    let source_id = source.source.read().id;
    if !principal.can_ingest(source_id) {
        return Err(ApiError::Unauthorized);
    }
    crate::ingest::accept(&state, source, events).await?;
    Ok(logged())
}

fn logged() -> Response {
    let mut response = Json(json!({"message": "Logged!"})).into_response();
    allow_cors(response.headers_mut());
    response
}

/// Finds the source: by name (`source_name`) first, else by token (`source` parameter,
/// `x-source` header, or the body), as Logflare's `FetchResource` does.
fn find_source(
    state: &AppState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: Option<&BodySource>,
) -> Option<Arc<SourceHandle>> {
    let name = params
        .get("source_name")
        .or_else(|| params.get("collection_name"))
        .map(String::as_str)
        .or(match body {
            Some(BodySource::Name(name)) => Some(name.as_str()),
            _ => None,
        });
    if let Some(name) = name {
        return state.catalog.source_by_name(name);
    }
    let token = params
        .get("source")
        .or_else(|| params.get("collection"))
        // Vercel's log-drain URLs name it `source_id`.
        .or_else(|| params.get("source_id"))
        .map(String::as_str)
        .or_else(|| header_text(headers, "x-source"))
        .or_else(|| header_text(headers, "x-collection"))
        .or(match body {
            Some(BodySource::Token(token)) => Some(token.as_str()),
            _ => None,
        })?;
    state.catalog.source(&Uuid::parse_str(token.trim()).ok()?)
}

/// Answers CORS preflights for the browser-facing ingest routes.
pub async fn preflight() -> impl IntoResponse {
    let mut headers = HeaderMap::new();
    allow_cors(&mut headers);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type, Content-Length, X-Requested-With"),
    );
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("1728000"));
    (StatusCode::NO_CONTENT, headers)
}
