//! A source's schema as a BigQuery table schema, and events as `insertAll` rows.
//!
//! Every object is a REPEATED RECORD holding one element, as Logflare stores it: that is why
//! BigQuery SQL reads objects with `CROSS JOIN UNNEST(metadata)`. What BigQuery cannot hold
//! is written so that nothing is lost: an array of arrays becomes an array of JSON texts, and
//! an object with no fields (BigQuery has no empty RECORD) is left out of table and row.

use chrono::{DateTime, SecondsFormat};
use cinder_core::{FieldType, LogEvent, Schema};
use serde_json::{json, Map, Value};

/// The table's fields for `schema`: the reserved three first, then the rest by name.
pub fn table_fields(schema: &Schema) -> Vec<Value> {
    let mut fields = vec![
        json!({"name": "timestamp", "type": "TIMESTAMP", "mode": "REQUIRED"}),
        json!({"name": "id", "type": "STRING", "mode": "NULLABLE"}),
        json!({"name": "event_message", "type": "STRING", "mode": "NULLABLE"}),
    ];
    fields.extend(
        schema
            .fields()
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "timestamp" | "id" | "event_message"))
            .filter_map(|(name, field)| field_json(name, field)),
    );
    fields
}

fn field_json(name: &str, field: &FieldType) -> Option<Value> {
    let scalar = |kind: &str, mode: &str| Some(json!({"name": name, "type": kind, "mode": mode}));
    let record = |fields: &std::collections::BTreeMap<String, FieldType>| {
        let inner: Vec<Value> = fields
            .iter()
            .filter_map(|(name, field)| field_json(name, field))
            .collect();
        (!inner.is_empty()).then(|| json!({"name": name, "type": "RECORD", "mode": "REPEATED", "fields": inner}))
    };
    match field {
        FieldType::Record(fields) => record(fields),
        FieldType::Array(element) => match element.as_ref() {
            FieldType::Record(fields) => record(fields),
            FieldType::Array(_) => scalar("STRING", "REPEATED"),
            scalar_type => scalar(scalar_name(scalar_type), "REPEATED"),
        },
        scalar_type => scalar(scalar_name(scalar_type), "NULLABLE"),
    }
}

fn scalar_name(field: &FieldType) -> &'static str {
    match field {
        FieldType::Integer => "INTEGER",
        FieldType::Float => "FLOAT",
        FieldType::Boolean => "BOOLEAN",
        FieldType::Timestamp => "TIMESTAMP",
        _ => "STRING",
    }
}

/// Merges `wanted` into the `live` table fields: the live fields keep their place and type,
/// records gain their new sub-fields, new fields go at the end. Returns `None` when nothing
/// is new. A type that differs is not changed (BigQuery refuses that); rows whose value does
/// not fit are refused by `insertAll` and reported.
pub fn merge(live: &[Value], wanted: &[Value]) -> Option<Vec<Value>> {
    let mut merged = live.to_vec();
    let mut changed = false;
    for field in wanted {
        let existing = merged.iter_mut().find(|live| same_name(live, field));
        match existing {
            None => {
                merged.push(field.clone());
                changed = true;
            }
            Some(existing) if existing["type"] == "RECORD" && field["type"] == "RECORD" => {
                let live_inner = existing["fields"].as_array().cloned().unwrap_or_default();
                let wanted_inner = field["fields"].as_array().cloned().unwrap_or_default();
                if let Some(inner) = merge(&live_inner, &wanted_inner) {
                    existing["fields"] = Value::Array(inner);
                    changed = true;
                }
            }
            Some(_) => {}
        }
    }
    changed.then_some(merged)
}

/// Fields of `wanted` whose type differs from the live table's, as `path: LIVE → WANTED`.
pub fn type_changes(live: &[Value], wanted: &[Value], prefix: &str) -> Vec<String> {
    let mut changes = Vec::new();
    for field in wanted {
        let Some(existing) = live.iter().find(|live| same_name(live, field)) else {
            continue;
        };
        let path = format!("{prefix}{}", field["name"].as_str().unwrap_or_default());
        let kind = |field: &Value| {
            let kind = field["type"].as_str().unwrap_or_default();
            // BigQuery answers the legacy names; both spellings mean the same type.
            match kind {
                "INT64" => "INTEGER",
                "FLOAT64" => "FLOAT",
                "BOOL" => "BOOLEAN",
                "STRUCT" => "RECORD",
                other => other,
            }
            .to_owned()
        };
        if kind(existing) != kind(field) || existing["mode"] != field["mode"] && existing["mode"] == "REPEATED" {
            changes.push(format!("{path}: {} → {}", kind(existing), kind(field)));
        } else if kind(field) == "RECORD" {
            let live_inner = existing["fields"].as_array().cloned().unwrap_or_default();
            let wanted_inner = field["fields"].as_array().cloned().unwrap_or_default();
            changes.extend(type_changes(&live_inner, &wanted_inner, &format!("{path}.")));
        }
    }
    changes
}

/// Whether two table fields have the same name (BigQuery's names ignore case).
fn same_name(one: &Value, other: &Value) -> bool {
    match (one["name"].as_str(), other["name"].as_str()) {
        (Some(one), Some(other)) => one.eq_ignore_ascii_case(other),
        _ => false,
    }
}

