//! Loki's push API body (`POST /loki/api/v1/push`): JSON, or protobuf compressed with snappy
//! as Promtail, Grafana Alloy and Fluent Bit send it. Each entry becomes an event: its line the
//! message, its time the timestamp, its stream's labels under `labels` and its structured
//! metadata under `structured_metadata`.

use prost::Message;
use serde_json::{Map, Value};

use crate::decode::DecodeError;

/// `logproto.PushRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct PushRequest {
    #[prost(message, repeated, tag = "1")]
    pub streams: Vec<StreamAdapter>,
}

/// `logproto.StreamAdapter`: labels in Prometheus' text form, `{app="web", env="prod"}`.
#[derive(Clone, PartialEq, Message)]
pub struct StreamAdapter {
    #[prost(string, tag = "1")]
    pub labels: String,
    #[prost(message, repeated, tag = "2")]
    pub entries: Vec<EntryAdapter>,
    #[prost(uint64, tag = "3")]
    pub hash: u64,
}

/// `logproto.EntryAdapter`.
#[derive(Clone, PartialEq, Message)]
pub struct EntryAdapter {
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<Timestamp>,
    #[prost(string, tag = "2")]
    pub line: String,
    #[prost(message, repeated, tag = "3")]
    pub structured_metadata: Vec<LabelPairAdapter>,
}

