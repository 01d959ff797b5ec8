//! Rewriting a validated query for one target: tables, paths, parameters, literals, functions.
//!
//! Names are resolved by scope, as BigQuery resolves them. Each SELECT's FROM clause makes a
//! [`Scope`]: source tables (whose schemas are known) and opaque relations (CTEs, derived
//! tables, whose columns pass through untouched). A name whose root is a known field of a
//! source in scope becomes that source's stored value on the target (see
//! [`Layout`](crate::target::Layout)); a path under a known root that no event has becomes
//! NULL, as BigQuery returns for an absent nested field.

use std::ops::ControlFlow;

use cinder_core::FieldType;
use sqlparser::ast::{
    AccessExpr, BinaryOperator, Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart,
    OrderByKind, OrderBySort, Query, Select, SelectItem, SetExpr, Subscript, TableAlias, TableAliasColumnDef,
    TableFactor, Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::tokenizer::Span;

use crate::calls;
use crate::error::TranslateError;
use crate::target::{quoted, Layout, Step, Target};
use crate::validate::object_name_text;
use crate::{SourceTable, Sources};

/// Rewrites `query` in place for `target` and returns the parameter names in binding order.
pub fn rewrite(query: &mut Query, target: Target, sources: &Sources) -> Result<Vec<String>, TranslateError> {
    let layout = target.layout().ok_or_else(|| {
        TranslateError::Unsupported(format!("translation for the {target} target arrives with its backend"))
    })?;
    let mut context = Context {
        target,
        layout,
        sources,
        params: Vec::new(),
    };
    rewrite_query(query, &Scope::default(), &[], Shape::Output, &mut context)?;
    Ok(context.params)
}

pub(crate) struct Context<'a> {
    target: Target,
    pub(crate) layout: &'static dyn Layout,
    sources: &'a Sources,
    params: Vec<String>,
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

/// One relation of a FROM clause.
#[derive(Clone)]
enum Relation<'a> {
    /// A source table, or a CTE that passes some of its top-level fields (`visible`) through:
    /// its columns are known.
    Source {
        alias: String,
        source: &'a SourceTable,
        visible: Option<Vec<String>>,
        /// Whether these are all its columns (a CTE may compute others besides).
        complete: bool,
    },
    /// `UNNEST(<object>) AS alias`. Logflare stores every object as a one-element REPEATED
    /// RECORD, so this is a name for an object of the source row, not a join: `alias.x` is the
    /// source's path `<path>.x`.
    Object {
        alias: String,
        base: String,
        source: &'a SourceTable,
        path: String,
    },
    /// `UNNEST(<array>) AS alias`: one row per element, each the JSON value `alias.value`.
    Element { alias: String, element: FieldType },
    /// `UNNEST(<array the query builds>) AS alias`: one row per element, the element itself
    /// named by the alias.
    Value { alias: String },
    /// A CTE or derived table: its columns pass through unchanged.
    Opaque {
        alias: String,
        /// Its column names, where known (a CTE's), in order.
        columns: Vec<Ident>,
    },
}

impl Relation<'_> {
    fn alias(&self) -> &str {
        match self {
            Relation::Source { alias, .. }
            | Relation::Object { alias, .. }
            | Relation::Element { alias, .. }
            | Relation::Value { alias }
            | Relation::Opaque { alias, .. } => alias,
        }
    }
}

/// A CTE visible to a query. A CTE that passes a source's columns through unchanged
/// (`select t.id, t.metadata from src as t where ...`, as every CTE of Supabase's `logs.all`
/// does) exposes that source's physical columns under the same names, so the query over it
/// keeps typed columns, UNNEST and missing-path semantics.
#[derive(Clone)]
struct Cte<'a> {
    name: String,
    exposes: Option<Exposed<'a>>,
    /// Its column names, in order (empty when a column is unnamed).
    columns: Vec<Ident>,
}

/// The names of a query body's columns, when every one has a name.
pub(crate) fn output_names(body: &SetExpr) -> Vec<Ident> {
    let projection = match body {
        SetExpr::Select(select) => &select.projection,
        SetExpr::SetOperation { left, .. } => return output_names(left),
        SetExpr::Query(query) => return output_names(&query.body),
        _ => return Vec::new(),
    };
    projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.clone()),
            SelectItem::UnnamedExpr(Expr::Identifier(ident)) => Some(ident.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => parts.last().cloned(),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default()
}

/// The source whose columns a SELECT passes through, and which top-level fields.
#[derive(Clone)]
struct Exposed<'a> {
    source: &'a SourceTable,
    roots: Vec<String>,
    /// Whether the SELECT has no other columns.
    complete: bool,
}

/// The relations visible to an expression, innermost SELECT first.
#[derive(Clone, Default)]
struct Scope<'a> {
    relations: Vec<Relation<'a>>,
    /// The explicit aliases of the innermost SELECT's columns (HAVING may name them).
    outputs: Vec<String>,
}

