//! Supabase Studio's queries over a day of Supabase-shaped events, for `bench/studio/run.sh`.
//!
//! - `studio-bench ingest URL PUBLIC_TOKEN EVENTS CLIENTS`: sends EVENTS events into the nine
//!   Supabase sources as Vector does (a JSON array of 500 per request, `source_name`, the public
//!   token), spread over the 24 hours before the current hour, half of them API gateway (Kong)
//!   logs. The events are the Supabase fixture's (`testdata/supabase/`, the rich and the sparse
//!   shapes), with their status codes, paths, methods, durations and sizes varied. Waits until
//!   every one is stored and prints the rate.
//! - `studio-bench queries URL PRIVATE_TOKEN OUT.json`: sends every query of the Studio corpus
//!   (`testdata/golden/studio/*/input.sql`) as Studio does, over that day, three times each, and
//!   writes the median time and the row count of each to OUT.json.
//! - `studio-bench baseline DATABASE OUT.json`: with Cinder stopped, opens its DuckDB file and
//!   runs the same questions hand-written for DuckDB over the typed columns (three times each),
//!   then prints the table: Cinder's time, the hand-written time, their ratio, and whether both
//!   returned the same number of rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Timelike, Utc};
use serde_json::{json, Map, Value};

/// The nine Supabase sources and their share of the events (per thousand).
const SOURCES: [(&str, usize); 9] = [
    ("cloudflare.logs.prod", 500),
    ("postgres.logs", 200),
    ("gotrue.logs.prod", 100),
    ("postgREST.logs.prod", 50),
    ("storage.logs.prod.2", 50),
    ("realtime.logs.prod", 40),
    ("deno-relay-logs", 30),
    ("deno-subhosting-events", 20),
    ("pgbouncer.logs.prod", 10),
];
const BATCH: usize = 500;
const RUNS: usize = 3;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// The 24 hours Studio asks about: the day before the current hour.
fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    let end = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .expect("a valid hour");
    (end - chrono::Duration::hours(24), end)
}

fn iso(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Varies the fields Studio's reports group and filter by, wherever they are in the event.
fn vary(value: &mut Value, seed: u64) {
    const PATHS: [&str; 8] = [
        "/rest/v1/todos",
        "/rest/v1/profiles",
        "/rest/v1/rpc/search_items",
        "/auth/v1/token",
        "/auth/v1/user",
        "/storage/v1/object/public/avatars/a.png",
        "/functions/v1/hello-world",
        "/realtime/v1/websocket",
    ];
    const STATUSES: [i64; 12] = [200, 200, 200, 200, 200, 200, 201, 204, 304, 401, 404, 500];
    const METHODS: [&str; 6] = ["GET", "GET", "GET", "POST", "PATCH", "DELETE"];
    const CACHE: [&str; 4] = ["HIT", "MISS", "DYNAMIC", "EXPIRED"];
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            for item in items {
                vary(item, seed);
            }
        }
        return;
    };
    for (key, field) in map.iter_mut() {
        let pick = (mix(seed ^ key.len() as u64) >> 8) as usize;
        match (key.as_str(), &*field) {
            ("status_code" | "status", Value::Number(_)) => *field = json!(STATUSES[pick % STATUSES.len()]),
            ("origin_time" | "duration", Value::Number(_)) => *field = json!(pick % 2_000),
            ("path", Value::String(_)) => *field = json!(PATHS[pick % PATHS.len()]),
            ("method", Value::String(_)) => *field = json!(METHODS[pick % METHODS.len()]),
            ("cf_cache_status", Value::String(_)) => *field = json!(CACHE[pick % CACHE.len()]),
            ("content_length", Value::String(_)) => *field = json!((pick % 50_000).to_string()),
            ("content_length", Value::Number(_)) => *field = json!(pick % 50_000),
            _ => vary(field, seed),
        }
    }
}

/// Each source's events of the fixture, rich and sparse, to build events from.
fn templates() -> anyhow::Result<BTreeMap<String, Vec<Value>>> {
    let mut templates: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for file in ["supabase/events.json", "supabase/sparse.json"] {
        let text = std::fs::read_to_string(testdata().join(file)).with_context(|| file.to_owned())?;
        let by_source: BTreeMap<String, Vec<Value>> = serde_json::from_str(&text)?;
        for (source, events) in by_source {
            templates.entry(source).or_default().extend(events);
        }
    }
    for (source, _) in SOURCES {
        if templates.get(source).is_none_or(Vec::is_empty) {
            bail!("the fixture has no events for {source}");
        }
    }
    Ok(templates)
}

