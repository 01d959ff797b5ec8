//! The body shapes of each ingest route, turned into raw events (Logflare's §1.6).

use axum::http::HeaderMap;
use serde_json::{Map, Value};

use super::decode::DecodeError;

/// The ingest routes with a shape of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `/api/logs`: one object, `{"batch": [...]}` or an array.
    Raw,
    /// `/json`: each item becomes `{message: <item as JSON>, metadata: item}`.
    Json,
    /// `/vector`: Vector's events, each with a `timestamp`.
    Vector,
    /// `/cloudflare`: Logpush; single objects lose `source`, `timestamp` and `id`.
    Cloudflare,
    /// `/vercel`: a JSON array of Vercel log-drain items.
    Vercel,
    /// `/cloud-event`: CloudEvents with `ce-*` headers.
    CloudEvent,
}

/// Keys that only route a single-object request and are not part of the event.
const ROUTING_KEYS: [&str; 4] = ["source", "source_name", "api_key", "collection"];

fn items(body: Value) -> Result<(Vec<Value>, bool), DecodeError> {
    match body {
        Value::Array(items) => Ok((items, false)),
        Value::Object(mut object) => match object.remove("batch") {
            Some(Value::Array(items)) => Ok((items, false)),
            Some(_) => Err(DecodeError::Malformed("`batch` must be an array of events".into())),
            None => Ok((vec![Value::Object(object)], true)),
        },
        _ => Err(DecodeError::Malformed(
            "the body must be a JSON object or array of objects".into(),
        )),
    }
}

fn object(item: Value, index: usize) -> Result<Map<String, Value>, DecodeError> {
    match item {
        Value::Object(object) => Ok(object),
        other => Err(DecodeError::Malformed(format!(
            "event {index} is not a JSON object (got {})",
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            }
        ))),
    }
}

/// Turns a parsed JSON body into raw events for `shape`.
pub fn events_from_json(
    shape: Shape,
    body: Value,
    headers: &HeaderMap,
) -> Result<Vec<Map<String, Value>>, DecodeError> {
    if shape == Shape::Vercel && !body.is_array() {
        return Err(DecodeError::Malformed("the Vercel route takes a JSON array".into()));
    }
    let (items, single) = items(body)?;
    let mut events = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let mut item = object(item, index)?;
        let event = match shape {
            Shape::Raw => {
                if single {
                    // Logflare mints the id of a single-object event; routing keys are not data.
                    item.remove("id");
                    for key in ROUTING_KEYS {
                        item.remove(key);
                    }
                }
                item
            }
            Shape::Cloudflare => {
                if single {
                    for key in ["source", "timestamp", "id", "api_key", "source_name"] {
                        item.remove(key);
                    }
                }
                item
            }
            Shape::Json => {
                let mut event = Map::new();
                event.insert("message".into(), Value::String(Value::Object(item.clone()).to_string()));
                event.insert("metadata".into(), Value::Object(item));
                event
            }
            Shape::Vector => vector_event(item, index)?,
            Shape::Vercel => vercel_event(item),
            Shape::CloudEvent => cloud_event(item, headers),
        };
        events.push(event);
    }
    Ok(events)
}

fn vector_event(mut item: Map<String, Value>, index: usize) -> Result<Map<String, Value>, DecodeError> {
    let timestamp = item
        .remove("timestamp")
        .ok_or_else(|| DecodeError::Malformed(format!("Vector event {index} has no `timestamp`")))?;
    let mut event = Map::new();
    match item.remove("message") {
        Some(message) => {
            if let Some(project) = item.get("project").cloned() {
                event.insert("project".into(), project);
            }
            event.insert("message".into(), message);
        }
        None => {
            event.insert("message".into(), Value::String(Value::Object(item.clone()).to_string()));
        }
    }
    event.insert("metadata".into(), Value::Object(item));
    event.insert("timestamp".into(), timestamp);
    Ok(event)
}

fn vercel_event(item: Map<String, Value>) -> Map<String, Value> {
    let text = |value: Option<&Value>| match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let source = text(item.get("source"));
    let message = if source == "build" {
        format!("build | {}", text(item.get("message")))
    } else {
        let proxy = item.get("proxy");
        let field = |key: &str| text(proxy.and_then(|proxy| proxy.get(key)));
        format!(
            "{source} | {} | {} | {} | {} | {}",
            field("statusCode"),
            field("host"),
            field("path"),
            field("clientIp"),
            field("userAgent")
        )
    };
    let mut event = Map::new();
    event.insert("message".into(), Value::String(message));
    if let Some(timestamp) = item.get("timestamp") {
        event.insert("timestamp".into(), timestamp.clone());
    }
    event.insert("metadata".into(), Value::Object(item));
    event
}

fn cloud_event(mut item: Map<String, Value>, headers: &HeaderMap) -> Map<String, Value> {
    let mut attributes = Map::new();
    for (name, value) in headers {
        if let (Some(key), Ok(value)) = (name.as_str().strip_prefix("ce-"), value.to_str()) {
            attributes.insert(key.replace('-', "_"), Value::String(value.to_owned()));
        }
    }
    if let Some(Value::String(time)) = attributes.get("time") {
        item.insert("timestamp".into(), Value::String(time.clone()));
    }
    item.insert("cloud_event".into(), Value::Object(attributes));
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(shape: Shape, body: Value) -> Result<Vec<Map<String, Value>>, DecodeError> {
        events_from_json(shape, body, &HeaderMap::new())
    }

    #[test]
    fn raw_shapes() {
        assert_eq!(
            shape(Shape::Raw, json!({"batch": [{"a": 1}, {"a": 2}]})).unwrap().len(),
            2
        );
        assert_eq!(shape(Shape::Raw, json!([{"a": 1}])).unwrap().len(), 1);
        let single = shape(
            Shape::Raw,
            json!({"message": "m", "id": "x", "source_name": "s", "api_key": "k"}),
        )
        .unwrap();
        assert_eq!(Value::Object(single[0].clone()), json!({"message": "m"}));
        assert!(shape(Shape::Raw, json!([1]))
            .unwrap_err()
            .to_string()
            .contains("event 0 is not a JSON object"));
        assert!(shape(Shape::Raw, json!({"batch": 3})).is_err());
    }

    #[test]
    fn vector_and_json_shapes() {
        let events = shape(
            Shape::Vector,
            json!([{"message": "m", "project": "p", "timestamp": "t", "x": 1}]),
        )
        .unwrap();
        assert_eq!(
            Value::Object(events[0].clone()),
            json!({"message": "m", "project": "p", "metadata": {"project": "p", "x": 1}, "timestamp": "t"})
        );
        assert!(shape(Shape::Vector, json!([{"message": "m"}]))
            .unwrap_err()
            .to_string()
            .contains("timestamp"));
        let events = shape(Shape::Json, json!({"a": 1})).unwrap();
        assert_eq!(events[0]["message"], "{\"a\":1}");
    }

    #[test]
    fn vercel_messages() {
        let events = shape(
            Shape::Vercel,
            json!([{"source": "lambda", "timestamp": 1, "proxy": {"statusCode": 200, "host": "h", "path": "/p", "clientIp": "ip", "userAgent": ["ua"]}}]),
        )
        .unwrap();
        assert_eq!(events[0]["message"], "lambda | 200 | h | /p | ip | [\"ua\"]");
        assert!(shape(Shape::Vercel, json!({"a": 1})).is_err());
    }
}
