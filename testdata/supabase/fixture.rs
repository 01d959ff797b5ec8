//! The Supabase-shaped fixture events (`events.json`), fitted to their sources' schemas as ingest
//! fits them. Shared by the translator's golden tests and the engines' results tests through
//! `#[path = ...] mod fixture;`.

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

/// Sources the test `logs.all` reads that hold no events on a self-hosted stack.
pub const EMPTY_SOURCES: [&str; 5] = [
    "supavisor.logs.prod",
    "pg_upgrade.logs.prod",
    "auth_audit.logs.prod",
    "etl_replication.logs.prod",
    "multigres.logs.prod",
];

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
    let empty = EMPTY_SOURCES.iter().map(|name| (name.to_string(), Vec::new()));
    by_source
        .into_iter()
        .chain(empty)
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
