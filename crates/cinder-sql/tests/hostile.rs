//! Hostile input: garbage, writes, system catalogs, other users' tables, file readers. Every
//! one is refused with an error; nothing panics.

use std::sync::Arc;

use cinder_core::Schema;
use cinder_sql::{lql, translate, Sandbox, SourceTable, Sources, Target, TranslateError};
use proptest::prelude::*;

fn sources() -> Sources {
    Sources::from([(
        "logs".to_owned(),
        SourceTable::new("log_events_1", Arc::new(Schema::new())),
    )])
}

const HOSTILE: &[&str] = &[
    "delete from logs where true",
    "insert into logs (id) values ('x')",
    "update logs set id = 'x' where true",
    "drop table logs",
    "truncate table logs",
    "create table x as select id from logs",
    "select id from logs; drop table logs",
    "select id into evil from logs",
    "with x as (delete from logs returning id) select id from x",
    "select * from logs",
    "select l.* from logs l",
    "select tablename from pg_catalog.pg_tables",
    "select table_name from information_schema.tables",
    "select id from log_events_2",
    "select id from `other-users-source`",
    "select pg_read_file('/etc/passwd') from logs",
    "select pg_sleep(10) from logs",
    "select current_setting('data_directory') from logs",
    "select version() from logs",
    "select id from read_csv('/etc/passwd')",
    "select id from read_parquet('s3://bucket/x')",
    "select content from read_text('/etc/passwd')",
    "select getenv('HOME') from logs",
    "select id from dblink('host=x', 'select 1') as t(id text)",
    "select lo_import('/etc/passwd') from logs",
    "select set_config('search_path', 'x', false) from logs",
    "select id from logs union all select usename from pg_user",
    "select (select usename from pg_shadow limit 1) as u from logs",
    "select id from external_query('conn', 'select 1')",
    "copy logs to '/tmp/x'",
    "attach '/tmp/x.db' as x",
    "pragma database_list",
    "set search_path = public",
];

#[test]
fn writes_catalogs_files_and_other_tables_are_refused() {
    for sql in HOSTILE {
        for target in [Target::Embedded, Target::Postgres] {
            let result = translate(sql, target, &sources());
            assert!(
                result.is_err(),
                "`{sql}` was accepted for {target}: {:?}",
                result.unwrap().sql
            );
        }
    }
}

#[test]
fn a_sandboxed_query_cannot_reach_past_the_endpoints_ctes() {
    let endpoint = Sandbox::new("with mine as (select id from logs) select id from mine").unwrap();
    for consumer in [
        "select id from logs",
        "select id from log_events_1",
        "with x as (select id from logs) select id from x",
        "select id from mine where id in (select id from logs)",
        "select id from mine; select id from logs",
    ] {
        let result = cinder_sql::translate_sandboxed(&endpoint, consumer, Target::Postgres, &sources());
        assert!(
            matches!(
                result,
                Err(TranslateError::Sandbox(_) | TranslateError::MultipleStatements)
            ),
            "`{consumer}`: {result:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn garbage_never_panics(text in "\\PC{0,200}") {
        for target in [Target::Embedded, Target::Postgres] {
            let _ = translate(&text, target, &sources());
        }
        let _ = lql::parse(&text, 0);
    }

    #[test]
    fn sql_shaped_garbage_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("select"), Just("from"), Just("logs"), Just("where"), Just("("), Just(")"),
                Just(","), Just("id"), Just("metadata.x"), Just("unnest"), Just("cross join"),
                Just("as m"), Just("m.y"), Just("@p"), Just("'s'"), Just("\"d\""), Just("1"),
                Just("[OFFSET(0)]"), Just("with a as"), Just("union all"), Just("group by"),
                Just("order by"), Just("countif"), Just("safe_cast"), Just("interval 1 day"),
                Just("timestamp_trunc"), Just("::text"), Just(";"), Just("*"), Just("left join"),
                Just("on true"), Just("`cloudflare.logs.prod`"), Just("json_value"), Just("-"),
            ],
            0..40,
        )
    ) {
        let sql = parts.join(" ");
        for target in [Target::Embedded, Target::Postgres] {
            let _ = translate(&sql, target, &sources());
        }
    }

    #[test]
    fn lql_shaped_garbage_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("m.x:"), Just("t:"), Just(">"), Just("<="), Just("~"), Just("\""), Just("-"),
                Just("a..b"), Just("{01..02}"), Just("2026-06-01"), Just("T10:00:00Z"), Just("last@"),
                Just("c:count("), Just(")"), Just("s:"), Just("@"), Just("f:"), Just("NULL"),
                Just("1710683222"), Just(" "), Just("\\"), Just("@>"), Just("9999999999999999"),
            ],
            0..30,
        )
    ) {
        let text = parts.concat();
        if let Ok(mut parsed) = lql::parse(&text, 1_780_309_800_000_000) {
            let _ = parsed.fit(&Schema::new());
            let sql = parsed.to_sql("logs");
            let _ = translate(&sql.sql, Target::Postgres, &sources());
            let _ = parsed.matches(&serde_json::json!({"id": "1", "timestamp": 0, "metadata": {"x": 1}}));
        }
    }
}

