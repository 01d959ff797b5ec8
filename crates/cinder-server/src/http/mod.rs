//! Routing: which handler serves which path. Handlers parse the request, call the domain
//! code and map the result; nothing else lives here.

mod account;
mod alerts;
mod backends;
mod elastic;
mod endpoints;
mod health;
mod ingest;
mod loki;
mod metrics;
mod openapi;
pub(crate) mod otlp;
mod query;
mod sources;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::error::ApiError;

use crate::ingest::decode::MAX_BODY_BYTES;
use crate::ingest::shapes::Shape;
use crate::state::AppState;

use openapi::Routes;
pub use openapi::{Access, Operation};

/// Every route, documented: the router and the OpenAPI document come from this one table.
fn routes() -> Routes {
    use Access::{Ingest, Manage, Open, Query};
    let (get, post, put, patch, delete, head, options) = (
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    );
    let mut routes = Routes::new()
        .add(
            get.clone(),
            "/health",
            health::health,
            "Health: 200 once started (and seeded), 503 before",
            Open,
            200,
        )
        .add(
            head.clone(),
            "/health",
            health::health,
            "Health, without a body",
            Open,
            200,
        )
        .add(
            get.clone(),
            "/ready",
            health::ready,
            "Readiness: 503 during start-up and shutdown",
            Open,
            200,
        )
        .add(head, "/ready", health::ready, "Readiness, without a body", Open, 200)
        .add(
            get.clone(),
            "/metrics",
            metrics::metrics,
            "Prometheus metrics (OpenMetrics text); open with CINDER_METRICS_PUBLIC=true",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/openapi",
            openapi_document,
            "This document",
            Open,
            200,
        )
        .add(
            get.clone(),
            "/api/account",
            account::account,
            "The account",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/access-tokens",
            account::list_tokens,
            "List access tokens",
            Manage,
            200,
        )
        .add(
            post.clone(),
            "/api/access-tokens",
            account::create_token,
            "Create an access token",
            Manage,
            201,
        )
        .add(
            delete.clone(),
            "/api/access-tokens/{token}",
            account::revoke_token,
            "Revoke an access token",
            Manage,
            204,
        )
        .add(
            get.clone(),
            "/api/teams",
            account::list_teams,
            "List teams",
            Manage,
            200,
        )
        .add(
            post.clone(),
            "/api/teams",
            account::create_team,
            "Create a team",
            Manage,
            201,
        )
        .add(
            get.clone(),
            "/api/teams/{token}",
            account::show_team,
            "Fetch a team",
            Manage,
            200,
        )
        .add(
            put.clone(),
            "/api/teams/{token}",
            account::update_team,
            "Update a team",
            Manage,
            201,
        )
        .add(
            delete.clone(),
            "/api/teams/{token}",
            account::delete_team,
            "Delete a team",
            Manage,
            204,
        )
        .add(get.clone(), "/api/sources", sources::list, "List sources", Manage, 200)
        .add(
            post.clone(),
            "/api/sources",
            sources::create,
            "Create a source",
            Manage,
            201,
        )
        .add(
            get.clone(),
            "/api/sources/{token}",
            sources::show,
            "Fetch a source",
            Manage,
            200,
        )
        .add(
            put.clone(),
            "/api/sources/{token}",
            sources::replace,
            "Update a source",
            Manage,
            200,
        )
        .add(
            patch.clone(),
            "/api/sources/{token}",
            sources::patch,
            "Update a source",
            Manage,
            204,
        )
        .add(
            delete.clone(),
            "/api/sources/{token}",
            sources::delete,
            "Delete a source and its events",
            Manage,
            204,
        )
        .add(
            get.clone(),
            "/api/sources/{token}/schema",
            sources::schema,
            "A source's schema (`?variant=dot`)",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/sources/{token}/recent",
            sources::recent,
            "A source's latest events",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/sources/{token}/rejected",
            sources::rejected,
            "Events the backend refused after accepting them, with its reasons",
            Manage,
            200,
        )
        .add(
            post.clone(),
            "/api/sources/{token}/backends/{backend_token}",
            backends::attach,
            "Attach a backend to a source",
            Manage,
            201,
        )
        .add(
            delete.clone(),
            "/api/sources/{token}/backends/{backend_token}",
            backends::detach,
            "Detach a backend",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/backends",
            backends::list,
            "List backends (`?metadata[key]=value`)",
            Manage,
            200,
        )
        .add(
            post.clone(),
            "/api/backends",
            backends::create,
            "Create a backend",
            Manage,
            201,
        )
        .add(
            get.clone(),
            "/api/backends/{token}",
            backends::show,
            "Fetch a backend",
            Manage,
            200,
        )
        .add(
            put.clone(),
            "/api/backends/{token}",
            backends::replace,
            "Update a backend",
            Manage,
            200,
        )
        .add(
            patch.clone(),
            "/api/backends/{token}",
            backends::patch,
            "Update a backend",
            Manage,
            204,
        )
        .add(
            delete.clone(),
            "/api/backends/{token}",
            backends::delete,
            "Delete a backend and its rules",
            Manage,
            204,
        )
        .add(
            post.clone(),
            "/api/backends/{token}/test",
            backends::test,
            "Check that a backend answers",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/rules",
            backends::list_rules,
            "List rules (`?backend_id=`, `?source_id=`)",
            Manage,
            200,
        )
        .add(
            post.clone(),
            "/api/rules",
            backends::create_rules,
            "Create a rule, or a JSON array of them",
            Manage,
            201,
        )
        .add(
            get.clone(),
            "/api/rules/{token}",
            backends::show_rule,
            "Fetch a rule",
            Manage,
            200,
        )
        .add(
            put.clone(),
            "/api/rules/{token}",
            backends::replace_rule,
            "Update a rule",
            Manage,
            200,
        )
        .add(
            patch.clone(),
            "/api/rules/{token}",
            backends::patch_rule,
            "Update a rule",
            Manage,
            204,
        )
        .add(
            delete.clone(),
            "/api/rules/{token}",
            backends::delete_rule,
            "Delete a rule",
            Manage,
            204,
        )
        .add(
            get.clone(),
            "/api/endpoints",
            endpoints::list,
            "List endpoints",
            Manage,
            200,
        )
        .add(
            post.clone(),
            "/api/endpoints",
            endpoints::create,
            "Create an endpoint",
            Manage,
            201,
        )
        .add(
            get.clone(),
            "/api/endpoints/{token}",
            endpoints::show,
            "Fetch an endpoint",
            Manage,
            200,
        )
        .add(
            put.clone(),
            "/api/endpoints/{token}",
            endpoints::replace,
            "Update an endpoint",
            Manage,
            200,
        )
        .add(
            patch.clone(),
            "/api/endpoints/{token}",
            endpoints::patch,
            "Update an endpoint",
            Manage,
            204,
        )
        .add(
            delete.clone(),
            "/api/endpoints/{token}",
            endpoints::delete,
            "Delete an endpoint",
            Manage,
            204,
        )
        .add(
            get.clone(),
            "/api/query",
            query::query,
            "Run BigQuery SQL over your sources (`sql=`)",
            Manage,
            200,
        )
        .add(
            post.clone(),
            "/api/backups",
            account::create_backup,
            "Back up the embedded store while running, into <data dir>/backups/<time>/",
            Manage,
            201,
        )
        .add(get.clone(), "/api/alerts", alerts::list, "List alerts", Manage, 200)
        .add(
            post.clone(),
            "/api/alerts",
            alerts::create,
            "Create an alert: a query run on a cron schedule that notifies when it returns rows",
            Manage,
            201,
        )
        .add(
            get.clone(),
            "/api/alerts/{token}",
            alerts::show,
            "Fetch an alert",
            Manage,
            200,
        )
        .add(
            put.clone(),
            "/api/alerts/{token}",
            alerts::replace,
            "Update an alert",
            Manage,
            200,
        )
        .add(
            patch.clone(),
            "/api/alerts/{token}",
            alerts::patch,
            "Update an alert",
            Manage,
            204,
        )
        .add(
            delete.clone(),
            "/api/alerts/{token}",
            alerts::delete,
            "Delete an alert and its history",
            Manage,
            204,
        )
        .add(
            post.clone(),
            "/api/alerts/{token}/run",
            alerts::run,
            "Run an alert now; answers with the run",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/alerts/{token}/runs",
            alerts::runs,
            "An alert's last 100 runs, newest first",
            Manage,
            200,
        )
        .add(
            get.clone(),
            "/api/query/parse",
            endpoints::parse,
            "A query's parameters and expanded text",
            Manage,
            200,
        );
    for path in [
        "/api/endpoints/query/{token_or_name}",
        "/endpoints/query/{token_or_name}",
        "/api/endpoints/query/name/{token_or_name}",
    ] {
        routes = routes
            .add(
                get.clone(),
                path,
                endpoints::query,
                "Call an endpoint; parameters in the query string",
                Query,
                200,
            )
            .add(
                post.clone(),
                path,
                endpoints::query,
                "Call an endpoint; parameters in the query string and body",
                Query,
                200,
            )
            .add(options.clone(), path, endpoints::preflight, "CORS preflight", Open, 204);
    }
    for prefix in ["/logs", "/api/logs", "/api/events"] {
        let shapes = [
            (
                "",
                Shape::Raw,
                "Ingest: one event, `{\"batch\": [...]}`, a JSON array, NDJSON or BERT",
            ),
            (
                "/json",
                Shape::Json,
                "Ingest any JSON: each item becomes the metadata of an event",
            ),
            ("/vector", Shape::Vector, "Ingest Vector's events"),
            (
                "/cloudflare",
                Shape::Cloudflare,
                "Ingest Cloudflare Logpush or worker batches",
            ),
            ("/vercel", Shape::Vercel, "Ingest a Vercel log drain"),
            ("/zeit", Shape::Vercel, "Ingest a Vercel log drain"),
            ("/cloud-event", Shape::CloudEvent, "Ingest CloudEvents (`ce-*` headers)"),
            ("/browser/reports", Shape::Json, "Ingest browser reports"),
            (
                "/elixir/logger",
                Shape::Batch,
                "Ingest an Elixir logger batch (JSON or BERT)",
            ),
            ("/erlang", Shape::Batch, "Ingest an Erlang batch (JSON or BERT)"),
            ("/erlang/logger", Shape::Batch, "Ingest an Erlang logger batch"),
            ("/erlang/lager", Shape::Batch, "Ingest an Erlang lager batch"),
            ("/typecasts", Shape::Typecasts, "Ingest with typecasts"),
            ("/netlify", Shape::Netlify, "Ingest a Netlify log drain"),
            ("/github", Shape::GitHub, "Ingest GitHub webhooks"),
        ];
        for (suffix, shape, summary) in shapes {
            let path = format!("{prefix}{suffix}");
            let handler = move |state, query, headers, body| {
                ingest::ingest(state, ingest::Route::Shape(shape), query, headers, body)
            };
            routes = routes.add(post.clone(), &path, handler, summary, Ingest, 200).add(
                options.clone(),
                &path,
                ingest::preflight,
                "CORS preflight",
                Open,
                204,
            );
        }
        for suffix in ["/syslogs", "/syslog", "/logplex"] {
            let handler =
                |state, query, headers, body| ingest::ingest(state, ingest::Route::Syslog, query, headers, body);
            routes = routes.add(
                post.clone(),
                &format!("{prefix}{suffix}"),
                handler,
                "Ingest syslog lines (`application/logplex-1`)",
                Ingest,
                200,
            );
        }
    }
    routes = routes
        .add(
            post.clone(),
            "/v1/logs",
            otlp::logs,
            "OTLP/HTTP logs (protobuf or JSON): the source from X-Source-Name or service.name",
            Ingest,
            200,
        )
        .add(
            post.clone(),
            "/v1/traces",
            otlp::traces,
            "OTLP/HTTP traces (protobuf or JSON): one event per span",
            Ingest,
            200,
        );
    routes = routes.add(
        post.clone(),
        "/loki/api/v1/push",
        loki::push,
        "Loki's push API (JSON, or snappy-compressed protobuf): the source from X-Source-Name or a `source` label",
        Ingest,
        204,
    );
    for method in [post.clone(), put.clone()] {
        routes = routes
            .add(
                method.clone(),
                "/_bulk",
                elastic::bulk,
                "Elasticsearch's bulk API: each `_index` is a source",
                Ingest,
                200,
            )
            .add(
                method,
                "/{index}/_bulk",
                elastic::bulk_index,
                "Elasticsearch's bulk API into one index (source)",
                Ingest,
                200,
            );
    }
    routes
}

