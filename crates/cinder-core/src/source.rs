//! Sources: named streams of events, each with its own schema and table.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A source's name, as users write it in SQL (`cloudflare.logs.prod`). Validated at the edge:
/// non-empty, at most 255 bytes, no control characters and no backticks (which would break
/// quoting in BigQuery SQL).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceName(String);

impl SourceName {
    /// Returns the name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SourceName {
    type Error = &'static str;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err("can't be blank");
        }
        if trimmed.len() > 255 {
            return Err("should be at most 255 character(s)");
        }
        if trimmed.chars().any(|c| c.is_control() || c == '`') {
            return Err("must not contain control characters or backticks");
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl From<SourceName> for String {
    fn from(name: SourceName) -> Self {
        name.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A source as the catalog stores it. The fields are Logflare's, so API responses and
/// requests carry over unchanged; fields Cinder does not act on yet are kept and echoed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Numeric id, unique per server (Logflare's integer id, used in token scopes).
    pub id: i64,
    /// Public identifier.
    pub token: Uuid,
    /// Unique per user.
    pub name: SourceName,
    /// The owning user's id.
    pub user_id: i64,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Free text, shown in the UI.
    #[serde(default)]
    pub service_name: Option<String>,
    /// Favourites sort first in listings.
    #[serde(default)]
    pub favorite: bool,
    /// Comma-separated keys that make up `event_message` (see [`crate::normalize`]).
    #[serde(default)]
    pub custom_event_message_keys: Option<String>,
    /// Days of events to keep; `None` keeps them forever.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Refuse schema changes when true.
    #[serde(default)]
    pub lock_schema: bool,
    /// Logflare's per-source validator switch (kept for compatibility).
    #[serde(default = "default_true")]
    pub validate_schema: bool,
    /// LQL of events to drop at ingest (stored; not applied yet).
    #[serde(default)]
    pub drop_lql_string: Option<String>,
    /// Default LQL of the search page.
    #[serde(default)]
    pub default_search_lql: Option<String>,
    /// Comma-separated suggested keys for search.
    #[serde(default)]
    pub suggested_keys: String,
    /// Live tail switch.
    #[serde(default)]
    pub disable_tailing: bool,
    /// `from:to` lines copying fields at ingest (stored; not applied yet).
    #[serde(default)]
    pub transform_copy_fields: Option<String>,
    /// Key-value enrichment lines (stored; not applied yet).
    #[serde(default)]
    pub transform_key_values: Option<String>,
    /// Paths to drop at ingest (stored; not applied yet).
    #[serde(default)]
    pub transform_drop_fields: Option<String>,
    /// Milliseconds between notifications.
    #[serde(default = "default_notifications_every")]
    pub notifications_every: i64,
    /// Webhook for notifications.
    #[serde(default)]
    pub webhook_notification_url: Option<String>,
    /// Slack hook for notifications.
    #[serde(default)]
    pub slack_hook_url: Option<String>,
    /// Normalised `k=v,k2=v2` labels.
    #[serde(default)]
    pub labels: Option<String>,
    /// BigQuery clustering fields.
    #[serde(default)]
    pub bigquery_clustering_fields: Option<String>,
    /// Token for public (read-only) links.
    #[serde(default)]
    pub public_token: Option<String>,
    /// RFC 3339 creation time.
    pub inserted_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
}

fn default_true() -> bool {
    true
}

fn default_notifications_every() -> i64 {
    14_400_000
}

impl Source {
    /// Returns a new source with Logflare's defaults.
    pub fn new(id: i64, user_id: i64, name: SourceName, now: &str) -> Self {
        Self {
            id,
            token: Uuid::new_v4(),
            name,
            user_id,
            description: None,
            service_name: None,
            favorite: false,
            custom_event_message_keys: None,
            retention_days: None,
            lock_schema: false,
            validate_schema: true,
            drop_lql_string: None,
            default_search_lql: None,
            suggested_keys: String::new(),
            disable_tailing: false,
            transform_copy_fields: None,
            transform_key_values: None,
            transform_drop_fields: None,
            notifications_every: default_notifications_every(),
            webhook_notification_url: None,
            slack_hook_url: None,
            labels: None,
            bigquery_clustering_fields: None,
            public_token: None,
            inserted_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }

    /// Returns the name of the source's table in every backend: `log_events_<token>` with
    /// `-` replaced by `_`, as Logflare names its Postgres tables.
    pub fn table_name(&self) -> String {
        table_name(&self.token)
    }
}

/// Returns the table name for a source token (see [`Source::table_name`]).
pub fn table_name(token: &Uuid) -> String {
    format!("log_events_{}", token.simple_with_underscores())
}

trait SimpleWithUnderscores {
    fn simple_with_underscores(&self) -> String;
}

impl SimpleWithUnderscores for Uuid {
    fn simple_with_underscores(&self) -> String {
        self.hyphenated().to_string().replace('-', "_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert!(SourceName::try_from("  ".to_owned()).is_err());
        assert!(SourceName::try_from("a`b".to_owned()).is_err());
        assert_eq!(
            SourceName::try_from(" cloudflare.logs.prod ".to_owned())
                .unwrap()
                .as_str(),
            "cloudflare.logs.prod"
        );
    }

    #[test]
    fn table_names_follow_logflare() {
        let token = Uuid::parse_str("8c1b4a55-7a6b-4c11-9a52-3f1c3f2e9d10").unwrap();
        assert_eq!(table_name(&token), "log_events_8c1b4a55_7a6b_4c11_9a52_3f1c3f2e9d10");
    }
}
