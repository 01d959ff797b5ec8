//! A query as `/api/query` and endpoints take it, translated for every backend.
#![no_main]

use cinder_sql::{translate, Target};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let sources = common::sources();
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    for target in [Target::Embedded, Target::Postgres, Target::BigQuery] {
        let _ = translate(sql, target, sources);
    }
});
