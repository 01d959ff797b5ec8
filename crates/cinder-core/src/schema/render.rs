//! The two read forms of a schema served by `GET /api/sources/:token/schema`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{FieldType, Schema};

impl Schema {
    /// Returns the schema as JSON Schema (draft 2020-12), as Logflare serves it: objects
    /// become `object`s with `properties`, numbers and timestamps `number`, arrays `array`.
    pub fn to_json_schema(&self, id: &str, title: &str) -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": id,
            "title": title,
            "type": "object",
            "properties": properties(&self.fields),
        })
    }

    /// Returns the flat `dot` variant: `{"metadata.status": "integer", "tags": "string[]"}`.
    /// Objects themselves are left out; their leaves are listed.
    pub fn to_dot_map(&self) -> Map<String, Value> {
        self.leaves()
            .into_iter()
            .map(|(path, field)| {
                let name = match field {
                    FieldType::Array(element) => format!("{}[]", element.name()),
                    scalar => scalar.name().to_owned(),
                };
                (path, Value::String(name))
            })
            .collect()
    }

    /// Returns every path that holds a value (not an object), dotted, with its type: objects
    /// and arrays of objects are looked through; an array of values is one leaf.
    pub fn leaves(&self) -> Vec<(String, &FieldType)> {
        let mut out = Vec::new();
        leaves(&self.fields, "", &mut out);
        out
    }
}

fn properties(fields: &BTreeMap<String, FieldType>) -> Map<String, Value> {
    fields
        .iter()
        .map(|(name, field)| (name.clone(), json_schema_type(field)))
        .collect()
}

fn json_schema_type(field: &FieldType) -> Value {
    match field {
        FieldType::String => json!({"type": "string"}),
        FieldType::Integer | FieldType::Float | FieldType::Timestamp => json!({"type": "number"}),
        FieldType::Boolean => json!({"type": "boolean"}),
        FieldType::Record(inner) => json!({"type": "object", "properties": properties(inner)}),
        FieldType::Array(element) => json!({"type": "array", "items": json_schema_type(element)}),
    }
}

fn leaves<'a>(fields: &'a BTreeMap<String, FieldType>, prefix: &str, out: &mut Vec<(String, &'a FieldType)>) {
    for (name, field) in fields {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match field {
            FieldType::Record(inner) => leaves(inner, &path, out),
            FieldType::Array(element) => match element.as_ref() {
                FieldType::Record(inner) => leaves(inner, &path, out),
                _ => out.push((path, field)),
            },
            scalar => out.push((path, scalar)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::LogEvent;

    #[test]
    fn renders_json_schema_and_dot_map() {
        let mut schema = Schema::new();
        let body = json!({"test": {"nested": 1}, "x": ["a"]}).as_object().unwrap().clone();
        schema
            .apply(&mut [LogEvent {
                id: "1".into(),
                timestamp: 0,
                event_message: None,
                body,
            }])
            .unwrap();
        let dot = Value::Object(schema.to_dot_map());
        assert_eq!(
            dot,
            json!({"event_message": "string", "id": "string", "timestamp": "datetime", "test.nested": "integer", "x": "string[]"})
        );
        let full = schema.to_json_schema("/api/sources/t/schema", "my source");
        assert_eq!(full["title"], "my source");
        assert_eq!(full["properties"]["test"]["properties"]["nested"]["type"], "number");
        assert_eq!(
            full["properties"]["x"],
            json!({"type": "array", "items": {"type": "string"}})
        );
    }
}
