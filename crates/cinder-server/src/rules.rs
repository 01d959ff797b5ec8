//! Rules: a source's events that match an LQL filter are copied into another source (`sink`)
//! or sent to a drain. The JSON API and the dashboard both call these.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::drains::Drain;
use crate::error::{catalog_error, ApiError};
use crate::state::AppState;

/// A routing rule: events of `source_id` that match `lql_string` are copied to the `sink`
/// source, or sent to the backend `backend_id`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    /// Numeric id.
    pub id: i64,
    /// The handle in URLs.
    pub token: Uuid,
    /// The source whose events are matched (its numeric id).
    pub source_id: i64,
    /// The LQL filter.
    pub lql_string: String,
    /// The backend matching events go to.
    #[serde(default)]
    pub backend_id: Option<i64>,
    /// The source matching events are copied to.
    #[serde(default)]
    pub sink: Option<Uuid>,
    /// RFC 3339.
    pub inserted_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl Rule {
    /// A rule with nothing set yet, made at `now`.
    pub fn new(now: &str) -> Self {
        Self {
            id: 0,
            token: Uuid::new_v4(),
            source_id: 0,
            lql_string: String::new(),
            backend_id: None,
            sink: None,
            inserted_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }

    /// The API's view, with the parsed filters.
    pub fn render(&self) -> Value {
        let filters = cinder_sql::lql::parse(&self.lql_string, chrono::Utc::now().timestamp_micros())
            .map(|lql| lql.filters.iter().map(render_filter).collect::<Vec<_>>())
            .unwrap_or_default();
        json!({
            "id": self.id,
            "token": self.token,
            "source_id": self.source_id,
            "lql_string": self.lql_string,
            "lql_filters": filters,
            "backend_id": self.backend_id,
            "sink": self.sink,
            "inserted_at": self.inserted_at,
            "updated_at": self.updated_at,
        })
    }
}

fn render_filter(filter: &cinder_sql::lql::Filter) -> Value {
    use cinder_sql::lql::{LqlValue, Operator};
    fn value(lql: &LqlValue) -> Value {
        match lql {
            LqlValue::String(text) => Value::String(text.clone()),
            LqlValue::Integer(integer) => Value::from(*integer),
            LqlValue::Float(float) => Value::from(*float),
            LqlValue::Boolean(flag) => Value::Bool(*flag),
            LqlValue::Timestamp(micros) => Value::from(*micros),
            LqlValue::Range(low, high) => Value::Array(vec![value(low), value(high)]),
            LqlValue::List(values) => Value::Array(values.iter().map(value).collect()),
            LqlValue::Null => Value::Null,
        }
    }
    let operator = match filter.operator {
        Operator::Eq | Operator::IsNull => "=",
        Operator::Gt => ">",
        Operator::Ge => ">=",
        Operator::Lt => "<",
        Operator::Le => "<=",
        Operator::Regex => "~",
        Operator::Contains => "string_contains",
        Operator::ListIncludes => "list_includes",
        Operator::ListIncludesRegex => "list_includes_regexp",
        Operator::Range => "range",
        Operator::In => "in",
    };
    json!({
        "path": filter.path,
        "operator": operator,
        "value": value(&filter.value),
        "modifiers": if filter.negated { json!({"negate": true}) } else { json!({}) },
    })
}

/// Applies a rule's fields, checking the LQL and that what it names exists.
fn apply(state: &AppState, rule: &mut Rule, params: &Map<String, Value>, creating: bool) -> Result<(), ApiError> {
    let id = |key: &str| -> Result<Option<i64>, ApiError> {
        match params.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid(key, "is invalid")),
            Some(Value::String(text)) => text.parse().map(Some).map_err(|_| ApiError::invalid(key, "is invalid")),
            Some(_) => Err(ApiError::invalid(key, "is invalid")),
        }
    };
    if let Some(source_id) = id("source_id")? {
        state
            .catalog
            .sources()
            .iter()
            .find(|handle| handle.source.read().id == source_id)
            .ok_or(ApiError::NotFound)?;
        rule.source_id = source_id;
    } else if creating {
        return Err(ApiError::invalid("source_id", "can't be blank"));
    }
    if let Some(backend_id) = id("backend_id")? {
        state
            .catalog
            .find(|backend: &Drain| backend.id == backend_id)
            .ok_or(ApiError::NotFound)?;
        rule.backend_id = Some(backend_id);
    }
    match params.get("sink") {
        Some(Value::String(text)) => {
            let sink = Uuid::parse_str(text).map_err(|_| ApiError::invalid("sink", "must be a source token"))?;
            let sink_source = state.catalog.source(&sink).ok_or(ApiError::NotFound)?;
            if sink_source.source.read().id == rule.source_id {
                return Err(ApiError::invalid("sink", "cannot be the rule's own source"));
            }
            rule.sink = Some(sink);
        }
        Some(Value::Null) | None => {}
        Some(_) => return Err(ApiError::invalid("sink", "must be a source token")),
    }
    match params.get("lql_string") {
        Some(Value::String(text)) => rule.lql_string = text.clone(),
        Some(_) => return Err(ApiError::invalid("lql_string", "is invalid")),
        None if creating => return Err(ApiError::invalid("lql_string", "can't be blank")),
        None => {}
    }
    match cinder_sql::lql::parse(&rule.lql_string, chrono::Utc::now().timestamp_micros()) {
        Ok(lql) if !lql.filters.is_empty() => {}
        Ok(_) => return Err(ApiError::invalid("lql_string", "must have at least one filter rule")),
        Err(error) => return Err(ApiError::invalid("lql_string", error.to_string())),
    }
    if rule.backend_id.is_none() && rule.sink.is_none() {
        return Err(ApiError::invalid(
            "backend_id",
            "a rule needs a `backend_id` or a `sink` to send events to",
        ));
    }
    Ok(())
}

/// Checks a new rule's fields without storing anything.
pub fn check(state: &AppState, params: &Map<String, Value>) -> Result<(), ApiError> {
    apply(state, &mut Rule::new(""), params, true)
}

/// Creates a rule.
pub async fn create(state: &AppState, params: &Map<String, Value>) -> Result<Arc<Rule>, ApiError> {
    let now = crate::now_rfc3339();
    let mut rule = Rule::new(&now);
    apply(state, &mut rule, params, true)?;
    state.catalog.put(|id| Rule { id, ..rule }).await.map_err(catalog_error)
}

/// Changes the fields `params` names.
pub async fn update(state: &AppState, rule: &Rule, params: &Map<String, Value>) -> Result<Arc<Rule>, ApiError> {
    let mut rule = rule.clone();
    apply(state, &mut rule, params, false)?;
    rule.updated_at = crate::now_rfc3339();
    state.catalog.put(|_| rule).await.map_err(catalog_error)
}

/// Deletes a rule. `NotFound` when there is none.
pub async fn delete(state: &AppState, token: &uuid::Uuid) -> Result<(), ApiError> {
    state.catalog.remove::<Rule>(token).await?.ok_or(ApiError::NotFound)?;
    Ok(())
}
