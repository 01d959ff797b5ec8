//! Refusing what may not run: wildcards, unknown tables, table functions, restricted functions.
//!
//! Parsing already guarantees a single SELECT. Here every table must be a CTE of the query or
//! one of the caller's sources, and every function must be one Cinder translates, so a query
//! cannot read files, settings, system catalogs or another user's data on any engine.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, ObjectName, Query, Select, SelectItem, SetExpr, TableFactor, Visit, Visitor};

use crate::error::TranslateError;
use crate::functions;
use crate::Sources;

/// Checks a parsed query against the rules above.
pub fn validate(query: &Query, sources: &Sources) -> Result<(), TranslateError> {
    validate_with(query, sources, &[])
}

/// Checks a query that may also read the tables `outer` (the CTEs of an endpoint that a
/// sandboxed query runs inside).
pub fn validate_with(query: &Query, sources: &Sources, outer: &[String]) -> Result<(), TranslateError> {
    let mut ctes: HashSet<String> = outer.iter().cloned().collect();
    collect_cte_names(query, &mut ctes);
    let mut visitor = Validator { sources, ctes };
    match query.visit(&mut visitor) {
        ControlFlow::Break(error) => Err(error),
        ControlFlow::Continue(()) => Ok(()),
    }
}

fn collect_cte_names(query: &Query, names: &mut HashSet<String>) {
    let _ = query.visit(&mut CteNames(names));
}

/// The names of every CTE defined anywhere in `query`.
pub(crate) fn cte_names(query: &Query) -> HashSet<String> {
    let mut names = HashSet::new();
    collect_cte_names(query, &mut names);
    names
}

struct CteNames<'a>(&'a mut HashSet<String>);

impl Visitor for CteNames<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.0.insert(cte.alias.name.value.clone());
            }
        }
        ControlFlow::Continue(())
    }
}

/// Joins a possibly multi-part table name (`project.dataset.table`, or one backticked part
/// with dots inside) into the name users gave the source.
pub(crate) fn object_name_text(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|part| match part.as_ident() {
            Some(ident) => ident.value.clone(),
            None => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

struct Validator<'a> {
    sources: &'a Sources,
    ctes: HashSet<String>,
}

impl Visitor for Validator<'_> {
    type Break = TranslateError;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<TranslateError> {
        if let Err(error) = check_set_expr(&query.body) {
            return ControlFlow::Break(error);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<TranslateError> {
        let wildcard = select
            .projection
            .iter()
            .any(|item| matches!(item, SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)));
        if wildcard {
            return ControlFlow::Break(TranslateError::Wildcard);
        }
        if select.into.is_some() {
            return ControlFlow::Break(TranslateError::NotSelect);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<TranslateError> {
        match factor {
            TableFactor::Table { name, args, .. } => {
                let text = object_name_text(name);
                if args.is_some() {
                    return ControlFlow::Break(TranslateError::RestrictedFunction(text.to_lowercase()));
                }
                if !self.ctes.contains(&text) && !self.sources.contains_key(&text) {
                    return ControlFlow::Break(TranslateError::UnknownSource(text));
                }
            }
            TableFactor::Derived { .. } | TableFactor::UNNEST { .. } | TableFactor::NestedJoin { .. } => {}
            TableFactor::Function { name, .. } => {
                return ControlFlow::Break(TranslateError::RestrictedFunction(
                    object_name_text(name).to_lowercase(),
                ))
            }
            TableFactor::TableFunction { expr, .. } => {
                return ControlFlow::Break(TranslateError::RestrictedFunction(expr.to_string()))
            }
            other => {
                return ControlFlow::Break(TranslateError::Unsupported(format!("table expression `{other}`")));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<TranslateError> {
        if let Expr::Function(function) = expr {
            let name = object_name_text(&function.name).to_lowercase();
            if let Err(error) = functions::check(&name) {
                return ControlFlow::Break(error);
            }
        }
        ControlFlow::Continue(())
    }
}

fn check_set_expr(body: &SetExpr) -> Result<(), TranslateError> {
    match body {
        SetExpr::Select(_) | SetExpr::Query(_) => Ok(()),
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left)?;
            check_set_expr(right)
        }
        SetExpr::Table(_) => Err(TranslateError::Wildcard),
        SetExpr::Values(_) => Err(TranslateError::Unsupported("VALUES lists".into())),
        _ => Err(TranslateError::NotSelect),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn check(sql: &str) -> Result<(), TranslateError> {
        let sources = crate::tests::sources(&["logs", "my.source-1"]);
        validate(&parse(sql)?, &sources)
    }

    #[test]
    fn known_tables_and_ctes_pass() {
        check("select id from logs").unwrap();
        check("select id from `my.source-1` as s").unwrap();
        check("with a as (select id from logs) select id from a").unwrap();
    }

    #[test]
    fn refusals_name_the_problem() {
        assert_eq!(
            check("select id from secrets").unwrap_err().to_string(),
            "unknown source `secrets`"
        );
        assert_eq!(check("select * from logs").unwrap_err(), TranslateError::Wildcard);
        assert_eq!(check("select l.* from logs l").unwrap_err(), TranslateError::Wildcard);
        assert_eq!(
            check("select pg_read_file('/etc/passwd') from logs")
                .unwrap_err()
                .to_string(),
            "function `pg_read_file` is not allowed"
        );
        assert!(matches!(
            check("select id from read_csv('x')"),
            Err(TranslateError::RestrictedFunction(_))
        ));
        assert!(check("select id from information_schema.tables").is_err());
        assert!(check("select id from (select * from logs)").is_err());
    }
}
