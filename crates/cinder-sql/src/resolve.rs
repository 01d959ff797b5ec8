//! Binding names, once for every engine.
//!
//! Names are resolved by scope, as BigQuery resolves them. Each SELECT's FROM clause makes a
//! [`Scope`]: source rows (whose schemas are known), the objects and array elements UNNEST
//! names, arrays the query builds, and opaque relations (CTEs and derived tables that compute
//! their columns, whose columns pass through untouched). A name whose root is a field of a
//! source in scope is [bound](Binding) to that source's path; a name that cannot be anything
//! in a scope where every column is known is [missing](Resolved::Missing): a field no event
//! has yet, which reads as NULL, as BigQuery answers for an absent nested field. Field and
//! relation names ignore case, as BigQuery's do.
//!
//! Nothing here writes SQL: the engine's [`Layout`](crate::target::Layout) does, in `rewrite/`.

use std::collections::BTreeMap;

use cinder_core::{FieldType, Schema};
use sqlparser::ast::{AccessExpr, Expr, GroupByExpr, Ident, SelectItem, SetExpr, Subscript, Value};

use crate::calls;
use crate::error::TranslateError;
use crate::target::{Scalar, Step};
use crate::validate::object_name_text;
use crate::SourceTable;

type Fields = BTreeMap<String, FieldType>;

/// The field of `fields` named `name` (its exact spelling first, then ignoring case), with the
/// schema's spelling of its name.
pub(crate) fn lookup<'f>(fields: &'f Fields, name: &str) -> Option<(&'f String, &'f FieldType)> {
    fields
        .get_key_value(name)
        .or_else(|| fields.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)))
}

/// One relation of a FROM clause.
#[derive(Clone)]
pub(crate) enum Relation<'a> {
    /// A source's rows, or a CTE that passes some of a source's top-level fields (`visible`)
    /// through.
    Source {
        alias: String,
        /// The alias in the translated query (see [`Layout::alias`](crate::target::Layout::alias)).
        written: String,
        source: &'a SourceTable,
        /// What names bind against (see [`Layout::schema`](crate::target::Layout::schema)).
        schema: &'a Schema,
        visible: Option<Vec<String>>,
        /// Whether these are all its columns (a CTE may compute others besides).
        complete: bool,
    },
    /// `UNNEST(<object>) AS alias` where the engine stores an object as itself: a name for the
    /// object's path in the source row, not a join (`alias.x` is the path `<path>.x`).
    Object {
        alias: String,
        base: String,
        source: &'a SourceTable,
        schema: &'a Schema,
        path: Vec<String>,
    },
    /// `UNNEST(<array>) AS alias` (or of an object stored as a one-element array): one row per
    /// element, of type `element`. `written` is the alias in the translated query (renamed when
    /// the query's alias is also a column's name, which some engines call ambiguous).
    Element {
        alias: String,
        written: String,
        element: FieldType,
    },
    /// `UNNEST` of an object or array no event has: no rows, no fields.
    Empty { alias: String },
    /// `UNNEST(<array the query builds>) AS alias`: the element itself is named by the alias.
    Value { alias: String },
    /// A CTE or derived table that computes its columns: they pass through unchanged.
    Opaque {
        alias: String,
        /// Its column names, where known (a CTE's), in order.
        columns: Vec<Ident>,
    },
}

impl Relation<'_> {
    pub(crate) fn alias(&self) -> &str {
        match self {
            Relation::Source { alias, .. }
            | Relation::Object { alias, .. }
            | Relation::Element { alias, .. }
            | Relation::Empty { alias }
            | Relation::Value { alias }
            | Relation::Opaque { alias, .. } => alias,
        }
    }
}

/// What a SELECT passes through of one source: top-level fields under their own names.
#[derive(Clone)]
pub(crate) struct Exposed<'a> {
    pub(crate) source: &'a SourceTable,
    pub(crate) schema: &'a Schema,
    pub(crate) roots: Vec<String>,
    /// Whether the SELECT has no other columns.
    pub(crate) complete: bool,
}

/// A CTE visible to a query. A CTE that passes a source's fields through unchanged
/// (`select t.id, t.metadata from src as t where ...`, as every CTE of Supabase's `logs.all`
/// does) exposes them, so the query over it keeps typed columns, UNNEST and missing-path
/// semantics.
#[derive(Clone)]
pub(crate) struct Cte<'a> {
    pub(crate) name: String,
    pub(crate) exposes: Option<Exposed<'a>>,
    /// Its column names, in order (empty when a column is unnamed).
    pub(crate) columns: Vec<Ident>,
}

