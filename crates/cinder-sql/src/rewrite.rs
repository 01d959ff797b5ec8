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
    Expr, Ident, ObjectName, ObjectNamePart, Query, Select, SelectItem, SetExpr, TableAlias, TableFactor, Value,
    ValueWithSpan, VisitMut, VisitorMut,
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
    rewrite_query(query, &Scope::default(), &[], &mut context)?;
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
    /// A source table: its columns are known.
    Source { alias: String, source: &'a SourceTable },
    /// A CTE or derived table: its columns pass through unchanged.
    Opaque { alias: String },
}

impl Relation<'_> {
    fn alias(&self) -> &str {
        match self {
            Relation::Source { alias, .. } | Relation::Opaque { alias } => alias,
        }
    }
}

/// The relations visible to an expression, innermost SELECT first.
#[derive(Clone, Default)]
struct Scope<'a> {
    relations: Vec<Relation<'a>>,
}

fn rewrite_query<'a>(
    query: &mut Query,
    outer: &Scope<'a>,
    ctes: &[String],
    context: &mut Context<'a>,
) -> Result<(), TranslateError> {
    let mut visible_ctes = ctes.to_vec();
    if let Some(with) = &mut query.with {
        for cte in &mut with.cte_tables {
            rewrite_query(&mut cte.query, outer, &visible_ctes, context)?;
            visible_ctes.push(cte.alias.name.value.clone());
        }
    }
    let body_scope = rewrite_set_expr(&mut query.body, outer, &visible_ctes, context)?;
    // ORDER BY and LIMIT see the select's FROM when the body is one SELECT.
    let scope = body_scope.unwrap_or_else(|| outer.clone());
    let mut rewriter = ExprRewriter::new(&scope, &visible_ctes, context);
    if let Some(order_by) = &mut query.order_by {
        rewriter.run(order_by)?;
    }
    if let Some(limit) = &mut query.limit_clause {
        rewriter.run(limit)?;
    }
    Ok(())
}

fn rewrite_set_expr<'a>(
    body: &mut SetExpr,
    outer: &Scope<'a>,
    ctes: &[String],
    context: &mut Context<'a>,
) -> Result<Option<Scope<'a>>, TranslateError> {
    match body {
        SetExpr::Select(select) => rewrite_select(select, outer, ctes, context).map(Some),
        SetExpr::Query(query) => rewrite_query(query, outer, ctes, context).map(|()| None),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left, outer, ctes, context)?;
            rewrite_set_expr(right, outer, ctes, context)?;
            Ok(None)
        }
        other => Err(TranslateError::Unsupported(format!("query body `{other}`"))),
    }
}

fn rewrite_select<'a>(
    select: &mut Select,
    outer: &Scope<'a>,
    ctes: &[String],
    context: &mut Context<'a>,
) -> Result<Scope<'a>, TranslateError> {
    let mut scope = Scope::default();
    for table in &mut select.from {
        add_relation(&mut table.relation, &mut scope, ctes, context)?;
        for join in &mut table.joins {
            add_relation(&mut join.relation, &mut scope, ctes, context)?;
        }
    }
    // Inner relations shadow outer ones; outer ones stay visible for correlated subqueries.
    scope.relations.extend(outer.relations.iter().cloned());
    name_bare_columns(select, context.target);
    ExprRewriter::new(&scope, ctes, context).run(select)?;
    Ok(scope)
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

