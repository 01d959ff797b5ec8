//! `/sources/:token/search`: the log explorer — LQL, time range, histogram, events, field top
//! values, live tail and export. Everything is a link or a GET form, so the page works (and
//! is tested) without JavaScript; app.js adds drag-to-zoom, live tail and live refresh.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use cinder_sql::lql;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::broadcast::error::RecvError;

use super::layout::{count, error_box, heading, page, pretty, time, Page};
use super::session::{form_urlencoded, Viewer};
use crate::catalog::{SourceHandle, TailBatch};
use crate::error::ApiError;
use crate::search::{self, micros_of, Bar, Cursor, Search, TopValue};
use crate::state::AppState;

/// Time presets: (label, `t:` clause).
const PRESETS: &[(&str, &str)] = &[
    ("15 min", "t:last@15m"),
    ("1 hour", "t:last@1h"),
    ("4 hours", "t:last@4h"),
    ("24 hours", "t:last@24h"),
    ("7 days", "t:last@7d"),
];
/// Rows an export holds at most.
const EXPORT_LIMIT: usize = 100_000;

#[derive(Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    querystring: String,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    field: Option<String>,
    /// A custom range from the form (`datetime-local`, UTC): rewritten into `t:`.
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The source a `:token` names, or a 404 page.
pub(super) fn source_of(state: &AppState, viewer: &Viewer, token: &str) -> Result<Arc<SourceHandle>, Page> {
    uuid::Uuid::parse_str(token)
        .ok()
        .and_then(|token| state.catalog.source(&token))
        .ok_or_else(|| not_found(viewer))
}

/// A page saying the source does not exist.
pub(super) fn not_found(viewer: &Viewer) -> Page {
    let mut page = page(
        viewer,
        "Not found",
        "/dashboard",
        html! { (heading("Not found", html! {})) (error_box("There is no such source, or it was deleted.")) p { a href="/dashboard" { "Back to sources" } } },
    );
    page.0 = StatusCode::NOT_FOUND;
    page
}

/// `/sources/:token/search?querystring=...` with optional extra parameters.
pub(super) fn search_url(token: &uuid::Uuid, querystring: &str, extra: &[(&str, &str)]) -> String {
    let mut url = format!("/sources/{token}/search?querystring={}", form_urlencoded(querystring));
    for (key, value) in extra {
        url.push_str(&format!("&{key}={}", form_urlencoded(value)));
    }
    url
}

