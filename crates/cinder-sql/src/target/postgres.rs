//! PostgreSQL in Logflare's layout: one table per source with `id text`, `timestamp timestamp`
//! (UTC), `event_message text` and the whole event in `body jsonb`. Every other path is read
//! from `body`, with a check of its JSON type so a value of another type reads as NULL instead
//! of failing the query.

use cinder_core::{FieldType, Schema};

use sqlparser::ast::Expr;

use crate::calls;
use crate::error::TranslateError;

use super::{
    format_pieces, literal, quoted, FormatPiece, Layout, Scalar, Spelling, Step, Target, BOOL_PATTERN, FLOAT_PATTERN,
    INTEGER_PATTERN, TIMESTAMP_PATTERN,
};

pub(crate) struct Postgres;

/// The top-level fields that are columns of their own.
const COLUMNS: [&str; 3] = ["id", "timestamp", "event_message"];
const BODY: &str = "body";

/// `'{a,0,b}'`
fn json_path(steps: &[Step]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|step| match step {
            Step::Key(key) => key.clone(),
            Step::Index(index) => index.to_string(),
        })
        .collect();
    literal(&format!("{{{}}}", parts.join(",")))
}

fn matching(text: &str, pattern: &str, then: String) -> String {
    format!("CASE WHEN {text} ~ {} THEN {then} END", literal(pattern))
}

fn body(row: &str) -> String {
    format!("{}.{}", quoted(row), quoted(BODY))
}

impl Layout for Postgres {
    fn stored(&self, row: &str, _columns: &Schema, path: &[String], field: &FieldType) -> String {
        match path {
            [root] if COLUMNS.contains(&root.as_str()) => format!("{}.{}", quoted(row), quoted(root)),
            _ => {
                let steps: Vec<Step> = path.iter().cloned().map(Step::Key).collect();
                self.indexed(row, &steps, field)
            }
        }
    }

    fn indexed(&self, row: &str, steps: &[Step], field: &FieldType) -> String {
        self.json_value(&body(row), steps, field)
    }

    fn present(&self, row: &str, _columns: &Schema, path: &[String]) -> String {
        let steps: Vec<Step> = path.iter().cloned().map(Step::Key).collect();
        format!("jsonb_typeof({} #> {}) = 'object'", body(row), json_path(&steps))
    }

    fn element(&self, alias: &str, steps: &[Step], field: &FieldType) -> String {
        self.json_value(&format!("{}.\"value\"", quoted(alias)), steps, field)
    }

    fn unnest(&self, array: &str, alias: &str) -> String {
        format!(
            "LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof({array}) = 'array' THEN {array} END) AS {} (\"value\")",
            quoted(alias)
        )
    }

    fn carriers(&self, _schema: &Schema, _columns: &Schema, root: &str) -> Option<Vec<String>> {
        (!COLUMNS.contains(&root)).then(Vec::new)
    }

    fn document(&self) -> Option<&'static str> {
        Some(BODY)
    }

    fn type_name(&self, scalar: Scalar) -> &'static str {
        match scalar {
            Scalar::Int64 => "bigint",
            Scalar::Float64 => "double precision",
            Scalar::Numeric => "numeric",
            Scalar::String => "text",
            Scalar::Bool => "boolean",
            Scalar::Timestamp | Scalar::Datetime => "timestamp",
            Scalar::Date => "date",
        }
    }

    fn expression(&self, expr: &mut Expr, target: Target) -> Result<(), TranslateError> {
        calls::expression(expr, target, self)
    }

    fn spelling(&self) -> Option<&dyn Spelling> {
        Some(self)
    }
}

impl Spelling for Postgres {
    fn json_value(&self, json: &str, steps: &[Step], field: &FieldType) -> String {
        let path = json_path(steps);
        let text = format!("({json} #>> {path})");
        match field {
            FieldType::Record(_) | FieldType::Array(_) => format!("({json} #> {path})"),
            FieldType::String => text,
            FieldType::Integer => matching(&text, INTEGER_PATTERN, format!("CAST({text} AS bigint)")),
            FieldType::Float => matching(&text, FLOAT_PATTERN, format!("CAST({text} AS double precision)")),
            FieldType::Boolean => {
                format!("CASE WHEN jsonb_typeof({json} #> {path}) = 'boolean' THEN CAST({text} AS boolean) END")
            }
            FieldType::Timestamp => matching(&text, TIMESTAMP_PATTERN, format!("CAST({text} AS timestamp)")),
        }
    }

    fn json(&self, value: &str) -> String {
        // `cinder_try_jsonb` (created by the Postgres backend's migrations) answers NULL for a
        // text that is not JSON, where a cast would fail the whole query.
        format!("cinder_try_jsonb(CAST({value} AS text))")
    }

    fn json_scalar(&self, json: &str, steps: &[Step]) -> String {
        let path = json_path(steps);
        format!("CASE WHEN jsonb_typeof({json} #> {path}) NOT IN ('object', 'array') THEN {json} #>> {path} END")
    }

    fn json_scalar_array(&self, json: &str, steps: &[Step]) -> String {
        let value = format!("({json} #> {})", json_path(steps));
        format!(
            "CASE WHEN jsonb_typeof({value}) = 'array' THEN ARRAY(SELECT element FROM jsonb_array_elements_text({value}) WITH ORDINALITY AS elements(element, position) ORDER BY position) END"
        )
    }

