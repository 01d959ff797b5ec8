//! Query results, encoded as Logflare encodes them.

use serde_json::{Map, Value};

/// The rows of a query result, each a JSON object of column name → value, encoded the way
/// Logflare answers (timestamps as integer microseconds, objects as one-element arrays).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// Column names in select order.
    pub columns: Vec<String>,
    /// One JSON object per row.
    pub rows: Vec<Map<String, Value>>,
}

/// Encodes a JSON value read from an event the way Logflare's BigQuery backend returns it:
/// every object nested under a key becomes a one-element array (a REPEATED RECORD), and the
/// value itself too when it is an object.
pub fn encode_json_value(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Array(vec![Value::Object(encode_object_fields(map))]),
        Value::Array(items) => Value::Array(items.into_iter().map(encode_array_item).collect()),
        other => other,
    }
}

fn encode_object_fields(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .map(|(key, value)| (key, encode_json_value(value)))
        .collect()
}

/// Objects inside arrays are already records of a REPEATED RECORD: they are not wrapped again.
fn encode_array_item(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(encode_object_fields(map)),
        other => encode_json_value(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_become_one_element_arrays() {
        let value = json!({"a": {"b": 1}, "list": [{"c": {"d": 2}}], "n": 3});
        assert_eq!(
            encode_json_value(value),
            json!([{"a": [{"b": 1}], "list": [{"c": [{"d": 2}]}], "n": 3}])
        );
    }
}