/// The `insertAll` row for an event: objects as one-element arrays, the timestamp in RFC 3339.
pub fn row(event: &LogEvent) -> Value {
    let mut row = Map::with_capacity(event.body.len() + 3);
    row.insert("id".into(), Value::String(event.id.clone()));
    row.insert("timestamp".into(), Value::String(rfc3339(event.timestamp)));
    if let Some(message) = &event.event_message {
        row.insert("event_message".into(), Value::String(message.clone()));
    }
    for (key, value) in &event.body {
        if let Some(value) = encode(value) {
            row.insert(key.clone(), value);
        }
    }
    Value::Object(row)
}

/// A timestamp in microseconds as RFC 3339 with microseconds, in UTC.
pub fn rfc3339(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn encode(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Object(map) => {
            let fields = encode_fields(map);
            (!fields.is_empty()).then(|| Value::Array(vec![Value::Object(fields)]))
        }
        Value::Array(items) => Some(Value::Array(items.iter().map(encode_item).collect())),
        scalar => Some(scalar.clone()),
    }
}

fn encode_fields(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter_map(|(key, value)| encode(value).map(|value| (key.clone(), value)))
        .collect()
}

/// An array element: an object is a record of the REPEATED RECORD (not wrapped again); an
/// array is kept as its JSON text. A NULL element is sent as it is, for BigQuery to refuse.
fn encode_item(item: &Value) -> Value {
    match item {
        Value::Object(map) => Value::Object(encode_fields(map)),
        Value::Array(_) => Value::String(item.to_string()),
        scalar => scalar.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(body: Value) -> Schema {
        let mut schema = Schema::new();
        let mut events = [LogEvent {
            id: "1".into(),
            timestamp: 0,
            event_message: None,
            body: body.as_object().unwrap().clone(),
        }];
        schema.apply(&mut events).unwrap();
        schema
    }

    #[test]
    fn objects_are_repeated_records_and_what_bigquery_cannot_hold_is_kept() {
        let schema = schema_of(json!({
            "metadata": {"status": 200, "request": {"path": "/"}, "empty": {}},
            "tags": ["a"], "grid": [[1]], "hops": [{"ms": 1.5}], "ok": true
        }));
        let fields = table_fields(&schema);
        assert_eq!(
            fields[0],
            json!({"name": "timestamp", "type": "TIMESTAMP", "mode": "REQUIRED"})
        );
        let by_name = |name: &str| fields.iter().find(|field| field["name"] == name).cloned();
        assert_eq!(by_name("grid").unwrap()["type"], "STRING");
        assert_eq!(by_name("grid").unwrap()["mode"], "REPEATED");
        assert_eq!(by_name("tags").unwrap()["mode"], "REPEATED");
        assert_eq!(by_name("ok").unwrap()["type"], "BOOLEAN");
        assert_eq!(
            by_name("hops").unwrap(),
            json!({"name": "hops", "type": "RECORD", "mode": "REPEATED",
                   "fields": [{"name": "ms", "type": "FLOAT", "mode": "NULLABLE"}]})
        );
        let metadata = by_name("metadata").unwrap();
        assert_eq!(metadata["mode"], "REPEATED");
        let names: Vec<_> = metadata["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].clone())
            .collect();
        assert_eq!(
            names,
            [json!("request"), json!("status")],
            "the empty object is left out"
        );
    }

    #[test]
    fn rows_wrap_objects_once_and_write_rfc3339_timestamps() {
        let event = LogEvent {
            id: "e1".into(),
            timestamp: 1_700_000_000_123_456,
            event_message: Some("hi".into()),
            body: json!({"metadata": {"request": {"path": "/"}, "nothing": null, "empty": {}},
                         "hops": [{"at": {"x": 1}}], "grid": [[1, 2]]})
            .as_object()
            .unwrap()
            .clone(),
        };
        assert_eq!(
            row(&event),
            json!({
                "id": "e1", "timestamp": "2023-11-14T22:13:20.123456Z", "event_message": "hi",
                "metadata": [{"request": [{"path": "/"}]}],
                "hops": [{"at": [{"x": 1}]}], "grid": ["[1,2]"]
            })
        );
    }

    #[test]
    fn merging_adds_new_fields_and_keeps_live_types() {
        let live = vec![
            json!({"name": "id", "type": "STRING"}),
            json!({"name": "m", "type": "RECORD", "mode": "REPEATED", "fields": [{"name": "a", "type": "INTEGER"}]}),
        ];
        let wanted = vec![
            json!({"name": "id", "type": "INTEGER"}),
            json!({"name": "m", "type": "RECORD", "mode": "REPEATED",
                   "fields": [{"name": "a", "type": "INTEGER"}, {"name": "b", "type": "STRING"}]}),
            json!({"name": "n", "type": "BOOLEAN"}),
        ];
        let merged = merge(&live, &wanted).unwrap();
        assert_eq!(merged[0], live[0], "a live type is never changed");
        assert_eq!(merged[1]["fields"][1]["name"], "b");
        assert_eq!(merged[2]["name"], "n");
        assert_eq!(merge(&merged, &wanted), None, "nothing new the second time");
        assert_eq!(type_changes(&live, &wanted, ""), ["id: STRING → INTEGER"]);
    }
}
