//! BigQuery functions, casts and intervals, rewritten with their BigQuery meaning for one
//! engine. Arguments arrive already rewritten (the walk is bottom-up).

use sqlparser::ast::{
    AccessExpr, BinaryOperator, CastKind, DataType, DateTimeField, DuplicateTreatment, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentClause, FunctionArguments, Interval, NullTreatment, ObjectName, ObjectNamePart,
    Select, SelectItem, Subscript, UnaryOperator, Value, ValueWithSpan,
};

use crate::error::TranslateError;
use crate::functions;
use crate::rewrite::parse_expr;
use crate::target::{literal, Scalar, Spelling, Step, Target};
use crate::validate::object_name_text;

/// Writes one BigQuery expression (names resolved, operands already written) for an engine
/// other than BigQuery.
pub(crate) fn expression(expr: &mut Expr, target: Target, spelling: &dyn Spelling) -> Result<(), TranslateError> {
    match expr {
        // The engines' strings hold backslashes as they are, as BigQuery's raw strings do.
        Expr::Value(ValueWithSpan {
            value:
                value @ (Value::DoubleQuotedString(_)
                | Value::SingleQuotedRawStringLiteral(_)
                | Value::DoubleQuotedRawStringLiteral(_)),
            ..
        }) => {
            if let Value::DoubleQuotedString(text)
            | Value::SingleQuotedRawStringLiteral(text)
            | Value::DoubleQuotedRawStringLiteral(text) = value
            {
                *value = Value::SingleQuotedString(std::mem::take(text));
            }
        }
        Expr::Function(function) => *expr = self::function(function, target, spelling)?,
        Expr::Cast {
            kind,
            expr: value,
            data_type,
            format,
        } => {
            if format.is_some() {
                return Err(TranslateError::Unsupported("CAST ... FORMAT".into()));
            }
            *expr = cast(kind, value, data_type, spelling)?;
        }
        Expr::Interval(value) => *expr = interval(value)?,
        Expr::Substring {
            expr: value,
            substring_from,
            substring_for,
            ..
        } => *expr = substring(value, substring_from.as_deref(), substring_for.as_deref())?,
        Expr::Array(array) => array.named = spelling.named_arrays(),
        Expr::Extract { field, expr: value, .. } => *expr = extract(field, value, spelling)?,
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Divide,
            right,
        } => *expr = parse_expr(&spelling.divide(&left.to_string(), &right.to_string()))?,
        _ => {}
    }
    Ok(())
}

