//! LQL written as a BigQuery-dialect query, for the translator to take like any other query.
//!
//! Every value becomes a named parameter (`@lql_0`, ...) cast to its type, so nothing a user
//! types is spliced into SQL. Paths are backticked identifiers, checked to be `[A-Za-z0-9_.]`.

use chrono::{TimeZone, Utc};

use super::{Aggregate, Filter, Lql, LqlValue, Operator, Period};

/// An LQL query as SQL, with the values of its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LqlSql {
    /// BigQuery-dialect SQL.
    pub sql: String,
    /// (parameter name without `@`, value as text)
    pub params: Vec<(String, String)>,
}

/// How many rows a search returns.
const SEARCH_LIMIT: u32 = 100;

impl Lql {
    /// The filter rules as one BigQuery-dialect condition (`TRUE` when there are none), for
    /// callers that build their own query around a search (histograms, top values, paging).
    pub fn condition(&self) -> LqlSql {
        let mut params = Vec::new();
        let conditions: Vec<String> = self
            .filters
            .iter()
            .map(|filter| condition(filter, &mut params))
            .collect();
        let sql = if conditions.is_empty() {
            "TRUE".to_owned()
        } else {
            conditions.join(" AND ")
        };
        LqlSql { sql, params }
    }

    /// The time range the `t:` rules allow, as (from, to) in microseconds; `None` where a side
    /// is open. Negated rules do not bound the range.
    pub fn time_range(&self) -> (Option<i64>, Option<i64>) {
        let (mut from, mut to) = (None::<i64>, None::<i64>);
        let mut raise = |bound: i64| from = Some(from.map_or(bound, |from| from.max(bound)));
        let mut lower = |bound: i64| to = Some(to.map_or(bound, |to| to.min(bound)));
        for filter in self
            .filters
            .iter()
            .filter(|filter| filter.path == "timestamp" && !filter.negated)
        {
            match (&filter.operator, &filter.value) {
                (Operator::Gt | Operator::Ge, LqlValue::Timestamp(at)) => raise(*at),
                (Operator::Lt | Operator::Le, LqlValue::Timestamp(at)) => lower(*at),
                (Operator::Eq, LqlValue::Timestamp(at)) => {
                    raise(*at);
                    lower(*at);
                }
                (Operator::Range, LqlValue::Range(low, high)) => {
                    if let (LqlValue::Timestamp(low), LqlValue::Timestamp(high)) = (low.as_ref(), high.as_ref()) {
                        raise(*low);
                        lower(*high);
                    }
                }
                _ => {}
            }
        }
        (from, to)
    }

    /// The query over `table` (a source name, or a CTE of a sandboxed endpoint) that returns
    /// the matching events, newest first, or the chart's buckets.
    pub fn to_sql(&self, table: &str) -> LqlSql {
        let LqlSql { sql: condition, params } = self.condition();
        let filter = if self.filters.is_empty() {
            String::new()
        } else {
            format!(" WHERE {condition}")
        };
        let from = format!("`{}`", table.replace('`', ""));
        let sql = match &self.chart {
            Some(chart) => {
                let period = match chart.period {
                    Period::Second => "SECOND",
                    Period::Minute => "MINUTE",
                    Period::Hour => "HOUR",
                    Period::Day => "DAY",
                };
                let path = column(&chart.path);
                let value = match chart.aggregate {
                    Aggregate::Count => format!("COUNT({path})"),
                    Aggregate::CountDistinct => format!("COUNT(DISTINCT {path})"),
                    Aggregate::Avg => format!("AVG({path})"),
                    Aggregate::Sum => format!("SUM({path})"),
                    Aggregate::Max => format!("MAX({path})"),
                    Aggregate::P50 => format!("APPROX_QUANTILES({path}, 100)[OFFSET(50)]"),
                    Aggregate::P95 => format!("APPROX_QUANTILES({path}, 100)[OFFSET(95)]"),
                    Aggregate::P99 => format!("APPROX_QUANTILES({path}, 100)[OFFSET(99)]"),
                };
                format!(
                    "SELECT TIMESTAMP_TRUNC(timestamp, {period}) AS timestamp, {value} AS value FROM {from}{filter} GROUP BY 1 ORDER BY 1"
                )
            }
            None => {
                let selects: Vec<String> = self
                    .selects
                    .iter()
                    .filter(|select| select.path != "*")
                    .map(|select| {
                        let alias = select.alias.clone().unwrap_or_else(|| select.path.replace('.', "_"));
                        format!("{} AS `{alias}`", column(&select.path))
                    })
                    .collect();
                let columns = if selects.is_empty() {
                    "timestamp, id, event_message".to_owned()
                } else {
                    format!("timestamp, {}", selects.join(", "))
                };
                format!("SELECT {columns} FROM {from}{filter} ORDER BY timestamp DESC LIMIT {SEARCH_LIMIT}")
            }
        };
        LqlSql { sql, params }
    }
}

