//! Elasticsearch's bulk API (`POST|PUT /_bulk`, `/{index}/_bulk`), for Filebeat, Fluent Bit,
//! Logstash and the Elasticsearch clients: each index is a source. Answers in Elasticsearch's
//! shapes, with its product header (clients check it).

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use cinder_decode::elastic::parse_bulk;
use cinder_decode::header_text;
use serde_json::{json, Value};

use crate::auth::{authenticate, shipper_token};
use crate::error::{retry_after_if_temporary, ApiError};
use crate::ingest::{bulk, decode};
use crate::state::AppState;

/// `POST /_bulk`.
pub async fn bulk(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&state, None, &params, &headers, &body).await
}

/// `POST /{index}/_bulk`.
pub async fn bulk_index(
    State(state): State<AppState>,
    Path(index): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&state, Some(&index), &params, &headers, &body).await
}

async fn handle(
    state: &AppState,
    index: Option<&str>,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let started = Instant::now();
    let Some(principal) = authenticate(state, shipper_token(headers, params).as_deref()) else {
        return error(ApiError::Unauthorized, "security_exception");
    };
    if let Err(refused) = crate::ingest::admit(state, body.len()).await {
        let kind = bulk::error_kind(&refused);
        return error(refused, kind);
    }
    let items = match decode::decompress(body, header_text(headers, header::CONTENT_ENCODING))
        .and_then(|body| parse_bulk(&body, index))
    {
        Ok(items) => items,
        Err(decode_error) => return error(ApiError::Decode(decode_error), "illegal_argument_exception"),
    };
    let outcomes = bulk::store(state, &principal, &items).await;
    let answers: Vec<Value> = items
        .iter()
        .zip(&outcomes)
        .map(|(item, outcome)| {
            let mut answer = json!({"_index": item.index, "_id": item.id});
            match outcome {
                Ok(()) => {
                    answer["status"] = json!(201);
                    answer["result"] = json!("created");
                    answer["_version"] = json!(1);
                    answer["_shards"] = json!({"total": 1, "successful": 1, "failed": 0});
                }
                Err(failure) => {
                    answer["status"] = json!(failure.status);
                    answer["error"] = json!({"type": failure.kind, "reason": failure.reason});
                }
            }
            json!({ (item.action.clone()): answer })
        })
        .collect();
    let body = json!({
        "took": started.elapsed().as_millis() as u64,
        "errors": outcomes.iter().any(Result::is_err),
        "items": answers,
    });
    elastic((StatusCode::OK, Json(body)).into_response())
}

/// A whole-request failure in Elasticsearch's shape.
fn error(error: ApiError, kind: &str) -> Response {
    let status = error.status();
    let body = json!({
        "error": {"type": kind, "reason": error.to_string(), "root_cause": [{"type": kind, "reason": error.to_string()}]},
        "status": status.as_u16(),
    });
    let mut response = (status, Json(body)).into_response();
    retry_after_if_temporary(&mut response);
    elastic(response)
}

fn elastic(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("x-elastic-product", HeaderValue::from_static("Elasticsearch"));
    response
}