/// Rewrites one function call for the engine.
pub(crate) fn function(function: &mut Function, target: Target, layout: &dyn Spelling) -> Result<Expr, TranslateError> {
    let name = object_name_text(&function.name).to_lowercase();
    if let Some(spelling) = functions::spelling(&name, target) {
        function.name = ObjectName(vec![ObjectNamePart::Identifier(sqlparser::ast::Ident::new(spelling))]);
        if matches!(name.as_str(), "sum" | "avg") {
            // A missing field is an untyped NULL, which Postgres cannot sum.
            type_null_arguments(function, layout.type_name(Scalar::Float64));
        }
        return Ok(Expr::Function(function.clone()));
    }
    let unsupported = |what: &str| TranslateError::Unsupported(format!("{}: {what}", name.to_uppercase()));
    if function.over.is_some() || function.filter.is_some() || !function.within_group.is_empty() {
        return Err(unsupported("with OVER, FILTER or WITHIN GROUP"));
    }
    if matches!(name.as_str(), "string_agg" | "array_agg") {
        return aggregate_into(function, &name).map_err(|what| unsupported(&what));
    }
    let args = arguments(function).map_err(|what| unsupported(&what))?;
    let arity = |counts: &[usize]| {
        if counts.contains(&args.len()) {
            Ok(())
        } else {
            Err(unsupported(&format!("takes {counts:?} arguments, not {}", args.len())))
        }
    };
    let text = match name.as_str() {
        "current_timestamp" => {
            arity(&[0])?;
            "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')".to_owned()
        }
        "countif" => {
            arity(&[1])?;
            format!("count(CASE WHEN {} THEN 1 END)", args[0])
        }
        "if" => {
            arity(&[3])?;
            format!("CASE WHEN {} THEN {} ELSE {} END", args[0], args[1], args[2])
        }
        "safe_divide" => {
            arity(&[2])?;
            layout.divide(&args[0], &format!("NULLIF({}, 0)", args[1]))
        }
        "timestamp_sub" | "datetime_sub" => {
            arity(&[2])?;
            format!("({} - {})", args[0], args[1])
        }
        "timestamp_add" | "datetime_add" => {
            arity(&[2])?;
            format!("({} + {})", args[0], args[1])
        }
        "timestamp_trunc" | "datetime_trunc" => {
            arity(&[2])?;
            timestamp_trunc(&args[0], &args[1]).map_err(|what| unsupported(&what))?
        }
        "timestamp" => {
            arity(&[1])?;
            format!("CAST({} AS {})", args[0], layout.type_name(Scalar::Timestamp))
        }
        "datetime" => {
            arity(&[1, 2])?;
            let timestamp = format!("CAST({} AS {})", args[0], layout.type_name(Scalar::Timestamp));
            local_time(timestamp, args.get(1)).map_err(|what| unsupported(&what))?
        }
        "parse_timestamp" => {
            arity(&[2])?;
            parse_with_format(&args[0], &args[1], layout).map_err(|what| unsupported(&what))?
        }
        "regexp_contains" => {
            arity(&[2])?;
            layout.regexp_contains(&args[0], &args[1])
        }
        "concat" => {
            if args.is_empty() {
                return Err(unsupported("takes at least one argument"));
            }
            // `||` is NULL when either side is, as CONCAT is in BigQuery (the engines' concat()
            // skips NULLs).
            format!("({})", args.join(" || "))
        }
        "greatest" | "least" => {
            if args.is_empty() {
                return Err(unsupported("takes at least one argument"));
            }
            // NULL when any argument is (the engines skip NULLs).
            let any_null: Vec<String> = args.iter().map(|arg| format!("{arg} IS NULL")).collect();
            format!(
                "CASE WHEN {} THEN NULL ELSE {name}({}) END",
                any_null.join(" OR "),
                args.join(", ")
            )
        }
        "substr" | "substring" => {
            arity(&[2, 3])?;
            substr(&args[0], &args[1], args.get(2).map(String::as_str))
        }
        "generate_array" => {
            arity(&[2, 3])?;
            layout.series(&args[0], &args[1], args.get(2).map_or("1", String::as_str))
        }
        "generate_timestamp_array" => {
            arity(&[3])?;
            layout.series(&args[0], &args[1], &args[2])
        }
        "array_length" => {
            arity(&[1])?;
            layout.array_length(&args[0])
        }
        "array_to_string" => {
            arity(&[2])?;
            format!("array_to_string({}, {})", args[0], args[1])
        }
        "ends_with" => {
            arity(&[2])?;
            format!("(right({0}, length({1})) = {1})", args[0], args[1])
        }
        "round" | "trunc" => {
            arity(&[1, 2])?;
            let digits = args.get(1).map_or("0", String::as_str);
            if name == "round" {
                layout.round(&args[0], digits)
            } else {
                layout.trunc(&args[0], digits)
            }
        }
        "div" => {
            arity(&[2])?;
            layout.div(&args[0], &args[1])
        }
        "ieee_divide" => {
            arity(&[2])?;
            let (x, y) = (&args[0], &args[1]);
            let float = layout.type_name(Scalar::Float64);
            format!(
                "CASE WHEN {y} = 0 THEN CAST(CASE WHEN {x} > 0 THEN 'Infinity' WHEN {x} < 0 THEN '-Infinity' ELSE 'NaN' END AS {float}) ELSE {} END",
                layout.divide(x, y)
            )
        }
        "log" => {
            arity(&[1, 2])?;
            // LOG(x) is the natural logarithm in BigQuery (log10 on the engines); LOG(x, base).
            match args.get(1) {
                None => format!("ln({})", args[0]),
                Some(base) => format!("(ln({}) / ln({base}))", args[0]),
            }
        }
        "unix_seconds" | "unix_millis" | "unix_micros" => {
            arity(&[1])?;
            let micros = layout.micros(&args[0]);
            match name.as_str() {
                "unix_seconds" => format!("CAST(floor({micros} / 1000000) AS {})", layout.type_name(Scalar::Int64)),
                "unix_millis" => format!("CAST(floor({micros} / 1000) AS {})", layout.type_name(Scalar::Int64)),
                _ => micros,
            }
        }
        "timestamp_seconds" | "timestamp_millis" | "timestamp_micros" => {
            arity(&[1])?;
            let factor = match name.as_str() {
                "timestamp_seconds" => " * 1000000",
                "timestamp_millis" => " * 1000",
                _ => "",
            };
            let int = layout.type_name(Scalar::Int64);
            layout.timestamp_at_micros(&format!("CAST({} AS {int}){factor}", args[0]))
        }
        "timestamp_diff" | "datetime_diff" => {
            arity(&[3])?;
            let unit = string_literal(&args[2])
                .unwrap_or_else(|| args[2].clone())
                .to_lowercase();
            if name == "datetime_diff" && matches!(unit.as_str(), "week" | "month" | "quarter" | "year") {
                // Boundaries crossed, as DATE_DIFF counts them.
                return parse_expr(&date_diff(&args[0], &args[1], &unit, layout).map_err(|what| unsupported(&what))?);
            }
            let micros_per_unit: i64 = match unit.as_str() {
                "microsecond" => 1,
                "millisecond" => 1_000,
                "second" => 1_000_000,
                "minute" => 60_000_000,
                "hour" => 3_600_000_000,
                "day" => 86_400_000_000,
                other => {
                    return Err(unsupported(&format!(
                        "unit `{other}` (Cinder counts MICROSECOND to DAY)"
                    )))
                }
            };
            // Whole units between the two, truncated towards zero.
            let int = layout.type_name(Scalar::Int64);
            format!(
                "CAST(trunc(CAST({} - {} AS {}) / {micros_per_unit}) AS {int})",
                layout.micros(&args[0]),
                layout.micros(&args[1]),
                layout.type_name(Scalar::Float64)
            )
        }
        "format_timestamp" => {
            arity(&[2, 3])?;
            let format = string_literal(&args[0]).ok_or_else(|| unsupported("the format must be a string literal"))?;
            if let Some(zone) = args.get(2) {
                if !string_literal(zone).is_some_and(|zone| zone.eq_ignore_ascii_case("utc")) {
                    return Err(unsupported("time zones other than 'UTC'"));
                }
            }
            format_timestamp(&format, &args[1], layout).map_err(|what| unsupported(&what))?
        }
        "json_value"
        | "json_query"
        | "json_extract_scalar"
        | "json_extract"
        | "json_value_array"
        | "json_extract_string_array" => {
            arity(&[1, 2])?;
            let path = match args.get(1) {
                None => "$".to_owned(),
                Some(path) => string_literal(path).ok_or_else(|| unsupported("the path must be a string literal"))?,
            };
            let steps = json_path(&path).map_err(|what| unsupported(&what))?;
            let json = layout.json(&args[0]);
            if matches!(name.as_str(), "json_value_array" | "json_extract_string_array") {
                layout.json_scalar_array(&json, &steps)
            } else if matches!(name.as_str(), "json_value" | "json_extract_scalar") {
                layout.json_scalar(&json, &steps)
            } else {
                layout.json_value(&json, &steps, &cinder_core::FieldType::Record(Default::default()))
            }
        }
        "regexp_extract" | "regexp_substr" => {
            arity(&[2])?;
            let group =
                extraction_group(function)?.ok_or_else(|| unsupported("the pattern must be a string literal"))?;
            layout.regexp_extract(&args[0], &args[1], group)
        }
        "regexp_replace" => {
            arity(&[3])?;
            // Every match, with `\1` naming a group in the replacement, on every engine.
            format!("regexp_replace({}, {}, {}, 'g')", args[0], args[1], args[2])
        }
        "split" => {
            arity(&[1, 2])?;
            let delimiter = args.get(1).map_or("','", String::as_str);
            format!("({})", layout.split(&args[0], delimiter))
        }
        "contains_substr" => {
            arity(&[2])?;
            // Case-insensitive, as BigQuery compares after folding case.
            format!("(strpos(lower({}), lower({})) > 0)", args[0], args[1])
        }
        "approx_count_distinct" => {
            arity(&[1])?;
            format!("count(DISTINCT {})", args[0])
        }
        "current_date" => {
            arity(&[0])?;
            format!(
                "CAST((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AS {})",
                layout.type_name(Scalar::Date)
            )
        }
        "date" => {
            arity(&[1, 2, 3])?;
            let date = layout.type_name(Scalar::Date);
            match args.as_slice() {
                [year, month, day] => format!("make_date({year}, {month}, {day})"),
                [value, zone @ ..] => {
                    let local = local_time(value.clone(), zone.first()).map_err(|what| unsupported(&what))?;
                    format!("CAST({local} AS {date})")
                }
                [] => unreachable!("arity checked"),
            }
        }
        "date_trunc" => {
            arity(&[2])?;
            let truncated = timestamp_trunc(&args[0], &args[1]).map_err(|what| unsupported(&what))?;
            if is_date(function_argument(function, 0)) {
                format!("CAST({truncated} AS {})", layout.type_name(Scalar::Date))
            } else {
                truncated
            }
        }
        "date_add" | "date_sub" => {
            arity(&[2])?;
            let sign = if name == "date_add" { "+" } else { "-" };
            format!(
                "CAST(({} {sign} {}) AS {})",
                args[0],
                args[1],
                layout.type_name(Scalar::Date)
            )
        }
        "date_diff" => {
            arity(&[3])?;
            let unit = string_literal(&args[2])
                .unwrap_or_else(|| args[2].clone())
                .to_lowercase();
            date_diff(&args[0], &args[1], &unit, layout).map_err(|what| unsupported(&what))?
        }
        "format_date" => {
            arity(&[2])?;
            let format = string_literal(&args[0]).ok_or_else(|| unsupported("the format must be a string literal"))?;
            let timestamp = format!("CAST({} AS {})", args[1], layout.type_name(Scalar::Timestamp));
            format_timestamp(&format, &timestamp, layout).map_err(|what| unsupported(&what))?
        }
        "parse_date" => {
            arity(&[2])?;
            let timestamp = parse_with_format(&args[0], &args[1], layout).map_err(|what| unsupported(&what))?;
            format!("CAST({timestamp} AS {})", layout.type_name(Scalar::Date))
        }
        "generate_date_array" => {
            arity(&[2, 3])?;
            let step = args.get(2).map_or("INTERVAL '1 day'", String::as_str);
            layout.date_series(&args[0], &args[1], step)
        }
        "net.host" => {
            arity(&[1])?;
            // The authority's host: after an optional scheme and user, before the port or path.
            let pattern = literal(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*://|//)?(?:[^/?#@]*@)?(\[[^\]]*\]|[^:/?#\s]+)");
            layout.regexp_extract(&args[0], &pattern, true)
        }
        "approx_quantiles" => return Err(unsupported("write APPROX_QUANTILES(x, n)[OFFSET(k)] for one quantile")),
        "offset" | "safe_offset" | "ordinal" | "safe_ordinal" => {
            return Err(unsupported("only inside an array subscript, as arr[OFFSET(n)]"))
        }
        _ => return Err(TranslateError::Unsupported(format!("function `{name}`"))),
    };
    parse_expr(&text)
}

/// A UTC timestamp as the local time in `zone` (a string literal); no zone, or 'UTC', leaves it.
fn local_time(timestamp: String, zone: Option<&String>) -> Result<String, String> {
    match zone.map(|zone| string_literal(zone)) {
        None => Ok(timestamp),
        Some(Some(zone)) if zone.eq_ignore_ascii_case("utc") => Ok(timestamp),
        Some(Some(zone)) => Ok(format!(
            "(({timestamp} AT TIME ZONE 'UTC') AT TIME ZONE {})",
            literal(&zone)
        )),
        Some(None) => Err("the time zone must be a string literal".into()),
    }
}

/// PARSE_TIMESTAMP(format, text), which PARSE_DATE reads with too.
fn parse_with_format(format: &str, text: &str, layout: &dyn Spelling) -> Result<String, String> {
    let format = string_literal(format).ok_or("the format must be a string literal")?;
    layout
        .parse_timestamp(&format, text)
        .ok_or_else(|| format!("format `{format}` uses an element Cinder does not read"))
}

/// `STRING_AGG(x[, delimiter] [ORDER BY ...])` and `ARRAY_AGG(x [IGNORE NULLS] [ORDER BY ...])`,
/// kept as calls: the engines take DISTINCT and ORDER BY inside them as BigQuery does.
fn aggregate_into(function: &mut Function, name: &str) -> Result<Expr, String> {
    let FunctionArguments::List(list) = &mut function.args else {
        return Err("takes a value".into());
    };
    let mut ignore_nulls = false;
    for clause in std::mem::take(&mut list.clauses) {
        match clause {
            FunctionArgumentClause::OrderBy(_) => list.clauses.push(clause),
            FunctionArgumentClause::IgnoreOrRespectNulls(treatment) => {
                ignore_nulls = treatment == NullTreatment::IgnoreNulls;
            }
            other => return Err(format!("`{other}` inside the call")),
        }
    }
    let value = match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(value)), ..] => value.clone(),
        _ => return Err("takes a value".into()),
    };
    match (name, list.args.len()) {
        ("string_agg", 1) => list.args.push(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(
            Value::SingleQuotedString(",".into()),
        )))),
        ("string_agg", 2) | ("array_agg", 1) => {}
        (_, count) => {
            return Err(format!(
                "takes {} arguments, not {count}",
                if name == "array_agg" { 1 } else { 2 }
            ))
        }
    }
    if ignore_nulls || name == "string_agg" {
        // STRING_AGG skips NULLs; the engines' array_agg keeps them unless told.
        function.filter = Some(Box::new(Expr::IsNotNull(Box::new(value))));
    }
    // Parenthesized, so that a subscript (`ARRAY_AGG(x)[OFFSET(0)]`) applies to the result.
    Ok(Expr::Nested(Box::new(Expr::Function(function.clone()))))
}