    fn safe_cast(&self, value: &str, scalar: Scalar) -> String {
        let text = format!("CAST({value} AS text)");
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
        format!("regexp_replace(to_char({timestamp}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '\\.000000$', '')")
    }

    fn parse_timestamp(&self, format: &str, text: &str) -> Option<String> {
        let mut spelled = String::new();
        let mut literal_run = String::new();
        let flush = |spelled: &mut String, run: &mut String| {
            if !run.is_empty() {
                spelled.push('"');
                spelled.push_str(&run.replace('"', "\\\""));
                spelled.push('"');
                run.clear();
            }
        };
        for piece in format_pieces(format)? {
            match piece {
                FormatPiece::Element((_, _, postgres)) => {
                    flush(&mut spelled, &mut literal_run);
                    spelled.push_str(postgres);
                }
                FormatPiece::Literal(c) => literal_run.push(c),
            }
        }
        flush(&mut spelled, &mut literal_run);
        // to_timestamp reads the text in the session's zone; Cinder's sessions run in UTC.
        Some(format!(
            "(to_timestamp({text}, {}) AT TIME ZONE 'UTC')",
            literal(&spelled)
        ))
    }

    fn quantile(&self, value: &str, fraction: &str) -> String {
        format!("percentile_disc({fraction}) WITHIN GROUP (ORDER BY {value})")
    }

    fn divide(&self, numerator: &str, denominator: &str) -> String {
        format!("CAST({numerator} AS double precision) / {denominator}")
    }

    fn regexp_contains(&self, text: &str, pattern: &str) -> String {
        format!("({text} ~ {pattern})")
    }

    fn round(&self, value: &str, digits: &str) -> String {
        // Postgres rounds double precision half to even; numeric rounds away from zero.
        format!("CAST(round(CAST({value} AS numeric), {digits}) AS double precision)")
    }

    fn trunc(&self, value: &str, digits: &str) -> String {
        format!("CAST(trunc(CAST({value} AS numeric), {digits}) AS double precision)")
    }

    fn div(&self, numerator: &str, denominator: &str) -> String {
        format!("CAST(div(CAST({numerator} AS numeric), CAST({denominator} AS numeric)) AS bigint)")
    }

    fn micros(&self, timestamp: &str) -> String {
        format!("CAST(floor(extract(epoch FROM {timestamp}) * 1000000) AS bigint)")
    }

    fn timestamp_at_micros(&self, micros: &str) -> String {
        format!("(TIMESTAMP '1970-01-01 00:00:00' + CAST({micros} AS bigint) * INTERVAL '1 microsecond')")
    }

    fn named_arrays(&self) -> bool {
        true
    }

    fn series(&self, start: &str, stop: &str, step: &str) -> String {
        format!("ARRAY(SELECT generate_series({start}, {stop}, {step}))")
    }

    fn date_series(&self, start: &str, stop: &str, step: &str) -> String {
        format!(
            "ARRAY(SELECT CAST(generate_series(CAST({start} AS timestamp), CAST({stop} AS timestamp), {step}) AS date))"
        )
    }

    fn regexp_extract(&self, text: &str, pattern: &str, _group: bool) -> String {
        // regexp_match answers the groups, or the whole match when there are none.
        format!("(regexp_match({text}, {pattern}))[1]")
    }

    fn split(&self, text: &str, delimiter: &str) -> String {
        // string_to_array splits '' into no pieces, and into characters on a NULL delimiter.
        format!("CASE WHEN {text} = '' THEN ARRAY[''] ELSE string_to_array({text}, NULLIF({delimiter}, '')) END")
    }

    fn array_length(&self, array: &str) -> String {
        format!("cardinality({array})")
    }

    fn format_element(&self, element: &str, timestamp: &str) -> Option<String> {
        let to_char = |pattern: &str| format!("to_char({timestamp}, '{pattern}')");
        Some(match element {
            "%Y" => to_char("YYYY"),
            "%m" => to_char("MM"),
            "%d" => to_char("DD"),
            "%H" => to_char("HH24"),
            "%I" => to_char("HH12"),
            "%M" => to_char("MI"),
            "%S" => to_char("SS"),
            "%p" => to_char("AM"),
            "%P" => to_char("am"),
            "%j" => to_char("DDD"),
            "%a" => to_char("Dy"),
            "%A" => to_char("FMDay"),
            "%b" => to_char("Mon"),
            "%B" => to_char("FMMonth"),
            "%y" => to_char("YY"),
            "%e" => format!("lpad({}, 2, ' ')", to_char("FMDD")),
            "%k" => format!("lpad({}, 2, ' ')", to_char("FMHH24")),
            "%l" => format!("lpad({}, 2, ' ')", to_char("FMHH12")),
            "%u" => to_char("ID"),
            "%w" => format!("CAST(CAST({} AS int) - 1 AS text)", to_char("D")),
            "%V" => to_char("IW"),
            "%G" => to_char("IYYY"),
            "%Q" => to_char("Q"),
            "%C" => to_char("CC"),
            "%s" => format!("CAST(CAST(floor(extract(epoch FROM {timestamp})) AS bigint) AS text)"),
            _ => return super::seconds_with_fraction(element, &to_char("SS"), &to_char("US")),
        })
    }
}