/// Tables a caller's query may name (its source and its own CTEs and aliases), and tables it
/// must never reach: another source's table, the engines' catalogs, file readers.
const ALLOWED: &[&str] = &["logs", "`logs`", "x", "y"];
const FORBIDDEN: &[(&str, &str)] = &[
    ("log_events_2", "log_events_2"),
    ("`other-users-source`", "other-users-source"),
    ("`project.dataset.log_events_2`", "log_events_2"),
    ("main.log_events_2", "log_events_2"),
    ("\"log_events_2\"", "log_events_2"),
    ("pg_catalog.pg_class", "pg_class"),
    ("pg_class", "pg_class"),
    ("information_schema.tables", "information_schema"),
    ("duckdb_tables()", "duckdb_tables"),
    ("read_csv('/etc/passwd')", "passwd"),
    ("pg_stat_activity", "pg_stat_activity"),
    ("sqlite_master", "sqlite_master"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Random queries built from every way a table can be named (FROM, JOIN, subqueries, CTEs,
    /// UNION, aliases that shadow) over allowed and forbidden names: on every target, either the
    /// query is refused, or the SQL that would run names no table outside the caller's
    /// sources (`log_events_1`) and its own CTEs.
    #[test]
    fn random_sql_never_names_a_table_outside_the_callers_sources(
        shape in 0usize..9,
        first in 0usize..(ALLOWED.len() + FORBIDDEN.len()),
        second in 0usize..(ALLOWED.len() + FORBIDDEN.len()),
    ) {
        let name = |index: usize| {
            if index < ALLOWED.len() { ALLOWED[index] } else { FORBIDDEN[index - ALLOWED.len()].0 }
        };
        let (a, b) = (name(first), name(second));
        let sql = match shape {
            0 => format!("select id from {a}"),
            1 => format!("select t.id from {a} as t join {b} as u on t.id = u.id"),
            2 => format!("with x as (select id from {a}) select id from {b}"),
            3 => format!("select id from logs where id in (select id from {a})"),
            4 => format!("select (select count(*) from {a}) as n from logs"),
            5 => format!("select id from {a} union all select id from {b}"),
            6 => format!("select id from {a} as logs"),
            7 => format!("with logs as (select id from {a}) select id from logs"),
            _ => format!("with x as (select id from logs), y as (select id from {a}) select x.id from x cross join {b}"),
        };
        for target in Target::ALL {
            let result = translate(&sql, target, &sources());
            if shape == 0 && a == "logs" {
                prop_assert!(result.is_ok(), "`{}` on {}: {:?}", sql, target, result);
            }
            if let Ok(translated) = result {
                let text = translated.sql.to_lowercase();
                // What it reads is the caller's source, whatever it was called in the query.
                prop_assert!(text.contains("log_events_1"), "`{}` on {} runs `{}`", sql, target, translated.sql);
                for (_, marker) in FORBIDDEN {
                    prop_assert!(
                        !text.contains(&marker.to_lowercase()),
                        "`{}` on {} runs `{}`, which names `{}`", sql, target, translated.sql, marker
                    );
                }
            }
        }
    }
}
