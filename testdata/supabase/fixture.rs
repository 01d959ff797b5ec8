//! The Supabase-shaped fixture events (`events.json`), fitted to their sources' schemas as ingest
//! fits them. Shared by the translator's golden tests and the engines' results tests through
//! `#[path = ...] mod fixture;`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cinder_core::{normalize, LogEvent, NormalizeOptions, Schema};
use serde_json::{Map, Value};

/// The repository's `testdata` folder, found from the crate that includes this file.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("testdata"))
        .find(|dir| dir.is_dir())
        .expect("the repository's testdata folder")
}

/// One source of the fixture.
pub struct FixtureSource {
    pub name: String,
    pub table: String,
    pub schema: Schema,
    pub events: Vec<LogEvent>,
}

/// `log_events_<name with every other character as _>`.
pub fn table_name(source: &str) -> String {
    let cleaned: String = source
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("log_events_{cleaned}")
}

/// Every source of the fixture, with its events and schema.
pub fn supabase_sources() -> Vec<FixtureSource> {
    let text = std::fs::read_to_string(testdata().join("supabase/events.json")).unwrap();
    let by_source: BTreeMap<String, Vec<Map<String, Value>>> = serde_json::from_str(&text).unwrap();
    by_source
        .into_iter()
        .map(|(name, raw_events)| {
            let mut events: Vec<LogEvent> = raw_events
                .into_iter()
                .map(|raw| normalize(raw, &NormalizeOptions::default(), 0))
                .collect();
            let mut schema = Schema::new();
            let outcome = schema.apply(&mut events).unwrap();
            assert_eq!(
                outcome.conflicts, 0,
                "fixture events of `{name}` conflict with its schema"
            );
            FixtureSource {
                table: table_name(&name),
                name,
                schema,
                events,
            }
        })
        .collect()
}

/// The first and last instants of the fixture's time window, as Studio sends them.
pub const START: &str = "2026-06-01T09:00:00.000Z";
pub const END: &str = "2026-06-01T12:00:00.000Z";

/// The corpus query `name` with its placeholders filled.
pub fn corpus_query(name: &str) -> String {
    std::fs::read_to_string(testdata().join(format!("golden/studio/{name}/input.sql")))
        .unwrap()
        .replace("<START>", START)
        .replace("<END>", END)
        .replace("<CHART_FROM>", "2026-06-01T10:00:00.000Z")
        .replace("<FN_ID>", "09f74752-4f98-4706-b7a7-10e3af844ace")
        .replace("<ID>", "cf-2")
        .replace("<uniqueId>", "hello")
}

/// Rows in a form two engines agree on: floats to 9 significant digits, then sorted unless the
/// order is part of the answer.
pub fn comparable(rows: &[Map<String, Value>], ordered: bool) -> Vec<String> {
    fn round(value: &Value) -> Value {
        match value {
            Value::Number(number) if number.is_f64() => {
                let float = number.as_f64().unwrap();
                Value::String(format!("{float:.9e}"))
            }
            Value::Array(items) => Value::Array(items.iter().map(round).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), round(v))).collect()),
            other => other.clone(),
        }
    }
    let mut out: Vec<String> = rows
        .iter()
        .map(|row| round(&Value::Object(row.clone())).to_string())
        .collect();
    if !ordered {
        out.sort();
    }
    out
}

/// A hand-derived answer (`rows.json`): a list of rows in any order, or `{"ordered": [...]}`.
/// Returns the rows and whether their order is part of the answer.
pub fn parse_expected(text: &str) -> (Vec<Map<String, Value>>, bool) {
    let rows = |value: &Value| -> Vec<Map<String, Value>> {
        value
            .as_array()
            .expect("rows.json holds a list of rows")
            .iter()
            .map(|row| row.as_object().expect("each row is an object").clone())
            .collect()
    };
    let value: Value = serde_json::from_str(text).expect("rows.json is JSON");
    match value.get("ordered") {
        Some(ordered) => (rows(ordered), true),
        None => (rows(&value), false),
    }
}
