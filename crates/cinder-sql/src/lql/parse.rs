//! Reading LQL text into an [`Lql`].

use super::timestamp;
use super::{Aggregate, Chart, Filter, Lql, LqlError, LqlValue, Operator, Period, SelectRule};

/// The most clauses one query may have.
const MAX_CLAUSES: usize = 100;
/// The most `s:` rules one query may have.
const MAX_SELECTS: usize = 50;
/// `metadata.level` values in order of severity, for `metadata.level:debug..critical`.
const LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// Parses an LQL query. `now` (microseconds since the epoch) anchors `t:today`, `t:last@1h`...
pub fn parse(text: &str, now: i64) -> Result<Lql, LqlError> {
    let mut lql = Lql::default();
    let clauses = clauses(text)?;
    if clauses.len() > MAX_CLAUSES {
        return Err(LqlError(format!(
            "at most {MAX_CLAUSES} clauses, found {}",
            clauses.len()
        )));
    }
    for clause in clauses {
        parse_clause(&clause, now, &mut lql)?;
    }
    Ok(lql)
}

/// Splits the text at whitespace outside quotes and parentheses.
pub(super) fn clauses(text: &str) -> Result<Vec<String>, LqlError> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut depth, mut escaped) = (false, 0usize, false);
    for c in text.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match c {
            // `\"` escapes a quote inside a quoted string and in a bare word (`~^er\"ror`).
            '\\' => {
                escaped = true;
                current.push(c);
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '(' if !quoted => {
                depth += 1;
                current.push(c);
            }
            ')' if !quoted => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            c if c.is_whitespace() && !quoted && depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err(LqlError(format!(
            "unclosed quote in `{current}`: expected a closing \""
        )));
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out)
}

fn strip_any<'t>(text: &'t str, prefixes: &[&str]) -> Option<&'t str> {
    prefixes.iter().find_map(|prefix| text.strip_prefix(prefix))
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_path(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(is_name)
}

/// `m.x` is short for `metadata.x`.
fn normalize_path(path: &str) -> String {
    match path.strip_prefix("m.") {
        Some(rest) => format!("metadata.{rest}"),
        None => path.to_owned(),
    }
}

fn parse_clause(clause: &str, now: i64, lql: &mut Lql) -> Result<(), LqlError> {
    let (negated, body) = match clause.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, clause),
    };
    if let Some(name) = strip_any(body, &["f:", "from:"]) {
        if negated || !is_name(name) {
            return Err(LqlError(format!("`{clause}`: expected `f:<table name>`")));
        }
        if lql.from.replace(name.to_owned()).is_some() {
            return Err(LqlError("only one `f:` rule is allowed".into()));
        }
        return Ok(());
    }
    if let Some(rest) = strip_any(body, &["c:", "chart:"]) {
        return chart(rest, clause, lql);
    }
    if let Some(rest) = strip_any(body, &["s:", "select:"]) {
        return select(rest, clause, lql);
    }
    if let Some(rest) = strip_any(body, &["t:", "timestamp:"]) {
        let filter = timestamp::filter(rest, now, negated)?;
        lql.filters.push(filter);
        return Ok(());
    }
    if body.starts_with('"') || body.starts_with("~\"") {
        let (regex, quoted) = match body.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let text = unquote(quoted).ok_or_else(|| LqlError(format!("`{clause}`: expected a quoted string")))?;
        lql.filters.push(message_filter(text, regex, negated));
        return Ok(());
    }
    if let Some(colon) = body.find(':') {
        let path = &body[..colon];
        if is_path(path) {
            lql.filters
                .push(field_filter(&normalize_path(path), &body[colon..], negated)?);
            return Ok(());
        }
    }
    let (regex, word) = match body.strip_prefix('~') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, body),
    };
    if word.contains('"') && !word.contains("\\\"") {
        return Err(LqlError(format!("`{clause}`: a quote may only open a quoted string")));
    }
    lql.filters
        .push(message_filter(word.replace("\\\"", "\""), regex, negated));
    Ok(())
}

fn message_filter(text: String, regex: bool, negated: bool) -> Filter {
    Filter {
        path: "event_message".into(),
        operator: if regex { Operator::Regex } else { Operator::Contains },
        value: LqlValue::String(text),
        negated,
    }
}

/// `"a \"b\" c"` → `a "b" c`
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next @ ('"' | '\\')) => out.push(next),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// The operators of a field filter, longest first.
pub(super) const OPERATORS: [(&str, Operator); 8] = [
    (":@>~", Operator::ListIncludesRegex),
    (":@>", Operator::ListIncludes),
    (":>=", Operator::Ge),
    (":<=", Operator::Le),
    (":>", Operator::Gt),
    (":<", Operator::Lt),
    (":~", Operator::Regex),
    (":", Operator::Eq),
];

