//! The BigQuery target: the query stays BigQuery SQL, with three changes.
//!
//! - A source name becomes its table id (`` `project.dataset.table` ``), aliased by the name
//!   the query used, so qualified references keep working.
//! - A path that no event of the source has is NULL, as on every other backend. BigQuery
//!   itself would refuse the query (`Unrecognized name`), so the same query would give rows on
//!   the embedded store and an error here; a field appears in a table only once an event had it.
//! - A path that steps through an object (`metadata.status`) reads the object's only element
//!   (`metadata[SAFE_OFFSET(0)].status`): BigQuery stores every object as a one-element
//!   REPEATED RECORD, and the other backends read such a path through it.
//!
//! Parameters stay `@name` and are bound by name. Names are resolved by scope as in the
//! other targets: each SELECT's FROM clause holds source rows (whose fields are known), the
//! records an UNNEST yields, and opaque relations (subqueries, CTEs that compute columns),
//! whose columns are left to BigQuery.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use cinder_core::FieldType;
use sqlparser::ast::{
    AccessExpr, BinaryOperator, DataType, Expr, GroupByExpr, Ident, ObjectName, ObjectNamePart, OrderByKind, Query,
    Select, SelectItem, SetExpr, Subscript, TableAlias, TableFactor, TableWithJoins, Value, Visit, VisitMut, Visitor,
    VisitorMut,
};

use crate::error::TranslateError;
use crate::rewrite::null;
use crate::validate::object_name_text;
use crate::Sources;

type Fields = BTreeMap<String, FieldType>;

/// The fields of a record no event has.
static NO_FIELDS: Fields = BTreeMap::new();

/// Date parts, which BigQuery reads as bare names in function arguments (`HOUR` in
/// `TIMESTAMP_TRUNC(timestamp, HOUR)`): never a column.
const DATE_PARTS: &[&str] = &[
    "MICROSECOND",
    "MILLISECOND",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "DAYOFWEEK",
    "DAYOFYEAR",
    "WEEK",
    "ISOWEEK",
    "MONTH",
    "QUARTER",
    "YEAR",
    "ISOYEAR",
    "DATE",
    "TIME",
    "DATETIME",
];

/// Rewrites `query` in place for BigQuery and returns its parameter names, each once.
pub(crate) fn rewrite(query: &mut Query, sources: &Sources) -> Result<Vec<String>, TranslateError> {
    rewrite_query(query, &Scope::default(), &[], sources, false)?;
    Ok(parameters(query))
}

/// The names of the `@parameters` a query uses, in order of first use.
fn parameters(query: &Query) -> Vec<String> {
    struct Collect(Vec<String>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Identifier(ident) = expr {
                if let Some(name) = ident.value.strip_prefix('@') {
                    if !self.0.iter().any(|known| known == name) {
                        self.0.push(name.to_owned());
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut collect = Collect(Vec::new());
    let _ = query.visit(&mut collect);
    collect.0
}

/// One relation of a FROM clause.
#[derive(Clone)]
enum Relation<'a> {
    /// A source's rows, or a CTE that passes some of a source's top-level fields through.
    Row {
        alias: String,
        fields: &'a Fields,
        /// The fields the CTE passes on (`None`: all of them).
        visible: Option<Vec<String>>,
        /// Whether these are all its columns (a CTE may compute others besides).
        complete: bool,
    },
    /// The element of an UNNEST of an object or of an array of objects: a STRUCT. `renamed`
    /// is the alias written in its place when the query's alias is also a column's name
    /// (`CROSS JOIN UNNEST(metadata) AS metadata`): BigQuery reads the name as the UNNEST's,
    /// other engines (the emulator) call it ambiguous.
    Record {
        alias: String,
        fields: &'a Fields,
        renamed: Option<String>,
    },
    /// A relation whose columns' types are not known: a subquery, a CTE that computes its
    /// columns, the scalar elements of an UNNEST. A CTE's column names are known.
    Opaque { alias: String, columns: Vec<Ident> },
}

impl Relation<'_> {
    fn alias(&self) -> &str {
        match self {
            Relation::Row { alias, .. } | Relation::Record { alias, .. } | Relation::Opaque { alias, .. } => alias,
        }
    }
}

/// What a CTE passes on of a source, when its columns are a source's fields.
#[derive(Clone)]
struct Exposed<'a> {
    fields: &'a Fields,
    visible: Vec<String>,
    complete: bool,
}

#[derive(Clone)]
struct Cte<'a> {
    name: String,
    exposes: Option<Exposed<'a>>,
    /// Its column names, in order (empty when one is unnamed).
    columns: Vec<Ident>,
}

/// The relations visible to an expression, innermost first.
#[derive(Clone, Default)]
struct Scope<'a> {
    relations: Vec<Relation<'a>>,
    /// The explicit aliases of the innermost SELECT's columns, where GROUP BY, HAVING and
    /// ORDER BY may name them.
    outputs: Vec<String>,
}

impl Scope<'_> {
    /// Whether every column in scope is known, so a name found nowhere is a missing field.
    fn closed(&self) -> bool {
        !self.relations.is_empty()
            && self.relations.iter().all(|relation| match relation {
                Relation::Row { complete, .. } => *complete,
                Relation::Record { .. } => true,
                Relation::Opaque { .. } => false,
            })
    }
}

