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
    /// Whether the event passes this rule.
    pub fn matches(&self, event: &Value) -> bool {
        let field = self
            .path
            .split('.')
            .try_fold(event, |value, key| value.get(key))
            .filter(|value| !value.is_null());
        let Some(field) = field else {
            return (self.operator == Operator::IsNull) != self.negated;
        };
        let holds = match (&self.operator, &self.value) {
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
        };
        holds != self.negated
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

fn regex_matches(pattern: &str, value: &Value) -> bool {
    // An invalid pattern matches nothing, as an engine's regex error fails the query.
    let Ok(regex) = Regex::new(pattern) else { return false };
    text(value).is_some_and(|text| regex.is_match(&text))
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
