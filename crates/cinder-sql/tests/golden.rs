//! Golden tests: every query in `testdata/golden/<set>/<case>/input.sql` translated for each
//! engine, compared with `<engine>.sql` beside it (reviewed by hand when written).
//!
//! `studio/`: Supabase Studio's queries, run inside the seeded `logs.all` endpoint (the `S*`
//! cases are the seeded endpoints themselves) over the Supabase fixture's sources.
//! `reference/`: the translation cases of Logflare's test suite, over sources with one generic
//! schema. Cinder's output differs from Logflare's by design (typed reads, UNNEST semantics).
//!
//! `CINDER_BLESS=1 cargo test -p cinder-sql --test golden` rewrites the expected files; review
//! the diff before committing it.

// Shared with the engines' results tests, which also load the events.
#[path = "../../../testdata/supabase/fixture.rs"]
mod fixture;

use std::path::Path;
use std::sync::Arc;

use cinder_core::{normalize, NormalizeOptions, Schema};
use cinder_sql::{translate, translate_sandboxed, Sandbox, SourceTable, Sources, Target};
use fixture::{supabase_sources, testdata};
use serde_json::json;
use sqlparser::dialect::{BigQueryDialect, Dialect, DuckDbDialect, PostgreSqlDialect};

const TARGETS: [(Target, &str); 3] = [
    (Target::Embedded, "embedded.sql"),
    (Target::Postgres, "postgres.sql"),
    (Target::BigQuery, "bigquery.sql"),
];

fn dialect(target: Target) -> Box<dyn Dialect> {
    match target {
        Target::Postgres => Box::new(PostgreSqlDialect {}),
        Target::BigQuery => Box::new(BigQueryDialect {}),
        Target::Embedded => Box::new(DuckDbDialect {}),
    }
}

/// The translation as a reviewer reads it: pretty-printed, with its parameters, or the error.
fn render(result: Result<cinder_sql::TargetSql, cinder_sql::TranslateError>, target: Target) -> String {
    match result {
        Ok(out) => {
            let pretty = sqlparser::parser::Parser::parse_sql(dialect(target).as_ref(), &out.sql)
                .ok()
                .and_then(|statements| statements.into_iter().next())
                .map_or_else(|| out.sql.clone(), |statement| format!("{statement:#}"));
            format!("{pretty}\n-- params: {}\n", out.params.join(", "))
        }
        Err(error) => format!("-- error: {error}\n"),
    }
}

fn fixture_sources() -> Sources {
    supabase_sources()
        .into_iter()
        .map(|source| {
            let table = SourceTable::new(source.table, Arc::new(source.schema));
            (source.name, table)
        })
        .collect()
}

/// The sources Logflare's translation cases name, all with one schema that has the fields
/// those cases read.
fn reference_sources() -> Sources {
    let event = json!({
        "event_message": "m",
        "test": "data", "col": 1, "my_col": "x", "user_id": "u", "email": "e@example.com",
        "status": "active", "project": "p",
        "metadata": {"nested": "value", "num": 1, "project": "p", "level": "info", "msg": "hi",
                     "request": {"method": "GET"}, "deep": {"even": "x"}}
    });
    let mut events = vec![normalize(
        event.as_object().unwrap().clone(),
        &NormalizeOptions::default(),
        0,
    )];
    let mut schema = Schema::new();
    schema.apply(&mut events).unwrap();
    let schema = Arc::new(schema);
    [
        "c.d.e",
        "my_table",
        "mytable",
        "my_source",
        "my.source",
        "my.table",
        "cloudflare.logs.prod",
        "table_name",
        "logs",
        "users",
        "auth_logs",
        "project.dataset.table",
        "table",
        "t",
        "t2",
        ".1_prod.b658a216_0aef_427e_bae8_9dfc68aad6dd",
    ]
    .iter()
    .enumerate()
    .map(|(index, name)| {
        let table = SourceTable::new(format!("log_events_{index}"), schema.clone());
        (name.to_string(), table)
    })
    .collect()
}

fn cases(set: &str) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(testdata().join("golden").join(set))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Compares (or, blessing, writes) each case's output; returns the mismatches.
fn check(dir: &Path, translate_for: impl Fn(&str, Target) -> String) -> Vec<String> {
    let bless = std::env::var_os("CINDER_BLESS").is_some();
    let input = std::fs::read_to_string(dir.join("input.sql")).unwrap();
    let mut mismatches = Vec::new();
    for (target, file) in TARGETS {
        let actual = translate_for(&input, target);
        let path = dir.join(file);
        if bless {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => mismatches.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                path.display()
            )),
            Err(_) => mismatches.push(format!("{} is missing: run with CINDER_BLESS=1", path.display())),
        }
    }
    mismatches
}