/// What a path names.
enum Resolved<'a> {
    /// A field: `path[root..]` walks `fields`, below `qualifier` when given (in place of
    /// `path[..root]`). A bare name of an UNNEST's record is qualified by the UNNEST's alias
    /// (BigQuery reads it either way; emulators want it).
    Field {
        fields: &'a Fields,
        root: usize,
        qualifier: Option<String>,
    },
    /// A field no event has.
    Missing,
    /// An UNNEST's record by its alias, written under another name.
    Renamed(String),
    /// Something BigQuery resolves: a relation itself, a column of an opaque relation, an
    /// output alias.
    Other,
}

/// The field of `fields` named `name`; BigQuery's column names ignore case.
fn lookup<'f>(fields: &'f Fields, name: &str) -> Option<&'f FieldType> {
    fields.get(name).or_else(|| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, field)| field)
    })
}

fn resolve<'a>(scope: &Scope<'a>, path: &[Ident]) -> Resolved<'a> {
    let first = &path[0].value;
    if let Some(relation) = scope
        .relations
        .iter()
        .find(|relation| relation.alias().eq_ignore_ascii_case(first))
    {
        return match relation {
            Relation::Row {
                fields,
                visible,
                complete,
                ..
            } if path.len() > 1 => {
                let shown = visible
                    .as_ref()
                    .is_none_or(|visible| visible.iter().any(|name| name.eq_ignore_ascii_case(&path[1].value)));
                match (shown, complete) {
                    (true, _) => Resolved::Field {
                        fields,
                        root: 1,
                        qualifier: None,
                    },
                    (false, true) => Resolved::Missing,
                    (false, false) => Resolved::Other,
                }
            }
            Relation::Record { fields, renamed, .. } if path.len() > 1 => Resolved::Field {
                fields,
                root: 1,
                qualifier: renamed.clone(),
            },
            Relation::Record {
                renamed: Some(renamed), ..
            } => Resolved::Renamed(renamed.clone()),
            _ => Resolved::Other,
        };
    }
    for relation in &scope.relations {
        match relation {
            Relation::Row { fields, visible, .. }
                if lookup(fields, first).is_some()
                    && visible
                        .as_ref()
                        .is_none_or(|visible| visible.iter().any(|name| name.eq_ignore_ascii_case(first))) =>
            {
                return Resolved::Field {
                    fields,
                    root: 0,
                    qualifier: None,
                };
            }
            Relation::Record { fields, alias, renamed } if lookup(fields, first).is_some() => {
                return Resolved::Field {
                    fields,
                    root: 0,
                    qualifier: Some(renamed.clone().unwrap_or_else(|| alias.clone())),
                };
            }
            _ => {}
        }
    }
    let output = scope.outputs.iter().any(|name| name.eq_ignore_ascii_case(first));
    if scope.closed() && !output {
        Resolved::Missing
    } else {
        Resolved::Other
    }
}

/// A path to a field, as BigQuery reads it.
enum Access<'a> {
    /// The field exists: its type, and the expression (rewritten when it steps through objects).
    Field {
        field: &'a FieldType,
        expr: Option<Box<Expr>>,
    },
    /// No event has it.
    Missing,
    /// It steps into an array or a scalar: left for BigQuery to judge.
    Invalid,
}

/// Walks `path[root..]` through `fields`, reading the only element of every object stepped
/// through.
fn access<'a>(
    path: &[Ident],
    root: usize,
    fields: &'a Fields,
    qualifier: Option<&str>,
) -> Result<Access<'a>, TranslateError> {
    let mut current = fields;
    let mut text: Vec<String> = match qualifier {
        Some(qualifier) => vec![Ident::with_quote('`', qualifier).to_string()],
        None => path[..root].iter().map(ToString::to_string).collect(),
    };
    // Rewritten when a qualifier is added or an object stepped through.
    let mut rewritten = qualifier.is_some();
    let steps = &path[root..];
    for (index, ident) in steps.iter().enumerate() {
        let Some(field) = lookup(current, &ident.value) else {
            return Ok(Access::Missing);
        };
        text.push(ident.to_string());
        if index + 1 == steps.len() {
            let expr = if rewritten {
                Some(Box::new(parse_expr(&text.join("."))?))
            } else {
                None
            };
            return Ok(Access::Field { field, expr });
        }
        match field {
            FieldType::Record(inner) => {
                rewritten = true;
                if let Some(last) = text.last_mut() {
                    last.push_str("[SAFE_OFFSET(0)]");
                }
                current = inner;
            }
            _ => return Ok(Access::Invalid),
        }
    }
    Ok(Access::Invalid)
}