/// `logproto.LabelPairAdapter`.
#[derive(Clone, PartialEq, Message)]
pub struct LabelPairAdapter {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, PartialEq, Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// One stream of a push: its labels and its entries (nanoseconds, line, structured metadata).
pub type Stream = (Vec<(String, String)>, Vec<(i64, String, Vec<(String, String)>)>);

/// A push body in Loki's protobuf, snappy-compressed, as Promtail sends it
/// (`application/x-protobuf`).
pub fn encode_push(streams: &[Stream]) -> Vec<u8> {
    let request = PushRequest {
        streams: streams
            .iter()
            .map(|(labels, entries)| StreamAdapter {
                labels: label_text(labels),
                entries: entries
                    .iter()
                    .map(|(nanos, line, metadata)| EntryAdapter {
                        timestamp: Some(Timestamp {
                            seconds: nanos.div_euclid(1_000_000_000),
                            nanos: nanos.rem_euclid(1_000_000_000) as i32,
                        }),
                        line: line.clone(),
                        structured_metadata: metadata
                            .iter()
                            .map(|(name, value)| LabelPairAdapter {
                                name: name.clone(),
                                value: value.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
                hash: 0,
            })
            .collect(),
    };
    snap::raw::Encoder::new()
        .compress_vec(&request.encode_to_vec())
        .expect("snappy compresses any input")
}

/// Labels in Prometheus' text form: `{app="web", env="prod"}`, values escaped.
pub fn label_text(labels: &[(String, String)]) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|(name, value)| {
            let value = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            format!("{name}=\"{value}\"")
        })
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Decodes a push body, protobuf when `content_type` says so (snappy-compressed, as Loki
/// takes it), else JSON.
pub fn parse_push(bytes: &[u8], content_type: Option<&str>) -> Result<Vec<Map<String, Value>>, DecodeError> {
    let media = content_type
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/x-protobuf") => parse_protobuf(bytes),
        Some("application/json") | None => parse_json(bytes),
        Some(other) => Err(DecodeError::UnsupportedType(format!(
            "{other} (Loki's push API takes application/json or snappy-compressed application/x-protobuf)"
        ))),
    }
}

fn parse_protobuf(bytes: &[u8]) -> Result<Vec<Map<String, Value>>, DecodeError> {
    let length = snap::raw::decompress_len(bytes)
        .map_err(|error| DecodeError::Malformed(format!("the body is not snappy-compressed: {error}")))?;
    if length > crate::decode::MAX_BODY_BYTES {
        return Err(DecodeError::TooLarge);
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(bytes)
        .map_err(|error| DecodeError::Malformed(format!("the body is not snappy-compressed: {error}")))?;
    let request = PushRequest::decode(raw.as_slice())
        .map_err(|error| DecodeError::Malformed(format!("the body is not a Loki PushRequest: {error}")))?;
    let mut events = Vec::new();
    for (index, stream) in request.streams.into_iter().enumerate() {
        let labels = parse_labels(&stream.labels).ok_or_else(|| {
            DecodeError::Malformed(format!(
                "stream {index}'s labels are not {{name=\"value\", ...}}: `{}`",
                stream.labels
            ))
        })?;
        for entry in stream.entries {
            let nanos = entry
                .timestamp
                .map(|time| i128::from(time.seconds) * 1_000_000_000 + i128::from(time.nanos));
            let structured = entry
                .structured_metadata
                .into_iter()
                .map(|pair| (pair.name, Value::String(pair.value)))
                .collect();
            events.push(event(&labels, nanos, entry.line, structured));
        }
    }
    Ok(events)
}

fn parse_json(bytes: &[u8]) -> Result<Vec<Map<String, Value>>, DecodeError> {
    let body: Value = serde_json::from_slice(bytes)
        .map_err(|error| DecodeError::Malformed(format!("the body is not JSON: {error}")))?;
    let malformed = |message: String| DecodeError::Malformed(message);
    let streams = body
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the body must be {\"streams\": [...]}".into()))?;
    let mut events = Vec::new();
    for (index, stream) in streams.iter().enumerate() {
        let labels: Map<String, Value> = match stream.get("stream") {
            Some(Value::Object(labels)) => labels
                .iter()
                .map(|(name, value)| match value {
                    Value::String(_) => Ok((name.clone(), value.clone())),
                    _ => Err(malformed(format!("stream {index}: label `{name}` must be a string"))),
                })
                .collect::<Result<_, _>>()?,
            None => Map::new(),
            Some(_) => {
                return Err(malformed(format!(
                    "stream {index}: `stream` must be an object of labels"
                )))
            }
        };
        let values = stream
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(format!("stream {index} has no `values` array")))?;
        for (position, value) in values.iter().enumerate() {
            let entry = value.as_array().filter(|entry| (2..=3).contains(&entry.len()));
            let (Some(time), Some(line)) = (
                entry.and_then(|entry| entry[0].as_str()),
                entry.and_then(|entry| entry[1].as_str()),
            ) else {
                return Err(malformed(format!(
                    "stream {index}, value {position}: expected [\"<unix nanoseconds>\", \"<line>\"]"
                )));
            };
            let nanos: i128 = time.parse().map_err(|_| {
                malformed(format!(
                    "stream {index}, value {position}: `{time}` is not unix nanoseconds"
                ))
            })?;
            let structured = match entry.and_then(|entry| entry.get(2)) {
                Some(Value::Object(structured)) => structured.clone(),
                _ => Map::new(),
            };
            events.push(event(&labels, Some(nanos), line.to_owned(), structured));
        }
    }
    Ok(events)
}

fn event(
    labels: &Map<String, Value>,
    nanos: Option<i128>,
    line: String,
    structured: Map<String, Value>,
) -> Map<String, Value> {
    let mut event = Map::new();
    event.insert("event_message".into(), Value::String(line));
    if let Some(micros) = nanos
        .and_then(|nanos| i64::try_from(nanos / 1000).ok())
        .filter(|micros| *micros > 0)
    {
        if let Some(time) = chrono::DateTime::from_timestamp_micros(micros) {
            event.insert(
                "timestamp".into(),
                Value::String(time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            );
        }
    }
    if !labels.is_empty() {
        event.insert("labels".into(), Value::Object(labels.clone()));
    }
    if !structured.is_empty() {
        event.insert("structured_metadata".into(), Value::Object(structured));
    }
    event
}

/// `{name="value", other="with \"quotes\""}` as a map.
pub fn parse_labels(text: &str) -> Option<Map<String, Value>> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut labels = Map::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=')?;
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let mut chars = after.trim_start().strip_prefix('"')?.char_indices();
        let mut value = String::new();
        let end = loop {
            let (at, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    't' => value.push('\t'),
                    other => value.push(other),
                },
                '"' => break at,
                other => value.push(other),
            }
        };
        labels.insert(name.to_owned(), Value::String(value));
        let quoted = after.trim_start().strip_prefix('"')?;
        rest = quoted[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Some(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_pushes_become_events_with_labels() {
        let body = json!({"streams": [{"stream": {"app": "web", "source": "loki"}, "values": [
            ["1764745200000000000", "GET / 200"],
            ["1764745200500000000", "with metadata", {"trace_id": "abc"}]
        ]}]});
        let events = parse_push(body.to_string().as_bytes(), Some("application/json")).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["event_message"], "GET / 200");
        assert_eq!(events[0]["timestamp"], "2025-12-03T07:00:00.000000Z");
        assert_eq!(events[0]["labels"], json!({"app": "web", "source": "loki"}));
        assert_eq!(events[1]["structured_metadata"], json!({"trace_id": "abc"}));
        assert!(parse_push(b"{\"streams\": [{\"values\": [[1, 2]]}]}", None).is_err());
        assert!(parse_push(b"{}", None).is_err());
        assert!(parse_push(b"x", Some("text/plain")).is_err());
    }

    #[test]
    fn snappy_protobuf_pushes_decode() {
        let request = PushRequest {
            streams: vec![StreamAdapter {
                labels: r#"{app="web", msg="a \"quoted\" value, with a comma"}"#.into(),
                entries: vec![EntryAdapter {
                    timestamp: Some(Timestamp {
                        seconds: 1_764_745_200,
                        nanos: 1_000,
                    }),
                    line: "hello".into(),
                    structured_metadata: vec![LabelPairAdapter {
                        name: "user".into(),
                        value: "u1".into(),
                    }],
                }],
                hash: 0,
            }],
        };
        let body = snap::raw::Encoder::new()
            .compress_vec(&request.encode_to_vec())
            .unwrap();
        let events = parse_push(&body, Some("application/x-protobuf")).unwrap();
        assert_eq!(events[0]["event_message"], "hello");
        assert_eq!(events[0]["timestamp"], "2025-12-03T07:00:00.000001Z");
        assert_eq!(
            events[0]["labels"],
            json!({"app": "web", "msg": "a \"quoted\" value, with a comma"})
        );
        assert_eq!(events[0]["structured_metadata"], json!({"user": "u1"}));
        assert!(parse_push(b"not snappy", Some("application/x-protobuf")).is_err());
        let garbage = snap::raw::Encoder::new().compress_vec(b"\xff\xff\xff").unwrap();
        assert!(parse_push(&garbage, Some("application/x-protobuf")).is_err());
    }

    #[test]
    fn label_strings() {
        assert_eq!(parse_labels("{}").unwrap(), Map::new());
        assert_eq!(
            parse_labels(r#"{a="1",b="2"}"#).unwrap(),
            json!({"a": "1", "b": "2"}).as_object().unwrap().clone()
        );
        assert!(parse_labels(r#"{a=1}"#).is_none());
        assert!(parse_labels(r#"{a="1""#).is_none());
        assert!(parse_labels(r#"a="1""#).is_none());
    }
}