impl Scope<'_> {
    /// Whether every column in scope is known: no CTE or subquery passes columns through
    /// unseen. A name that binds to nothing in a closed scope is a field no event has.
    fn closed(&self) -> bool {
        !self.relations.is_empty()
            && self.relations.iter().all(|relation| match relation {
                Relation::Opaque { .. } => false,
                Relation::Source { complete, .. } => *complete,
                Relation::Object { .. } | Relation::Element { .. } | Relation::Value { .. } => true,
            })
    }
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
    let mut rewriter = ExprRewriter::new(&scope, &visible_ctes, context);
    if let Some(order_by) = &mut query.order_by {
        rewriter.run(order_by)?;
        if let OrderByKind::Expressions(items) = &mut order_by.kind {
            items.iter_mut().for_each(|item| typed_null(&mut item.expr));
        }
    }
    if let Some(limit) = &mut query.limit_clause {
        rewriter.run(limit)?;
    }
    Ok(exposes)
}

/// Replaces a bare name that is an explicit alias of `projection` by that column's position.
/// BigQuery resolves such a name to the output column even when a FROM column has the same
/// name (`timestamp_trunc(timestamp, hour) as timestamp ... group by timestamp`); Postgres
/// would pick the FROM column, so the position says it without ambiguity.
pub(crate) fn output_ordinal(expr: &mut Expr, projection: &[SelectItem]) {
    let Expr::Identifier(ident) = expr else { return };
    let position = projection.iter().position(|item| match item {
        SelectItem::ExprWithAlias { alias, .. } => alias.value.eq_ignore_ascii_case(&ident.value),
        _ => false,
    });
    if let Some(position) = position {
        *expr = Expr::value(Value::Number((position + 1).to_string(), false));
    }
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
    let mut inner = 0;
    let mut joins = Joins::default();
    let from = std::mem::take(&mut select.from);
    for mut table in from {
        let first = select.from.is_empty();
        let kept = add_relation(
            &mut table.relation,
            JoinKind::Comma,
            &mut scope,
            &mut inner,
            &mut joins,
            ctes,
            context,
        )?;
        if !kept && first {
            return Err(TranslateError::Unsupported(
                "UNNEST of an object as the first FROM item".into(),
            ));
        }
        let mut kept_joins = Vec::with_capacity(table.joins.len());
        for mut join in std::mem::take(&mut table.joins) {
            let kind = JoinKind::of(&join.join_operator);
            if add_relation(
                &mut join.relation,
                kind,
                &mut scope,
                &mut inner,
                &mut joins,
                ctes,
                context,
            )? {
                kept_joins.push(join);
            }
        }
        table.joins = kept_joins;
        if kept {
            select.from.push(table);
        } else if let Some(previous) = select.from.last_mut() {
            // `FROM t, UNNEST(t.metadata) m JOIN ...`: the item's joins follow the previous one.
            previous.joins.extend(table.joins);
        }
    }
    let passthrough = if shape == Shape::Cte {
        passthrough_columns(select, &scope)
    } else {
        None
    };
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        for expr in exprs {
            output_ordinal(expr, &select.projection);
        }
    }
    let datetimes = if shape == Shape::Output {
        calls::datetime_items(&select.projection)
    } else {
        Vec::new()
    };
    name_columns(select, shape);
    restrict(select, joins.conditions);
    ExprRewriter::new(&scope, ctes, context).run(select)?;
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        exprs.iter_mut().for_each(typed_null);
    }
    calls::format_datetimes(select, &datetimes, context.layout)?;
    finish_array_unnests(select, context.layout)?;
    restrict(select, joins.presence);
    let exposes = passthrough.map(|passthrough| passthrough.expose(select, context.layout));
    Ok((scope, exposes))
}

/// Projection items that pass a source's top-level fields through by their own names.
struct Passthrough<'a> {
    base: String,
    source: &'a SourceTable,
    /// (projection index, field name)
    items: Vec<(usize, String)>,
    /// Whether every projection item is a pass-through.
    complete: bool,
}

/// Finds the pass-through items of a plain SELECT (no grouping or DISTINCT) over one source.
fn passthrough_columns<'a>(select: &Select, scope: &Scope<'a>) -> Option<Passthrough<'a>> {
    if select.distinct.is_some() || !matches!(&select.group_by, GroupByExpr::Expressions(exprs, _) if exprs.is_empty())
    {
        return None;
    }
    let mut found: Option<Passthrough<'a>> = None;
    for (index, item) in select.projection.iter().enumerate() {
        let (expr, name) = match item {
            SelectItem::UnnamedExpr(expr) => (expr, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(&alias.value)),
            _ => continue,
        };
        let Some(path) = path_of(expr) else { continue };
        let Some(Binding::Column { base, source, path }) = bind(scope, &path) else {
            continue;
        };
        let [root] = path.as_slice() else { continue };
        if name.is_some_and(|name| name != root) {
            continue;
        }
        let passthrough = found.get_or_insert_with(|| Passthrough {
            base: base.clone(),
            source,
            items: Vec::new(),
            complete: false,
        });
        if passthrough.base != base {
            return None;
        }
        passthrough.items.push((index, root.clone()));
    }
    if let Some(passthrough) = &mut found {
        passthrough.complete = passthrough.items.len() == select.projection.len();
    }
    found
}

