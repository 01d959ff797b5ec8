//! `GET /api/query`: BigQuery SQL over the caller's sources.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use cinder_sql::translate;
use serde_json::{json, Value};

use crate::auth::Manager;
use crate::error::ApiError;
use crate::state::AppState;

/// Runs `sql=` (or `bq_sql=`) and answers `{"result": [...]}`.
pub async fn query(
    State(state): State<AppState>,
    _: Manager,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let sql = match (
        params.get("sql").or_else(|| params.get("bq_sql")),
        params.get("pg_sql").or_else(|| params.get("ch_sql")),
    ) {
        (Some(sql), _) => sql,
        (None, Some(_)) => {
            return Err(ApiError::BadRequest(
                "`pg_sql` and `ch_sql` are not supported: send BigQuery SQL as `sql=` and Cinder translates it".into(),
            ))
        }
        (None, None) => {
            return Err(ApiError::BadRequest(
                "No query params provided. Supported query params are sql= and bq_sql=".into(),
            ))
        }
    };
    let translated = translate(
        sql,
        state.backend.target(),
        &state.catalog.translator_sources(state.backend.as_ref()),
    )
    .map_err(|error| ApiError::BadRequest(error.to_string()))?;
    let values: Vec<Option<String>> = translated.params.iter().map(|name| params.get(name).cloned()).collect();
    let rows = state.backend.query(&translated, &values).await?;
    Ok(Json(json!({ "result": rows.rows })))
}