/// Adds one FROM item to the scope, renaming a source to its table (aliased by the name the
/// query used, so qualified references keep working).
fn add_relation<'a>(
    factor: &mut TableFactor,
    scope: &mut Scope<'a>,
    ctes: &[String],
    context: &Context<'a>,
) -> Result<(), TranslateError> {
    match factor {
        TableFactor::Table { name, alias, .. } => {
            let text = object_name_text(name);
            let alias_name = alias
                .as_ref()
                .map_or_else(|| text.clone(), |alias| alias.name.value.clone());
            if ctes.contains(&text) {
                scope.relations.push(Relation::Opaque { alias: alias_name });
                return Ok(());
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
            scope.relations.push(Relation::Source {
                alias: alias_name,
                source,
            });
        }
        TableFactor::Derived { alias, .. } => {
            // The subquery itself is rewritten when the expression walk reaches it.
            let alias = alias.as_ref().map(|alias| alias.name.value.clone()).unwrap_or_default();
            scope.relations.push(Relation::Opaque { alias });
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } => {
            add_relation(&mut table_with_joins.relation, scope, ctes, context)?;
            for join in &mut table_with_joins.joins {
                add_relation(&mut join.relation, scope, ctes, context)?;
            }
            if let Some(alias) = alias {
                scope.relations.push(Relation::Opaque {
                    alias: alias.name.value.clone(),
                });
            }
        }
        TableFactor::UNNEST { .. } => {
            return Err(TranslateError::Unsupported(
                "UNNEST (arrives with the full translator)".into(),
            ));
        }
        other => return Err(TranslateError::Unsupported(format!("table expression `{other}`"))),
    }
    Ok(())
}

/// Rewrites the expressions of one SELECT (or ORDER BY) in its scope. A nested query met on
/// the way is rewritten in a scope of its own, with this one as its outer scope.
struct ExprRewriter<'s, 'a, 'c> {
    scope: &'s Scope<'a>,
    ctes: &'s [String],
    context: &'c mut Context<'a>,
    depth: usize,
}

impl<'s, 'a, 'c> ExprRewriter<'s, 'a, 'c> {
    fn new(scope: &'s Scope<'a>, ctes: &'s [String], context: &'c mut Context<'a>) -> Self {
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
            if let Err(error) = rewrite_query(query, self.scope, self.ctes, self.context) {
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
            if let Some(replacement) = resolve(scope, None, std::slice::from_ref(ident), context.target)? {
                *expr = replacement;
            }
        }
        Expr::CompoundIdentifier(parts) => {
            let qualifier = parts[0].value.as_str();
            let replacement = if scope.relations.iter().any(|relation| relation.alias() == qualifier) {
                resolve(scope, Some(qualifier), &parts[1..], context.target)?
            } else {
                resolve(scope, None, parts, context.target)?
            };
            if let Some(replacement) = replacement {
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
            function.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(spelling))]);
        }
        _ => {}
    }
    Ok(())
}

/// Resolves a column path. With a qualifier, only that relation is searched; without one, the
/// first source in scope that has the path's root. Returns `None` to leave the name alone
/// (a select alias, a CTE column, or a name the engine will report as unknown).
fn resolve(
    scope: &Scope,
    qualifier: Option<&str>,
    path: &[Ident],
    target: Target,
) -> Result<Option<Expr>, TranslateError> {
    let Some(root) = path.first() else {
        return Ok(None);
    };
    let relation = scope.relations.iter().find(|relation| match qualifier {
        Some(qualifier) => relation.alias() == qualifier,
        None => matches!(relation, Relation::Source { source, .. } if source.schema.fields().contains_key(&root.value)),
    });
    let Some(Relation::Source { alias, source }) = relation else {
        return Ok(None);
    };
    let dotted: Vec<&str> = path.iter().map(|ident| ident.value.as_str()).collect();
    column_expr(alias, &source.schema, &dotted, target).map(Some)
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
    let function = format!("json_extract({root}, '{}')", json_path.replace('\'', "''"));
    // The path is made of sanitised keys ([A-Za-z0-9_] and dots), so this parse cannot fail
    // on user text; build it through the parser to keep one printer.
    sqlparser::parser::Parser::new(&sqlparser::dialect::GenericDialect {})
        .try_with_sql(&function)
        .and_then(|mut parser| parser.parse_expr())
        .expect("json_extract of a sanitised path parses")
}

fn null() -> Expr {
    Expr::Value(ValueWithSpan {
        value: Value::Null,
        span: Span::empty(),
    })
}
