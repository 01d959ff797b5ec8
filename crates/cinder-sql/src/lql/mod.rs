//! LQL, Logflare's search language: `error m.status:>=500 t:last@1h c:count(*) s:m.path`.
//!
//! [`parse`] reads the whole grammar into an [`Lql`] (filter rules, a chart, selects, a FROM);
//! [`Lql::to_sql`] writes it as a BigQuery-dialect query, which the translator takes like any
//! other (so LQL means the same on every engine, with every value a bound parameter); and
//! [`Lql::matches`] evaluates the filter rules against one event, for routing rules.

mod edit;
mod matcher;
mod parse;
mod sql;
mod timestamp;

pub use edit::{add_rule, replace_time, rule, time_clauses};
pub use parse::parse;
pub use sql::LqlSql;

/// A parsed LQL query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lql {
    /// Every rule must hold.
    pub filters: Vec<Filter>,
    /// `c:` rules, merged into one.
    pub chart: Option<Chart>,
    /// `s:` rules, in order.
    pub selects: Vec<SelectRule>,
    /// `f:` — the CTE of a sandboxed endpoint to search.
    pub from: Option<String>,
}

/// One filter rule: `path <operator> value`, possibly negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// Dotted path from the event's top level (`m.` is written out as `metadata.`).
    pub path: String,
    /// The comparison.
    pub operator: Operator,
    /// What the field is compared with.
    pub value: LqlValue,
    /// `-` before the rule: the field is missing, or the comparison fails.
    pub negated: bool,
}

/// How a field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `:` — equal.
    Eq,
    /// `:>`
    Gt,
    /// `:>=`
    Ge,
    /// `:<`
    Lt,
    /// `:<=`
    Le,
    /// `:~` and `~word` — a regular expression matches somewhere in the text.
    Regex,
    /// A bare word or quoted string: the event message contains it.
    Contains,
    /// `:@>` — the array holds the value.
    ListIncludes,
    /// `:@>~` — an element of the array matches the regular expression.
    ListIncludesRegex,
    /// `a..b` — between, inclusive.
    Range,
    /// `:NULL` — the field is missing or null.
    IsNull,
    /// One of several values (`metadata.level:debug..critical`).
    In,
}

/// A value in a filter rule.
#[derive(Debug, Clone, PartialEq)]
pub enum LqlValue {
    /// Text.
    String(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction.
    Float(f64),
    /// `true` / `false`.
    Boolean(bool),
    /// Microseconds since the epoch, UTC.
    Timestamp(i64),
    /// The bounds of a range, inclusive.
    Range(Box<LqlValue>, Box<LqlValue>),
    /// Several values, for [`Operator::In`].
    List(Vec<LqlValue>),
    /// No value ([`Operator::IsNull`]).
    Null,
}

/// A chart: an aggregate of a field per period.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The aggregate.
    pub aggregate: Aggregate,
    /// The aggregated field (`timestamp` for `count(*)`).
    pub path: String,
    /// The width of each bucket.
    pub period: Period,
}

/// A chart's aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// `count(x)`
    Count,
    /// `countd(x)` — distinct values.
    CountDistinct,
    /// `avg(x)`
    Avg,
    /// `sum(x)`
    Sum,
    /// `max(x)`
    Max,
    /// `p50(x)`
    P50,
    /// `p95(x)`
    P95,
    /// `p99(x)`
    P99,
}

/// A chart's bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// One second.
    Second,
    /// One minute (the default).
    Minute,
    /// One hour.
    Hour,
    /// One day.
    Day,
}

/// `s:path@alias`
#[derive(Debug, Clone, PartialEq)]
pub struct SelectRule {
    /// The selected field (`*` for the whole event).
    pub path: String,
    /// Its name in the result.
    pub alias: Option<String>,
}

/// An LQL query that could not be read; the message says what was expected where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("LQL: {0}")]
pub struct LqlError(pub String);

impl Lql {
    /// Checks the rules against a source's schema: every filtered or charted path must exist
    /// and hold a value (not an object), and values take the field's type (`m.status:200`
    /// on a text field compares text).
    pub fn fit(&mut self, schema: &cinder_core::Schema) -> Result<(), LqlError> {
        use cinder_core::FieldType;
        let field = |path: &str| -> Result<FieldType, LqlError> {
            match schema.field(path) {
                None => Err(LqlError(format!("path `{path}` not present in source schema"))),
                Some(FieldType::Record(_)) => {
                    Err(LqlError(format!("field `{path}` is an object, which is not queryable")))
                }
                Some(other) => Ok(other.clone()),
            }
        };
        for filter in &mut self.filters {
            let kind = field(&filter.path)?;
            let target = match &kind {
                FieldType::Array(element) => element.as_ref(),
                other => other,
            };
            filter.value = cast(std::mem::replace(&mut filter.value, LqlValue::Null), target);
        }
        if let Some(chart) = &self.chart {
            let kind = field(&chart.path)?;
            let numeric = matches!(kind, FieldType::Integer | FieldType::Float);
            let counted = matches!(chart.aggregate, Aggregate::Count | Aggregate::CountDistinct);
            if !numeric && !counted && chart.path != "timestamp" {
                return Err(LqlError(format!("chart field `{}` must be a number", chart.path)));
            }
        }
        Ok(())
    }
}