/// A checked path as backticked parts: `metadata.level` → `` `metadata`.`level` ``.
fn column(path: &str) -> String {
    path.split('.')
        .map(|part| format!("`{}`", part.replace('`', "")))
        .collect::<Vec<_>>()
        .join(".")
}

/// A bound parameter holding `value`, cast to its type.
fn param(value: &LqlValue, params: &mut Vec<(String, String)>) -> String {
    let name = format!("lql_{}", params.len());
    let (text, cast) = match value {
        LqlValue::String(text) => (text.clone(), None),
        LqlValue::Integer(integer) => (integer.to_string(), Some("INT64")),
        LqlValue::Float(float) => (float.to_string(), Some("FLOAT64")),
        LqlValue::Boolean(flag) => (flag.to_string(), Some("BOOL")),
        LqlValue::Timestamp(micros) => (
            Utc.timestamp_micros(*micros).single().map_or_else(
                || micros.to_string(),
                |time| time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            ),
            Some("TIMESTAMP"),
        ),
        LqlValue::Range(..) | LqlValue::List(_) | LqlValue::Null => (String::new(), None),
    };
    params.push((name.clone(), text));
    match cast {
        Some(kind) => format!("CAST(@{name} AS {kind})"),
        None => format!("@{name}"),
    }
}

fn condition(filter: &Filter, params: &mut Vec<(String, String)>) -> String {
    let path = column(&filter.path);
    let test = match (&filter.operator, &filter.value) {
        (Operator::IsNull, _) => format!("{path} IS NULL"),
        (Operator::Eq, value) => format!("{path} = {}", param(value, params)),
        (Operator::Gt, value) => format!("{path} > {}", param(value, params)),
        (Operator::Ge, value) => format!("{path} >= {}", param(value, params)),
        (Operator::Lt, value) => format!("{path} < {}", param(value, params)),
        (Operator::Le, value) => format!("{path} <= {}", param(value, params)),
        (Operator::Range, LqlValue::Range(low, high)) => {
            format!("{path} BETWEEN {} AND {}", param(low, params), param(high, params))
        }
        (Operator::In, LqlValue::List(values)) => {
            let values: Vec<String> = values.iter().map(|value| param(value, params)).collect();
            format!("{path} IN ({})", values.join(", "))
        }
        (Operator::Contains, value) => format!("STRPOS({path}, {}) > 0", param(value, params)),
        (Operator::Regex, value) => format!("REGEXP_CONTAINS({path}, {})", param(value, params)),
        (Operator::ListIncludes, value) => format!(
            "EXISTS (SELECT 1 FROM UNNEST({path}) AS lql_item WHERE lql_item = {})",
            param(value, params)
        ),
        (Operator::ListIncludesRegex, value) => format!(
            "EXISTS (SELECT 1 FROM UNNEST({path}) AS lql_item WHERE REGEXP_CONTAINS(lql_item, {}))",
            param(value, params)
        ),
        (_, _) => "FALSE".to_owned(),
    };
    match (filter.negated, filter.operator) {
        (false, _) => format!("({test})"),
        (true, Operator::IsNull) => format!("(NOT ({test}))"),
        (true, _) => format!("({path} IS NULL OR NOT ({test}))"),
    }
}
