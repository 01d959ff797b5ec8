//! `/endpoints`: the list, `/endpoints/new`, and `/endpoints/:token` — edit, with a test
//! runner that fills the query's `@params` and shows the result, cache status and the curl
//! command.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cinder_sql::inspect;
use maud::{html, Markup};
use serde_json::{Map, Value};

use super::layout::{copy_button, csrf_field, error_box, heading, page, Page};
use super::query::table;
use super::session::{CsrfForm, Viewer};
use crate::endpoints::{manage, Endpoint, Outcome, Params};
use crate::state::AppState;

/// The form's text fields, as the endpoint service reads them.
const TEXT_FIELDS: &[&str] = &[
    "name",
    "query",
    "description",
    "cache_duration_seconds",
    "proactive_requerying_seconds",
    "max_limit",
];

/// The form as the service's fields: checkboxes become booleans (unchecked: false).
fn endpoint_fields(form: &[(String, String)]) -> Map<String, Value> {
    let mut fields = super::fields(form, TEXT_FIELDS);
    for flag in ["enable_auth", "sandboxable"] {
        let on = form.iter().any(|(key, value)| key == flag && value == "true");
        fields.insert(flag.to_owned(), Value::Bool(on));
    }
    fields
}

fn editor(viewer: &Viewer, endpoint: &Endpoint, action: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error { (error_box(error)) }
        form.stacked.endpoint method="post" action=(action) {
            (csrf_field(viewer))
            label { "Name" input type="text" name="name" value=(endpoint.name) required; }
            label { "Query (BigQuery SQL; " code { "@name" } " for parameters)"
                textarea name="query" rows="10" spellcheck="false" required { (endpoint.query) } }
            label { "Description" input type="text" name="description" value=(endpoint.description.clone().unwrap_or_default()); }
            div.grid3 {
                label { "Cache (seconds, 0 = off)" input type="number" min="0" name="cache_duration_seconds" value=(endpoint.cache_duration_seconds); }
                label { "Requery every (seconds, 0 = off)" input type="number" min="0" name="proactive_requerying_seconds" value=(endpoint.proactive_requerying_seconds); }
                label { "Max rows" input type="number" min="1" max="10000" name="max_limit" value=(endpoint.max_limit); }
            }
            label.check { input type="checkbox" name="enable_auth" value="true" checked[endpoint.enable_auth]; " Require an access token to call it" }
            label.check { input type="checkbox" name="sandboxable" value="true" checked[endpoint.is_sandboxable()]; " Sandboxed: callers may pass " code { "sql=" } " over its CTEs" }
            button.primary type="submit" { "Save" }
        }
    }
}