/// Whether the pattern of a `REGEXP_EXTRACT` call has a capturing group (`None` when it is
/// not a string literal); more than one is an error, as in BigQuery.
pub(crate) fn extraction_group(function: &Function) -> Result<Option<bool>, TranslateError> {
    let name = object_name_text(&function.name).to_lowercase();
    let pattern = match function_argument(function, 1) {
        Some(Expr::Value(ValueWithSpan {
            value:
                Value::SingleQuotedString(pattern)
                | Value::DoubleQuotedString(pattern)
                | Value::SingleQuotedRawStringLiteral(pattern)
                | Value::DoubleQuotedRawStringLiteral(pattern),
            ..
        })) => pattern,
        _ => return Ok(None),
    };
    match capturing_groups(pattern) {
        0 => Ok(Some(false)),
        1 => Ok(Some(true)),
        _ => Err(TranslateError::Unsupported(format!(
            "{}: the pattern has more than one capturing group",
            name.to_uppercase()
        ))),
    }
}

/// The number of capturing groups of a regular expression (`(?:...)` and `(?P<..>` aside for
/// the former; escaped and bracketed parentheses aside).
fn capturing_groups(pattern: &str) -> usize {
    let mut groups = 0;
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class && (chars.peek() != Some(&'?') || pattern_is_named_group(&mut chars.clone())) => {
                groups += 1;
            }
            _ => {}
        }
    }
    groups
}