impl<'a> Passthrough<'a> {
    /// Replaces each pass-through field that the engine stores across several columns with
    /// those columns under their own names (and the event's document once), and says what the
    /// SELECT exposes.
    fn expose(self, select: &mut Select, layout: &dyn Layout) -> Exposed<'a> {
        let column = |name: &str| SelectItem::ExprWithAlias {
            expr: Expr::CompoundIdentifier(vec![Ident::with_quote('"', &self.base), Ident::with_quote('"', name)]),
            alias: Ident::with_quote('"', name),
        };
        let mut needs_document = false;
        for &(index, ref root) in self.items.iter().rev() {
            let Some(carriers) = layout.carriers(&self.source.schema, &self.source.columns, root) else {
                continue;
            };
            needs_document = true;
            select
                .projection
                .splice(index..=index, carriers.iter().map(|name| column(name)));
        }
        if needs_document {
            select.projection.push(column(layout.document()));
        }
        Exposed {
            source: self.source,
            complete: self.complete,
            roots: self.items.into_iter().map(|(_, root)| root).collect(),
        }
    }
}

/// Names the projection's columns as BigQuery names them. A column reference is named by the
/// last part of its path (`metadata.status` is the column `status`), because the rewritten
/// expression would otherwise be named by the engine after the physical column; in the rows
/// the caller receives, any other unnamed expression is `f0_`, `f1_`, ... in order.
fn name_columns(select: &mut Select, shape: Shape) {
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
            Expr::CompoundFieldAccess { access_chain, .. }
                if matches!(access_chain.last(), Some(AccessExpr::Dot(Expr::Identifier(_)))) =>
            {
                match access_chain.last() {
                    Some(AccessExpr::Dot(Expr::Identifier(ident))) => ident.value.clone(),
                    _ => continue,
                }
            }
            _ if shape == Shape::Output => {
                let name = format!("f{anonymous}_");
                anonymous += 1;
                name
            }
            _ => continue,
        };
        *item = SelectItem::ExprWithAlias {
            expr: std::mem::replace(expr, null()),
            alias: Ident::with_quote('"', name),
        };
    }
}

/// How a FROM item is joined to the ones before it.
#[derive(Clone, Copy, PartialEq)]
enum JoinKind {
    /// `,` or `CROSS JOIN` or `[INNER] JOIN ... ON`: rows without a match are dropped.
    Comma,
    /// `LEFT [OUTER] JOIN ... ON TRUE`: rows without a match are kept, with NULLs.
    LeftOnTrue,
    /// Anything else: fine between tables, not supported for UNNEST of an object.
    Other,
}

impl JoinKind {
    fn of(operator: &JoinOperator) -> Self {
        match operator {
            JoinOperator::CrossJoin(JoinConstraint::None) => JoinKind::Comma,
            JoinOperator::Left(JoinConstraint::On(on)) | JoinOperator::LeftOuter(JoinConstraint::On(on))
                if is_true(on) =>
            {
                JoinKind::LeftOnTrue
            }
            _ => JoinKind::Other,
        }
    }
}

fn is_true(expr: &Expr) -> bool {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::Boolean(true),
            ..
        }) => true,
        Expr::Nested(inner) => is_true(inner),
        _ => false,
    }
}

/// What removed UNNEST joins leave behind: the user's join conditions (still to be rewritten)
/// and the presence tests of CROSS-joined objects (already in the target's terms).
#[derive(Default)]
struct Joins {
    conditions: Vec<Expr>,
    presence: Vec<Expr>,
}

fn and(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::And,
        right: Box::new(right),
    }
}

/// ANDs `conditions` onto the SELECT's WHERE clause.
fn restrict(select: &mut Select, conditions: Vec<Expr>) {
    if let Some(condition) = conditions.into_iter().reduce(and) {
        select.selection = Some(match select.selection.take() {
            Some(selection) => and(Expr::Nested(Box::new(selection)), condition),
            None => condition,
        });
    }
}