/// The JSON extractors over text answer NULL for text that is not JSON on every backend (gotrue
/// writes plain-text lines beside its JSON lines); BigQuery's `SAFE.` prefix makes sure of it
/// there, whatever the function does with malformed input.
fn safe_json_function(function: &mut sqlparser::ast::Function) {
    const EXTRACTORS: &[&str] = &["json_value", "json_query", "json_extract", "json_extract_scalar"];
    if let [ObjectNamePart::Identifier(name)] = function.name.0.as_slice() {
        if EXTRACTORS.contains(&name.value.to_lowercase().as_str()) {
            function.name = ObjectName(vec![
                ObjectNamePart::Identifier(Ident::new("SAFE")),
                ObjectNamePart::Identifier(name.clone()),
            ]);
        }
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

/// `CAST(NULL AS type)`.
fn typed_null(type_name: &str) -> Result<Expr, TranslateError> {
    parse_expr(&format!("CAST(NULL AS {type_name})"))
}

/// BigQuery's name of the scalar type a field holds; `None` for records and arrays.
fn field_type_name(field: &FieldType) -> Option<&'static str> {
    Some(match field {
        FieldType::String => "STRING",
        FieldType::Integer => "INT64",
        FieldType::Float => "FLOAT64",
        FieldType::Boolean => "BOOL",
        FieldType::Timestamp => "TIMESTAMP",
        FieldType::Record(_) | FieldType::Array(_) => return None,
    })
}

/// BigQuery's name of a cast's target type.
fn scalar_type_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int64 | DataType::Int(_) | DataType::Integer(_) | DataType::BigInt(_) => "INT64",
        DataType::Float64 | DataType::Float(_) | DataType::Double(_) | DataType::DoublePrecision => "FLOAT64",
        DataType::Bool | DataType::Boolean => "BOOL",
        DataType::Timestamp(..) => "TIMESTAMP",
        DataType::Datetime(_) => "DATETIME",
        DataType::Date => "DATE",
        DataType::Numeric(_) | DataType::Decimal(_) => "NUMERIC",
        DataType::BigNumeric(_) | DataType::BigDecimal(_) => "BIGNUMERIC",
        _ => "STRING",
    }
}

fn parse_expr(text: &str) -> Result<Expr, TranslateError> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::BigQueryDialect {})
        .try_with_sql(text)
        .and_then(|mut parser| parser.parse_expr())
        .map_err(|_| TranslateError::Unsupported(format!("`{text}` cannot be written for BigQuery")))
}

fn path_of(expr: &Expr) -> Option<Vec<Ident>> {
    match expr {
        Expr::Identifier(ident) if !ident.value.starts_with('@') => Some(vec![ident.clone()]),
        Expr::CompoundIdentifier(parts) => Some(parts.clone()),
        _ => None,
    }
}

fn rewrite_query<'a>(
    query: &mut Query,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    sources: &'a Sources,
    cte: bool,
) -> Result<Option<Exposed<'a>>, TranslateError> {
    let mut visible = ctes.to_vec();
    if let Some(with) = &mut query.with {
        for cte in &mut with.cte_tables {
            let exposes = rewrite_query(&mut cte.query, outer, &visible, sources, true)?;
            let columns = if cte.alias.columns.is_empty() {
                crate::rewrite::output_names(&cte.query.body)
            } else {
                cte.alias.columns.iter().map(|column| column.name.clone()).collect()
            };
            visible.push(Cte {
                name: cte.alias.name.value.clone(),
                exposes: exposes.filter(|_| cte.alias.columns.is_empty()),
                columns,
            });
        }
    }
    if let (Some(order_by), SetExpr::Select(select)) = (&mut query.order_by, &*query.body) {
        if let OrderByKind::Expressions(items) = &mut order_by.kind {
            for item in items.iter_mut() {
                crate::rewrite::output_ordinal(&mut item.expr, &select.projection);
            }
        }
    }
    let (scope, exposes) = rewrite_body(&mut query.body, outer, &visible, sources, cte)?;
    rewrite_order_and_limit(query, &scope.unwrap_or_else(|| outer.clone()), &visible, sources)?;
    Ok(exposes)
}

fn rewrite_order_and_limit<'a>(
    query: &mut Query,
    scope: &Scope<'a>,
    ctes: &[Cte<'a>],
    sources: &'a Sources,
) -> Result<(), TranslateError> {
    let mut rewriter = Expressions::new(scope, ctes, sources);
    if let Some(order_by) = &mut query.order_by {
        if let OrderByKind::Expressions(items) = &mut order_by.kind {
            for item in items {
                rewriter.run(&mut item.expr)?;
            }
        }
    }
    if let Some(limit) = &mut query.limit_clause {
        rewriter.run(limit)?;
    }
    Ok(())
}

/// Rewrites a query body; returns the scope its ORDER BY sees (for one SELECT) and what it
/// passes through of a source (for a CTE's SELECT).
fn rewrite_body<'a>(
    body: &mut SetExpr,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    sources: &'a Sources,
    cte: bool,
) -> Result<(Option<Scope<'a>>, Option<Exposed<'a>>), TranslateError> {
    match body {
        SetExpr::Select(select) => {
            rewrite_select(select, outer, ctes, sources, cte).map(|(scope, exposed)| (Some(scope), exposed))
        }
        SetExpr::Query(query) => rewrite_query(query, outer, ctes, sources, cte).map(|exposes| (None, exposes)),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_body(left, outer, ctes, sources, false)?;
            rewrite_body(right, outer, ctes, sources, false)?;
            Ok((None, None))
        }
        other => Err(TranslateError::Unsupported(format!("query body `{other}`"))),
    }
}

