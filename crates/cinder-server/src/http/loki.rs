//! Loki's push API (`POST /loki/api/v1/push`), for Promtail, Grafana Alloy, Fluent Bit's `loki`
//! output and the Loki client libraries. The source is named by the `X-Source-Name` header (or
//! `source_name` parameter; `X-Source` / `source` by token), else by each stream's `source`
//! label. Answers as Loki does: 204, or an error as plain text.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cinder_decode::header_text;
use cinder_decode::loki::parse_push;
use serde_json::Value;

use crate::auth::shipper_token;
use crate::error::{retry_after_if_temporary, ApiError};
use crate::ingest::decode;
use crate::ingest::shipped::{accept_shipped, destination};
use crate::state::AppState;

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
            let mut response = (error.status(), format!("{error}\n")).into_response();
            retry_after_if_temporary(&mut response);
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
        crate::auth::authenticate(state, shipper_token(headers, params).as_deref()).ok_or(ApiError::Unauthorized)?;
    crate::ingest::admit(state, body.len()).await?;
    let body = decode::decompress(body, header_text(headers, header::CONTENT_ENCODING))?;
    let events = parse_push(&body, header_text(headers, header::CONTENT_TYPE))?
        .into_iter()
        .map(|event| {
            let name = event
                .get("labels")
                .and_then(|labels| labels.get("source").or_else(|| labels.get("source_name")))
                .and_then(Value::as_str)
                .map(str::to_owned);
            (name, event)
        })
        .collect();
    accept_shipped(
        state,
        &principal,
        destination(params, headers),
        events,
        "name the source: an X-Source-Name header, or a `source` label on every stream",
    )
    .await
}
