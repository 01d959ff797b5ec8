//! `/dashboard`: every source, its last day of events, rate and counters; refreshed live.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use maud::{html, Markup};

use super::layout::{ago, count, heading, page, sparkline, Page};
use super::session::Viewer;
use crate::sources::{overview, SourceSummary};
use crate::state::AppState;

fn row(summary: &SourceSummary, error: Option<&str>, now: i64) -> Markup {
    let source = summary.handle.source.read().clone();
    let token = source.token;
    let counts: Vec<u64> = summary.last_day.iter().map(|bar| bar.count).collect();
    let metrics = &summary.handle.metrics;
    let rejected = metrics.rejected.load(Ordering::Relaxed);
    let conflicts = metrics.conflicts.load(Ordering::Relaxed);
    html! {
        tr data-source=(token) {
            td.name {
                a href={ "/sources/" (token) "/search" } { (source.name.as_str()) }
                @if let Some(description) = &source.description { div.muted.small { (description) } }
            }
            td.num data-field="events" {
                @if let Some(error) = error { span.bad title=(error) { "unavailable" } } @else { (count(summary.events())) }
            }
            td.spark { (sparkline(&counts)) }
            td.num data-field="rate" { (format!("{:.1}", summary.rate)) }
            td.small data-field="latest" {
                @match summary.latest { Some(latest) => { (ago(latest, now)) }, None => { span.muted { "—" } } }
            }
            td.num { (summary.handle.schema().field_count()) }
            td { @match source.retention_days { Some(days) => { (days) " d" }, None => { span.muted { "forever" } } } }
            td.num {
                @if rejected + conflicts == 0 { span.muted { "0" } }
                @else { span.warn title={ (rejected) " rejected requests, " (conflicts) " type conflicts" } { (count(rejected + conflicts)) } }
            }
            td.actions {
                a.button.small href={ "/sources/" (token) "/search" } { "Search" }
                a.button.small href={ "/sources/" (token) "/edit" } { "Settings" }
            }
        }
    }
}

async fn rows_markup(state: &AppState) -> (Markup, usize) {
    let now = chrono::Utc::now().timestamp_micros();
    let summaries = overview(state, now).await;
    let markup = html! {
        @for (summary, error) in &summaries { (row(summary, error.as_deref(), now)) }
    };
    (markup, summaries.len())
}

/// `GET /dashboard`
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Page {
    let (rows, sources) = rows_markup(&state).await;
    let body = html! {
        (heading("Sources", html! { a.button.primary href="/sources/new" { "New source" } }))
        @if sources == 0 {
            div.empty {
                h2 { "No sources yet" }
                p { "A source is a stream of log events with its own schema. " a href="/sources/new" { "Create one" } ", then send it events over HTTP:" }
                pre.code { "curl -X POST \"$CINDER_URL/api/logs?source_name=my.app\" \\\n  -H \"x-api-key: $TOKEN\" -H 'content-type: application/json' \\\n  -d '{\"message\": \"hello\", \"metadata\": {\"level\": \"info\"}}'" }
                p.muted { "Any token with the " code { "ingest" } " scope works; create one under " a href="/access-tokens" { "Access tokens" } "." }
            }
        } @else {
            table.data.sources {
                thead { tr {
                    th { "Source" } th.num { "Events (24 h)" } th { "Last 24 h" } th.num { "Events/s" }
                    th { "Latest event" } th.num { "Fields" } th { "Retention" } th.num { "Rejected / conflicts" } th {}
                } }
                tbody id="source-rows" data-refresh="/dashboard/sources.html" { (rows) }
            }
        }
    };
    page(&viewer, "Sources", "/dashboard", body)
}

/// `GET /dashboard/sources.html`: the rows alone, for the live refresh.
pub async fn rows(State(state): State<AppState>, _viewer: Viewer) -> Page {
    Page(StatusCode::OK, rows_markup(&state).await.0)
}
