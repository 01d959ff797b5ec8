//! `/query`: BigQuery SQL over every source — the result as a table (and a line chart when the
//! first column is a time), the SQL as translated for the backend in use, and the timing.

use std::collections::HashMap;

use axum::extract::{Query, State};
use maud::{html, Markup};
use serde_json::Value;

use super::layout::{count, error_box, heading, page, Page};
use super::session::Viewer;
use crate::search::micros_of;
use crate::state::AppState;

/// Points a chart draws at most.
const CHART_POINTS: usize = 2_000;

/// A cell as text.
pub(super) fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A result as a table.
pub(super) fn table(columns: &[String], rows: &[serde_json::Map<String, Value>]) -> Markup {
    html! {
        div.table-wrap {
            table.data.result {
                thead { tr { @for column in columns { th { (column) } } } }
                tbody {
                    @for row in rows {
                        tr { @for column in columns {
                            @let value = row.get(column).unwrap_or(&Value::Null);
                            td class=[value.is_number().then_some("num")] { (cell(value)) }
                        } }
                    }
                }
            }
        }
    }
}

/// A line chart of every numeric column against the first, when the first holds times.
fn chart(columns: &[String], rows: &[serde_json::Map<String, Value>]) -> Option<Markup> {
    let time_column = columns.first()?;
    let mut points: Vec<(i64, &serde_json::Map<String, Value>)> = rows
        .iter()
        .take(CHART_POINTS)
        .map(|row| Some((row.get(time_column).and_then(time_of)?, row)))
        .collect::<Option<_>>()?;
    if points.len() < 2 {
        return None;
    }
    points.sort_by_key(|(at, _)| *at);
    let series: Vec<&String> = columns[1..]
        .iter()
        .filter(|column| {
            points.iter().all(|(_, row)| {
                row.get(*column)
                    .is_none_or(|value| value.is_number() || value.is_null())
            })
        })
        .collect();
    if series.is_empty() {
        return None;
    }
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let span = (last - first).max(1) as f64;
    let max = points
        .iter()
        .flat_map(|(_, row)| series.iter().filter_map(|column| row.get(*column)?.as_f64()))
        .fold(0.0f64, f64::max)
        .max(1e-9);
    Some(html! {
        figure.chart {
            svg viewBox="0 0 1000 200" preserveAspectRatio="none" role="img" aria-label="Chart of the result" {
                @for (index, column) in series.iter().enumerate() {
                    @let line: Vec<String> = points.iter().filter_map(|(at, row)| {
                        let value = row.get(*column)?.as_f64()?;
                        Some(format!("{:.1},{:.1}", (*at - first) as f64 / span * 1000.0, 195.0 - value / max * 190.0))
                    }).collect();
                    polyline class={ "series s" (index % 6) } fill="none" stroke-width="2" vector-effect="non-scaling-stroke" points=(line.join(" ")) {}
                }
            }
            figcaption.legend {
                @for (index, column) in series.iter().enumerate() { span class={ "key s" (index % 6) } { (column) } }
                span.muted.small { "max " (format!("{max}")) }
            }
        }
    })
}

/// A time in a result: microseconds, or text that parses as one.
fn time_of(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|time| time.timestamp_micros())
            .ok()
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                    .ok()
                    .map(|time| time.and_utc().timestamp_micros())
            }),
        // Only numbers in the range of microsecond timestamps of this era count as times.
        Value::Number(_) => micros_of(value).filter(|micros| *micros > 1_000_000_000_000_000),
        _ => None,
    }
}

/// `GET /query?sql=...`: the editor, and the result when `sql` is given.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Page {
    let sql = params.get("sql").map(|sql| sql.trim()).unwrap_or("");
    let result = if sql.is_empty() {
        None
    } else {
        Some(crate::query::run(&state, "dashboard", sql, &params).await)
    };
    let mut names: Vec<String> = state
        .catalog
        .sources()
        .iter()
        .map(|source| source.source.read().name.to_string())
        .collect();
    names.sort();
    let example = names.first().map_or("my.source".to_owned(), Clone::clone);
    let body = html! {
        (heading("Query", html! {}))
        form.query method="get" action="/query" {
            textarea id="sql" name="sql" rows="8" spellcheck="false" placeholder={ "SELECT timestamp, event_message FROM `" (example) "` ORDER BY timestamp DESC LIMIT 10" } { (sql) }
            div.row {
                button.primary type="submit" { "Run" }
                span.muted.small { "BigQuery SQL over your sources, translated for the " (format!("{:?}", state.backend.target()).to_lowercase()) " backend. Sources: " (names.join(", ")) }
            }
        }
        @match &result {
            None => {}
            Some(Err(error)) => (error_box(&error.to_string())),
            Some(Ok(output)) => {
                p.muted.small.timing {
                    (count(output.rows.rows.len() as u64)) " rows in " (format!("{:.1}", output.elapsed.as_secs_f64() * 1000.0)) " ms"
                }
                @if let Some(chart) = chart(&output.rows.columns, &output.rows.rows) { (chart) }
                @if output.rows.rows.is_empty() { p.empty { "The query returned no rows." } } @else { (table(&output.rows.columns, &output.rows.rows)) }
                details.translated open {
                    summary { "Translated SQL" }
                    pre.code { (output.translated) }
                }
                p { a.button.small href={ "/endpoints/new?query=" (super::session::form_urlencoded(sql)) } { "Save as endpoint" } }
            }
        }
    };
    page(&viewer, "Query", "/query", body)
}