/// One request's worth of a source's events: numbers `first..first + BATCH` of `count`.
struct Batch {
    source: usize,
    first: usize,
    count: usize,
}

async fn ingest(url: String, token: String, total: usize, clients: usize) -> anyhow::Result<()> {
    let templates = Arc::new(templates()?);
    let (start, end) = window();
    let span = (end - start).num_microseconds().expect("a day") as f64;
    let counts: Vec<usize> = SOURCES.iter().map(|(_, share)| total * share / 1000).collect();
    // Requests in the order of their events' time, sources interleaved, as a day of traffic.
    let mut batches: Vec<(f64, Batch)> = Vec::new();
    for (source, &count) in counts.iter().enumerate() {
        for first in (0..count).step_by(BATCH) {
            let time = first as f64 / count as f64;
            batches.push((time, Batch { source, first, count }));
        }
    }
    batches.sort_by(|a, b| a.0.total_cmp(&b.0));
    let batches: Arc<Vec<Batch>> = Arc::new(batches.into_iter().map(|(_, batch)| batch).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (url, token, batches, next, templates) = (
            url.clone(),
            token.clone(),
            batches.clone(),
            next.clone(),
            templates.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut bytes, mut refused) = (0usize, 0usize);
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(index) else {
                    break;
                };
                let name = SOURCES[batch.source].0;
                let shapes = &templates[name];
                let last = (batch.first + BATCH).min(batch.count);
                let events: Vec<Value> = (batch.first..last)
                    .map(|number| {
                        let seed = mix((batch.source as u64) << 40 | number as u64);
                        let mut event = shapes[seed as usize % shapes.len()].clone();
                        vary(&mut event, seed);
                        let offset = span * (number as f64 + 0.5) / batch.count as f64;
                        let time = start + chrono::Duration::microseconds(offset as i64);
                        let object = event.as_object_mut().expect("an object");
                        object.remove("id");
                        object.insert("timestamp".into(), json!(time.to_rfc3339()));
                        event
                    })
                    .collect();
                let body = serde_json::to_vec(&events)?;
                bytes += body.len();
                loop {
                    let response = client
                        .post(format!("{url}/api/logs?source_name={name}"))
                        .header("x-api-key", &token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await?;
                    let status = response.status();
                    response.bytes().await?;
                    if status.is_success() {
                        break;
                    }
                    if status.as_u16() != 429 && status.as_u16() != 503 {
                        bail!("ingest into {name} answered {status}");
                    }
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            anyhow::Ok((bytes, refused))
        }));
    }
    let (mut bytes, mut refused) = (0, 0);
    for task in tasks {
        let (b, r) = task.await??;
        bytes += b;
        refused += r;
    }
    let acknowledged = started.elapsed().as_secs_f64();
    let sent: usize = counts.iter().sum();
    println!(
        "ingest: {sent} events acknowledged in {acknowledged:.1} s: {:.0} events/s, {:.1} MB/s ({clients} clients, batches of {BATCH}, {refused} requests answered 429 and retried, {:.0} bytes/event)",
        sent as f64 / acknowledged,
        bytes as f64 / acknowledged / 1e6,
        bytes as f64 / sent as f64,
    );
    Ok(())
}