fn rewrite_select<'a>(
    select: &mut Select,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    sources: &'a Sources,
    cte: bool,
) -> Result<(Scope<'a>, Option<Exposed<'a>>), TranslateError> {
    let mut scope = outer.clone();
    scope.outputs.clear();
    let mut inner = 0;
    for table in &mut select.from {
        add_from(table, &mut scope, &mut inner, outer, ctes, sources)?;
    }
    let exposed = if cte { passthrough(select, &scope) } else { None };
    let mut rewriter = Expressions::new(&scope, ctes, sources);
    for item in &mut select.projection {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                // A path is named by its last part; keep that name when the path is rewritten.
                let name = path_of(expr).and_then(|path| path.last().cloned());
                rewriter.run(expr)?;
                if let (Some(name), None) = (name, path_of(expr)) {
                    let expr = std::mem::replace(expr, null());
                    *item = SelectItem::ExprWithAlias { expr, alias: name };
                }
            }
            SelectItem::ExprWithAlias { expr, .. } => rewriter.run(expr)?,
            other => rewriter.run(other)?,
        }
    }
    if let Some(selection) = &mut select.selection {
        rewriter.run(selection)?;
    }
    scope.outputs = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            _ => None,
        })
        .collect();
    let mut rewriter = Expressions::new(&scope, ctes, sources);
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        for expr in exprs {
            // `timestamp_trunc(timestamp, hour) as timestamp ... group by timestamp` groups by
            // the output column in BigQuery; its position says so to any engine.
            crate::rewrite::output_ordinal(expr, &select.projection);
            rewriter.run(expr)?;
        }
    }
    if let Some(having) = &mut select.having {
        rewriter.run(having)?;
    }
    if let Some(qualify) = &mut select.qualify {
        rewriter.run(qualify)?;
    }
    for window in &mut select.named_window {
        rewriter.run(window)?;
    }
    Ok((scope, exposed))
}

/// Adds one FROM item and its joins to the scope, rewriting source names and UNNESTs.
fn add_from<'a>(
    table: &mut TableWithJoins,
    scope: &mut Scope<'a>,
    inner: &mut usize,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    sources: &'a Sources,
) -> Result<(), TranslateError> {
    add_relation(&mut table.relation, scope, inner, outer, ctes, sources)?;
    for join in &mut table.joins {
        add_relation(&mut join.relation, scope, inner, outer, ctes, sources)?;
        Expressions::new(scope, ctes, sources).run(&mut join.join_operator)?;
    }
    Ok(())
}

fn add_relation<'a>(
    factor: &mut TableFactor,
    scope: &mut Scope<'a>,
    inner: &mut usize,
    outer: &Scope<'a>,
    ctes: &[Cte<'a>],
    sources: &'a Sources,
) -> Result<(), TranslateError> {
    let relation = match factor {
        TableFactor::Table { name, alias, .. } => {
            let text = object_name_text(name);
            let alias_name = alias
                .as_ref()
                .map_or_else(|| text.clone(), |alias| alias.name.value.clone());
            if let Some(cte) = ctes.iter().rev().find(|cte| cte.name == text) {
                match &cte.exposes {
                    Some(exposed) => Relation::Row {
                        alias: alias_name,
                        fields: exposed.fields,
                        visible: Some(exposed.visible.clone()),
                        complete: exposed.complete,
                    },
                    None => Relation::Opaque {
                        alias: alias_name,
                        columns: cte.columns.clone(),
                    },
                }
            } else {
                let source = sources
                    .get(&text)
                    .ok_or_else(|| TranslateError::UnknownSource(text.clone()))?;
                *name = ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote('`', &source.table))]);
                *alias = Some(TableAlias {
                    explicit: true,
                    name: Ident::with_quote('`', &alias_name),
                    columns: Vec::new(),
                    at: None,
                });
                Relation::Row {
                    alias: alias_name,
                    // Only the fields the table has: BigQuery refuses a name it does not know.
                    fields: source.columns.fields(),
                    visible: None,
                    complete: true,
                }
            }
        }
        TableFactor::Derived { subquery, alias, .. } => {
            rewrite_query(subquery, outer, ctes, sources, false)?;
            Relation::Opaque {
                alias: alias.as_ref().map(|alias| alias.name.value.clone()).unwrap_or_default(),
                columns: Vec::new(),
            }
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } => {
            add_from(table_with_joins, scope, inner, outer, ctes, sources)?;
            match alias {
                Some(alias) => Relation::Opaque {
                    alias: alias.name.value.clone(),
                    columns: Vec::new(),
                },
                None => return Ok(()),
            }
        }
        TableFactor::UNNEST {
            alias: table_alias,
            array_exprs,
            ..
        } => {
            let alias = table_alias
                .as_ref()
                .map(|alias| alias.name.value.clone())
                .unwrap_or_default();
            let shadows_a_column = scope.relations.iter().any(|relation| match relation {
                Relation::Row { fields, .. } => lookup(fields, &alias).is_some(),
                _ => false,
            });
            let renamed = match table_alias {
                Some(table_alias) if shadows_a_column => {
                    let renamed = format!("{alias}__unnested");
                    table_alias.name = Ident::with_quote('`', &renamed);
                    Some(renamed)
                }
                _ => None,
            };
            match array_exprs.as_mut_slice() {
                [argument] => unnest(argument, alias, renamed, scope, ctes, sources)?,
                arguments => {
                    let mut rewriter = Expressions::new(scope, ctes, sources);
                    for argument in arguments {
                        rewriter.run(argument)?;
                    }
                    Relation::Opaque {
                        alias,
                        columns: Vec::new(),
                    }
                }
            }
        }
        other => {
            Expressions::new(scope, ctes, sources).run(other)?;
            return Ok(());
        }
    };
    scope.relations.insert(*inner, relation);
    *inner += 1;
    Ok(())
}

