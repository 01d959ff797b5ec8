//! BigQuery's REST API: one call, its errors sorted by what a caller can do, and retries.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::auth::ServiceAccount;

/// Google's BigQuery API.
pub const GOOGLE_ENDPOINT: &str = "https://bigquery.googleapis.com";
/// How many times a transient failure is tried again within one call.
const RETRIES: u32 = 4;

/// A failed call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// BigQuery could not be reached, or answered that it is busy or failing: worth retrying.
    #[error("BigQuery is unavailable: {0}")]
    Transient(String),
    /// BigQuery refused the call.
    #[error("BigQuery refused the request ({status} {reason}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// BigQuery's reason (`invalid`, `notFound`, `quotaExceeded`, ...).
        reason: String,
        /// BigQuery's message.
        message: String,
    },
}

impl ApiError {
    /// Whether BigQuery said the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Refused { status: 404, .. })
    }

    /// Whether BigQuery said the thing already exists.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, ApiError::Refused { status: 409, .. })
    }

    /// Sorts an error answer: 5xx, 429 and the 403s that mean "slow down" are transient.
    fn from_answer(status: StatusCode, body: &str) -> Self {
        let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let error = &parsed["error"];
        let reason = error["errors"][0]["reason"]
            .as_str()
            .or_else(|| error["status"].as_str())
            .unwrap_or("")
            .to_owned();
        let message = error["message"]
            .as_str()
            .map_or_else(|| body.trim().to_owned(), str::to_owned);
        let transient = status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || matches!(reason.as_str(), "rateLimitExceeded" | "backendError" | "internalError");
        if transient {
            ApiError::Transient(format!("{status} {reason}: {message}"))
        } else {
            ApiError::Refused {
                status: status.as_u16(),
                reason,
                message,
            }
        }
    }
}

/// A client for one project.
pub struct Client {
    http: reqwest::Client,
    /// `<endpoint>/bigquery/v2/projects/<project>`.
    base: String,
    account: Option<Arc<ServiceAccount>>,
}

impl Client {
    /// A client for `project` at `endpoint` (Google's, or an emulator's), authenticated by
    /// `account` when given.
    pub fn new(endpoint: &str, project: &str, account: Option<Arc<ServiceAccount>>) -> Self {
        let endpoint = endpoint.trim_end_matches('/');
        let endpoint = endpoint.strip_suffix("/bigquery/v2").unwrap_or(endpoint);
        Self {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(120))
                .build()
                .expect("the HTTP client builds"),
            base: format!("{endpoint}/bigquery/v2/projects/{project}"),
            account,
        }
    }

    /// Calls `path` (below the project) once; a 401 fetches a new token and tries again.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let mut refreshed = false;
        loop {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .query(query);
            if let Some(account) = &self.account {
                let token = account
                    .token(&self.http)
                    .await
                    .map_err(|error| ApiError::Transient(error.to_string()))?;
                request = request.bearer_auth(token);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|error| ApiError::Transient(error.to_string()))?;
            let status = response.status();
            let text = response
                .text()
                .await
                .map_err(|error| ApiError::Transient(error.to_string()))?;
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                if let Some(account) = &self.account {
                    account.invalidate().await;
                    refreshed = true;
                    continue;
                }
            }
            if !status.is_success() {
                return Err(ApiError::from_answer(status, &text));
            }
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text)
                .map_err(|error| ApiError::Transient(format!("unreadable answer from BigQuery: {error}")));
        }
    }

    /// [`Client::call`], trying transient failures again with backoff (0.2 s, doubling).
    pub async fn call_retrying(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let mut attempt = 0;
        loop {
            match self.call(method.clone(), path, query, body).await {
                Err(ApiError::Transient(message)) if attempt < RETRIES => {
                    let backoff = Duration::from_millis(200 * 2u64.pow(attempt));
                    tracing::warn!(%message, retry_in = ?backoff, "BigQuery call failed; retrying");
                    tokio::time::sleep(backoff).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}
