//! A SELECT's FROM clause: the relations it puts in scope, written for the target.

use cinder_core::FieldType;
use sqlparser::ast::{
    BinaryOperator, Expr, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, Select, TableAlias, TableFactor,
    Value, ValueWithSpan,
};

use super::{rewrite_query, Context, ExprRewriter, Shape};
use crate::error::TranslateError;
use crate::resolve::{path_of, resolve, walk, Binding, Cte, Relation, Resolved, Scope};
use crate::validate::object_name_text;

/// How a FROM item is joined to the ones before it.
#[derive(Clone, Copy, PartialEq)]
enum JoinKind {
    /// `,` or `CROSS JOIN`: rows without a match are dropped.
    Comma,
    /// `LEFT [OUTER] JOIN ... ON TRUE`: rows without a match are kept, with NULLs.
    LeftOnTrue,
    /// Anything else: fine between tables, not supported for UNNEST.
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

fn and(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::And,
        right: Box::new(right),
    }
}

/// ANDs `conditions` onto the SELECT's WHERE clause.
pub(super) fn restrict(select: &mut Select, conditions: Vec<Expr>) {
    if let Some(condition) = conditions.into_iter().reduce(and) {
        select.selection = Some(match select.selection.take() {
            Some(selection) => and(Expr::Nested(Box::new(selection)), condition),
            None => condition,
        });
    }
}

/// Where the relations of one FROM clause go: innermost first in the scope, in FROM order.
struct Adding<'s, 'a, 'c> {
    scope: &'s mut Scope<'a>,
    inner: usize,
    outer: &'s Scope<'a>,
    ctes: &'s [Cte<'a>],
    context: &'c mut Context<'a>,
    /// The conditions of UNNESTs of objects that leave the FROM clause (already in the
    /// target's terms), for the WHERE clause.
    presence: Vec<Expr>,
}