/// Whether the rest of a pattern after `(` opens a named group: `?P<name>` or `?<name>`.
fn pattern_is_named_group(rest: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    rest.next();
    match rest.next() {
        Some('P') => rest.next() == Some('<'),
        Some('<') => !matches!(rest.next(), Some('=' | '!')),
        _ => false,
    }
}

/// The `index`th argument of a call, as written for the engine.
fn function_argument(function: &Function, index: usize) -> Option<&Expr> {
    match &function.args {
        FunctionArguments::List(list) => match list.args.get(index) {
            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(expr))) => Some(expr),
            _ => None,
        },
        _ => None,
    }
}

/// Whether an expression (as written for the engine) is a DATE: `DATE(...)`, `CURRENT_DATE()`,
/// `DATE '...'` and the DATE functions are written as casts to DATE.
fn is_date(expr: Option<&Expr>) -> bool {
    match expr {
        Some(Expr::Nested(inner)) => is_date(Some(inner)),
        Some(Expr::Cast { data_type, .. }) => *data_type == DataType::Date,
        Some(Expr::TypedString(typed)) => typed.data_type == DataType::Date,
        _ => false,
    }
}

/// `DATE_DIFF(a, b, unit)`: the number of unit boundaries between two dates (weeks start on
/// Sunday).
fn date_diff(a: &str, b: &str, unit: &str, layout: &dyn Spelling) -> Result<String, String> {
    let (date, int) = (layout.type_name(Scalar::Date), layout.type_name(Scalar::Int64));
    let (a, b) = (format!("CAST({a} AS {date})"), format!("CAST({b} AS {date})"));
    let part = |part: &str, of: &str| format!("EXTRACT({part} FROM {of})");
    let years = format!("({} - {})", part("year", &a), part("year", &b));
    let counted = match unit {
        "day" => format!("({a} - {b})"),
        "week" => {
            let sunday = |of: &str| format!("CAST(date_trunc('week', {of} + INTERVAL '1 day') AS {date})");
            format!("(({} - {}) / 7)", sunday(&a), sunday(&b))
        }
        "month" => format!("({years} * 12 + {} - {})", part("month", &a), part("month", &b)),
        "quarter" => format!("({years} * 4 + {} - {})", part("quarter", &a), part("quarter", &b)),
        "year" => years,
        other => {
            return Err(format!(
                "unit `{other}` (Cinder counts DAY, WEEK, MONTH, QUARTER and YEAR)"
            ))
        }
    };
    Ok(format!("CAST({counted} AS {int})"))
}

