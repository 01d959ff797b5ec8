//! The engines Cinder emits SQL for, one file each.
//!
//! The resolver (`resolve.rs`, driven by `rewrite/`) decides *what* a name means (a stored
//! path, an array element, an object's presence, a field no event has) once for every engine;
//! an engine's [`Layout`] says how that is written for it, and its [`Spelling`] how BigQuery's
//! functions are (BigQuery has its own). A new engine is one more file here.

mod bigquery;
mod embedded;
mod postgres;

use std::fmt;

use cinder_core::{FieldType, Schema};
use sqlparser::ast::{DataType, ExactNumberInfo, Expr, TableAlias, TableAliasColumnDef, TableFactor, TimezoneInfo};
use sqlparser::dialect::{Dialect, GenericDialect};

use crate::error::TranslateError;
use crate::SourceTable;

/// An engine that runs translated SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The embedded store (DuckDB): one typed column per schema path.
    Embedded,
    /// PostgreSQL, in Logflare's table layout (`body jsonb`).
    Postgres,
    /// BigQuery itself: near-identity, source names become table ids.
    BigQuery,
}

impl Target {
    /// Every target, for golden tests.
    pub const ALL: [Target; 3] = [Target::Embedded, Target::Postgres, Target::BigQuery];

    /// Returns the character that quotes identifiers: `"`, or `` ` `` for BigQuery.
    pub fn identifier_quote(self) -> char {
        match self {
            Target::BigQuery => '`',
            Target::Embedded | Target::Postgres => '"',
        }
    }

    /// Returns how a bound parameter is written: `$1` for the embedded store, `$1::text` for
    /// Postgres (every parameter is a string, as Logflare sends them), `@name` for BigQuery.
    pub fn placeholder(self, position: usize, name: &str) -> String {
        match self {
            Target::BigQuery => format!("@{name}"),
            Target::Embedded => format!("${position}"),
            Target::Postgres => format!("${position}::text"),
        }
    }

    /// How this engine stores events.
    pub(crate) fn layout(self) -> &'static dyn Layout {
        match self {
            Target::Embedded => &embedded::Embedded,
            Target::Postgres => &postgres::Postgres,
            Target::BigQuery => &bigquery::BigQuery,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Embedded => "embedded",
            Target::Postgres => "postgres",
            Target::BigQuery => "bigquery",
        })
    }
}

/// SQL for one target, with the names of its parameters in binding order (`$1` is
/// `params[0]`). Parameter values are always bound by the backend, never spliced in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSql {
    /// The SQL text.
    pub sql: String,
    /// Parameter names, without `@`, in binding order.
    pub params: Vec<String>,
}

/// One step of a path into an event: a field, or an element of an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(i64),
}

impl Step {
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Step::Key(key) => Some(key),
            Step::Index(_) => None,
        }
    }
}

/// A BigQuery scalar type that CAST and SAFE_CAST reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    Int64,
    Float64,
    Numeric,
    String,
    Bool,
    Timestamp,
    /// A civil date-time: stored as a timestamp, answered as BigQuery answers DATETIME.
    Datetime,
    Date,
}

impl Scalar {
    /// The scalar type of a cast's target type, if it is one CAST reaches.
    pub(crate) fn of_data_type(data_type: &DataType) -> Option<Scalar> {
        Some(match data_type {
            DataType::Int64 | DataType::BigInt(_) | DataType::Int(_) | DataType::Integer(_) | DataType::SmallInt(_) => {
                Scalar::Int64
            }
            DataType::Float64
            | DataType::Double(_)
            | DataType::DoublePrecision
            | DataType::Float(_)
            | DataType::Real => Scalar::Float64,
            DataType::Numeric(_) | DataType::Decimal(_) | DataType::BigNumeric(_) | DataType::BigDecimal(_) => {
                Scalar::Numeric
            }
            DataType::String(_) | DataType::Text | DataType::Varchar(_) => Scalar::String,
            DataType::Bool | DataType::Boolean => Scalar::Bool,
            DataType::Timestamp(..) => Scalar::Timestamp,
            DataType::Datetime(_) => Scalar::Datetime,
            DataType::Date => Scalar::Date,
            _ => return None,
        })
    }

    /// BigQuery's name of the type, as a cast's target (which every engine's walk writes).
    pub(crate) fn data_type(self) -> DataType {
        match self {
            Scalar::Int64 => DataType::Int64,
            Scalar::Float64 => DataType::Float64,
            Scalar::Numeric => DataType::Numeric(ExactNumberInfo::None),
            Scalar::String => DataType::String(None),
            Scalar::Bool => DataType::Bool,
            Scalar::Timestamp => DataType::Timestamp(None, TimezoneInfo::None),
            Scalar::Datetime => DataType::Datetime(None),
            Scalar::Date => DataType::Date,
        }
    }

