//! Sandboxed queries: a caller's `sql=` query run inside an endpoint's CTEs.
//!
//! The endpoint's `WITH` clause is kept and its final query is replaced by the caller's, as
//! Logflare combines them: the caller reads only the endpoint's CTEs (and CTEs of its own),
//! never a source directly. A caller query with its own `WITH` is nested whole, so its CTEs
//! may shadow the endpoint's: `WITH <endpoint ctes> (WITH <caller ctes> SELECT ...)`.

use sqlparser::ast::{Query, SetExpr};

use crate::error::TranslateError;
use crate::parse::parse;
use crate::validate::validate_with;
use crate::Sources;

/// Combines `endpoint` (a query with CTEs) and the caller's `consumer` query into one query.
pub fn combine(endpoint: &str, consumer: &str) -> Result<Query, TranslateError> {
    let mut endpoint = parse(endpoint)?;
    let Some(with) = endpoint.with.take() else {
        return Err(TranslateError::Sandbox(
            "the endpoint query has no CTEs for a sandboxed query to read".into(),
        ));
    };
    let names: Vec<String> = with.cte_tables.iter().map(|cte| cte.alias.name.value.clone()).collect();
    let consumer = parse(consumer)?;
    validate_with(&consumer, &Sources::new(), &names).map_err(|error| match error {
        TranslateError::UnknownSource(name) => TranslateError::Sandbox(format!(
            "table `{name}` is not one of the endpoint's CTEs ({})",
            names.join(", ")
        )),
        other => other,
    })?;
    let combined = if consumer.with.is_some() {
        Query {
            with: Some(with),
            body: Box::new(SetExpr::Query(Box::new(consumer))),
            order_by: None,
            limit_clause: None,
            ..endpoint
        }
    } else {
        Query {
            with: Some(with),
            ..consumer
        }
    };
    Ok(combined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combined(endpoint: &str, consumer: &str) -> String {
        combine(endpoint, consumer).unwrap().to_string()
    }

    #[test]
    fn the_callers_query_replaces_the_final_select() {
        assert_eq!(
            combined(
                "with src as (select a from my_table), src2 as (select a from src where a > 5) select c from src",
                "select a, b, c from src2"
            ),
            "WITH src AS (SELECT a FROM my_table), src2 AS (SELECT a FROM src WHERE a > 5) SELECT a, b, c FROM src2"
        );
        assert_eq!(
            combined(
                "with src as (select a from my_table) select c from src order by a limit 3",
                "select c from src order by c asc"
            ),
            "WITH src AS (SELECT a FROM my_table) SELECT c FROM src ORDER BY c ASC"
        );
    }

    #[test]
    fn a_caller_with_its_own_ctes_is_nested() {
        assert_eq!(
            combined(
                "with cte1 as (select 'val' as a) select a from cte1",
                "with cte2 as (select 'val' as b) select a, b from cte1, cte2"
            ),
            "WITH cte1 AS (SELECT 'val' AS a) (WITH cte2 AS (SELECT 'val' AS b) SELECT a, b FROM cte1, cte2)"
        );
    }

    #[test]
    fn the_caller_reads_only_ctes() {
        let endpoint = "with logs as (select id from `my.source`) select id from logs";
        let error = combine(endpoint, "select id from `my.source`").unwrap_err();
        assert_eq!(
            error.to_string(),
            "sandboxed query: table `my.source` is not one of the endpoint's CTEs (logs)"
        );
        assert_eq!(
            combine(endpoint, "select * from logs").unwrap_err(),
            TranslateError::Wildcard
        );
        assert_eq!(
            combine(endpoint, "drop table logs").unwrap_err(),
            TranslateError::NotSelect
        );
        assert!(combine("select 1", "select 1").is_err());
        assert!(combined(endpoint, "select id from logs union all select id from logs").contains("UNION ALL"));
    }
}