/// `SUBSTR(text, position[, length])` as BigQuery counts: from 1, a negative position from
/// the end, 0 as 1 (Postgres reads a position before the start as shortening the length).
fn substr(text: &str, position: &str, length: Option<&str>) -> String {
    let start = format!(
        "CASE WHEN {position} < 0 THEN greatest(length({text}) + {position} + 1, 1) WHEN {position} = 0 THEN 1 ELSE {position} END"
    );
    match length {
        Some(length) => format!("substr({text}, {start}, {length})"),
        None => format!("substr({text}, {start})"),
    }
}

/// `SUBSTR`/`SUBSTRING`, which the parser reads as its own expression.
fn substring(text: &Expr, from: Option<&Expr>, length: Option<&Expr>) -> Result<Expr, TranslateError> {
    let from = from.map_or_else(|| "1".to_owned(), ToString::to_string);
    parse_expr(&substr(
        &text.to_string(),
        &from,
        length.map(ToString::to_string).as_deref(),
    ))
}

/// FORMAT_TIMESTAMP(format, timestamp) in UTC: the text of each element, joined.
fn format_timestamp(format: &str, timestamp: &str, layout: &dyn Spelling) -> Result<String, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    for piece in crate::target::format_timestamp_pieces(format) {
        let element = match piece {
            Err(c) => {
                text.push(c);
                continue;
            }
            Ok(element) => element,
        };
        // Timestamps are UTC: the zone elements are constants.
        let constant = match element.as_str() {
            "%z" => Some("+0000"),
            "%Ez" => Some("+00:00"),
            "%Z" => Some("UTC"),
            _ => None,
        };
        if let Some(constant) = constant {
            text.push_str(constant);
            continue;
        }
        let written = layout
            .format_element(&element, timestamp)
            .ok_or_else(|| format!("format element `{element}`"))?;
        if !text.is_empty() {
            parts.push(literal(&std::mem::take(&mut text)));
        }
        parts.push(written);
    }
    if !text.is_empty() || parts.is_empty() {
        parts.push(literal(&text));
    }
    Ok(format!("({})", parts.join(" || ")))
}