/// Adds one FROM item to the scope. A source is renamed to its table (aliased by the name the
/// query used, so qualified references keep working). Returns false when the item leaves the
/// FROM clause: an UNNEST of an object, which only names a path.
fn add_relation<'a>(
    factor: &mut TableFactor,
    kind: JoinKind,
    scope: &mut Scope<'a>,
    inner: &mut usize,
    joins: &mut Joins,
    ctes: &[Cte<'a>],
    context: &Context<'a>,
) -> Result<bool, TranslateError> {
    fn push<'a>(scope: &mut Scope<'a>, inner: &mut usize, relation: Relation<'a>) {
        scope.relations.insert(*inner, relation);
        *inner += 1;
    }
    match factor {
        TableFactor::Table { name, alias, .. } => {
            let text = object_name_text(name);
            let alias_name = alias
                .as_ref()
                .map_or_else(|| text.clone(), |alias| alias.name.value.clone());
            if let Some(cte) = ctes.iter().rev().find(|cte| cte.name == text) {
                let relation = match &cte.exposes {
                    Some(exposed) => Relation::Source {
                        alias: alias_name,
                        source: exposed.source,
                        visible: Some(exposed.roots.clone()),
                        complete: exposed.complete,
                    },
                    None => Relation::Opaque {
                        alias: alias_name,
                        columns: cte.columns.clone(),
                    },
                };
                push(scope, inner, relation);
                return Ok(true);
            }
            let source = context
                .sources
                .get(&text)
                .ok_or_else(|| TranslateError::UnknownSource(text.clone()))?;
            let quote = context.target.identifier_quote();
            *name = ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote(
                quote,
                &source.table,
            ))]);
            *alias = Some(TableAlias {
                explicit: true,
                name: Ident::with_quote(quote, &alias_name),
                columns: Vec::new(),
                at: None,
            });
            push(
                scope,
                inner,
                Relation::Source {
                    alias: alias_name,
                    source,
                    visible: None,
                    complete: true,
                },
            );
        }
        TableFactor::Derived { alias, .. } => {
            // The subquery itself is rewritten when the expression walk reaches it.
            let alias = alias.as_ref().map(|alias| alias.name.value.clone()).unwrap_or_default();
            push(
                scope,
                inner,
                Relation::Opaque {
                    alias,
                    columns: Vec::new(),
                },
            );
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } => {
            let relations = std::iter::once(&mut table_with_joins.relation)
                .chain(table_with_joins.joins.iter_mut().map(|join| &mut join.relation));
            for relation in relations {
                if !add_relation(relation, JoinKind::Other, scope, inner, joins, ctes, context)? {
                    return Err(TranslateError::Unsupported(
                        "UNNEST of an object inside parentheses".into(),
                    ));
                }
            }
            if let Some(alias) = alias {
                push(
                    scope,
                    inner,
                    Relation::Opaque {
                        alias: alias.name.value.clone(),
                        columns: Vec::new(),
                    },
                );
            }
        }
        TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset,
            with_ordinality,
            ..
        } => {
            if *with_offset || *with_ordinality {
                return Err(TranslateError::Unsupported("UNNEST ... WITH OFFSET".into()));
            }
            let [argument] = array_exprs.as_slice() else {
                return Err(TranslateError::Unsupported("UNNEST of several arrays".into()));
            };
            if kind == JoinKind::Other {
                return Err(TranslateError::Unsupported(format!(
                    "UNNEST({argument}) joined other than by CROSS JOIN, a comma or LEFT JOIN ... ON TRUE"
                )));
            }
            let alias_name = alias
                .as_ref()
                .map(|alias| alias.name.value.clone())
                .ok_or_else(|| TranslateError::Unsupported(format!("UNNEST({argument}) without an alias")))?;
            let Some(path) = path_of(argument) else {
                // An array the query builds (`[1, 2]`, GENERATE_ARRAY, GENERATE_TIMESTAMP_ARRAY):
                // one row per element, named by the alias (as a column of its own, which marks it
                // for `finish_array_unnests`). The argument is rewritten with the SELECT.
                if let Some(alias) = alias {
                    alias.columns = vec![TableAliasColumnDef {
                        name: alias.name.clone(),
                        data_type: None,
                    }];
                }
                push(scope, inner, Relation::Value { alias: alias_name });
                return Ok(true);
            };
            let binding = bind(scope, &path)
                .or_else(|| missing_field(scope, &path))
                .ok_or_else(|| {
                    TranslateError::Unsupported(format!("UNNEST({argument}): unknown column `{argument}`"))
                })?;
            match binding.field_type() {
                Some(FieldType::Array(element)) => {
                    let element = (**element).clone();
                    push(
                        scope,
                        inner,
                        Relation::Element {
                            alias: alias_name,
                            element,
                        },
                    );
                    return Ok(true);
                }
                Some(FieldType::Record(_)) | None => {}
                Some(other) => {
                    return Err(TranslateError::Unsupported(format!(
                        "UNNEST({argument}): `{argument}` is a {}, not an array or object",
                        other.name()
                    )))
                }
            }
            let Binding::Column { base, source, path } = binding else {
                return Err(TranslateError::Unsupported(format!(
                    "UNNEST({argument}) of an object inside an array element"
                )));
            };
            if kind == JoinKind::Comma {
                joins.presence.push(match source.schema.field(&path.join(".")) {
                    Some(_) => parse_expr(&context.layout.present(&base, &source.columns, &path))?,
                    // No event has the object: UNNEST of an empty array drops every row.
                    None => Expr::value(Value::Boolean(false)),
                });
            }
            push(
                scope,
                inner,
                Relation::Object {
                    alias: alias_name,
                    base,
                    source,
                    path: path.join("."),
                },
            );
            return Ok(false);
        }
        other => return Err(TranslateError::Unsupported(format!("table expression `{other}`"))),
    }
    Ok(true)
}

