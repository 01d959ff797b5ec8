//! Rewriting a validated query for one target: one walk for every engine.
//!
//! Each query's CTEs, then its body, then its ORDER BY and LIMIT are rewritten; each SELECT's
//! FROM clause builds the [`Scope`] its expressions are resolved in (`from.rs`), then its
//! expressions are rewritten (`expr.rs`). What a name means is decided by the resolver
//! (`resolve.rs`); how it is written, by the target's [`Layout`].

mod expr;
mod from;

use sqlparser::ast::{
    AccessExpr, CastKind, Expr, GroupByExpr, Ident, OrderByKind, OrderBySort, Query, Select, SelectItem, SetExpr,
    Value, ValueWithSpan,
};
use sqlparser::dialect::{Dialect, GenericDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Span;

use crate::calls;
use crate::error::TranslateError;
use crate::resolve::{output_names, output_ordinal, passthrough, type_of, Cte, Exposed, Scope};
use crate::target::{Layout, Scalar, Target};
use crate::Sources;

pub(crate) use expr::ExprRewriter;

/// Rewrites `query` in place for `target` and returns the parameter names in binding order.
pub fn rewrite(query: &mut Query, target: Target, sources: &Sources) -> Result<Vec<String>, TranslateError> {
    let mut context = Context {
        target,
        layout: target.layout(),
        sources,
        params: Vec::new(),
        datetime_keys: Vec::new(),
    };
    rewrite_query(query, &Scope::default(), &[], Shape::Output, &mut context)?;
    Ok(context.params)
}

pub(crate) struct Context<'a> {
    target: Target,
    layout: &'static dyn Layout,
    sources: &'a Sources,
    params: Vec<String>,
    /// The output SELECT's DATETIME items before they were written as text, by projection
    /// index: grouping and sorting by them gives the same groups and order (the text is in
    /// the timestamp's order) without writing every row's timestamp as text first.
    datetime_keys: Vec<(usize, Expr)>,
}

impl Context<'_> {
    fn placeholder(&mut self, name: &str) -> String {
        let position = match self.params.iter().position(|known| known == name) {
            Some(index) => index + 1,
            None => {
                self.params.push(name.to_owned());
                self.params.len()
            }
        };
        self.target.placeholder(position, name)
    }

    /// An identifier in the target's quotes.
    fn ident(&self, name: &str) -> Ident {
        Ident::with_quote(self.target.identifier_quote(), name)
    }
}

/// What a query's rows are for, which decides how its columns are named and shaped.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// The rows the caller receives: columns named as BigQuery names them, DATETIME values
    /// written as BigQuery answers them.
    Output,
    /// A CTE's rows: a pass-through of a source's fields keeps its physical columns.
    Cte,
    /// Any other subquery.
    Inner,
}

/// Rewrites one query.
fn rewrite_query<'a>(
    query: &mut Query,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    shape: Shape,
    context: &mut Context<'a>,
) -> Result<Option<Exposed<'a>>, TranslateError> {
    let mut visible_ctes = ctes.to_vec();
    if let Some(with) = &mut query.with {
        for cte in &mut with.cte_tables {
            let exposes = rewrite_query(&mut cte.query, outer, &visible_ctes, Shape::Cte, context)?;
            let columns = if cte.alias.columns.is_empty() {
                output_names(&cte.query.body)
            } else {
                cte.alias.columns.iter().map(|column| column.name.clone()).collect()
            };
            visible_ctes.push(Cte {
                name: cte.alias.name.value.clone(),
                exposes: exposes.filter(|_| cte.alias.columns.is_empty()),
                columns,
            });
        }
    }
    // ORDER BY sees the select's output names first, then its FROM, when the body is one SELECT.
    if let (Some(order_by), SetExpr::Select(select)) = (&mut query.order_by, &*query.body) {
        if let OrderByKind::Expressions(items) = &mut order_by.kind {
            for item in items.iter_mut() {
                output_ordinal(&mut item.expr, &select.projection);
            }
        }
    }
    if let Some(OrderByKind::Expressions(items)) = query.order_by.as_mut().map(|order_by| &mut order_by.kind) {
        for item in items {
            // BigQuery sorts NULLs first ascending and last descending; say so to every engine.
            if item.options.nulls_first.is_none() {
                item.options.nulls_first = Some(!matches!(item.options.sort, Some(OrderBySort::Desc)));
            }
        }
    }
    let (body_scope, exposes) = match rewrite_set_expr(&mut query.body, outer, &visible_ctes, shape, context)? {
        Some((scope, exposes)) => (Some(scope), exposes),
        None => (None, None),
    };
    let scope = body_scope.unwrap_or_else(|| outer.clone());
    // Taken whatever the body: keys left by a SELECT of a set operation must not reach another
    // query's ORDER BY.
    let datetime_keys = match (&*query.body, shape, std::mem::take(&mut context.datetime_keys)) {
        (SetExpr::Select(select), Shape::Output, keys) if select.distinct.is_none() => keys,
        _ => Vec::new(),
    };
    let mut rewriter = ExprRewriter::new(&scope, &visible_ctes, context);
    if let Some(order_by) = &mut query.order_by {
        rewriter.run(order_by)?;
        if let OrderByKind::Expressions(items) = &mut order_by.kind {
            for item in items.iter_mut() {
                typed_null(&mut item.expr, context)?;
                by_datetime_key(&mut item.expr, &datetime_keys);
            }
        }
    }
    if let Some(limit) = &mut query.limit_clause {
        ExprRewriter::new(&scope, &visible_ctes, context).run(limit)?;
    }
    Ok(exposes)
}

