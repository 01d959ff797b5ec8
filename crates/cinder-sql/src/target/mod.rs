//! The engines Cinder emits SQL for, and how each stores a source's events.
//!
//! The rewrite in `rewrite.rs` decides *what* a name means (a stored path, an array element, an
//! object's presence); a [`Layout`] says how that reads on one engine. A new engine is one more
//! file here.

mod embedded;
mod postgres;

use std::fmt;

use cinder_core::{FieldType, Schema};

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

    /// How this engine stores events, or `None` for BigQuery (which stores them as they are).
    pub(crate) fn layout(self) -> Option<&'static dyn Layout> {
        match self {
            Target::Embedded => Some(&embedded::Embedded),
            Target::Postgres => Some(&postgres::Postgres),
            Target::BigQuery => None,
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

/// How one engine reads events and spells what differs between engines. Every method returns
/// SQL text built from trusted parts: quoted identifiers, schema keys (`[A-Za-z0-9_]`) and
/// expressions already printed from the AST.
pub(crate) trait Layout: Sync {
    /// The value at `path` (a field every step of which the schema knows, none inside an
    /// array) of the source row named `row`: a typed value for a leaf, JSON for an object or
    /// an array. `columns` is what the table has columns for (see
    /// [`SourceTable::columns`](crate::SourceTable::columns)).
    fn stored(&self, row: &str, columns: &Schema, path: &[String], field: &FieldType) -> String;

    /// The value at `steps` inside the event (steps may index arrays), read as `field`.
    fn indexed(&self, row: &str, steps: &[Step], field: &FieldType) -> String;

    /// A condition true exactly when the row holds an object at `path`.
    fn present(&self, row: &str, columns: &Schema, path: &[String]) -> String;

    /// The value at `steps` inside the JSON value `json` (an array element), read as `field`;
    /// NULL when it is missing or of another type.
    fn json_value(&self, json: &str, steps: &[Step], field: &FieldType) -> String;

    /// A value read as JSON: a JSON value stays, a text is parsed; a text that is not JSON is
    /// NULL, as BigQuery's JSON functions answer for it.
    fn json(&self, value: &str) -> String;

    /// The scalar at `steps` inside the JSON value `json`, as text; NULL for an object or an
    /// array (JSON_VALUE).
    fn json_scalar(&self, json: &str, steps: &[Step]) -> String;

    /// A FROM item with one row per element of the JSON array `array`, each element the JSON
    /// value in column `value` of `alias`.
    fn unnest(&self, array: &str, alias: &str) -> String;

    /// The physical columns that carry the top-level field `root` of `schema` through a CTE
    /// (beside the [`Layout::document`] column), or `None` when the field is a column of its
    /// own. `columns` is what the table has columns for.
    fn carriers(&self, schema: &Schema, columns: &Schema, root: &str) -> Option<Vec<String>>;

    /// The column holding each event's whole JSON document.
    fn document(&self) -> &'static str;

    /// The engine's name for a BigQuery scalar type.
    fn type_name(&self, scalar: Scalar) -> &'static str;

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
