//! `GET /metrics`, and the count of every request by route and status.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{authenticate, presented_token};
use crate::error::ApiError;
use crate::metrics::{metrics as registry, render};
use crate::state::AppState;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics, for a `private` token (or anyone with `CINDER_METRICS_PUBLIC=true`).
///
/// Served as OpenMetrics to a scraper that asks for it (Prometheus does), else as
/// `text/plain; version=0.0.4`, which the same text also is to Prometheus's text parsers.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if !state.config.metrics_public {
        match authenticate(&state, presented_token(&headers, None)) {
            Some(principal) if principal.can_manage() => {}
            _ => return Err(ApiError::Unauthorized),
        }
    }
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("application/openmetrics-text"));
    let content_type = if openmetrics { OPENMETRICS } else { PROMETHEUS_TEXT };
    let mut response = render(&state).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

/// Counts each request and its body bytes by route template and status code.
pub async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let bytes = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .unwrap_or(0);
    let response = next.run(request).await;
    let metrics = registry();
    let labels = [
        ("route", metrics.name("route", &route)),
        ("code", response.status().as_u16().to_string()),
    ];
    metrics.http_requests.get_or_create(&labels).inc();
    metrics.http_request_bytes.get_or_create(&labels).inc_by(bytes);
    response
}
