//! Running a BigQuery-dialect query over the caller's sources: translate for the backend in
//! use, bind the parameters, run with the query timeout. `/api/query` and the dashboard's query
//! page both call [`run`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cinder_sql::translate;
use cinder_storage::Rows;

use crate::error::ApiError;
use crate::state::AppState;

/// A query's result, with what ran and how long it took.
#[derive(Debug)]
pub struct QueryOutput {
    /// The rows, one JSON object each.
    pub rows: Rows,
    /// The SQL as translated for the backend in use.
    pub translated: String,
    /// Translation and execution time.
    pub elapsed: Duration,
}

/// How long past the query timeout a backend that has not answered is given up on.
const BACKSTOP_GRACE: Duration = Duration::from_secs(5);

/// Translates `sql` and runs it, binding each `@name` from `params` (unset names bind NULL).
/// Its time counts in the query metrics under `origin` (`/api/query`, `dashboard`).
pub async fn run(
    state: &AppState,
    origin: &str,
    sql: &str,
    params: &HashMap<String, String>,
) -> Result<QueryOutput, ApiError> {
    let started = Instant::now();
    let sources = state.catalog.translator_sources(state.backend.as_ref());
    let translated =
        translate(sql, state.backend.target(), &sources).map_err(|error| ApiError::BadRequest(error.to_string()))?;
    let values: Vec<Option<String>> = translated.params.iter().map(|name| params.get(name).cloned()).collect();
    // Each backend stops a query that runs past the timeout itself (a 400: the query was too
    // heavy); this bound, a little later, catches a backend that does not answer at all (a
    // network partition): a 504, the backend's fault.
    let timeout = Duration::from_secs(state.config.query_timeout_seconds);
    let rows = match tokio::time::timeout(timeout + BACKSTOP_GRACE, state.backend.query(&translated, &values)).await {
        Ok(rows) => rows?,
        Err(_) => {
            return Err(ApiError::GatewayTimeout(format!(
                "the backend did not answer within {} s (CINDER_QUERY_TIMEOUT_SECONDS)",
                timeout.as_secs()
            )))
        }
    };
    let elapsed = started.elapsed();
    crate::metrics::metrics().observe_query(origin, elapsed);
    Ok(QueryOutput {
        rows,
        translated: translated.sql,
        elapsed,
    })
}
