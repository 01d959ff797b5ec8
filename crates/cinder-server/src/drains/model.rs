//! Drains: where copies of events can be sent (Logflare calls them "backends"; Cinder keeps
//! that name in its API and uses "backend" only for where events are stored).
//!
//! A drain's `config` is checked per type when it is saved, and its secrets (passwords, API
//! keys, tokens, header values, credentials inside URLs) never leave the server: every response
//! shows them as `REDACTED`, and an update that sends `REDACTED` back keeps the stored value.

use std::collections::BTreeMap;
use std::path::Path;

use cinder_storage::postgres::tls::{self, Connection, SslMode};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::ApiError;

/// What a secret looks like in responses.
pub const REDACTED: &str = "REDACTED";

/// The kinds of backend Logflare has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DrainType {
    /// HTTP POST of JSON batches.
    Webhook,
    /// A PostgreSQL database.
    Postgres,
    /// BigQuery.
    Bigquery,
    /// Datadog logs.
    Datadog,
    /// Elasticsearch.
    Elastic,
    /// Grafana Loki.
    Loki,
    /// Sentry.
    Sentry,
    /// Amazon S3 (or compatible).
    S3,
    /// Axiom.
    Axiom,
    /// ClickHouse.
    Clickhouse,
    /// incident.io.
    Incidentio,
    /// OpenTelemetry (OTLP).
    Otlp,
    /// Last9.
    Last9,
    /// Syslog.
    Syslog,
}

impl DrainType {
    fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(Value::String(text.to_owned())).ok()
    }

    /// The config keys that must be present (all strings unless listed in [`Self::numbers`]).
    fn required(self) -> &'static [&'static str] {
        match self {
            DrainType::Webhook | DrainType::Loki | DrainType::Elastic => &["url"],
            DrainType::Postgres => &[],
            DrainType::Otlp => &["endpoint"],
            DrainType::Last9 => &["region", "username", "password"],
            DrainType::Bigquery => &["project_id", "dataset_id"],
            DrainType::Datadog => &["api_key"],
            DrainType::Sentry => &["dsn"],
            DrainType::S3 => &["s3_bucket", "storage_region", "access_key_id", "secret_access_key"],
            DrainType::Axiom => &["api_token", "dataset_name"],
            DrainType::Clickhouse => &["url", "database"],
            DrainType::Incidentio => &["api_token", "alert_source_config_id"],
            DrainType::Syslog => &["host", "port"],
        }
    }
}

/// Config keys whose values are secrets.
const SECRET_KEYS: [&str; 9] = [
    "password",
    "cipher_key",
    "client_key",
    "api_key",
    "api_token",
    "secret_access_key",
    "access_key_id",
    "dsn",
    "token",
];

/// A backend as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Drain {
    /// Numeric id (rules name it as `backend_id`).
    pub id: i64,
    /// The handle in URLs.
    pub token: Uuid,
    /// Its name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// The kind of destination.
    #[serde(rename = "type")]
    pub kind: DrainType,
    /// Type-specific settings, secrets included (empty when they were lost with a generated
    /// encryption key).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub config: Map<String, Value>,
    /// Free-form labels (Studio marks log drains with `{"type": "log-drain"}`).
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The sources attached to it.
    #[serde(default)]
    pub sources: Vec<Uuid>,
    /// RFC 3339.
    pub inserted_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Map<String, Value>, D::Error> {
    Ok(Option::<Map<String, Value>>::deserialize(deserializer)?.unwrap_or_default())
}

