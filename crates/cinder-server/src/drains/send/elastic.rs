//! Elasticsearch's bulk API: each event a `create` of a document whose `_id` is the event's id
//! (a batch sent again is not stored twice: the copies already in answer 409), in the index
//! `index` names, else one per source named after it. `url` is the cluster (or its `/_bulk`).

use serde_json::{json, Value};

use super::{http, required, rfc3339, setting, Environment, Failure, Outgoing};
use crate::drains::Drain;

/// An index name Elasticsearch accepts, made of `name`: lowercase, without the characters it
/// refuses, not starting with `-`, `_` or `+`.
pub fn index_name(name: &str) -> String {
    let cleaned: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches(['-', '_', '+', '.']);
    if cleaned.is_empty() {
        "logs".to_owned()
    } else {
        cleaned.chars().take(200).collect()
    }
}

/// The bulk body for a batch.
pub fn bulk_body(env: &Environment, drain: &Drain, events: &[Outgoing]) -> Vec<u8> {
    let fixed = setting(drain, "index").map(index_name);
    let mut body = Vec::new();
    for (source, event) in events {
        let index = fixed.clone().unwrap_or_else(|| index_name(&env.source_name(source)));
        let action = json!({"create": {"_index": index, "_id": event["id"]}});
        let mut document = event.clone();
        document["@timestamp"] = Value::String(rfc3339(event));
        body.extend_from_slice(action.to_string().as_bytes());
        body.push(b'\n');
        body.extend_from_slice(document.to_string().as_bytes());
        body.push(b'\n');
    }
    body
}

/// What a bulk answer says of the batch: items that failed for a reason worth a retry make
/// it transient; others that failed (but for 409, already there) make it permanent.
pub fn bulk_outcome(answer: &Value) -> Result<(), Failure> {
    if answer["errors"] != true {
        return Ok(());
    }
    let mut refused = None;
    for item in answer["items"].as_array().into_iter().flatten() {
        let Some(result) = item.as_object().and_then(|item| item.values().next()) else {
            continue;
        };
        let status = result["status"].as_u64().unwrap_or(0);
        if status == 429 || status >= 500 {
            return Err(Failure::Transient(format!(
                "Elasticsearch answered {status} for a document: {}",
                result["error"]
            )));
        }
        if status >= 300 && status != 409 && refused.is_none() {
            refused = Some(format!(
                "Elasticsearch refused a document ({status}): {}",
                result["error"]
            ));
        }
    }
    refused.map_or(Ok(()), |reason| Err(Failure::Permanent(reason)))
}

pub async fn send(
    client: &reqwest::Client,
    env: &Environment,
    drain: &Drain,
    events: &[Outgoing],
) -> Result<(), Failure> {
    let url = required(drain, "url")?.trim_end_matches('/');
    let url = if url.ends_with("/_bulk") {
        url.to_owned()
    } else {
        format!("{url}/_bulk")
    };
    let request = client
        .post(url)
        .header("content-type", "application/x-ndjson")
        .header("content-encoding", "gzip")
        .body(http::gzip(&bulk_body(env, drain, events)));
    let response = http::send(http::with_settings(request, drain)).await?;
    let answer: Value = response
        .json()
        .await
        .map_err(|error| Failure::Transient(format!("unreadable bulk answer: {error}")))?;
    bulk_outcome(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names() {
        assert_eq!(index_name("Postgres Logs"), "postgres-logs");
        assert_eq!(index_name("_edge"), "edge");
        assert_eq!(index_name("???"), "logs");
    }

    #[test]
    fn bulk_answers() {
        assert!(bulk_outcome(&json!({"errors": false, "items": []})).is_ok());
        let again = json!({"errors": true, "items": [{"create": {"status": 201}}, {"create": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}}]});
        assert!(bulk_outcome(&again).is_ok());
        let busy = json!({"errors": true, "items": [{"create": {"status": 429, "error": {}}}]});
        assert!(matches!(bulk_outcome(&busy), Err(Failure::Transient(_))));
        let bad = json!({"errors": true, "items": [{"create": {"status": 400, "error": {"type": "mapper_parsing_exception"}}}]});
        assert!(matches!(bulk_outcome(&bad), Err(Failure::Permanent(_))));
    }
}
