//! Storing an Elasticsearch bulk request: each index is a source (created on demand when the
//! token may manage sources), each source's documents are accepted together — durable, or
//! refused, as one — and every item gets its own outcome, as Elasticsearch reports them.

use std::collections::BTreeMap;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::sources::NamedSourceError;
use crate::state::AppState;
use cinder_decode::elastic::BulkItem;

/// Why one item failed: its HTTP status, Elasticsearch's error type and the reason.
#[derive(Debug, Clone)]
pub struct ItemError {
    pub status: u16,
    pub kind: &'static str,
    pub reason: String,
}

impl ItemError {
    fn new(status: u16, kind: &'static str, reason: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            reason: reason.into(),
        }
    }
}

/// Stores `items`; returns each one's outcome, in order.
pub async fn store(state: &AppState, principal: &Principal, items: &[BulkItem]) -> Vec<Result<(), ItemError>> {
    let mut outcomes: Vec<Result<(), ItemError>> = items
        .iter()
        .map(|item| {
            item.document
                .as_ref()
                .map(|_| ())
                .map_err(|(kind, reason)| ItemError::new(400, kind, reason.clone()))
        })
        .collect();
    // The items with a document, by index.
    let mut by_index: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (position, item) in items.iter().enumerate() {
        if outcomes[position].is_err() {
            continue;
        }
        match item.index.as_deref() {
            Some(index) => by_index.entry(index).or_default().push(position),
            None => {
                outcomes[position] = Err(ItemError::new(
                    400,
                    "action_request_validation_exception",
                    "no index: name `_index` in the action or the path /<index>/_bulk",
                ))
            }
        }
    }
    for (index, positions) in by_index {
        let result = store_index(state, principal, index, items, &positions).await;
        for position in positions {
            outcomes[position] = result.clone();
        }
    }
    outcomes
}

async fn store_index(
    state: &AppState,
    principal: &Principal,
    index: &str,
    items: &[BulkItem],
    positions: &[usize],
) -> Result<(), ItemError> {
    let source = crate::sources::ingest_target(state, principal, index)
        .await
        .map_err(|error| match error {
            NamedSourceError::Missing => ItemError::new(
                404,
                "index_not_found_exception",
                format!("no source `{index}`, and this token cannot create one"),
            ),
            NamedSourceError::Forbidden => ItemError::new(
                403,
                "security_exception",
                format!("this token cannot ingest into `{index}`"),
            ),
            NamedSourceError::Invalid(reason) => ItemError::new(400, "invalid_index_name_exception", reason),
        })?;
    let events = positions
        .iter()
        .filter_map(|position| items[*position].document.as_ref().ok().cloned())
        .collect();
    crate::ingest::accept(state, source, events)
        .await
        .map_err(|error| ItemError::new(error.status().as_u16(), error_kind(&error), error.to_string()))
}

/// Elasticsearch's name for why a document (or a whole bulk request) was not stored.
pub fn error_kind(error: &ApiError) -> &'static str {
    match error {
        ApiError::TooManyRequests(_) => "es_rejected_execution_exception",
        ApiError::Unavailable(_) | ApiError::InsufficientStorage(_) => "unavailable_shards_exception",
        _ => "mapper_parsing_exception",
    }
}