    /// The scalar type a field of the schema holds; `None` for objects and arrays.
    pub(crate) fn of_field(field: &FieldType) -> Option<Scalar> {
        Some(match field {
            FieldType::String => Scalar::String,
            FieldType::Integer => Scalar::Int64,
            FieldType::Float => Scalar::Float64,
            FieldType::Boolean => Scalar::Bool,
            FieldType::Timestamp => Scalar::Timestamp,
            FieldType::Record(_) | FieldType::Array(_) => return None,
        })
    }
}

/// How one engine stores a source's events, and so how a name the resolver has bound is
/// written for it. Every method returns SQL text built from trusted parts: quoted identifiers,
/// schema keys (`[A-Za-z0-9_]`) and expressions already printed from the AST.
pub(crate) trait Layout: Sync {
    /// The schema that names of `source` bind against: every field acknowledged events had
    /// (engines that keep each event's document read the newest from it), or only those the
    /// table has columns for.
    fn schema<'s>(&self, source: &'s SourceTable) -> &'s Schema {
        &source.schema
    }

    /// Whether an object is stored as a one-element array (BigQuery's REPEATED RECORD), so that
    /// UNNEST of it is a join like any other. Elsewhere UNNEST of an object only names its path.
    fn objects_are_arrays(&self) -> bool {
        false
    }

    /// The alias a source's rows are written under, for the name the query gave them.
    fn alias(&self, name: &str) -> String {
        name.to_owned()
    }

    /// The value at `path` (a field every step of which the schema knows, none inside an
    /// array) of the source row named `row`: a typed value for a leaf, the object or array
    /// itself otherwise. `columns` is what the table has columns for (see
    /// [`SourceTable::columns`](crate::SourceTable::columns)).
    fn stored(&self, row: &str, columns: &Schema, path: &[String], field: &FieldType) -> String;

    /// The value at `steps` inside the event (steps may index arrays), read as `field`.
    fn indexed(&self, row: &str, steps: &[Step], field: &FieldType) -> String;

    /// A condition true exactly when the row holds an object at `path`.
    fn present(&self, row: &str, columns: &Schema, path: &[String]) -> String;

    /// The value at `steps` inside the current element of the UNNEST named `alias`, read as
    /// `field`; NULL when it is missing or of another type.
    fn element(&self, alias: &str, steps: &[Step], field: &FieldType) -> String;

    /// A FROM item with one row per element of the event's array `array`, named `alias` (see
    /// [`Layout::element`]).
    fn unnest(&self, array: &str, alias: &str) -> String;

    /// Names the single column of an UNNEST of an array the query builds after its alias,
    /// where the engine would name it otherwise.
    fn name_built_unnest(&self, alias: &mut TableAlias) {
        alias.columns = vec![TableAliasColumnDef {
            name: alias.name.clone(),
            data_type: None,
        }];
    }

    /// The physical columns that carry the top-level field `root` of `schema` through a CTE
    /// (beside the [`Layout::document`] column), or `None` when the field is a column of its
    /// own. `columns` is what the table has columns for.
    fn carriers(&self, schema: &Schema, columns: &Schema, root: &str) -> Option<Vec<String>>;

    /// The column holding each event's whole JSON document, if the engine keeps one.
    fn document(&self) -> Option<&'static str>;

    /// The engine's name for a BigQuery scalar type.
    fn type_name(&self, scalar: Scalar) -> &'static str;

    /// The dialect the SQL text built for this engine is parsed back in.
    fn dialect(&self) -> &'static dyn Dialect {
        &GenericDialect {}
    }

    /// Parses an expression built for this engine (see [`crate::rewrite::parse_built`]).
    fn parse(&self, text: &str) -> Result<Expr, TranslateError> {
        crate::rewrite::parse_built(self.dialect(), text, |parser| parser.parse_expr())
    }

    /// Parses a FROM item built for this engine.
    fn parse_table_factor(&self, text: &str) -> Result<TableFactor, TranslateError> {
        crate::rewrite::parse_built(self.dialect(), text, |parser| parser.parse_table_factor())
    }

    /// Writes one BigQuery expression whose names are already resolved and whose operands are
    /// already written for this engine: a function, a cast, an operator, a literal.
    fn expression(&self, expr: &mut Expr, target: Target) -> Result<(), TranslateError>;

    /// How the engine spells BigQuery's functions, or `None` for BigQuery itself.
    fn spelling(&self) -> Option<&dyn Spelling>;
}

/// How an engine other than BigQuery spells BigQuery's functions and operators (used by
/// `calls.rs`).
pub(crate) trait Spelling: Layout {
    /// The value at `steps` inside the JSON value `json` (an array element), read as `field`;
    /// NULL when it is missing or of another type.
    fn json_value(&self, json: &str, steps: &[Step], field: &FieldType) -> String;