/// The parts of a column path expression (`metadata`, `m.request`), if it is one.
fn path_of(expr: &Expr) -> Option<Vec<Ident>> {
    match expr {
        Expr::Identifier(ident) => Some(vec![ident.clone()]),
        Expr::CompoundIdentifier(parts) => Some(parts.clone()),
        Expr::Nested(inner) => path_of(inner),
        _ => None,
    }
}

/// Gives the UNNEST of each array (the only ones left in FROM) the target's form: one row per
/// element of the JSON array, each element the JSON value `alias.value`.
fn finish_array_unnests(select: &mut Select, layout: &dyn Layout) -> Result<(), TranslateError> {
    let factors = select.from.iter_mut().flat_map(|table| {
        std::iter::once(&mut table.relation).chain(table.joins.iter_mut().map(|join| &mut join.relation))
    });
    for factor in factors {
        if let TableFactor::UNNEST {
            alias: Some(alias),
            array_exprs,
            ..
        } = factor
        {
            // An UNNEST of an array the query builds stays: the engines unnest their own arrays.
            if !alias.columns.is_empty() {
                continue;
            }
            if let [array] = array_exprs.as_slice() {
                *factor = parse_table_factor(&layout.unnest(&array.to_string(), &alias.name.value))?;
            }
        }
    }
    Ok(())
}

/// Rewrites the expressions of one SELECT (or ORDER BY) in its scope. A nested query met on
/// the way is rewritten in a scope of its own, with this one as its outer scope.
///
/// Expressions are rewritten bottom-up, so a function sees its arguments already in the
/// target's terms. A field access (`metadata[0].parsed[0].tag`) is rewritten top-down as a
/// whole; what replaces it is already in the target's terms and is not walked again.
struct ExprRewriter<'s, 'a, 'c> {
    scope: &'s Scope<'a>,
    ctes: &'s [Cte<'a>],
    context: &'c mut Context<'a>,
    /// Nested queries entered (rewritten on entry, so skipped by the walk).
    depth: usize,
    /// For each expression entered: whether it was replaced on entry.
    replaced: Vec<bool>,
}

impl<'s, 'a, 'c> ExprRewriter<'s, 'a, 'c> {
    fn new(scope: &'s Scope<'a>, ctes: &'s [Cte<'a>], context: &'c mut Context<'a>) -> Self {
        Self {
            scope,
            ctes,
            context,
            depth: 0,
            replaced: Vec::new(),
        }
    }

    fn run<T: VisitMut>(&mut self, node: &mut T) -> Result<(), TranslateError> {
        match node.visit(self) {
            ControlFlow::Break(error) => Err(error),
            ControlFlow::Continue(()) => Ok(()),
        }
    }

    /// Inside a nested query, or inside an expression already replaced.
    fn skipping(&self) -> bool {
        self.depth > 0 || self.replaced.iter().any(|replaced| *replaced)
    }

    /// Rewrites a field access as a whole; returns whether `expr` was replaced.
    fn enter(&mut self, expr: &mut Expr) -> Result<bool, TranslateError> {
        if let Expr::Function(function) = expr {
            calls::quote_date_part(function);
            return Ok(false);
        }
        let Expr::CompoundFieldAccess { root, access_chain } = expr else {
            return Ok(false);
        };
        // `dates[0]`: a CTE's row, as a value, indexed by column position.
        if let (Expr::Identifier(name), [AccessExpr::Subscript(Subscript::Index { index })]) =
            (root.as_ref(), access_chain.as_slice())
        {
            let columns = self.scope.relations.iter().find_map(|relation| match relation {
                Relation::Opaque { alias, columns } if *alias == name.value => Some(columns),
                _ => None,
            });
            if let Some(columns) = columns {
                let position = calls::array_index(index)?.literal();
                let column = position
                    .and_then(|position| usize::try_from(position).ok())
                    .and_then(|position| columns.get(position))
                    .ok_or_else(|| {
                        TranslateError::Unsupported(format!("`{name}[{index}]`: no column at that position"))
                    })?;
                *expr = Expr::CompoundIdentifier(vec![name.clone(), column.clone()]);
                return Ok(true);
            }
        }
        if let Some(path) = path_of(root) {
            if let Some(binding) = bind(self.scope, &path).or_else(|| missing_field(self.scope, &path)) {
                *expr = access(binding, access_chain, self.context.layout)?;
                return Ok(true);
            }
        }
        if let Expr::Function(function) = root.as_mut() {
            if object_name_text(&function.name).eq_ignore_ascii_case("approx_quantiles") {
                ExprRewriter::new(self.scope, self.ctes, self.context).run(function)?;
                *expr = calls::approx_quantile(function, access_chain, self.context.layout)?;
                return Ok(true);
            }
        }
        // An array the engine computed (a CTE's column, a function's result): the engines
        // count from 1 where BigQuery's OFFSET counts from 0.
        for access in access_chain.iter_mut() {
            if let AccessExpr::Subscript(Subscript::Index { index }) = access {
                *index = calls::array_index(index)?.one_based()?;
            }
        }
        Ok(false)
    }
}