impl Drain {
    /// A drain with no fields yet (a webhook until its `type` says otherwise), made at `now`.
    pub fn blank(now: &str) -> Drain {
        Drain {
            id: 0,
            token: Uuid::new_v4(),
            name: String::new(),
            description: None,
            kind: DrainType::Webhook,
            config: Map::new(),
            metadata: Map::new(),
            sources: Vec::new(),
            inserted_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }

    /// The API's view, secrets redacted.
    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "token": self.token,
            "name": self.name,
            "description": self.description,
            "type": self.kind,
            "config": redact(&self.config),
            "metadata": self.metadata,
            "default_ingest?": false,
            "inserted_at": self.inserted_at,
            "updated_at": self.updated_at,
        })
    }

    /// Whether every `metadata[key]=value` filter holds (`"true"`/`"false"` match booleans).
    pub fn matches_metadata(&self, filters: &[(String, String)]) -> bool {
        filters.iter().all(|(key, wanted)| match self.metadata.get(key) {
            Some(Value::String(text)) => text == wanted,
            Some(Value::Bool(flag)) => wanted.parse::<bool>().ok() == Some(*flag),
            Some(Value::Number(number)) => number.to_string() == *wanted,
            _ => false,
        })
    }

    /// Applies a create or update request. `creating` requires `name`, `type` and `config`.
    pub fn apply(&mut self, params: &Map<String, Value>, creating: bool) -> Result<(), ApiError> {
        let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut fail = |field: &str, message: String| errors.entry(field.to_owned()).or_default().push(message);
        if creating {
            for field in ["name", "type", "config"] {
                if params.get(field).is_none_or(Value::is_null) {
                    fail(field, "can't be blank".into());
                }
            }
        }
        if let Some(value) = params.get("name").filter(|value| !value.is_null()) {
            match value.as_str().map(str::trim) {
                Some(name) if !name.is_empty() => self.name = name.to_owned(),
                Some(_) => fail("name", "can't be blank".into()),
                None => fail("name", "is invalid".into()),
            }
        }
        match params.get("description") {
            Some(Value::String(text)) => self.description = Some(text.clone()),
            Some(Value::Null) => self.description = None,
            Some(_) => fail("description", "is invalid".into()),
            None => {}
        }
        if let Some(value) = params.get("type").filter(|value| !value.is_null()) {
            match value.as_str().and_then(DrainType::parse) {
                Some(kind) if creating || kind == self.kind => self.kind = kind,
                Some(_) => fail("type", "cannot be changed; create a new backend".into()),
                None => fail("type", format!("is invalid: {value}")),
            }
        }
        match params.get("metadata") {
            Some(Value::Object(metadata)) => self.metadata = metadata.clone(),
            Some(Value::Null) | None => {}
            Some(_) => fail("metadata", "must be an object".into()),
        }
        match params.get("config") {
            Some(Value::Object(config)) => self.config = merge_secrets(&self.config, config),
            Some(Value::Null) | None => {}
            Some(_) => fail("config", "must be an object".into()),
        }
        if !errors.contains_key("type") && !errors.contains_key("config") {
            for (key, message) in check_config(self.kind, &self.config) {
                errors.entry(format!("config.{key}")).or_default().push(message);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// A new config whose `REDACTED` values (as a client read them) keep the stored secrets.
fn merge_secrets(stored: &Map<String, Value>, incoming: &Map<String, Value>) -> Map<String, Value> {
    incoming
        .iter()
        .map(|(key, value)| {
            let kept = match (value, stored.get(key)) {
                (Value::String(text), Some(old)) if text == REDACTED => old.clone(),
                (Value::Object(new), Some(Value::Object(old))) => Value::Object(merge_secrets(old, new)),
                (Value::String(text), Some(Value::String(old)))
                    if text.contains(REDACTED) && redact_url(old) == *text =>
                {
                    Value::String(old.clone())
                }
                _ => value.clone(),
            };
            (key.clone(), kept)
        })
        .collect()
}

fn check_config(kind: DrainType, config: &Map<String, Value>) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    for key in kind.required() {
        match config.get(*key) {
            Some(Value::String(text)) if !text.trim().is_empty() => {}
            Some(Value::Number(_)) if *key == "port" => {}
            _ => errors.push((key.to_string(), "can't be blank".to_owned())),
        }
    }
    for key in ["url", "endpoint"] {
        let Some(url) = config.get(key) else { continue };
        let scheme_ok = match (kind, key, url.as_str()) {
            (DrainType::Postgres, "url", Some(url)) => {
                url.starts_with("postgres://") || url.starts_with("postgresql://")
            }
            (_, _, Some(url)) => {
                (url.starts_with("http://") || url.starts_with("https://")) && reqwest::Url::parse(url).is_ok()
            }
            (_, _, None) => false,
        };
        if !scheme_ok {
            let expected = if kind == DrainType::Postgres && key == "url" {
                "postgres://"
            } else {
                "http:// or https://"
            };
            errors.push((key.into(), format!("must be a URL starting with {expected}")));
        }
    }
    let text = |key: &str| config.get(key).and_then(Value::as_str);
    let one_of = |key: &str, allowed: &[&str], errors: &mut Vec<(String, String)>| {
        if let Some(value) = config.get(key).filter(|value| !value.is_null()) {
            if !value
                .as_str()
                .is_some_and(|value| allowed.iter().any(|allowed| allowed.eq_ignore_ascii_case(value)))
            {
                errors.push((key.into(), format!("must be one of {}", allowed.join(", "))));
            }
        }
    };
    match kind {
        DrainType::Datadog => {
            let regions: Vec<&str> = crate::drains::send::DATADOG_SITES
                .iter()
                .map(|(name, _)| *name)
                .collect();
            one_of("region", &regions, &mut errors);
        }
        DrainType::Last9 => {
            let regions: Vec<&str> = crate::drains::send::LAST9_REGIONS
                .iter()
                .map(|(name, _)| *name)
                .collect();
            one_of("region", &regions, &mut errors);
        }
        DrainType::Otlp => one_of("protocol", &["http/protobuf"], &mut errors),
        DrainType::Loki => one_of("format", &["json", "protobuf"], &mut errors),
        DrainType::Sentry => {
            if let Some(Err(reason)) = text("dsn").map(crate::drains::send::parse_dsn) {
                errors.push(("dsn".into(), reason));
            }
        }
        DrainType::Syslog => {
            let port = config.get("port").and_then(|port| {
                port.as_u64()
                    .or_else(|| port.as_str().and_then(|text| text.parse().ok()))
            });
            if config.get("port").is_some() && !port.is_some_and(|port| (1..=65_535).contains(&port)) {
                errors.push(("port".into(), "must be a port number, 1 to 65535".into()));
            }
            if config.get("cipher_key").is_some_and(|key| !key.is_null()) {
                errors.push((
                    "cipher_key".into(),
                    "is not supported by Cinder: use `tls` to encrypt".into(),
                ));
            }
            if config.get("client_cert").is_some_and(|key| !key.is_null()) {
                errors.push(("client_cert".into(), "is not supported by Cinder yet".into()));
            }
        }
        _ => {}
    }
    for key in ["tls", "flatten_to_attributes"] {
        if config
            .get(key)
            .is_some_and(|value| !value.is_boolean() && !value.is_null())
        {
            errors.push((key.into(), "must be true or false".into()));
        }
    }
    for key in ["batch_timeout", "max_message_bytes"] {
        if config
            .get(key)
            .is_some_and(|value| !value.is_null() && value.as_u64().is_none_or(|number| number == 0))
        {
            errors.push((key.into(), "must be a positive number".into()));
        }
    }
    if kind == DrainType::Postgres && config.get("url").is_none() {
        for key in ["hostname", "username", "database"] {
            if config.get(key).and_then(Value::as_str).is_none_or(str::is_empty) {
                errors.push((key.into(), "can't be blank (or give a `url`)".into()));
            }
        }
    }
    match config.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) if headers.values().all(Value::is_string) => {}
        Some(_) => errors.push(("headers".into(), "must be an object of strings".into())),
    }
    if let Some(gzip) = config.get("gzip") {
        if !gzip.is_boolean() {
            errors.push(("gzip".into(), "must be true or false".into()));
        }
    }
    if let Some(http) = config.get("http") {
        if !matches!(http.as_str(), Some("http1" | "http2")) {
            errors.push(("http".into(), "must be http1 or http2".into()));
        }
    }
    errors
}

