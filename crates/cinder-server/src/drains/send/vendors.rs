//! Destinations that take a JSON POST: Logflare's webhook, and the vendor APIs shaped like it
//! (Datadog's logs intake v2, Axiom's ingest API, incident.io's alert events).

use serde_json::{json, Value};

use super::{http, level, message, required, rfc3339, setting, Environment, Failure, Outgoing};
use crate::drains::Drain;

/// Datadog's logs intake per `region` (Datadog's "site").
pub const DATADOG_SITES: [(&str, &str); 9] = [
    ("US1", "https://http-intake.logs.datadoghq.com/api/v2/logs"),
    ("US3", "https://http-intake.logs.us3.datadoghq.com/api/v2/logs"),
    ("US5", "https://http-intake.logs.us5.datadoghq.com/api/v2/logs"),
    ("EU", "https://http-intake.logs.datadoghq.eu/api/v2/logs"),
    ("AP1", "https://http-intake.logs.ap1.datadoghq.com/api/v2/logs"),
    ("AP2", "https://http-intake.logs.ap2.datadoghq.com/api/v2/logs"),
    ("UK1", "https://http-intake.logs.uk1.datadoghq.com/api/v2/logs"),
    ("US1-FED", "https://http-intake.logs.ddog-gov.com/api/v2/logs"),
    ("US2-FED", "https://http-intake.logs.us2.ddog-gov.com/api/v2/logs"),
];

/// POSTs `body` as JSON, gzip'd when `gzip`, with the drain's headers and basic auth.
async fn post_json(
    client: &reqwest::Client,
    drain: &Drain,
    url: &str,
    body: &Value,
    gzip: bool,
) -> Result<reqwest::Response, Failure> {
    let bytes = serde_json::to_vec(body).map_err(|error| Failure::Permanent(error.to_string()))?;
    let request = client.post(url).header("content-type", "application/json");
    http::send(http::body(http::with_settings(request, drain), bytes, gzip)).await
}

/// Logflare's webhook: a JSON array of the events, gzip'd unless `gzip: false`, with the
/// configured headers.
pub async fn webhook(client: &reqwest::Client, drain: &Drain, events: &[Outgoing]) -> Result<(), Failure> {
    let url = required(drain, "url")?;
    let body = Value::Array(events.iter().map(|(_, event)| event.clone()).collect());
    let gzip = drain.config.get("gzip").and_then(Value::as_bool).unwrap_or(true);
    post_json(client, drain, url, &body, gzip).await.map(drop)
}

/// Datadog's logs intake v2: one log per event, its message prefixed by its time as Logflare
/// sends it, `service` the source's name, the event under `data`; `dd-api-key` authenticates.
/// `region` picks the site; `url` (a Cinder extension) sends to a proxy or private intake.
pub async fn datadog(
    client: &reqwest::Client,
    env: &Environment,
    drain: &Drain,
    events: &[Outgoing],
) -> Result<(), Failure> {
    let url = datadog_url(drain)?;
    let logs: Vec<Value> = events
        .iter()
        .map(|(source, event)| {
            let mut log = json!({
                "message": format!("{} {}", rfc3339(event), message(event)),
                "ddsource": "Supabase",
                "service": env.source_name(source),
                "data": event,
            });
            if let Some(level) = level(event) {
                log["status"] = Value::String(level);
            }
            log
        })
        .collect();
    let request = client
        .post(url)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("dd-api-key", required(drain, "api_key")?);
    let bytes = serde_json::to_vec(&logs).map_err(|error| Failure::Permanent(error.to_string()))?;
    http::send(request.body(http::gzip(&bytes))).await.map(drop)
}

pub fn datadog_url(drain: &Drain) -> Result<&str, Failure> {
    if let Some(url) = setting(drain, "url") {
        return Ok(url);
    }
    let region = setting(drain, "region").unwrap_or("US1");
    DATADOG_SITES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(region))
        .map(|(_, url)| *url)
        .ok_or_else(|| Failure::Permanent(format!("unknown Datadog region `{region}`")))
}

/// Axiom's ingest API: `POST https://<domain>/v1/datasets/<dataset_name>/ingest`, the events
/// as a JSON array with RFC 3339 times, a Bearer `api_token`. `url` (a Cinder extension)
/// replaces `https://<domain>`.
pub async fn axiom(client: &reqwest::Client, drain: &Drain, events: &[Outgoing]) -> Result<(), Failure> {
    let base = match setting(drain, "url") {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("https://{}", setting(drain, "domain").unwrap_or("api.axiom.co")),
    };
    let url = format!("{base}/v1/datasets/{}/ingest", required(drain, "dataset_name")?);
    let body: Vec<Value> = events
        .iter()
        .map(|(_, event)| {
            let mut event = event.clone();
            event["timestamp"] = Value::String(rfc3339(&event));
            event
        })
        .collect();
    let bytes = serde_json::to_vec(&body).map_err(|error| Failure::Permanent(error.to_string()))?;
    let request = client
        .post(url)
        .query(&[
            ("timestamp-field", "timestamp"),
            ("timestamp-format", "2006-01-02T15:04:05.999999Z07:00"),
        ])
        .bearer_auth(required(drain, "api_token")?)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(http::gzip(&bytes));
    http::send(request).await.map(drop)
}

/// incident.io's HTTP alert source: one firing alert event per batch, the events under
/// `metadata.data`, deduplicated per batch and minute. `url` (a Cinder extension) replaces
/// `https://api.incident.io`.
pub async fn incidentio(client: &reqwest::Client, drain: &Drain, events: &[Outgoing]) -> Result<(), Failure> {
    let base = setting(drain, "url")
        .unwrap_or("https://api.incident.io")
        .trim_end_matches('/');
    let url = format!(
        "{base}/v2/alert_events/http/{}",
        required(drain, "alert_source_config_id")?
    );
    let data: Vec<&Value> = events.iter().map(|(_, event)| event).collect();
    let mut metadata = drain
        .config
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    metadata.insert("data".into(), json!(data));
    let first = events
        .first()
        .map(|(_, event)| event["id"].as_str().unwrap_or_default())
        .unwrap_or_default();
    let minute = chrono::Utc::now().format("%Y%m%d%H%M");
    let body = json!({
        "deduplication_key": format!("{first}-{}-{minute}", events.len()),
        "title": setting(drain, "title").map_or_else(|| format!("{} events detected", events.len()), str::to_owned),
        "description": drain.description,
        "status": "firing",
        "metadata": metadata,
    });
    let request = client.post(url).bearer_auth(required(drain, "api_token")?).json(&body);
    http::send(request).await.map(drop)
}
