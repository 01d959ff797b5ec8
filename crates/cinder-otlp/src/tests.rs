use opentelemetry_proto::tonic::common::v1::ArrayValue;
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use serde_json::json;

use super::*;

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

fn resource() -> Option<Resource> {
    Some(Resource {
        attributes: vec![string("service.name", "checkout"), string("service.version", "1.2")],
        ..Default::default()
    })
}

#[test]
fn protobuf_logs_keep_ids_attributes_and_resource() {
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource(),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "app.logger".into(),
                    version: "0.1".into(),
                    ..Default::default()
                }),
                log_records: vec![
                    LogRecord {
                        time_unix_nano: 1_764_745_200_000_001_000,
                        severity_number: 17,
                        severity_text: "ERROR".into(),
                        body: Some(AnyValue {
                            value: Some(any_value::Value::StringValue("payment failed".into())),
                        }),
                        attributes: vec![
                            string("http.method", "POST"),
                            string("http", "clash"),
                            KeyValue {
                                key: "tags".into(),
                                value: Some(AnyValue {
                                    value: Some(any_value::Value::ArrayValue(ArrayValue {
                                        values: vec![AnyValue {
                                            value: Some(any_value::Value::IntValue(7)),
                                        }],
                                    })),
                                }),
                                ..Default::default()
                            },
                        ],
                        trace_id: vec![0xab; 16],
                        span_id: vec![0x01; 8],
                        ..Default::default()
                    },
                    LogRecord {
                        observed_time_unix_nano: 1_764_745_200_000_000_000,
                        body: Some(AnyValue {
                            value: Some(any_value::Value::KvlistValue(
                                opentelemetry_proto::tonic::common::v1::KeyValueList {
                                    values: vec![string("order", "o-1")],
                                },
                            )),
                        }),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let records = decode_logs(&request.encode_to_vec(), Encoding::Protobuf).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].service.as_deref(), Some("checkout"));
    let event = Value::Object(records[0].event.clone());
    assert_eq!(event["event_message"], "payment failed");
    assert_eq!(event["timestamp"], "2025-12-03T07:00:00.000001Z");
    assert_eq!(event["severity_text"], "ERROR");
    assert_eq!(event["trace_id"], "ab".repeat(16));
    assert_eq!(event["span_id"], "01".repeat(8));
    // `http` came after `http.method`: it cannot replace the object, so it takes another key.
    assert_eq!(event["attributes"]["http_"], "clash");
    assert_eq!(event["attributes"]["http"]["method"], "POST");
    assert_eq!(event["attributes"]["tags"], json!([7]));
    assert_eq!(
        event["resource"]["service"],
        json!({"name": "checkout", "version": "1.2"})
    );
    assert_eq!(event["scope"]["name"], "app.logger");
    // A structured body is kept as it is, and its JSON is the message.
    let second = Value::Object(records[1].event.clone());
    assert_eq!(second["body"], json!({"order": "o-1"}));
    assert_eq!(second["event_message"], "{\"order\":\"o-1\"}");
    assert_eq!(second["timestamp"], "2025-12-03T07:00:00.000000Z");
}

#[test]
fn a_key_whose_prefix_is_a_value_stays_whole() {
    let object = attributes(&[string("http", "x"), string("http.method", "GET")]);
    assert_eq!(Value::Object(object), json!({"http": "x", "http_method": "GET"}));
}

#[test]
fn json_traces_use_hex_ids_and_string_times() {
    let body = json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
        "scopeSpans": [{"scope": {"name": "tracer"}, "spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "parentSpanId": "eee19b7ec3c1b173",
            "name": "GET /orders",
            "kind": 2,
            "startTimeUnixNano": "1764745200000000000",
            "endTimeUnixNano": "1764745200250000000",
            "attributes": [{"key": "http.status_code", "value": {"intValue": "200"}}],
            "events": [{"timeUnixNano": "1764745200100000000", "name": "cache miss"}],
            "status": {"code": 2, "message": "boom"}
        }]}]
    }]});
    let records = decode_traces(body.to_string().as_bytes(), Encoding::Json).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].service.as_deref(), Some("api"));
    let event = Value::Object(records[0].event.clone());
    assert_eq!(event["event_message"], "GET /orders");
    assert_eq!(event["kind"], "SPAN_KIND_SERVER");
    assert_eq!(event["trace_id"], "5b8efff798038103d269b633813fc60c");
    assert_eq!(event["parent_span_id"], "eee19b7ec3c1b173");
    assert_eq!(event["duration_ms"], 250.0);
    assert_eq!(event["attributes"]["http"]["status_code"], 200);
    assert_eq!(event["status"], json!({"code": "STATUS_CODE_ERROR", "message": "boom"}));
    assert_eq!(event["events"][0]["name"], "cache miss");
}

#[test]
fn protobuf_spans_round_trip() {
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource(),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: "work".into(),
                    start_time_unix_nano: 1_000_000_000,
                    end_time_unix_nano: 3_000_000_000,
                    status: Some(Status::default()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let records = decode_traces(&request.encode_to_vec(), Encoding::Protobuf).unwrap();
    assert_eq!(records[0].event["duration_ms"], 2000.0);
    assert_eq!(records[0].event["status"]["code"], "STATUS_CODE_UNSET");
}

#[test]
fn garbage_is_a_clear_error() {
    assert!(decode_logs(b"\xff\xff\xff\xff", Encoding::Protobuf).is_err());
    assert!(decode_logs(b"{\"resourceLogs\": 3}", Encoding::Json).is_err());
    assert!(decode_traces(b"not json", Encoding::Json).is_err());
    assert!(Encoding::from_content_type(Some("text/plain")).is_err());
    assert_eq!(
        Encoding::from_content_type(Some("application/json; charset=utf-8")).unwrap(),
        Encoding::Json
    );
}
