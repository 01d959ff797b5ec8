//! What the HTTP destinations share: gzip, the configured headers and basic auth, and sorting
//! an answer into success, a transient failure or a permanent one.

use std::io::Write;

use reqwest::RequestBuilder;
use serde_json::Value;

use super::{setting, Failure};
use crate::drains::Drain;

/// `bytes` gzip'd.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// The request with `bytes` as its body, gzip'd (and marked so) when `gzip`.
pub fn body(request: RequestBuilder, bytes: Vec<u8>, gzip: bool) -> RequestBuilder {
    if gzip {
        request.header("content-encoding", "gzip").body(self::gzip(&bytes))
    } else {
        request.body(bytes)
    }
}

/// The request with the drain's `headers` and, when `username` is set, basic auth.
pub fn with_settings(mut request: RequestBuilder, drain: &Drain) -> RequestBuilder {
    for (name, value) in drain
        .config
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(value) = value.as_str() {
            request = request.header(name.as_str(), value);
        }
    }
    if let Some(user) = setting(drain, "username") {
        request = request.basic_auth(user, setting(drain, "password"));
    }
    request
}

/// Sends the request; a 2xx answer is returned, the rest sorted: network errors, 408, 429 and
/// 5xx are transient, any other status permanent. The failure names the status and the start
/// of the destination's answer.
pub async fn send(request: RequestBuilder) -> Result<reqwest::Response, Failure> {
    let response = request
        .send()
        .await
        .map_err(|error| Failure::Transient(error.to_string()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().await.unwrap_or_default();
    let text: String = text.chars().take(300).collect();
    let reason = format!("HTTP {status}: {}", text.trim());
    if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
        Err(Failure::Transient(reason))
    } else {
        Err(Failure::Permanent(reason))
    }
}