    /// A value read as JSON: a JSON value stays, a text is parsed; a text that is not JSON is
    /// NULL, as BigQuery's JSON functions answer for it.
    fn json(&self, value: &str) -> String;

    /// The scalar at `steps` inside the JSON value `json`, as text; NULL for an object or an
    /// array (JSON_VALUE).
    fn json_scalar(&self, json: &str, steps: &[Step]) -> String;

    /// The scalars of the array at `steps` inside the JSON value `json`, as an array of text;
    /// NULL when there is no array there (JSON_VALUE_ARRAY).
    fn json_scalar_array(&self, json: &str, steps: &[Step]) -> String;

    /// `SAFE_CAST(value AS scalar)`: NULL where BigQuery's cast would fail.
    fn safe_cast(&self, value: &str, scalar: Scalar) -> String;

    /// A timestamp as BigQuery answers a DATETIME: `2026-06-01T09:00:00.123456`.
    fn datetime_text(&self, timestamp: &str) -> String;

    /// `PARSE_TIMESTAMP(format, text)` with BigQuery's format elements, or `None` when the format
    /// uses an element this engine cannot read.
    fn parse_timestamp(&self, format: &str, text: &str) -> Option<String>;

    /// The exact `fraction` quantile (0..1) of `value` over the group.
    fn quantile(&self, value: &str, fraction: &str) -> String;

    /// `numerator / denominator` as BigQuery divides: always in floating point.
    fn divide(&self, numerator: &str, denominator: &str) -> String;

    /// A regular-expression test with RE2-like semantics (a match anywhere).
    fn regexp_contains(&self, text: &str, pattern: &str) -> String;

    /// `ROUND(value, digits)` as BigQuery rounds: halfway cases away from zero, on FLOAT64 too,
    /// answering FLOAT64.
    fn round(&self, value: &str, digits: &str) -> String;

    /// `TRUNC(value, digits)`: towards zero, answering FLOAT64.
    fn trunc(&self, value: &str, digits: &str) -> String;

    /// `DIV(x, y)`: integer division truncating towards zero, answering INT64.
    fn div(&self, numerator: &str, denominator: &str) -> String;

    /// A timestamp as integer microseconds since the epoch (UNIX_MICROS).
    fn micros(&self, timestamp: &str) -> String;

    /// The timestamp `micros` microseconds after the epoch (an integer expression).
    fn timestamp_at_micros(&self, micros: &str) -> String;

    /// Whether an array literal is written `ARRAY[...]` (else `[...]`).
    fn named_arrays(&self) -> bool;

    /// The array `start, start + step, ...` up to `stop` (GENERATE_ARRAY,
    /// GENERATE_TIMESTAMP_ARRAY with an interval step).
    fn series(&self, start: &str, stop: &str, step: &str) -> String;

    /// The dates from `start` to `stop` by `step` (an interval), as an array of DATE
    /// (GENERATE_DATE_ARRAY).
    fn date_series(&self, start: &str, stop: &str, step: &str) -> String;

    /// `REGEXP_EXTRACT(text, pattern)`: the first match, or its capturing group when the
    /// pattern has one (`group`); NULL when nothing matches.
    fn regexp_extract(&self, text: &str, pattern: &str, group: bool) -> String;

    /// `SPLIT(text, delimiter)`: an array of the pieces; an empty text gives one empty piece,
    /// an empty delimiter splits into characters.
    fn split(&self, text: &str, delimiter: &str) -> String;

    /// The number of elements of an array the query built.
    fn array_length(&self, array: &str) -> String;

    /// The text one FORMAT_TIMESTAMP element (`%Y`, `%e`, `%E3S`, ...) gives for a UTC
    /// timestamp, or `None` when this engine cannot write it.
    fn format_element(&self, element: &str, timestamp: &str) -> Option<String>;
}

/// Quotes an identifier with double quotes.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A pattern that a text holding a whole integer (what BigQuery casts to INT64) matches.
pub(crate) const INTEGER_PATTERN: &str = "^[ \\t]*[-+]?[0-9]+[ \\t]*$";
/// A pattern that a text holding a decimal or scientific number matches.
pub(crate) const FLOAT_PATTERN: &str = "^[ \\t]*[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?[ \\t]*$";
/// A pattern that a date or timestamp text BigQuery reads matches.
pub(crate) const TIMESTAMP_PATTERN: &str =
    "^[ \\t]*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?)?[ \\t]*(Z|z|[-+][0-9]{2}(:?[0-9]{2})?| UTC)?[ \\t]*$";
/// A pattern for BigQuery's boolean texts.
pub(crate) const BOOL_PATTERN: &str = "^[ \\t]*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])[ \\t]*$";

