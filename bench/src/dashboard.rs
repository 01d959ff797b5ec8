//! Dashboard page timings, in process, for `bench/dashboard/run.sh`.
//!
//! `dashboard-bench EVENTS` starts Cinder's server state on the embedded backend in a temporary
//! directory, ingests EVENTS Supabase-shaped events spread over the last 24 hours through the
//! HTTP router, opens a dashboard session, and renders each page through the router without a
//! socket: the whole server-side time of the HTML (every query the page runs included), p50,
//! p99 and max over repeated loads.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use cinder_bench::{event, percentile};
use cinder_server::dashboard::session::Who;

const TOKEN: &str = "bench-private-token";
const LOADS: usize = 20;

async fn send(
    router: &Router,
    uri: &str,
    cookie: Option<&str>,
    body: Option<Vec<u8>>,
) -> anyhow::Result<(StatusCode, Vec<u8>)> {
    let mut request = Request::builder()
        .method(if body.is_some() { "POST" } else { "GET" })
        .uri(uri)
        .header("x-api-key", TOKEN)
        .header("content-type", "application/json");
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("cinder_session={cookie}"));
    }
    let request = request.body(body.map_or_else(Body::empty, Body::from))?;
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, bytes.to_vec()))
}

async fn ingest(router: &Router, total: usize) -> anyhow::Result<()> {
    const BATCH: usize = 2000;
    let started = Instant::now();
    let now = chrono::Utc::now();
    let mut sent = 0;
    while sent < total {
        let events: Vec<Value> = (sent..(sent + BATCH).min(total))
            .map(|index| {
                let mut event = event(index);
                // Spread over the last 24 hours, newest last.
                let age = (total - index) as i64 * 86_000_000_000 / total as i64;
                event["timestamp"] = json!((now - chrono::Duration::microseconds(age)).to_rfc3339());
                event
            })
            .collect();
        let body = serde_json::to_vec(&json!({ "batch": events }))?;
        match send(router, "/api/logs?source_name=bench", None, Some(body)).await? {
            (StatusCode::OK, _) => sent += events.len(),
            (StatusCode::TOO_MANY_REQUESTS, _) => tokio::time::sleep(Duration::from_millis(50)).await,
            (status, body) => bail!("ingest answered {status}: {}", String::from_utf8_lossy(&body)),
        }
    }
    loop {
        let (_, body) = send(
            router,
            "/api/query?sql=select%20count(*)%20as%20n%20from%20bench",
            None,
            None,
        )
        .await?;
        let stored = serde_json::from_slice::<Value>(&body)?["result"][0]["n"]
            .as_u64()
            .unwrap_or(0);
        if stored as usize >= total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "ingested and stored {total} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn measure(router: &Router, cookie: &str, label: &str, uri: &str) -> anyhow::Result<()> {
    let (status, body) = send(router, uri, Some(cookie), None).await?;
    let html = String::from_utf8_lossy(&body);
    if status != StatusCode::OK || html.contains("class=\"error\"") {
        bail!("{label}: {status}: {}", html.chars().take(2000).collect::<String>());
    }
    let mut latencies = Vec::with_capacity(LOADS);
    for _ in 0..LOADS {
        let started = Instant::now();
        let (status, _) = send(router, uri, Some(cookie), None).await?;
        latencies.push(started.elapsed());
        if status != StatusCode::OK {
            bail!("{label}: {status}");
        }
    }
    latencies.sort();
    println!(
        "{label:<28} p50 {:>8.1} ms   p99 {:>8.1} ms   max {:>8.1} ms   ({LOADS} loads, {} KB)",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        body.len() / 1024,
    );
    Ok(())
}

/// Percent-encodes everything but unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::args()
        .nth(1)
        .map(|text| text.parse())
        .transpose()
        .context("EVENTS must be a number")?
        .unwrap_or(1_000_000);
    // A second argument keeps the data directory there, and reuses what it already holds.
    let kept = std::env::args().nth(2).map(std::path::PathBuf::from);
    let dir = kept
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("cinder-dashboard-bench-{}", std::process::id())));
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut config = cinder_server::config::Config::for_data_dir(dir.clone());
    config.private_access_token = Some(TOKEN.to_owned());
    let state = cinder_server::start(config).await?;
    let router = cinder_server::router(state.clone());
    let token = match state.catalog.source_by_name("bench") {
        Some(source) => source.source.read().token.to_string(),
        None => {
            let (status, body) = send(&router, "/api/sources", None, Some(br#"{"name":"bench"}"#.to_vec())).await?;
            if status != StatusCode::CREATED {
                bail!(
                    "creating the source answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            serde_json::from_slice::<Value>(&body)?["token"]
                .as_str()
                .context("no token")?
                .to_owned()
        }
    };
    let (_, body) = send(
        &router,
        "/api/query?sql=select%20count(*)%20as%20n%20from%20bench",
        None,
        None,
    )
    .await?;
    let stored = serde_json::from_slice::<Value>(&body)?["result"][0]["n"]
        .as_u64()
        .unwrap_or(0) as usize;
    if stored < total {
        ingest(&router, total - stored).await?;
    } else {
        println!("reusing {stored} stored events in {}", dir.display());
    }
    let private = state.catalog.token(TOKEN).context("the private token")?;
    let cookie = state.sessions.open(Who::Token {
        hash: private.hash,
        id: private.id,
    });
    let search = format!("/sources/{token}/search");
    let sql = "select metadata.request.method as method, count(*) as n from bench where timestamp > '2000-01-01' group by method";
    let pages = [
        ("overview /dashboard", "/dashboard".to_owned()),
        ("search (last 24 h)", search.clone()),
        ("search t:last@1h", format!("{search}?querystring=t%3Alast%401h")),
        (
            "search status:500",
            format!("{search}?querystring=m.response.status_code%3A500"),
        ),
        (
            "search regex ~kong",
            format!("{search}?querystring=~%22rpc%2Fsearch%22"),
        ),
        (
            "search + top values",
            format!("{search}?querystring=m.request.method%3APOST&field=metadata.response.status_code"),
        ),
        ("query page", format!("/query?sql={}", percent_encode(sql))),
    ];
    for (label, uri) in &pages {
        measure(&router, &cookie, label, uri).await?;
    }
    // The two queries behind the search page, alone, through /api/query.
    let since = (chrono::Utc::now() - chrono::Duration::hours(24)).to_rfc3339();
    let parts = [
        (
            "  events query (51 rows)",
            format!("select id, timestamp, event_message, metadata, appname, project from bench where timestamp >= '{since}' order by timestamp desc, id desc limit 51"),
        ),
        (
            "  histogram query",
            format!("select div((unix_micros(timestamp) - 0), 1800000000) as bucket, count(*) as n from bench where timestamp >= '{since}' group by bucket"),
        ),
    ];
    for (label, sql) in &parts {
        measure(
            &router,
            &cookie,
            label,
            &format!("/api/query?sql={}", percent_encode(sql)),
        )
        .await?;
    }
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
