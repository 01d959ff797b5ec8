//! OpenTelemetry collectors over OTLP/HTTP (protobuf): `otlp` sends to its `endpoint` (a
//! collector's `/v1/logs`; a bare host gets that path) with its `headers`, gzip'd unless
//! `gzip: false`; `last9` sends to the OTLP endpoint of its `region` with basic auth. A
//! resource per source (`service.name` its name), a log record per event.

use std::collections::BTreeMap;

use cinder_otlp::export::{encode_logs, Outgoing as Record};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{http, level, message, micros, required, setting, Environment, Failure, Outgoing};
use crate::drains::{Drain, DrainType};

/// Last9's OTLP endpoints per `region`.
pub const LAST9_REGIONS: [(&str, &str); 2] = [
    ("US-WEST-1", "https://otlp.last9.io"),
    ("AP-SOUTH-1", "https://otlp-aps1.last9.io"),
];

/// Where the drain's logs go.
pub fn url(drain: &Drain) -> Result<String, Failure> {
    let base = match drain.kind {
        DrainType::Last9 => match setting(drain, "url") {
            Some(url) => url.to_owned(),
            None => {
                let region = required(drain, "region")?;
                LAST9_REGIONS
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(region))
                    .map(|(_, url)| (*url).to_owned())
                    .ok_or_else(|| Failure::Permanent(format!("unknown Last9 region `{region}`")))?
            }
        },
        _ => required(drain, "endpoint")?.to_owned(),
    };
    let parsed = reqwest::Url::parse(&base).map_err(|error| Failure::Permanent(format!("bad endpoint: {error}")))?;
    Ok(if matches!(parsed.path(), "" | "/") {
        format!("{}/v1/logs", base.trim_end_matches('/'))
    } else {
        base
    })
}

pub async fn send(
    client: &reqwest::Client,
    env: &Environment,
    drain: &Drain,
    events: &[Outgoing],
) -> Result<(), Failure> {
    let url = url(drain)?;
    let flatten = drain
        .config
        .get("flatten_to_attributes")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // The fields that become attributes: all but the message and the time.
    let fields: Vec<Map<String, Value>> = events
        .iter()
        .map(|(_, event)| {
            let mut fields = event.as_object().cloned().unwrap_or_default();
            fields.remove("event_message");
            fields.remove("timestamp");
            fields
        })
        .collect();
    let levels: Vec<Option<String>> = events.iter().map(|(_, event)| level(event)).collect();
    let mut by_source: BTreeMap<Uuid, Vec<Record<'_>>> = BTreeMap::new();
    for (index, (source, event)) in events.iter().enumerate() {
        by_source.entry(*source).or_default().push(Record {
            time_unix_nano: (micros(event).max(0) as u64) * 1000,
            message: message(event),
            severity: levels[index].as_deref(),
            fields: &fields[index],
        });
    }
    let services: Vec<(String, Vec<Record<'_>>)> = by_source
        .into_iter()
        .map(|(source, records)| (env.source_name(&source), records))
        .collect();
    let body = encode_logs(&services, flatten);
    let gzip = drain.kind == DrainType::Last9 || drain.config.get("gzip").and_then(Value::as_bool).unwrap_or(true);
    let request = client.post(url).header("content-type", "application/x-protobuf");
    http::send(http::body(http::with_settings(request, drain), body, gzip))
        .await
        .map(drop)
}