fn rewrite_set_expr<'a>(
    body: &mut SetExpr,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    shape: Shape,
    context: &mut Context<'a>,
) -> Result<Option<(Scope<'a>, Option<Exposed<'a>>)>, TranslateError> {
    match body {
        SetExpr::Select(select) => rewrite_select(select, outer, ctes, shape, context).map(Some),
        SetExpr::Query(query) => {
            let shape = if shape == Shape::Output { shape } else { Shape::Inner };
            rewrite_query(query, outer, ctes, shape, context).map(|_| None)
        }
        SetExpr::SetOperation { left, right, .. } => {
            let shape = if shape == Shape::Output { shape } else { Shape::Inner };
            rewrite_set_expr(left, outer, ctes, shape, context)?;
            rewrite_set_expr(right, outer, ctes, shape, context)?;
            Ok(None)
        }
        other => Err(TranslateError::Unsupported(format!("query body `{other}`"))),
    }
}

fn rewrite_select<'a>(
    select: &mut Select,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    shape: Shape,
    context: &mut Context<'a>,
) -> Result<(Scope<'a>, Option<Exposed<'a>>), TranslateError> {
    // Inner relations come first and shadow outer ones; outer ones stay visible for
    // correlated subqueries.
    let mut scope = outer.clone();
    scope.outputs = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.to_lowercase()),
            _ => None,
        })
        .collect();
    let presence = from::add_from(select, outer, &mut scope, ctes, context)?;
    let passthrough = if shape == Shape::Cte {
        passthrough(select, &scope)
    } else {
        None
    };
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        for expr in exprs {
            output_ordinal(expr, &select.projection);
        }
    }
    let datetimes = match (shape, context.layout.spelling()) {
        (Shape::Output, Some(_)) => calls::datetime_items(&select.projection),
        _ => Vec::new(),
    };
    // DATETIME items that only convert a TIMESTAMP (or DATETIME) value sort and group as
    // that value does: their key is the value itself (see below).
    let conversions: Vec<usize> = datetimes
        .iter()
        .copied()
        .filter(|&index| match select.projection.get(index) {
            Some(SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) => {
                converts_a_timestamp(&scope, expr)
            }
            _ => false,
        })
        .collect();
    name_columns(select, shape, context);
    {
        let mut rewriter = ExprRewriter::new(&scope, ctes, context);
        rewriter.run(&mut select.projection)?;
        if let Some(selection) = &mut select.selection {
            rewriter.run(selection)?;
        }
        rewriter.run(&mut select.group_by)?;
        if let Some(having) = &mut select.having {
            rewriter.run(having)?;
        }
        if let Some(qualify) = &mut select.qualify {
            rewriter.run(qualify)?;
        }
        rewriter.run(&mut select.named_window)?;
    }
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        exprs.iter_mut().try_for_each(|expr| typed_null(expr, context))?;
    }
    if let Some(spelling) = context.layout.spelling() {
        let keys: Vec<(usize, Expr)> = datetimes
            .iter()
            .filter_map(|&index| match select.projection.get(index) {
                Some(SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) => {
                    // A key that is the stored value, not a cast of it, lets the engine sort by
                    // the column itself: Studio's `order by timestamp desc limit 100` over a day
                    // of edge logs ran 1.04-1.18x faster on DuckDB.
                    match expr {
                        Expr::Cast { expr: value, .. } if conversions.contains(&index) => {
                            Some((index, (**value).clone()))
                        }
                        _ => Some((index, expr.clone())),
                    }
                }
                _ => None,
            })
            .collect();
        calls::format_datetimes(select, &datetimes, spelling)?;
        if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
            exprs.iter_mut().for_each(|expr| by_datetime_key(expr, &keys));
        }
        context.datetime_keys = keys;
    }
    from::restrict(select, presence);
    let exposes = passthrough.map(|(exposed, base, items)| expose(select, exposed, &base, &items, context));
    Ok((scope, exposes))
}

