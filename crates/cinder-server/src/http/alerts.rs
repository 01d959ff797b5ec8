//! The alerts API: `/api/alerts` (Logflare's), plus running one now and listing its runs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::Value;

use crate::alerts::{Alert, Trigger};
use crate::auth::Manager;
use crate::error::ApiError;
use crate::state::AppState;

use super::{find_document, parse_body, path_token};

/// `GET /api/alerts`
pub async fn list(State(state): State<AppState>, _: Manager) -> Json<Value> {
    Json(
        state
            .catalog
            .all::<Alert>()
            .iter()
            .map(|alert| state.alerts.render(alert))
            .collect(),
    )
}

/// `POST /api/alerts` → 201
pub async fn create(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let alert = state.alerts.create(&parse_body(&body)?).await?;
    Ok((StatusCode::CREATED, Json(state.alerts.render(&alert))).into_response())
}

/// `GET /api/alerts/:token`
pub async fn show(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let alert = find_document::<Alert>(&state, &token)?;
    Ok(Json(state.alerts.render(&alert)))
}

/// `PUT /api/alerts/:token` → 200 with the alert
pub async fn replace(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let alert = find_document::<Alert>(&state, &token)?;
    let alert = state.alerts.update(&alert, &parse_body(&body)?).await?;
    Ok(Json(state.alerts.render(&alert)))
}

/// `PATCH /api/alerts/:token` → 204
pub async fn patch(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let alert = find_document::<Alert>(&state, &token)?;
    state.alerts.update(&alert, &parse_body(&body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/alerts/:token` → 204
pub async fn delete(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.alerts.delete(&path_token(&token)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/alerts/:token/run`: runs the alert now and answers with the run; 409 while the
/// alert is already running.
pub async fn run(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let alert = find_document::<Alert>(&state, &token)?;
    match state.alerts.run(&alert, Trigger::Manual).await {
        Some(run) => Ok(Json(serde_json::to_value(run).expect("a run serialises"))),
        None => Err(ApiError::Conflict(
            "the alert is running now; try again when it is done".into(),
        )),
    }
}

/// `GET /api/alerts/:token/runs`: the last runs, newest first.
pub async fn runs(
    State(state): State<AppState>,
    _: Manager,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let alert = find_document::<Alert>(&state, &token)?;
    Ok(Json(
        serde_json::to_value(state.alerts.runs(&alert.token)).expect("runs serialise"),
    ))
}
