//! The catalog store: sources, schemas, tokens and the rest, as versioned JSON documents.
//!
//! The server keeps the catalog in memory and writes every change through to this store, so
//! it survives restarts. Documents are grouped by `kind` (`source`, `schema`, `token`, ...)
//! and keyed within a kind. The store lives beside the events: in the embedded database for
//! the embedded backend.

use async_trait::async_trait;
use serde_json::Value;

use crate::StorageError;

/// One stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogEntry {
    /// The document's kind: `source`, `schema`, `token`, ...
    pub kind: String,
    /// Its key within the kind.
    pub key: String,
    /// The document.
    pub value: Value,
}

/// Durable storage for catalog documents.
#[async_trait]
pub trait CatalogStore: Send + Sync + 'static {
    /// Returns every document.
    async fn load(&self) -> Result<Vec<CatalogEntry>, StorageError>;
    /// Creates or replaces a document; durable when this returns.
    async fn put(&self, kind: &str, key: &str, value: &Value) -> Result<(), StorageError>;
    /// Deletes a document; a missing one is not an error.
    async fn delete(&self, kind: &str, key: &str) -> Result<(), StorageError>;
}
