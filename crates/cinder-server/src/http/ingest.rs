//! The ingest routes: `POST /api/logs` and friends.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::auth::{authenticate, presented_token};
use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::ingest::bert;
use crate::ingest::decode::{self, BodyFormat};
use crate::ingest::shapes::{events_from_json, Shape};
use crate::state::AppState;

use super::allow_cors;

/// Which parser a route uses.
#[derive(Debug, Clone, Copy)]
pub enum Route {
    /// A JSON (or NDJSON) route with its shape.
    Shape(Shape),
    /// Syslog lines.
    Syslog,
}

fn header_text(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

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

    let bytes = decode::decompress(&body, header_text(&headers, header::CONTENT_ENCODING))?;
    let is_cloudflare = matches!(route, Route::Shape(Shape::Cloudflare));
    let (raw_events, body_source) = match route {
        Route::Syslog => (decode::parse_syslog(&bytes)?, None),
        Route::Shape(shape) => match decode::body_format(header_text(&headers, header::CONTENT_TYPE), is_cloudflare)? {
            BodyFormat::Ndjson => (decode::parse_ndjson(&bytes)?, None),
            BodyFormat::Syslog => (decode::parse_syslog(&bytes)?, None),
            format @ (BodyFormat::Json | BodyFormat::Bert) => {
                let body = match format {
                    BodyFormat::Bert => bert::decode(&bytes)?,
                    _ => decode::parse_json(&bytes)?,
                };
                let body_source = source_in_body(&body);
                (events_from_json(shape, body, &headers)?, body_source)
            }
        },
    };

    let source = find_source(&state, &params, &headers, body_source.as_ref()).ok_or(ApiError::Unauthorized)?;
    let source_id = source.source.read().id;
    if !principal.can_ingest(source_id) {
        return Err(ApiError::Unauthorized);
    }
    crate::ingest::accept(&state, source, raw_events).await?;
    Ok(logged())
}

fn logged() -> Response {
    let mut response = Json(json!({"message": "Logged!"})).into_response();
    allow_cors(response.headers_mut());
    response
}

/// What a JSON object body says about its source (`source` or `source_name` keys).
#[derive(Debug)]
pub enum BodySource {
    /// By token.
    Token(String),
    /// By name.
    Name(String),
}

fn source_in_body(body: &Value) -> Option<BodySource> {
    let object: &Map<String, Value> = body.as_object()?;
    if let Some(Value::String(name)) = object.get("source_name").or_else(|| object.get("collection_name")) {
        return Some(BodySource::Name(name.clone()));
    }
    match object.get("source").or_else(|| object.get("collection")) {
        Some(Value::String(token)) => Some(BodySource::Token(token.clone())),
        _ => None,
    }
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