/// A value as the field's type reads it.
fn cast(value: LqlValue, kind: &cinder_core::FieldType) -> LqlValue {
    use cinder_core::FieldType;
    match (value, kind) {
        (LqlValue::Range(low, high), kind) => LqlValue::Range(Box::new(cast(*low, kind)), Box::new(cast(*high, kind))),
        (LqlValue::List(values), kind) => LqlValue::List(values.into_iter().map(|value| cast(value, kind)).collect()),
        (LqlValue::Integer(integer), FieldType::String) => LqlValue::String(integer.to_string()),
        (LqlValue::Float(float), FieldType::String) => LqlValue::String(float.to_string()),
        (LqlValue::Boolean(flag), FieldType::String) => LqlValue::String(flag.to_string()),
        (LqlValue::Integer(integer), FieldType::Float) => LqlValue::Float(integer as f64),
        (LqlValue::String(text), FieldType::Integer) => text.parse().map_or(LqlValue::String(text), LqlValue::Integer),
        (LqlValue::String(text), FieldType::Float) => text.parse().map_or(LqlValue::String(text), LqlValue::Float),
        (LqlValue::String(text), FieldType::Boolean) => text.parse().map_or(LqlValue::String(text), LqlValue::Boolean),
        (value, _) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2026-06-01T10:30:00Z
    const NOW: i64 = 1_780_309_800_000_000;

    fn matches(lql: &str, event: serde_json::Value) -> bool {
        parse(lql, NOW).unwrap().matches(&event)
    }

    #[test]
    fn the_matcher_descends_into_arrays_of_objects() {
        let event =
            serde_json::json!({"metadata": [{"request": [{"path": "/a"}, {"path": "/b"}]}], "tags": ["x", "y"]});
        assert!(matches(r#"metadata.request.path:"/b""#, event.clone()));
        assert!(!matches(r#"metadata.request.path:"/c""#, event.clone()));
        assert!(matches(r#"-metadata.request.path:"/c""#, event.clone()));
        assert!(matches("tags:@>y", event.clone()));
        assert!(matches("metadata.response:NULL", event));
    }

    #[test]
    fn free_text_is_a_case_sensitive_substring_of_the_message() {
        let event = json!({"event_message": "GET /rest/v1/todos 200"});
        assert!(matches("GET", event.clone()));
        assert!(!matches("get", event.clone()));
        assert!(matches("\"rest/v1/todos 200\"", event.clone()));
        assert!(matches("~^GET\\s/rest", event.clone()));
        assert!(!matches("-GET", event));
    }

    #[test]
    fn negation_holds_for_a_missing_field() {
        let missing = json!({"event_message": "x"});
        let present = json!({"event_message": "x", "metadata": {"status": 500}});
        assert!(matches("-m.status:500", missing.clone()));
        assert!(!matches("-m.status:500", present.clone()));
        assert!(matches("m.status:NULL", missing.clone()));
        assert!(!matches("-m.status:NULL", missing));
        assert!(matches("m.status:>=500 m.status:400..599", present));
    }

    #[test]
    fn timestamps_compare_as_instants() {
        let event = json!({"timestamp": NOW - 60_000_000});
        assert!(matches("t:last@5m", event.clone()));
        assert!(!matches("t:last@30s", event.clone()));
        assert!(matches("t:today", event.clone()));
        assert!(matches("t:>2026-06-01T12:28:00+02:00", event.clone()));
        assert!(!matches("t:yesterday", event));
    }

    #[test]
    fn arrays_and_levels() {
        let event = json!({"metadata": {"tags": ["alpha", "beta"], "level": "warning"}});
        assert!(matches("m.tags:@>beta", event.clone()));
        assert!(matches("m.tags:@>~^al", event.clone()));
        assert!(!matches("m.tags:@>gamma", event.clone()));
        assert!(matches("metadata.level:info..error", event.clone()));
        assert!(!matches("metadata.level:error..critical", event));
    }

    #[test]
    fn errors_say_what_was_expected_where() {
        let error = |lql: &str| parse(lql, NOW).unwrap_err().to_string();
        assert_eq!(
            error("m.field:"),
            "LQL: Error while parsing `metadata.field` field metadata filter value: expected a value after the operator"
        );
        assert!(
            error("t:>invalid-date").contains("got 'invalid-date'"),
            "{}",
            error("t:>invalid-date")
        );
        assert!(error("c:invalid(m.field)").contains("expected c:count(x)"));
        assert!(error("s:m.qty@").contains("expected a name after `@`"));
        assert!(error("\"unclosed").contains("unclosed quote"));
    }

    #[test]
    fn fitting_to_a_schema_types_values_and_refuses_unknown_paths() {
        let mut schema = cinder_core::Schema::new();
        let body = json!({"metadata": {"status": "200", "ctx": {"a": 1}}});
        let mut events = vec![cinder_core::LogEvent {
            id: "1".into(),
            timestamp: 0,
            event_message: None,
            body: body.as_object().unwrap().clone(),
        }];
        schema.apply(&mut events).unwrap();
        let mut lql = parse("m.status:200", NOW).unwrap();
        lql.fit(&schema).unwrap();
        assert_eq!(lql.filters[0].value, LqlValue::String("200".into()));
        assert!(parse("m.nope:1", NOW).unwrap().fit(&schema).is_err());
        assert!(parse("m.ctx:1", NOW).unwrap().fit(&schema).is_err());
    }
}