fn type_null_arguments(function: &mut Function, type_name: &str) {
    if let FunctionArguments::List(list) = &mut function.args {
        for argument in &mut list.args {
            if let FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) = argument {
                if matches!(expr, Expr::Value(ValueWithSpan { value: Value::Null, .. })) {
                    if let Ok(typed) = parse_expr(&format!("CAST(NULL AS {type_name})")) {
                        *expr = typed;
                    }
                }
            }
        }
    }
}

/// The functions that take a date part (`HOUR` in `TIMESTAMP_TRUNC(ts, HOUR)`), and its
/// argument position.
const DATE_PART_ARGUMENTS: &[(&str, usize)] = &[
    ("timestamp_trunc", 1),
    ("datetime_trunc", 1),
    ("date_trunc", 1),
    ("time_trunc", 1),
    ("last_day", 1),
    ("timestamp_diff", 2),
    ("datetime_diff", 2),
    ("date_diff", 2),
    ("time_diff", 2),
];

/// The date-part argument of a call, if the function takes one.
pub(crate) fn date_part_argument(function: &mut Function) -> Option<&mut Expr> {
    let name = object_name_text(&function.name).to_lowercase();
    let (_, position) = DATE_PART_ARGUMENTS.iter().find(|(known, _)| *known == name)?;
    match &mut function.args {
        FunctionArguments::List(list) => match list.args.get_mut(*position) {
            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(part))) => Some(part),
            _ => None,
        },
        _ => None,
    }
}

/// Turns a date part into text before the resolver reaches it, so it is not taken for a
/// column; each engine writes it as it needs.
/// A name that is not a date part (`DATE_TRUNC('day', col)`, Postgres' argument order) is
/// refused, naming the function's BigQuery form.
pub(crate) fn quote_date_part(function: &mut Function) -> Result<(), TranslateError> {
    let name = object_name_text(&function.name).to_uppercase();
    if let Some(part) = date_part_argument(function) {
        if let Expr::Identifier(ident) = part {
            if !DATE_PARTS.contains(&ident.value.to_lowercase().as_str()) {
                let (_, position) = DATE_PART_ARGUMENTS
                    .iter()
                    .find(|(known, _)| known.eq_ignore_ascii_case(&name))
                    .expect("a function with a date part");
                return Err(TranslateError::Unsupported(format!(
                    "{name}: `{ident}` is not a date part (argument {} is one: DAY, HOUR, WEEK, ...)",
                    position + 1
                )));
            }
            *part = Expr::value(Value::SingleQuotedString(ident.value.clone()));
        }
    }
    Ok(())
}

/// The date parts BigQuery names (`WEEK(MONDAY)` is a call, not one of these names).
const DATE_PARTS: &[&str] = &[
    "nanosecond",
    "microsecond",
    "millisecond",
    "second",
    "minute",
    "hour",
    "day",
    "dayofweek",
    "dayofyear",
    "week",
    "isoweek",
    "month",
    "quarter",
    "year",
    "isoyear",
    "date",
    "datetime",
    "time",
];

/// The printed arguments of a call; the problem when they are not plain positional ones.
fn arguments(function: &Function) -> Result<Vec<String>, String> {
    match &function.args {
        FunctionArguments::None => Ok(Vec::new()),
        FunctionArguments::Subquery(_) => Err("a subquery as argument".into()),
        FunctionArguments::List(list) => {
            if list.duplicate_treatment == Some(DuplicateTreatment::Distinct) || !list.clauses.is_empty() {
                return Err("DISTINCT, ORDER BY or LIMIT inside the call".into());
            }
            list.args
                .iter()
                .map(|argument| match argument {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Ok(expr.to_string()),
                    other => Err(format!("argument `{other}`")),
                })
                .collect()
        }
    }
}

/// The text of a string literal as printed (`'a''b'` → `a'b`), or `None` for anything else.
fn string_literal(printed: &str) -> Option<String> {
    let inner = printed.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') || inner.contains('\\') {
        return None;
    }
    Some(inner.replace("''", "'"))
}

/// `TIMESTAMP_TRUNC(ts, UNIT)` as `date_trunc('unit', ts)`. BigQuery's weeks start on Sunday,
/// the engines' on Monday, so WEEK shifts by a day each way.
fn timestamp_trunc(value: &str, unit: &str) -> Result<String, String> {
    let unit = string_literal(unit).unwrap_or_else(|| unit.to_owned()).to_lowercase();
    Ok(match unit.as_str() {
        "microsecond" | "millisecond" | "second" | "minute" | "hour" | "day" | "month" | "quarter" | "year" => {
            format!("date_trunc('{unit}', {value})")
        }
        "week" => format!("(date_trunc('week', {value} + INTERVAL '1 day') - INTERVAL '1 day')"),
        other => return Err(format!("unit `{other}` (a time zone argument is not supported either)")),
    })
}

