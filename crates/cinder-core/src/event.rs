//! The normalised log event: what ingest produces and every backend stores.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// One normalised event.
///
/// `body` holds every user key (already sanitised to BigQuery column rules) except the three
/// reserved top-level fields, which live in their own typed fields. [`LogEvent::to_json`]
/// puts them back, so the JSON form is the event exactly as Logflare stores its body.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    /// The event id: kept from the client when given, else a UUIDv4.
    pub id: String,
    /// Microseconds since the Unix epoch, UTC.
    pub timestamp: i64,
    /// The human-readable message, if the event has one.
    pub event_message: Option<String>,
    /// Every other top-level key.
    pub body: Map<String, Value>,
}

impl LogEvent {
    /// Returns the event as one JSON object with `id`, `timestamp` and `event_message` at
    /// the top level, beside the body's keys.
    pub fn to_json(&self) -> Value {
        let mut map = Map::with_capacity(self.body.len() + 3);
        map.insert("id".into(), Value::String(self.id.clone()));
        map.insert("timestamp".into(), Value::from(self.timestamp));
        if let Some(message) = &self.event_message {
            map.insert("event_message".into(), Value::String(message.clone()));
        }
        for (key, value) in &self.body {
            map.insert(key.clone(), value.clone());
        }
        Value::Object(map)
    }

    /// Rebuilds an event from the form [`LogEvent::to_json`] wrote, as the write-ahead log
    /// reads it back. Returns `None` when the reserved fields are missing or mistyped.
    pub fn from_json(value: Value) -> Option<Self> {
        let Value::Object(mut body) = value else {
            return None;
        };
        let id = match body.remove("id")? {
            Value::String(id) => id,
            _ => return None,
        };
        let timestamp = body.remove("timestamp")?.as_i64()?;
        let event_message = match body.remove("event_message") {
            Some(Value::String(message)) => Some(message),
            None => None,
            Some(_) => return None,
        };
        Some(Self {
            id,
            timestamp,
            event_message,
            body,
        })
    }

    /// Roughly the heap memory the event takes once parsed, allocator overhead included: its
    /// strings, and the B-tree nodes of its objects. Memory is bounded by this, not by the size
    /// of the JSON the event came in: an API gateway event of 580 bytes of JSON takes about
    /// 4 KB as a tree of values.
    pub fn memory_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + string_size(&self.id)
            + self.event_message.as_deref().map_or(0, string_size)
            + map_size(&self.body)
    }

    /// Returns the value at a dotted path (`metadata.request.path`), looking into objects only.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut current = self.body.get(parts.next()?)?;
        for part in parts {
            current = current.as_object()?.get(part)?;
        }
        Some(current)
    }
}

/// What an allocation costs beyond the bytes asked for (glibc's header, rounded up).
const ALLOCATION_OVERHEAD: usize = 16;
/// A node of the B-tree behind `serde_json::Map`: eleven `(String, Value)` slots and a header;
/// the nodes of a tree are about three quarters full.
const MAP_NODE_SIZE: usize = 11 * (std::mem::size_of::<String>() + std::mem::size_of::<Value>()) + 16;
const MAP_NODE_ENTRIES: usize = 8;

fn allocation(bytes: usize) -> usize {
    if bytes == 0 {
        0
    } else {
        bytes.next_multiple_of(16) + ALLOCATION_OVERHEAD
    }
}

fn string_size(text: &str) -> usize {
    allocation(text.len())
}

fn map_size(map: &Map<String, Value>) -> usize {
    let nodes = map.len().div_ceil(MAP_NODE_ENTRIES);
    nodes * allocation(MAP_NODE_SIZE)
        + map
            .iter()
            .map(|(key, value)| string_size(key) + value_size(value))
            .sum::<usize>()
}

/// The heap a value owns (its own slot is counted by its container).
fn value_size(value: &Value) -> usize {
    match value {
        Value::String(text) => string_size(text),
        Value::Array(items) => {
            allocation(items.len() * std::mem::size_of::<Value>()) + items.iter().map(value_size).sum::<usize>()
        }
        Value::Object(map) => map_size(map),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// Serialises as [`LogEvent::to_json`] would, without copying the body.
impl Serialize for LogEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.body.len() + 3))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("timestamp", &self.timestamp)?;
        if let Some(message) = &self.event_message {
            map.serialize_entry("event_message", message)?;
        }
        for (key, value) in &self.body {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trip_keeps_every_field() {
        let event = LogEvent {
            id: "e1".into(),
            timestamp: 1_700_000_000_000_000,
            event_message: Some("hello".into()),
            body: json!({"metadata": {"a": 1}}).as_object().unwrap().clone(),
        };
        let back = LogEvent::from_json(event.to_json()).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), event.to_json());
        assert_eq!(back, event);
        assert_eq!(event.get_path("metadata.a"), Some(&json!(1)));
        assert_eq!(event.get_path("metadata.b"), None);
    }

    #[test]
    fn from_json_refuses_missing_id() {
        assert!(LogEvent::from_json(json!({"timestamp": 1})).is_none());
        assert!(LogEvent::from_json(json!({"id": "x", "timestamp": "soon"})).is_none());
    }
}
