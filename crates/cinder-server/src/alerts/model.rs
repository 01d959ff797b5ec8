//! An alert as stored and as the management API shows it, how request fields change it, and
//! its schedule.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use croner::Cron;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::endpoints::model::{language, optional_text, Language};
use crate::error::ApiError;

/// The most rows one run reads (Logflare's `maxResults` for alerts).
pub const MAX_ROWS: u32 = 1000;
/// Runs kept per alert.
pub const HISTORY: usize = 100;
/// Future run times looked at to find the shortest interval of a cron expression.
const INTERVALS_CHECKED: usize = 64;

/// A saved query run on a schedule; when it returns rows they are sent to its webhook, its
/// Slack hook and its backends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alert {
    /// Numeric id.
    pub id: i64,
    /// The handle in URLs.
    pub token: Uuid,
    /// Unique among alerts.
    pub name: String,
    /// BigQuery SQL.
    pub query: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Always BigQuery SQL.
    #[serde(default)]
    pub language: Language,
    /// When it runs: five fields (minute precision) or six (seconds first), in UTC.
    pub cron: String,
    /// Receives `{"result": rows}` as JSON. A secret, sealed at rest.
    #[serde(default)]
    pub webhook_notification_url: Option<String>,
    /// A Slack incoming webhook. A secret, sealed at rest.
    #[serde(default)]
    pub slack_hook_url: Option<String>,
    /// Whether the schedule runs it (it can always be run on demand).
    pub enabled: bool,
    /// Drains (by id) the rows are also sent to.
    #[serde(default)]
    pub backend_ids: Vec<i64>,
    /// Source name → token of every source the query reads, taken when the query was saved.
    #[serde(default)]
    pub source_mapping: BTreeMap<String, Uuid>,
    /// RFC 3339.
    pub inserted_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl Alert {
    /// An alert with nothing set yet, made at `now`.
    pub fn new(now: &str) -> Self {
        Self {
            id: 0,
            token: Uuid::new_v4(),
            name: String::new(),
            query: String::new(),
            description: None,
            language: Language::BqSql,
            cron: String::new(),
            webhook_notification_url: None,
            slack_hook_url: None,
            enabled: true,
            backend_ids: Vec::new(),
            source_mapping: BTreeMap::new(),
            inserted_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }

    /// The API's view; `backends` are the rendered drains of `backend_ids`.
    pub fn render(&self, backends: Vec<Value>) -> Value {
        json!({
            "id": self.id,
            "token": self.token,
            "name": self.name,
            "description": self.description,
            "language": self.language,
            "query": self.query,
            "cron": self.cron,
            "webhook_notification_url": self.webhook_notification_url,
            "slack_hook_url": self.slack_hook_url,
            "enabled": self.enabled,
            "backends": backends,
            "source_mapping": self.source_mapping,
            "inserted_at": self.inserted_at,
            "updated_at": self.updated_at,
        })
    }

    /// Its schedule. Stored alerts were checked when saved, so this fails only for an alert
    /// written by hand into the catalog.
    pub fn schedule(&self) -> Result<Schedule, String> {
        Schedule::parse(&self.cron)
    }

    /// Applies the writable fields of a create or update request; every bad field is reported.
    /// The query and the backends are checked by the caller, which knows the sources and
    /// drains. `min_interval` is the shortest time allowed between two runs.
    pub fn apply(&mut self, params: &Map<String, Value>, min_interval: Duration) -> Result<(), ApiError> {
        let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut fail = |field: &str, message: String| errors.entry(field.to_owned()).or_default().push(message);
        for (key, value) in params {
            let key = key.as_str();
            match key {
                "name" | "query" | "cron" => match value {
                    Value::String(text) if !text.trim().is_empty() => {
                        let text = if key == "query" {
                            text.clone()
                        } else {
                            text.trim().to_owned()
                        };
                        match key {
                            "name" => self.name = text,
                            "query" => self.query = text,
                            _ => self.cron = text,
                        }
                    }
                    Value::String(_) | Value::Null => fail(key, "can't be blank".into()),
                    _ => fail(key, "is invalid".into()),
                },
                "description" => match optional_text(value) {
                    Ok(text) => self.description = text,
                    Err(()) => fail(key, "is invalid".into()),
                },
                "webhook_notification_url" | "slack_hook_url" => match optional_text(value) {
                    Ok(Some(url)) if !is_http_url(&url) => fail(key, "must be an http(s) URL".into()),
                    Ok(url) if key == "slack_hook_url" => self.slack_hook_url = url,
                    Ok(url) => self.webhook_notification_url = url,
                    Err(()) => fail(key, "is invalid".into()),
                },
                "language" => match language(value) {
                    Ok(language) => self.language = language,
                    Err(message) => fail(key, message.into()),
                },
                "enabled" => match value {
                    Value::Bool(flag) => self.enabled = *flag,
                    _ => fail(key, "must be true or false".into()),
                },
                "backend_ids" => match value {
                    Value::Array(ids) => match ids.iter().map(positive_id).collect::<Option<Vec<i64>>>() {
                        Some(mut ids) => {
                            ids.dedup();
                            self.backend_ids = ids;
                        }
                        None => fail(key, "must contain positive integers".into()),
                    },
                    _ => fail(key, "must be an array".into()),
                },
                "backends" => fail(key, "is read-only; use backend_ids".into()),
                _ => {}
            }
        }
        if !errors.contains_key("cron") && !self.cron.is_empty() {
            if let Err(message) = Schedule::parse(&self.cron).and_then(|schedule| schedule.check(min_interval)) {
                errors.entry("cron".to_owned()).or_default().push(message);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

fn positive_id(value: &Value) -> Option<i64> {
    value.as_i64().filter(|id| *id > 0)
}

fn is_http_url(text: &str) -> bool {
    reqwest::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

/// When an alert runs: a cron expression in UTC.
pub struct Schedule(Cron);

impl Schedule {
    /// Parses five fields (minute hour day-of-month month day-of-week) or six (seconds first).
    pub fn parse(text: &str) -> Result<Self, String> {
        Cron::new(text)
            .with_seconds_optional()
            .parse()
            .map(Self)
            .map_err(|error| format!("is not a cron expression: {error}"))
    }

    /// The first run strictly after `after`; `None` when the expression never matches again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.0.find_next_occurrence(&after, false).ok()
    }

    /// Refuses an expression that runs more often than every `min_interval`, or never.
    fn check(&self, min_interval: Duration) -> Result<(), String> {
        let mut times = Vec::with_capacity(INTERVALS_CHECKED);
        let mut at = Utc::now();
        while times.len() < INTERVALS_CHECKED {
            match self.next_after(at) {
                Some(next) => {
                    times.push(next);
                    at = next;
                }
                None => break,
            }
        }
        if times.len() < 2 {
            return Err("not enough run dates".to_owned());
        }
        let shortest = times
            .windows(2)
            .map(|pair| (pair[1] - pair[0]).to_std().unwrap_or_default())
            .min()
            .unwrap_or_default();
        if shortest < min_interval {
            return Err(format!(
                "can only trigger up to {} intervals (CINDER_ALERT_MIN_INTERVAL_SECONDS)",
                describe(min_interval)
            ));
        }
        Ok(())
    }
}

/// `5 minute`, `30 second`: as in "5 minute intervals".
fn describe(interval: Duration) -> String {
    match interval.as_secs() {
        seconds if seconds % 60 == 0 && seconds >= 60 => format!("{} minute", seconds / 60),
        seconds => format!("{seconds} second"),
    }
}

/// One run of an alert: when, why, what it found and where it went.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Run {
    /// When it started, RFC 3339.
    pub started_at: String,
    /// `scheduled` or `manual`.
    pub trigger: Trigger,
    /// Query time in milliseconds.
    pub duration_ms: u64,
    /// Rows the query returned.
    pub rows: usize,
    /// Whether it had rows, and so notified.
    pub fired: bool,
    /// Why the query failed, if it did.
    #[serde(default)]
    pub error: Option<String>,
    /// One per notification sent.
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
}

/// What started a run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The alert's cron.
    Scheduled,
    /// `POST /api/alerts/:token/run` or the dashboard.
    Manual,
}

/// The result of one notification.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Delivery {
    /// `webhook`, `slack`, or `backend:<name>`.
    pub target: String,
    /// Whether the receiver accepted it (a 2xx).
    pub ok: bool,
    /// The receiver's HTTP status, when it answered.
    #[serde(default)]
    pub status: Option<u16>,
    /// What went wrong, never with the URL (it is a secret).
    #[serde(default)]
    pub error: Option<String>,
}

/// The last runs of one alert, newest first; a catalog document of its own so that a run
/// never rewrites (or races with an edit of) the alert.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertRuns {
    /// The alert's id.
    pub id: i64,
    /// The alert's token.
    pub token: Uuid,
    /// Newest first, at most [`HISTORY`].
    pub runs: VecDeque<Run>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(alert: &mut Alert, params: Value, min_interval: Duration) -> Vec<String> {
        match alert.apply(params.as_object().unwrap(), min_interval) {
            Ok(()) => Vec::new(),
            Err(ApiError::Validation(errors)) => errors
                .into_iter()
                .flat_map(|(field, messages)| messages.into_iter().map(move |message| format!("{field} {message}")))
                .collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn cron_expressions_are_checked_against_the_shortest_interval() {
        let mut alert = Alert::new("now");
        for ok in ["*/5 * * * *", "0 * * * *", "0 9 * * 1-5", "30 */10 * * * *"] {
            assert_eq!(
                errors(&mut alert, json!({ "cron": ok }), FIVE_MINUTES),
                Vec::<String>::new(),
                "{ok}"
            );
        }
        for (bad, wanted) in [
            ("* * * * *", "can only trigger up to 5 minute intervals"),
            // Only the first two runs are 5 minutes apart; later ones are 1 minute apart.
            ("0,5,6,7 * * * *", "can only trigger up to 5 minute intervals"),
            ("*/10 * * * * *", "can only trigger up to 5 minute intervals"),
            ("0 0 30 2 *", "not enough run dates"),
            ("every minute", "is not a cron expression"),
            ("", "can't be blank"),
        ] {
            let found = errors(&mut alert, json!({ "cron": bad }), FIVE_MINUTES);
            assert!(found.len() == 1 && found[0].contains(wanted), "{bad}: {found:?}");
        }
        assert!(errors(&mut alert, json!({ "cron": "*/2 * * * * *" }), Duration::from_secs(1)).is_empty());
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut alert = Alert::new("now");
        let found = errors(
            &mut alert,
            json!({
                "name": "", "query": 3, "language": "pg_sql", "enabled": "yes",
                "backend_ids": [1, -2], "backends": [], "slack_hook_url": "ftp://x",
                "webhook_notification_url": "not a url",
            }),
            FIVE_MINUTES,
        );
        let fields: Vec<&str> = found.iter().map(|line| line.split(' ').next().unwrap()).collect();
        assert_eq!(
            fields,
            [
                "backend_ids",
                "backends",
                "enabled",
                "language",
                "name",
                "query",
                "slack_hook_url",
                "webhook_notification_url"
            ]
        );
    }

    #[test]
    fn next_runs_follow_the_expression_in_utc() {
        let schedule = Schedule::parse("0 */15 * * * *").unwrap();
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:07:00Z").unwrap().to_utc();
        let next = schedule.next_after(at).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-12-01T10:15:00+00:00");
        assert_eq!(
            schedule.next_after(next).unwrap().to_rfc3339(),
            "2026-12-01T10:30:00+00:00"
        );
    }
}