fn field_filter(path: &str, rest: &str, negated: bool) -> Result<Filter, LqlError> {
    let (symbol, operator) = OPERATORS
        .iter()
        .find(|(symbol, _)| rest.starts_with(symbol))
        .copied()
        .unwrap_or((":", Operator::Eq));
    let text = &rest[symbol.len()..];
    let error = |what: &str| {
        LqlError(format!(
            "Error while parsing `{path}` field metadata filter value: {what}"
        ))
    };
    if text.is_empty() {
        return Err(error("expected a value after the operator"));
    }
    if text.starts_with([':', '>', '<', '=', '~']) {
        return Err(error(&format!("unexpected `{text}`: one operator, then a value")));
    }
    let filter = |operator, value| Filter {
        path: path.to_owned(),
        operator,
        value,
        negated,
    };
    if operator == Operator::Eq && text == "NULL" {
        return Ok(filter(Operator::IsNull, LqlValue::Null));
    }
    if let Some(string) = text.starts_with('"').then(|| unquote(text)) {
        let string = string.ok_or_else(|| error(&format!("unclosed or malformed quoted string `{text}`")))?;
        return Ok(filter(operator, LqlValue::String(string)));
    }
    if let Some(inner) = text.strip_prefix('(').and_then(|inner| inner.strip_suffix(')')) {
        return Ok(filter(operator, LqlValue::String(inner.to_owned())));
    }
    if matches!(operator, Operator::Regex | Operator::ListIncludesRegex) {
        return Ok(filter(operator, LqlValue::String(text.to_owned())));
    }
    if operator == Operator::Eq {
        if let Some((low, high)) = text.split_once("..") {
            if path == "metadata.level" {
                let position = |level: &str| LEVELS.iter().position(|known| *known == level);
                let (Some(from), Some(to)) = (position(low), position(high)) else {
                    return Err(error(&format!("levels are {}", LEVELS.join(", "))));
                };
                let levels = LEVELS[from.min(to)..=from.max(to)]
                    .iter()
                    .map(|level| LqlValue::String((*level).to_owned()))
                    .collect();
                return Ok(filter(Operator::In, LqlValue::List(levels)));
            }
            let bound = |side: &str| {
                scalar(side)
                    .filter(|value| matches!(value, LqlValue::Integer(_) | LqlValue::Float(_)))
                    .or_else(|| {
                        timestamp::instant(side)
                            .ok()
                            .map(|(micros, _)| LqlValue::Timestamp(micros))
                    })
                    .ok_or_else(|| error(&format!("range bound `{side}` is not a number or a date")))
            };
            let range = LqlValue::Range(Box::new(bound(low)?), Box::new(bound(high)?));
            return Ok(filter(Operator::Range, range));
        }
    }
    let value = scalar(text).ok_or_else(|| {
        error(&format!(
            "`{text}` is not a number, true/false, NULL, a quoted string or a word of letters, digits and _"
        ))
    })?;
    Ok(filter(operator, value))
}

/// A bare value: a boolean, a number, a date, or a word.
fn scalar(text: &str) -> Option<LqlValue> {
    match text {
        "true" => return Some(LqlValue::Boolean(true)),
        "false" => return Some(LqlValue::Boolean(false)),
        _ => {}
    }
    if let Ok(integer) = text.parse::<i64>() {
        return Some(LqlValue::Integer(integer));
    }
    if text.contains('.') && text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') {
        if let Ok(float) = text.parse::<f64>() {
            return Some(LqlValue::Float(float));
        }
    }
    let date_like = text.chars().all(|c| c.is_ascii_alphanumeric() || "-:.+".contains(c));
    if date_like && timestamp::instant(text).is_ok() {
        return Some(LqlValue::String(text.to_owned()));
    }
    is_name(text).then(|| LqlValue::String(text.to_owned()))
}

fn chart(rest: &str, clause: &str, lql: &mut Lql) -> Result<(), LqlError> {
    let chart = lql.chart.get_or_insert(Chart {
        aggregate: Aggregate::Count,
        path: "timestamp".into(),
        period: Period::Minute,
    });
    let error = || {
        LqlError(format!(
            "`{clause}`: expected c:count(x), countd(x), avg(x), sum(x), max(x), p50(x), p95(x), p99(x) or group_by(t::minute)"
        ))
    };
    let (name, argument) = rest
        .strip_suffix(')')
        .and_then(|call| call.split_once('('))
        .ok_or_else(error)?;
    if name == "group_by" {
        let unit = strip_any(argument, &["t::", "timestamp::"]).ok_or_else(error)?;
        chart.period = match unit {
            "second" | "s" => Period::Second,
            "minute" | "m" => Period::Minute,
            "hour" | "h" => Period::Hour,
            "day" | "d" => Period::Day,
            _ => return Err(error()),
        };
        return Ok(());
    }
    chart.aggregate = match name {
        "count" => Aggregate::Count,
        "countd" => Aggregate::CountDistinct,
        "avg" => Aggregate::Avg,
        "sum" => Aggregate::Sum,
        "max" => Aggregate::Max,
        "p50" => Aggregate::P50,
        "p95" => Aggregate::P95,
        "p99" => Aggregate::P99,
        _ => return Err(error()),
    };
    chart.path = match argument {
        "*" => "timestamp".to_owned(),
        path if is_path(path) => normalize_path(path),
        _ => return Err(error()),
    };
    Ok(())
}

fn select(rest: &str, clause: &str, lql: &mut Lql) -> Result<(), LqlError> {
    let (path, alias) = match rest.split_once('@') {
        Some((path, alias)) if is_name(alias) => (path, Some(alias.to_owned())),
        Some(_) => return Err(LqlError(format!("`{clause}`: expected a name after `@`"))),
        None => (rest, None),
    };
    if path != "*" && !is_path(path) {
        return Err(LqlError(format!("`{clause}`: expected s:<field>, s:m.<field> or s:*")));
    }
    if lql.selects.len() == MAX_SELECTS {
        return Err(LqlError(format!("at most {MAX_SELECTS} selects")));
    }
    lql.selects.push(SelectRule {
        path: normalize_path(path),
        alias,
    });
    Ok(())
}
