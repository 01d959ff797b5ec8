//! `/access-tokens`: create a token with scopes (its secret shown once) and revoke one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout::{copy_button, csrf_field, error_box, heading, page, Page};
use super::session::{CsrfForm, Viewer, Who};
use crate::auth::Scope;
use crate::state::AppState;

/// The scopes offered as checkboxes: (scope, what it allows).
const SCOPES: &[(&str, &str)] = &[
    ("ingest", "send events to any source"),
    ("query", "call any endpoint"),
    ("private", "everything, including this dashboard and the management API"),
    (
        "public",
        "send events (Logflare's older name for ingest; the token stays visible)",
    ),
];

fn render(state: &AppState, viewer: &Viewer, created: Option<(&str, &str)>, error: Option<&str>) -> Page {
    let mut tokens = state.catalog.tokens();
    tokens.sort_by_key(|token| token.id);
    let own = match &viewer.who {
        Who::Token { id, .. } => Some(*id),
        Who::User(_) => None,
    };
    let body = html! {
        (heading("Access tokens", html! {}))
        @if let Some((secret, scopes)) = created {
            div.notice.secret role="status" {
                p { strong { "Token created (" (scopes) ")." } " Copy it now: it is not shown again." }
                div.row { code id="new-token" { (secret) } (copy_button(secret)) }
            }
        }
        @if let Some(error) = error { (error_box(error)) }
        table.data {
            thead { tr { th { "Id" } th { "Scopes" } th { "Description" } th { "Created" } th {} } }
            tbody {
                @for token in &tokens {
                    tr data-token-id=(token.id) {
                        td.num { (token.id) }
                        td { @for scope in &token.scopes { span.chip.static { (scope.to_string()) } " " } }
                        td { (token.description.clone().unwrap_or_default()) }
                        td.small { (token.inserted_at) }
                        td.actions {
                            @if own == Some(token.id) { span.muted.small { "this session" } }
                            @else {
                                form.inline method="post" action={ "/access-tokens/" (token.id) "/revoke" } data-confirm="Revoke this token? Clients using it stop working at once." {
                                    (csrf_field(viewer))
                                    button.small.danger type="submit" { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "New token" }
            form.stacked method="post" action="/access-tokens" {
                (csrf_field(viewer))
                fieldset {
                    legend { "Scopes" }
                    @for (scope, what) in SCOPES {
                        label.check { input type="checkbox" name="scopes" value=(scope) checked[*scope == "ingest"]; code { (scope) } " — " (what) }
                    }
                }
                label { "Description" input type="text" name="description" maxlength="200" placeholder="e.g. vector on web-1"; }
                button.primary type="submit" { "Create token" }
            }
        }
    };
    page(viewer, "Access tokens", "/access-tokens", body)
}

/// `GET /access-tokens`
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Page {
    render(&state, &viewer, None, None)
}

/// `POST /access-tokens`
pub async fn create(State(state): State<AppState>, form: CsrfForm<Vec<(String, String)>>) -> Response {
    let CsrfForm { viewer, form } = form;
    let scopes: Vec<&str> = form
        .iter()
        .filter(|(key, _)| key == "scopes")
        .map(|(_, value)| value.as_str())
        .collect();
    let description = form
        .iter()
        .find(|(key, _)| key == "description")
        .map(|(_, value)| value.clone());
    if scopes.is_empty() {
        return render(&state, &viewer, None, Some("Choose at least one scope.")).into_response();
    }
    match crate::tokens::create(&state.catalog, &scopes, description).await {
        Ok((token, secret)) => {
            let scopes: Vec<String> = token.scopes.iter().map(Scope::to_string).collect();
            render(&state, &viewer, Some((&secret, &scopes.join(" "))), None).into_response()
        }
        Err(error) => render(&state, &viewer, None, Some(&super::message(&error))).into_response(),
    }
}

/// `POST /access-tokens/:id/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    match crate::tokens::revoke(&state.catalog, &id.to_string()).await {
        Ok(_) => Redirect::to("/access-tokens").into_response(),
        Err(error) => render(&state, &form.viewer, None, Some(&super::message(&error))).into_response(),
    }
}
