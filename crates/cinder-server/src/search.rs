//! Searching one source with LQL, as the dashboard's log explorer does: a page of events, the
//! histogram of matches over time, the top values of a field, one event, an export, and the
//! filter a live tail applies. Each number comes from the backend with one query; no events are
//! loaded to count them.

use std::collections::HashMap;
use std::sync::Arc;

use cinder_core::FieldType;
use cinder_sql::lql::{self, Lql};
use serde_json::{Map, Value};

use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::query::{self, QueryOutput};
use crate::state::AppState;

/// The range searched when the query has no `t:` rule.
pub const DEFAULT_RANGE_MICROS: i64 = 24 * 3600 * 1_000_000;
/// Events per page.
pub const PAGE_SIZE: usize = 50;
/// Bars in a histogram, at most.
const BARS: i64 = 60;
/// Bucket widths a histogram may use, in seconds: the smallest giving at most [`BARS`] bars.
const WIDTHS: &[i64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
];

/// A parsed search over one source.
pub struct Search {
    source: Arc<SourceHandle>,
    lql: Lql,
    /// Microseconds, inclusive.
    pub from: i64,
    /// Microseconds, inclusive.
    pub to: i64,
}

/// Where a page of events starts: after the event with this timestamp and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Microseconds.
    pub timestamp: i64,
    /// The event id.
    pub id: String,
}

impl Cursor {
    /// Reads `<micros>_<id>`.
    pub fn parse(text: &str) -> Option<Self> {
        let (timestamp, id) = text.split_once('_')?;
        Some(Self {
            timestamp: timestamp.parse().ok()?,
            id: id.to_owned(),
        })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.timestamp, self.id)
    }
}

/// A page of events, newest first.
pub struct EventPage {
    /// Each event as the backend returns it (every top-level field).
    pub events: Vec<Map<String, Value>>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// One bar of a histogram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Start, microseconds.
    pub from: i64,
    /// End (exclusive), microseconds.
    pub to: i64,
    /// Matching events.
    pub count: u64,
}

/// A field's most common values among the matches.
#[derive(Debug, Clone, PartialEq)]
pub struct TopValue {
    /// The value (JSON null when the field is missing).
    pub value: Value,
    /// How many matching events have it.
    pub count: u64,
}

impl Search {
    /// Parses `text` (LQL) for `source`, checking it against the source's schema. `now` is
    /// microseconds since the epoch.
    pub fn new(source: Arc<SourceHandle>, text: &str, now: i64) -> Result<Self, ApiError> {
        let mut lql = lql::parse(text, now).map_err(|error| ApiError::BadRequest(error.to_string()))?;
        if lql.chart.is_some() || !lql.selects.is_empty() || lql.from.is_some() {
            return Err(ApiError::BadRequest(
                "LQL: the explorer searches with filter rules; `c:`, `s:` and `f:` rules belong in a query".into(),
            ));
        }
        lql.fit(&source.schema())
            .map_err(|error| ApiError::BadRequest(error.to_string()))?;
        let (from, to) = match lql.time_range() {
            (Some(from), Some(to)) => (from, to),
            (Some(from), None) => (from, now.max(from)),
            (None, Some(to)) => (to - DEFAULT_RANGE_MICROS, to),
            (None, None) => (now - DEFAULT_RANGE_MICROS, now),
        };
        Ok(Self { source, lql, from, to })
    }

    /// The source searched.
    pub fn source(&self) -> &Arc<SourceHandle> {
        &self.source
    }

    /// Whether an event (its JSON form) matches, for live tails.
    pub fn matches(&self, event: &Value) -> bool {
        self.lql.matches(event)
    }

    /// `FROM ... WHERE ...` of every query: the rules and the time range, with the values.
    fn scope(&self) -> (String, HashMap<String, String>) {
        let condition = self.lql.condition();
        let mut params: HashMap<String, String> = condition.params.into_iter().collect();
        params.insert("search_from".into(), micros_text(self.from));
        params.insert("search_to".into(), micros_text(self.to));
        let table = self.source.source.read().name.as_str().replace('`', "");
        let sql = format!(
            "FROM `{table}` WHERE {} AND timestamp >= CAST(@search_from AS TIMESTAMP) AND timestamp <= CAST(@search_to AS TIMESTAMP)",
            condition.sql
        );
        (sql, params)
    }

    /// A page of matching events, newest first, starting after `cursor`.
    pub async fn events(&self, state: &AppState, cursor: Option<&Cursor>) -> Result<EventPage, ApiError> {
        let (scope, mut params) = self.scope();
        let after = match cursor {
            None => String::new(),
            Some(cursor) => {
                params.insert("cursor_at".into(), micros_text(cursor.timestamp));
                params.insert("cursor_id".into(), cursor.id.clone());
                " AND (timestamp < CAST(@cursor_at AS TIMESTAMP) OR (timestamp = CAST(@cursor_at AS TIMESTAMP) AND id < @cursor_id))".to_owned()
            }
        };
        let sql = format!(
            "SELECT {} {scope}{after} ORDER BY timestamp DESC, id DESC LIMIT {}",
            whole_event(&self.source),
            PAGE_SIZE + 1
        );
        let mut events = query::run(state, "dashboard", &sql, &params).await?.rows.rows;
        let next = if events.len() > PAGE_SIZE {
            events.truncate(PAGE_SIZE);
            events.last().and_then(|last| {
                Some(Cursor {
                    timestamp: micros_of(last.get("timestamp")?)?,
                    id: last.get("id")?.as_str()?.to_owned(),
                })
            })
        } else {
            None
        };
        Ok(EventPage { events, next })
    }

