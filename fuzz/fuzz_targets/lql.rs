//! LQL search text, parsed, fitted to a schema and turned into SQL.
#![no_main]

use cinder_sql::lql;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let sources = common::sources();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut parsed) = lql::parse(text, 1_700_000_000_000_000) else {
        return;
    };
    let _ = lql::replace_time(text, "t:last@1h");
    let _ = lql::time_clauses(text);
    if parsed.fit(&sources["logs"].schema).is_ok() {
        let _ = parsed.to_sql("log_events_0");
        let _ = parsed.time_range();
        let _ = parsed.condition();
    }
});