impl VisitorMut for ExprRewriter<'_, '_, '_> {
    type Break = TranslateError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<TranslateError> {
        if !self.skipping() {
            if let Err(error) = rewrite_query(query, self.scope, self.ctes, Shape::Inner, self.context) {
                return ControlFlow::Break(error);
            }
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<TranslateError> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranslateError> {
        let replaced = if self.skipping() {
            false
        } else {
            match self.enter(expr) {
                Ok(replaced) => replaced,
                Err(error) => return ControlFlow::Break(error),
            }
        };
        self.replaced.push(replaced);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranslateError> {
        let replaced = self.replaced.pop().unwrap_or(false);
        if replaced || self.skipping() {
            return ControlFlow::Continue(());
        }
        match rewrite_expr(expr, self.scope, self.context) {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(error),
        }
    }
}

fn rewrite_expr(expr: &mut Expr, scope: &Scope, context: &mut Context) -> Result<(), TranslateError> {
    match expr {
        // BigQuery's tokenizer reads `@name` as one identifier.
        Expr::Identifier(ident) if ident.quote_style.is_none() && ident.value.starts_with('@') => {
            let placeholder = context.placeholder(&ident.value[1..]);
            *expr = Expr::value(Value::Placeholder(placeholder));
        }
        Expr::Identifier(ident) => match bind(scope, std::slice::from_ref(ident)) {
            Some(binding) => *expr = access(binding, &[], context.layout)?,
            // Self-hosted events lack most platform fields that Studio's queries name: in a
            // scope where every column is known, an unknown name is a field no event has.
            None if matches!(ident.quote_style, None | Some('`'))
                && scope.closed()
                && !scope.relations.iter().any(|relation| relation.alias() == ident.value)
                && !scope.outputs.contains(&ident.value.to_lowercase()) =>
            {
                *expr = null();
            }
            None => {}
        },
        Expr::CompoundIdentifier(parts) => match bind(scope, parts) {
            Some(binding) => *expr = access(binding, &[], context.layout)?,
            // `metadata.status` where no event has `metadata` yet: as for a bare name.
            None if scope.closed()
                && parts.first().is_some_and(|root| {
                    matches!(root.quote_style, None | Some('`'))
                        && !scope.relations.iter().any(|relation| relation.alias() == root.value)
                }) =>
            {
                *expr = null();
            }
            None => {}
        },
        Expr::Value(ValueWithSpan { value, .. }) => match value {
            Value::Placeholder(name) if name.starts_with('@') => {
                let placeholder = context.placeholder(&name[1..]);
                *value = Value::Placeholder(placeholder);
            }
            Value::DoubleQuotedString(text) => *value = Value::SingleQuotedString(std::mem::take(text)),
            _ => {}
        },
        Expr::Function(function) => *expr = calls::function(function, context.target, context.layout)?,
        Expr::Cast {
            kind,
            expr: value,
            data_type,
            format,
        } => {
            if format.is_some() {
                return Err(TranslateError::Unsupported("CAST ... FORMAT".into()));
            }
            *expr = calls::cast(kind, value, data_type, context.layout)?;
        }
        Expr::Interval(interval) => *expr = calls::interval(interval)?,
        Expr::Substring {
            expr: value,
            substring_from,
            substring_for,
            ..
        } => *expr = calls::substring(value, substring_from.as_deref(), substring_for.as_deref())?,
        Expr::Array(array) => array.named = context.layout.named_arrays(),
        Expr::Extract { field, expr: value, .. } => *expr = calls::extract(field, value, context.layout)?,
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Divide,
            right,
        } => *expr = parse_expr(&context.layout.divide(&left.to_string(), &right.to_string()))?,
        _ => {}
    }
    Ok(())
}

/// Where a column path points.
enum Binding<'s, 'a> {
    /// A path of a source row (possibly reached through UNNEST aliases of objects).
    Column {
        base: String,
        source: &'a SourceTable,
        path: Vec<String>,
    },
    /// A path inside the current element of an UNNESTed array.
    Element {
        alias: String,
        element: &'s FieldType,
        path: Vec<String>,
    },
}

impl Binding<'_, '_> {
    /// The schema's type at the path, if any event has it.
    fn field_type(&self) -> Option<&FieldType> {
        match self {
            Binding::Column { source, path, .. } => source.schema.field(&path.join(".")),
            Binding::Element { element, path, .. } => path.iter().try_fold(*element, |current, part| match current {
                FieldType::Record(fields) => fields.get(part),
                _ => None,
            }),
        }
    }
}

/// Binds a path as BigQuery does: a first part naming a relation in scope qualifies the rest;
/// otherwise the first relation (innermost first, in FROM order) with a field of that name.
fn bind<'s, 'a>(scope: &'s Scope<'a>, path: &[Ident]) -> Option<Binding<'s, 'a>> {
    let (root, rest) = path.split_first()?;
    let texts = |parts: &[Ident]| parts.iter().map(|ident| ident.value.clone()).collect::<Vec<_>>();
    if let Some(relation) = scope.relations.iter().find(|relation| relation.alias() == root.value) {
        return match relation {
            Relation::Source {
                alias, source, visible, ..
            } if rest.first().is_some_and(|field| is_visible(visible, &field.value)) => Some(Binding::Column {
                base: alias.clone(),
                source,
                path: texts(rest),
            }),
            Relation::Object { base, source, path, .. } => Some(Binding::Column {
                base: base.clone(),
                source,
                path: path.split('.').map(str::to_owned).chain(texts(rest)).collect(),
            }),
            Relation::Element { alias, element } => Some(Binding::Element {
                alias: alias.clone(),
                element,
                path: texts(rest),
            }),
            Relation::Source { .. } | Relation::Opaque { .. } | Relation::Value { .. } => None,
        };
    }
    scope.relations.iter().find_map(|relation| match relation {
        Relation::Source {
            alias, source, visible, ..
        } if match visible {
            // A CTE's pass-through field is its column even where no event has it.
            Some(roots) => roots.contains(&root.value),
            None => source.schema.fields().contains_key(&root.value),
        } =>
        {
            Some(Binding::Column {
                base: alias.clone(),
                source,
                path: texts(path),
            })
        }
        Relation::Object {
            base,
            source,
            path: prefix,
            ..
        } if source.schema.field(&format!("{prefix}.{}", root.value)).is_some() => Some(Binding::Column {
            base: base.clone(),
            source,
            path: prefix.split('.').map(str::to_owned).chain(texts(path)).collect(),
        }),
        Relation::Element {
            alias,
            element: element @ FieldType::Record(fields),
        } if fields.contains_key(&root.value) => Some(Binding::Element {
            alias: alias.clone(),
            element,
            path: texts(path),
        }),
        _ => None,
    })
}

/// In a scope where every column is known, an unqualified path no event has yet is a field of
/// the first source: missing, so NULL, and an UNNEST of it yields no rows.
fn missing_field<'s, 'a>(scope: &'s Scope<'a>, path: &[Ident]) -> Option<Binding<'s, 'a>> {
    let root = path.first()?;
    if !scope.closed()
        || root.quote_style.is_some()
        || scope.relations.iter().any(|relation| relation.alias() == root.value)
    {
        return None;
    }
    scope.relations.iter().find_map(|relation| match relation {
        Relation::Source { alias, source, .. } => Some(Binding::Column {
            base: alias.clone(),
            source,
            path: path.iter().map(|ident| ident.value.clone()).collect(),
        }),
        _ => None,
    })
}

fn is_visible(visible: &Option<Vec<String>>, field: &str) -> bool {
    visible
        .as_ref()
        .is_none_or(|roots| roots.iter().any(|root| root == field))
}

/// A walk down the schema along a path: the steps taken and the type reached.
struct Walk<'f> {
    shown: String,
    steps: Vec<Step>,
    field: &'f FieldType,
}

