//! `GET /api/query`: BigQuery SQL over the caller's sources.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
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
    let output = crate::query::run(&state, "/api/query", sql, &params).await?;
    Ok(Json(json!({ "result": output.rows.rows })))
}
