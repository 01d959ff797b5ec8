//! Query results: BigQuery's `{"f": [{"v": ...}]}` rows, read through the answer's schema
//! into rows encoded as on every backend (timestamps as integer microseconds, objects as
//! one-element arrays, numbers as numbers).

use serde_json::{Map, Number, Value};

/// One page of rows, read through `fields` (the answer's `schema.fields`).
pub fn decode_rows(fields: &[Value], rows: &[Value]) -> Vec<Map<String, Value>> {
    rows.iter()
        .map(|row| {
            let cells = row["f"].as_array().map(Vec::as_slice).unwrap_or_default();
            fields
                .iter()
                .zip(cells)
                .map(|(field, cell)| (name(field), decode_column(field, &cell["v"])))
                .collect()
        })
        .collect()
}

/// A result column. An object the event did not have comes back from BigQuery as an empty
/// REPEATED RECORD (or NULL); the other backends answer NULL, and so does this one.
fn decode_column(field: &Value, value: &Value) -> Value {
    let decoded = decode_field(field, value);
    let record = matches!(field["type"].as_str(), Some("RECORD" | "STRUCT"));
    if record && decoded.as_array().is_some_and(Vec::is_empty) {
        return Value::Null;
    }
    decoded
}

/// The column names of an answer.
pub fn column_names(fields: &[Value]) -> Vec<String> {
    fields.iter().map(name).collect()
}

fn name(field: &Value) -> String {
    field["name"].as_str().unwrap_or_default().to_owned()
}

fn decode_field(field: &Value, value: &Value) -> Value {
    if field["mode"] == "REPEATED" {
        return match value {
            Value::Array(items) => Value::Array(items.iter().map(|item| decode_value(field, &item["v"])).collect()),
            _ => Value::Array(Vec::new()),
        };
    }
    decode_value(field, value)
}

fn decode_value(field: &Value, value: &Value) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    match field["type"].as_str().unwrap_or_default() {
        "RECORD" | "STRUCT" => {
            let inner = field["fields"].as_array().map(Vec::as_slice).unwrap_or_default();
            let cells = value["f"].as_array().map(Vec::as_slice).unwrap_or_default();
            let record: Map<String, Value> = inner
                .iter()
                .zip(cells)
                .map(|(field, cell)| (name(field), decode_field(field, &cell["v"])))
                // BigQuery cannot tell an absent field from a NULL one or an omitted array:
                // a record keeps the fields that hold something, as the event had them.
                .filter(|(_, value)| !value.is_null() && value.as_array().is_none_or(|items| !items.is_empty()))
                .collect();
            Value::Object(record)
        }
        "INTEGER" | "INT64" => value
            .as_str()
            .and_then(|text| text.parse::<i64>().ok())
            .map_or_else(|| value.clone(), Value::from),
        "FLOAT" | "FLOAT64" | "NUMERIC" | "BIGNUMERIC" => value
            .as_str()
            .and_then(|text| text.parse::<f64>().ok())
            .and_then(Number::from_f64)
            .map_or_else(|| value.clone(), Value::Number),
        "BOOLEAN" | "BOOL" => match value.as_str() {
            Some("true") => Value::Bool(true),
            Some("false") => Value::Bool(false),
            _ => value.clone(),
        },
        "TIMESTAMP" => value
            .as_str()
            .and_then(timestamp_micros)
            .map_or_else(|| value.clone(), Value::from),
        "JSON" => value
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_else(|| value.clone()),
        _ => value.clone(),
    }
}

/// A TIMESTAMP cell as microseconds: an integer (`formatOptions.useInt64Timestamp`), or the
/// seconds BigQuery writes otherwise (`1.7040672011234E9`), read exactly as a decimal.
fn timestamp_micros(text: &str) -> Option<i64> {
    if let Ok(micros) = text.parse::<i64>() {
        return Some(micros);
    }
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let negative = mantissa.starts_with('-');
    let mantissa = mantissa.trim_start_matches(['-', '+']);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    // digits × 10^(exponent - fraction length) seconds, × 10^6 for microseconds.
    let digits: String = format!("{whole}{fraction}");
    let scale = exponent - fraction.len() as i32 + 6;
    let digits = digits.trim_start_matches('0');
    let value: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    let micros = if scale >= 0 {
        value.checked_mul(10i128.checked_pow(scale as u32)?)?
    } else {
        value / 10i128.checked_pow((-scale) as u32).unwrap_or(i128::MAX)
    };
    let micros = i64::try_from(micros).ok()?;
    Some(if negative { -micros } else { micros })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_are_read_through_the_schema() {
        let fields: Vec<Value> = serde_json::from_value(json!([
            {"name": "id", "type": "STRING", "mode": "NULLABLE"},
            {"name": "timestamp", "type": "TIMESTAMP", "mode": "NULLABLE"},
            {"name": "tags", "type": "STRING", "mode": "REPEATED"},
            {"name": "n", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "f", "type": "FLOAT", "mode": "NULLABLE"},
            {"name": "ok", "type": "BOOLEAN", "mode": "NULLABLE"},
            {"name": "metadata", "type": "RECORD", "mode": "REPEATED", "fields": [
                {"name": "status", "type": "INTEGER", "mode": "NULLABLE"},
                {"name": "gone", "type": "STRING", "mode": "NULLABLE"},
                {"name": "request", "type": "RECORD", "mode": "REPEATED", "fields": [
                    {"name": "path", "type": "STRING", "mode": "NULLABLE"}]}]},
            {"name": "d", "type": "DATETIME", "mode": "NULLABLE"}
        ]))
        .unwrap();
        let rows = vec![json!({"f": [
            {"v": "a"}, {"v": "1704067201123456"}, {"v": [{"v": "x"}, {"v": "y"}]}, {"v": "42"}, {"v": "1.5"},
            {"v": "true"},
            {"v": [{"v": {"f": [{"v": "200"}, {"v": null}, {"v": [{"v": {"f": [{"v": "/p"}]}}]}]}}]},
            {"v": "2024-01-01T00:00:01.123456"}
        ]})];
        let decoded = decode_rows(&fields, &rows);
        assert_eq!(
            Value::Object(decoded[0].clone()),
            json!({"id": "a", "timestamp": 1_704_067_201_123_456_i64, "tags": ["x", "y"], "n": 42, "f": 1.5,
                   "ok": true, "metadata": [{"status": 200, "request": [{"path": "/p"}]}],
                   "d": "2024-01-01T00:00:01.123456"})
        );
    }

    #[test]
    fn timestamps_in_seconds_are_read_exactly() {
        assert_eq!(timestamp_micros("1.7040672011234E9"), Some(1_704_067_201_123_400));
        assert_eq!(timestamp_micros("1704067201.123456"), Some(1_704_067_201_123_456));
        assert_eq!(timestamp_micros("1704067201123456"), Some(1_704_067_201_123_456));
        assert_eq!(timestamp_micros("-1.5E0"), Some(-1_500_000));
        assert_eq!(timestamp_micros("soon"), None);
    }
}
