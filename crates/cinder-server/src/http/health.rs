//! `GET`/`HEAD /health` and `/ready`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

/// 200 `{"status":"ok"}` once start-up is complete, 503 `{"status":"coming_up"}` before.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.ready.load(Ordering::Acquire) {
        let pending = state.pipeline.outstanding();
        (StatusCode::OK, Json(json!({"status": "ok", "pending_events": pending})))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "coming_up"})))
    }
}

/// 200 while serving, 503 `{"status":"not_ready"}` before start-up completes and once
/// shutdown begins, so a load balancer stops sending traffic first.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.ready.load(Ordering::Acquire) {
        (StatusCode::OK, Json(json!({"status": "ok"})))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "not_ready"})))
    }
}
