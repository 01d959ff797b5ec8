//! Rewriting a validated query for one target: tables, paths, parameters, literals.
//!
//! Names are resolved by scope, as BigQuery resolves them. Each SELECT's FROM clause makes a
//! [`Scope`]: source tables (whose schemas are known) and opaque relations (CTEs, derived
//! tables, whose columns pass through untouched). A name whose root is a known field of a
//! source in scope becomes that source's typed column; a path under a known root that no
//! event has becomes NULL, as BigQuery returns for an absent nested field.

use std::ops::ControlFlow;

use cinder_core::{ColumnKind, FieldType, Schema, ROOT_COLUMN};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident,
    JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, Query, Select, SelectItem, SetExpr, TableAlias,
    TableAliasColumnDef, TableFactor, Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::tokenizer::Span;

use crate::error::TranslateError;
use crate::functions;
use crate::target::Target;
use crate::validate::object_name_text;
use crate::{SourceTable, Sources};

/// Rewrites `query` in place for `target` and returns the parameter names in binding order.
pub fn rewrite(query: &mut Query, target: Target, sources: &Sources) -> Result<Vec<String>, TranslateError> {
    if target != Target::Embedded {
        return Err(TranslateError::Unsupported(format!(
            "translation for the {target} target is not built yet"
        )));
    }
    let mut context = Context {
        target,
        sources,
        params: Vec::new(),
    };
    rewrite_query(query, &Scope::default(), &[], false, &mut context)?;
    Ok(context.params)
}

struct Context<'a> {
    target: Target,
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

/// One relation of a FROM clause.
#[derive(Clone)]
enum Relation<'a> {
    /// A source table, or a CTE that passes some of its top-level fields (`visible`) through:
    /// its columns are known.
    Source {
        alias: String,
        source: &'a SourceTable,
        visible: Option<Vec<String>>,
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
    /// A CTE or derived table: its columns pass through unchanged.
    Opaque { alias: String },
}

impl Relation<'_> {
    fn alias(&self) -> &str {
        match self {
            Relation::Source { alias, .. }
            | Relation::Object { alias, .. }
            | Relation::Element { alias, .. }
            | Relation::Opaque { alias } => alias,
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
}

/// The source whose columns a SELECT passes through, and which top-level fields.
#[derive(Clone)]
struct Exposed<'a> {
    source: &'a SourceTable,
    roots: Vec<String>,
}

/// The relations visible to an expression, innermost SELECT first.
#[derive(Clone, Default)]
struct Scope<'a> {
    relations: Vec<Relation<'a>>,
}

/// Rewrites one query. `expose` asks its SELECT to pass source columns through physically
/// (for a CTE; see [`Cte`]).
fn rewrite_query<'a>(
    query: &mut Query,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    expose: bool,
    context: &mut Context<'a>,
) -> Result<Option<Exposed<'a>>, TranslateError> {
    let mut visible_ctes = ctes.to_vec();
    if let Some(with) = &mut query.with {
        for cte in &mut with.cte_tables {
            let exposes = rewrite_query(&mut cte.query, outer, &visible_ctes, true, context)?;
            visible_ctes.push(Cte {
                name: cte.alias.name.value.clone(),
                exposes: exposes.filter(|_| cte.alias.columns.is_empty()),
            });
        }
    }
    let (body_scope, exposes) = match rewrite_set_expr(&mut query.body, outer, &visible_ctes, expose, context)? {
        Some((scope, exposes)) => (Some(scope), exposes),
        None => (None, None),
    };
    // ORDER BY and LIMIT see the select's FROM when the body is one SELECT.
    let scope = body_scope.unwrap_or_else(|| outer.clone());
    let mut rewriter = ExprRewriter::new(&scope, &visible_ctes, context);
    if let Some(order_by) = &mut query.order_by {
        rewriter.run(order_by)?;
    }
    if let Some(limit) = &mut query.limit_clause {
        rewriter.run(limit)?;
    }
    Ok(exposes)
}

fn rewrite_set_expr<'a>(
    body: &mut SetExpr,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    expose: bool,
    context: &mut Context<'a>,
) -> Result<Option<(Scope<'a>, Option<Exposed<'a>>)>, TranslateError> {
    match body {
        SetExpr::Select(select) => rewrite_select(select, outer, ctes, expose, context).map(Some),
        SetExpr::Query(query) => rewrite_query(query, outer, ctes, false, context).map(|_| None),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left, outer, ctes, false, context)?;
            rewrite_set_expr(right, outer, ctes, false, context)?;
            Ok(None)
        }
        other => Err(TranslateError::Unsupported(format!("query body `{other}`"))),
    }
}