/// A custom range from the form as a `t:` clause.
fn custom_range(from: Option<&str>, to: Option<&str>) -> Option<String> {
    let parse = |text: &str| {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
            .ok()
            .map(|time| time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    };
    let from = from.filter(|text| !text.is_empty()).and_then(parse);
    let to = to.filter(|text| !text.is_empty()).and_then(parse);
    match (from, to) {
        (Some(from), Some(to)) => Some(format!("t:{from}..{to}")),
        (Some(from), None) => Some(format!("t:>={from}")),
        (None, Some(to)) => Some(format!("t:<={to}")),
        (None, None) => None,
    }
}

/// A time as a `t:` bound, to the microsecond.
fn iso(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

fn histogram(token: &uuid::Uuid, querystring: &str, bars: &[Bar], search: &Search) -> Markup {
    let max = bars.iter().map(|bar| bar.count).max().unwrap_or(0).max(1);
    let width = 1000.0 / bars.len().max(1) as f64;
    let total: u64 = bars.iter().map(|bar| bar.count).sum();
    let base = lql::replace_time(querystring, "");
    html! {
        div.histogram {
            div.histogram-head {
                span { strong { (count(total)) } " matching events" }
                span.muted.small { "UTC · " (span_label(search.bucket_seconds())) " per bar" }
            }
            svg id="histogram" viewBox="0 0 1000 120" preserveAspectRatio="none" role="img" aria-label="Matching events over time"
                data-base=(base) data-source=(token) data-from=(search.from) data-to=(search.to) {
                @for (index, bar) in bars.iter().enumerate() {
                    @let height = (bar.count as f64 / max as f64) * 110.0;
                    // Both bounds are inclusive: the bar ends a microsecond before the next.
                    @let range = format!("t:{}..{}", iso(bar.from), iso(bar.to - 1));
                    a href=(search_url(token, &lql::replace_time(querystring, &range), &[])) {
                        title { (time(bar.from)) " · " (count(bar.count)) " events" }
                        rect.hit x=(format!("{:.2}", index as f64 * width)) y="0" width=(format!("{:.2}", width)) height="120" {}
                        @if bar.count > 0 {
                            rect.bar data-count=(bar.count) x=(format!("{:.2}", index as f64 * width + 1.0)) y=(format!("{:.2}", 120.0 - height.max(2.0)))
                                width=(format!("{:.2}", (width - 2.0).max(1.0))) height=(format!("{:.2}", height.max(2.0))) {}
                        }
                    }
                }
            }
            div.axis {
                span { (time(search.from)) }
                span { (time(search.from + (search.to - search.from) / 2)) }
                span { (time(search.to)) }
            }
        }
    }
}

/// A bar's width in words: `30 s`, `5 min`, `6 h`, `1 d`.
fn span_label(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn message_of(event: &Map<String, Value>) -> String {
    match event.get("event_message") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn events_list(token: &uuid::Uuid, events: &[Map<String, Value>]) -> Markup {
    html! {
        ol.events {
            @for event in events {
                @let at = event.get("timestamp").and_then(micros_of);
                @let id = event.get("id").and_then(Value::as_str).unwrap_or("");
                li.event {
                    details {
                        summary {
                            span.time { (at.map(time).unwrap_or_default()) }
                            span.message { (message_of(event)) }
                        }
                        div.event-body {
                            a.small href={ "/sources/" (token) "/event?id=" (form_urlencoded(id)) @if let Some(at) = at { "&t=" (at) } } { "Permalink" }
                            pre.json { (pretty(&Value::Object(event.clone()))) }
                        }
                    }
                }
            }
        }
    }
}

fn top_values_panel(
    token: &uuid::Uuid,
    querystring: &str,
    field: &str,
    values: &Result<Vec<TopValue>, ApiError>,
) -> Markup {
    html! {
        div.top-values data-field=(field) {
            h3 { "Top values of " code { (field) } }
            @match values {
                Err(error) => (error_box(&error.to_string())),
                Ok(values) if values.is_empty() => p.muted { "No matching events have this field." },
                Ok(values) => {
                    @let total: u64 = values.iter().map(|value| value.count).sum();
                    table.data.compact {
                        @for value in values {
                            @let text = match &value.value { Value::String(text) => text.clone(), Value::Null => String::new(), other => other.to_string() };
                            tr {
                                td.value { @if value.value.is_null() { span.muted { "(missing)" } } @else { (text) } }
                                td.num { (count(value.count)) }
                                td.num.muted { (format!("{:.0}%", value.count as f64 * 100.0 / total.max(1) as f64)) }
                                td.actions {
                                    @if value.value.is_null() {
                                        a.small href=(search_url(token, &lql::add_rule(querystring, &format!("{field}:NULL")), &[])) { "only" }
                                    } @else {
                                        a.small.include href=(search_url(token, &lql::add_rule(querystring, &lql::rule(field, &text, false)), &[])) { "only" }
                                        " "
                                        a.small.exclude href=(search_url(token, &lql::add_rule(querystring, &lql::rule(field, &text, true)), &[])) { "exclude" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /sources/:token/search`
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Query(params): Query<SearchParams>,
) -> Response {
    let source = match source_of(&state, &viewer, &token) {
        Ok(source) => source,
        Err(page) => return page.into_response(),
    };
    let token = source.source.read().token;
    if let Some(range) = custom_range(params.from.as_deref(), params.to.as_deref()) {
        return Redirect::to(&search_url(
            &token,
            &lql::replace_time(&params.querystring, &range),
            &[],
        ))
        .into_response();
    }
    let name = source.source.read().name.to_string();
    let querystring = params.querystring.trim().to_owned();
    let now = chrono::Utc::now().timestamp_micros();
    let search = Search::new(source.clone(), &querystring, now);
    let cursor = params.cursor.as_deref().and_then(Cursor::parse);
    let field = params.field.as_deref().filter(|field| !field.is_empty());
    let results = match &search {
        Err(error) => Err(error.to_string()),
        Ok(search) => {
            let top = async {
                match field {
                    Some(field) => Some(search.top_values(&state, field).await),
                    None => None,
                }
            };
            let (events, bars, top) =
                tokio::join!(search.events(&state, cursor.as_ref()), search.histogram(&state), top);
            match (events, bars) {
                (Ok(events), Ok(bars)) => Ok((events, bars, top)),
                (Err(error), _) | (_, Err(error)) => Err(error.to_string()),
            }
        }
    };
    let schema = source.schema();
    let fields = schema.leaves();
    let active_time = lql::time_clauses(&querystring);
    let body = html! {
        (heading(&name, html! {
            a.button href={ "/sources/" (token) "/edit" } { "Settings" }
        }))
        form.search method="get" action={ "/sources/" (token) "/search" } {
            input id="querystring" type="search" name="querystring" value=(querystring) placeholder="error m.status:>=500 t:last@1h" autocomplete="off" spellcheck="false" aria-label="LQL query";
            button.primary type="submit" { "Search" }
        }
        div.toolbar {
            div.presets {
                @for (label, clause) in PRESETS {
                    a.chip class=[active_time.iter().any(|active| active == clause).then_some("active")]
                        href=(search_url(&token, &lql::replace_time(&querystring, clause), &[])) { (label) }
                }
                form.range method="get" action={ "/sources/" (token) "/search" } {
                    input type="hidden" name="querystring" value=(querystring);
                    input type="datetime-local" name="from" aria-label="From (UTC)";
                    span.muted { "–" }
                    input type="datetime-local" name="to" aria-label="To (UTC)";
                    button.small type="submit" { "Apply" }
                }
            }
            div.tools {
                button.small id="tail-toggle" type="button" data-source=(token) data-querystring=(querystring) { "▶ Live tail" }
                a.button.small href={ "/sources/" (token) "/export?format=ndjson&querystring=" (form_urlencoded(&querystring)) } { "NDJSON" }
                a.button.small href={ "/sources/" (token) "/export?format=csv&querystring=" (form_urlencoded(&querystring)) } { "CSV" }
                @if let Ok(search) = &search {
                    a.button.small href={ "/query?sql=" (form_urlencoded(&search.as_sql())) } { "Open as SQL" }
                    a.button.small href={ "/endpoints/new?query=" (form_urlencoded(&search.as_sql())) } { "Save as endpoint" }
                }
            }
        }
        div.tail id="tail" hidden {
            div.tail-head { strong { "Live tail" } span.muted.small id="tail-status" {} }
            ol.events id="tail-events" {}
        }
        div.explorer {
            aside.fields {
                h3 { "Fields" }
                ul {
                    @for (path, kind) in &fields {
                        li class=[(field == Some(path.as_str())).then_some("active")] {
                            a href=(search_url(&token, &querystring, &[("field", path)])) { (path) }
                            span.type { (kind.name()) }
                        }
                    }
                }
            }
            section.results {
                @match &results {
                    Err(error) => (error_box(error)),
                    Ok((events, bars, top)) => {
                        @if let (Some(field), Some(values)) = (field, top) { (top_values_panel(&token, &querystring, field, values)) }
                        @if let Ok(search) = &search { (histogram(&token, &querystring, bars, search)) }
                        @if events.events.is_empty() {
                            div.empty {
                                @if source.metrics.latest.load(std::sync::atomic::Ordering::Relaxed) == 0 && cursor.is_none() && querystring.is_empty() {
                                    h2 { "No events yet" }
                                    p { "Send this source its first event:" }
                                    pre.code { "curl -X POST \"$CINDER_URL/api/logs?source=" (token) "\" \\\n  -H \"x-api-key: $TOKEN\" -H 'content-type: application/json' \\\n  -d '{\"message\": \"hello\"}'" }
                                } @else {
                                    p { "No events match this search in the time range. Widen the range or remove a rule." }
                                }
                            }
                        } @else {
                            (events_list(&token, &events.events))
                            div.pager {
                                @if cursor.is_some() { a.button.small href=(search_url(&token, &querystring, &[])) { "Newest" } }
                                @if let Some(next) = &events.next { a.button.small href=(search_url(&token, &querystring, &[("cursor", &next.to_string())])) { "Older →" } }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&viewer, &name, "/dashboard", body).into_response()
}

#[derive(Deserialize)]
pub struct EventParams {
    id: String,
    #[serde(default)]
    t: Option<i64>,
}

/// `GET /sources/:token/event?id=...&t=...`: one event, by permalink.
pub async fn event(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Query(params): Query<EventParams>,
) -> Response {
    let source = match source_of(&state, &viewer, &token) {
        Ok(source) => source,
        Err(page) => return page.into_response(),
    };
    let token = source.source.read().token;
    let name = source.source.read().name.to_string();
    let found = search::event(&state, &source, &params.id, params.t).await;
    let body = html! {
        (heading(&format!("{name} · event"), html! { a.button href=(search_url(&token, "", &[])) { "Back to search" } }))
        @match &found {
            Ok(Some(event)) => {
                p.muted { code { (params.id) } }
                pre.json { (pretty(&Value::Object(event.clone()))) }
            }
            Ok(None) => (error_box("No event with this id in this source (it may have expired under the retention policy).")),
            Err(error) => (error_box(&error.to_string())),
        }
    };
    let mut page = page(&viewer, "Event", "/dashboard", body);
    if matches!(found, Ok(None)) {
        page.0 = StatusCode::NOT_FOUND;
    }
    page.into_response()
}

#[derive(Deserialize)]
pub struct TailParams {
    #[serde(default)]
    querystring: String,
}

/// One Server-Sent Event.
pub fn sse_frame(event: &str, data: &str) -> Bytes {
    let mut frame = format!("event: {event}\n");
    for line in data.split('\n') {
        frame.push_str("data: ");
        frame.push_str(line);
        frame.push('\n');
    }
    frame.push('\n');
    Bytes::from(frame)
}

/// How often an idle tail sends a comment, so proxies keep the connection open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The frames of a live tail: `ready` first, then each new event that passes `filter` as
/// `log`, a `dropped` count before the first event after a gap (the tail fell behind and the
/// channel skipped batches), and a keep-alive comment after `keep_alive` without events. `next`
/// is the number the first event to come carries.
pub fn tail_frames(
    receiver: tokio::sync::broadcast::Receiver<TailBatch>,
    next: u64,
    filter: impl Fn(&Value) -> bool + Send + 'static,
    keep_alive: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send {
    struct Tail<F> {
        receiver: tokio::sync::broadcast::Receiver<TailBatch>,
        next: u64,
        filter: F,
        pending: std::collections::VecDeque<Bytes>,
        started: bool,
    }
    let start = Tail {
        receiver,
        next,
        filter,
        pending: Default::default(),
        started: false,
    };
    futures_util::stream::unfold(start, move |mut tail| async move {
        loop {
            if !tail.started {
                tail.started = true;
                return Some((Ok(sse_frame("ready", "{}")), tail));
            }
            if let Some(frame) = tail.pending.pop_front() {
                return Some((Ok(frame), tail));
            }
            match tokio::time::timeout(keep_alive, tail.receiver.recv()).await {
                Err(_) => return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), tail)),
                Ok(Err(RecvError::Closed)) => return None,
                // The next batch received says how many events were skipped.
                Ok(Err(RecvError::Lagged(_))) => continue,
                Ok(Ok(batch)) => {
                    if batch.first > tail.next {
                        let dropped = batch.first - tail.next;
                        tail.pending.push_back(sse_frame("dropped", &dropped.to_string()));
                    }
                    tail.next = tail.next.max(batch.first + batch.events.len() as u64);
                    for event in batch.events.iter() {
                        let json = event.to_json();
                        if (tail.filter)(&json) {
                            tail.pending.push_back(sse_frame("log", &json.to_string()));
                        }
                    }
                }
            }
        }
    })
}

/// `GET /sources/:token/tail?querystring=...`: new matching events as Server-Sent Events
/// (`event: log`, the event's JSON), filtered on the server; `event: dropped` says how many
/// were skipped when the browser fell behind; a comment every 15 s keeps the line open.
pub async fn tail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Query(params): Query<TailParams>,
) -> Response {
    let source = match source_of(&state, &viewer, &token) {
        Ok(source) => source,
        Err(page) => return page.into_response(),
    };
    let now = chrono::Utc::now().timestamp_micros();
    // The time range does not apply to a tail: only the filter rules.
    let filter = match Search::new(source.clone(), &lql::replace_time(&params.querystring, ""), now) {
        Ok(search) => search,
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    };
    let (receiver, next) = source.subscribe();
    let stream = tail_frames(receiver, next, move |event| filter.matches(event), KEEP_ALIVE);
    let _ = viewer;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

#[derive(Deserialize)]
pub struct ExportParams {
    #[serde(default)]
    querystring: String,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

/// A CSV field, quoted when it needs to be.
fn csv_field(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// `GET /sources/:token/export?format=ndjson|csv&querystring=...`: the search's events
/// (newest first, at most 100,000) as a download.
pub async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Query(params): Query<ExportParams>,
) -> Response {
    let source = match source_of(&state, &viewer, &token) {
        Ok(source) => source,
        Err(page) => return page.into_response(),
    };
    let name = source.source.read().name.to_string();
    let now = chrono::Utc::now().timestamp_micros();
    let limit = params.limit.unwrap_or(EXPORT_LIMIT).clamp(1, EXPORT_LIMIT);
    let result = match Search::new(source, &params.querystring, now) {
        Ok(search) => search.export(&state, limit).await,
        Err(error) => Err(error),
    };
    let output = match result {
        Ok(output) => output,
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    };
    let csv = params.format.as_deref() == Some("csv");
    let mut body = String::new();
    if csv {
        body.push_str(&output.rows.columns.join(","));
        body.push('\n');
        for row in &output.rows.rows {
            let fields: Vec<String> = output
                .rows
                .columns
                .iter()
                .map(|column| csv_field(row.get(column).unwrap_or(&Value::Null)))
                .collect();
            body.push_str(&fields.join(","));
            body.push('\n');
        }
    } else {
        for row in &output.rows.rows {
            body.push_str(&Value::Object(row.clone()).to_string());
            body.push('\n');
        }
    }
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let (kind, extension) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "ndjson")
    };
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.{extension}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_frames_split_lines() {
        assert_eq!(
            sse_frame("log", "{\"a\":1}"),
            Bytes::from("event: log\ndata: {\"a\":1}\n\n")
        );
        assert_eq!(sse_frame("x", "a\nb"), Bytes::from("event: x\ndata: a\ndata: b\n\n"));
    }

    fn batch(first: u64, messages: &[&str]) -> TailBatch {
        let events: Vec<Arc<cinder_core::LogEvent>> = messages
            .iter()
            .enumerate()
            .map(|(index, message)| {
                Arc::new(cinder_core::LogEvent {
                    id: format!("e{}", first + index as u64),
                    timestamp: 1,
                    event_message: Some((*message).to_owned()),
                    body: Map::new(),
                })
            })
            .collect();
        TailBatch {
            first,
            events: events.into(),
        }
    }

    #[tokio::test]
    async fn a_tail_that_falls_behind_says_how_many_events_it_skipped() {
        use futures_util::StreamExt;
        let (sender, receiver) = tokio::sync::broadcast::channel(2);
        let keep = |event: &Value| event["event_message"] != "skip me";
        let mut frames = Box::pin(tail_frames(receiver, 10, keep, Duration::from_millis(50)));
        let mut next = || {
            let frame = futures_util::FutureExt::now_or_never(frames.next());
            frame
                .flatten()
                .map(|frame| String::from_utf8(frame.unwrap().to_vec()).unwrap())
        };
        assert_eq!(next().as_deref(), Some("event: ready\ndata: {}\n\n"));
        // Four batches (events 10..17) into a channel that holds two: the first two are lost.
        for first in [10, 12, 14, 16] {
            sender.send(batch(first, &["a", "skip me"])).unwrap();
        }
        assert_eq!(next().as_deref(), Some("event: dropped\ndata: 4\n\n"));
        assert!(next().unwrap().contains("\"id\":\"e14\""));
        assert!(
            next().unwrap().contains("\"id\":\"e16\""),
            "the filtered-out event is not sent"
        );
        drop(sender);
        assert_eq!(next(), None, "the stream ends with the source");
    }

    #[tokio::test]
    async fn an_idle_tail_sends_keep_alive_comments() {
        use futures_util::StreamExt;
        let (_sender, receiver) = tokio::sync::broadcast::channel::<TailBatch>(2);
        let mut frames = Box::pin(tail_frames(receiver, 0, |_| true, Duration::from_millis(20)));
        assert!(frames.next().await.is_some());
        let frame = frames.next().await.unwrap().unwrap();
        assert_eq!(&frame[..], b": keep-alive\n\n");
    }

    #[test]
    fn a_bar_range_parses_back_to_the_bar() {
        let from = 1_796_000_000_000_000;
        let to = from + 1_800_000_000 - 1;
        let text = format!("t:{}..{}", iso(from), iso(to));
        let parsed = lql::parse(&text, 0).expect("parses");
        assert_eq!(parsed.time_range(), (Some(from), Some(to)), "{text}");
    }

    #[test]
    fn bar_widths_read_as_words() {
        assert_eq!(span_label(30), "30 s");
        assert_eq!(span_label(1800), "30 min");
        assert_eq!(span_label(21_600), "6 h");
        assert_eq!(span_label(172_800), "2 d");
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_field(&Value::from("plain")), "plain");
        assert_eq!(csv_field(&Value::from("a,\"b\"")), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field(&Value::Null), "");
        assert_eq!(csv_field(&Value::from(3)), "3");
    }

    #[test]
    fn custom_ranges_become_time_rules() {
        assert_eq!(
            custom_range(Some("2026-01-02T03:04"), Some("2026-01-02T05:00")).as_deref(),
            Some("t:2026-01-02T03:04:00Z..2026-01-02T05:00:00Z")
        );
        assert_eq!(custom_range(Some(""), None), None);
    }
}
