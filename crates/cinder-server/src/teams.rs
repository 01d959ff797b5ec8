//! Teams: a name and the people who share the account's sources (single tenant: the owner is
//! the default user).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::error::{catalog_error, ApiError};

/// A member of a team.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamUser {
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: Option<String>,
}

/// A team.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Team {
    /// Numeric id.
    pub id: i64,
    /// The handle in URLs.
    pub token: Uuid,
    /// Its name.
    pub name: String,
    /// Its members besides the owner.
    #[serde(default)]
    pub team_users: Vec<TeamUser>,
    /// RFC 3339.
    pub inserted_at: String,
}

/// A team's name from Logflare's fields: required, trimmed.
fn name_of(fields: &Map<String, Value>) -> Result<String, ApiError> {
    match fields.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => Ok(name.trim().to_owned()),
        Some(Value::String(_) | Value::Null) | None => Err(ApiError::invalid("name", "can't be blank")),
        Some(_) => Err(ApiError::invalid("name", "is invalid")),
    }
}

/// Creates a team from Logflare's fields (`name`). The JSON API and the dashboard call this.
pub async fn create(catalog: &Catalog, fields: &Map<String, Value>) -> Result<Arc<Team>, ApiError> {
    let team = Team {
        id: 0,
        token: Uuid::new_v4(),
        name: name_of(fields)?,
        team_users: Vec::new(),
        inserted_at: crate::now_rfc3339(),
    };
    catalog.put(|id| Team { id, ..team }).await.map_err(catalog_error)
}

/// Renames a team (`name`).
pub async fn rename(catalog: &Catalog, team: &Team, fields: &Map<String, Value>) -> Result<Arc<Team>, ApiError> {
    let mut team = team.clone();
    team.name = name_of(fields)?;
    catalog.put(|_| team).await.map_err(catalog_error)
}

/// Deletes a team. `NotFound` when there is none.
pub async fn delete(catalog: &Catalog, token: &Uuid) -> Result<(), ApiError> {
    catalog.remove::<Team>(token).await?.ok_or(ApiError::NotFound)?;
    Ok(())
}