fn rewrite_select<'a>(
    select: &mut Select,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    expose: bool,
    context: &mut Context<'a>,
) -> Result<(Scope<'a>, Option<Exposed<'a>>), TranslateError> {
    // Inner relations come first and shadow outer ones; outer ones stay visible for
    // correlated subqueries.
    let mut scope = outer.clone();
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
    let passthrough = if expose {
        passthrough_columns(select, &scope)
    } else {
        None
    };
    name_bare_columns(select, context.target);
    restrict(select, joins.conditions);
    ExprRewriter::new(&scope, ctes, context).run(select)?;
    finish_array_unnests(select);
    restrict(select, joins.presence);
    let exposes = passthrough.map(|passthrough| passthrough.expose(select, context.target));
    Ok((scope, exposes))
}

/// Projection items that pass a source's top-level fields through by their own names.
struct Passthrough<'a> {
    base: String,
    source: &'a SourceTable,
    /// (projection index, field name)
    items: Vec<(usize, String)>,
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
        });
        if passthrough.base != base {
            return None;
        }
        passthrough.items.push((index, root.clone()));
    }
    found
}

impl<'a> Passthrough<'a> {
    /// Replaces each pass-through object with all of its physical columns under their own
    /// names (and the event's root document once), and says what the SELECT exposes.
    fn expose(self, select: &mut Select, target: Target) -> Exposed<'a> {
        let quote = target.identifier_quote();
        let column = |name: &str| SelectItem::ExprWithAlias {
            expr: Expr::CompoundIdentifier(vec![
                Ident::with_quote(quote, &self.base),
                Ident::with_quote(quote, name),
            ]),
            alias: Ident::with_quote(quote, name),
        };
        let mut needs_root = false;
        for &(index, ref root) in self.items.iter().rev() {
            if !matches!(self.source.schema.field(root), Some(FieldType::Record(_))) {
                continue;
            }
            needs_root = true;
            let prefix = format!("{root}.");
            let expanded = self
                .source
                .schema
                .columns()
                .iter()
                .filter(|candidate| candidate.path == *root || candidate.path.starts_with(&prefix))
                .map(|candidate| column(&candidate.path));
            select.projection.splice(index..=index, expanded);
        }
        if needs_root {
            select.projection.push(column(ROOT_COLUMN));
        }
        Exposed {
            source: self.source,
            roots: self.items.into_iter().map(|(_, root)| root).collect(),
        }
    }
}