/// The relation `UNNEST(argument) AS alias` adds; rewrites the argument as BigQuery reads it.
fn unnest<'a>(
    argument: &mut Expr,
    alias: String,
    renamed: Option<String>,
    scope: &Scope<'a>,
    ctes: &[Cte<'a>],
    sources: &'a Sources,
) -> Result<Relation<'a>, TranslateError> {
    let resolved = match path_of(argument) {
        Some(path) => match resolve(scope, &path) {
            Resolved::Field {
                fields,
                root,
                qualifier,
            } => Some(access(&path, root, fields, qualifier.as_deref())?),
            Resolved::Missing => Some(Access::Missing),
            Resolved::Renamed(_) | Resolved::Other => None,
        },
        None => None,
    };
    Ok(match resolved {
        Some(Access::Field { field, expr }) => {
            if let Some(expr) = expr {
                *argument = *expr;
            }
            match field {
                FieldType::Record(fields) => Relation::Record { alias, fields, renamed },
                FieldType::Array(element) => match element.as_ref() {
                    FieldType::Record(fields) => Relation::Record { alias, fields, renamed },
                    _ => Relation::Opaque {
                        alias,
                        columns: Vec::new(),
                    },
                },
                _ => Relation::Opaque {
                    alias,
                    columns: Vec::new(),
                },
            }
        }
        Some(Access::Missing) => {
            // No event has it: an empty array, so CROSS JOIN drops the row, LEFT JOIN keeps it.
            *argument = parse_expr("[]")?;
            Relation::Record {
                alias,
                fields: &NO_FIELDS,
                renamed,
            }
        }
        Some(Access::Invalid) | None => {
            Expressions::new(scope, ctes, sources).run(argument)?;
            Relation::Opaque {
                alias,
                columns: Vec::new(),
            }
        }
    })
}

/// The source fields a CTE's SELECT passes on by their own names, when it reads one source
/// row and does not group.
fn passthrough<'a>(select: &Select, scope: &Scope<'a>) -> Option<Exposed<'a>> {
    if select.distinct.is_some() || !matches!(&select.group_by, GroupByExpr::Expressions(exprs, _) if exprs.is_empty())
    {
        return None;
    }
    let mut found: Option<Exposed<'a>> = None;
    let mut passed = 0;
    for item in &select.projection {
        let (expr, name) = match item {
            SelectItem::UnnamedExpr(expr) => (expr, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(&alias.value)),
            _ => continue,
        };
        let Some(path) = path_of(expr) else { continue };
        let Resolved::Field { fields, root, .. } = resolve(scope, &path) else {
            continue;
        };
        // Only a top-level field of a source row, under its own name.
        if path.len() != root + 1 || name.is_some_and(|name| !name.eq_ignore_ascii_case(&path[root].value)) {
            continue;
        }
        let from_row = scope
            .relations
            .iter()
            .any(|relation| matches!(relation, Relation::Row { fields: row, .. } if std::ptr::eq(*row, fields)));
        if !from_row {
            continue;
        }
        let exposed = found.get_or_insert_with(|| Exposed {
            fields,
            visible: Vec::new(),
            complete: false,
        });
        if !std::ptr::eq(exposed.fields, fields) {
            return None;
        }
        exposed.visible.push(path[root].value.clone());
        passed += 1;
    }
    if let Some(exposed) = &mut found {
        exposed.complete = passed == select.projection.len();
    }
    found
}

/// Rewrites the expressions of one clause: paths, and the queries nested in them.
struct Expressions<'s, 'a> {
    scope: &'s Scope<'a>,
    ctes: &'s [Cte<'a>],
    sources: &'a Sources,
    /// Nested queries entered (rewritten on entry, so skipped by the walk).
    depth: usize,
    /// Expressions entered whose inside is already BigQuery's (a rewritten path, a field
    /// access chain).
    skipping: usize,
    error: Option<TranslateError>,
}

