//! `/sources/new` and `/sources/:token/edit`: a source's settings, schema (as a tree, with types
//! and conflicts), rules, attached backends, and how to send it events.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cinder_core::FieldType;
use maud::{html, Markup};
use serde_json::Value;

use super::layout::{copy_button, csrf_field, error_box, heading, page, Page};
use super::search::{not_found, source_of};
use super::session::{CsrfForm, Viewer};
use crate::catalog::SourceHandle;
use crate::drains::Drain;
use crate::rules::Rule;
use crate::state::AppState;

/// The settings the form edits.
const FIELDS: &[&str] = &[
    "name",
    "description",
    "retention_days",
    "custom_event_message_keys",
    "default_search_lql",
];

/// The form as the service's fields. An emptied optional field is cleared (null).
fn source_fields(form: &[(String, String)]) -> serde_json::Map<String, Value> {
    let mut fields = super::fields(form, FIELDS);
    for (key, value) in fields.iter_mut() {
        if key != "name" && value.as_str().is_some_and(|text| text.trim().is_empty()) {
            *value = Value::Null;
        }
    }
    // A number field arrives as text; a number the service checks, anything else it refuses.
    if let Some(days) = fields
        .get("retention_days")
        .and_then(Value::as_str)
        .and_then(|text| text.trim().parse::<u64>().ok())
    {
        fields.insert("retention_days".into(), Value::from(days));
    }
    fields
}

fn settings_form(viewer: &Viewer, handle: Option<&SourceHandle>, action: &str, error: Option<&str>) -> Markup {
    let source = handle.map(|handle| handle.source.read().clone());
    let text = |value: Option<String>| value.unwrap_or_default();
    html! {
        @if let Some(error) = error { (error_box(error)) }
        form.stacked method="post" action=(action) {
            (csrf_field(viewer))
            label { "Name" input type="text" name="name" required value=(source.as_ref().map(|source| source.name.to_string()).unwrap_or_default()) placeholder="my.app"; }
            label { "Description" input type="text" name="description" value=(text(source.as_ref().and_then(|source| source.description.clone()))); }
            label { "Retention (days; empty keeps events forever)"
                input type="number" min="1" name="retention_days" value=(text(source.as_ref().and_then(|source| source.retention_days.map(|days| days.to_string())))); }
            label { "Event message keys (comma-separated, for events without a message)"
                input type="text" name="custom_event_message_keys" value=(text(source.as_ref().and_then(|source| source.custom_event_message_keys.clone()))); }
            label { "Default search (LQL)"
                input type="text" name="default_search_lql" value=(text(source.as_ref().and_then(|source| source.default_search_lql.clone()))); }
            button.primary type="submit" { "Save" }
        }
    }
}

/// `GET /sources/new`
pub async fn new_form(viewer: Viewer) -> Page {
    let body = html! {
        (heading("New source", html! {}))
        (settings_form(&viewer, None, "/sources", None))
    };
    page(&viewer, "New source", "/dashboard", body)
}

/// `POST /sources`
pub async fn create(State(state): State<AppState>, form: CsrfForm<Vec<(String, String)>>) -> Response {
    let CsrfForm { viewer, form } = form;
    match crate::sources::create(&state, &source_fields(&form)).await {
        Ok(handle) => Redirect::to(&format!("/sources/{}/edit", handle.source.read().token)).into_response(),
        Err(error) => {
            let body = html! {
                (heading("New source", html! {}))
                (settings_form(&viewer, None, "/sources", Some(&super::message(&error))))
            };
            let mut page = page(&viewer, "New source", "/dashboard", body);
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            page.into_response()
        }
    }
}

/// `GET /sources/:token`: the search page.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(token): Path<String>) -> Response {
    match source_of(&state, &viewer, &token) {
        Ok(source) => Redirect::to(&format!("/sources/{}/search", source.source.read().token)).into_response(),
        Err(page) => page.into_response(),
    }
}

fn schema_tree(fields: &BTreeMap<String, FieldType>, prefix: &str, conflicts: &BTreeMap<String, u64>) -> Markup {
    html! {
        ul.tree {
            @for (name, kind) in fields {
                @let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                li {
                    code { (name) }
                    " " span.type { (type_name(kind)) }
                    @if let Some(count) = conflicts.get(&path) { " " span.warn { (count) " conflicting values" } }
                    @match kind {
                        FieldType::Record(inner) => (schema_tree(inner, &path, conflicts)),
                        FieldType::Array(element) => @if let FieldType::Record(inner) = element.as_ref() { (schema_tree(inner, &path, conflicts)) },
                        _ => {}
                    }
                }
            }
        }
    }
}

fn type_name(kind: &FieldType) -> String {
    match kind {
        FieldType::Array(element) => format!("list of {}", type_name(element)),
        FieldType::Record(_) => "object".to_owned(),
        other => other.name().to_owned(),
    }
}

