//! The embedded engine (DuckDB): every scalar path not inside an array is a typed column named
//! by its dotted path, each object has a presence column, each array a JSON column, and
//! `__ROOT__` holds the whole event as JSON.

use cinder_core::{ColumnKind, FieldType, Schema, ROOT_COLUMN};

use sqlparser::ast::Expr;

use crate::calls;
use crate::error::TranslateError;

use super::{
    format_pieces, literal, quoted, FormatPiece, Layout, Scalar, Spelling, Step, Target, BOOL_PATTERN, FLOAT_PATTERN,
    INTEGER_PATTERN, TIMESTAMP_PATTERN,
};

pub(crate) struct Embedded;

fn column(row: &str, name: &str) -> String {
    format!("{}.{}", quoted(row), quoted(name))
}

/// `'$.a[0].b'`
fn json_path(steps: &[Step]) -> String {
    literal(&json_path_text(steps))
}

/// `$.a[0].b`
fn json_path_text(steps: &[Step]) -> String {
    let mut path = String::from("$");
    for step in steps {
        match step {
            Step::Key(key) => {
                path.push('.');
                path.push_str(key);
            }
            Step::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

fn matching(text: &str, pattern: &str, then: String) -> String {
    format!("CASE WHEN regexp_matches({text}, {}) THEN {then} END", literal(pattern))
}

impl Layout for Embedded {
    fn stored(&self, row: &str, columns: &Schema, path: &[String], field: &FieldType) -> String {
        let dotted = path.join(".");
        let kind = columns
            .columns()
            .iter()
            .find(|candidate| candidate.path == dotted)
            .map(|candidate| candidate.kind);
        match kind {
            // Objects are read whole from the event document; their column only tells presence.
            // A path the table has no column for yet is read from the document too.
            Some(ColumnKind::Present) | None => {
                let steps: Vec<Step> = path.iter().cloned().map(Step::Key).collect();
                self.indexed(row, &steps, field)
            }
            Some(_) => column(row, &dotted),
        }
    }

    fn indexed(&self, row: &str, steps: &[Step], field: &FieldType) -> String {
        self.json_value(&column(row, ROOT_COLUMN), steps, field)
    }

    fn present(&self, row: &str, columns: &Schema, path: &[String]) -> String {
        let dotted = path.join(".");
        if columns.columns().iter().any(|candidate| candidate.path == dotted) {
            format!("{} IS NOT NULL", column(row, &dotted))
        } else {
            let steps: Vec<Step> = path.iter().cloned().map(Step::Key).collect();
            format!(
                "coalesce(json_type({}, {}) = 'OBJECT', false)",
                column(row, ROOT_COLUMN),
                json_path(&steps)
            )
        }
    }

    fn element(&self, alias: &str, steps: &[Step], field: &FieldType) -> String {
        self.json_value(&format!("{}.\"value\"", quoted(alias)), steps, field)
    }

    fn unnest(&self, array: &str, alias: &str) -> String {
        format!("UNNEST(CAST({array} AS JSON[])) AS {} (\"value\")", quoted(alias))
    }

    fn carriers(&self, schema: &Schema, columns: &Schema, root: &str) -> Option<Vec<String>> {
        let record = matches!(schema.field(root), Some(FieldType::Record(_)));
        if !record && columns.columns().iter().any(|candidate| candidate.path == root) {
            return None;
        }
        // An object's columns (as many as the table has yet), or none for a field the table
        // has no column for yet: the document carries it.
        let prefix = format!("{root}.");
        Some(
            columns
                .columns()
                .iter()
                .filter(|candidate| candidate.path == root || candidate.path.starts_with(&prefix))
                .map(|candidate| candidate.path.clone())
                .collect(),
        )
    }

    fn document(&self) -> Option<&'static str> {
        Some(ROOT_COLUMN)
    }

    fn type_name(&self, scalar: Scalar) -> &'static str {
        match scalar {
            Scalar::Int64 => "BIGINT",
            Scalar::Float64 => "DOUBLE",
            Scalar::Numeric => "DECIMAL(38, 9)",
            Scalar::String => "VARCHAR",
            Scalar::Bool => "BOOLEAN",
            Scalar::Timestamp | Scalar::Datetime => "TIMESTAMP",
            Scalar::Date => "DATE",
        }
    }

    fn expression(&self, expr: &mut Expr, target: Target) -> Result<(), TranslateError> {
        calls::expression(expr, target, self)
    }

    fn spelling(&self) -> Option<&dyn Spelling> {
        Some(self)
    }
}

impl Spelling for Embedded {
    fn json_value(&self, json: &str, steps: &[Step], field: &FieldType) -> String {
        let path = json_path(steps);
        let text = format!("json_extract_string({json}, {path})");
        match field {
            FieldType::Record(_) | FieldType::Array(_) => format!("json_extract({json}, {path})"),
            FieldType::String => text,
            FieldType::Integer => matching(&text, INTEGER_PATTERN, format!("CAST({text} AS BIGINT)")),
            FieldType::Float => matching(&text, FLOAT_PATTERN, format!("CAST({text} AS DOUBLE)")),
            FieldType::Boolean => {
                format!("CASE WHEN json_type({json}, {path}) = 'BOOLEAN' THEN CAST({text} AS BOOLEAN) END")
            }
            FieldType::Timestamp => matching(&text, TIMESTAMP_PATTERN, format!("CAST({text} AS TIMESTAMP)")),
        }
    }

    fn json(&self, value: &str) -> String {
        format!("CASE WHEN json_valid({value}) THEN CAST({value} AS JSON) END")
    }

    fn json_scalar(&self, json: &str, steps: &[Step]) -> String {
        let path = json_path(steps);
        format!("CASE WHEN json_type({json}, {path}) NOT IN ('OBJECT', 'ARRAY') THEN json_extract_string({json}, {path}) END")
    }

    fn json_scalar_array(&self, json: &str, steps: &[Step]) -> String {
        let path = json_path(steps);
        let elements = literal(&format!("{}[*]", json_path_text(steps)));
        format!(
            "CAST(CASE WHEN json_type({json}, {path}) = 'ARRAY' THEN json_extract_string({json}, {elements}) END AS VARCHAR[])"
        )
    }

    fn safe_cast(&self, value: &str, scalar: Scalar) -> String {
        let text = format!("CAST({value} AS VARCHAR)");
        let cast = format!("CAST({text} AS {})", self.type_name(scalar));
        match scalar {
            Scalar::String => text,
            Scalar::Int64 => matching(&text, INTEGER_PATTERN, cast),
            Scalar::Float64 | Scalar::Numeric => matching(&text, FLOAT_PATTERN, cast),
            Scalar::Bool => matching(&text, BOOL_PATTERN, cast),
            Scalar::Timestamp | Scalar::Datetime | Scalar::Date => matching(&text, TIMESTAMP_PATTERN, cast),
        }
    }

    fn datetime_text(&self, timestamp: &str) -> String {
        format!("regexp_replace(strftime({timestamp}, '%Y-%m-%dT%H:%M:%S.%f'), '\\.000000$', '')")
    }

    fn parse_timestamp(&self, format: &str, text: &str) -> Option<String> {
        let mut spelled = String::new();
        for piece in format_pieces(format)? {
            match piece {
                FormatPiece::Element((_, duckdb, _)) => spelled.push_str(duckdb),
                FormatPiece::Literal('%') => spelled.push_str("%%"),
                FormatPiece::Literal(c) => spelled.push(c),
            }
        }
        let parsed = format!("strptime({text}, {})", literal(&spelled));
        // With an offset (`%z`) strptime answers a TIMESTAMPTZ: the same instant in UTC.
        Some(if spelled.contains("%z") {
            format!("CAST(({parsed}) AT TIME ZONE 'UTC' AS TIMESTAMP)")
        } else {
            parsed
        })
    }

    fn quantile(&self, value: &str, fraction: &str) -> String {
        format!("quantile_disc({value}, {fraction})")
    }

    fn divide(&self, numerator: &str, denominator: &str) -> String {
        // `/` is floating-point division on DuckDB, as on BigQuery.
        format!("{numerator} / {denominator}")
    }

    fn regexp_contains(&self, text: &str, pattern: &str) -> String {
        format!("regexp_matches({text}, {pattern})")
    }

    fn round(&self, value: &str, digits: &str) -> String {
        // DuckDB rounds halfway cases away from zero, on DOUBLE and DECIMAL alike.
        format!("CAST(round({value}, {digits}) AS DOUBLE)")
    }

    fn trunc(&self, value: &str, digits: &str) -> String {
        format!("CAST(trunc(CAST({value} AS DOUBLE) * pow(10, {digits})) / pow(10, {digits}) AS DOUBLE)")
    }

    fn div(&self, numerator: &str, denominator: &str) -> String {
        // `//` on integers truncates towards zero, as C does.
        format!("CAST(CAST({numerator} AS BIGINT) // CAST({denominator} AS BIGINT) AS BIGINT)")
    }

    fn micros(&self, timestamp: &str) -> String {
        format!("epoch_us({timestamp})")
    }

    fn timestamp_at_micros(&self, micros: &str) -> String {
        format!("make_timestamp(CAST({micros} AS BIGINT))")
    }

    fn named_arrays(&self) -> bool {
        false
    }

    fn series(&self, start: &str, stop: &str, step: &str) -> String {
        format!("generate_series({start}, {stop}, {step})")
    }

    fn date_series(&self, start: &str, stop: &str, step: &str) -> String {
        format!("CAST(generate_series(CAST({start} AS TIMESTAMP), CAST({stop} AS TIMESTAMP), {step}) AS DATE[])")
    }

    fn regexp_extract(&self, text: &str, pattern: &str, group: bool) -> String {
        // regexp_extract answers '' when nothing matches.
        let group = u8::from(group);
        format!("CASE WHEN regexp_matches({text}, {pattern}) THEN regexp_extract({text}, {pattern}, {group}) END")
    }

    fn split(&self, text: &str, delimiter: &str) -> String {
        format!("string_split({text}, {delimiter})")
    }

    fn array_length(&self, array: &str) -> String {
        format!("len({array})")
    }

    fn format_element(&self, element: &str, timestamp: &str) -> Option<String> {
        let strftime = |code: &str| format!("strftime({timestamp}, '{code}')");
        let padded = |code: &str, pad: char| format!("lpad(strftime({timestamp}, '{code}'), 2, '{pad}')");
        Some(match element {
            "%Y" | "%m" | "%d" | "%H" | "%I" | "%M" | "%S" | "%p" | "%j" | "%a" | "%A" | "%b" | "%B" | "%y" | "%w" => {
                strftime(element)
            }
            "%e" => padded("%-d", ' '),
            "%k" => padded("%-H", ' '),
            "%l" => padded("%-I", ' '),
            "%P" => format!("lower({})", strftime("%p")),
            "%u" => format!("CAST(isodow({timestamp}) AS VARCHAR)"),
            "%V" => format!("lpad(CAST(weekofyear({timestamp}) AS VARCHAR), 2, '0')"),
            "%G" => format!("CAST(isoyear({timestamp}) AS VARCHAR)"),
            "%Q" => format!("CAST(quarter({timestamp}) AS VARCHAR)"),
            "%C" => format!("lpad(CAST(year({timestamp}) // 100 AS VARCHAR), 2, '0')"),
            "%s" => format!("CAST(CAST(floor(epoch_us({timestamp}) / 1000000) AS BIGINT) AS VARCHAR)"),
            _ => return super::seconds_with_fraction(element, &strftime("%S"), &strftime("%f")),
        })
    }
}