/// The connection settings of a `postgres` backend's config: its `url`, or `hostname`,
/// `username`, `password`, `database` and `port`; connecting gives up after 10 s.
pub fn postgres_settings(config: &Map<String, Value>) -> Result<Connection, String> {
    let text = |key: &str| config.get(key).and_then(Value::as_str);
    let mut connection = match text("url") {
        Some(url) => tls::parse(url)?,
        None => {
            let mut settings = tokio_postgres::Config::new();
            settings
                .host(text("hostname").unwrap_or_default())
                .user(text("username").unwrap_or_default())
                .dbname(text("database").unwrap_or_default());
            if let Some(password) = text("password") {
                settings.password(password);
            }
            if let Some(port) = config
                .get("port")
                .and_then(Value::as_u64)
                .and_then(|port| u16::try_from(port).ok())
            {
                settings.port(port);
            }
            let mode = text("sslmode").map(SslMode::parse).transpose()?;
            tls::with_mode(
                settings,
                mode.unwrap_or(SslMode::Prefer),
                text("sslrootcert").map(Path::new),
            )?
        }
    };
    connection.config.connect_timeout(std::time::Duration::from_secs(10));
    Ok(connection)
}

/// The config with every secret replaced by `REDACTED`.
pub fn redact(config: &Map<String, Value>) -> Value {
    let redacted = config
        .iter()
        .map(|(key, value)| {
            let value = match value {
                _ if SECRET_KEYS.contains(&key.as_str()) && !value.is_null() => Value::String(REDACTED.into()),
                Value::Object(headers) if key == "headers" => Value::Object(
                    headers
                        .keys()
                        .map(|name| (name.clone(), Value::String(REDACTED.into())))
                        .collect(),
                ),
                Value::String(url) if url.contains("://") => Value::String(redact_url(url)),
                other => other.clone(),
            };
            (key.clone(), value)
        })
        .collect();
    Value::Object(redacted)
}

