//! The body shapes of each ingest route, turned into raw events (Logflare's §1.6).

use http::HeaderMap;
use serde_json::{Map, Value};

use crate::decode::DecodeError;

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
    /// `/elixir/logger` and the `/erlang` routes: only `{"batch": [...]}` (JSON or BERT).
    Batch,
    /// `/typecasts`: `{"batch": [{"body": {...}, "typecasts": [{path, from, to}]}]}`.
    Typecasts,
    /// `/netlify`: Netlify log drains.
    Netlify,
    /// `/github`: GitHub webhooks.
    GitHub,
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
    if matches!(shape, Shape::Batch | Shape::Typecasts) && body.get("batch").is_none() {
        return Err(DecodeError::Malformed(r#"this route takes {"batch": [...]}"#.into()));
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
            Shape::Batch => item,
            Shape::Typecasts => typecast_event(item, index)?,
            Shape::Netlify => netlify_event(item),
            Shape::GitHub => github_event(item),
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
    let text = text_of;
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

/// Applies an item's `typecasts` (`{"path": "a.b" or ["a","b"], "from": "string", "to":
/// "float" | "integer" | "boolean" | "string"}`) to its `body`, which becomes the event.
fn typecast_event(mut item: Map<String, Value>, index: usize) -> Result<Map<String, Value>, DecodeError> {
    let Some(Value::Object(mut body)) = item.remove("body") else {
        return Err(DecodeError::Malformed(format!(
            "typecast item {index} has no `body` object"
        )));
    };
    let casts = match item.remove("typecasts") {
        Some(Value::Array(casts)) => casts,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(DecodeError::Malformed(format!(
                "`typecasts` of item {index} must be an array"
            )))
        }
    };
    for cast in casts {
        let path: Vec<String> = match cast.get("path") {
            Some(Value::String(path)) => path.split('.').map(str::to_owned).collect(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|part| part.as_str().map(str::to_owned))
                .collect(),
            _ => {
                return Err(DecodeError::Malformed(format!(
                    "a typecast of item {index} has no `path`"
                )))
            }
        };
        let Some(value) = lookup(&mut body, &path) else {
            continue;
        };
        let text = match value {
            Value::String(text) => text.trim().to_owned(),
            _ => continue,
        };
        let cast_to = cast.get("to").and_then(Value::as_str).unwrap_or("string");
        let converted = match cast_to {
            "float" => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            "integer" | "int" => text.parse::<i64>().ok().map(Value::from),
            "boolean" | "bool" => text.parse::<bool>().ok().map(Value::Bool),
            _ => None,
        };
        match converted {
            Some(converted) => *value = converted,
            None if matches!(cast_to, "string") => {}
            None => {
                return Err(DecodeError::Malformed(format!(
                    "typecast of `{}` in item {index}: {text:?} is not a {cast_to}",
                    path.join(".")
                )))
            }
        }
    }
    Ok(body)
}

fn lookup<'a>(map: &'a mut Map<String, Value>, path: &[String]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    let value = map.get_mut(first)?;
    match value {
        _ if rest.is_empty() => Some(value),
        Value::Object(next) => lookup(next, rest),
        _ => None,
    }
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Netlify traffic and function logs get a one-line message; the drain's validation ping
/// (`{"message": ...}` only) is marked as such.
fn netlify_event(mut item: Map<String, Value>) -> Map<String, Value> {
    let mut event = Map::new();
    let log_type = item.get("log_type").and_then(Value::as_str).map(str::to_owned);
    match (item.get("timestamp").cloned(), log_type.as_deref()) {
        (Some(timestamp), Some(kind @ ("traffic" | "functions"))) => {
            let field = |key: &str| text_of(item.get(key));
            let message = format!(
                "{kind} | {} | {} | {} | {}",
                field("method"),
                field("status_code"),
                field("request_id"),
                field("path")
            );
            item.remove("timestamp");
            event.insert("message".into(), Value::String(message));
            event.insert("timestamp".into(), timestamp);
            event.insert("metadata".into(), Value::Object(item));
        }
        _ if item.len() == 1 && item.contains_key("message") => {
            event.insert("message".into(), item.remove("message").unwrap_or_default());
            event.insert("metadata".into(), serde_json::json!({"log_type": "validate"}));
        }
        _ => {
            event.insert("message".into(), Value::String(Value::Object(item.clone()).to_string()));
            if let Some(timestamp) = item.remove("timestamp") {
                event.insert("timestamp".into(), timestamp);
            }
            event.insert("metadata".into(), Value::Object(item));
        }
    }
    event
}

/// A GitHub webhook: `"<repository> | <sender> | <action>"`, and the payload without its
/// (many) `*_url` fields.
fn github_event(item: Map<String, Value>) -> Map<String, Value> {
    fn strip_urls(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(key, _)| !key.ends_with("_url"))
                    .map(|(key, value)| (key, strip_urls(value)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(strip_urls).collect()),
            other => other,
        }
    }
    let message = format!(
        "{} | {} | {}",
        text_of(
            item.get("repository")
                .and_then(|repository| repository.get("full_name"))
        ),
        text_of(item.get("sender").and_then(|sender| sender.get("login"))),
        text_of(item.get("action"))
    );
    let mut event = Map::new();
    event.insert("message".into(), Value::String(message));
    event.insert("metadata".into(), strip_urls(Value::Object(item)));
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

    #[test]
    fn batch_typecast_netlify_and_github_shapes() {
        assert!(shape(Shape::Batch, json!({"message": "m"}))
            .unwrap_err()
            .to_string()
            .contains("batch"));
        assert_eq!(
            shape(Shape::Batch, json!({"batch": [{"message": "m"}]})).unwrap().len(),
            1
        );

        let events = shape(
            Shape::Typecasts,
            json!({"batch": [{"body": {"message": "m", "metadata": {"ms": "1.5", "n": "7", "s": "x"}},
                   "typecasts": [{"path": ["metadata", "ms"], "from": "string", "to": "float"},
                                 {"path": "metadata.n", "from": "string", "to": "integer"}]}]}),
        )
        .unwrap();
        assert_eq!(
            Value::Object(events[0].clone()),
            json!({"message": "m", "metadata": {"ms": 1.5, "n": 7, "s": "x"}})
        );
        let error = shape(
            Shape::Typecasts,
            json!({"batch": [{"body": {"x": "abc"}, "typecasts": [{"path": "x", "to": "float"}]}]}),
        )
        .unwrap_err();
        assert!(error.to_string().contains("\"abc\" is not a float"), "{error}");

        let events = shape(
            Shape::Netlify,
            json!([{"timestamp": 1, "log_type": "traffic", "method": "GET", "status_code": 200, "request_id": "r", "path": "/"}, {"message": "ping"}]),
        )
        .unwrap();
        assert_eq!(events[0]["message"], "traffic | GET | 200 | r | /");
        assert_eq!(events[1]["metadata"], json!({"log_type": "validate"}));

        let events = shape(
            Shape::GitHub,
            json!({"action": "opened", "repository": {"full_name": "o/r", "html_url": "u"}, "sender": {"login": "me", "avatar_url": "u"}}),
        )
        .unwrap();
        assert_eq!(events[0]["message"], "o/r | me | opened");
        assert_eq!(
            events[0]["metadata"],
            json!({"action": "opened", "repository": {"full_name": "o/r"}, "sender": {"login": "me"}})
        );
    }
}