/// Waits until every source holds its share of `total` events.
async fn wait_stored(url: &str, token: &str, total: usize) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    for (name, share) in SOURCES {
        let expected = (total * share / 1000) as u64;
        loop {
            let sql = format!("select count(*) as n from `{name}` where timestamp > '1900-01-01'");
            let reply: Value = client
                .get(format!("{url}/api/query"))
                .query(&[("sql", sql.as_str())])
                .header("x-api-key", token)
                .send()
                .await?
                .json()
                .await?;
            let stored = reply["result"][0]["n"].as_u64().unwrap_or(0);
            if stored >= expected {
                break;
            }
            if started.elapsed() > Duration::from_secs(1800) {
                bail!("{name}: {stored} of {expected} events stored after 30 minutes");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    println!(
        "stored: every event, {:.1} s after the last acknowledgement",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn corpus() -> anyhow::Result<Vec<(String, String)>> {
    let dir = testdata().join("golden/studio");
    let mut names: Vec<String> = std::fs::read_dir(&dir)?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<anyhow::Result<_>>()?;
    names.retain(|name| name.starts_with('Q') || name.starts_with('S'));
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let sql = std::fs::read_to_string(dir.join(&name).join("input.sql"))?;
            Ok((name, sql))
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn millis(time: Duration) -> f64 {
    time.as_secs_f64() * 1e3
}

async fn queries(url: String, token: String, out: String) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let (start, end) = window();
    let (start, end) = (iso(start), iso(end));
    // An event id and a function id that exist, for the queries that name one.
    let pick = |sql: &str| {
        let client = client.clone();
        let (url, token, sql) = (url.clone(), token.clone(), sql.to_owned());
        async move {
            let reply: Value = client
                .get(format!("{url}/api/query"))
                .query(&[("sql", sql.as_str())])
                .header("x-api-key", &token)
                .send()
                .await?
                .json()
                .await?;
            anyhow::Ok(reply["result"][0]["v"].as_str().unwrap_or("none").to_owned())
        }
    };
    let id = pick("select id as v from `cloudflare.logs.prod` where timestamp > '1900-01-01' limit 1").await?;
    let function = pick(
        "select m.function_id as v from `deno-relay-logs` cross join unnest(metadata) as m where timestamp > '1900-01-01' and m.function_id is not null limit 1",
    )
    .await?;
    let mut results = Map::new();
    for (name, input) in corpus()? {
        let sql = input
            .replace("<START>", &start)
            .replace("<END>", &end)
            .replace("<CHART_FROM>", &start)
            .replace("<FN_ID>", &function)
            .replace("<ID>", &id)
            .replace("<uniqueId>", "hello");
        // Q*: Studio's queries inside logs.all; S*: the seeded endpoints' own SQL.
        let (path, mut pairs) = if name.starts_with('S') {
            ("/api/query".to_owned(), vec![("interval", "hourly")])
        } else {
            ("/api/endpoints/query/logs.all".to_owned(), vec![])
        };
        pairs.extend([
            ("project", "default"),
            ("sql", sql.as_str()),
            ("iso_timestamp_start", start.as_str()),
            ("iso_timestamp_end", end.as_str()),
        ]);
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..RUNS {
            let sent = Instant::now();
            let response = client
                .get(format!("{url}{path}"))
                .query(&pairs)
                .header("x-api-key", &token)
                .send()
                .await?;
            let status = response.status();
            let reply: Value = response.json().await?;
            times.push(sent.elapsed());
            let Some(result) = reply["result"].as_array() else {
                bail!("{name} answered {status}: {reply}");
            };
            rows = result.len();
        }
        let time = median(times.clone());
        println!(
            "{name:>4}: {:8.1} ms (runs {}), {rows} rows",
            millis(time),
            times
                .iter()
                .map(|t| format!("{:.1}", millis(*t)))
                .collect::<Vec<_>>()
                .join(" / ")
        );
        results.insert(
            name,
            json!({"ms": millis(time), "max_ms": millis(*times.iter().max().expect("runs")), "rows": rows}),
        );
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&Value::Object(results))?)?;
    Ok(())
}

/// The same questions, hand-written for DuckDB over Cinder's typed columns. `{table}` is the
/// source's table, `[[a.b]]` its column `a.b` (NULL when the source never had that field),
/// `{range}` the day's time filter and `{project}` logs.all's project filter. logs.all answers
/// at most 1,000 rows (its `max_limit`), so a query that would return more is limited the same.
const BASELINES: [(&str, &str, &str); 13] = [
    (
        "Q1",
        "cloudflare.logs.prod",
        "select id, timestamp, event_message, [[metadata.request.method]], [[metadata.request.path]],
                [[metadata.request.search]], [[metadata.response.status_code]]
         from {table} where {range} and {project} and [[metadata.request]] and [[metadata.response]]
         order by timestamp desc limit 100",
    ),
    (
        "Q2",
        "postgres.logs",
        "select timestamp, id, event_message, [[metadata.parsed.error_severity]], [[metadata.parsed.detail]],
                [[metadata.parsed.hint]]
         from {table} where {range} and {project} and [[metadata.parsed]] order by timestamp desc limit 100",
    ),
    (
        "Q4",
        "gotrue.logs.prod",
        "select id, timestamp, event_message, [[metadata.level]], [[metadata.status]], [[metadata.path]],
                [[metadata.msg]], [[metadata.error]]
         from {table} where {range} and {project} and [[metadata]] order by timestamp desc limit 100",
    ),
    (
        "Q11",
        "cloudflare.logs.prod",
        "select count(*) from {table} where {range} and {project} and [[metadata.request]] and [[metadata.response]]",
    ),
    (
        "Q17",
        "cloudflare.logs.prod",
        "select date_trunc('minute', timestamp) as t,
                count(*) filter (where [[metadata.response.status_code]] < 400),
                count(*) filter (where [[metadata.response.status_code]] >= 500),
                count(*) filter (where [[metadata.response.status_code]] >= 400 and [[metadata.response.status_code]] < 500)
         from {table} where {range} and {project} and [[metadata.request]] and [[metadata.response]]
         group by 1 order by 1 limit 1000",
    ),
    (
        "Q33",
        "cloudflare.logs.prod",
        "select timestamp, event_message from {table}
         where {range} and {project} and [[metadata.request]] and [[metadata.request.path]] like '%rest/v1%'
         order by timestamp desc limit 100",
    ),
    (
        "Q41",
        "cloudflare.logs.prod",
        "select date_trunc('hour', timestamp) as t, count(id) from {table}
         where {range} and {project} and [[metadata.response]] and [[metadata.request.headers]]
         group by 1 order by 1",
    ),
    (
        "Q42",
        "cloudflare.logs.prod",
        "select [[metadata.request.path]], [[metadata.request.method]], [[metadata.request.search]],
                [[metadata.response.status_code]], count(id) as n
         from {table} where {range} and {project} and [[metadata.response]] and [[metadata.request.headers]]
         group by 1, 2, 3, 4 order by n desc limit 10",
    ),
    (
        "Q43",
        "cloudflare.logs.prod",
        "select date_trunc('hour', timestamp) as t, count(id) from {table}
         where {range} and {project} and [[metadata.request.headers]] and [[metadata.response.status_code]] >= 400
         group by 1 order by 1",
    ),
    (
        "Q45",
        "cloudflare.logs.prod",
        "select date_trunc('hour', timestamp) as t, avg([[metadata.response.origin_time]]) from {table}
         where {range} and {project} and [[metadata.response]] and [[metadata.request.headers]]
         group by 1 order by 1",
    ),
    (
        "Q47",
        "cloudflare.logs.prod",
        "select date_trunc('hour', timestamp) as t,
                coalesce(sum(cast(coalesce([[metadata.request.headers.content_length]], '0') as bigint)) / 1e6, 0),
                coalesce(sum(cast(coalesce([[metadata.response.headers.content_length]], '0') as bigint)) / 1e6, 0)
         from {table} where {range} and {project} and [[metadata.request.headers]] and [[metadata.response.headers]]
         group by 1 order by 1",
    ),
    (
        "Q48",
        "cloudflare.logs.prod",
        "select date_trunc('hour', timestamp) as t,
                count(*) filter (where [[metadata.response.headers.cf_cache_status]] in ('HIT', 'STALE', 'REVALIDATED', 'UPDATING')),
                count(*) filter (where [[metadata.response.headers.cf_cache_status]] in ('MISS', 'NONE/UNKNOWN', 'EXPIRED', 'BYPASS', 'DYNAMIC'))
         from {table} where {range} and {project} and [[metadata.response.headers]]
                and starts_with([[metadata.request.path]], '/storage/v1/object') and [[metadata.request.method]] = 'GET'
         group by 1 order by 1 desc",
    ),
    (
        "Q13",
        "gotrue.logs.prod",
        "select count(*) from {table} where {range} and {project} and [[metadata]]",
    ),
];

fn baseline(database: String, out: String) -> anyhow::Result<()> {
    let cinder: Map<String, Value> = serde_json::from_slice(&std::fs::read(&out)?)?;
    let config = duckdb::Config::default().with("memory_limit", "1GB")?;
    let connection = duckdb::Connection::open_with_flags(&database, config)?;
    let (start, end) = window();
    let range = format!(
        "timestamp > TIMESTAMP '{}' and timestamp <= TIMESTAMP '{}'",
        start.format("%Y-%m-%d %H:%M:%S%.6f"),
        end.format("%Y-%m-%d %H:%M:%S%.6f")
    );
    let tables: BTreeMap<String, String> = {
        let mut statement = connection.prepare("SELECT kind, key, value FROM _cinder_catalog WHERE kind = 'source'")?;
        let rows: Vec<String> = statement
            .query_map([], |row| row.get::<_, String>(2))?
            .collect::<Result<_, _>>()?;
        rows.iter()
            .filter_map(|text| {
                let source: Value = serde_json::from_str(text).ok()?;
                let token = uuid::Uuid::parse_str(source["token"].as_str()?).ok()?;
                Some((source["name"].as_str()?.to_owned(), cinder_core::table_name(&token)))
            })
            .collect()
    };
    println!();
    println!("| query | Cinder (logs.all, HTTP) | hand-written DuckDB | ratio | rows (Cinder / hand-written) |");
    println!("|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for (name, source, template) in BASELINES {
        let table = tables.get(source).with_context(|| format!("no table for {source}"))?;
        let mut columns = Vec::new();
        let mut statement =
            connection.prepare("SELECT column_name FROM information_schema.columns WHERE table_name = ?")?;
        for column in statement.query_map([table], |row| row.get::<_, String>(0))? {
            columns.push(column?);
        }
        let mut sql = template
            .replace("{table}", &format!("\"{table}\""))
            .replace("{range}", &range)
            .replace("{project}", "coalesce(project, 'default') = 'default'");
        while let Some(open) = sql.find("[[") {
            let close = open + sql[open..].find("]]").context("unclosed column")?;
            let column = &sql[open + 2..close];
            let replacement = if columns.iter().any(|c| c == column) {
                format!("\"{column}\"")
            } else {
                "NULL".to_owned()
            };
            sql.replace_range(open..close + 2, &replacement);
        }
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let mut statement = connection.prepare(&sql)?;
            let mut result = statement.query([])?;
            rows = 0;
            while result.next()?.is_some() {
                rows += 1;
            }
            times.push(started.elapsed());
        }
        let hand = millis(median(times));
        let ours = &cinder[name];
        let ms = ours["ms"].as_f64().context("a time")?;
        ratios.push(ms / hand);
        println!(
            "| {name} | {ms:.1} ms | {hand:.1} ms | {:.2} | {} / {rows} |",
            ms / hand,
            ours["rows"]
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "ratio: median {:.2}, max {:.2}",
        ratios[ratios.len() / 2],
        ratios[ratios.len() - 1]
    );
    Ok(())
}

fn summary(out: &str) -> anyhow::Result<()> {
    let cinder: Map<String, Value> = serde_json::from_slice(&std::fs::read(out)?)?;
    let mut times: Vec<(f64, &String)> = cinder
        .iter()
        .map(|(name, result)| (result["ms"].as_f64().unwrap_or(f64::NAN), name))
        .collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize].0;
    println!(
        "{} queries (median of {RUNS} runs each): p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms; slowest: {}",
        times.len(),
        at(0.5),
        at(0.9),
        at(1.0),
        times
            .iter()
            .rev()
            .take(5)
            .map(|(ms, name)| format!("{name} {ms:.0} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize| cinder_bench::number_arg(&args, index);
    match args.first().map(String::as_str) {
        Some("ingest") if args.len() == 5 => ingest(args[1].clone(), args[2].clone(), number(3)?, number(4)?).await,
        Some("wait") if args.len() == 4 => wait_stored(&args[1], &args[2], number(3)?).await,
        Some("queries") if args.len() == 4 => {
            queries(args[1].clone(), args[2].clone(), args[3].clone()).await?;
            summary(&args[3])
        }
        Some("baseline") if args.len() == 3 => baseline(args[1].clone(), args[2].clone()),
        _ => bail!(
            "usage: studio-bench ingest URL PUBLIC_TOKEN EVENTS CLIENTS | wait URL PRIVATE_TOKEN EVENTS \
             | queries URL PRIVATE_TOKEN OUT.json | baseline DATABASE OUT.json"
        ),
    }
}