/// `scheme://user:secret@host/...` → `scheme://user:REDACTED@host/...`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            let secret = if credentials.contains(':') {
                format!(":{REDACTED}")
            } else {
                String::new()
            };
            format!("{scheme}://{user}{secret}@{host}{}", &rest[authority_end..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(params: Value) -> Result<Drain, ApiError> {
        let mut backend = Drain::blank("");
        backend.apply(params.as_object().unwrap(), true)?;
        Ok(backend)
    }

    fn errors(params: Value) -> Vec<String> {
        match backend(params) {
            Err(ApiError::Validation(errors)) => errors.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn configs_are_checked_per_type() {
        assert_eq!(errors(json!({})), ["config", "name", "type"]);
        assert_eq!(
            errors(json!({"name": "d", "type": "webhook", "config": {}})),
            ["config.url"]
        );
        assert_eq!(
            errors(json!({"name": "d", "type": "webhook", "config": {"url": "ftp://x"}})),
            ["config.url"]
        );
        assert_eq!(errors(json!({"name": "d", "type": "nope", "config": {}})), ["type"]);
        assert_eq!(
            errors(json!({"name": "d", "type": "postgres", "config": {"url": "mysql://x"}})),
            ["config.url"]
        );
        assert_eq!(
            errors(json!({"name": "d", "type": "s3", "config": {"s3_bucket": "b"}})),
            [
                "config.access_key_id",
                "config.secret_access_key",
                "config.storage_region"
            ]
        );
        assert!(backend(json!({"name": "d", "type": "datadog", "config": {"api_key": "k", "region": "US1"}})).is_ok());
    }

    #[test]
    fn secrets_are_redacted_and_kept_on_update() {
        let mut stored = backend(json!({
            "name": "pg", "type": "postgres",
            "config": {"url": "postgres://app:hunter2@db:5432/logs", "schema": "drain", "password": "p"},
        }))
        .unwrap();
        let shown = stored.render();
        assert_eq!(shown["config"]["url"], "postgres://app:REDACTED@db:5432/logs");
        assert_eq!(shown["config"]["password"], "REDACTED");
        assert_eq!(shown["config"]["schema"], "drain");
        assert!(!shown.to_string().contains("hunter2"));
        // The client sends back what it read, with one change.
        let mut config = shown["config"].as_object().unwrap().clone();
        config.insert("schema".into(), json!("other"));
        stored
            .apply(json!({"config": config}).as_object().unwrap(), false)
            .unwrap();
        assert_eq!(stored.config["url"], "postgres://app:hunter2@db:5432/logs");
        assert_eq!(stored.config["password"], "p");
        assert_eq!(stored.config["schema"], "other");

        let webhook = backend(json!({"name": "w", "type": "webhook", "config": {"url": "https://h/x", "headers": {"authorization": "Bearer s"}}})).unwrap();
        assert_eq!(webhook.render()["config"]["headers"]["authorization"], "REDACTED");
    }

    #[test]
    fn metadata_filters() {
        let drain = backend(json!({"name": "d", "type": "webhook", "config": {"url": "http://h"}, "metadata": {"type": "log-drain", "on": true}})).unwrap();
        assert!(drain.matches_metadata(&[("type".into(), "log-drain".into()), ("on".into(), "true".into())]));
        assert!(!drain.matches_metadata(&[("type".into(), "other".into())]));
    }
}
