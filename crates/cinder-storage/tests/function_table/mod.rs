//! The function table (`testdata/golden/functions/*.txt`): every BigQuery function and
//! operator a log query is likely to use, each row an expression and the value BigQuery gives
//! for it (from BigQuery's documentation, reviewed by hand), or the error Cinder refuses it with.
//! Each row runs as `SELECT <expr> AS v` on a backend; included by the storage crate's
//! `functions.rs` (embedded, PostgreSQL) and the BigQuery crate's (the emulator).
//!
//! A file's lines: `# comment`, blank, or `<expr> => <JSON value>` or `<expr> => error: <text
//! the error must contain>`. Numbers compare by value (within 1e-9 relative), so `3` and `3.0`
//! are equal; timestamps are integer microseconds, as Cinder answers them.

#![allow(dead_code)]

use cinder_sql::{translate, Sources};
use cinder_storage::Backend;
use serde_json::Value;

/// One row of the table.
pub struct Case {
    /// `file:line`, for messages.
    pub place: String,
    pub expr: String,
    pub expected: Expected,
}

pub enum Expected {
    Value(Value),
    Refused(String),
}

/// Every row of every file, in file and line order.
pub fn cases() -> Vec<Case> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("testdata/golden/functions"))
        .find(|dir| dir.is_dir())
        .expect("testdata/golden/functions");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (index, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let place = format!("{name}:{}", index + 1);
            let (expr, expected) = line
                .rsplit_once(" => ")
                .unwrap_or_else(|| panic!("{place}: expected `<expr> => <value>`"));
            let expected = match expected.strip_prefix("error:") {
                Some(text) => Expected::Refused(text.trim().to_owned()),
                None => {
                    Expected::Value(serde_json::from_str(expected).unwrap_or_else(|error| panic!("{place}: {error}")))
                }
            };
            cases.push(Case {
                place,
                expr: expr.trim().to_owned(),
                expected,
            });
        }
    }
    cases
}

fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
        }
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(key, a)| b.get(key).is_some_and(|b| same(a, b)))
        }
        _ => expected == actual,
    }
}

/// Runs every row on `backend`; returns the rows that did not give their value, and how many
/// rows ran.
pub async fn check(backend: &dyn Backend) -> (Vec<String>, usize) {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let sql = format!("select {} as v", case.expr);
        let translated = translate(&sql, backend.target(), &Sources::new());
        match (&case.expected, translated) {
            (Expected::Refused(text), Err(error)) if error.to_string().contains(text.as_str()) => {}
            (Expected::Refused(text), outcome) => failures.push(format!(
                "{}: `{}` should be refused with `{text}`, got {outcome:?}",
                case.place, case.expr
            )),
            (Expected::Value(_), Err(error)) => {
                failures.push(format!("{}: `{}` does not translate: {error}", case.place, case.expr))
            }
            (Expected::Value(expected), Ok(target_sql)) => {
                let params = vec![None; target_sql.params.len()];
                match backend.query(&target_sql, &params).await {
                    Ok(rows) => {
                        let actual = rows
                            .rows
                            .first()
                            .and_then(|row| row.get("v"))
                            .cloned()
                            .unwrap_or(Value::Null);
                        if !same(expected, &actual) {
                            failures.push(format!(
                                "{}: `{}` gave {actual}, BigQuery gives {expected}\n    as {}",
                                case.place, case.expr, target_sql.sql
                            ));
                        }
                    }
                    Err(error) => failures.push(format!(
                        "{}: `{}` failed: {error}\n    as {}",
                        case.place, case.expr, target_sql.sql
                    )),
                }
            }
        }
    }
    (failures, cases.len())
}