/// Replaces each pass-through field that the engine stores across several columns with those
/// columns under their own names (and the event's document once), and says what the SELECT
/// exposes.
fn expose<'a>(
    select: &mut Select,
    exposed: Exposed<'a>,
    base: &str,
    items: &[usize],
    context: &Context<'a>,
) -> Exposed<'a> {
    let layout = context.layout;
    let column = |name: &str| SelectItem::ExprWithAlias {
        expr: Expr::CompoundIdentifier(vec![context.ident(base), context.ident(name)]),
        alias: context.ident(name),
    };
    let mut needs_document = false;
    for (&index, root) in items.iter().zip(&exposed.roots).rev() {
        let Some(carriers) = layout.carriers(&exposed.source.schema, &exposed.source.columns, root) else {
            continue;
        };
        needs_document = true;
        select
            .projection
            .splice(index..=index, carriers.iter().map(|name| column(name)));
    }
    if let (true, Some(document)) = (needs_document, layout.document()) {
        select.projection.push(column(document));
    }
    exposed
}

/// Names the projection's columns as BigQuery names them. A column reference is named by the
/// last part of its path (`metadata.status` is the column `status`), because the rewritten
/// expression would otherwise be named by the engine after the physical column; in the rows
/// the caller receives, any other unnamed expression is `f0_`, `f1_`, ... in order.
fn name_columns(select: &mut Select, shape: Shape, context: &Context) {
    let mut anonymous = 0;
    for item in &mut select.projection {
        let SelectItem::UnnamedExpr(expr) = item else {
            continue;
        };
        let name = match expr {
            Expr::Identifier(ident) if !ident.value.starts_with('@') => ident.value.clone(),
            Expr::CompoundIdentifier(parts) => match parts.last() {
                Some(last) => last.value.clone(),
                None => continue,
            },
            Expr::CompoundFieldAccess { access_chain, .. } => match access_chain.last() {
                Some(AccessExpr::Dot(Expr::Identifier(ident))) => ident.value.clone(),
                _ if shape == Shape::Output => {
                    anonymous += 1;
                    format!("f{}_", anonymous - 1)
                }
                _ => continue,
            },
            _ if shape == Shape::Output => {
                anonymous += 1;
                format!("f{}_", anonymous - 1)
            }
            _ => continue,
        };
        *item = SelectItem::ExprWithAlias {
            expr: std::mem::replace(expr, null()),
            alias: context.ident(&name),
        };
    }
}

/// Whether `expr` is `CAST(value AS DATETIME)` of a TIMESTAMP or DATETIME value: a conversion
/// that keeps order and distinctness (timestamps are read in UTC).
fn converts_a_timestamp(scope: &Scope<'_>, expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => converts_a_timestamp(scope, inner),
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            expr: value,
            format: None,
            ..
        } => matches!(type_of(scope, value), Some(Scalar::Timestamp | Scalar::Datetime)),
        _ => false,
    }
}

/// An output ordinal (`GROUP BY 1`, `ORDER BY 1`) of a DATETIME item becomes the item's value
/// before it was written as text (see [`Context::datetime_keys`]).
fn by_datetime_key(expr: &mut Expr, keys: &[(usize, Expr)]) {
    let Expr::Value(ValueWithSpan {
        value: Value::Number(ordinal, _),
        ..
    }) = expr
    else {
        return;
    };
    let Some(index) = ordinal.parse::<usize>().ok().and_then(|ordinal| ordinal.checked_sub(1)) else {
        return;
    };
    if let Some((_, key)) = keys.iter().find(|(position, _)| *position == index) {
        *expr = key.clone();
    }
}

/// A missing path grouped or sorted by: Postgres refuses a bare `NULL` there (a constant), but
/// not a typed one.
fn typed_null(expr: &mut Expr, context: &Context) -> Result<(), TranslateError> {
    if matches!(expr, Expr::Value(ValueWithSpan { value: Value::Null, .. })) {
        *expr = bigquery_null(Scalar::String);
        context.layout.expression(expr, context.target)?;
    }
    Ok(())
}

/// `CAST(NULL AS <type>)` in BigQuery's terms, for the walk to write for the engine.
fn bigquery_null(scalar: Scalar) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(null()),
        data_type: scalar.data_type(),
        format: None,
    }
}

pub(crate) fn null() -> Expr {
    Expr::Value(ValueWithSpan {
        value: Value::Null,
        span: Span::empty(),
    })
}

/// Parses an expression the translator built from sanitised keys ([A-Za-z0-9_]), quoted
/// identifiers and expressions already printed from the AST; building through the parser keeps
/// one printer. An expression that does not survive the round trip is refused, not guessed at.
pub(crate) fn parse_expr(text: &str) -> Result<Expr, TranslateError> {
    parse_built(&GenericDialect {}, text, |parser| parser.parse_expr())
}

/// Parses SQL text the translator built (see [`parse_expr`]) in `dialect` with `parse`.
pub(crate) fn parse_built<T>(
    dialect: &dyn Dialect,
    text: &str,
    parse: impl FnOnce(&mut Parser) -> Result<T, ParserError>,
) -> Result<T, TranslateError> {
    Parser::new(dialect)
        .try_with_sql(text)
        .and_then(|mut parser| parse(&mut parser))
        .map_err(|_| TranslateError::Unsupported(format!("`{text}` cannot be written for this engine")))
}
