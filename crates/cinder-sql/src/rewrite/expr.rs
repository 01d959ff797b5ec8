//! The expressions of one clause, rewritten in its scope.

use std::ops::ControlFlow;

use sqlparser::ast::{
    AccessExpr, BinaryOperator, CastKind, Expr, Query, Subscript, Value, ValueWithSpan, VisitMut, VisitorMut,
};

use super::{bigquery_null, null, rewrite_query, Context, Shape};
use crate::calls;
use crate::error::TranslateError;
use crate::resolve::{is_missing, path_of, resolve, type_of, walk, Binding, Cte, Relation, Resolved, Scope, Walk};
use crate::target::{Layout, Scalar};
use crate::validate::object_name_text;

/// Rewrites the expressions of one clause in its scope. A nested query met on the way is
/// rewritten in a scope of its own, with this one as its outer scope.
///
/// Expressions are rewritten bottom-up, so a function sees its arguments already in the
/// target's terms. A field access (`metadata[0].parsed[0].tag`) is rewritten top-down as a
/// whole; what replaces it is already in the target's terms and is not walked again.
pub(crate) struct ExprRewriter<'s, 'a, 'c> {
    scope: &'s Scope<'a>,
    ctes: &'s [Cte<'a>],
    context: &'c mut Context<'a>,
    /// Nested queries entered (rewritten on entry, so skipped by the walk).
    depth: usize,
    /// For each expression entered: whether it was replaced on entry.
    replaced: Vec<bool>,
}