/// A JSONPath as JSON_VALUE takes it: `$`, `$.a.b`, `$.a[0]`, `$['a']`.
fn json_path(path: &str) -> Result<Vec<Step>, String> {
    let invalid = || format!("JSON path `{path}`: Cinder reads `$`, `.key`, `['key']` and `[n]`");
    let mut rest = path.strip_prefix('$').ok_or_else(invalid)?;
    let mut steps = Vec::new();
    let is_key = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix('.') {
            let end = tail.find(|c: char| !is_key(c)).unwrap_or(tail.len());
            if end == 0 {
                return Err(invalid());
            }
            steps.push(Step::Key(tail[..end].to_owned()));
            rest = &tail[end..];
        } else if let Some(tail) = rest.strip_prefix("['") {
            let end = tail.find("']").ok_or_else(invalid)?;
            let key = &tail[..end];
            if key.is_empty() || !key.chars().all(is_key) {
                return Err(invalid());
            }
            steps.push(Step::Key(key.to_owned()));
            rest = &tail[end + 2..];
        } else if let Some(tail) = rest.strip_prefix('[') {
            let end = tail.find(']').ok_or_else(invalid)?;
            let index: i64 = tail[..end].trim().parse().map_err(|_| invalid())?;
            steps.push(Step::Index(index));
            rest = &tail[end + 1..];
        } else {
            return Err(invalid());
        }
    }
    Ok(steps)
}

/// `CAST`, `SAFE_CAST` and `::` to a BigQuery type.
fn cast(kind: &CastKind, value: &Expr, data_type: &DataType, layout: &dyn Spelling) -> Result<Expr, TranslateError> {
    let scalar =
        Scalar::of_data_type(data_type).ok_or_else(|| TranslateError::Unsupported(format!("CAST to {data_type}")))?;
    let value = value.to_string();
    parse_expr(&match kind {
        CastKind::Cast | CastKind::DoubleColon => format!("CAST({value} AS {})", layout.type_name(scalar)),
        CastKind::SafeCast | CastKind::TryCast => layout.safe_cast(&value, scalar),
    })
}

/// `EXTRACT(part FROM timestamp)` with BigQuery's numbering (DAYOFWEEK counts from Sunday =
/// 1) and type (INT64).
fn extract(field: &DateTimeField, value: &Expr, layout: &dyn Spelling) -> Result<Expr, TranslateError> {
    let (part, offset) = match field {
        DateTimeField::Year => ("year", ""),
        DateTimeField::Quarter => ("quarter", ""),
        DateTimeField::Month => ("month", ""),
        DateTimeField::Day => ("day", ""),
        DateTimeField::Hour => ("hour", ""),
        DateTimeField::Minute => ("minute", ""),
        DateTimeField::Second => ("second", ""),
        DateTimeField::DayOfWeek | DateTimeField::Dow => ("dow", " + 1"),
        DateTimeField::DayOfYear | DateTimeField::Doy => ("doy", ""),
        DateTimeField::IsoWeek => ("week", ""),
        other => return Err(TranslateError::Unsupported(format!("EXTRACT({other} FROM ...)"))),
    };
    parse_expr(&format!(
        "CAST(floor(EXTRACT({part} FROM {value})){offset} AS {})",
        layout.type_name(Scalar::Int64)
    ))
}

/// `INTERVAL n UNIT` in the form every engine reads: `INTERVAL 'n unit'`.
fn interval(interval: &Interval) -> Result<Expr, TranslateError> {
    if interval.last_field.is_some() {
        return Err(TranslateError::Unsupported(format!("interval `{interval}`")));
    }
    let Some(field) = &interval.leading_field else {
        // `INTERVAL '1 day'`: already in the common form.
        return Ok(Expr::Interval(interval.clone()));
    };
    let (unit, multiple) = match field {
        DateTimeField::Microsecond | DateTimeField::Microseconds => ("microsecond", 1),
        DateTimeField::Millisecond | DateTimeField::Milliseconds => ("millisecond", 1),
        DateTimeField::Second | DateTimeField::Seconds => ("second", 1),
        DateTimeField::Minute | DateTimeField::Minutes => ("minute", 1),
        DateTimeField::Hour | DateTimeField::Hours => ("hour", 1),
        DateTimeField::Day | DateTimeField::Days => ("day", 1),
        DateTimeField::Week(None) | DateTimeField::Weeks => ("day", 7),
        DateTimeField::Month | DateTimeField::Months => ("month", 1),
        DateTimeField::Quarter => ("month", 3),
        DateTimeField::Year | DateTimeField::Years => ("year", 1),
        other => return Err(TranslateError::Unsupported(format!("interval unit {other}"))),
    };
    let text = match integer_literal(&interval.value) {
        Some(count) => format!("INTERVAL '{} {unit}'", count * multiple),
        None => format!("(({}) * INTERVAL '{multiple} {unit}')", interval.value),
    };
    parse_expr(&text)
}

