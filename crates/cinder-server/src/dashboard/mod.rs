//! The dashboard: server-rendered pages at `/dashboard`, `/sources/...`, `/query` and the rest,
//! behind a login. Pages call the same services as the JSON API (`sources`, `search`, `query`,
//! `tokens`, `drains`, `rules`, the endpoint store); nothing here decides a business rule or
//! writes SQL. Assets are embedded in the binary; every response carries a strict
//! Content-Security-Policy (no inline script or style).

mod admin;
mod assets;
mod endpoints;
mod layout;
mod login;
mod overview;
mod query;
mod search;
pub mod session;
mod sources;
mod tokens;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub use session::Sessions;

/// What a dashboard response may load: only this server's scripts, styles and images.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The dashboard's routes, or none when `CINDER_DASHBOARD=false` (its paths then answer 404).
pub fn router(enabled: bool) -> Router<AppState> {
    if !enabled {
        return Router::new();
    }
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/auth/login/single_tenant", get(|| async { Redirect::to("/login") }))
        .route("/dashboard", get(overview::show))
        .route("/dashboard/sources.html", get(overview::rows))
        .route("/dashboard/assets/{name}", get(assets::serve))
        .route("/sources/new", get(sources::new_form))
        .route("/sources", post(sources::create))
        .route("/sources/{token}", get(sources::show))
        .route("/sources/{token}/search", get(search::show))
        .route("/sources/{token}/event", get(search::event))
        .route("/sources/{token}/tail", get(search::tail))
        .route("/sources/{token}/export", get(search::export))
        .route("/sources/{token}/edit", get(sources::edit).post(sources::update))
        .route("/sources/{token}/delete", post(sources::delete))
        .route("/query", get(query::show))
        .route("/endpoints", get(endpoints::list).post(endpoints::create))
        .route("/endpoints/new", get(endpoints::new_form))
        .route("/endpoints/{token}", get(endpoints::edit).post(endpoints::update))
        .route("/endpoints/{token}/delete", post(endpoints::delete))
        .route("/access-tokens", get(tokens::list).post(tokens::create))
        .route("/access-tokens/{id}/revoke", post(tokens::revoke))
        .route("/backends", get(admin::backends).post(admin::create_backend))
        .route("/backends/{token}/test", post(admin::test_backend))
        .route("/backends/{token}/delete", post(admin::delete_backend))
        .route("/rules", get(admin::rules).post(admin::create_rule))
        .route("/rules/{token}/delete", post(admin::delete_rule))
        .route("/teams", get(admin::teams).post(admin::create_team))
        .route("/teams/{token}", post(admin::rename_team))
        .route("/teams/{token}/delete", post(admin::delete_team))
        .route("/account", get(admin::account))
        .layer(middleware::from_fn(secure_headers))
}

/// Headers on every dashboard response: the CSP, no framing, no sniffing, no caching of pages.
async fn secure_headers(request: Request, next: Next) -> Response {
    let asset = request.uri().path().starts_with("/dashboard/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// An API error as one sentence for a page: validation errors name their fields.
fn message(error: &crate::error::ApiError) -> String {
    match error {
        crate::error::ApiError::Validation(errors) => errors
            .iter()
            .map(|(field, messages)| format!("{field} {}", messages.join(", ")))
            .collect::<Vec<_>>()
            .join("; "),
        crate::error::ApiError::NotFound => "It no longer exists.".to_owned(),
        other => other.to_string(),
    }
}

/// A form's fields as the JSON object the services read: empty fields are left out, and
/// `name` repeated becomes a list.
fn fields(form: &[(String, String)], keys: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    for key in keys {
        if let Some((_, value)) = form.iter().rev().find(|(name, _)| name == key) {
            map.insert((*key).to_owned(), serde_json::Value::String(value.clone()));
        }
    }
    map
}
