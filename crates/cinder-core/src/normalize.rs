//! Turns a raw JSON object into a [`LogEvent`], as Logflare's `LogEvent.make` does.
//!
//! The steps, in order: pick the message, keep or mint the id, read the timestamp, drop
//! empty values and rewrite keys to BigQuery column rules, then apply the source's
//! `custom_event_message_keys`. Schema checks are [`crate::schema`]'s job.

use std::borrow::Cow;

use chrono::DateTime;
use serde_json::{Map, Value};

use crate::event::LogEvent;

/// Per-source settings that change how an event is normalised.
#[derive(Debug, Clone, Default)]
pub struct NormalizeOptions<'a> {
    /// The source's `custom_event_message_keys`: comma-separated keys whose values, joined
    /// with ` | `, become the event message.
    pub custom_event_message_keys: Option<&'a str>,
}

/// Normalises one raw event. `now_micros` is used when the event has no usable timestamp.
pub fn normalize(mut raw: Map<String, Value>, options: &NormalizeOptions, now_micros: i64) -> LogEvent {
    let message = take_message(&mut raw);
    let id = match raw.remove("id") {
        Some(Value::String(id)) if !id.is_empty() => id,
        Some(Value::Null) | Some(Value::String(_)) | None => uuid::Uuid::new_v4().to_string(),
        Some(other) => other.to_string(),
    };
    let timestamp = raw
        .remove("timestamp")
        .and_then(|value| parse_timestamp(&value))
        .unwrap_or(now_micros);
    clean_object(&mut raw);

    let mut event = LogEvent {
        id,
        timestamp,
        event_message: message,
        body: raw,
    };
    if let Some(keys) = options.custom_event_message_keys.filter(|keys| !keys.trim().is_empty()) {
        event.event_message = Some(custom_event_message(&event, keys));
    }
    event
}

/// Picks the event message from `message`, `event_message` or `log_entry`, in that order
/// (Logflare: `message` wins). `message` is removed from the body only when it equals the
/// chosen message, so no information is lost.
fn take_message(raw: &mut Map<String, Value>) -> Option<String> {
    let event_message = raw.remove("event_message").filter(|value| !is_empty_value(value));
    let candidate = raw
        .get("message")
        .filter(|value| !is_empty_value(value))
        .cloned()
        .or(event_message.clone())
        .or_else(|| raw.get("log_entry").filter(|value| !is_empty_value(value)).cloned())?;
    let message = match candidate {
        Value::String(text) => text,
        other => other.to_string(),
    };
    if raw.get("message").and_then(Value::as_str) == Some(message.as_str()) {
        raw.remove("message");
    }
    Some(message)
}

fn custom_event_message(event: &LogEvent, keys: &str) -> String {
    let parts: Vec<String> = keys
        .split(',')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .filter_map(|key| match key {
            "id" => Some(event.id.clone()),
            "message" | "event_message" => event.event_message.clone(),
            _ => {
                let path = key
                    .strip_prefix("m.")
                    .map_or(Cow::Borrowed(key), |rest| Cow::Owned(format!("metadata.{rest}")));
                event.get_path(&path).map(|value| match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
            }
        })
        .collect();
    parts.join(" | ")
}

/// Reads a timestamp as integer microseconds since the epoch, UTC.
///
/// Strings must be RFC 3339 with an offset (0–9 fraction digits). Numbers are Unix time in
/// seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude (Logflare
/// goes by digit count: 10, 13, 16, 19). Returns `None` for anything else, and the caller
/// uses the time of arrival, as Logflare does.
pub fn parse_timestamp(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => {
            let parsed = DateTime::parse_from_rfc3339(text.trim()).ok()?;
            Some(parsed.timestamp_micros())
        }
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                (int >= 0).then(|| integer_to_micros(int))
            } else {
                let float = number.as_f64()?;
                (float.is_finite() && float >= 0.0).then(|| float_to_micros(float))
            }
        }
        _ => None,
    }
}

fn integer_to_micros(value: i64) -> i64 {
    match value {
        0..=99_999_999_999 => value.saturating_mul(1_000_000),
        100_000_000_000..=99_999_999_999_999 => value * 1_000,
        100_000_000_000_000..=99_999_999_999_999_999 => value,
        _ => value / 1_000,
    }
}

