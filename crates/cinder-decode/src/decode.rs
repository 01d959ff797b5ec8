//! Request bodies to raw events: decompression, size limits, JSON, NDJSON and syslog.
//!
//! Every failure names the problem and maps to a 4xx; a request is all-or-nothing, so one bad
//! NDJSON line refuses the whole body rather than dropping that line (Logflare drops it).

use std::io::Read;

use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};
use serde_json::{Map, Value};

/// The largest body accepted, after decompression (Logflare's limit).
pub const MAX_BODY_BYTES: usize = 12_000_000;

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Over [`MAX_BODY_BYTES`] after decompression.
    #[error("the request body is larger than {MAX_BODY_BYTES} bytes after decompression")]
    TooLarge,
    /// A content type Cinder does not read.
    #[error("unsupported content type `{0}`: send application/json, application/x-ndjson or application/logplex-1")]
    UnsupportedType(String),
    /// A content encoding Cinder does not read.
    #[error("unsupported content encoding `{0}`: send gzip, deflate or no encoding")]
    UnsupportedEncoding(String),
    /// The body is not what its headers say.
    #[error("{0}")]
    Malformed(String),
}

/// How the body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json` and friends.
    Json,
    /// `application/x-ndjson`: one JSON value per line.
    Ndjson,
    /// `application/logplex-1`: syslog lines.
    Syslog,
    /// `application/bert`: an Erlang term (see [`super::bert`]).
    Bert,
}

/// Picks the body format from the content type (`text/plain` is NDJSON on the Cloudflare
/// route, as Logflare rewrites it, and JSON elsewhere).
pub fn body_format(content_type: Option<&str>, text_is_ndjson: bool) -> Result<BodyFormat, DecodeError> {
    let Some(content_type) = content_type else {
        return Ok(BodyFormat::Json);
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" | "application/json" | "application/csp-report" => Ok(BodyFormat::Json),
        "application/x-ndjson" | "application/ndjson" => Ok(BodyFormat::Ndjson),
        "application/logplex-1" => Ok(BodyFormat::Syslog),
        "application/bert" | "application/x-bert" => Ok(BodyFormat::Bert),
        "text/plain" if text_is_ndjson => Ok(BodyFormat::Ndjson),
        "text/plain" => Ok(BodyFormat::Json),
        other if other.starts_with("application/") && other.ends_with("+json") => Ok(BodyFormat::Json),
        other => Err(DecodeError::UnsupportedType(other.to_owned())),
    }
}

/// Decompresses per `Content-Encoding`, refusing output past [`MAX_BODY_BYTES`].
pub fn decompress(body: &[u8], encoding: Option<&str>) -> Result<Vec<u8>, DecodeError> {
    let encoding = encoding
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => {
            if body.len() > MAX_BODY_BYTES {
                return Err(DecodeError::TooLarge);
            }
            Ok(body.to_vec())
        }
        "gzip" | "x-gzip" => read_limited(GzDecoder::new(body), "gzip"),
        // HTTP's deflate is zlib-wrapped, but many clients send raw deflate: accept both.
        "deflate" => read_limited(ZlibDecoder::new(body), "deflate").or_else(|error| match error {
            DecodeError::Malformed(_) => read_limited(DeflateDecoder::new(body), "deflate"),
            other => Err(other),
        }),
        other => Err(DecodeError::UnsupportedEncoding(other.to_owned())),
    }
}

fn read_limited(reader: impl Read, name: &str) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    reader
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|error| DecodeError::Malformed(format!("the body is not valid {name}: {error}")))?;
    if out.len() > MAX_BODY_BYTES {
        return Err(DecodeError::TooLarge);
    }
    Ok(out)
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|error| {
        DecodeError::Malformed(format!(
            "the body is not valid UTF-8 (invalid byte at offset {})",
            error.valid_up_to()
        ))
    })
}

/// Parses a JSON body. An empty body is an empty object, as in Logflare.
pub fn parse_json(bytes: &[u8]) -> Result<Value, DecodeError> {
    let text = utf8(bytes)?;
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str(text).map_err(|error| DecodeError::Malformed(format!("malformed JSON: {error}")))
}

/// Parses NDJSON into Logflare's Cloudflare-flavoured events: the raw line as
/// `event_message`, the object as `metadata`, `EdgeStartTimestamp` as `timestamp`.
pub fn parse_ndjson(bytes: &[u8]) -> Result<Vec<Map<String, Value>>, DecodeError> {
    let text = utf8(bytes)?;
    let mut events = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .map_err(|error| DecodeError::Malformed(format!("malformed JSON on NDJSON line {}: {error}", index + 1)))?;
        let Value::Object(object) = value else {
            return Err(DecodeError::Malformed(format!(
                "NDJSON line {} is not a JSON object",
                index + 1
            )));
        };
        let mut event = Map::new();
        if let Some(timestamp) = object.get("EdgeStartTimestamp") {
            event.insert("timestamp".into(), timestamp.clone());
        }
        event.insert("event_message".into(), Value::String(line.to_owned()));
        event.insert("metadata".into(), Value::Object(object));
        events.push(event);
    }
    Ok(events)
}

