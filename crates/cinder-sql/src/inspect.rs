//! What an endpoint needs to know about its query before it runs: the `@parameters` it
//! declares, the sources it reads, other endpoints it names (expanded as subqueries), and a
//! cap on the rows it may return.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, LimitClause, Query, TableAlias, TableFactor, Value, ValueWithSpan, Visit, VisitMut, Visitor,
    VisitorMut,
};

use crate::validate::{cte_names, object_name_text};

/// The names of the `@parameters` of `query`, each once, in the order they first appear.
pub fn parameters(query: &Query) -> Vec<String> {
    struct Names(Vec<String>);
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            // BigQuery's tokenizer reads `@name` as an identifier in some positions and as a
            // placeholder in others.
            let name = match expr {
                Expr::Identifier(ident) if ident.quote_style.is_none() => ident.value.strip_prefix('@'),
                Expr::Value(ValueWithSpan {
                    value: Value::Placeholder(name),
                    ..
                }) => name.strip_prefix('@'),
                _ => None,
            };
            if let Some(name) = name.filter(|name| !name.is_empty()) {
                if !self.0.iter().any(|known| known == name) {
                    self.0.push(name.to_owned());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut names = Names(Vec::new());
    let _ = query.visit(&mut names);
    names.0
}

/// The tables `query` reads that are not its own CTEs: the sources (and endpoints) it names.
pub fn tables(query: &Query) -> Vec<String> {
    struct Tables(Vec<String>);
    impl Visitor for Tables {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, args: None, .. } = factor {
                let name = object_name_text(name);
                if !self.0.contains(&name) {
                    self.0.push(name);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut tables = Tables(Vec::new());
    let _ = query.visit(&mut tables);
    let ctes = cte_names(query);
    tables.0.retain(|name| !ctes.contains(name));
    tables.0
}

/// Replaces every table reference that `lookup` knows (another endpoint's name) with that
/// endpoint's query as a derived table, keeping the reference's alias (or its name as one).
/// One level only: the inserted queries are not expanded again, so endpoints that name each
/// other cannot loop. Returns how many references were expanded.
pub fn expand(query: &mut Query, lookup: impl Fn(&str) -> Option<Query>) -> usize {
    struct Expander<F> {
        lookup: F,
        ctes: HashSet<String>,
        expanded: usize,
    }
    impl<F: Fn(&str) -> Option<Query>> VisitorMut for Expander<F> {
        type Break = ();
        fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            let TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } = factor
            else {
                return ControlFlow::Continue(());
            };
            let text = object_name_text(name);
            if self.ctes.contains(&text) {
                return ControlFlow::Continue(());
            }
            if let Some(subquery) = (self.lookup)(&text) {
                let alias = alias.take().unwrap_or_else(|| TableAlias {
                    explicit: true,
                    name: Ident::with_quote('`', text),
                    columns: Vec::new(),
                    at: None,
                });
                *factor = TableFactor::Derived {
                    lateral: false,
                    subquery: Box::new(subquery),
                    alias: Some(alias),
                    sample: None,
                };
                self.expanded += 1;
            }
            ControlFlow::Continue(())
        }
    }
    let mut expander = Expander {
        lookup,
        ctes: cte_names(query),
        expanded: 0,
    };
    let _ = query.visit(&mut expander);
    expander.expanded
}

/// Makes `query` return at most `max` rows: a missing `LIMIT`, or one larger than `max`, becomes
/// `LIMIT max`. A `LIMIT` that is not a number (a parameter) is left for the caller to enforce
/// on the rows.
pub fn cap_rows(query: &mut Query, max: u64) {
    let cap = || Expr::value(Value::Number(max.to_string(), false));
    match &mut query.limit_clause {
        None => {
            query.limit_clause = Some(LimitClause::LimitOffset {
                limit: Some(cap()),
                offset: None,
                limit_by: Vec::new(),
            })
        }
        Some(LimitClause::LimitOffset { limit, .. }) => match limit {
            None => *limit = Some(cap()),
            Some(expr) if literal(expr).is_some_and(|value| value > max) => *expr = cap(),
            Some(_) => {}
        },
        Some(LimitClause::OffsetCommaLimit { limit, .. }) => {
            if literal(limit).is_some_and(|value| value > max) {
                *limit = cap();
            }
        }
    }
}

fn literal(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::Number(text, _),
            ..
        }) => text.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn parameters_in_order_once() {
        let query =
            parse("select @b as x from logs where a = @a and (b = @b or c in (select y from t where z = @c)) limit 1")
                .unwrap();
        assert_eq!(parameters(&query), ["b", "a", "c"]);
        assert!(parameters(&parse("select 1").unwrap()).is_empty());
    }

    #[test]
    fn tables_exclude_ctes() {
        let query = parse("with a as (select x from `my.source`) select x from a join other o on true").unwrap();
        assert_eq!(tables(&query), ["my.source", "other"]);
    }

    #[test]
    fn expansion_is_one_level_and_keeps_aliases() {
        let mut query = parse("select n from counts as c join counts on true").unwrap();
        let expanded = expand(&mut query, |name| {
            (name == "counts").then(|| parse("select count(*) as n from counts").unwrap())
        });
        assert_eq!(expanded, 2);
        assert_eq!(
            query.to_string(),
            "SELECT n FROM (SELECT count(*) AS n FROM counts) AS c JOIN (SELECT count(*) AS n FROM counts) AS `counts` ON true"
        );
    }

    #[test]
    fn caps_limits() {
        let capped = |sql: &str| {
            let mut query = parse(sql).unwrap();
            cap_rows(&mut query, 100);
            query.to_string()
        };
        assert_eq!(capped("select 1"), "SELECT 1 LIMIT 100");
        assert_eq!(capped("select 1 limit 5"), "SELECT 1 LIMIT 5");
        assert_eq!(capped("select 1 limit 500 offset 3"), "SELECT 1 LIMIT 100 OFFSET 3");
        assert_eq!(
            capped("select a from x union all select b from y order by 1"),
            "SELECT a FROM x UNION ALL SELECT b FROM y ORDER BY 1 LIMIT 100"
        );
    }
}
