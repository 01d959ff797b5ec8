//! `t:` filters: instants, ranges, brace ranges and shorthands like `t:last@1h`.
//!
//! A date-time without an offset is what Logflare's UI calls local time; Cinder has no browser
//! zone to apply, so it reads it as UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

use super::parse::OPERATORS;
use super::{Filter, LqlError, LqlValue, Operator};

/// Whether a date-time carried its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Absolute,
    Local,
}

fn invalid(text: &str) -> LqlError {
    LqlError(format!(
        "Error while parsing timestamp filter value: expected ISO8601 string, Unix timestamp, range or shorthand, got '{text}'"
    ))
}

/// A `t:` rule (the text after `t:`).
pub(super) fn filter(rest: &str, now: i64, negated: bool) -> Result<Filter, LqlError> {
    let (symbol, operator) = OPERATORS
        .iter()
        .filter(|(_, operator)| {
            matches!(
                operator,
                Operator::Eq | Operator::Gt | Operator::Ge | Operator::Lt | Operator::Le
            )
        })
        .find(|(symbol, _)| rest.starts_with(&symbol[1..]))
        .map(|(symbol, operator)| (&symbol[1..], *operator))
        .unwrap_or(("", Operator::Eq));
    let text = &rest[symbol.len()..];
    let filter = |operator, value| Filter {
        path: "timestamp".into(),
        operator,
        value,
        negated,
    };
    let range =
        |low: i64, high: i64| LqlValue::Range(Box::new(LqlValue::Timestamp(low)), Box::new(LqlValue::Timestamp(high)));
    if let Some((low, high)) = shorthand(text, now) {
        return Ok(filter(Operator::Range, range(low, high)));
    }
    if operator == Operator::Eq {
        if text.contains('{') {
            let (low, high) = brace_bounds(text).ok_or_else(|| invalid(text))?;
            let (low, _) = instant(&low).map_err(|_| invalid(text))?;
            let (high, _) = instant(&high).map_err(|_| invalid(text))?;
            return Ok(filter(Operator::Range, range(low, high)));
        }
        if let Some((low, high)) = text.split_once("..") {
            let (low, low_origin) = instant(low).map_err(|_| invalid(text))?;
            let (high, high_origin) = instant(high).map_err(|_| invalid(text))?;
            if low_origin != high_origin {
                return Err(LqlError(
                    "Timestamp range cannot mix timestamps with and without timezone offsets".into(),
                ));
            }
            return Ok(filter(Operator::Range, range(low, high)));
        }
    }
    let (micros, _) = instant(text).map_err(|_| invalid(text))?;
    Ok(filter(operator, LqlValue::Timestamp(micros)))
}

/// One instant: Unix seconds, milliseconds or microseconds (10, 13 or 16 digits; microseconds
/// are cut to milliseconds), a date, or a date-time with an optional offset.
pub(super) fn instant(text: &str) -> Result<(i64, Origin), ()> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        let number: i64 = text.parse().map_err(|_| ())?;
        return match text.len() {
            10 => Ok((number * 1_000_000, Origin::Absolute)),
            13 => Ok((number * 1_000, Origin::Absolute)),
            16 => Ok((number / 1_000 * 1_000, Origin::Absolute)),
            _ => Err(()),
        };
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).ok_or(())?;
        return Ok((midnight.and_utc().timestamp_micros(), Origin::Local));
    }
    if let Ok(absolute) = DateTime::parse_from_rfc3339(text) {
        return Ok((absolute.with_timezone(&Utc).timestamp_micros(), Origin::Absolute));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| ())?;
    Ok((local.and_utc().timestamp_micros(), Origin::Local))
}

/// `2022-04-{07..09}T00:{00..40}` → (`2022-04-07T00:00`, `2022-04-09T00:40`).
fn brace_bounds(text: &str) -> Option<(String, String)> {
    let (mut low, mut high) = (String::new(), String::new());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        let (from, to) = rest[open + 1..close].split_once("..")?;
        low.push_str(&rest[..open]);
        high.push_str(&rest[..open]);
        low.push_str(from);
        high.push_str(to);
        rest = &rest[close + 1..];
    }
    low.push_str(rest);
    high.push_str(rest);
    Some((low, high))
}

/// `now`, `today`, `yesterday`, `this@<unit>`, `last@<n><unit>`: a range ending now (yesterday
/// ends where today starts).
fn shorthand(text: &str, now: i64) -> Option<(i64, i64)> {
    let now_time = Utc.timestamp_micros(now).single()?;
    let day_start = |time: DateTime<Utc>| time.date_naive().and_hms_opt(0, 0, 0).map(|start| start.and_utc());
    let micros = |time: DateTime<Utc>| time.timestamp_micros();
    match text {
        "now" => return Some((now, now)),
        "today" => return Some((micros(day_start(now_time)?), now)),
        "yesterday" => {
            let today = day_start(now_time)?;
            return Some((micros(today - Duration::days(1)), micros(today) - 1));
        }
        _ => {}
    }
    if let Some(unit) = text.strip_prefix("this@") {
        return Some((micros(truncate(now_time, unit)?), now));
    }
    let spec = text.strip_prefix("last@")?;
    let digits: String = spec.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() > 4 {
        return None;
    }
    let count: i64 = if digits.is_empty() { 1 } else { digits.parse().ok()? };
    let unit = &spec[digits.len()..];
    let start = match unit {
        "s" | "second" | "seconds" => now_time - Duration::seconds(count),
        "m" | "minute" | "minutes" => now_time - Duration::minutes(count),
        "h" | "hour" | "hours" => now_time - Duration::hours(count),
        "d" | "day" | "days" => now_time - Duration::days(count),
        "w" | "week" | "weeks" => now_time - Duration::weeks(count),
        "mm" | "month" | "months" => now_time.checked_sub_months(chrono::Months::new(u32::try_from(count).ok()?))?,
        "y" | "year" | "years" => now_time.checked_sub_months(chrono::Months::new(u32::try_from(count * 12).ok()?))?,
        _ => return None,
    };
    // Weeks, months and years start at a day's beginning; smaller units at their own.
    let unit = match unit {
        "w" | "week" | "weeks" | "mm" | "month" | "months" | "y" | "year" | "years" => "day",
        other => other,
    };
    Some((micros(truncate(start, unit)?), now))
}

fn truncate(time: DateTime<Utc>, unit: &str) -> Option<DateTime<Utc>> {
    let date = time.date_naive();
    let at = |date: NaiveDate, hour, minute, second| date.and_hms_opt(hour, minute, second).map(|t| t.and_utc());
    match unit {
        "s" | "second" | "seconds" => at(date, time.hour(), time.minute(), time.second()),
        "m" | "minute" | "minutes" => at(date, time.hour(), time.minute(), 0),
        "h" | "hour" | "hours" => at(date, time.hour(), 0, 0),
        "d" | "day" | "days" => at(date, 0, 0, 0),
        "week" => at(
            date - Duration::days(i64::from(date.weekday().num_days_from_sunday())),
            0,
            0,
            0,
        ),
        "month" => at(date.with_day(1)?, 0, 0, 0),
        "year" => at(NaiveDate::from_ymd_opt(date.year(), 1, 1)?, 0, 0, 0),
        _ => None,
    }
}
