//! Storage failures, split by what a caller can do about them.

/// A storage operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The backend cannot be reached now; retrying later may succeed (HTTP 503).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The query is valid SQL that the engine refused (an unknown column, a bad cast...).
    #[error("{0}")]
    Query(String),
    /// Anything else: a bug or a corrupt store.
    #[error("storage error: {0}")]
    Internal(String),
}

impl From<duckdb::Error> for StorageError {
    fn from(error: duckdb::Error) -> Self {
        StorageError::Internal(error.to_string())
    }
}

impl From<tokio::task::JoinError> for StorageError {
    fn from(error: tokio::task::JoinError) -> Self {
        StorageError::Internal(format!("storage task failed: {error}"))
    }
}
