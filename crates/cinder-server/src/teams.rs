//! Teams: a name and the people who share the account's sources (single tenant: the owner is
//! the default user).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
