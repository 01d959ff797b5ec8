//! The account (`/api/account`), access tokens (`/api/access-tokens`), teams (`/api/teams`)
//! and backups (`/api/backups`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::auth::{Manager, Scope};
use crate::catalog::AccessToken;
use crate::error::ApiError;
use crate::state::AppState;
use crate::teams::Team;

use super::{find_document, parse_body};

/// The single-tenant user, as Logflare seeds it.
const EMAIL: &str = "default@logflare.app";
const NAME: &str = "default";

fn user(state: &AppState) -> Value {
    json!({
        "email": EMAIL,
        "name": NAME,
        "provider": "default",
        "email_preferred": null,
        "image": null,
        "email_me_product": false,
        "phone": null,
        "company": null,
        "api_key": state.config.public_token(),
        "api_quota": 500,
        "token": state.catalog.account_token(),
        "metadata": null,
        "bigquery_project_id": null,
        "bigquery_dataset_location": null,
        "bigquery_dataset_id": null,
        "bigquery_reservation_search": null,
        "bigquery_reservation_alerts": null,
        "bigquery_additional_projects": null,
        "partner_upgraded": false,
        "system_monitoring": false,
    })
}

/// `GET /api/account`
pub async fn account(State(state): State<AppState>, _: Manager) -> Json<Value> {
    Json(user(&state))
}

fn render_token(token: &AccessToken, secret: Option<&str>) -> Value {
    json!({
        "id": token.id,
        // Only public tokens are ever shown again; any other only in the reply that made it.
        "token": secret.or(token.token.as_deref()),
        "scopes": token.scopes.iter().map(Scope::to_string).collect::<Vec<_>>().join(" "),
        "description": token.description,
        "inserted_at": token.inserted_at,
    })
}

/// `GET /api/access-tokens`
pub async fn list_tokens(State(state): State<AppState>, _: Manager) -> Json<Value> {
    Json(
        state
            .catalog
            .tokens()
            .iter()
            .map(|token| render_token(token, None))
            .collect(),
    )
}

/// `POST /api/access-tokens` → 201 with the token, shown this once unless it is public.
pub async fn create_token(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    let scopes: Vec<&str> = match body.get("scopes") {
        None | Some(Value::Null) => vec!["public"],
        Some(Value::String(text)) => text.split_whitespace().collect(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(ApiError::invalid(
                "scopes",
                "must be a space-separated string or a list",
            ))
        }
    };
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "can't be blank"));
    }
    let description = match body.get("description") {
        Some(Value::String(text)) => Some(text.clone()),
        None | Some(Value::Null) => None,
        Some(_) => return Err(ApiError::invalid("description", "is invalid")),
    };
    let (token, secret) = crate::tokens::create(&state.catalog, &scopes, description).await?;
    Ok((StatusCode::CREATED, Json(render_token(&token, Some(&secret)))).into_response())
}

/// `DELETE /api/access-tokens/:token` → 204: revokes the token given by its value (or its id).
pub async fn revoke_token(
    State(state): State<AppState>,
    _: Manager,
    Path(given): Path<String>,
) -> Result<StatusCode, ApiError> {
    crate::tokens::revoke(&state.catalog, &given).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn render_team(state: &AppState, team: &Team) -> Value {
    json!({
        "name": team.name,
        "token": team.token,
        "team_users": team.team_users,
        "user": user(state),
    })
}

/// `GET /api/teams`
pub async fn list_teams(State(state): State<AppState>, _: Manager) -> Json<Value> {
    Json(
        state
            .catalog
            .all::<Team>()
            .iter()
            .map(|team| render_team(&state, team))
            .collect(),
    )
}

/// `POST /api/teams` → 201
pub async fn create_team(State(state): State<AppState>, _: Manager, body: Bytes) -> Result<Response, ApiError> {
    let team = crate::teams::create(&state.catalog, &parse_body(&body)?).await?;
    Ok((StatusCode::CREATED, Json(render_team(&state, &team))).into_response())
}

/// `GET /api/teams/:token`
pub async fn show_team(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let team = find_document::<Team>(&state, &text)?;
    Ok(Json(render_team(&state, &team)))
}

/// `PUT /api/teams/:token` → 201 (Logflare answers an update of a team with 201)
pub async fn update_team(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let team = find_document::<Team>(&state, &text)?;
    let team = crate::teams::rename(&state.catalog, &team, &parse_body(&body)?).await?;
    Ok((StatusCode::CREATED, Json(render_team(&state, &team))).into_response())
}

/// `DELETE /api/teams/:token` → 204
pub async fn delete_team(
    State(state): State<AppState>,
    _: Manager,
    Path(text): Path<String>,
) -> Result<StatusCode, ApiError> {
    let team = find_document::<Team>(&state, &text)?;
    crate::teams::delete(&state.catalog, &team.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/backups` → 201: a consistent copy of the embedded store, made while Cinder runs,
/// in `<data dir>/backups/<time>/` (a data directory of its own: start Cinder on it to restore).
pub async fn create_backup(State(state): State<AppState>, _: Manager) -> Result<Response, ApiError> {
    let backup = crate::backup::create(&state).await?;
    Ok((StatusCode::CREATED, Json(json!(backup))).into_response())
}
