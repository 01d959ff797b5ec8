//! Sandboxed queries: a caller's `sql=` query run inside an endpoint's CTEs.
//!
//! The endpoint's `WITH` clause is kept and its final query is replaced by the caller's, as
//! Logflare combines them: the caller reads only the endpoint's CTEs (and CTEs of its own),
//! never a source directly. A caller query with its own `WITH` is nested whole, so its CTEs
//! may shadow the endpoint's: `WITH <endpoint ctes> (WITH <caller ctes> SELECT ...)`.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Ident, ObjectName, Query, TableAlias, TableFactor, Visit, Visitor, VisitorMut, With};

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
        Self::from_query(parse(endpoint)?)
    }

    /// Takes an endpoint query already parsed (and expanded).
    pub fn from_query(endpoint: Query) -> Result<Self, TranslateError> {
        let Some(with) = endpoint.with else {
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
        let mut consumer = consumer;
        let mut with = self.with.clone();
        // The caller's CTEs follow the endpoint's in one WITH (every engine reads that; not all
        // read a parenthesised WITH). A caller CTE named like an endpoint CTE shadows it for
        // the caller, so the endpoint's is renamed where the endpoint's CTEs read it.
        let own = consumer.with.take();
        if let Some(own) = &own {
            for cte in &own.cte_tables {
                let name = cte.alias.name.value.clone();
                if self.names.contains(&name) {
                    rename_cte(&mut with, &name, &format!("__endpoint_{name}"));
                }
            }
        }
        let mut with = used_ctes(with, &consumer, own.as_ref());
        if let Some(own) = own {
            with.recursive |= own.recursive;
            with.cte_tables.extend(own.cte_tables);
        }
        consumer.with = (!with.cte_tables.is_empty()).then_some(with);
        Ok(consumer)
    }
}

/// Renames the CTE `from` of `with` to `to`, and every reference to it in `with`'s CTEs.
fn rename_cte(with: &mut With, from: &str, to: &str) {
    struct Rename<'a>(&'a str, &'a str);
    impl VisitorMut for Rename<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, alias, .. } = factor {
                if crate::validate::object_name_text(name) == self.0 {
                    if alias.is_none() {
                        *alias = Some(TableAlias {
                            explicit: true,
                            name: Ident::new(self.0),
                            columns: Vec::new(),
                            at: None,
                        });
                    }
                    *name = ObjectName::from(vec![Ident::new(self.1)]);
                }
            }
            ControlFlow::Continue(())
        }
    }
    for cte in &mut with.cte_tables {
        if cte.alias.name.value == from {
            cte.alias.name = Ident::new(to);
        }
        let _ = sqlparser::ast::VisitMut::visit(&mut *cte.query, &mut Rename(from, to));
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
        let with = used_ctes(with, query, None);
        query.with = (!with.cte_tables.is_empty()).then_some(with);
    }
}

/// Keeps the CTEs of `with` that `consumer` (and its own CTEs, `own`) read, directly or
/// through other CTEs.
fn used_ctes(mut with: With, consumer: &Query, own: Option<&With>) -> With {
    let mut used = table_names(consumer);
    for cte in own.iter().flat_map(|own| &own.cte_tables) {
        used.extend(table_names(&cte.query));
    }
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
            "WITH cte1 AS (SELECT 'val' AS a), cte2 AS (SELECT 'val' AS b) SELECT a, b FROM cte1, cte2"
        );
        // A caller CTE of the same name shadows the endpoint's, which its other CTEs still read.
        assert_eq!(
            combined(
                "with a as (select 1 as x), b as (select x from a) select x from b",
                "with a as (select x + 1 as x from b) select x from a"
            ),
            "WITH __endpoint_a AS (SELECT 1 AS x), b AS (SELECT x FROM __endpoint_a AS a), a AS (SELECT x + 1 AS x FROM b) SELECT x FROM a"
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