/// Gives every unaliased column reference of the projection the name BigQuery gives it (the
/// last part of the path), because the rewritten expression would otherwise be named by the
/// engine after the physical column: `metadata.status` is the column `status`.
fn name_bare_columns(select: &mut Select, target: Target) {
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
            _ => continue,
        };
        *item = SelectItem::ExprWithAlias {
            expr: std::mem::replace(expr, null()),
            alias: Ident::with_quote(target.identifier_quote(), name),
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
                    },
                    None => Relation::Opaque { alias: alias_name },
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
                },
            );
        }
        TableFactor::Derived { alias, .. } => {
            // The subquery itself is rewritten when the expression walk reaches it.
            let alias = alias.as_ref().map(|alias| alias.name.value.clone()).unwrap_or_default();
            push(scope, inner, Relation::Opaque { alias });
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } => {
            if !add_relation(
                &mut table_with_joins.relation,
                JoinKind::Other,
                scope,
                inner,
                joins,
                ctes,
                context,
            )? {
                return Err(TranslateError::Unsupported(
                    "UNNEST of an object inside parentheses".into(),
                ));
            }
            for join in &mut table_with_joins.joins {
                if !add_relation(&mut join.relation, JoinKind::Other, scope, inner, joins, ctes, context)? {
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
            let path = path_of(argument)
                .ok_or_else(|| TranslateError::Unsupported(format!("UNNEST({argument}): only of a column path")))?;
            let binding = bind(scope, &path).ok_or_else(|| {
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
            let quote = context.target.identifier_quote();
            let dotted = path.join(".");
            if kind == JoinKind::Comma {
                joins.presence.push(match source.schema.field(&dotted) {
                    Some(_) => Expr::IsNotNull(Box::new(Expr::CompoundIdentifier(vec![
                        Ident::with_quote(quote, &base),
                        Ident::with_quote(quote, &dotted),
                    ]))),
                    // No event has the object: UNNEST of an empty array drops every row.
                    None => Expr::Value(Value::Boolean(false).with_empty_span()),
                });
            }
            push(
                scope,
                inner,
                Relation::Object {
                    alias: alias_name,
                    base,
                    source,
                    path: dotted,
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

/// Gives the UNNEST of each array (the only ones left in FROM) the target's form: the JSON
/// array becomes a list of JSON values, each row's element named `value`.
fn finish_array_unnests(select: &mut Select) {
    let factors = select.from.iter_mut().flat_map(|table| {
        std::iter::once(&mut table.relation).chain(table.joins.iter_mut().map(|join| &mut join.relation))
    });
    for factor in factors {
        if let TableFactor::UNNEST { alias, array_exprs, .. } = factor {
            for argument in array_exprs.iter_mut() {
                let array = std::mem::replace(argument, null());
                *argument = parse_expr(&format!("CAST({array} AS JSON[])"));
            }
            if let Some(alias) = alias {
                alias.columns = vec![TableAliasColumnDef::from_name("value")];
            }
        }
    }
}

/// Rewrites the expressions of one SELECT (or ORDER BY) in its scope. A nested query met on
/// the way is rewritten in a scope of its own, with this one as its outer scope.
struct ExprRewriter<'s, 'a, 'c> {
    scope: &'s Scope<'a>,
    ctes: &'s [Cte<'a>],
    context: &'c mut Context<'a>,
    depth: usize,
}

impl<'s, 'a, 'c> ExprRewriter<'s, 'a, 'c> {
    fn new(scope: &'s Scope<'a>, ctes: &'s [Cte<'a>], context: &'c mut Context<'a>) -> Self {
        Self {
            scope,
            ctes,
            context,
            depth: 0,
        }
    }

    fn run<T: VisitMut>(&mut self, node: &mut T) -> Result<(), TranslateError> {
        match node.visit(self) {
            ControlFlow::Break(error) => Err(error),
            ControlFlow::Continue(()) => Ok(()),
        }
    }
}

impl VisitorMut for ExprRewriter<'_, '_, '_> {
    type Break = TranslateError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<TranslateError> {
        if self.depth == 0 {
            if let Err(error) = rewrite_query(query, self.scope, self.ctes, false, self.context) {
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

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranslateError> {
        if self.depth > 0 {
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
            *expr = Expr::Value(ValueWithSpan {
                value: Value::Placeholder(placeholder),
                span: Span::empty(),
            });
        }
        Expr::Identifier(ident) => {
            if let Some(replacement) = resolve(scope, std::slice::from_ref(ident), context.target)? {
                *expr = replacement;
            }
        }
        Expr::CompoundIdentifier(parts) => {
            if let Some(replacement) = resolve(scope, parts, context.target)? {
                *expr = replacement;
            }
        }
        Expr::Value(ValueWithSpan { value, .. }) => match value {
            Value::Placeholder(name) if name.starts_with('@') => {
                let placeholder = context.placeholder(&name[1..]);
                *value = Value::Placeholder(placeholder);
            }
            Value::DoubleQuotedString(text) => *value = Value::SingleQuotedString(std::mem::take(text)),
            _ => {}
        },
        Expr::Function(function) => {
            let name = object_name_text(&function.name).to_lowercase();
            let spelling = functions::spelling(&name, context.target)
                .ok_or_else(|| TranslateError::Unsupported(format!("function `{name}`")))?;
            if name == "timestamp_trunc" && context.target != Target::BigQuery {
                *expr = timestamp_trunc(function)?;
                return Ok(());
            }
            function.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(spelling))]);
        }
        _ => {}
    }
    Ok(())
}

/// `TIMESTAMP_TRUNC(ts, UNIT)` as `date_trunc('unit', ts)`. BigQuery's weeks start on Sunday,
/// the engines' on Monday, so WEEK shifts by a day each way.
fn timestamp_trunc(function: &Function) -> Result<Expr, TranslateError> {
    let arguments: Vec<&Expr> = match &function.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|argument| match argument {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let [value, unit] = arguments.as_slice() else {
        return Err(TranslateError::Unsupported(
            "TIMESTAMP_TRUNC takes a timestamp and a unit (a time zone is not supported)".into(),
        ));
    };
    let unit = match unit {
        Expr::Identifier(ident) => ident.value.to_lowercase(),
        other => return Err(TranslateError::Unsupported(format!("TIMESTAMP_TRUNC unit `{other}`"))),
    };
    Ok(parse_expr(&match unit.as_str() {
        "microsecond" | "millisecond" | "second" | "minute" | "hour" | "day" | "month" | "quarter" | "year" => {
            format!("date_trunc('{unit}', {value})")
        }
        "week" => format!("(date_trunc('week', {value} + INTERVAL '1 day') - INTERVAL '1 day')"),
        other => return Err(TranslateError::Unsupported(format!("TIMESTAMP_TRUNC unit `{other}`"))),
    }))
}

/// Resolves a column path to its expression on the target, or `None` to leave the name alone
/// (a select alias, a CTE column, or a name the engine will report as unknown).
fn resolve(scope: &Scope, path: &[Ident], target: Target) -> Result<Option<Expr>, TranslateError> {
    match bind(scope, path) {
        Some(Binding::Column { base, source, path }) => {
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            column_expr(&base, &source.schema, &parts, target).map(Some)
        }
        Some(Binding::Element { alias, element, path }) => element_expr(&alias, element, &path, target).map(Some),
        None => Ok(None),
    }
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
            Relation::Source { alias, source, visible }
                if rest.first().is_some_and(|field| is_visible(visible, &field.value)) =>
            {
                Some(Binding::Column {
                    base: alias.clone(),
                    source,
                    path: texts(rest),
                })
            }
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
            Relation::Source { .. } | Relation::Opaque { .. } => None,
        };
    }
    scope.relations.iter().find_map(|relation| match relation {
        Relation::Source { alias, source, visible }
            if source.schema.fields().contains_key(&root.value) && is_visible(visible, &root.value) =>
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

fn is_visible(visible: &Option<Vec<String>>, field: &str) -> bool {
    visible
        .as_ref()
        .is_none_or(|roots| roots.iter().any(|root| root == field))
}

/// A path inside an array element, read from the element's JSON with the schema's type.
fn element_expr(alias: &str, element: &FieldType, path: &[String], target: Target) -> Result<Expr, TranslateError> {
    let mut current = element;
    for (depth, part) in path.iter().enumerate() {
        current = match current {
            FieldType::Record(fields) => match fields.get(part) {
                Some(field) => field,
                None => return Ok(null()),
            },
            FieldType::Array(_) => {
                return Err(TranslateError::Unsupported(format!(
                    "`{alias}.{}` is an array: reach into it with UNNEST",
                    path[..depth].join(".")
                )))
            }
            _ => return Ok(null()),
        };
    }
    let quote = target.identifier_quote();
    let value = format!("{quote}{alias}{quote}.{quote}value{quote}");
    let json_path = std::iter::once("$".to_owned())
        .chain(path.iter().cloned())
        .collect::<Vec<_>>()
        .join(".");
    let text = match current {
        FieldType::Record(_) | FieldType::Array(_) => format!("json_extract({value}, '{json_path}')"),
        FieldType::String => format!("json_extract_string({value}, '{json_path}')"),
        FieldType::Integer => format!("CAST(json_extract_string({value}, '{json_path}') AS BIGINT)"),
        FieldType::Float => format!("CAST(json_extract_string({value}, '{json_path}') AS DOUBLE)"),
        FieldType::Boolean => format!("CAST(json_extract_string({value}, '{json_path}') AS BOOLEAN)"),
        FieldType::Timestamp => format!("CAST(json_extract_string({value}, '{json_path}') AS TIMESTAMP)"),
    };
    Ok(parse_expr(&text))
}

fn column_expr(alias: &str, schema: &Schema, path: &[&str], target: Target) -> Result<Expr, TranslateError> {
    let quote = target.identifier_quote();
    let dotted = path.join(".");
    let column =
        |name: &str| Expr::CompoundIdentifier(vec![Ident::with_quote(quote, alias), Ident::with_quote(quote, name)]);
    // Walk the schema to find where the path stops being known.
    for depth in 1..=path.len() {
        let prefix = path[..depth].join(".");
        match schema.field(&prefix) {
            None => return Ok(null()),
            Some(FieldType::Array(_)) if depth < path.len() => {
                return Err(TranslateError::Unsupported(format!(
                    "`{prefix}` is an array: reach into it with UNNEST (arrives with the full translator)"
                )));
            }
            Some(_) => {}
        }
    }
    let kind = schema
        .columns()
        .iter()
        .find(|candidate| candidate.path == dotted)
        .map(|candidate| candidate.kind);
    Ok(match kind {
        Some(ColumnKind::Present) => json_of_object(column(ROOT_COLUMN), &dotted),
        Some(_) => column(&dotted),
        None => null(),
    })
}

/// The whole object at `path`, as JSON, from the event's root document.
fn json_of_object(root: Expr, path: &str) -> Expr {
    let json_path = format!("$.{path}");
    parse_expr(&format!("json_extract({root}, '{}')", json_path.replace('\'', "''")))
}

/// Parses an expression the translator built. Its inputs are sanitised keys ([A-Za-z0-9_]),
/// quoted identifiers and expressions already printed from the AST, so this cannot fail on
/// user text; building through the parser keeps one printer.
fn parse_expr(text: &str) -> Expr {
    sqlparser::parser::Parser::new(&sqlparser::dialect::GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut parser| parser.parse_expr())
        .unwrap_or_else(|error| panic!("the translator built SQL it cannot parse: {error}: {text}"))
}

fn null() -> Expr {
    Expr::Value(ValueWithSpan {
        value: Value::Null,
        span: Span::empty(),
    })
}