/// `GET /endpoints`
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Page {
    let mut endpoints = state.catalog.all::<Endpoint>();
    endpoints.sort_by(|a, b| a.name.cmp(&b.name));
    let body = html! {
        (heading("Endpoints", html! { a.button.primary href="/endpoints/new" { "New endpoint" } }))
        @if endpoints.is_empty() {
            div.empty {
                h2 { "No endpoints yet" }
                p { "An endpoint is a saved query served over HTTP at " code { "/api/endpoints/query/<name>" } ", with " code { "@params" } ", caching and its own access rules." }
                p { a href="/endpoints/new" { "Create one" } ", or start from a search with “Save as endpoint”." }
            }
        } @else {
            table.data {
                thead { tr { th { "Name" } th { "Parameters" } th { "Cache" } th { "Auth" } th { "Description" } } }
                tbody {
                    @for endpoint in &endpoints {
                        @let parameters = state.endpoints.expanded(&endpoint.query, Some(endpoint.token)).map(|query| inspect::parameters(&query)).unwrap_or_default();
                        tr {
                            td { a href={ "/endpoints/" (endpoint.token) } { (endpoint.name) } }
                            td { @for name in &parameters { code { "@" (name) } " " } }
                            td { @if endpoint.cache_duration_seconds == 0 { span.muted { "off" } } @else { (endpoint.cache_duration_seconds) " s" } }
                            td { @if endpoint.enable_auth { "token" } @else { span.muted { "open" } } }
                            td.muted { (endpoint.description.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    page(&viewer, "Endpoints", "/endpoints", body)
}

/// `GET /endpoints/new?query=...`
pub async fn new_form(viewer: Viewer, Query(params): Query<Vec<(String, String)>>) -> Page {
    let query = params
        .iter()
        .find(|(key, _)| key == "query")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let endpoint = Endpoint::new(0, String::new(), query, "");
    let body = html! {
        (heading("New endpoint", html! {}))
        (editor(&viewer, &endpoint, "/endpoints", None))
    };
    page(&viewer, "New endpoint", "/endpoints", body)
}

/// `POST /endpoints`
pub async fn create(State(state): State<AppState>, form: CsrfForm<Vec<(String, String)>>) -> Response {
    let CsrfForm { viewer, form } = form;
    match manage::create(&state, endpoint_fields(&form)).await {
        Ok(endpoint) => Redirect::to(&format!("/endpoints/{}", endpoint.token)).into_response(),
        Err(error) => {
            let mut draft = Endpoint::new(0, String::new(), String::new(), "");
            // Show what was typed, even where it was refused.
            for (key, value) in &form {
                match key.as_str() {
                    "name" => draft.name = value.clone(),
                    "query" => draft.query = value.clone(),
                    "description" => draft.description = Some(value.clone()),
                    _ => {}
                }
            }
            let body = html! {
                (heading("New endpoint", html! {}))
                (editor(&viewer, &draft, "/endpoints", Some(&super::message(&error))))
            };
            let mut page = page(&viewer, "New endpoint", "/endpoints", body);
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            page.into_response()
        }
    }
}

fn find(state: &AppState, token: &str) -> Option<Arc<Endpoint>> {
    state.catalog.get::<Endpoint>(&uuid::Uuid::parse_str(token).ok()?)
}

/// The curl command that calls the endpoint with `params`.
fn curl(headers: &HeaderMap, endpoint: &Endpoint, params: &Params) -> String {
    let host = headers
        .get("host")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost:4000");
    let query: Vec<(String, String)> = params
        .iter()
        .map(|(key, value)| (key.clone(), value.clone().unwrap_or_default()))
        .collect();
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    let separator = if query.is_empty() { "" } else { "?" };
    let auth = if endpoint.enable_auth {
        " \\\n  -H \"x-api-key: $TOKEN\""
    } else {
        ""
    };
    format!(
        "curl \"http://{host}/api/endpoints/query/{}{separator}{query}\"{auth}",
        endpoint.token
    )
}

fn edit_page(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    endpoint: &Endpoint,
    error: Option<&str>,
    run: Option<(&Params, Result<Value, String>, Outcome)>,
) -> Page {
    let parameters = state
        .endpoints
        .expanded(&endpoint.query, Some(endpoint.token))
        .map(|query| inspect::parameters(&query))
        .unwrap_or_default();
    let given = run.as_ref().map(|(params, _, _)| (*params).clone()).unwrap_or_default();
    let body = html! {
        (heading(&endpoint.name, html! { a.button href="/endpoints" { "All endpoints" } }))
        div.columns {
            section.card {
                h2 { "Settings" }
                (editor(viewer, endpoint, &format!("/endpoints/{}", endpoint.token), error))
                form.inline method="post" action={ "/endpoints/" (endpoint.token) "/delete" } data-confirm="Delete this endpoint?" {
                    (csrf_field(viewer))
                    button.danger.small type="submit" { "Delete endpoint" }
                }
            }
            section.card {
                h2 { "Test" }
                form.stacked.runner method="get" action={ "/endpoints/" (endpoint.token) } {
                    input type="hidden" name="run" value="1";
                    @if parameters.is_empty() { p.muted { "This query has no parameters." } }
                    @for name in &parameters {
                        label { code { "@" (name) }
                            input type="text" name={ "p." (name) } value=(given.get(name).cloned().flatten().unwrap_or_default()); }
                    }
                    button.primary type="submit" { "Run" }
                }
                @if let Some((params, result, outcome)) = &run {
                    p.small.muted { "Cache: " strong.cache-status { (match outcome { Outcome::Hit => "hit", Outcome::Miss => "miss" }) } }
                    @match result {
                        Err(error) => (error_box(error)),
                        Ok(value) => {
                            @let rows: Vec<Map<String, Value>> = value.get("result").and_then(Value::as_array).map(|rows| rows.iter().filter_map(|row| row.as_object().cloned()).collect()).unwrap_or_default();
                            @let columns = columns_of(&rows);
                            @if rows.is_empty() { p.empty { "No rows." } } @else { (table(&columns, &rows)) }
                        }
                    }
                    @let command = curl(headers, endpoint, params);
                    h3 { "Call it" }
                    div.row { pre.code { (command) } (copy_button(&command)) }
                }
            }
        }
    };
    page(viewer, &endpoint.name, "/endpoints", body)
}

/// The keys of the rows, in the order first seen.
fn columns_of(rows: &[Map<String, Value>]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for key in rows.iter().flat_map(|row| row.keys()) {
        if !columns.contains(key) {
            columns.push(key.clone());
        }
    }
    columns
}

/// `GET /endpoints/:token` (`?run=1&p.<name>=...` runs it)
pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let Some(endpoint) = find(&state, &token) else {
        return super::search::not_found(&viewer).into_response();
    };
    if !query.iter().any(|(key, _)| key == "run") {
        return edit_page(&state, &viewer, &headers, &endpoint, None, None).into_response();
    }
    let params: Params = query
        .iter()
        .filter_map(|(key, value)| Some((key.strip_prefix("p.")?.to_owned(), Some(value.clone()))))
        .collect();
    let (result, outcome) = state.endpoints.call(endpoint.clone(), params.clone(), false).await;
    let result = result.and_then(|bytes| serde_json::from_slice::<Value>(&bytes).map_err(|error| error.to_string()));
    edit_page(
        &state,
        &viewer,
        &headers,
        &endpoint,
        None,
        Some((&params, result, outcome)),
    )
    .into_response()
}

/// `POST /endpoints/:token`
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let CsrfForm { viewer, form } = form;
    let Some(endpoint) = find(&state, &token) else {
        return super::search::not_found(&viewer).into_response();
    };
    match manage::update(&state, &endpoint, &endpoint_fields(&form)).await {
        Ok(stored) => Redirect::to(&format!("/endpoints/{}", stored.token)).into_response(),
        Err(error) => {
            let mut page = edit_page(
                &state,
                &viewer,
                &headers,
                &endpoint,
                Some(&super::message(&error)),
                None,
            );
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            page.into_response()
        }
    }
}

/// `POST /endpoints/:token/delete`
pub async fn delete(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Ok(token) = uuid::Uuid::parse_str(&token) else {
        return super::search::not_found(&form.viewer).into_response();
    };
    match manage::delete(&state, &token).await {
        Ok(()) => Redirect::to("/endpoints").into_response(),
        Err(error) => (StatusCode::NOT_FOUND, super::message(&error)).into_response(),
    }
}
