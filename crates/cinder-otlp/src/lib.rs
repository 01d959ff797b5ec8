//! OpenTelemetry's OTLP logs and traces, in either of its encodings (protobuf, JSON), as raw
//! events: one per log record or span. Kept in a crate of its own so that the generated OTLP
//! types compile once, apart from the server.
//!
//! A log record becomes `{event_message, timestamp, severity_text, severity_number, trace_id,
//! span_id, flags, body?, attributes, resource, scope}`; a span `{event_message: its name,
//! timestamp: its start, name, kind, trace_id, span_id, parent_span_id, start_time, end_time,
//! duration_ms, status, attributes, events, resource, scope}`. Attribute keys split at their
//! dots into nested objects (`service.name` → `resource.service.name`); ids are lowercase hex.

pub use opentelemetry_proto;

pub mod export;
pub mod grpc;

use cinder_decode::decode::DecodeError;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, status};
use prost::Message;
use serde_json::{Map, Number, Value};

/// The two encodings of OTLP/HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-protobuf`.
    Protobuf,
    /// `application/json`.
    Json,
}

impl Encoding {
    /// The encoding a `Content-Type` names.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Self, DecodeError> {
        let media = content_type
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase());
        match media.as_deref() {
            Some("application/x-protobuf") | Some("application/protobuf") => Ok(Encoding::Protobuf),
            Some("application/json") => Ok(Encoding::Json),
            other => Err(DecodeError::UnsupportedType(format!(
                "{} (OTLP/HTTP takes application/x-protobuf or application/json)",
                other.unwrap_or("no content type")
            ))),
        }
    }
}

/// One event, with the `service.name` of its resource (which may name its source).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub service: Option<String>,
    pub event: Map<String, Value>,
}

fn decode<T: Message + Default + serde::de::DeserializeOwned>(
    bytes: &[u8],
    encoding: Encoding,
) -> Result<T, DecodeError> {
    match encoding {
        Encoding::Protobuf => T::decode(bytes)
            .map_err(|error| DecodeError::Malformed(format!("the body is not an OTLP protobuf message: {error}"))),
        Encoding::Json => serde_json::from_slice(bytes)
            .map_err(|error| DecodeError::Malformed(format!("the body is not OTLP JSON: {error}"))),
    }
}

/// The log records of an `ExportLogsServiceRequest`.
pub fn decode_logs(bytes: &[u8], encoding: Encoding) -> Result<Vec<Record>, DecodeError> {
    Ok(log_records(decode(bytes, encoding)?))
}

/// The log records of a decoded `ExportLogsServiceRequest`, one event each.
pub fn log_records(request: ExportLogsServiceRequest) -> Vec<Record> {
    let mut records = Vec::new();
    for resource_logs in request.resource_logs {
        let (service, resource) = resource_fields(resource_logs.resource.as_ref());
        for scope_logs in resource_logs.scope_logs {
            let scope = scope_fields(scope_logs.scope.as_ref());
            for log in scope_logs.log_records {
                let mut event = Map::new();
                let message = match log.body.as_ref().and_then(|body| body.value.as_ref()) {
                    Some(any_value::Value::StringValue(text)) => text.clone(),
                    Some(_) => {
                        let body = any(log.body.as_ref());
                        event.insert("body".into(), body.clone());
                        body.to_string()
                    }
                    None => log.event_name.clone(),
                };
                event.insert("event_message".into(), Value::String(message));
                let time = if log.time_unix_nano > 0 {
                    log.time_unix_nano
                } else {
                    log.observed_time_unix_nano
                };
                insert_time(&mut event, "timestamp", time);
                insert_text(&mut event, "severity_text", &log.severity_text);
                if log.severity_number > 0 {
                    event.insert("severity_number".into(), Value::from(log.severity_number));
                }
                insert_text(&mut event, "event_name", &log.event_name);
                insert_id(&mut event, "trace_id", &log.trace_id);
                insert_id(&mut event, "span_id", &log.span_id);
                if log.flags > 0 {
                    event.insert("flags".into(), Value::from(log.flags));
                }
                insert_object(&mut event, "attributes", attributes(&log.attributes));
                insert_object(&mut event, "resource", resource.clone());
                insert_object(&mut event, "scope", scope.clone());
                records.push(Record {
                    service: service.clone(),
                    event,
                });
            }
        }
    }
    records
}