fn float_to_micros(value: f64) -> i64 {
    let scale = match value {
        v if v < 1e11 => 1e6,
        v if v < 1e14 => 1e3,
        v if v < 1e17 => 1.0,
        _ => 1e-3,
    };
    (value * scale).round() as i64
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// Drops `null`, `""`, `{}` and `[]` values, deeply (containers emptied by this go too), and
/// rewrites every key to BigQuery column rules.
fn clean_object(map: &mut Map<String, Value>) {
    let needs_rename = map.keys().any(|key| matches!(sanitize_key(key), Cow::Owned(_)));
    if needs_rename {
        let old = std::mem::take(map);
        for (key, value) in old {
            map.insert(sanitize_key(&key).into_owned(), value);
        }
    }
    map.retain(|_, value| {
        clean_value(value);
        !is_empty_value(value)
    });
}

fn clean_value(value: &mut Value) {
    match value {
        Value::Object(map) => clean_object(map),
        Value::Array(items) => items.retain_mut(|item| {
            clean_value(item);
            !is_empty_value(item)
        }),
        _ => {}
    }
}

const RESERVED_PREFIXES: [&str; 9] = [
    "_TABLE_",
    "_FILE_",
    "_PARTITION",
    "_ROW_TIMESTAMP",
    "__ROOT__",
    "_COLIDENTIFIER",
    "_CHANGE_SEQUENCE_NUMBER",
    "_CHANGE_TYPE",
    "_CHANGE_TIMESTAMP",
];
const MAX_KEY_BYTES: usize = 128;

/// Rewrites a key to BigQuery column rules exactly as Logflare does, so queries written
/// against Logflare find the same names: `status-code` → `_status_code`, `x.y` → `_x_y`,
/// `1foo` → `_1foo`. Valid keys are returned unchanged; the function is idempotent.
pub fn sanitize_key(key: &str) -> Cow<'_, str> {
    let simple = key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let leading_digit = key.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let reserved = RESERVED_PREFIXES.iter().any(|prefix| key.starts_with(prefix));
    if simple && !leading_digit && !reserved && key.len() <= MAX_KEY_BYTES {
        return Cow::Borrowed(key);
    }
    let dash = key.contains('-');
    let other = key
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    let prefix_count = usize::from(reserved)
        + usize::from(dash)
        + usize::from(leading_digit && !reserved && !dash)
        + usize::from(other);
    let mut out = "_".repeat(prefix_count);
    out.extend(
        key.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }),
    );
    if out.len() > MAX_KEY_BYTES {
        // Everything is ASCII by now, so any byte index is a char boundary.
        out = format!("_{}", &out[..MAX_KEY_BYTES]);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn sanitize_key_matches_logflare_examples() {
        let cases = [
            ("status-code", "_status_code"),
            ("a-b-c", "_a_b_c"),
            ("--", "___"),
            ("foo!", "_foo_"),
            ("a b", "_a_b"),
            ("x.y", "_x_y"),
            ("é", "__"),
            ("1foo", "_1foo"),
            ("1-key", "_1_key"),
            ("_TABLE_1foo", "__TABLE_1foo"),
            ("_TABLE_-foo", "___TABLE__foo"),
            ("1key!", "__1key_"),
            ("a-b!", "__a_b_"),
            ("1-key!", "__1_key_"),
            ("_TABLE_a!", "___TABLE_a_"),
            ("1é", "__1_"),
            ("x_TABLE_y", "x_TABLE_y"),
            ("_TABLE_", "__TABLE_"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize_key(input), expected, "key {input:?}");
            assert_eq!(sanitize_key(expected), expected, "idempotent on {expected:?}");
        }
        let long = "a".repeat(129);
        assert_eq!(sanitize_key(&long), format!("_{}", "a".repeat(128)));
        let reserved_long = format!("_TABLE_{}", "a".repeat(121));
        assert_eq!(sanitize_key(&reserved_long), format!("___TABLE_{}", "a".repeat(120)));
    }

    #[test]
    fn timestamps_from_strings_and_numbers() {
        let expected = 1_700_000_000_123_456;
        for value in [
            json!("2023-11-14T22:13:20.123456Z"),
            json!("2023-11-14T22:13:20.123456789Z"),
            json!("2023-11-15T00:13:20.123456+02:00"),
            json!(1_700_000_000_123_456_i64),
            json!(1_700_000_000_123_456_000_i64),
        ] {
            assert_eq!(parse_timestamp(&value), Some(expected), "{value}");
        }
        assert_eq!(
            parse_timestamp(&json!("2023-11-14T22:13:20Z")),
            Some(1_700_000_000_000_000)
        );
        assert_eq!(parse_timestamp(&json!(1_700_000_000)), Some(1_700_000_000_000_000));
        assert_eq!(
            parse_timestamp(&json!(1_700_000_000_123_i64)),
            Some(1_700_000_000_123_000)
        );
        assert_eq!(parse_timestamp(&json!(1_700_000_000.5)), Some(1_700_000_000_500_000));
        for bad in [
            json!("2024-01-01T00:00:00"),
            json!("yesterday"),
            json!(-5),
            json!(true),
            json!(""),
        ] {
            assert_eq!(parse_timestamp(&bad), None, "{bad}");
        }
    }

    #[test]
    fn normalize_picks_message_id_and_cleans_body() {
        let raw = object(json!({
            "message": "hi", "id": "abc", "timestamp": "2023-11-14T22:13:20Z",
            "metadata": {"status-code": 200, "empty": "", "gone": null, "nested": {"x": []}, "list": [null, 1]}
        }));
        let event = normalize(raw, &NormalizeOptions::default(), 42);
        assert_eq!(event.id, "abc");
        assert_eq!(event.timestamp, 1_700_000_000_000_000);
        assert_eq!(event.event_message.as_deref(), Some("hi"));
        assert_eq!(
            Value::Object(event.body),
            json!({"metadata": {"_status_code": 200, "list": [1]}})
        );
    }

    #[test]
    fn normalize_keeps_a_differing_message_and_mints_ids() {
        let raw = object(json!({"message": "a", "event_message": "b"}));
        let event = normalize(raw, &NormalizeOptions::default(), 42);
        assert_eq!(event.event_message.as_deref(), Some("a"));
        assert_eq!(event.timestamp, 42);
        assert_eq!(event.id.len(), 36);
        assert!(
            event.body.is_empty(),
            "message equal to event_message is folded: {:?}",
            event.body
        );

        let event = normalize(
            object(json!({"log_entry": "from log_entry"})),
            &NormalizeOptions::default(),
            0,
        );
        assert_eq!(event.event_message.as_deref(), Some("from log_entry"));
    }

    #[test]
    fn custom_event_message_keys_join_values() {
        let raw = object(json!({"event_message": "m", "metadata": {"user": "u1", "code": 7}, "level": "warn"}));
        let options = NormalizeOptions {
            custom_event_message_keys: Some("level, m.user,m.code, message, missing"),
        };
        let event = normalize(raw, &options, 0);
        assert_eq!(event.event_message.as_deref(), Some("warn | u1 | 7 | m"));
    }
}