/// The relations visible to an expression, innermost SELECT first.
#[derive(Clone, Default)]
pub(crate) struct Scope<'a> {
    pub(crate) relations: Vec<Relation<'a>>,
    /// The explicit aliases of the innermost SELECT's columns, lowercased (GROUP BY, HAVING
    /// and ORDER BY may name them).
    pub(crate) outputs: Vec<String>,
}

impl<'a> Scope<'a> {
    /// Whether every column in scope is known: no CTE or subquery passes columns through
    /// unseen. A name that binds to nothing in a closed scope is a field no event has.
    pub(crate) fn closed(&self) -> bool {
        !self.relations.is_empty()
            && self.relations.iter().all(|relation| match relation {
                Relation::Opaque { .. } => false,
                Relation::Source { complete, .. } => *complete,
                Relation::Object { .. }
                | Relation::Element { .. }
                | Relation::Empty { .. }
                | Relation::Value { .. } => true,
            })
    }

    /// The relation named `name`.
    pub(crate) fn relation(&self, name: &str) -> Option<&Relation<'a>> {
        self.relations
            .iter()
            .find(|relation| relation.alias().eq_ignore_ascii_case(name))
    }

    /// Whether a top-level field of a source row in scope is named `name`.
    pub(crate) fn has_column(&self, name: &str) -> bool {
        self.relations.iter().any(|relation| match relation {
            Relation::Source { schema, .. } => lookup(schema.fields(), name).is_some(),
            _ => false,
        })
    }
}

/// Where a column path points.
pub(crate) enum Binding<'s, 'a> {
    /// A path of a source row (possibly reached through UNNEST aliases of objects).
    Column {
        base: String,
        source: &'a SourceTable,
        schema: &'a Schema,
        path: Vec<String>,
    },
    /// A path inside the current element of an UNNEST, by its written alias.
    Element {
        alias: String,
        element: &'s FieldType,
        path: Vec<String>,
    },
}

/// What a path names.
pub(crate) enum Resolved<'s, 'a> {
    Bound(Binding<'s, 'a>),
    /// A field no event has.
    Missing,
    /// Something the engine resolves: a relation itself, a column of an opaque relation, an
    /// output alias, a name in a scope whose columns are not all known.
    Unbound,
}

fn texts(parts: &[Ident]) -> Vec<String> {
    parts.iter().map(|ident| ident.value.clone()).collect()
}

fn shown(visible: &Option<Vec<String>>, field: &str) -> bool {
    visible
        .as_ref()
        .is_none_or(|roots| roots.iter().any(|root| root.eq_ignore_ascii_case(field)))
}

/// Binds a path as BigQuery does: a first part naming a relation in scope qualifies the rest;
/// otherwise the first relation (innermost first, in FROM order) with a field of that name.
pub(crate) fn resolve<'s, 'a>(scope: &'s Scope<'a>, path: &[Ident]) -> Resolved<'s, 'a> {
    let Some((root, rest)) = path.split_first() else {
        return Resolved::Unbound;
    };
    if let Some(relation) = scope.relation(&root.value) {
        return match relation {
            Relation::Source {
                written,
                source,
                schema,
                visible,
                complete,
                ..
            } => match rest.first() {
                None => Resolved::Unbound,
                Some(field) if shown(visible, &field.value) => Resolved::Bound(Binding::Column {
                    base: written.clone(),
                    source,
                    schema,
                    path: texts(rest),
                }),
                Some(_) if *complete => Resolved::Missing,
                Some(_) => Resolved::Unbound,
            },
            Relation::Object {
                base,
                source,
                schema,
                path: prefix,
                ..
            } => Resolved::Bound(Binding::Column {
                base: base.clone(),
                source,
                schema,
                path: prefix.iter().cloned().chain(texts(rest)).collect(),
            }),
            Relation::Element { written, element, .. } => Resolved::Bound(Binding::Element {
                alias: written.clone(),
                element,
                path: texts(rest),
            }),
            // Its element, and any field of it, is NULL where a LEFT JOIN keeps the row.
            Relation::Empty { .. } => Resolved::Missing,
            Relation::Value { .. } | Relation::Opaque { .. } => Resolved::Unbound,
        };
    }
    let found = scope.relations.iter().find_map(|relation| match relation {
        Relation::Source {
            written,
            source,
            schema,
            visible,
            ..
        } if match visible {
            // A CTE's pass-through field is its column even where no event has it.
            Some(_) => shown(visible, &root.value),
            None => lookup(schema.fields(), &root.value).is_some(),
        } =>
        {
            Some(Binding::Column {
                base: written.clone(),
                source,
                schema,
                path: texts(path),
            })
        }
        Relation::Object {
            base,
            source,
            schema,
            path: prefix,
            ..
        } if matches!(field_at(schema, prefix), Some(FieldType::Record(fields)) if lookup(fields, &root.value).is_some()) => {
            Some(Binding::Column {
                base: base.clone(),
                source,
                schema,
                path: prefix.iter().cloned().chain(texts(path)).collect(),
            })
        }
        Relation::Element {
            written,
            element: element @ FieldType::Record(fields),
            ..
        } if lookup(fields, &root.value).is_some() => Some(Binding::Element {
            alias: written.clone(),
            element,
            path: texts(path),
        }),
        _ => None,
    });
    if let Some(binding) = found {
        return Resolved::Bound(binding);
    }
    // Self-hosted events lack most platform fields that Studio's queries name: in a scope where
    // every column is known, an unknown name is a field no event has.
    let plain = matches!(root.quote_style, None | Some('`'));
    let output = path.len() == 1 && scope.outputs.contains(&root.value.to_lowercase());
    if plain && !output && scope.closed() {
        Resolved::Missing
    } else {
        Resolved::Unbound
    }
}