impl<'s, 'a, 'c> ExprRewriter<'s, 'a, 'c> {
    pub(crate) fn new(scope: &'s Scope<'a>, ctes: &'s [Cte<'a>], context: &'c mut Context<'a>) -> Self {
        Self {
            scope,
            ctes,
            context,
            depth: 0,
            replaced: Vec::new(),
        }
    }

    pub(crate) fn run<T: VisitMut>(&mut self, node: &mut T) -> Result<(), TranslateError> {
        match node.visit(self) {
            ControlFlow::Break(error) => Err(error),
            ControlFlow::Continue(()) => Ok(()),
        }
    }

    /// Inside a nested query, or inside an expression already replaced.
    fn skipping(&self) -> bool {
        self.depth > 0 || self.replaced.iter().any(|replaced| *replaced)
    }

    /// Rewrites on the way down; returns whether `expr` was replaced as a whole.
    fn enter(&mut self, expr: &mut Expr) -> Result<bool, TranslateError> {
        self.type_missing_operands(expr);
        self.plain_identity_cast(expr);
        if let Expr::Function(function) = expr {
            calls::quote_date_part(function)?;
            return Ok(false);
        }
        let Expr::CompoundFieldAccess { root, access_chain } = expr else {
            return Ok(false);
        };
        // `dates[0]`: a CTE's row, as a value, indexed by column position.
        if let (Expr::Identifier(name), [AccessExpr::Subscript(Subscript::Index { index })]) =
            (root.as_ref(), access_chain.as_slice())
        {
            if let Some(Relation::Opaque { columns, .. }) = self.scope.relation(&name.value) {
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
            match resolve(self.scope, &path) {
                Resolved::Bound(binding) => {
                    *expr = self.written(&binding, walk(&binding, access_chain)?)?;
                    return Ok(true);
                }
                Resolved::Missing => {
                    *expr = null();
                    return Ok(true);
                }
                Resolved::Unbound => {}
            }
        }
        let Some(spelling) = self.context.layout.spelling() else {
            // BigQuery reads its own arrays.
            return Ok(false);
        };
        if let Expr::Function(function) = root.as_mut() {
            if object_name_text(&function.name).eq_ignore_ascii_case("approx_quantiles") {
                ExprRewriter::new(self.scope, self.ctes, self.context).run(function)?;
                *expr = calls::approx_quantile(function, access_chain, spelling)?;
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
        // Postgres subscripts only a parenthesized expression: `(string_to_array(..))[2]`.
        if !matches!(
            root.as_ref(),
            Expr::Nested(_) | Expr::Identifier(_) | Expr::CompoundIdentifier(_)
        ) {
            let inner = std::mem::replace(root.as_mut(), null());
            **root = Expr::Nested(Box::new(inner));
        }
        Ok(false)
    }

    /// The value a bound path reaches, on the target: NULL when no event has it.
    fn written(&self, binding: &Binding, walk: Option<Walk>) -> Result<Expr, TranslateError> {
        let Some(walk) = walk else {
            return Ok(null());
        };
        let layout: &dyn Layout = self.context.layout;
        let text = match binding {
            Binding::Column { base, source, .. } => match walk.keys() {
                Some(keys) => layout.stored(base, &source.columns, &keys, walk.field),
                None => layout.indexed(base, &walk.steps, walk.field),
            },
            Binding::Element { alias, .. } => layout.element(alias, &walk.steps, walk.field),
        };
        layout.parse(&text)
    }

    /// `SAFE_CAST(x AS T)` where x is already of type T (an INT64 field cast to INT64) cannot
    /// fail: it becomes a plain cast, which the engines do without checking text first.
    fn plain_identity_cast(&self, expr: &mut Expr) {
        if let Expr::Cast {
            kind: kind @ (CastKind::SafeCast | CastKind::TryCast),
            expr: value,
            data_type,
            format: None,
        } = expr
        {
            if let (Some(from), Some(to)) = (type_of(self.scope, value), Scalar::of_data_type(data_type)) {
                if from == to {
                    *kind = CastKind::Cast;
                }
            }
        }
    }

    /// BigQuery refuses a literal NULL as an operand of a comparison (`Operands of = cannot be
    /// literal NULL`): a missing path compared with something is written as a NULL of the type
    /// the comparison needs, that of its other operand (STRING when that cannot be told), on
    /// every engine alike.
    fn type_missing_operands(&self, expr: &mut Expr) {
        let scope = self.scope;
        let typed = |operand: &mut Expr, scalar: Option<Scalar>| {
            if is_missing(scope, operand) {
                *operand = bigquery_null(scalar.unwrap_or(Scalar::String));
            }
        };
        match expr {
            Expr::BinaryOp { left, op, right } if is_comparison(op) => {
                let (left_type, right_type) = (type_of(scope, left), type_of(scope, right));
                typed(left, right_type);
                typed(right, left_type);
            }
            Expr::Like {
                expr: value, pattern, ..
            }
            | Expr::ILike {
                expr: value, pattern, ..
            }
            | Expr::SimilarTo {
                expr: value, pattern, ..
            } => {
                typed(value, None);
                typed(pattern, None);
            }
            Expr::InList { expr: value, list, .. } => {
                let element = list.iter().find_map(|item| type_of(scope, item));
                typed(value, element);
                let value_type = type_of(scope, value).or(element);
                list.iter_mut().for_each(|item| typed(item, value_type));
            }
            Expr::Between {
                expr: value, low, high, ..
            } => {
                let bound = type_of(scope, low).or_else(|| type_of(scope, high));
                let value_type = type_of(scope, value);
                typed(value, bound);
                typed(low, value_type.or(bound));
                typed(high, value_type.or(bound));
            }
            _ => {}
        }
    }

    /// Rewrites on the way up: names, parameters, then the engine's spelling of the rest.
    fn leave(&mut self, expr: &mut Expr) -> Result<(), TranslateError> {
        let path = match expr {
            // BigQuery's tokenizer reads `@name` as one identifier.
            Expr::Identifier(ident) if ident.quote_style.is_none() && ident.value.starts_with('@') => {
                let placeholder = self.context.placeholder(&ident.value[1..]);
                *expr = Expr::value(Value::Placeholder(placeholder));
                return Ok(());
            }
            Expr::Value(ValueWithSpan {
                value: Value::Placeholder(name),
                ..
            }) if name.starts_with('@') => {
                let placeholder = self.context.placeholder(&name[1..]);
                *expr = Expr::value(Value::Placeholder(placeholder));
                return Ok(());
            }
            Expr::Identifier(ident) => vec![ident.clone()],
            Expr::CompoundIdentifier(parts) => parts.clone(),
            _ => return self.context.layout.expression(expr, self.context.target),
        };
        match resolve(self.scope, &path) {
            Resolved::Bound(binding) => *expr = self.written(&binding, walk(&binding, &[])?)?,
            Resolved::Missing => *expr = null(),
            Resolved::Unbound => {}
        }
        Ok(())
    }
}

fn is_comparison(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
    )
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
        match self.leave(expr) {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(error),
        }
    }
}