/// The documented operations, for tests and tools.
pub fn operations() -> Vec<Operation> {
    routes().finish().1
}

/// `GET /api/openapi`
async fn openapi_document() -> Json<Value> {
    Json(openapi::document(&operations()))
}

/// Builds the router over shared state.
pub fn router(state: AppState) -> Router {
    let (router, _) = routes().finish();
    let dashboard = crate::dashboard::router(state.config.dashboard);
    // Compressed bodies are limited here; decompressed ones in `decode`.
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .merge(dashboard)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_auth_failures))
        .layer(axum::middleware::from_fn(metrics::count_requests))
        .with_state(state)
}

/// Failed authentications (401) one client address may make per minute; past that it gets 429
/// until the oldest ages out, whatever it sends.
pub const AUTH_FAILURES_PER_MINUTE: usize = 100;

/// Refuses a client address that failed to authenticate too often, and counts failures.
async fn limit_auth_failures(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let client = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let now = std::time::Instant::now();
    if let Some(wait) = client.and_then(|client| state.auth_failures.limited(client, now)) {
        let mut response =
            ApiError::TooManyRequests("too many failed authentications from this address; retry later".to_owned())
                .into_response();
        let seconds = wait.as_secs().max(1).to_string();
        if let Ok(value) = axum::http::HeaderValue::from_str(&seconds) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        return response;
    }
    let response = next.run(request).await;
    if response.status() == axum::http::StatusCode::UNAUTHORIZED {
        crate::metrics::metrics().auth_failures.inc();
        if let Some(client) = client {
            state.auth_failures.failed(client, now);
        }
    }
    response
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

/// A `:token` path segment; anything but a UUID names nothing (404).
fn path_token(text: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(text).map_err(|_| ApiError::NotFound)
}

/// The catalog document a `:token` path segment names, or 404.
fn find_document<T: crate::catalog::Document>(state: &AppState, text: &str) -> Result<std::sync::Arc<T>, ApiError> {
    state.catalog.get::<T>(&path_token(text)?).ok_or(ApiError::NotFound)
}

/// Lets browsers read a response from any origin (Logflare's CORS for ingest and endpoints).
fn allow_cors(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        axum::http::HeaderValue::from_static("*"),
    );
}