impl<'s, 'a> Expressions<'s, 'a> {
    fn new(scope: &'s Scope<'a>, ctes: &'s [Cte<'a>], sources: &'a Sources) -> Self {
        Self {
            scope,
            ctes,
            sources,
            depth: 0,
            skipping: 0,
            error: None,
        }
    }

    fn run<T: VisitMut>(&mut self, node: &mut T) -> Result<(), TranslateError> {
        let _ = node.visit(self);
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// What a field access chain (`metadata[0].parsed[0].command_tag`) reaches: `Some(None)`
    /// when a key on the way is one no event has, `Some(Some(field))` for a known field, `None`
    /// when it cannot be told (the root is not a known field, or the chain is not plain
    /// subscripts and keys).
    fn chain_field(&self, root: &Expr, chain: &[AccessExpr]) -> Option<Option<&'a FieldType>> {
        let path = path_of(root)?;
        let Resolved::Field {
            fields,
            root: start,
            qualifier,
        } = resolve(self.scope, &path)
        else {
            return matches!(resolve(self.scope, &path), Resolved::Missing).then_some(None);
        };
        let mut field = match access(&path, start, fields, qualifier.as_deref()).ok()? {
            Access::Field { field, .. } => field,
            Access::Missing => return Some(None),
            Access::Invalid => return None,
        };
        for step in chain {
            field = match (step, field) {
                // An object is a one-element array; an array's element is read by position.
                (AccessExpr::Subscript(Subscript::Index { .. }), FieldType::Record(_)) => field,
                (AccessExpr::Subscript(Subscript::Index { .. }), FieldType::Array(element)) => element,
                (AccessExpr::Dot(Expr::Identifier(key)), FieldType::Record(fields)) => match lookup(fields, &key.value)
                {
                    Some(next) => next,
                    None => return Some(None),
                },
                _ => return None,
            };
        }
        Some(Some(field))
    }

    /// Whether `expr` is a path that no event has (so it will be written as NULL).
    fn is_missing(&self, expr: &Expr) -> Result<bool, TranslateError> {
        if let Expr::CompoundFieldAccess { root, access_chain } = expr {
            return Ok(matches!(self.chain_field(root, access_chain), Some(None)));
        }
        let Some(path) = path_of(expr) else {
            return Ok(false);
        };
        Ok(match resolve(self.scope, &path) {
            Resolved::Missing => true,
            Resolved::Field {
                fields,
                root,
                qualifier,
            } => matches!(access(&path, root, fields, qualifier.as_deref())?, Access::Missing),
            Resolved::Renamed(_) | Resolved::Other => false,
        })
    }

    /// The BigQuery type of `expr` where it can be told before BigQuery sees it: literals,
    /// casts, parameters (bound as STRING), paths of known fields.
    fn type_of(&self, expr: &Expr) -> Option<&'static str> {
        match expr {
            Expr::Value(value) => match &value.value {
                Value::SingleQuotedString(_) | Value::DoubleQuotedString(_) => Some("STRING"),
                Value::Number(text, _) if text.contains(['.', 'e', 'E']) => Some("FLOAT64"),
                Value::Number(..) => Some("INT64"),
                Value::Boolean(_) => Some("BOOL"),
                _ => None,
            },
            Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => self.type_of(inner),
            Expr::CompoundFieldAccess { root, access_chain } => field_type_name(self.chain_field(root, access_chain)??),
            Expr::Cast { data_type, .. } => Some(scalar_type_name(data_type)),
            Expr::TypedString(typed) => Some(scalar_type_name(&typed.data_type)),
            Expr::Identifier(ident) if ident.value.starts_with('@') => Some("STRING"),
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                let path = path_of(expr)?;
                let Resolved::Field {
                    fields,
                    root,
                    qualifier,
                } = resolve(self.scope, &path)
                else {
                    return None;
                };
                match access(&path, root, fields, qualifier.as_deref()).ok()? {
                    Access::Field { field, .. } => field_type_name(field),
                    Access::Missing | Access::Invalid => None,
                }
            }
            Expr::Function(function) => {
                let name = object_name_text(&function.name).to_ascii_uppercase();
                match name.as_str() {
                    "TIMESTAMP" | "TIMESTAMP_SUB" | "TIMESTAMP_ADD" | "TIMESTAMP_TRUNC" | "PARSE_TIMESTAMP"
                    | "CURRENT_TIMESTAMP" | "TIMESTAMP_MICROS" | "TIMESTAMP_MILLIS" | "TIMESTAMP_SECONDS" => {
                        Some("TIMESTAMP")
                    }
                    "DATETIME" | "DATETIME_SUB" | "DATETIME_ADD" | "DATETIME_TRUNC" | "PARSE_DATETIME" => {
                        Some("DATETIME")
                    }
                    "DATE" | "CURRENT_DATE" | "DATE_TRUNC" | "DATE_SUB" | "DATE_ADD" | "PARSE_DATE" => Some("DATE"),
                    "COUNT" | "COUNTIF" | "LENGTH" | "CHAR_LENGTH" | "STRPOS" | "EXTRACT" => Some("INT64"),
                    "LOWER" | "UPPER" | "CONCAT" | "JSON_VALUE" | "FORMAT_TIMESTAMP" | "SUBSTR" | "TRIM"
                    | "REPLACE" | "REGEXP_EXTRACT" => Some("STRING"),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// BigQuery refuses a literal NULL as an operand of a comparison (`Operands of = cannot be
    /// literal NULL`): a missing path compared with something is written as a NULL of the type
    /// the comparison needs, that of its other operand (STRING when that cannot be told).
    fn type_missing_operands(&mut self, expr: &mut Expr) -> Result<(), TranslateError> {
        match expr {
            Expr::BinaryOp { left, op, right } if is_comparison(op) => {
                let (left_missing, right_missing) = (self.is_missing(left)?, self.is_missing(right)?);
                let left_type = self.type_of(left);
                let right_type = self.type_of(right);
                if left_missing {
                    **left = typed_null(right_type.unwrap_or("STRING"))?;
                }
                if right_missing {
                    **right = typed_null(left_type.unwrap_or("STRING"))?;
                }
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
                for operand in [value, pattern] {
                    if self.is_missing(operand)? {
                        **operand = typed_null("STRING")?;
                    }
                }
            }
            Expr::InList { expr: value, list, .. } => {
                let element = list.iter().find_map(|item| self.type_of(item));
                if self.is_missing(value)? {
                    **value = typed_null(element.unwrap_or("STRING"))?;
                }
                let value_type = self.type_of(value).or(element).unwrap_or("STRING");
                for item in list.iter_mut() {
                    if self.is_missing(item)? {
                        *item = typed_null(value_type)?;
                    }
                }
            }
            Expr::Between {
                expr: value, low, high, ..
            } => {
                let bound = self.type_of(low).or_else(|| self.type_of(high));
                let value_type = self.type_of(value);
                if self.is_missing(value)? {
                    **value = typed_null(bound.unwrap_or("STRING"))?;
                }
                for end in [low, high] {
                    if self.is_missing(end)? {
                        **end = typed_null(value_type.or(bound).unwrap_or("STRING"))?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Rewrites one expression on the way down; returns whether its inside is done.
    fn enter(&mut self, expr: &mut Expr) -> Result<bool, TranslateError> {
        self.type_missing_operands(expr)?;
        if let Expr::Function(function) = expr {
            safe_json_function(function);
        }
        match expr {
            Expr::Identifier(ident)
                if ident.quote_style.is_none() && DATE_PARTS.contains(&ident.value.to_ascii_uppercase().as_str()) =>
            {
                Ok(true)
            }
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                let Some(path) = path_of(expr) else {
                    return Ok(true);
                };
                match resolve(self.scope, &path) {
                    Resolved::Field {
                        fields,
                        root,
                        qualifier,
                    } => match access(&path, root, fields, qualifier.as_deref())? {
                        Access::Field {
                            expr: Some(rewritten), ..
                        } => *expr = *rewritten,
                        Access::Missing => *expr = null(),
                        Access::Field { expr: None, .. } | Access::Invalid => {}
                    },
                    Resolved::Missing => *expr = null(),
                    Resolved::Renamed(name) => *expr = Expr::Identifier(Ident::with_quote('`', name)),
                    Resolved::Other => {}
                }
                Ok(true)
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                // `dates[0]`: a CTE's row read by position, as Logflare's seeded queries do;
                // BigQuery reads it as the column, and so does every engine by its name.
                if let (Expr::Identifier(name), [AccessExpr::Subscript(Subscript::Index { index })]) =
                    (root.as_ref(), access_chain.as_slice())
                {
                    let column = self.scope.relations.iter().find_map(|relation| match relation {
                        Relation::Opaque { alias, columns } if alias.eq_ignore_ascii_case(&name.value) => {
                            let position: usize = index.to_string().parse().ok()?;
                            columns.get(position).cloned()
                        }
                        _ => None,
                    });
                    if let Some(column) = column {
                        *expr = Expr::CompoundIdentifier(vec![name.clone(), column]);
                        return Ok(true);
                    }
                }
                // A key no event has, on the way or at the end: NULL, as for a path.
                if let Some(None) = self.chain_field(root, access_chain) {
                    *expr = null();
                    return Ok(true);
                }
                // `metadata[OFFSET(0)].status`: the root is a path of this scope; the
                // chain is BigQuery's to read.
                self.run(root.as_mut())?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl VisitorMut for Expressions<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if self.depth == 0 && self.skipping == 0 {
            if let Err(error) = rewrite_query(query, self.scope, self.ctes, self.sources, false) {
                self.error = Some(error);
                return ControlFlow::Break(());
            }
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if self.depth > 0 || self.skipping > 0 {
            self.skipping += usize::from(self.skipping > 0);
            return ControlFlow::Continue(());
        }
        match self.enter(expr) {
            Ok(true) => self.skipping = 1,
            Ok(false) => {}
            Err(error) => {
                self.error = Some(error);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _expr: &mut Expr) -> ControlFlow<()> {
        self.skipping = self.skipping.saturating_sub(1);
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::sources;
    use crate::{translate, Target};

    fn bigquery(sql: &str) -> String {
        let mut sources = sources(&["logs", "other"]);
        for (name, table) in sources.iter_mut() {
            table.table = format!("proj.1_prod.{name}_tbl");
        }
        translate(sql, Target::BigQuery, &sources).unwrap().sql
    }

    #[test]
    fn sources_become_table_ids_and_parameters_stay_named() {
        let translated = translate(
            "select id from logs where project = @project and event_message like @project",
            Target::BigQuery,
            &sources(&["logs"]),
        )
        .unwrap();
        assert_eq!(
            translated.sql,
            "SELECT id FROM `log_events_0` AS `logs` WHERE project = @project AND event_message LIKE @project"
        );
        assert_eq!(translated.params, ["project"]);
    }

    #[test]
    fn missing_paths_are_null_and_objects_are_read_through() {
        assert_eq!(
            bigquery("select metadata.status, metadata.request.path as p, metadata.nope, function_id from logs"),
            "SELECT metadata[SAFE_OFFSET(0)].status AS status, metadata[SAFE_OFFSET(0)].request[SAFE_OFFSET(0)].path AS p, \
             NULL AS nope, NULL AS function_id FROM `proj.1_prod.logs_tbl` AS `logs`"
        );
    }

    #[test]
    fn a_missing_path_compared_is_a_null_of_the_other_operands_type() {
        // BigQuery refuses `NULL = 'x'` ("Operands of = cannot be literal NULL").
        assert_eq!(
            bigquery(
                "select id from logs where function_id = 'f' or metadata.nope > 3 or metadata.gone >= metadata.status \
                 or metadata.x like 'a%' or metadata.y in (1.5, 2) or metadata.z between @a and @b or nope = @p \
                 or metadata.w is null"
            ),
            "SELECT id FROM `proj.1_prod.logs_tbl` AS `logs` WHERE CAST(NULL AS STRING) = 'f' OR CAST(NULL AS INT64) > 3 \
             OR CAST(NULL AS INT64) >= metadata[SAFE_OFFSET(0)].status OR CAST(NULL AS STRING) LIKE 'a%' \
             OR CAST(NULL AS FLOAT64) IN (1.5, 2) OR CAST(NULL AS STRING) BETWEEN @a AND @b \
             OR CAST(NULL AS STRING) = @p OR NULL IS NULL"
        );
    }

    #[test]
    fn a_key_no_event_has_in_a_subscript_chain_is_null() {
        assert_eq!(
            bigquery(
                "select metadata[0].request[0].nope as a, metadata[0].request[0].path as b from logs \
                 where metadata[0].request[0].nope in ('x')"
            ),
            "SELECT NULL AS a, metadata[0].request[0].path AS b FROM `proj.1_prod.logs_tbl` AS `logs` \
             WHERE CAST(NULL AS STRING) IN ('x')"
        );
    }

    #[test]
    fn only_the_fields_the_table_has_are_named() {
        // An event with `metadata.extra` is acknowledged, its table not patched yet.
        let mut sources = sources(&["logs"]);
        let table = sources.get_mut("logs").unwrap();
        let mut wider = cinder_core::Schema::clone(&table.schema);
        let mut event = cinder_core::LogEvent {
            id: "2".into(),
            timestamp: 0,
            event_message: None,
            body: serde_json::json!({"metadata": {"extra": 1}})
                .as_object()
                .unwrap()
                .clone(),
        };
        wider.apply(std::slice::from_mut(&mut event)).unwrap();
        table.schema = std::sync::Arc::new(wider);
        let translated = translate("select metadata.extra from logs", Target::BigQuery, &sources).unwrap();
        assert_eq!(translated.sql, "SELECT NULL AS extra FROM `log_events_0` AS `logs`");
    }

    #[test]
    fn unnest_keeps_records_and_an_unknown_object_is_empty() {
        assert_eq!(
            bigquery(
                "select r.path, r.nope, x.y from logs cross join unnest(metadata) as m cross join unnest(m.request) as r \
                 left join unnest(metadata.missing) as x on true"
            ),
            "SELECT r.path, NULL AS nope, NULL AS y FROM `proj.1_prod.logs_tbl` AS `logs` CROSS JOIN UNNEST(metadata) AS m \
             CROSS JOIN UNNEST(m.request) AS r LEFT JOIN UNNEST([]) AS x ON true"
        );
    }

    #[test]
    fn an_unnest_alias_that_shadows_a_column_is_renamed() {
        assert_eq!(
            bigquery("select metadata.status, t.metadata from logs as t cross join unnest(metadata) as metadata"),
            "SELECT `metadata__unnested`.status, t.metadata FROM `proj.1_prod.logs_tbl` AS `t` \
             CROSS JOIN UNNEST(metadata) AS `metadata__unnested`"
        );
    }

    #[test]
    fn ctes_that_pass_fields_through_keep_their_schema() {
        assert_eq!(
            bigquery(
                "with edge as (select t.id, t.metadata from logs as t) \
                 select id, r.method, t2.other from edge cross join unnest(metadata) as m cross join unnest(m.request) as r, \
                 (select 1 as other) as t2 order by id"
            ),
            "WITH edge AS (SELECT t.id, t.metadata FROM `proj.1_prod.logs_tbl` AS `t`) SELECT id, r.method, t2.other \
             FROM edge CROSS JOIN UNNEST(metadata) AS m CROSS JOIN UNNEST(m.request) AS r, (SELECT 1 AS other) AS t2 ORDER BY id"
        );
    }

    #[test]
    fn date_parts_aliases_and_subqueries_are_left_alone() {
        assert_eq!(
            bigquery(
                "select timestamp_trunc(timestamp, hour) as hour_bucket, count(*) as n from logs \
                 where id in (select id from other where metadata.status > 1) group by hour_bucket order by n"
            ),
            "SELECT timestamp_trunc(timestamp, hour) AS hour_bucket, count(*) AS n FROM `proj.1_prod.logs_tbl` AS `logs` \
             WHERE id IN (SELECT id FROM `proj.1_prod.other_tbl` AS `other` WHERE metadata[SAFE_OFFSET(0)].status > 1) \
             GROUP BY 1 ORDER BY 2"
        );
    }
}
