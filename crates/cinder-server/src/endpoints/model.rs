//! An endpoint as stored and as the management API shows it, and how request fields change it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::ApiError;

/// The default time a result is kept (Logflare's).
pub const DEFAULT_CACHE_SECONDS: u32 = 3600;
/// The default interval of proactive re-runs (Logflare's).
pub const DEFAULT_REQUERY_SECONDS: u32 = 1800;
/// The default row limit (Logflare's).
pub const DEFAULT_MAX_LIMIT: u32 = 1000;
/// The largest `max_limit` allowed.
pub const MAX_MAX_LIMIT: u32 = 10_000;

/// The language of an endpoint's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// BigQuery SQL, translated for the backend in use. The only one Cinder runs.
    #[default]
    BqSql,
}

/// A saved query served over HTTP.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoint {
    /// Numeric id (scopes name it: `query:endpoint:<id>`).
    pub id: i64,
    /// The public handle in URLs.
    pub token: Uuid,
    /// Unique among the user's endpoints.
    pub name: String,
    /// BigQuery SQL with `@parameters`.
    pub query: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Always BigQuery SQL.
    #[serde(default)]
    pub language: Language,
    /// Source name → token of every source the query reads, taken when the query was saved,
    /// so the query keeps reading the same sources when they are renamed.
    #[serde(default)]
    pub source_mapping: BTreeMap<String, Uuid>,
    /// Whether callers may run their own `sql=`/`lql=` over the query's CTEs.
    #[serde(default)]
    pub sandboxable: Option<bool>,
    /// How long a result is served from the cache; 0 = never cached.
    pub cache_duration_seconds: u32,
    /// How often a cached result that is still being read is re-run; 0 = never.
    pub proactive_requerying_seconds: u32,
    /// The most rows a call returns.
    pub max_limit: u32,
    /// Whether a token is needed to call it.
    pub enable_auth: bool,
    /// Whether IP addresses in results are replaced by `REDACTED`.
    #[serde(default)]
    pub redact_pii: bool,
    /// Free text labels (`key=value,...`).
    #[serde(default)]
    pub labels: Option<String>,
    /// RFC 3339.
    pub inserted_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl Endpoint {
    /// A new endpoint with Logflare's defaults.
    pub fn new(id: i64, name: String, query: String, now: &str) -> Self {
        Self {
            id,
            token: Uuid::new_v4(),
            name,
            query,
            description: None,
            language: Language::BqSql,
            source_mapping: BTreeMap::new(),
            sandboxable: None,
            cache_duration_seconds: DEFAULT_CACHE_SECONDS,
            proactive_requerying_seconds: DEFAULT_REQUERY_SECONDS,
            max_limit: DEFAULT_MAX_LIMIT,
            enable_auth: true,
            redact_pii: false,
            labels: None,
            inserted_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }

    /// Whether `sql=` and `lql=` apply.
    pub fn is_sandboxable(&self) -> bool {
        self.sandboxable == Some(true)
    }

    /// The management API's view, with Logflare's fields.
    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "token": self.token,
            "name": self.name,
            "query": self.query,
            "description": self.description,
            "language": self.language,
            "source_mapping": self.source_mapping,
            "sandboxable": self.sandboxable,
            "cache_duration_seconds": self.cache_duration_seconds,
            "proactive_requerying_seconds": self.proactive_requerying_seconds,
            "max_limit": self.max_limit,
            "enable_auth": self.enable_auth,
            "redact_pii": self.redact_pii,
            "enable_dynamic_reservation": false,
            "labels": self.labels,
            "backend_id": null,
            "inserted_at": self.inserted_at,
            "updated_at": self.updated_at,
        })
    }

    /// Applies the writable fields of a create or update request; every bad field is reported.
    /// The query itself is checked by the caller, which knows the sources.
    pub fn apply(&mut self, params: &Map<String, Value>) -> Result<(), ApiError> {
        let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut fail =
            |field: &str, message: &str| errors.entry(field.to_owned()).or_default().push(message.to_owned());
        for (key, value) in params {
            let key = key.as_str();
            match key {
                "name" => match value {
                    Value::String(name) if !name.trim().is_empty() => self.name = name.trim().to_owned(),
                    Value::String(_) | Value::Null => fail(key, "can't be blank"),
                    _ => fail(key, "is invalid"),
                },
                "query" => match value {
                    Value::String(query) if !query.trim().is_empty() => self.query = query.clone(),
                    Value::String(_) | Value::Null => fail(key, "can't be blank"),
                    _ => fail(key, "is invalid"),
                },
                "description" => match optional_text(value) {
                    Ok(text) => self.description = text,
                    Err(()) => fail(key, "is invalid"),
                },
                "labels" => match optional_text(value) {
                    Ok(text) => self.labels = text,
                    Err(()) => fail(key, "is invalid"),
                },
                "language" => match language(value) {
                    Ok(language) => self.language = language,
                    Err(message) => fail(key, message),
                },
                "sandboxable" => match value {
                    Value::Null => self.sandboxable = None,
                    Value::Bool(flag) => self.sandboxable = Some(*flag),
                    _ => fail(key, "is invalid"),
                },
                "enable_auth" => match flag(value) {
                    Some(flag) => self.enable_auth = flag,
                    None => fail(key, "is invalid"),
                },
                "redact_pii" => match flag(value) {
                    Some(flag) => self.redact_pii = flag,
                    None => fail(key, "is invalid"),
                },
                "cache_duration_seconds" => match whole(value) {
                    Some(seconds) => self.cache_duration_seconds = seconds,
                    None => fail(key, "must be a whole number of seconds, 0 or more"),
                },
                "proactive_requerying_seconds" => match whole(value) {
                    Some(seconds) => self.proactive_requerying_seconds = seconds,
                    None => fail(key, "must be a whole number of seconds, 0 or more"),
                },
                "max_limit" => match whole(value) {
                    Some(limit) if (1..=MAX_MAX_LIMIT).contains(&limit) => self.max_limit = limit,
                    _ => fail(key, "must be a whole number from 1 to 10000"),
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// Reads a saved query's `language`: BigQuery SQL is the only one (null means it too).
pub(crate) fn language(value: &Value) -> Result<Language, &'static str> {
    match value {
        Value::Null => Ok(Language::BqSql),
        Value::String(text) => match text.as_str() {
            "bq_sql" => Ok(Language::BqSql),
            "pg_sql" | "ch_sql" | "lql" => Err(
                "is not supported: write the query in BigQuery SQL (bq_sql), which Cinder translates for every backend",
            ),
            _ => Err("is invalid"),
        },
        _ => Err("is invalid"),
    }
}

/// Text, with blank text and `null` meaning none; `Err` for anything else.
pub(crate) fn optional_text(value: &Value) -> Result<Option<String>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.trim().to_owned()).filter(|text| !text.is_empty())),
        _ => Err(()),
    }
}

fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

fn whole(value: &Value) -> Option<u32> {
    match value {
        Value::Number(number) => number.as_u64().and_then(|number| u32::try_from(number).ok()),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The parameters of one call: names to values, as text (`None` for JSON `null`).
pub type Params = BTreeMap<String, Option<String>>;

/// Collects a call's parameters: the query string first, then the body's fields (a JSON
/// object, or a form), which win. JSON values that are not strings are bound as their JSON
/// text (`5`, `true`).
pub fn collect_params(query: &[(String, String)], body: Option<&Map<String, Value>>) -> Params {
    let mut params: Params = query
        .iter()
        .map(|(name, value)| (name.clone(), Some(value.clone())))
        .collect();
    for (name, value) in body.into_iter().flatten() {
        let value = match value {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        };
        params.insert(name.clone(), value);
    }
    params
}

/// The value of each named parameter, for binding.
pub fn bind(names: &[String], params: &Params, extra: &HashMap<String, String>) -> Vec<Option<String>> {
    names
        .iter()
        .map(|name| extra.get(name).cloned().or_else(|| params.get(name).cloned().flatten()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(params: Value) -> Result<Endpoint, ApiError> {
        let mut endpoint = Endpoint::new(1, "e".into(), "select 1".into(), "now");
        endpoint.apply(params.as_object().unwrap())?;
        Ok(endpoint)
    }

    fn field_errors(params: Value) -> BTreeMap<String, Vec<String>> {
        match apply(params) {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_logflares() {
        let endpoint = apply(json!({})).unwrap();
        assert_eq!(
            (
                endpoint.cache_duration_seconds,
                endpoint.proactive_requerying_seconds,
                endpoint.max_limit
            ),
            (3600, 1800, 1000)
        );
        assert!(endpoint.enable_auth && !endpoint.is_sandboxable());
    }

    #[test]
    fn fields_are_checked() {
        let errors =
            field_errors(json!({"max_limit": 0, "name": "", "cache_duration_seconds": -1, "language": "pg_sql"}));
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["cache_duration_seconds", "language", "max_limit", "name"]
        );
        assert!(field_errors(json!({"max_limit": 10001}))["max_limit"][0].contains("1 to 10000"));
        assert!(field_errors(json!({"query": "  "}))["query"][0].contains("blank"));
        let endpoint =
            apply(json!({"max_limit": "10000", "sandboxable": true, "enable_auth": false, "labels": " a=b "})).unwrap();
        assert_eq!(endpoint.max_limit, 10000);
        assert!(endpoint.is_sandboxable() && !endpoint.enable_auth);
        assert_eq!(endpoint.labels.as_deref(), Some("a=b"));
    }

    #[test]
    fn body_params_win_and_are_text() {
        let body = json!({"b": 5, "c": null, "d": "x"});
        let params = collect_params(&[("a".into(), "1".into()), ("b".into(), "2".into())], body.as_object());
        assert_eq!(params["a"].as_deref(), Some("1"));
        assert_eq!(params["b"].as_deref(), Some("5"));
        assert_eq!(params["c"], None);
        let extra = HashMap::from([("lql_0".to_owned(), "v".to_owned())]);
        assert_eq!(
            bind(&["d".into(), "lql_0".into(), "missing".into()], &params, &extra),
            [Some("x".into()), Some("v".into()), None]
        );
    }
}
