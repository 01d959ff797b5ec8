//! BigQuery-dialect SQL in, SQL for one target engine out.
//!
//! ```text
//!  text ──parse──▶ AST ──validate──▶ AST ──rewrite(target, sources)──▶ AST ──print──▶ TargetSql
//!        (BigQuery   (one SELECT,        (source names → tables,         (SQL text + ordered
//!         dialect)    known tables,       paths → typed columns,          parameter names)
//!                     allowed functions)  @params → $n)
//! ```
//!
//! Everything here is pure: the caller passes the sources' schemas in, and runs the result.
//! Parameters are always bound by the backend, never spliced into SQL text.
#![warn(missing_docs)]

mod calls;
mod error;
mod functions;
pub mod inspect;
pub mod lql;
mod parse;
mod resolve;
mod rewrite;
mod sandbox;
pub mod target;
mod validate;

use std::collections::HashMap;
use std::sync::Arc;

use cinder_core::Schema;
pub use sqlparser::ast::Query;

pub use error::TranslateError;
pub use parse::parse;
pub use sandbox::{combine, Sandbox};
pub use target::{Target, TargetSql};

/// A source as the translator sees it: the table that holds its events and its schema.
#[derive(Debug, Clone)]
pub struct SourceTable {
    /// The table name in the target engine (`log_events_<token>`).
    pub table: String,
    /// The source's schema, which tells paths that exist from paths that do not.
    pub schema: Arc<Schema>,
    /// The part of `schema` the table has columns for. It lags `schema` while events with new
    /// fields are acknowledged but not yet stored: engines that keep each event's document
    /// (embedded, Postgres) read the newer paths from it, so a query sees every field of
    /// every row it sees; BigQuery, whose tables have only their columns, reads them as
    /// NULL until the table has them. Either way no query names a column that is not there.
    pub columns: Arc<Schema>,
}

impl SourceTable {
    /// A source whose table has a column for every path of `schema`.
    pub fn new(table: impl Into<String>, schema: Arc<Schema>) -> Self {
        Self {
            table: table.into(),
            columns: schema.clone(),
            schema,
        }
    }
}

/// The caller's sources, by name.
pub type Sources = HashMap<String, SourceTable>;

/// Translates one BigQuery-dialect query for `target`, over the caller's `sources`.
pub fn translate(sql: &str, target: Target, sources: &Sources) -> Result<TargetSql, TranslateError> {
    translate_query(parse(sql)?, target, sources)
}

/// Translates a caller's `consumer` query run inside the CTEs of an endpoint's query (see
/// [`Sandbox::combine`]).
pub fn translate_sandboxed(
    endpoint: &Sandbox,
    consumer: &str,
    target: Target,
    sources: &Sources,
) -> Result<TargetSql, TranslateError> {
    translate_query(endpoint.combine(consumer)?, target, sources)
}

/// Translates an already parsed query (an endpoint's, kept parsed between calls, or a
/// [`Sandbox::combine`]d one), returning at most `max_rows` rows when given (see
/// [`inspect::cap_rows`]).
pub fn translate_parsed(
    mut query: Query,
    target: Target,
    sources: &Sources,
    max_rows: Option<u64>,
) -> Result<TargetSql, TranslateError> {
    if let Some(max) = max_rows {
        inspect::cap_rows(&mut query, max);
    }
    translate_query(query, target, sources)
}

fn translate_query(mut query: Query, target: Target, sources: &Sources) -> Result<TargetSql, TranslateError> {
    validate::validate(&query, sources)?;
    sandbox::prune_ctes(&mut query);
    let params = rewrite::rewrite(&mut query, target, sources)?;
    requote(&mut query, target);
    Ok(TargetSql {
        sql: query.to_string(),
        params,
    })
}

