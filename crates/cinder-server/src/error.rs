//! API errors: one enum, one mapping to statuses and Logflare's error bodies.

use std::collections::BTreeMap;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::ingest::decode::DecodeError;

/// Why a request failed, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad or missing token, unknown source on ingest, or a scope that does not allow this.
    #[error("Unauthorized")]
    Unauthorized,
    /// An unknown resource on the management API.
    #[error("Not Found")]
    NotFound,
    /// Field-level validation failures: 422 `{"errors": {field: [messages]}}`.
    #[error("validation failed")]
    Validation(BTreeMap<String, Vec<String>>),
    /// A request Cinder understood and refuses, with the reason.
    #[error("{0}")]
    BadRequest(String),
    /// The resource is busy with the same thing (an alert already running).
    #[error("{0}")]
    Conflict(String),
    /// A body that could not be read.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Too much is waiting to be stored: retry after a moment.
    #[error("{0}")]
    TooManyRequests(String),
    /// The disk is full: retry after a moment (when space is freed).
    #[error("{0}")]
    InsufficientStorage(String),
    /// A dependency is down: retry after a moment.
    #[error("{0}")]
    Unavailable(String),
    /// A dependency did not answer in time.
    #[error("{0}")]
    GatewayTimeout(String),
    /// A bug or an I/O failure; the cause is logged, not sent.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The status code this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Decode(DecodeError::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Decode(DecodeError::UnsupportedType(_) | DecodeError::UnsupportedEncoding(_)) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::Decode(DecodeError::Malformed(_)) => StatusCode::BAD_REQUEST,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A 422 for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }
}

impl From<cinder_storage::StorageError> for ApiError {
    fn from(error: cinder_storage::StorageError) -> Self {
        match error {
            cinder_storage::StorageError::Unavailable(message) => ApiError::Unavailable(message),
            cinder_storage::StorageError::Query(message) => ApiError::BadRequest(message),
            cinder_storage::StorageError::Internal(message) => ApiError::Internal(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Validation(errors) => json!({ "errors": errors }),
            ApiError::Internal(cause) => {
                tracing::error!(cause = %cause, "request failed");
                json!({ "error": "internal error" })
            }
            other => json!({ "error": other.to_string() }),
        };
        let mut response = (status, Json(body)).into_response();
        retry_after_if_temporary(&mut response);
        response
    }
}

/// Adds `Retry-After` to an answer that asks the client to come back shortly (429, 503, 507),
/// in whatever shape a protocol answers.
pub fn retry_after_if_temporary(response: &mut Response) {
    if matches!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE | StatusCode::INSUFFICIENT_STORAGE
    ) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("3"));
    }
}

/// The 422 or storage error of a refused catalog change.
pub fn catalog_error(error: crate::catalog::CatalogError) -> ApiError {
    match error {
        crate::catalog::CatalogError::NameTaken => ApiError::invalid("name", "has already been taken"),
        crate::catalog::CatalogError::Storage(error) => error.into(),
    }
}