fn edit_page(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    handle: &Arc<SourceHandle>,
    error: Option<&str>,
) -> Page {
    let source = handle.source.read().clone();
    let schema = handle.schema();
    let rules: Vec<Arc<Rule>> = state
        .catalog
        .all::<Rule>()
        .into_iter()
        .filter(|rule| rule.source_id == source.id)
        .collect();
    let drains: Vec<Arc<Drain>> = state
        .catalog
        .all::<Drain>()
        .into_iter()
        .filter(|drain| drain.sources.contains(&source.token))
        .collect();
    let host = headers
        .get("host")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost:4000");
    let url = format!("http://{host}/api/logs?source={}", source.token);
    let curl = format!(
        "curl -X POST \"{url}\" \\\n  -H \"x-api-key: $TOKEN\" -H 'content-type: application/json' \\\n  -d '{{\"message\": \"hello\", \"metadata\": {{\"level\": \"info\"}}}}'"
    );
    let vector = format!(
        "[sinks.cinder]\ntype = \"http\"\ninputs = [\"my_logs\"]\nuri = \"http://{host}/api/logs?source_name={}\"\nencoding.codec = \"json\"\nrequest.headers.x-api-key = \"${{CINDER_TOKEN}}\"",
        source.name
    );
    let body = html! {
        (heading(source.name.as_str(), html! { a.button href={ "/sources/" (source.token) "/search" } { "Search" } }))
        div.columns {
            section.card {
                h2 { "Settings" }
                (settings_form(viewer, Some(handle), &format!("/sources/{}/edit", source.token), error))
                form.inline method="post" action={ "/sources/" (source.token) "/delete" } data-confirm="Delete this source and all its events? This cannot be undone." {
                    (csrf_field(viewer))
                    button.danger.small type="submit" { "Delete source" }
                }
            }
            section.card {
                h2 { "Send events" }
                p.small { "Token: " code { (source.token) } " " (copy_button(&source.token.to_string())) }
                h3 { "curl" }
                div.row { pre.code { (curl) } (copy_button(&curl)) }
                h3 { "Vector" }
                div.row { pre.code { (vector) } (copy_button(&vector)) }
            }
        }
        section.card {
            h2 { "Schema" span.muted.small { " " (schema.field_count()) " fields" } }
            (schema_tree(schema.fields(), "", schema.conflicts()))
        }
        div.columns {
            section.card {
                h2 { "Rules" }
                @if rules.is_empty() { p.muted { "No rules route this source's events. " a href="/rules" { "Add one" } "." } }
                ul { @for rule in &rules { li { code { (rule.lql_string) } " → " (rule_target(state, rule)) } } }
            }
            section.card {
                h2 { "Backends" }
                @if drains.is_empty() { p.muted { "No backend receives this source's events. " a href="/backends" { "Add one" } "." } }
                ul { @for drain in &drains { li { (drain.name) " " span.type { (format!("{:?}", drain.kind).to_lowercase()) } } } }
            }
        }
    };
    page(viewer, source.name.as_str(), "/dashboard", body)
}

/// Where a rule sends events, for display.
pub(super) fn rule_target(state: &AppState, rule: &Rule) -> String {
    if let Some(sink) = rule.sink.and_then(|sink| state.catalog.source(&sink)) {
        return format!("source {}", sink.source.read().name);
    }
    match rule
        .backend_id
        .and_then(|id| state.catalog.find::<Drain>(|drain| drain.id == id))
    {
        Some(drain) => format!("backend {}", drain.name),
        None => "nowhere (its target was deleted)".to_owned(),
    }
}

/// `GET /sources/:token/edit`
pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    match source_of(&state, &viewer, &token) {
        Ok(handle) => edit_page(&state, &viewer, &headers, &handle, None).into_response(),
        Err(page) => page.into_response(),
    }
}

/// `POST /sources/:token/edit`
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let CsrfForm { viewer, form } = form;
    let handle = match source_of(&state, &viewer, &token) {
        Ok(handle) => handle,
        Err(page) => return page.into_response(),
    };
    match crate::sources::update(&state, &handle, &source_fields(&form)).await {
        Ok(()) => Redirect::to(&format!("/sources/{token}/edit")).into_response(),
        Err(error) => {
            let mut page = edit_page(&state, &viewer, &headers, &handle, Some(&super::message(&error)));
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            page.into_response()
        }
    }
}

/// `POST /sources/:token/delete`
pub async fn delete(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Ok(uuid) = uuid::Uuid::parse_str(&token) else {
        return not_found(&form.viewer).into_response();
    };
    match crate::sources::delete(&state, &uuid).await {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(error) => (StatusCode::NOT_FOUND, super::message(&error)).into_response(),
    }
}
