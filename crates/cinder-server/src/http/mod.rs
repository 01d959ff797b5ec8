//! Routing: which handler serves which path. Handlers parse the request, call the domain
//! code and map the result; nothing else lives here.

mod health;
mod ingest;
mod query;
mod sources;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

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
        .route("/api/query", get(query::query));

    for prefix in ["/logs", "/api/logs", "/api/events"] {
        let shapes = [
            ("", Shape::Raw),
            ("/json", Shape::Json),
            ("/vector", Shape::Vector),
            ("/cloudflare", Shape::Cloudflare),
            ("/vercel", Shape::Vercel),
            ("/zeit", Shape::Vercel),
            ("/cloud-event", Shape::CloudEvent),
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
