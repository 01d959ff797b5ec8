//! Events as an OTLP logs export (`ExportLogsServiceRequest`, protobuf), for the drains that
//! send to an OpenTelemetry collector: a resource per service, a log record per event.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use serde_json::{Map, Value};

/// One event to export.
pub struct Outgoing<'e> {
    /// Nanoseconds since the epoch.
    pub time_unix_nano: u64,
    /// Its message: the record's body.
    pub message: &'e str,
    /// Its level, if it has one.
    pub severity: Option<&'e str>,
    /// Its other fields: the record's attributes.
    pub fields: &'e Map<String, Value>,
}

/// The export of `services`, each a service name and its events. With `flatten`, nested fields
/// become dotted attribute keys (`metadata.status`); else they stay nested (`kvlist_value`).
pub fn encode_logs(services: &[(String, Vec<Outgoing<'_>>)], flatten: bool) -> Vec<u8> {
    let resource_logs = services
        .iter()
        .map(|(service, events)| ResourceLogs {
            resource: Some(Resource {
                attributes: vec![pair("service.name", text(service))],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "cinder".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                log_records: events.iter().map(|event| record(event, flatten)).collect(),
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        })
        .collect();
    ExportLogsServiceRequest { resource_logs }.encode_to_vec()
}

fn record(event: &Outgoing<'_>, flatten: bool) -> LogRecord {
    let mut attributes = Vec::new();
    if flatten {
        flattened("", &Value::Object(event.fields.clone()), &mut attributes);
    } else {
        attributes = event.fields.iter().map(|(key, value)| pair(key, any(value))).collect();
    }
    LogRecord {
        time_unix_nano: event.time_unix_nano,
        observed_time_unix_nano: event.time_unix_nano,
        severity_number: severity_number(event.severity),
        severity_text: event.severity.unwrap_or_default().to_owned(),
        body: Some(text(event.message)),
        attributes,
        ..Default::default()
    }
}

/// OpenTelemetry's severity number for a level's name.
fn severity_number(level: Option<&str>) -> i32 {
    match level.map(str::to_ascii_lowercase).as_deref() {
        Some("trace") => 1,
        Some("debug") => 5,
        Some("info" | "informational" | "notice" | "log") => 9,
        Some("warn" | "warning") => 13,
        Some("error" | "err") => 17,
        Some("fatal" | "critical" | "crit" | "alert" | "emerg" | "emergency" | "panic") => 21,
        _ => 0,
    }
}

fn pair(key: &str, value: AnyValue) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(value),
        ..Default::default()
    }
}

fn text(value: &str) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(value.to_owned())),
    }
}

fn any(value: &Value) -> AnyValue {
    let value = match value {
        Value::Null => None,
        Value::Bool(flag) => Some(any_value::Value::BoolValue(*flag)),
        Value::Number(number) => Some(match number.as_i64() {
            Some(integer) => any_value::Value::IntValue(integer),
            None => any_value::Value::DoubleValue(number.as_f64().unwrap_or_default()),
        }),
        Value::String(text) => Some(any_value::Value::StringValue(text.clone())),
        Value::Array(items) => Some(any_value::Value::ArrayValue(ArrayValue {
            values: items.iter().map(any).collect(),
        })),
        Value::Object(fields) => Some(any_value::Value::KvlistValue(KeyValueList {
            values: fields.iter().map(|(key, value)| pair(key, any(value))).collect(),
        })),
    };
    AnyValue { value }
}

fn flattened(prefix: &str, value: &Value, into: &mut Vec<KeyValue>) {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flattened(&name, value, into);
            }
        }
        Value::Null => {}
        other => into.push(pair(prefix, any(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_logs, Encoding};
    use serde_json::json;

    #[test]
    fn an_export_decodes_to_the_same_events() {
        let fields = json!({"id": "e1", "metadata": {"status": 500, "path": "/x"}, "ok": true});
        let fields = fields.as_object().unwrap();
        let outgoing = |flat| {
            encode_logs(
                &[(
                    "auth".to_owned(),
                    vec![Outgoing {
                        time_unix_nano: 1_700_000_000_000_000_001,
                        message: "boom",
                        severity: Some("error"),
                        fields,
                    }],
                )],
                flat,
            )
        };
        for flat in [false, true] {
            let records = decode_logs(&outgoing(flat), Encoding::Protobuf).unwrap();
            assert_eq!(records.len(), 1);
            let record = &records[0];
            assert_eq!(record.service.as_deref(), Some("auth"));
            assert_eq!(record.event["event_message"], "boom");
            assert_eq!(record.event["severity_number"], 17);
            // Dotted keys split back into objects when decoded, so both forms read the same.
            assert_eq!(
                record.event["attributes"]["metadata"]["status"], 500,
                "{:?}",
                record.event
            );
            assert_eq!(record.event["attributes"]["ok"], true);
        }
    }
}
