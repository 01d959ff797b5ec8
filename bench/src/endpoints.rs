//! Endpoint calls, in process, for `bench/endpoints/run.sh`.
//!
//! `endpoints-bench EVENTS` starts Cinder's server state on the embedded backend in a temporary
//! directory, ingests EVENTS Supabase-shaped events through the HTTP router, creates the same
//! aggregate endpoint twice (cached, and with `cache_duration_seconds: 0`), and calls each
//! through the router without a socket: sequential latency (p50/p99/max) and requests/s, and
//! requests/s from 8 concurrent callers.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use cinder_bench::{event, percentile};

const TOKEN: &str = "bench-private-token";
const QUERY: &str = "select metadata.request.method as method, count(*) as n, avg(metadata.response.origin_time) as t \
     from bench where metadata.response.status_code >= cast(@min_status as int64) group by method order by n desc";

async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    body: Option<Vec<u8>>,
) -> anyhow::Result<(StatusCode, Vec<u8>)> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("x-api-key", TOKEN)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, Body::from))?;
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, bytes.to_vec()))
}

async fn ingest(router: &Router, total: usize) -> anyhow::Result<()> {
    const BATCH: usize = 1000;
    let started = Instant::now();
    let mut sent = 0;
    while sent < total {
        let events: Vec<Value> = (sent..(sent + BATCH).min(total)).map(event).collect();
        let body = serde_json::to_vec(&json!({ "batch": events }))?;
        match send(router, "POST", "/api/logs?source_name=bench", Some(body)).await? {
            (StatusCode::OK, _) => sent += events.len(),
            (StatusCode::TOO_MANY_REQUESTS, _) => tokio::time::sleep(Duration::from_millis(50)).await,
            (status, body) => bail!("ingest answered {status}: {}", String::from_utf8_lossy(&body)),
        }
    }
    loop {
        let (_, body) = send(
            router,
            "GET",
            "/api/query?sql=select%20count(*)%20as%20n%20from%20bench",
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

async fn create_endpoint(router: &Router, name: &str, cache_seconds: u32) -> anyhow::Result<String> {
    let body = json!({"name": name, "query": QUERY, "cache_duration_seconds": cache_seconds});
    let (status, reply) = send(router, "POST", "/api/endpoints", Some(serde_json::to_vec(&body)?)).await?;
    if status != StatusCode::CREATED {
        bail!(
            "creating the endpoint answered {status}: {}",
            String::from_utf8_lossy(&reply)
        );
    }
    let reply: Value = serde_json::from_slice(&reply)?;
    Ok(reply["token"].as_str().context("no token")?.to_owned())
}

async fn measure(router: &Router, label: &str, uri: &str, calls: usize) -> anyhow::Result<()> {
    let (status, body) = send(router, "GET", uri, None).await?;
    let reply: Value = serde_json::from_slice(&body)?;
    if status != StatusCode::OK || reply.get("error").is_some() {
        bail!("{label}: {status} {reply}");
    }
    let mut latencies = Vec::with_capacity(calls);
    let started = Instant::now();
    for _ in 0..calls {
        let call = Instant::now();
        let (status, _) = send(router, "GET", uri, None).await?;
        latencies.push(call.elapsed());
        if status != StatusCode::OK {
            bail!("{label}: {status}");
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "{label:<10} sequential: {:>9.0} req/s   p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   ({calls} calls)",
        calls as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let started = Instant::now();
    let per_task = calls.div_ceil(8);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let router = router.clone();
            let uri = uri.to_owned();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    send(&router, "GET", &uri, None).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    println!(
        "{label:<10} 8 callers:  {:>9.0} req/s",
        (per_task * 8) as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::args()
        .nth(1)
        .map(|text| text.parse())
        .transpose()
        .context("EVENTS must be a number")?
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("cinder-endpoints-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = cinder_server::config::Config::for_data_dir(dir.clone());
    config.private_access_token = Some(TOKEN.to_owned());
    let state = cinder_server::start(config).await?;
    let router = cinder_server::router(state);
    let (status, body) = send(&router, "POST", "/api/sources", Some(br#"{"name":"bench"}"#.to_vec())).await?;
    if status != StatusCode::CREATED {
        bail!(
            "creating the source answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    ingest(&router, total).await?;
    let cached = create_endpoint(&router, "cached", 3600).await?;
    let uncached = create_endpoint(&router, "uncached", 0).await?;
    let params = "?min_status=200";
    measure(
        &router,
        "cached",
        &format!("/api/endpoints/query/{cached}{params}"),
        20_000,
    )
    .await?;
    measure(
        &router,
        "uncached",
        &format!("/api/endpoints/query/{uncached}{params}"),
        100,
    )
    .await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