/// The spans of an `ExportTraceServiceRequest`.
pub fn decode_traces(bytes: &[u8], encoding: Encoding) -> Result<Vec<Record>, DecodeError> {
    Ok(span_records(decode(bytes, encoding)?))
}

/// The spans of a decoded `ExportTraceServiceRequest`, one event each.
pub fn span_records(request: ExportTraceServiceRequest) -> Vec<Record> {
    let mut records = Vec::new();
    for resource_spans in request.resource_spans {
        let (service, resource) = resource_fields(resource_spans.resource.as_ref());
        for scope_spans in resource_spans.scope_spans {
            let scope = scope_fields(scope_spans.scope.as_ref());
            for span in scope_spans.spans {
                let mut event = Map::new();
                event.insert("event_message".into(), Value::String(span.name.clone()));
                insert_time(&mut event, "timestamp", span.start_time_unix_nano);
                event.insert("name".into(), Value::String(span.name.clone()));
                let kind =
                    span::SpanKind::try_from(span.kind).map_or("SPAN_KIND_UNSPECIFIED", |kind| kind.as_str_name());
                event.insert("kind".into(), Value::String(kind.to_owned()));
                insert_id(&mut event, "trace_id", &span.trace_id);
                insert_id(&mut event, "span_id", &span.span_id);
                insert_id(&mut event, "parent_span_id", &span.parent_span_id);
                insert_text(&mut event, "trace_state", &span.trace_state);
                insert_time(&mut event, "start_time", span.start_time_unix_nano);
                insert_time(&mut event, "end_time", span.end_time_unix_nano);
                if span.end_time_unix_nano >= span.start_time_unix_nano && span.start_time_unix_nano > 0 {
                    let nanos = span.end_time_unix_nano - span.start_time_unix_nano;
                    if let Some(ms) = Number::from_f64(nanos as f64 / 1e6) {
                        event.insert("duration_ms".into(), Value::Number(ms));
                    }
                }
                if let Some(status) = &span.status {
                    let code = status::StatusCode::try_from(status.code)
                        .map_or("STATUS_CODE_UNSET", |code| code.as_str_name());
                    let mut fields = Map::new();
                    fields.insert("code".into(), Value::String(code.to_owned()));
                    insert_text(&mut fields, "message", &status.message);
                    event.insert("status".into(), Value::Object(fields));
                }
                insert_object(&mut event, "attributes", attributes(&span.attributes));
                let events: Vec<Value> = span
                    .events
                    .iter()
                    .map(|span_event| {
                        let mut fields = Map::new();
                        fields.insert("name".into(), Value::String(span_event.name.clone()));
                        insert_time(&mut fields, "timestamp", span_event.time_unix_nano);
                        insert_object(&mut fields, "attributes", attributes(&span_event.attributes));
                        Value::Object(fields)
                    })
                    .collect();
                if !events.is_empty() {
                    event.insert("events".into(), Value::Array(events));
                }
                insert_object(&mut event, "resource", resource.clone());
                insert_object(&mut event, "scope", scope.clone());
                records.push(Record {
                    service: service.clone(),
                    event,
                });
            }
        }
    }
    records
}

fn resource_fields(resource: Option<&Resource>) -> (Option<String>, Map<String, Value>) {
    let Some(resource) = resource else {
        return (None, Map::new());
    };
    let service = resource
        .attributes
        .iter()
        .find(|pair| pair.key == "service.name")
        .and_then(
            |pair| match pair.value.as_ref().and_then(|value| value.value.as_ref()) {
                Some(any_value::Value::StringValue(name)) if !name.is_empty() => Some(name.clone()),
                _ => None,
            },
        );
    (service, attributes(&resource.attributes))
}

fn scope_fields(scope: Option<&InstrumentationScope>) -> Map<String, Value> {
    let mut fields = Map::new();
    if let Some(scope) = scope {
        insert_text(&mut fields, "name", &scope.name);
        insert_text(&mut fields, "version", &scope.version);
        insert_object(&mut fields, "attributes", attributes(&scope.attributes));
    }
    fields
}

/// Attributes as an object, keys split at their dots (`http.method` → `{http: {method}}`).
/// A key that clashes with one already there stays whole, its dots made underscores (and an
/// underscore added while that is taken too).
fn attributes(pairs: &[KeyValue]) -> Map<String, Value> {
    let mut object = Map::new();
    for pair in pairs {
        let value = any(pair.value.as_ref());
        let parts: Vec<&str> = pair.key.split('.').filter(|part| !part.is_empty()).collect();
        if parts.is_empty() {
            continue;
        }
        if !insert_path(&mut object, &parts, value.clone()) {
            let mut key = pair.key.replace('.', "_");
            while object.contains_key(&key) {
                key.push('_');
            }
            object.insert(key, value);
        }
    }
    object
}