/// Parses syslog lines (RFC 5424 or RFC 3164, optionally logplex octet-counted) into events
/// with the message as `event_message`, the header fields under `metadata`.
pub fn parse_syslog(bytes: &[u8]) -> Result<Vec<Map<String, Value>>, DecodeError> {
    let text = utf8(bytes)?;
    let mut events = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = strip_octet_count(line.trim());
        if line.is_empty() {
            continue;
        }
        let event = parse_syslog_message(line).ok_or_else(|| {
            DecodeError::Malformed(format!(
                "syslog line {} is neither RFC 5424 nor RFC 3164: `{}`",
                index + 1,
                truncate(line)
            ))
        })?;
        events.push(event);
    }
    Ok(events)
}

fn truncate(line: &str) -> &str {
    line.char_indices().nth(80).map_or(line, |(index, _)| &line[..index])
}

/// Logplex frames each message as `<length> <message>`.
fn strip_octet_count(line: &str) -> &str {
    match line.split_once(' ') {
        Some((count, rest)) if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => line,
    }
}

const SEVERITIES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "info",
    "debug",
];

/// One syslog message (RFC 5424, or the older BSD format of RFC 3164) as an event: the
/// message as `event_message`, its time as `timestamp`, the header fields under `metadata`.
pub fn parse_syslog_message(line: &str) -> Option<Map<String, Value>> {
    let rest = line.strip_prefix('<')?;
    let (priority, rest) = rest.split_once('>')?;
    let priority: u8 = priority.parse().ok().filter(|priority| *priority < 192)?;
    match rest.split_once(' ') {
        Some((version, _)) if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) => {
            parse_rfc5424(priority, rest)
        }
        _ => parse_rfc3164(priority, rest),
    }
}

/// The fields of a syslog message, whichever format carried them.
struct SyslogFields<'a> {
    priority: u8,
    timestamp: Option<String>,
    hostname: &'a str,
    appname: &'a str,
    process_id: &'a str,
    message_id: &'a str,
    structured: &'a str,
    message: &'a str,
}

impl SyslogFields<'_> {
    fn into_event(self) -> Map<String, Value> {
        let severity = SEVERITIES[usize::from(self.priority % 8)];
        let mut metadata = Map::new();
        let mut put = |key: &str, value: &str| {
            if value != "-" && !value.is_empty() {
                metadata.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        };
        put("hostname", self.hostname);
        put("appname", self.appname);
        put("process_id", self.process_id);
        put("message_id", self.message_id);
        put("sd", self.structured);
        put("severity", severity);
        put("level", severity);
        put("message_text", self.message);
        metadata.insert("facility".into(), Value::from(self.priority / 8));
        metadata.insert("priority".into(), Value::from(self.priority));
        let mut event = Map::new();
        event.insert("event_message".into(), Value::String(self.message.to_owned()));
        if let Some(timestamp) = self.timestamp {
            event.insert("timestamp".into(), Value::String(timestamp));
        }
        event.insert("metadata".into(), Value::Object(metadata));
        event
    }
}