    /// The bucket width of the histogram, in seconds.
    pub fn bucket_seconds(&self) -> i64 {
        let span = ((self.to - self.from) / 1_000_000).max(1);
        WIDTHS
            .iter()
            .copied()
            .find(|width| span / width < BARS)
            .unwrap_or(WIDTHS[WIDTHS.len() - 1])
    }

    /// Matching events per bucket over the whole range, empty buckets included.
    pub async fn histogram(&self, state: &AppState) -> Result<Vec<Bar>, ApiError> {
        let width = self.bucket_seconds() * 1_000_000;
        let origin = self.from - self.from.rem_euclid(width);
        let (scope, mut params) = self.scope();
        // The parentheses are for the BigQuery emulator, which reads `DIV(a - b, c)` as
        // `a - DIV(b, c)`.
        params.insert("bucket_origin".into(), origin.to_string());
        params.insert("bucket_width".into(), width.to_string());
        let sql = format!(
            "SELECT DIV((UNIX_MICROS(timestamp) - CAST(@bucket_origin AS INT64)), CAST(@bucket_width AS INT64)) AS bucket, COUNT(*) AS count {scope} GROUP BY bucket ORDER BY bucket"
        );
        let rows = query::run(state, "dashboard", &sql, &params).await?.rows.rows;
        let counts: HashMap<i64, u64> = rows
            .iter()
            .filter_map(|row| Some((number(row.get("bucket")?)?, number(row.get("count")?)? as u64)))
            .collect();
        let buckets = (self.to - origin) / width + 1;
        Ok((0..buckets)
            .map(|index| Bar {
                from: origin + index * width,
                to: origin + (index + 1) * width,
                count: counts.get(&index).copied().unwrap_or(0),
            })
            .collect())
    }

    /// The ten most common values of `field` among the matches.
    pub async fn top_values(&self, state: &AppState, field: &str) -> Result<Vec<TopValue>, ApiError> {
        match self.source.schema().field(field) {
            None => return Err(ApiError::BadRequest(format!("`{field}` is not a field of this source"))),
            Some(FieldType::Record(_) | FieldType::Array(_)) => {
                return Err(ApiError::BadRequest(format!(
                    "`{field}` holds objects or lists; top values are counted for single values"
                )))
            }
            Some(_) => {}
        }
        let column: Vec<String> = field
            .split('.')
            .map(|part| format!("`{}`", part.replace('`', "")))
            .collect();
        let (scope, params) = self.scope();
        let sql = format!(
            "SELECT {} AS value, COUNT(*) AS count {scope} GROUP BY value ORDER BY count DESC LIMIT 10",
            column.join(".")
        );
        let rows = query::run(state, "dashboard", &sql, &params).await?.rows.rows;
        Ok(rows
            .into_iter()
            .map(|mut row| TopValue {
                value: row.remove("value").unwrap_or(Value::Null),
                count: row.get("count").and_then(number).unwrap_or(0) as u64,
            })
            .collect())
    }

    /// The search as one BigQuery query with its values written in as literals: what "open as
    /// SQL" and "save as endpoint" start from.
    pub fn as_sql(&self) -> String {
        let (scope, params) = self.scope();
        let mut sql = format!("SELECT timestamp, id, event_message {scope} ORDER BY timestamp DESC LIMIT 100");
        let mut names: Vec<&String> = params.keys().collect();
        // Longest first, so `@lql_1` is not replaced inside `@lql_10`.
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        for name in names {
            let literal = format!("'{}'", params[name].replace('\\', "\\\\").replace('\'', "\\'"));
            sql = sql.replace(&format!("@{name}"), &literal);
        }
        sql
    }

    /// Every matching event, newest first, up to `limit`: for exports.
    pub async fn export(&self, state: &AppState, limit: usize) -> Result<QueryOutput, ApiError> {
        let (scope, params) = self.scope();
        let sql = format!(
            "SELECT {} {scope} ORDER BY timestamp DESC, id DESC LIMIT {limit}",
            whole_event(&self.source)
        );
        query::run(state, "dashboard", &sql, &params).await
    }
}

/// One event of `source` by id; `at` (its timestamp, microseconds) narrows the scan.
pub async fn event(
    state: &AppState,
    source: &SourceHandle,
    id: &str,
    at: Option<i64>,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let table = source.source.read().name.as_str().replace('`', "");
    let mut params = HashMap::from([("event_id".to_owned(), id.to_owned())]);
    let at_filter = match at {
        Some(at) => {
            params.insert("event_at".into(), micros_text(at));
            " AND timestamp = CAST(@event_at AS TIMESTAMP)"
        }
        None => "",
    };
    let sql = format!(
        "SELECT {} FROM `{table}` WHERE id = @event_id{at_filter} LIMIT 1",
        whole_event(source)
    );
    Ok(query::run(state, "dashboard", &sql, &params)
        .await?
        .rows
        .rows
        .into_iter()
        .next())
}

/// Every top-level field of the source, as select items: the whole event (queries name their
/// columns; `SELECT *` is refused).
fn whole_event(source: &SourceHandle) -> String {
    source
        .schema()
        .fields()
        .keys()
        .map(|name| format!("`{}`", name.replace('`', "")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An instant as the text a TIMESTAMP cast reads.
fn micros_text(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// A number in a result row (backends return integers as numbers or, for 64-bit ones, text).
fn number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| number.as_f64().map(|float| float as i64)),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// A timestamp in a result row, in microseconds: a number of microseconds, or RFC 3339 text.
pub fn micros_of(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|time| time.timestamp_micros())
            .ok()
            .or_else(|| text.parse().ok()),
        other => number(other),
    }
}
