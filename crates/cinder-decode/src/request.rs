//! One ingest request's body to raw events, as each route reads it: decompression, then the
//! format the content type names (JSON, NDJSON, BERT, syslog lines), then the route's shape.

use http::header::{self, AsHeaderName};
use http::HeaderMap;
use serde_json::{Map, Value};

use crate::bert;
use crate::decode::{self, BodyFormat, DecodeError};
use crate::shapes::{events_from_json, Shape};

/// Which parser a route uses.
#[derive(Debug, Clone, Copy)]
pub enum Route {
    /// A JSON (or NDJSON) route with its shape.
    Shape(Shape),
    /// Syslog lines.
    Syslog,
}

/// What a JSON object body says about its source (`source` or `source_name` keys).
#[derive(Debug, PartialEq, Eq)]
pub enum BodySource {
    /// By token.
    Token(String),
    /// By name.
    Name(String),
}

/// A decoded request: its raw events, and the source its body names, if it names one.
#[derive(Debug)]
pub struct Decoded {
    pub events: Vec<Map<String, Value>>,
    pub body_source: Option<BodySource>,
}

/// A header's value, when it is there and text.
pub fn header_text(headers: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Decodes `body` as `route` reads it, with the request's `Content-Encoding` and
/// `Content-Type` (and, for CloudEvents, its `ce-*` headers).
pub fn decode_request(route: Route, headers: &HeaderMap, body: &[u8]) -> Result<Decoded, DecodeError> {
    let bytes = decode::decompress(body, header_text(headers, header::CONTENT_ENCODING))?;
    let decoded = |events| Decoded {
        events,
        body_source: None,
    };
    let shape = match route {
        Route::Syslog => return Ok(decoded(decode::parse_syslog(&bytes)?)),
        Route::Shape(shape) => shape,
    };
    let is_cloudflare = shape == Shape::Cloudflare;
    let body = match decode::body_format(header_text(headers, header::CONTENT_TYPE), is_cloudflare)? {
        BodyFormat::Ndjson => return Ok(decoded(decode::parse_ndjson(&bytes)?)),
        BodyFormat::Syslog => return Ok(decoded(decode::parse_syslog(&bytes)?)),
        BodyFormat::Bert => bert::decode(&bytes)?,
        BodyFormat::Json => decode::parse_json(&bytes)?,
    };
    let body_source = source_in_body(&body);
    Ok(Decoded {
        events: events_from_json(shape, body, headers)?,
        body_source,
    })
}

fn source_in_body(body: &Value) -> Option<BodySource> {
    let object: &Map<String, Value> = body.as_object()?;
    if let Some(Value::String(name)) = object.get("source_name").or_else(|| object.get("collection_name")) {
        return Some(BodySource::Name(name.clone()));
    }
    match object.get("source").or_else(|| object.get("collection")) {
        Some(Value::String(token)) => Some(BodySource::Token(token.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (http::HeaderName::from_static(name), value.parse().unwrap()))
            .collect()
    }

    #[test]
    fn a_single_object_names_its_source_and_loses_the_routing_keys() {
        let decoded = decode_request(
            Route::Shape(Shape::Raw),
            &headers(&[("content-type", "application/json")]),
            br#"{"source_name": "app", "message": "hi"}"#,
        )
        .unwrap();
        assert_eq!(decoded.body_source, Some(BodySource::Name("app".into())));
        assert_eq!(decoded.events.len(), 1);
        assert!(!decoded.events[0].contains_key("source_name"));
    }

    #[test]
    fn ndjson_and_syslog_follow_the_content_type() {
        let ndjson = decode_request(
            Route::Shape(Shape::Raw),
            &headers(&[("content-type", "application/x-ndjson")]),
            b"{\"a\":1}\n{\"a\":2}\n",
        )
        .unwrap();
        assert_eq!(ndjson.events.len(), 2);
        let syslog = decode_request(
            Route::Syslog,
            &HeaderMap::new(),
            b"<34>1 2026-12-03T06:00:00Z host app - - - hello\n",
        )
        .unwrap();
        assert_eq!(syslog.events.len(), 1);
    }

    #[test]
    fn a_bad_gzip_body_is_named() {
        let error = decode_request(
            Route::Shape(Shape::Raw),
            &headers(&[("content-encoding", "gzip")]),
            b"not gzip",
        )
        .unwrap_err();
        assert!(error.to_string().contains("gzip"), "{error}");
    }
}
