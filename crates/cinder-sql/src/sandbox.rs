//! Sandboxed queries: a caller's `sql=` query run inside an endpoint's CTEs.
//!
//! The endpoint's `WITH` clause is kept and its final query is replaced by the caller's, as
//! Logflare combines them: the caller reads only the endpoint's CTEs (and CTEs of its own),
//! never a source directly. A caller query with its own `WITH` is nested whole, so its CTEs
//! may shadow the endpoint's: `WITH <endpoint ctes> (WITH <caller ctes> SELECT ...)`.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Query, SetExpr, TableFactor, Visit, Visitor, With};

use crate::error::TranslateError;
use crate::parse::parse;
use crate::validate::validate_with;
use crate::Sources;

/// An endpoint's query, parsed once, that callers' queries run inside.
#[derive(Debug, Clone)]
pub struct Sandbox {
    with: With,
    names: Vec<String>,
}

impl Sandbox {
    /// Parses an endpoint query; it must have CTEs for callers to read.
    pub fn new(endpoint: &str) -> Result<Self, TranslateError> {
        let Some(with) = parse(endpoint)?.with else {
            return Err(TranslateError::Sandbox(
                "the endpoint query has no CTEs for a sandboxed query to read".into(),
            ));
        };
        let names = with.cte_tables.iter().map(|cte| cte.alias.name.value.clone()).collect();
        Ok(Self { with, names })
    }

    /// The names of the CTEs a caller may read.
    pub fn tables(&self) -> &[String] {
        &self.names
    }

    /// Combines the caller's `consumer` query with the endpoint's CTEs into one query.
    pub fn combine(&self, consumer: &str) -> Result<Query, TranslateError> {
        let consumer = parse(consumer)?;
        validate_with(&consumer, &Sources::new(), &self.names).map_err(|error| match error {
            TranslateError::UnknownSource(name) => TranslateError::Sandbox(format!(
                "table `{name}` is not one of the endpoint's CTEs ({})",
                self.names.join(", ")
            )),
            other => other,
        })?;
        let with = used_ctes(self.with.clone(), &consumer);
        Ok(if consumer.with.is_some() {
            let mut outer = consumer.clone();
            outer.with = Some(with);
            outer.body = Box::new(SetExpr::Query(Box::new(consumer)));
            outer.order_by = None;
            outer.limit_clause = None;
            outer.fetch = None;
            outer
        } else {
            Query {
                with: Some(with),
                ..consumer
            }
        })
    }
}

/// Combines `endpoint` (a query with CTEs) and the caller's `consumer` query into one query.
pub fn combine(endpoint: &str, consumer: &str) -> Result<Query, TranslateError> {
    Sandbox::new(endpoint)?.combine(consumer)
}

/// Drops the CTEs of `query` that its final SELECT does not read, directly or through other
/// CTEs. They cannot change the rows (a CTE has no side effects), and skipping them saves the
/// translator and the engine their work: Supabase's `logs.all` has fourteen and reads one.
pub(crate) fn prune_ctes(query: &mut Query) {
    if let Some(with) = query.with.take() {
        if with.recursive {
            query.with = Some(with);
            return;
        }
        let with = used_ctes(with, query);
        query.with = (!with.cte_tables.is_empty()).then_some(with);
    }
}

/// Keeps the CTEs of `with` that `consumer` reads, directly or through other CTEs.
fn used_ctes(mut with: With, consumer: &Query) -> With {
    let mut used = table_names(consumer);
    // A CTE may read the ones before it: walk back from the last.
    for cte in with.cte_tables.iter().rev() {
        if used.contains(&cte.alias.name.value) {
            used.extend(table_names(&cte.query));
        }
    }
    with.cte_tables.retain(|cte| used.contains(&cte.alias.name.value));
    with
}

fn table_names(query: &Query) -> HashSet<String> {
    struct Names(HashSet<String>);
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, .. } = factor {
                self.0.insert(crate::validate::object_name_text(name));
            }
            ControlFlow::Continue(())
        }
    }
    let mut names = Names(HashSet::new());
    let _ = query.visit(&mut names);
    names.0
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
    fn ctes_the_caller_does_not_read_are_left_out() {
        assert_eq!(
            combined(
                "with a as (select 1 as x), b as (select x from a), c as (select 2 as y) select y from c",
                "select x from b"
            ),
            "WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT x FROM b"
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
