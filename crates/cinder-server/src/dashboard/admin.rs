//! `/backends` (drains), `/rules`, `/teams` and `/account`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::{Map, Value};

use super::layout::{csrf_field, error_box, heading, notice_box, page, Page};
use super::session::{CsrfForm, Viewer, Who};
use crate::drains::Drain;
use crate::rules::Rule;
use crate::state::AppState;
use crate::teams::Team;

/// Drain types offered in the form, with an example config.
const DRAIN_TYPES: &[(&str, &str)] = &[
    ("webhook", r#"{"url": "https://example.com/hook"}"#),
    ("postgres", r#"{"url": "postgres://user:pass@host:5432/db"}"#),
    ("datadog", r#"{"api_key": "...", "region": "US1"}"#),
    ("elastic", r#"{"url": "https://es.example:9200/_bulk"}"#),
    ("loki", r#"{"url": "https://loki.example/loki/api/v1/push"}"#),
    ("bigquery", r#"{"project_id": "...", "dataset_id": "..."}"#),
];

fn backends_page(state: &AppState, viewer: &Viewer, notice: Option<&str>, error: Option<&str>) -> Page {
    let mut drains = state.catalog.all::<Drain>();
    drains.sort_by(|a, b| a.name.cmp(&b.name));
    let body = html! {
        (heading("Backends", html! {}))
        p.muted { "Backends (drains) receive copies of a source's events, chosen by rules. Events are stored by Cinder's own storage whatever you configure here." }
        @if let Some(notice) = notice { (notice_box(notice)) }
        @if let Some(error) = error { (error_box(error)) }
        @if drains.is_empty() { div.empty { p { "No backends yet. Add one below, then a rule that sends events to it." } } }
        @else {
            table.data {
                thead { tr { th { "Name" } th { "Type" } th { "Sources" } th { "Description" } th {} } }
                tbody {
                    @for drain in &drains {
                        tr {
                            td { (drain.name) }
                            td { span.type { (format!("{:?}", drain.kind).to_lowercase()) } }
                            td.num { (drain.sources.len()) }
                            td.muted { (drain.description.clone().unwrap_or_default()) }
                            td.actions {
                                form.inline method="post" action={ "/backends/" (drain.token) "/test" } { (csrf_field(viewer)) button.small type="submit" { "Test" } }
                                form.inline method="post" action={ "/backends/" (drain.token) "/delete" } data-confirm="Delete this backend and its rules?" { (csrf_field(viewer)) button.small.danger type="submit" { "Delete" } }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "New backend" }
            form.stacked method="post" action="/backends" {
                (csrf_field(viewer))
                label { "Name" input type="text" name="name" required; }
                label { "Type" select name="type" { @for (kind, _) in DRAIN_TYPES { option value=(kind) { (kind) } } } }
                label { "Config (JSON)" textarea name="config" rows="4" spellcheck="false" placeholder=(DRAIN_TYPES[0].1) {} }
                p.hint { @for (kind, example) in DRAIN_TYPES { code { (kind) } ": " code { (example) } br; } }
                label { "Description" input type="text" name="description"; }
                button.primary type="submit" { "Create backend" }
            }
        }
    };
    page(viewer, "Backends", "/backends", body)
}

/// `GET /backends`
pub async fn backends(State(state): State<AppState>, viewer: Viewer) -> Page {
    backends_page(&state, &viewer, None, None)
}

/// `POST /backends`
pub async fn create_backend(State(state): State<AppState>, form: CsrfForm<Vec<(String, String)>>) -> Response {
    let CsrfForm { viewer, form } = form;
    let mut fields = super::fields(&form, &["name", "type", "description"]);
    let config = form
        .iter()
        .find(|(key, _)| key == "config")
        .map(|(_, value)| value.trim())
        .unwrap_or("");
    let config = if config.is_empty() {
        Ok(Value::Object(Map::new()))
    } else {
        serde_json::from_str::<Value>(config)
    };
    match config {
        Ok(config) => {
            fields.insert("config".into(), config);
        }
        Err(error) => {
            let message = format!("config is not valid JSON: {error}");
            let mut page = backends_page(&state, &viewer, None, Some(&message));
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            return page.into_response();
        }
    }
    match crate::drains::create(&state, &fields).await {
        Ok(_) => Redirect::to("/backends").into_response(),
        Err(error) => {
            let mut page = backends_page(&state, &viewer, None, Some(&super::message(&error)));
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            page.into_response()
        }
    }
}

fn drain(state: &AppState, token: &str) -> Option<Arc<Drain>> {
    state.catalog.get::<Drain>(&uuid::Uuid::parse_str(token).ok()?)
}

/// `POST /backends/:token/test`
pub async fn test_backend(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Some(drain) = drain(&state, &token) else {
        return backends_page(&state, &form.viewer, None, Some("That backend no longer exists.")).into_response();
    };
    match crate::drains::test(&state, &drain).await {
        Ok(()) => backends_page(&state, &form.viewer, Some(&format!("{} answered.", drain.name)), None).into_response(),
        Err(error) => {
            backends_page(&state, &form.viewer, None, Some(&format!("{}: {error}", drain.name))).into_response()
        }
    }
}

/// `POST /backends/:token/delete`
pub async fn delete_backend(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Some(drain) = drain(&state, &token) else {
        return Redirect::to("/backends").into_response();
    };
    match crate::drains::delete(&state, &drain).await {
        Ok(()) => Redirect::to("/backends").into_response(),
        Err(error) => backends_page(&state, &form.viewer, None, Some(&super::message(&error))).into_response(),
    }
}

fn rules_page(state: &AppState, viewer: &Viewer, error: Option<&str>) -> Page {
    let rules = state.catalog.all::<Rule>();
    let mut sources = state.catalog.sources();
    sources.sort_by(|a, b| a.source.read().name.as_str().cmp(b.source.read().name.as_str()));
    let drains = state.catalog.all::<Drain>();
    let source_name = |id: i64| {
        sources
            .iter()
            .find(|source| source.source.read().id == id)
            .map(|source| source.source.read().name.to_string())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let body = html! {
        (heading("Rules", html! {}))
        p.muted { "A rule sends a source's events that match an LQL filter to a backend, or copies them into another source." }
        @if let Some(error) = error { (error_box(error)) }
        @if rules.is_empty() { div.empty { p { "No rules yet." } } }
        @else {
            table.data {
                thead { tr { th { "Source" } th { "Filter" } th { "Sends to" } th {} } }
                tbody {
                    @for rule in &rules {
                        tr {
                            td { (source_name(rule.source_id)) }
                            td { code { (rule.lql_string) } }
                            td { (super::sources::rule_target(state, rule)) }
                            td.actions { form.inline method="post" action={ "/rules/" (rule.token) "/delete" } { (csrf_field(viewer)) button.small.danger type="submit" { "Delete" } } }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "New rule" }
            @if sources.is_empty() { p.muted { "Create a source first." } }
            @else {
                form.stacked method="post" action="/rules" {
                    (csrf_field(viewer))
                    label { "Source" select name="source_id" { @for source in &sources { option value=(source.source.read().id) { (source.source.read().name.as_str()) } } } }
                    label { "Filter (LQL)" input type="text" name="lql_string" required placeholder="m.level:error"; }
                    label { "Send to" select name="target" {
                        @for drain in &drains { option value={ "backend:" (drain.id) } { "backend " (drain.name) } }
                        @for source in &sources { option value={ "source:" (source.source.read().token) } { "source " (source.source.read().name.as_str()) } }
                    } }
                    button.primary type="submit" { "Create rule" }
                }
            }
        }
    };
    page(viewer, "Rules", "/rules", body)
}

/// `GET /rules`
pub async fn rules(State(state): State<AppState>, viewer: Viewer) -> Page {
    rules_page(&state, &viewer, None)
}

/// `POST /rules`
pub async fn create_rule(State(state): State<AppState>, form: CsrfForm<Vec<(String, String)>>) -> Response {
    let CsrfForm { viewer, form } = form;
    let mut fields = super::fields(&form, &["source_id", "lql_string"]);
    match form
        .iter()
        .find(|(key, _)| key == "target")
        .map(|(_, value)| value.as_str())
    {
        Some(target) if target.starts_with("backend:") => {
            fields.insert(
                "backend_id".into(),
                Value::String(target["backend:".len()..].to_owned()),
            );
        }
        Some(target) if target.starts_with("source:") => {
            fields.insert("sink".into(), Value::String(target["source:".len()..].to_owned()));
        }
        _ => {}
    }
    match crate::rules::create(&state, &fields).await {
        Ok(_) => Redirect::to("/rules").into_response(),
        Err(error) => {
            let mut page = rules_page(&state, &viewer, Some(&super::message(&error)));
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            page.into_response()
        }
    }
}

/// `POST /rules/:token/delete`
pub async fn delete_rule(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let _ = form;
    if let Ok(token) = uuid::Uuid::parse_str(&token) {
        // Already gone is what was asked for.
        let _ = crate::rules::delete(&state, &token).await;
    }
    Redirect::to("/rules").into_response()
}

fn teams_page(state: &AppState, viewer: &Viewer, error: Option<&str>) -> Page {
    let mut teams = state.catalog.all::<Team>();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    let body = html! {
        (heading("Teams", html! {}))
        p.muted { "Cinder is single-tenant: one account owns every source, and everyone who logs in manages it. Teams are kept for Logflare's API (" code { "/api/teams" } ") and its clients." }
        @if let Some(error) = error { (error_box(error)) }
        @if teams.is_empty() { div.empty { p { "No teams." } } }
        @else {
            table.data {
                thead { tr { th { "Name" } th { "Token" } th.num { "Members" } th {} } }
                tbody {
                    @for team in &teams {
                        tr {
                            td {
                                form.inline.rename method="post" action={ "/teams/" (team.token) } {
                                    (csrf_field(viewer))
                                    input type="text" name="name" value=(team.name) aria-label="Team name" required;
                                    " " button.small type="submit" { "Rename" }
                                }
                            }
                            td { code { (team.token) } }
                            td.num { (team.team_users.len()) }
                            td.actions {
                                form.inline method="post" action={ "/teams/" (team.token) "/delete" } data-confirm="Delete this team?" {
                                    (csrf_field(viewer))
                                    button.small.danger type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "New team" }
            form.stacked method="post" action="/teams" {
                (csrf_field(viewer))
                label { "Name" input type="text" name="name" required; }
                button.primary type="submit" { "Create team" }
            }
        }
    };
    page(viewer, "Teams", "/teams", body)
}

/// `GET /teams`
pub async fn teams(State(state): State<AppState>, viewer: Viewer) -> Page {
    teams_page(&state, &viewer, None)
}

/// Shows the teams page again with an error, or goes back to it.
fn after_team_change(state: &AppState, viewer: &Viewer, result: Result<(), crate::error::ApiError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/teams").into_response(),
        Err(error) => {
            let mut page = teams_page(state, viewer, Some(&super::message(&error)));
            page.0 = StatusCode::UNPROCESSABLE_ENTITY;
            page.into_response()
        }
    }
}

/// `POST /teams`
pub async fn create_team(State(state): State<AppState>, form: CsrfForm<Vec<(String, String)>>) -> Response {
    let result = crate::teams::create(&state.catalog, &super::fields(&form.form, &["name"])).await;
    after_team_change(&state, &form.viewer, result.map(|_| ()))
}

fn team(state: &AppState, token: &str) -> Result<Arc<Team>, crate::error::ApiError> {
    uuid::Uuid::parse_str(token)
        .ok()
        .and_then(|token| state.catalog.get::<Team>(&token))
        .ok_or(crate::error::ApiError::NotFound)
}

/// `POST /teams/:token`: rename.
pub async fn rename_team(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let result = match team(&state, &token) {
        Ok(found) => crate::teams::rename(&state.catalog, &found, &super::fields(&form.form, &["name"]))
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    after_team_change(&state, &form.viewer, result)
}

/// `POST /teams/:token/delete`
pub async fn delete_team(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let result = match team(&state, &token) {
        Ok(found) => crate::teams::delete(&state.catalog, &found.token).await,
        Err(error) => Err(error),
    };
    after_team_change(&state, &form.viewer, result)
}

/// `GET /account`
pub async fn account(State(state): State<AppState>, viewer: Viewer) -> Page {
    let config = &state.config;
    let body = html! {
        (heading("Account", html! {}))
        section.card {
            dl.facts {
                dt { "Logged in as" } dd { @match &viewer.who { Who::Token { id, .. } => { "access token #" (id) }, Who::User(name) => { (name) } } }
                dt { "Account token" } dd { code { (state.catalog.account_token()) } }
                dt { "Storage" } dd { (format!("{:?}", state.backend.target()).to_lowercase()) }
                dt { "Supabase mode" } dd { (config.supabase_mode) }
                dt { "Session" } dd { "ends after " (config.dashboard_idle_minutes) " min idle, or " (config.dashboard_session_hours) " h after login" }
                dt { "Version" } dd { (env!("CARGO_PKG_VERSION")) }
            }
        }
        p { a href="/access-tokens" { "Manage access tokens" } }
    };
    page(&viewer, "Account", "/account", body)
}