/// Adds the SELECT's FROM items to `scope` and writes them for the target. Returns the
/// conditions that UNNESTs of objects left behind, for the WHERE clause once it is rewritten.
pub(super) fn add_from<'a>(
    select: &mut Select,
    outer: &Scope<'a>,
    scope: &mut Scope<'a>,
    ctes: &[Cte<'a>],
    context: &mut Context<'a>,
) -> Result<Vec<Expr>, TranslateError> {
    let mut adding = Adding {
        scope,
        inner: 0,
        outer,
        ctes,
        context,
        presence: Vec::new(),
    };
    let from = std::mem::take(&mut select.from);
    for mut table in from {
        let first = select.from.is_empty();
        let kept = adding.add(&mut table.relation, JoinKind::Comma)?;
        if !kept && first {
            return Err(TranslateError::Unsupported(
                "UNNEST of an object as the first FROM item".into(),
            ));
        }
        let mut kept_joins = Vec::with_capacity(table.joins.len());
        for mut join in std::mem::take(&mut table.joins) {
            if adding.add(&mut join.relation, JoinKind::of(&join.join_operator))? {
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
    // Join conditions see every relation of the clause.
    let mut rewriter = ExprRewriter::new(adding.scope, ctes, adding.context);
    for table in &mut select.from {
        for join in &mut table.joins {
            rewriter.run(&mut join.join_operator)?;
        }
    }
    Ok(adding.presence)
}

impl<'a> Adding<'_, 'a, '_> {
    fn push(&mut self, relation: Relation<'a>) {
        self.scope.relations.insert(self.inner, relation);
        self.inner += 1;
    }

    /// Adds one FROM item. A source is renamed to its table (aliased by the name the query
    /// used, so qualified references keep working). Returns false when the item leaves the
    /// FROM clause: an UNNEST of an object the engine stores as itself, which only names a path.
    fn add(&mut self, factor: &mut TableFactor, kind: JoinKind) -> Result<bool, TranslateError> {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let text = object_name_text(name);
                let alias_name = alias
                    .as_ref()
                    .map_or_else(|| text.clone(), |alias| alias.name.value.clone());
                if let Some(cte) = self.ctes.iter().rev().find(|cte| cte.name == text) {
                    let relation = match &cte.exposes {
                        Some(exposed) => Relation::Source {
                            written: alias_name.clone(),
                            alias: alias_name,
                            source: exposed.source,
                            schema: exposed.schema,
                            visible: Some(exposed.roots.clone()),
                            complete: exposed.complete,
                        },
                        None => Relation::Opaque {
                            alias: alias_name,
                            columns: cte.columns.clone(),
                        },
                    };
                    self.push(relation);
                    return Ok(true);
                }
                let source = self
                    .context
                    .sources
                    .get(&text)
                    .ok_or_else(|| TranslateError::UnknownSource(text.clone()))?;
                *name = ObjectName(vec![ObjectNamePart::Identifier(self.context.ident(&source.table))]);
                let written = self.context.layout.alias(&alias_name);
                *alias = Some(TableAlias {
                    explicit: true,
                    name: self.context.ident(&written),
                    columns: Vec::new(),
                    at: None,
                });
                let schema = self.context.layout.schema(source);
                self.push(Relation::Source {
                    alias: alias_name,
                    written,
                    source,
                    schema,
                    visible: None,
                    complete: true,
                });
            }
            TableFactor::Derived {
                subquery,
                alias,
                lateral,
                ..
            } => {
                let outer = if *lateral {
                    self.scope.clone()
                } else {
                    self.outer.clone()
                };
                rewrite_query(subquery, &outer, self.ctes, Shape::Inner, self.context)?;
                let alias = alias.as_ref().map(|alias| alias.name.value.clone()).unwrap_or_default();
                self.push(Relation::Opaque {
                    alias,
                    columns: Vec::new(),
                });
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let relations = std::iter::once(&mut table_with_joins.relation)
                    .chain(table_with_joins.joins.iter_mut().map(|join| &mut join.relation));
                for relation in relations {
                    if !self.add(relation, JoinKind::Other)? {
                        return Err(TranslateError::Unsupported(
                            "UNNEST of an object inside parentheses".into(),
                        ));
                    }
                }
                let mut rewriter = ExprRewriter::new(self.scope, self.ctes, self.context);
                for join in &mut table_with_joins.joins {
                    rewriter.run(&mut join.join_operator)?;
                }
                if let Some(alias) = alias {
                    self.push(Relation::Opaque {
                        alias: alias.name.value.clone(),
                        columns: Vec::new(),
                    });
                }
            }
            TableFactor::UNNEST { .. } => return self.unnest(factor, kind),
            other => return Err(TranslateError::Unsupported(format!("table expression `{other}`"))),
        }
        Ok(true)
    }

    /// `UNNEST(argument) AS alias`: one row per element of an array, or (for an object) a name
    /// for its path or a join over its one element, as the engine stores objects.
    fn unnest(&mut self, factor: &mut TableFactor, kind: JoinKind) -> Result<bool, TranslateError> {
        let TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset,
            with_ordinality,
            ..
        } = factor
        else {
            return Ok(true);
        };
        if *with_offset || *with_ordinality {
            return Err(TranslateError::Unsupported("UNNEST ... WITH OFFSET".into()));
        }
        let [argument] = array_exprs.as_mut_slice() else {
            return Err(TranslateError::Unsupported("UNNEST of several arrays".into()));
        };
        if kind == JoinKind::Other {
            return Err(TranslateError::Unsupported(format!(
                "UNNEST({argument}) joined other than by CROSS JOIN, a comma or LEFT JOIN ... ON TRUE"
            )));
        }
        let Some(table_alias) = alias.as_mut() else {
            return Err(TranslateError::Unsupported(format!(
                "UNNEST({argument}) without an alias"
            )));
        };
        let alias_name = table_alias.name.value.clone();
        let Some(path) = path_of(argument) else {
            // An array the query builds (`[1, 2]`, GENERATE_ARRAY, GENERATE_TIMESTAMP_ARRAY):
            // one row per element, named by the alias; the engines unnest their own arrays.
            ExprRewriter::new(self.scope, self.ctes, self.context).run(argument)?;
            self.context.layout.name_built_unnest(table_alias);
            self.push(Relation::Value { alias: alias_name });
            return Ok(true);
        };
        let layout = self.context.layout;
        let binding = match resolve(self.scope, &path) {
            Resolved::Bound(binding) => Some(binding),
            Resolved::Missing => None,
            Resolved::Unbound => {
                return Err(TranslateError::Unsupported(format!(
                    "UNNEST({argument}): unknown column `{argument}`"
                )))
            }
        };
        let reached = match &binding {
            Some(binding) => walk(binding, &[])?.map(|walk| (walk.keys(), walk.field.clone())),
            None => None,
        };
        let Some((keys, field)) = reached else {
            // No event has it: an empty array, so CROSS JOIN drops every row, LEFT JOIN keeps it.
            if kind == JoinKind::Comma {
                self.presence.push(Expr::value(Value::Boolean(false)));
            }
            self.push(Relation::Empty { alias: alias_name });
            return Ok(false);
        };
        let element = match field {
            FieldType::Array(element) => *element,
            record @ FieldType::Record(_) if layout.objects_are_arrays() => record,
            FieldType::Record(_) => {
                let (
                    Some(Binding::Column {
                        base, source, schema, ..
                    }),
                    Some(keys),
                ) = (binding, keys)
                else {
                    return Err(TranslateError::Unsupported(format!(
                        "UNNEST({argument}) of an object inside an array element"
                    )));
                };
                if kind == JoinKind::Comma {
                    let present = layout.present(&base, &source.columns, &keys);
                    self.presence.push(layout.parse(&present)?);
                }
                self.push(Relation::Object {
                    alias: alias_name,
                    base,
                    source,
                    schema,
                    path: keys,
                });
                return Ok(false);
            }
            other => {
                return Err(TranslateError::Unsupported(format!(
                    "UNNEST({argument}): `{argument}` is a {}, not an array or object",
                    other.name()
                )))
            }
        };
        // The argument is read in the scope before the UNNEST: its alias may be the argument's
        // own name (`UNNEST(metadata) AS metadata`).
        ExprRewriter::new(self.scope, self.ctes, self.context).run(argument)?;
        let written = if self.scope.has_column(&alias_name) {
            format!("{alias_name}__unnested")
        } else {
            alias_name.clone()
        };
        *factor = layout.parse_table_factor(&layout.unnest(&argument.to_string(), &written))?;
        self.push(Relation::Element {
            alias: alias_name,
            written,
            element,
        });
        Ok(true)
    }
}