/// Puts `value` at `path` in `object`; false when a value is in the way.
fn insert_path(object: &mut Map<String, Value>, path: &[&str], value: Value) -> bool {
    let (first, rest) = path.split_first().expect("a non-empty path");
    if rest.is_empty() {
        if object.get(*first).is_some_and(Value::is_object) {
            return false;
        }
        object.insert((*first).to_owned(), value);
        return true;
    }
    match object
        .entry((*first).to_owned())
        .or_insert_with(|| Value::Object(Map::new()))
    {
        Value::Object(inner) => insert_path(inner, rest, value),
        _ => false,
    }
}

/// An OTLP `AnyValue` as JSON (bytes as base64-free lowercase hex).
fn any(value: Option<&AnyValue>) -> Value {
    match value.and_then(|value| value.value.as_ref()) {
        None => Value::Null,
        Some(any_value::Value::StringValue(text)) => Value::String(text.clone()),
        Some(any_value::Value::BoolValue(flag)) => Value::Bool(*flag),
        Some(any_value::Value::IntValue(number)) => Value::from(*number),
        Some(any_value::Value::DoubleValue(number)) => Number::from_f64(*number).map_or(Value::Null, Value::Number),
        Some(any_value::Value::ArrayValue(array)) => {
            Value::Array(array.values.iter().map(|item| any(Some(item))).collect())
        }
        Some(any_value::Value::KvlistValue(list)) => Value::Object(attributes(&list.values)),
        Some(any_value::Value::BytesValue(bytes)) => Value::String(hex(bytes)),
        Some(any_value::Value::StringValueStrindex(index)) => Value::from(*index),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn insert_id(event: &mut Map<String, Value>, key: &str, id: &[u8]) {
    if !id.is_empty() && id.iter().any(|byte| *byte != 0) {
        event.insert(key.into(), Value::String(hex(id)));
    }
}

fn insert_text(event: &mut Map<String, Value>, key: &str, text: &str) {
    if !text.is_empty() {
        event.insert(key.into(), Value::String(text.to_owned()));
    }
}

fn insert_object(event: &mut Map<String, Value>, key: &str, object: Map<String, Value>) {
    if !object.is_empty() {
        event.insert(key.into(), Value::Object(object));
    }
}

/// Unix nanoseconds as RFC 3339 with microseconds (Cinder's precision); zero is no time.
fn insert_time(event: &mut Map<String, Value>, key: &str, nanos: u64) {
    if nanos == 0 {
        return;
    }
    let micros = i64::try_from(nanos / 1000).unwrap_or(i64::MAX);
    if let Some(time) = chrono::DateTime::from_timestamp_micros(micros) {
        event.insert(
            key.into(),
            Value::String(time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        );
    }
}

#[cfg(test)]
mod tests;

/// `google.rpc.Status`, the body of an OTLP/HTTP error.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

/// The gRPC status code for an HTTP status (OTLP/HTTP answers both).
pub fn rpc_code(http_status: u16) -> i32 {
    match http_status {
        400 | 413 | 415 => 3, // INVALID_ARGUMENT
        401 => 16,            // UNAUTHENTICATED
        403 => 7,             // PERMISSION_DENIED
        404 => 5,             // NOT_FOUND
        429 => 8,             // RESOURCE_EXHAUSTED
        503 | 507 => 14,      // UNAVAILABLE
        _ => 13,              // INTERNAL
    }
}

/// An error body in the request's encoding.
pub fn error_body(http_status: u16, message: &str, encoding: Encoding) -> Vec<u8> {
    let status = RpcStatus {
        code: rpc_code(http_status),
        message: message.to_owned(),
    };
    match encoding {
        Encoding::Protobuf => status.encode_to_vec(),
        Encoding::Json => serde_json::json!({"code": status.code, "message": status.message})
            .to_string()
            .into_bytes(),
    }
}

/// A success body (an export response with nothing rejected) in the request's encoding.
pub fn success_body(encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => Vec::new(),
        Encoding::Json => b"{}".to_vec(),
    }
}