fn integer_literal(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::Number(number, _),
            ..
        }) => number.parse().ok(),
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(number),
            ..
        }) => number.trim().parse().ok(),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => integer_literal(expr).map(|value| -value),
        Expr::Nested(inner) => integer_literal(inner),
        _ => None,
    }
}

/// An array subscript, as a position counted from 0.
pub(crate) struct Position {
    /// The 0-based position, an expression.
    zero_based: Expr,
    /// SAFE_OFFSET / SAFE_ORDINAL: NULL out of bounds instead of an error.
    pub(crate) safe: bool,
}

impl Position {
    /// The position as a number, when it is a literal.
    pub(crate) fn literal(&self) -> Option<i64> {
        integer_literal(&self.zero_based)
    }

    /// The position as the engines count (from 1).
    pub(crate) fn one_based(&self) -> Result<Expr, TranslateError> {
        match self.literal() {
            Some(index) => Ok(Expr::value(Value::Number((index + 1).to_string(), false))),
            None => parse_expr(&format!("({}) + 1", self.zero_based)),
        }
    }
}

/// Reads a subscript: `[n]` and `[OFFSET(n)]` count from 0, `[ORDINAL(n)]` from 1.
pub(crate) fn array_index(index: &Expr) -> Result<Position, TranslateError> {
    let Expr::Function(function) = index else {
        return Ok(Position {
            zero_based: index.clone(),
            safe: false,
        });
    };
    let name = object_name_text(&function.name).to_lowercase();
    let argument = match arguments(function).as_deref() {
        Ok([argument]) => parse_expr(argument)?,
        _ => return Err(TranslateError::Unsupported(format!("array subscript `{index}`"))),
    };
    let (from_one, safe) = match name.as_str() {
        "offset" => (false, false),
        "safe_offset" => (false, true),
        "ordinal" => (true, false),
        "safe_ordinal" => (true, true),
        _ => {
            return Ok(Position {
                zero_based: index.clone(),
                safe: false,
            })
        }
    };
    let zero_based = match (from_one, integer_literal(&argument)) {
        (false, _) => argument,
        (true, Some(ordinal)) => Expr::value(Value::Number((ordinal - 1).to_string(), false)),
        (true, None) => parse_expr(&format!("({argument}) - 1"))?,
    };
    Ok(Position { zero_based, safe })
}

/// `APPROX_QUANTILES(x, n)[OFFSET(k)]`: the exact k/n quantile, which is within BigQuery's
/// approximation.
pub(crate) fn approx_quantile(
    function: &Function,
    chain: &[AccessExpr],
    layout: &dyn Spelling,
) -> Result<Expr, TranslateError> {
    let unsupported = || {
        TranslateError::Unsupported(
            "APPROX_QUANTILES: write APPROX_QUANTILES(x, n)[OFFSET(k)] with numbers n and k".into(),
        )
    };
    let args = arguments(function).map_err(|_| unsupported())?;
    let [value, buckets] = args.as_slice() else {
        return Err(unsupported());
    };
    let buckets = parse_expr(buckets)
        .ok()
        .as_ref()
        .and_then(integer_literal)
        .filter(|n| *n > 0);
    let [AccessExpr::Subscript(Subscript::Index { index })] = chain else {
        return Err(unsupported());
    };
    let position = array_index(index)?.literal();
    match (buckets, position) {
        (Some(buckets), Some(position)) if (0..=buckets).contains(&position) => {
            let fraction = position as f64 / buckets as f64;
            parse_expr(&layout.quantile(value, &format!("{fraction}")))
        }
        _ => Err(unsupported()),
    }
}

/// Positions of the projection items that are DATETIME values (`CAST(x AS DATETIME)`,
/// `DATETIME(ts, zone)`): BigQuery answers them as text, not as timestamps.
pub(crate) fn datetime_items(projection: &[SelectItem]) -> Vec<usize> {
    fn is_datetime(expr: &Expr) -> bool {
        match expr {
            Expr::Nested(inner) => is_datetime(inner),
            Expr::Cast {
                data_type: DataType::Datetime(_),
                ..
            } => true,
            Expr::Function(function) => object_name_text(&function.name).eq_ignore_ascii_case("datetime"),
            _ => false,
        }
    }
    projection
        .iter()
        .enumerate()
        .filter(|(_, item)| match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => is_datetime(expr),
            _ => false,
        })
        .map(|(index, _)| index)
        .collect()
}

/// Writes the DATETIME items found by [`datetime_items`] as BigQuery writes them.
pub(crate) fn format_datetimes(
    select: &mut Select,
    items: &[usize],
    layout: &dyn Spelling,
) -> Result<(), TranslateError> {
    for &index in items {
        if let Some(SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) =
            select.projection.get_mut(index)
        {
            *expr = parse_expr(&layout.datetime_text(&expr.to_string()))?;
        }
    }
    Ok(())
}