impl<'f> Walk<'f> {
    /// Steps into field `key`; `None` when no event has it (the value is NULL).
    fn key(mut self, key: &str) -> Result<Option<Self>, TranslateError> {
        let next = match self.field {
            FieldType::Record(fields) => fields.get(key),
            FieldType::Array(_) => {
                return Err(TranslateError::Unsupported(format!(
                    "`{}` is an array: reach into it with UNNEST or [OFFSET(n)]",
                    self.shown
                )))
            }
            scalar => {
                return Err(TranslateError::Unsupported(format!(
                    "`{}` is a {}: it has no field `{key}`",
                    self.shown,
                    scalar.name()
                )))
            }
        };
        Ok(next.map(|field| {
            self.shown = format!("{}.{key}", self.shown);
            self.steps.push(Step::Key(key.to_owned()));
            self.field = field;
            self
        }))
    }

    /// Steps into element `index` (from 0). An object is a one-element array, as BigQuery stores
    /// it; `None` when a SAFE_ index is out of its bounds.
    fn index(mut self, position: calls::Position) -> Result<Option<Self>, TranslateError> {
        let index = position
            .literal()
            .ok_or_else(|| TranslateError::Unsupported(format!("`{}[...]`: the index must be a number", self.shown)))?;
        match self.field {
            FieldType::Record(_) if index == 0 => Ok(Some(self)),
            FieldType::Record(_) if position.safe => Ok(None),
            FieldType::Record(_) => Err(TranslateError::Unsupported(format!(
                "array index {index} is out of bounds: `{}` holds one object",
                self.shown
            ))),
            FieldType::Array(element) => {
                self.shown = format!("{}[{index}]", self.shown);
                self.steps.push(Step::Index(index));
                self.field = element;
                Ok(Some(self))
            }
            scalar => Err(TranslateError::Unsupported(format!(
                "`{}` is a {}, not an array",
                self.shown,
                scalar.name()
            ))),
        }
    }
}

