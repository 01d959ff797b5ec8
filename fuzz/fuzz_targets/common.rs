//! The sources the SQL targets query: one with a schema of nested fields, as events make it.

use std::sync::{Arc, OnceLock};

use cinder_core::{normalize, NormalizeOptions, Schema};
use cinder_sql::{SourceTable, Sources};
use serde_json::json;

pub fn sources() -> &'static Sources {
    static SOURCES: OnceLock<Sources> = OnceLock::new();
    SOURCES.get_or_init(build)
}

fn build() -> Sources {
    let event = json!({
        "id": "e", "timestamp": 1_700_000_000_000_000_i64, "event_message": "m", "status": 200,
        "metadata": {"level": "info", "request": {"method": "GET", "headers": {"x": "y"}},
                     "response": {"status_code": 500}, "tags": ["a", "b"], "ratio": 0.5}
    });
    let mut events = vec![normalize(
        event.as_object().unwrap().clone(),
        &NormalizeOptions::default(),
        0,
    )];
    let mut schema = Schema::new();
    schema.apply(&mut events).unwrap();
    let schema = Arc::new(schema);
    ["logs", "edge_logs", "postgres.logs"]
        .iter()
        .enumerate()
        .map(|(index, name)| {
            (
                name.to_string(),
                SourceTable::new(format!("log_events_{index}"), schema.clone()),
            )
        })
        .collect()
}