/// The format elements of BigQuery's PARSE_TIMESTAMP that Cinder reads on every engine:
/// (BigQuery, DuckDB's strptime, Postgres' to_timestamp).
pub(crate) const FORMAT_ELEMENTS: &[(&str, &str, &str)] = &[
    ("%Y", "%Y", "YYYY"),
    ("%m", "%m", "MM"),
    ("%d", "%d", "DD"),
    ("%H", "%H", "HH24"),
    ("%M", "%M", "MI"),
    ("%S", "%S", "SS"),
    ("%E6S", "%S.%f", "SS.US"),
    ("%E3S", "%S.%g", "SS.MS"),
    ("%E*S", "%S.%f", "SS.US"),
    ("%Ez", "%z", "TZH:TZM"),
    ("%z", "%z", "TZHTZM"),
    ("%I", "%I", "HH12"),
    ("%p", "%p", "AM"),
    ("%y", "%y", "YY"),
    ("%D", "%m/%d/%y", "MM/DD/YY"),
    ("%R", "%H:%M", "HH24:MI"),
    ("%F", "%Y-%m-%d", "YYYY-MM-DD"),
    ("%T", "%H:%M:%S", "HH24:MI:SS"),
    ("%b", "%b", "Mon"),
    ("%h", "%b", "Mon"),
    ("%B", "%B", "FMMonth"),
    ("%j", "%j", "DDD"),
];

/// One piece of a PARSE_TIMESTAMP format.
pub(crate) enum FormatPiece {
    Element(&'static (&'static str, &'static str, &'static str)),
    Literal(char),
}

/// Splits a PARSE_TIMESTAMP format into elements and literal text; `None` on an element not in
/// [`FORMAT_ELEMENTS`].
pub(crate) fn format_pieces(format: &str) -> Option<Vec<FormatPiece>> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if let Some(tail) = rest.strip_prefix("%%") {
            out.push(FormatPiece::Literal('%'));
            rest = tail;
        } else if c == '%' {
            let element = FORMAT_ELEMENTS.iter().find(|(element, ..)| rest.starts_with(element))?;
            out.push(FormatPiece::Element(element));
            rest = &rest[element.0.len()..];
        } else {
            out.push(FormatPiece::Literal(c));
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

/// The elements of BigQuery's FORMAT_TIMESTAMP that stand for others
/// (<https://cloud.google.com/bigquery/docs/reference/standard-sql/format-elements#format_elements_date_time>).
pub(crate) const COMPOSITE_ELEMENTS: &[(&str, &str)] = &[
    ("%F", "%Y-%m-%d"),
    ("%T", "%H:%M:%S"),
    ("%D", "%m/%d/%y"),
    ("%R", "%H:%M"),
    ("%h", "%b"),
    ("%E4Y", "%Y"),
    ("%E*S", "%E6S"),
    ("%n", "\n"),
    ("%t", "\t"),
];

/// Splits a FORMAT_TIMESTAMP format into elements (`%Y`, `%E3S`, `%Ez`) and literal text, with
/// the composite elements expanded.
pub(crate) fn format_timestamp_pieces(format: &str) -> Vec<Result<String, char>> {
    let mut expanded = format.to_owned();
    for (composite, parts) in COMPOSITE_ELEMENTS {
        // `%%F` is a literal `%F`: protect escaped percents while expanding.
        expanded = expanded
            .replace("%%", "\u{0}")
            .replace(composite, parts)
            .replace("\u{0}", "%%");
    }
    let mut pieces = Vec::new();
    let mut chars = expanded.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            pieces.push(Err(c));
            continue;
        }
        match chars.next() {
            Some('%') => pieces.push(Err('%')),
            Some('E') => {
                let mut element = String::from("%E");
                while let Some(&next) = chars.peek() {
                    element.push(next);
                    chars.next();
                    if !next.is_ascii_digit() {
                        break;
                    }
                }
                pieces.push(Ok(element));
            }
            Some(code) => pieces.push(Ok(format!("%{code}"))),
            None => pieces.push(Err('%')),
        }
    }
    pieces
}

/// `%E<n>S`: seconds with `n` fractional digits (0 to 6; timestamps hold microseconds).
pub(crate) fn seconds_with_fraction(element: &str, seconds: &str, micros: &str) -> Option<String> {
    let digits: usize = element.strip_prefix("%E")?.strip_suffix('S')?.parse().ok()?;
    Some(match digits {
        0 => seconds.to_owned(),
        1..=6 => format!("({seconds} || '.' || substr({micros}, 1, {digits}))"),
        _ => format!("({seconds} || '.' || rpad({micros}, {digits}, '0'))"),
    })
}

/// A string literal.
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
