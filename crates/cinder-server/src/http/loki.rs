//! Loki's push API (`POST /loki/api/v1/push`), for Promtail, Grafana Alloy, Fluent Bit's `loki`
//! output and the Loki client libraries. The source is named by the `X-Source-Name` header (or
//! `source_name` parameter; `X-Source` / `source` by token), else by each stream's `source`
//! label. Answers as Loki does: 204, or an error as plain text.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cinder_decode::header_text;
use cinder_decode::loki::parse_push;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::ingest::decode;
use crate::sources::NamedSourceError;
use crate::state::AppState;

use super::elastic::token;

/// Decoded events, before a source takes them.
type RawEvents = Vec<Map<String, Value>>;

/// `POST /loki/api/v1/push`.
pub async fn push(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&state, &params, &headers, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => {
            let status = error.status();
            let mut response = (status, format!("{error}\n")).into_response();
            if matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE | StatusCode::INSUFFICIENT_STORAGE
            ) {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("3"));
            }
            response
        }
    }
}

async fn handle(
    state: &AppState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let principal =
        crate::auth::authenticate(state, token(headers, params).as_deref()).ok_or(ApiError::Unauthorized)?;
    let body = decode::decompress(body, header_text(headers, header::CONTENT_ENCODING))?;
    let events = parse_push(&body, header_text(headers, header::CONTENT_TYPE))?;
    // The source for the whole push, when the request names one.
    let named = params
        .get("source_name")
        .map(String::as_str)
        .or_else(|| header_text(headers, "x-source-name"));
    let by_token = params
        .get("source")
        .map(String::as_str)
        .or_else(|| header_text(headers, "x-source"));
    let mut groups: BTreeMap<String, RawEvents> = BTreeMap::new();
    if let Some(token) = by_token.filter(|_| named.is_none()) {
        let source = Uuid::parse_str(token.trim())
            .ok()
            .and_then(|token| state.catalog.source(&token))
            .ok_or(ApiError::NotFound)?;
        if !principal.can_ingest(source.source.read().id) {
            return Err(ApiError::Unauthorized);
        }
        return crate::ingest::accept(state, source, events).await;
    }
    for event in events {
        let name = match named {
            Some(name) => name.to_owned(),
            None => event
                .get("labels")
                .and_then(|labels| labels.get("source").or_else(|| labels.get("source_name")))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "name the source: an X-Source-Name header, or a `source` label on every stream".into(),
                    )
                })?
                .to_owned(),
        };
        groups.entry(name).or_default().push(event);
    }
    let mut targets: Vec<(Arc<SourceHandle>, RawEvents)> = Vec::new();
    for (name, events) in groups {
        let source = crate::sources::ingest_target(state, &principal, &name)
            .await
            .map_err(|error| match error {
                NamedSourceError::Missing => {
                    ApiError::BadRequest(format!("no source `{name}`, and this token cannot create one"))
                }
                NamedSourceError::Forbidden => ApiError::Unauthorized,
                NamedSourceError::Invalid(reason) => ApiError::BadRequest(reason),
            })?;
        targets.push((source, events));
    }
    for (source, events) in targets {
        crate::ingest::accept(state, source, events).await?;
    }
    Ok(())
}