/// The field at a canonical path of `schema`.
fn field_at<'f>(schema: &'f Schema, path: &[String]) -> Option<&'f FieldType> {
    let (root, rest) = path.split_first()?;
    rest.iter()
        .try_fold(schema.fields().get(root)?, |field, key| match field {
            FieldType::Record(fields) => fields.get(key),
            _ => None,
        })
}

/// A walk down the schema along a bound path and its accessors: the steps taken (with the
/// schema's spelling of each key) and the type reached.
pub(crate) struct Walk<'f> {
    shown: String,
    pub(crate) steps: Vec<Step>,
    pub(crate) field: &'f FieldType,
}

impl<'f> Walk<'f> {
    /// Steps into field `key`; `None` when no event has it (the value is NULL).
    fn key(mut self, key: &str) -> Result<Option<Self>, TranslateError> {
        let next = match self.field {
            FieldType::Record(fields) => lookup(fields, key),
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
        Ok(next.map(|(name, field)| {
            self.shown = format!("{}.{name}", self.shown);
            self.steps.push(Step::Key(name.clone()));
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

    /// The keys of a walk that indexed no array.
    pub(crate) fn keys(&self) -> Option<Vec<String>> {
        self.steps.iter().map(|step| step.key().map(str::to_owned)).collect()
    }
}

/// Walks a bound path and its accessors (`[0]`, `.field`) through the schema; `None` when no
/// event has what they reach.
pub(crate) fn walk<'s, 'a: 's>(
    binding: &Binding<'s, 'a>,
    chain: &[AccessExpr],
) -> Result<Option<Walk<'s>>, TranslateError> {
    let (path, start) = match binding {
        Binding::Column { schema, path, .. } => {
            let Some((root, rest)) = path.split_first() else {
                return Ok(None);
            };
            let Some((name, field)) = lookup(schema.fields(), root) else {
                return Ok(None);
            };
            let walk = Walk {
                shown: name.clone(),
                steps: vec![Step::Key(name.clone())],
                field,
            };
            (rest, walk)
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
            None => return Ok(None),
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
            None => return Ok(None),
        }
    }
    Ok(Some(walk))
}

/// The parts of a column path expression (`metadata`, `m.request`), if it is one.
pub(crate) fn path_of(expr: &Expr) -> Option<Vec<Ident>> {
    match expr {
        Expr::Identifier(ident) if !ident.value.starts_with('@') => Some(vec![ident.clone()]),
        Expr::CompoundIdentifier(parts) => Some(parts.clone()),
        Expr::Nested(inner) => path_of(inner),
        _ => None,
    }
}

/// What a path, or a field access chain, reaches: `Some(None)` when it is a field no event
/// has, `Some(Some(field))` for a known field, `None` when it is not a known field's path.
fn reached<'s>(scope: &'s Scope<'_>, expr: &Expr) -> Option<Option<&'s FieldType>> {
    let (root, chain): (&Expr, &[AccessExpr]) = match expr {
        Expr::CompoundFieldAccess { root, access_chain } => (root, access_chain),
        other => (other, &[]),
    };
    match resolve(scope, &path_of(root)?) {
        Resolved::Bound(binding) => walk(&binding, chain).ok().map(|walk| walk.map(|walk| walk.field)),
        Resolved::Missing => Some(None),
        Resolved::Unbound => None,
    }
}

/// Whether `expr` is a path that no event has (so it will be written as NULL).
pub(crate) fn is_missing(scope: &Scope<'_>, expr: &Expr) -> bool {
    matches!(reached(scope, expr), Some(None))
}

/// The BigQuery type of `expr` where it can be told before the engine sees it: literals,
/// casts, parameters (bound as STRING), known fields, common functions.
pub(crate) fn type_of(scope: &Scope<'_>, expr: &Expr) -> Option<Scalar> {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(_) | Value::DoubleQuotedString(_) => Some(Scalar::String),
            Value::Number(text, _) if text.contains(['.', 'e', 'E']) => Some(Scalar::Float64),
            Value::Number(..) => Some(Scalar::Int64),
            Value::Boolean(_) => Some(Scalar::Bool),
            _ => None,
        },
        Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => type_of(scope, inner),
        Expr::Cast { data_type, .. } => Scalar::of_data_type(data_type).or(Some(Scalar::String)),
        Expr::TypedString(typed) => Scalar::of_data_type(&typed.data_type),
        Expr::Identifier(ident) if ident.value.starts_with('@') => Some(Scalar::String),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::CompoundFieldAccess { .. } => {
            Scalar::of_field(reached(scope, expr)??)
        }
        Expr::Function(function) => {
            let name = object_name_text(&function.name).to_ascii_uppercase();
            match name.as_str() {
                "TIMESTAMP" | "TIMESTAMP_SUB" | "TIMESTAMP_ADD" | "TIMESTAMP_TRUNC" | "PARSE_TIMESTAMP"
                | "CURRENT_TIMESTAMP" | "TIMESTAMP_MICROS" | "TIMESTAMP_MILLIS" | "TIMESTAMP_SECONDS" => {
                    Some(Scalar::Timestamp)
                }
                "DATETIME" | "DATETIME_SUB" | "DATETIME_ADD" | "DATETIME_TRUNC" | "PARSE_DATETIME" => {
                    Some(Scalar::Datetime)
                }
                "DATE" | "CURRENT_DATE" | "DATE_TRUNC" | "DATE_SUB" | "DATE_ADD" | "PARSE_DATE" => Some(Scalar::Date),
                "COUNT" | "COUNTIF" | "LENGTH" | "CHAR_LENGTH" | "STRPOS" | "EXTRACT" => Some(Scalar::Int64),
                "LOWER" | "UPPER" | "CONCAT" | "JSON_VALUE" | "FORMAT_TIMESTAMP" | "SUBSTR" | "TRIM" | "REPLACE"
                | "REGEXP_EXTRACT" => Some(Scalar::String),
                _ => None,
            }
        }
        _ => None,
    }
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

/// The top-level fields a plain SELECT (no grouping or DISTINCT) passes through of one source
/// row by their own names, with each one's projection index.
pub(crate) fn passthrough<'a>(
    select: &sqlparser::ast::Select,
    scope: &Scope<'a>,
) -> Option<(Exposed<'a>, String, Vec<usize>)> {
    if select.distinct.is_some() || !matches!(&select.group_by, GroupByExpr::Expressions(exprs, _) if exprs.is_empty())
    {
        return None;
    }
    let mut found: Option<(Exposed<'a>, String, Vec<usize>)> = None;
    for (index, item) in select.projection.iter().enumerate() {
        let (expr, name) = match item {
            SelectItem::UnnamedExpr(expr) => (expr, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(&alias.value)),
            _ => continue,
        };
        let Some(path) = path_of(expr) else { continue };
        let Resolved::Bound(Binding::Column {
            base, source, schema, ..
        }) = resolve(scope, &path)
        else {
            continue;
        };
        // Only a source row's own top-level field, under its own name.
        let row = scope.relations.iter().find_map(|relation| match relation {
            Relation::Source { alias, written, .. } if *written == base => Some(alias),
            _ => None,
        });
        let Some(row) = row else { continue };
        let Some(last) = path.last() else { continue };
        let qualified = path.len() == 2 && path[0].value.eq_ignore_ascii_case(row);
        if !(path.len() == 1 || qualified) {
            continue;
        }
        let root = lookup(schema.fields(), &last.value).map_or_else(|| last.value.clone(), |(key, _)| key.clone());
        if !name.unwrap_or(&last.value).eq_ignore_ascii_case(&root) {
            continue;
        }
        let (exposed, found_base, items) = found.get_or_insert_with(|| {
            (
                Exposed {
                    source,
                    schema,
                    roots: Vec::new(),
                    complete: false,
                },
                base.clone(),
                Vec::new(),
            )
        });
        if *found_base != base {
            return None;
        }
        exposed.roots.push(root);
        items.push(index);
    }
    if let Some((exposed, _, items)) = &mut found {
        exposed.complete = items.len() == select.projection.len();
    }
    found
}
