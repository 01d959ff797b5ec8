//! Evaluating filter rules against one event, as routing rules do.
//!
//! The event is its JSON form (`LogEvent::to_json`: `id`, `timestamp` in microseconds,
//! `event_message` and the body's fields). A rule on a missing or null field fails, and its
//! negation holds, as the SQL form `(field IS NULL) OR NOT (...)` says.

use std::cmp::Ordering;

use regex::Regex;
use serde_json::Value;

use super::{Filter, Lql, LqlValue, Operator};

impl Lql {
    /// Whether the event passes every filter rule.
    pub fn matches(&self, event: &Value) -> bool {
        self.filters.iter().all(|filter| filter.matches(event))
    }
}

impl Filter {
    /// Whether the event passes this rule. The path descends into arrays of objects, as
    /// Logflare's router does (`metadata.request.path` over `metadata: [{request: ...}]`); the
    /// rule holds when any value found holds.
    pub fn matches(&self, event: &Value) -> bool {
        let mut values = vec![event];
        for key in self.path.split('.') {
            let mut next = Vec::new();
            for value in values {
                match value {
                    Value::Object(map) => next.extend(map.get(key)),
                    Value::Array(items) => next.extend(items.iter().filter_map(|item| item.get(key))),
                    _ => {}
                }
            }
            values = next;
        }
        values.retain(|value| !value.is_null());
        if values.is_empty() {
            return (self.operator == Operator::IsNull) != self.negated;
        }
        values.iter().any(|field| self.holds(field)) != self.negated
    }

    fn holds(&self, field: &Value) -> bool {
        match (&self.operator, &self.value) {
            (Operator::IsNull, _) => false,
            (Operator::Eq, value) => compare(field, value) == Some(Ordering::Equal),
            (Operator::Gt, value) => compare(field, value) == Some(Ordering::Greater),
            (Operator::Ge, value) => matches!(compare(field, value), Some(Ordering::Greater | Ordering::Equal)),
            (Operator::Lt, value) => compare(field, value) == Some(Ordering::Less),
            (Operator::Le, value) => matches!(compare(field, value), Some(Ordering::Less | Ordering::Equal)),
            (Operator::Range, LqlValue::Range(low, high)) => {
                matches!(compare(field, low), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(compare(field, high), Some(Ordering::Less | Ordering::Equal))
            }
            (Operator::In, LqlValue::List(values)) => values
                .iter()
                .any(|value| compare(field, value) == Some(Ordering::Equal)),
            (Operator::Contains, LqlValue::String(needle)) => {
                text(field).is_some_and(|text| text.contains(needle.as_str()))
            }
            (Operator::Regex, LqlValue::String(pattern)) => regex_matches(pattern, field),
            (Operator::ListIncludes, value) => field
                .as_array()
                .is_some_and(|items| items.iter().any(|item| compare(item, value) == Some(Ordering::Equal))),
            (Operator::ListIncludesRegex, LqlValue::String(pattern)) => field
                .as_array()
                .is_some_and(|items| items.iter().any(|item| regex_matches(pattern, item))),
            _ => false,
        }
    }
}

/// A scalar's text: strings as they are, numbers and booleans written out.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Patterns compiled per thread: routing rules match every event of every request, and a rule
/// has few patterns. Bounded by clearing, which costs a recompile at worst.
const CACHED_PATTERNS: usize = 256;

thread_local! {
    static PATTERNS: std::cell::RefCell<std::collections::HashMap<String, Option<Regex>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

fn regex_matches(pattern: &str, value: &Value) -> bool {
    let Some(text) = text(value) else { return false };
    PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        if !patterns.contains_key(pattern) {
            if patterns.len() >= CACHED_PATTERNS {
                patterns.clear();
            }
            // An invalid pattern matches nothing, as an engine's regex error fails the query.
            patterns.insert(pattern.to_owned(), Regex::new(pattern).ok());
        }
        patterns[pattern].as_ref().is_some_and(|regex| regex.is_match(&text))
    })
}

/// Orders a field against a rule's value: numbers numerically, text as text, timestamps by
/// instant. `None` when they cannot be compared.
fn compare(field: &Value, value: &LqlValue) -> Option<Ordering> {
    match value {
        LqlValue::Integer(integer) => field.as_f64()?.partial_cmp(&(*integer as f64)),
        LqlValue::Float(float) => field.as_f64()?.partial_cmp(float),
        LqlValue::Boolean(flag) => Some(field.as_bool()?.cmp(flag)),
        LqlValue::Timestamp(micros) => match field {
            Value::Number(number) => number.as_i64().map(|field| field.cmp(micros)),
            Value::String(text) => super::timestamp::instant(text).ok().map(|(field, _)| field.cmp(micros)),
            _ => None,
        },
        LqlValue::String(expected) => match field {
            Value::String(text) => Some(text.as_str().cmp(expected)),
            // `m.status:200` where the schema made it text: compare as text.
            Value::Number(_) | Value::Bool(_) => Some(text(field)?.cmp(expected)),
            _ => None,
        },
        LqlValue::Range(..) | LqlValue::List(_) | LqlValue::Null => None,
    }
}
