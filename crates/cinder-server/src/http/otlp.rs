//! OTLP/HTTP (`POST /v1/logs`, `/v1/traces`; protobuf or JSON; gzip): OpenTelemetry SDKs and
//! collectors ship logs and spans here. The source is named by `X-Source-Name` (or
//! `X-Source` by token), else by each resource's `service.name`. Answers in the request's
//! encoding: an empty export response, or a `google.rpc.Status`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cinder_decode::header_text;
use cinder_otlp::{decode_logs, decode_traces, error_body, success_body, Encoding, Record};

use crate::auth::{authenticate, shipper_token, Principal};
use crate::error::{retry_after_if_temporary, ApiError};
use crate::ingest::decode;
use crate::ingest::shipped::{accept_shipped, destination};
use crate::state::AppState;

type Decoder = fn(&[u8], Encoding) -> Result<Vec<Record>, cinder_decode::decode::DecodeError>;

/// `POST /v1/logs`.
pub async fn logs(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    export(&state, &params, &headers, &body, decode_logs).await
}

/// `POST /v1/traces`.
pub async fn traces(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    export(&state, &params, &headers, &body, decode_traces).await
}

async fn export(
    state: &AppState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
    decoder: Decoder,
) -> Response {
    let encoding = match Encoding::from_content_type(header_text(headers, header::CONTENT_TYPE)) {
        Ok(encoding) => encoding,
        // The answer to an unknown encoding is in JSON, which anyone can read.
        Err(error) => return answer(Err(ApiError::Decode(error)), Encoding::Json),
    };
    let result = async {
        let principal = authenticate(state, shipper_token(headers, params).as_deref()).ok_or(ApiError::Unauthorized)?;
        crate::ingest::admit(state, body.len()).await?;
        let body = decode::decompress(body, header_text(headers, header::CONTENT_ENCODING))?;
        take(state, &principal, params, headers, decoder(&body, encoding)?).await
    }
    .await;
    answer(result, encoding)
}

/// Stores exported records (from OTLP/HTTP or gRPC) in the source the headers name, else in
/// the one each record's `service.name` names.
pub async fn take(
    state: &AppState,
    principal: &Principal,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    records: Vec<Record>,
) -> Result<(), ApiError> {
    let events = records
        .into_iter()
        .map(|record| (record.service, record.event))
        .collect();
    accept_shipped(
        state,
        principal,
        destination(params, headers),
        events,
        "name the source: an X-Source-Name header, or a service.name resource attribute",
    )
    .await
}

fn answer(result: Result<(), ApiError>, encoding: Encoding) -> Response {
    let (status, body) = match &result {
        Ok(()) => (StatusCode::OK, success_body(encoding)),
        Err(error) => {
            let status = error.status();
            (status, error_body(status.as_u16(), &error.to_string(), encoding))
        }
    };
    let content_type = match encoding {
        Encoding::Protobuf => "application/x-protobuf",
        Encoding::Json => "application/json",
    };
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    retry_after_if_temporary(&mut response);
    response
}
