//! Events from shippers that name their destination (Loki's labels, OTLP's `service.name`):
//! into the one source the request names, or else into the source each event names, created
//! on demand for a token with the management scope.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::auth::Principal;
use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::sources::NamedSourceError;
use crate::state::AppState;

/// Decoded events, before a source takes them.
type RawEvents = Vec<Map<String, Value>>;

/// Where a request's events go.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// The source with this name (`X-Source-Name`, `source_name`).
    Name(&'a str),
    /// The source with this token (`X-Source`, `source`).
    Token(&'a str),
    /// The source each event names.
    PerEvent,
}

/// Stores `events` (each with the source name it carries, if any). Each source's events are
/// made durable together; `unnamed` is the error for an event that names none.
pub async fn accept_shipped(
    state: &AppState,
    principal: &Principal,
    destination: Destination<'_>,
    events: Vec<(Option<String>, Map<String, Value>)>,
    unnamed: &str,
) -> Result<(), ApiError> {
    if let Destination::Token(token) = destination {
        let source = Uuid::parse_str(token.trim())
            .ok()
            .and_then(|token| state.catalog.source(&token))
            .ok_or_else(|| ApiError::BadRequest(format!("no source has the token `{token}`")))?;
        if !principal.can_ingest(source.source.read().id) {
            return Err(ApiError::Unauthorized);
        }
        return crate::ingest::accept(state, source, events.into_iter().map(|(_, event)| event).collect()).await;
    }
    let mut groups: BTreeMap<String, RawEvents> = BTreeMap::new();
    for (name, event) in events {
        let name = match destination {
            Destination::Name(name) => name.to_owned(),
            _ => name.ok_or_else(|| ApiError::BadRequest(unnamed.to_owned()))?,
        };
        groups.entry(name).or_default().push(event);
    }
    // Every source is found (or made) before any event is stored.
    let mut targets: Vec<(Arc<SourceHandle>, RawEvents)> = Vec::new();
    for (name, events) in groups {
        let source = crate::sources::ingest_target(state, principal, &name)
            .await
            .map_err(|error| match error {
                NamedSourceError::Missing => {
                    ApiError::BadRequest(format!("no source `{name}`, and this token cannot create one"))
                }
                NamedSourceError::Forbidden => ApiError::Unauthorized,
                NamedSourceError::Invalid(reason) => ApiError::BadRequest(reason),
            })?;
        targets.push((source, events));
    }
    for (source, events) in targets {
        crate::ingest::accept(state, source, events).await?;
    }
    Ok(())
}

/// The destination a request's headers or parameters name, else [`Destination::PerEvent`].
pub fn destination<'a>(
    params: &'a std::collections::HashMap<String, String>,
    headers: &'a axum::http::HeaderMap,
) -> Destination<'a> {
    use cinder_decode::header_text;
    if let Some(name) = params
        .get("source_name")
        .map(String::as_str)
        .or_else(|| header_text(headers, "x-source-name"))
    {
        return Destination::Name(name);
    }
    match params
        .get("source")
        .map(String::as_str)
        .or_else(|| header_text(headers, "x-source"))
    {
        Some(token) => Destination::Token(token),
        None => Destination::PerEvent,
    }
}
