//! Sentry's logs: an envelope (`POST /api/<project>/envelope/`) with one `log` item holding
//! the batch, authenticated by the DSN's public key.

use serde_json::{json, Map, Value};

use super::{http, level, message, micros, required, Failure, Outgoing};
use crate::drains::Drain;

/// Where a DSN sends envelopes, and its public key.
#[derive(Debug, PartialEq)]
pub struct Dsn {
    pub endpoint: String,
    pub key: String,
}

/// Parses `<scheme>://<public key>[:<secret>]@<host>[:<port>][/<path>]/<project id>`.
pub fn parse_dsn(dsn: &str) -> Result<Dsn, String> {
    let url = reqwest::Url::parse(dsn).map_err(|error| format!("the DSN is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the DSN must start with https:// or http://".into());
    }
    let key = url.username();
    if key.is_empty() {
        return Err("the DSN has no public key (https://<key>@<host>/<project>)".into());
    }
    let host = url.host_str().ok_or("the DSN names no host")?;
    let path = url.path().trim_end_matches('/');
    let (prefix, project) = path.rsplit_once('/').ok_or("the DSN names no project")?;
    if project.is_empty() || !project.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("the DSN's last path segment must be the project id".into());
    }
    let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
    Ok(Dsn {
        endpoint: format!("{}://{host}{port}{prefix}/api/{project}/envelope/", url.scheme()),
        key: key.to_owned(),
    })
}

/// A Sentry log level from an event's level.
fn sentry_level(level: Option<String>) -> &'static str {
    match level.as_deref() {
        Some("trace") => "trace",
        Some("debug") => "debug",
        Some("warn" | "warning") => "warn",
        Some("error" | "err") => "error",
        Some("fatal" | "critical" | "crit" | "emergency" | "emerg" | "alert" | "panic") => "fatal",
        _ => "info",
    }
}

/// The event's other fields as Sentry attributes (`{"value": …, "type": …}`), flattened with
/// dots.
fn attributes(prefix: &str, value: &Value, into: &mut Map<String, Value>) {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                attributes(&name, value, into);
            }
        }
        Value::Null => {}
        Value::Bool(flag) => {
            into.insert(prefix.to_owned(), json!({"value": flag, "type": "boolean"}));
        }
        Value::Number(number) if number.is_i64() => {
            into.insert(prefix.to_owned(), json!({"value": number, "type": "integer"}));
        }
        Value::Number(number) => {
            into.insert(prefix.to_owned(), json!({"value": number, "type": "double"}));
        }
        Value::String(text) => {
            into.insert(prefix.to_owned(), json!({"value": text, "type": "string"}));
        }
        Value::Array(_) => {
            into.insert(prefix.to_owned(), json!({"value": value.to_string(), "type": "string"}));
        }
    }
}

/// The envelope for a batch.
pub fn envelope(dsn: &str, events: &[Outgoing]) -> Vec<u8> {
    let items: Vec<Value> = events
        .iter()
        .map(|(_, event)| {
            let mut rest = event.clone();
            if let Some(fields) = rest.as_object_mut() {
                for key in ["timestamp", "event_message", "level", "trace_id"] {
                    fields.remove(key);
                }
            }
            let mut attrs = Map::new();
            attributes("", &rest, &mut attrs);
            let trace_id = event["trace_id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
            json!({
                "timestamp": micros(event) as f64 / 1e6,
                "level": sentry_level(level(event)),
                "body": message(event),
                "trace_id": trace_id,
                "attributes": attrs,
            })
        })
        .collect();
    let header =
        json!({"dsn": dsn, "sent_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
    let item_header = json!({
        "type": "log",
        "item_count": items.len(),
        "content_type": "application/vnd.sentry.items.log+json",
    });
    format!("{header}\n{item_header}\n{}\n", json!({"items": items})).into_bytes()
}

pub async fn send(client: &reqwest::Client, drain: &Drain, events: &[Outgoing]) -> Result<(), Failure> {
    let dsn_text = required(drain, "dsn")?;
    let dsn = parse_dsn(dsn_text).map_err(Failure::Permanent)?;
    let auth = format!(
        "Sentry sentry_version=7, sentry_key={}, sentry_client=cinder/{}",
        dsn.key,
        env!("CARGO_PKG_VERSION")
    );
    let request = client
        .post(&dsn.endpoint)
        .header("content-type", "application/x-sentry-envelope")
        .header("x-sentry-auth", auth)
        .body(envelope(dsn_text, events));
    http::send(request).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsns() {
        assert_eq!(
            parse_dsn("https://abc@o1.ingest.sentry.io/42").unwrap(),
            Dsn {
                endpoint: "https://o1.ingest.sentry.io/api/42/envelope/".into(),
                key: "abc".into()
            }
        );
        assert_eq!(
            parse_dsn("http://k:s@127.0.0.1:9000/sentry/7").unwrap().endpoint,
            "http://127.0.0.1:9000/sentry/api/7/envelope/"
        );
        assert!(parse_dsn("https://o1.ingest.sentry.io/42").is_err());
        assert!(parse_dsn("https://k@host/").is_err());
        assert!(parse_dsn("ftp://k@host/1").is_err());
    }

    #[test]
    fn an_envelope_has_one_log_item_with_every_event() {
        let events = vec![(
            uuid::Uuid::nil(),
            json!({"id": "e1", "timestamp": 1_700_000_000_500_000i64, "event_message": "boom",
                   "metadata": {"level": "ERROR", "status": 500, "ok": false}}),
        )];
        let text = String::from_utf8(envelope("https://k@h/1", &events)).unwrap();
        let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(lines[0]["dsn"], "https://k@h/1");
        assert_eq!(lines[1]["type"], "log");
        assert_eq!(lines[1]["item_count"], 1);
        let item = &lines[2]["items"][0];
        assert_eq!(item["body"], "boom");
        assert_eq!(item["level"], "error");
        assert_eq!(item["timestamp"], 1_700_000_000.5);
        assert_eq!(
            item["attributes"]["metadata.status"],
            json!({"value": 500, "type": "integer"})
        );
        assert_eq!(item["attributes"]["id"]["value"], "e1");
        assert_eq!(item["trace_id"].as_str().unwrap().len(), 32);
    }
}
