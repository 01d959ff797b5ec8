//! Routing: which handler serves which path. Handlers parse the request, call the domain
//! code and map the result; nothing else lives here.

mod account;
mod backends;
mod endpoints;
mod health;
mod ingest;
mod query;
mod sources;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::catalog::CatalogError;
use crate::error::ApiError;

use crate::ingest::decode::MAX_BODY_BYTES;
use crate::ingest::shapes::Shape;
use crate::state::AppState;

/// Builds the router over shared state.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/health", get(health::health).head(health::health))
        .route("/ready", get(health::ready).head(health::ready))
        .route("/api/sources", get(sources::list).post(sources::create))
        .route(
            "/api/sources/{token}",
            get(sources::show)
                .put(sources::replace)
                .patch(sources::patch)
                .delete(sources::delete),
        )
        .route("/api/sources/{token}/schema", get(sources::schema))
        .route("/api/sources/{token}/recent", get(sources::recent))
        .route(
            "/api/sources/{token}/backends/{backend_token}",
            post(backends::attach).delete(backends::detach),
        )
        .route("/api/backends", get(backends::list).post(backends::create))
        .route(
            "/api/backends/{token}",
            get(backends::show)
                .put(backends::replace)
                .patch(backends::patch)
                .delete(backends::delete),
        )
        .route("/api/backends/{token}/test", post(backends::test))
        .route("/api/rules", get(backends::list_rules).post(backends::create_rules))
        .route(
            "/api/rules/{token}",
            get(backends::show_rule)
                .put(backends::replace_rule)
                .patch(backends::patch_rule)
                .delete(backends::delete_rule),
        )
        .route("/api/account", get(account::account))
        .route(
            "/api/access-tokens",
            get(account::list_tokens).post(account::create_token),
        )
        .route("/api/access-tokens/{token}", delete(account::revoke_token))
        .route("/api/teams", get(account::list_teams).post(account::create_team))
        .route(
            "/api/teams/{token}",
            get(account::show_team)
                .put(account::update_team)
                .delete(account::delete_team),
        )
        .route("/api/query", get(query::query))
        .route("/api/query/parse", get(endpoints::parse))
        .route("/api/endpoints", get(endpoints::list).post(endpoints::create))
        .route(
            "/api/endpoints/{token}",
            get(endpoints::show)
                .put(endpoints::replace)
                .patch(endpoints::patch)
                .delete(endpoints::delete),
        );
    for path in [
        "/api/endpoints/query/{token_or_name}",
        "/endpoints/query/{token_or_name}",
        "/api/endpoints/query/name/{token_or_name}",
    ] {
        router = router.route(
            path,
            get(endpoints::query)
                .post(endpoints::query)
                .options(endpoints::preflight),
        );
    }

    for prefix in ["/logs", "/api/logs", "/api/events"] {
        let shapes = [
            ("", Shape::Raw),
            ("/json", Shape::Json),
            ("/vector", Shape::Vector),
            ("/cloudflare", Shape::Cloudflare),
            ("/vercel", Shape::Vercel),
            ("/zeit", Shape::Vercel),
            ("/cloud-event", Shape::CloudEvent),
            ("/browser/reports", Shape::Json),
            ("/elixir/logger", Shape::Batch),
            ("/erlang", Shape::Batch),
            ("/erlang/logger", Shape::Batch),
            ("/erlang/lager", Shape::Batch),
            ("/typecasts", Shape::Typecasts),
            ("/netlify", Shape::Netlify),
            ("/github", Shape::GitHub),
        ];
        for (suffix, shape) in shapes {
            router = router.route(
                &format!("{prefix}{suffix}"),
                post(move |state, query, headers, body| {
                    ingest::ingest(state, ingest::Route::Shape(shape), query, headers, body)
                })
                .options(ingest::preflight),
            );
        }
        for suffix in ["/syslogs", "/syslog", "/logplex"] {
            router = router.route(
                &format!("{prefix}{suffix}"),
                post(|state, query, headers, body| ingest::ingest(state, ingest::Route::Syslog, query, headers, body)),
            );
        }
    }
    // Compressed bodies are limited here; decompressed ones in `decode`.
    router.layer(DefaultBodyLimit::max(MAX_BODY_BYTES)).with_state(state)
}

/// Reads a management request's body: a JSON object, or nothing.
fn parse_body(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::BadRequest("the body must be a JSON object".into())),
        Err(error) => Err(ApiError::BadRequest(format!("malformed JSON: {error}"))),
    }
}

/// The 422 or storage error of a refused catalog change.
fn catalog_error(error: CatalogError) -> ApiError {
    match error {
        CatalogError::NameTaken => ApiError::invalid("name", "has already been taken"),
        CatalogError::Storage(error) => error.into(),
    }
}