/// `VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`.
fn parse_rfc5424(priority: u8, rest: &str) -> Option<Map<String, Value>> {
    let mut parts = rest.splitn(6, ' ');
    let version = parts.next()?;
    if version.parse::<u8>().is_err() {
        return None;
    }
    let timestamp = parts.next()?;
    let hostname = parts.next()?;
    let appname = parts.next()?;
    let process_id = parts.next()?;
    let rest = parts.next().unwrap_or_default();
    let (message_id, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let (structured, message) = split_structured_data(rest);
    // MSG may start with a BOM (RFC 5424 §6.4); rsyslog's forwarding adds a space before it.
    let message = message.trim_start_matches('\u{feff}').trim_start();
    let fields = SyslogFields {
        priority,
        timestamp: (timestamp != "-").then(|| timestamp.to_owned()),
        hostname,
        appname,
        process_id,
        message_id,
        structured,
        message,
    };
    Some(fields.into_event())
}

/// `Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`. The time names no year and no zone: it is taken
/// as UTC, in the year that puts it closest to now.
fn parse_rfc3164(priority: u8, rest: &str) -> Option<Map<String, Value>> {
    let stamp = rest.get(..15)?;
    let timestamp = bsd_timestamp(stamp, chrono::Utc::now())?;
    let rest = rest[15..].strip_prefix(' ')?;
    let (hostname, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let (tag, message) = match rest.split_once(':') {
        Some((tag, message)) if !tag.is_empty() && !tag.contains(' ') => {
            (tag, message.strip_prefix(' ').unwrap_or(message))
        }
        _ => ("", rest),
    };
    let (appname, process_id) = match tag.split_once('[') {
        Some((appname, process_id)) => (appname, process_id.trim_end_matches(']')),
        None => (tag, ""),
    };
    let fields = SyslogFields {
        priority,
        timestamp: Some(timestamp),
        hostname,
        appname,
        process_id,
        message_id: "",
        structured: "",
        message,
    };
    Some(fields.into_event())
}

/// `Dec  3 06:00:00` as RFC 3339, in the year (of `now`'s, the one before or after) closest
/// to `now`.
fn bsd_timestamp(stamp: &str, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    use chrono::{Datelike, NaiveDateTime};
    let year = now.year();
    [year, year - 1, year + 1]
        .into_iter()
        .filter_map(|year| NaiveDateTime::parse_from_str(&format!("{year} {stamp}"), "%Y %b %e %H:%M:%S").ok())
        .map(|time| time.and_utc())
        .min_by_key(|time| (*time - now).num_seconds().unsigned_abs())
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Splits `[id k="v"][...] message` into the structured data and the message.
fn split_structured_data(text: &str) -> (&str, &str) {
    if let Some(rest) = text.strip_prefix("- ") {
        return ("-", rest);
    }
    if !text.starts_with('[') {
        return ("-", text);
    }
    let mut depth_end = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => in_quotes = !in_quotes,
            ']' if !in_quotes => {
                depth_end = index + 1;
                if !text[depth_end..].starts_with('[') {
                    break;
                }
            }
            _ => {}
        }
    }
    (&text[..depth_end], text[depth_end..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn bsd_syslog_lines_take_the_year_closest_to_now() {
        let event = parse_syslog_message("<13>Dec  3 06:00:00 web-1 nginx[42]: GET / 200").unwrap();
        assert_eq!(event["event_message"], "GET / 200");
        assert_eq!(event["metadata"]["hostname"], "web-1");
        assert_eq!(event["metadata"]["appname"], "nginx");
        assert_eq!(event["metadata"]["process_id"], "42");
        assert_eq!(event["metadata"]["severity"], "notice");
        let now = chrono::DateTime::parse_from_rfc3339("2027-01-01T00:00:10Z")
            .unwrap()
            .to_utc();
        assert_eq!(bsd_timestamp("Dec 31 23:59:59", now).unwrap(), "2026-12-31T23:59:59Z");
        assert_eq!(bsd_timestamp("Jan  1 00:00:05", now).unwrap(), "2027-01-01T00:00:05Z");
        assert!(bsd_timestamp("Foo 31 23:59:59", now).is_none());
        // No tag: the whole rest is the message.
        let event = parse_syslog_message("<14>Dec  3 06:00:00 host a message: with a colon").unwrap();
        assert_eq!(event["event_message"], "a message: with a colon");
        assert!(parse_syslog_message("<999>Dec  3 06:00:00 host x").is_none());
        assert!(parse_syslog_message("<13>not a time at all").is_none());
    }

    #[test]
    fn gzip_and_deflate_and_limits() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"a\":1}").unwrap();
        assert_eq!(decompress(&gz.finish().unwrap(), Some("gzip")).unwrap(), b"{\"a\":1}");
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(b"[]").unwrap();
        assert_eq!(decompress(&raw.finish().unwrap(), Some("deflate")).unwrap(), b"[]");
        assert!(matches!(
            decompress(b"not gzip", Some("gzip")),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decompress(b"x", Some("br")),
            Err(DecodeError::UnsupportedEncoding(_))
        ));
        // A small bomb: 13 MB of zeros compresses to a few KB.
        let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        bomb.write_all(&vec![b'0'; 13_000_000]).unwrap();
        assert!(matches!(
            decompress(&bomb.finish().unwrap(), Some("gzip")),
            Err(DecodeError::TooLarge)
        ));
    }

    #[test]
    fn json_errors_name_the_problem() {
        assert!(parse_json(b"").unwrap().as_object().unwrap().is_empty());
        let error = parse_json(b"{\"a\": ").unwrap_err().to_string();
        assert!(error.starts_with("malformed JSON"), "{error}");
        let error = parse_json(b"{\"a\": \"\xff\"}").unwrap_err().to_string();
        assert!(error.contains("UTF-8"), "{error}");
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(parse_json(deep.as_bytes()).is_err());
    }

    #[test]
    fn ndjson_lines_become_cloudflare_events() {
        let events = parse_ndjson(b"{\"EdgeStartTimestamp\": 1700000000, \"a\": 1}\n\n{\"b\": 2}\n").unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["timestamp"], 1_700_000_000);
        assert_eq!(events[1]["metadata"]["b"], 2);
        assert!(parse_ndjson(b"{\"ok\":1}\nnot json")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
    }

    #[test]
    fn syslog_lines() {
        let events = parse_syslog(b"83 <190>1 2026-06-01T10:00:00Z host app 42 web - hello world\n").unwrap();
        assert_eq!(events[0]["event_message"], "hello world");
        assert_eq!(events[0]["metadata"]["severity"], "info");
        assert_eq!(events[0]["metadata"]["appname"], "app");
        assert_eq!(events[0]["timestamp"], "2026-06-01T10:00:00Z");
        let events = parse_syslog(b"<13>1 - h a - - [x@1 k=\"v]\"] msg").unwrap();
        assert_eq!(events[0]["event_message"], "msg");
        assert!(parse_syslog(b"hello").is_err());
    }
}
