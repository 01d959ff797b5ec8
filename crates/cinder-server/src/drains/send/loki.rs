//! Grafana Loki's push API: a stream per source labelled `{source="supabase", service=<name>}`
//! as Logflare labels it, each event an entry whose line is its message and whose structured
//! metadata is its other fields, flattened with `_`. JSON (gzip'd) by default;
//! `format: "protobuf"` sends snappy-compressed protobuf as Promtail does.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use uuid::Uuid;

use super::{http, message, micros, required, setting, Environment, Failure, Outgoing};
use crate::drains::Drain;

/// `value`'s leaves as `(path joined with _, text)`, but for the fields that are the line and
/// the time.
pub fn flatten(prefix: &str, value: &Value, into: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                if prefix.is_empty() && matches!(key.as_str(), "timestamp" | "event_message") {
                    continue;
                }
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}_{key}")
                };
                flatten(&name, value, into);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}_{index}"), item, into);
            }
        }
        Value::Null => {}
        Value::String(text) => into.push((prefix.to_owned(), text.clone())),
        other => into.push((prefix.to_owned(), other.to_string())),
    }
}

/// The batch as streams, one per source, entries in time order.
pub fn streams(env: &Environment, events: &[Outgoing]) -> Vec<cinder_decode::loki::Stream> {
    let mut by_source: BTreeMap<Uuid, Vec<&Value>> = BTreeMap::new();
    for (source, event) in events {
        by_source.entry(*source).or_default().push(event);
    }
    by_source
        .into_iter()
        .map(|(source, mut events)| {
            events.sort_by_key(|event| micros(event));
            let labels = vec![
                ("source".to_owned(), "supabase".to_owned()),
                ("service".to_owned(), env.source_name(&source)),
            ];
            let entries = events
                .into_iter()
                .map(|event| {
                    let mut metadata = Vec::new();
                    flatten("", event, &mut metadata);
                    (micros(event) * 1000, message(event).to_owned(), metadata)
                })
                .collect();
            (labels, entries)
        })
        .collect()
}

/// The JSON form of a push.
pub fn json_push(streams: &[cinder_decode::loki::Stream]) -> Value {
    let streams: Vec<Value> = streams
        .iter()
        .map(|(labels, entries)| {
            let stream: serde_json::Map<String, Value> = labels
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect();
            let values: Vec<Value> = entries
                .iter()
                .map(|(nanos, line, metadata)| {
                    let metadata: serde_json::Map<String, Value> = metadata
                        .iter()
                        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                        .collect();
                    json!([nanos.to_string(), line, metadata])
                })
                .collect();
            json!({"stream": stream, "values": values})
        })
        .collect();
    json!({"streams": streams})
}

pub async fn send(
    client: &reqwest::Client,
    env: &Environment,
    drain: &Drain,
    events: &[Outgoing],
) -> Result<(), Failure> {
    let url = required(drain, "url")?;
    let streams = streams(env, events);
    let request = match setting(drain, "format") {
        Some("protobuf") => client
            .post(url)
            .header("content-type", "application/x-protobuf")
            .body(cinder_decode::loki::encode_push(&streams)),
        _ => {
            let bytes =
                serde_json::to_vec(&json_push(&streams)).map_err(|error| Failure::Permanent(error.to_string()))?;
            client
                .post(url)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(http::gzip(&bytes))
        }
    };
    http::send(http::with_settings(request, drain)).await.map(drop)
}