#[test]
fn studio_queries_translate_as_reviewed() {
    let sources = fixture_sources();
    let endpoint = Sandbox::new(
        &std::fs::read_to_string(testdata().join("../crates/cinder-server/supabase/logs.all.sql")).unwrap(),
    )
    .unwrap();
    let mut mismatches = Vec::new();
    let dirs = cases("studio");
    assert!(dirs.len() >= 50, "the corpus is missing");
    for dir in dirs {
        let sandboxed = dir.file_name().unwrap().to_str().unwrap().starts_with('Q');
        mismatches.extend(check(&dir, |input, target| {
            let result = if sandboxed {
                translate_sandboxed(&endpoint, input, target, &sources)
            } else {
                translate(input, target, &sources)
            };
            render(result, target)
        }));
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// `regressions/`: one case per translation bug found, named after its issue, over the
/// Supabase fixture's sources (not inside `logs.all`).
#[test]
fn regression_cases_translate_as_reviewed() {
    let sources = fixture_sources();
    let mut mismatches = Vec::new();
    for dir in cases("regressions") {
        mismatches.extend(check(&dir, |sql, target| {
            render(translate(sql, target, &sources), target)
        }));
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn logflare_translation_cases_translate_as_reviewed() {
    let sources = reference_sources();
    let mut mismatches = Vec::new();
    for dir in cases("reference") {
        mismatches.extend(check(&dir, |input, target| {
            render(translate(input, target, &sources), target)
        }));
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// 2026-06-01T10:30:00Z, the `now` of the LQL cases.
const LQL_NOW: i64 = 1_780_309_800_000_000;

/// The sources the LQL cases search, with one schema holding every field they name.
fn lql_sources() -> Sources {
    let event = json!({
        "a": "testing", "b": {"c": {"d": "nested"}}, "host": "h", "field1": "x", "field2": "y",
        "my_field": {"nested": {"value": 1.5}},
        "request": {"headers": {"content_length": 10}},
        "metadata": {
            "int": 1, "float": 1.5, "str": "s", "arr": ["a"], "nullable": "x", "level": "info",
            "metric": 1.5, "user": "u", "isAllowed": true, "latency": 3, "status": 200, "user_id": "u",
            "field": 1, "config": {"key": "value"}, "user_email": "x",
            "context": {"address": "1 ST", "file": "f.ex", "line_number": 1}
        }
    });
    let mut events = vec![normalize(
        event.as_object().unwrap().clone(),
        &NormalizeOptions::default(),
        0,
    )];
    let mut schema = Schema::new();
    schema.apply(&mut events).unwrap();
    let schema = Arc::new(schema);
    [
        "logs",
        "my_table",
        "errors",
        "events",
        "my_table_123",
        "_private_table",
        "my_cte",
    ]
    .iter()
    .enumerate()
    .map(|(index, name)| {
        let table = SourceTable::new(format!("log_events_{index}"), schema.clone());
        (name.to_string(), table)
    })
    .collect()
}

#[test]
fn lql_cases_parse_and_translate_as_reviewed() {
    use cinder_sql::lql;
    let sources = lql_sources();
    let bless = std::env::var_os("CINDER_BLESS").is_some();
    let mut mismatches = Vec::new();
    let dirs = cases("lql");
    assert!(dirs.len() >= 100, "the LQL cases are missing");
    for dir in dirs {
        let input = std::fs::read_to_string(dir.join("input.lql")).unwrap();
        let input = input.strip_suffix('\n').unwrap_or(&input);
        let mut outputs = Vec::new();
        match lql::parse(input, LQL_NOW) {
            Err(error) => outputs.push(("lql.txt", format!("-- error: {error}\n"))),
            Ok(mut parsed) => {
                let table = parsed.from.clone().unwrap_or_else(|| "logs".to_owned());
                let fitted = parsed.fit(&sources[&table].schema);
                let mut text = format!("{parsed:#?}\n");
                if let Err(error) = &fitted {
                    text.push_str(&format!("-- schema: {error}\n"));
                }
                outputs.push(("lql.txt", text));
                if fitted.is_ok() {
                    let sql = parsed.to_sql(&table);
                    let params: Vec<String> = sql
                        .params
                        .iter()
                        .map(|(name, value)| format!("{name}={value:?}"))
                        .collect();
                    // The query LQL compiles to (BigQuery SQL), then its translation per target.
                    outputs.push(("query.sql", format!("{}\n-- params: {}\n", sql.sql, params.join(", "))));
                    for (target, file) in TARGETS {
                        outputs.push((file, render(translate(&sql.sql, target, &sources), target)));
                    }
                }
            }
        }
        for (file, actual) in outputs {
            let path = dir.join(file);
            if bless {
                std::fs::write(&path, &actual).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(actual.as_str()) {
                mismatches.push(format!("{}:\n{actual}", path.display()));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