/// Writes every quoted identifier left as BigQuery quotes it (`` `name` ``: CTEs and their
/// columns, aliases) with the target's quote.
fn requote(query: &mut Query, target: Target) {
    struct Requote(char);
    impl sqlparser::ast::VisitorMut for Requote {
        type Break = ();
        fn pre_visit_ident(&mut self, ident: &mut sqlparser::ast::Ident) -> std::ops::ControlFlow<()> {
            if ident.quote_style == Some('`') {
                ident.quote_style = Some(self.0);
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let quote = target.identifier_quote();
    if quote != '`' {
        let _ = sqlparser::ast::VisitMut::visit(query, &mut Requote(quote));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use cinder_core::LogEvent;
    use serde_json::json;

    /// Sources named `names`, each with a schema grown from one Supabase-like event.
    pub(crate) fn sources(names: &[&str]) -> Sources {
        let mut schema = Schema::new();
        let body = json!({"metadata": {"request": {"path": "/a", "method": "GET"}, "status": 200, "tags": ["x"]}, "project": "p"});
        let event = LogEvent {
            id: "1".into(),
            timestamp: 0,
            event_message: None,
            body: body.as_object().unwrap().clone(),
        };
        schema.apply(&mut [event]).unwrap();
        let schema = Arc::new(schema);
        names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let table = SourceTable::new(format!("log_events_{index}"), schema.clone());
                (name.to_string(), table)
            })
            .collect()
    }

    pub(crate) fn embedded(sql: &str) -> Result<TargetSql, TranslateError> {
        translate(sql, Target::Embedded, &sources(&["logs", "cloudflare.logs.prod"]))
    }

    #[test]
    fn sources_become_tables_and_paths_become_columns() {
        let out = embedded("select id, metadata.request.path as p from logs where metadata.status >= 500 order by timestamp desc limit 10").unwrap();
        assert_eq!(
            out.sql,
            r#"SELECT "logs"."id" AS "id", "logs"."metadata.request.path" AS p FROM "log_events_0" AS "logs" WHERE "logs"."metadata.status" >= 500 ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 10"#
        );
    }

    #[test]
    fn backticked_names_with_dots_and_aliases() {
        let out = embedded("select t.event_message, count(*) as n from `cloudflare.logs.prod` t group by 1").unwrap();
        assert_eq!(
            out.sql,
            r#"SELECT "t"."event_message" AS "event_message", count(*) AS n FROM "log_events_1" AS "t" GROUP BY 1"#
        );
    }

    #[test]
    fn datetimes_are_grouped_and_sorted_by_their_timestamp_and_written_as_text() {
        let out = embedded(
            "select cast(timestamp_trunc(timestamp, hour) as datetime) as t, count(*) as n from logs group by t order by t",
        )
        .unwrap();
        let hour = r#"date_trunc('hour', "logs"."timestamp")"#;
        assert!(
            out.sql
                .contains(&format!("regexp_replace(strftime(CAST({hour} AS TIMESTAMP)")),
            "{}",
            out.sql
        );
        // A TIMESTAMP converted to DATETIME sorts and groups as the TIMESTAMP itself.
        assert!(
            out.sql
                .ends_with(&format!("GROUP BY {hour} ORDER BY {hour} NULLS FIRST")),
            "{}",
            out.sql
        );
        // A DATETIME made from text does not: it is grouped and sorted as the DATETIME.
        let parsed = embedded("select cast(event_message as datetime) as t from logs order by t").unwrap();
        assert!(
            parsed
                .sql
                .ends_with(r#"ORDER BY CAST("logs"."event_message" AS TIMESTAMP) NULLS FIRST"#),
            "{}",
            parsed.sql
        );
        // DISTINCT sorts by what it returns, and a set operation by its output columns.
        let distinct = embedded("select distinct cast(timestamp as datetime) as t from logs order by t").unwrap();
        assert!(distinct.sql.ends_with("ORDER BY 1 NULLS FIRST"), "{}", distinct.sql);
        let union = embedded(
            "select cast(timestamp as datetime) as t from logs union all select cast(timestamp as datetime) as t from logs order by t",
        )
        .unwrap();
        assert!(union.sql.ends_with("ORDER BY t NULLS FIRST"), "{}", union.sql);
    }

    #[test]
    fn a_safe_cast_to_the_type_a_value_has_is_a_plain_cast() {
        let same = embedded("select safe_cast(metadata.status as int64) as s from logs").unwrap();
        assert_eq!(
            same.sql,
            r#"SELECT CAST("logs"."metadata.status" AS BIGINT) AS s FROM "log_events_0" AS "logs""#
        );
        let text = embedded("select safe_cast(metadata.request.path as int64) as s from logs").unwrap();
        assert!(text.sql.contains("regexp_matches"), "{}", text.sql);
    }

    #[test]
    fn missing_paths_are_null_and_objects_are_json() {
        let out = embedded("select metadata.request.search, metadata.request from logs").unwrap();
        assert_eq!(
            out.sql,
            r#"SELECT NULL AS "search", json_extract("logs"."__ROOT__", '$.metadata.request') AS "request" FROM "log_events_0" AS "logs""#
        );
    }

    #[test]
    fn params_are_bound_and_strings_single_quoted() {
        let out =
            embedded(r#"select id from logs where project = @project and event_message = "x" or project = @project"#)
                .unwrap();
        assert!(out.sql.contains("\"logs\".\"project\" = $1"), "{}", out.sql);
        assert!(out.sql.contains("= 'x'"), "{}", out.sql);
        assert_eq!(out.params, ["project"]);
    }

    #[test]
    fn ctes_and_subqueries_keep_their_own_scope() {
        let out = embedded("with a as (select id, metadata.status as s from logs) select s from a where s in (select metadata.status from logs)").unwrap();
        assert_eq!(
            out.sql,
            r#"WITH a AS (SELECT "logs"."id" AS "id", "logs"."metadata.status" AS s FROM "log_events_0" AS "logs") SELECT s AS "s" FROM a WHERE s IN (SELECT "logs"."metadata.status" AS "status" FROM "log_events_0" AS "logs")"#
        );
    }

    #[test]
    fn backticked_ctes_columns_and_aliases_take_the_targets_quote() {
        let out = embedded("with `a` as (select id as `x` from logs) select `a`.`x` as `y` from `a`").unwrap();
        assert!(!out.sql.contains('`'), "{}", out.sql);
    }

    #[test]
    fn unknown_names_are_null_when_backticked_too() {
        // Studio writes `function_id` in backticks; a source with no events yet has no such field.
        let out =
            embedded("select count(*) as n from logs cross join unnest(metadata) as m where (`function_id` = 'x')")
                .unwrap();
        assert!(out.sql.contains("(CAST(NULL AS VARCHAR) = 'x')"), "{}", out.sql);
    }

    #[test]
    fn arrays_need_unnest() {
        assert!(matches!(
            embedded("select metadata.tags.x from logs"),
            Err(TranslateError::Unsupported(_))
        ));
    }
}

#[cfg(test)]
mod unnest_tests {
    use super::tests::sources;
    use super::*;

    fn embedded(sql: &str) -> String {
        super::tests::embedded(sql).unwrap().sql
    }

    #[test]
    fn unnest_of_an_object_names_a_path_and_keeps_rows_that_have_it() {
        assert_eq!(
            embedded(
                "select id, request.method, m.status from logs cross join unnest(metadata) as m \
                 cross join unnest(m.request) as request where status > 1"
            ),
            r#"SELECT "logs"."id" AS "id", "logs"."metadata.request.method" AS "method", "logs"."metadata.status" AS "status" FROM "log_events_0" AS "logs" WHERE ("logs"."metadata.status" > 1) AND "logs"."metadata" IS NOT NULL AND "logs"."metadata.request" IS NOT NULL"#
        );
    }

    #[test]
    fn left_join_unnest_keeps_rows_and_a_missing_object_drops_them() {
        assert_eq!(
            embedded("select r.path from logs left join unnest(metadata.request) as r on true"),
            r#"SELECT "logs"."metadata.request.path" AS "path" FROM "log_events_0" AS "logs""#
        );
        assert_eq!(
            embedded("select r.x from logs cross join unnest(metadata.response) as r"),
            r#"SELECT NULL AS "x" FROM "log_events_0" AS "logs" WHERE false"#
        );
    }

    #[test]
    fn unnest_of_an_array_is_one_row_per_element() {
        assert_eq!(
            embedded("select id, tag from logs, unnest(metadata.tags) as tag"),
            r#"SELECT "logs"."id" AS "id", json_extract_string("tag"."value", '$') AS "tag" FROM "log_events_0" AS "logs", UNNEST(CAST("logs"."metadata.tags" AS JSON[])) AS "tag" ("value")"#
        );
    }

    #[test]
    fn unnest_of_a_scalar_is_refused() {
        let error = translate(
            "select x from logs cross join unnest(metadata.status) as x",
            Target::Embedded,
            &sources(&["logs"]),
        )
        .unwrap_err();
        assert!(error.to_string().contains("not an array or object"), "{error}");
    }
}

#[cfg(test)]
mod function_tests {
    use super::tests::sources;
    use super::*;

    fn embedded(sql: &str) -> String {
        super::tests::embedded(sql).unwrap().sql
    }

    #[test]
    fn timestamp_trunc_takes_the_unit_first_and_weeks_start_on_sunday() {
        assert_eq!(
            embedded("select timestamp_trunc(timestamp, HOUR) as h from logs"),
            r#"SELECT date_trunc('hour', "logs"."timestamp") AS h FROM "log_events_0" AS "logs""#
        );
        assert_eq!(
            embedded("select timestamp_trunc(timestamp, week) as w from logs"),
            r#"SELECT (date_trunc('week', "logs"."timestamp" + INTERVAL '1 day') - INTERVAL '1 day') AS w FROM "log_events_0" AS "logs""#
        );
        assert!(translate(
            "select timestamp_trunc(timestamp, fortnight) from logs",
            Target::Embedded,
            &sources(&["logs"])
        )
        .is_err());
    }

    #[test]
    fn regexp_contains_is_a_partial_match() {
        assert_eq!(
            embedded("select id from logs where regexp_contains(event_message, 'err')"),
            r#"SELECT "logs"."id" AS "id" FROM "log_events_0" AS "logs" WHERE regexp_matches("logs"."event_message", 'err')"#
        );
    }
}
