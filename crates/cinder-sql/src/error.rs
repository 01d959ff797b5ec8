//! Why a query was refused. Every message names the offending part.

/// A query that cannot be translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    /// The text is not valid BigQuery SQL.
    #[error("could not parse the query: {0}")]
    Parse(String),
    /// More than one statement.
    #[error("only a single query is allowed")]
    MultipleStatements,
    /// An empty query.
    #[error("the query is empty")]
    Empty,
    /// A statement other than SELECT.
    #[error("only SELECT queries are allowed")]
    NotSelect,
    /// `*` or `t.*` in a projection.
    #[error("restricted wildcard (*) in a result column: name the columns you need")]
    Wildcard,
    /// A table that is neither a CTE nor one of the caller's sources.
    #[error("unknown source `{0}`")]
    UnknownSource(String),
    /// A function that may not be called (it reads files, settings or other users' data).
    #[error("function `{0}` is not allowed")]
    RestrictedFunction(String),
    /// A sandboxed query that reaches outside the endpoint's CTEs, or an endpoint that has none.
    #[error("sandboxed query: {0}")]
    Sandbox(String),
    /// Valid BigQuery that Cinder does not translate (yet); refused rather than risk wrong rows.
    #[error("not supported: {0}")]
    Unsupported(String),
}
