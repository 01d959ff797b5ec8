//! A query as `/api/query` and endpoints take it, translated for every backend.
#![no_main]

use std::sync::OnceLock;

use cinder_sql::{translate, Sources, Target};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    static SOURCES: OnceLock<Sources> = OnceLock::new();
    let sources = SOURCES.get_or_init(common::sources);
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    for target in [Target::Embedded, Target::Postgres, Target::BigQuery] {
        let _ = translate(sql, target, sources);
    }
});