/// The value a bound path and its accessors (`[0]`, `.field`) read, on the target.
fn access(binding: Binding, chain: &[AccessExpr], layout: &dyn Layout) -> Result<Expr, TranslateError> {
    let (path, start) = match &binding {
        Binding::Column { source, path, .. } => {
            let Some((root, _)) = path.split_first() else {
                return Ok(null());
            };
            let Some(field) = source.schema.fields().get(root) else {
                return Ok(null());
            };
            let walk = Walk {
                shown: root.clone(),
                steps: vec![Step::Key(root.clone())],
                field,
            };
            (&path[1..], walk)
        }
        Binding::Element { alias, element, path } => {
            let walk = Walk {
                shown: alias.clone(),
                steps: Vec::new(),
                field: element,
            };
            (path.as_slice(), walk)
        }
    };
    let mut walk = start;
    for key in path {
        match walk.key(key)? {
            Some(next) => walk = next,
            None => return Ok(null()),
        }
    }
    for access in chain {
        let next = match access {
            AccessExpr::Dot(Expr::Identifier(ident)) => walk.key(&ident.value)?,
            AccessExpr::Subscript(Subscript::Index { index }) => walk.index(calls::array_index(index)?)?,
            other => return Err(TranslateError::Unsupported(format!("field access `{other}`"))),
        };
        match next {
            Some(next) => walk = next,
            None => return Ok(null()),
        }
    }
    let text = match &binding {
        Binding::Column { base, source, .. } => match walk.steps.iter().map(Step::key).collect::<Option<Vec<_>>>() {
            Some(keys) => {
                let keys: Vec<String> = keys.into_iter().map(str::to_owned).collect();
                layout.stored(base, &source.columns, &keys, walk.field)
            }
            None => layout.indexed(base, &walk.steps, walk.field),
        },
        Binding::Element { alias, .. } => {
            layout.json_value(&format!("{}.\"value\"", quoted(alias)), &walk.steps, walk.field)
        }
    };
    parse_expr(&text)
}

/// Parses an expression the translator built from sanitised keys ([A-Za-z0-9_]), quoted
/// identifiers and expressions already printed from the AST; building through the parser keeps
/// one printer. An expression that does not survive the round trip is refused, not guessed at.
pub(crate) fn parse_expr(text: &str) -> Result<Expr, TranslateError> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut parser| parser.parse_expr())
        .map_err(|_| TranslateError::Unsupported(format!("`{text}` cannot be written for this engine")))
}

/// Parses a FROM item the translator built (see [`parse_expr`]).
fn parse_table_factor(text: &str) -> Result<TableFactor, TranslateError> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut parser| parser.parse_table_factor())
        .map_err(|_| TranslateError::Unsupported(format!("`{text}` cannot be written for this engine")))
}

/// A missing path grouped or sorted by: Postgres refuses a bare `NULL` there (a constant), but
/// not a typed one.
fn typed_null(expr: &mut Expr) {
    if matches!(expr, Expr::Value(ValueWithSpan { value: Value::Null, .. })) {
        *expr = Expr::Cast {
            kind: sqlparser::ast::CastKind::Cast,
            expr: Box::new(null()),
            data_type: sqlparser::ast::DataType::Text,
            format: None,
        };
    }
}

pub(crate) fn null() -> Expr {
    Expr::Value(ValueWithSpan {
        value: Value::Null,
        span: Span::empty(),
    })
}
