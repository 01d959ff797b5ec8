//! An endpoint's query and a caller's `sql=` run inside it (the input split at its first NUL
//! byte), with the endpoint's `@params`: parsed, combined, translated for every backend.
#![no_main]

use cinder_sql::{inspect, parse, translate_sandboxed, Sandbox, Target};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let sources = common::sources();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (endpoint, consumer) = text.split_once('\0').unwrap_or((text, "select * from logs"));
    if let Ok(query) = parse(endpoint) {
        let _ = inspect::parameters(&query);
    }
    let Ok(sandbox) = Sandbox::new(endpoint) else {
        return;
    };
    for target in [Target::Embedded, Target::Postgres, Target::BigQuery] {
        let _ = translate_sandboxed(&sandbox, consumer, target, sources);
    }
});
