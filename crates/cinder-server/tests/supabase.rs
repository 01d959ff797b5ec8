//! Supabase mode against the real binary: seeding, Vector-shaped ingest, and Studio's calls as
//! Studio sends them (form-encoded `sql` with `+` for spaces, empty time bounds).

use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::studio::{self, fixture, studio_call, CorpusRows, Fixture};
use common::{temp_dir, test_postgres, Server, PRIVATE, PUBLIC};

const SUPABASE: [(&str, &str); 2] = [("LOGFLARE_SINGLE_TENANT", "true"), ("LOGFLARE_SUPABASE_MODE", "true")];

/// A Kong access-log event as Supabase's Vector config ships it (no `request.url`).
fn kong_event(minutes_ago: i64, path: &str, status: u16) -> Value {
    let at = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
    json!({
        "appname": "supabase-kong",
        "event_message": format!("172.18.0.1 - - \"GET {path} HTTP/1.1\" {status} 12"),
        "metadata": {
            "request": {"headers": {"cf_connecting_ip": "172.18.0.1", "user_agent": "curl/8"}, "method": "GET", "path": path, "protocol": "HTTP/1.1"},
            "response": {"status_code": status}
        },
        "project": "default",
        "timestamp": at.to_rfc3339(),
    })
}

/// Starts a server with `env` and replays the Studio corpus over `events` (see
/// [`studio::replay_corpus`]).
async fn replay_studio_corpus(label: &str, env: &[(&str, &str)], events: Fixture) -> (usize, usize, CorpusRows) {
    let dir = temp_dir(label);
    let server = Server::start_with(&dir, env).await;
    studio::replay_corpus(&server, events).await
}

/// Six hours of Vector-shaped traffic from every sink (many paths and statuses, errors and
/// warnings), then every corpus query: none may fail, and the edge counts and chart buckets
/// must add up to what was sent. Returns how many events were sent.
async fn replay_six_hours(label: &str, env: &[(&str, &str)]) -> usize {
    let dir = temp_dir(label);
    let server = &Server::start_with(&dir, env).await;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    let base = chrono::DateTime::parse_from_rfc3339("2026-06-01T06:00:00Z")
        .unwrap()
        .to_utc();
    let paths = [
        "/rest/v1/todos",
        "/rest/v1/rpc/search",
        "/auth/v1/token",
        "/auth/v1/user",
        "/storage/v1/object/public/a.png",
        "/realtime/v1/websocket",
        "/functions/v1/hello",
        "/rest/v1/profiles?select=*",
        "/graphql/v1",
        "/pg/tables",
    ];
    let statuses = [200, 200, 200, 201, 204, 304, 400, 401, 404, 500, 503];
    let (mut kong, mut auth, mut db) = (Vec::new(), Vec::new(), Vec::new());
    let (mut in_window, mut after_chart) = (0u64, [0u64; 3]);
    for _ in 0..3000 {
        let at = base + chrono::Duration::milliseconds(next(6 * 3600 * 1000) as i64);
        let path = paths[next(paths.len() as u64) as usize];
        let status = statuses[next(statuses.len() as u64) as usize];
        let method = ["GET", "POST", "PATCH", "DELETE"][next(4) as usize];
        let start = chrono::DateTime::parse_from_rfc3339(fixture::START).unwrap();
        let end = chrono::DateTime::parse_from_rfc3339(fixture::END).unwrap();
        if at > start && at <= end {
            in_window += 1;
            if at > chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00Z").unwrap() {
                let kind = if status >= 500 {
                    1
                } else if status >= 400 {
                    2
                } else {
                    0
                };
                after_chart[kind] += 1;
            }
        }
        let timestamp = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        kong.push(json!({
            "appname": "supabase-kong",
            "event_message": format!("172.18.0.{} - - \"{method} {path} HTTP/1.1\" {status} {}", next(250), next(5000)),
            "metadata": {"request": {"headers": {"cf_connecting_ip": format!("172.18.0.{}", next(250)), "user_agent": "supabase-js/2"}, "method": method, "path": path, "protocol": "HTTP/1.1"}, "response": {"status_code": status}},
            "project": "default",
            "timestamp": timestamp,
        }));
        if next(3) == 0 {
            let level = ["info", "info", "warning", "error"][next(4) as usize];
            auth.push(json!({"appname": "supabase-auth", "event_message": format!("{{\"level\":\"{level}\",\"msg\":\"request completed\"}}"),
                "metadata": {"level": level, "msg": "request completed", "path": "/token", "status": status, "time": timestamp}, "project": "default", "timestamp": timestamp}));
        }
        if next(4) == 0 {
            let severity = ["LOG", "LOG", "WARNING", "ERROR", "FATAL"][next(5) as usize];
            db.push(json!({"appname": "supabase-db", "event_message": format!("{severity}:  something happened"),
                "metadata": {"host": "db-default", "parsed": {"error_severity": severity, "timestamp": timestamp}}, "project": "default", "timestamp": timestamp}));
        }
    }
    let sent = kong.len() + auth.len() + db.len();
    for (source, events) in [
        ("cloudflare.logs.prod", &kong),
        ("gotrue.logs.prod", &auth),
        ("postgres.logs", &db),
    ] {
        // Vector sends about one batch a second per sink.
        for batch in events.chunks(500) {
            let response = server
                .client
                .post(server.url(&format!("/api/logs?source_name={source}")))
                .header("x-api-key", PUBLIC)
                .json(&batch)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{source}");
        }
        assert_eq!(
            server.wait_for_count(source, events.len() as u64).await,
            events.len() as u64
        );
    }
    let call = |name: &str| {
        let sql = fixture::corpus_query(name);
        async move {
            let pairs = [
                ("project", "default"),
                ("sql", sql.as_str()),
                ("iso_timestamp_start", fixture::START),
                ("iso_timestamp_end", fixture::END),
            ];
            studio_call(server, "logs.all", &pairs).await
        }
    };
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(fixture::testdata().join("golden/studio")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with('Q') {
            let reply = call(&name).await;
            if reply.get("error").is_some() || !reply["result"].is_array() {
                failures.push(format!("{name}: {reply}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let count = call("Q11").await;
    assert_eq!(
        count["result"][0]["count"], in_window,
        "edge count over the window: {count}"
    );
    let chart = call("Q17").await;
    let total = |column: &str| {
        chart["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row[column].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        [total("ok_count"), total("error_count"), total("warning_count")],
        after_chart,
        "the edge chart's buckets add up"
    );
    sent
}

async fn seeds_and_serves_studio(label: &str, env: &[(&str, &str)]) {
    let dir = temp_dir(label);
    let server = Server::start_with(&dir, env).await;

    let sources = server.get_json("/api/sources").await;
    let mut names: Vec<&str> = sources
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    let mut expected = cinder_server::supabase::SOURCES.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected);
    let endpoints = server.get_json("/api/endpoints").await;
    let logs_all = endpoints
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "logs.all")
        .expect("logs.all");
    assert_eq!(
        (
            logs_all["sandboxable"].clone(),
            logs_all["cache_duration_seconds"].clone()
        ),
        (json!(true), json!(0))
    );
    let counts = endpoints
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "usage.api-counts")
        .expect("usage.api-counts");
    assert_eq!(counts["cache_duration_seconds"], 900);

    // Vector's kong sink: a JSON array, the public token in the header.
    let events = vec![
        kong_event(5, "/rest/v1/todos?select=*", 200),
        kong_event(4, "/auth/v1/token", 400),
        kong_event(3, "/rest/v1/todos", 500),
        kong_event(2, "/storage/v1/object/a.png", 200),
    ];
    let response = server
        .client
        .post(server.url("/api/logs?source_name=cloudflare.logs.prod"))
        .header("x-api-key", PUBLIC)
        .json(&events)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.wait_for_count("cloudflare.logs.prod", 4).await, 4);

    // Studio's edge-logs previewer (R9), with empty time bounds.
    let sql = "select id, edge_logs.timestamp, event_message, request.method, request.path, response.status_code \
               from edge_logs cross join unnest(metadata) as m cross join unnest(m.request) as request \
               cross join unnest(m.response) as response order by timestamp desc limit 100";
    let reply = studio_call(
        &server,
        "logs.all",
        &[
            ("project", "default"),
            ("sql", sql),
            ("iso_timestamp_start", ""),
            ("iso_timestamp_end", ""),
        ],
    )
    .await;
    let rows = reply["result"].as_array().unwrap_or_else(|| panic!("{reply}"));
    assert_eq!(rows.len(), 4, "{reply}");
    assert_eq!(rows[0]["path"], "/storage/v1/object/a.png");
    assert_eq!(rows[1]["status_code"], 500);

    // A count with a start bound (Studio's chart queries), missing end bound.
    let start = (chrono::Utc::now() - chrono::Duration::seconds(210)).to_rfc3339();
    let sql = "select count(*) as count from edge_logs cross join unnest(metadata) as m \
               cross join unnest(m.response) as response where response.status_code >= 400";
    let reply = studio_call(
        &server,
        "logs.all",
        &[("project", "default"), ("sql", sql), ("iso_timestamp_start", &start)],
    )
    .await;
    assert_eq!(
        reply["result"],
        json!([{"count": 1}]),
        "only the 500 is after the start: {reply}"
    );

    // The home page's usage chart, with the interval current Studio sends, on events without a URL.
    let reply = studio_call(
        &server,
        "usage.api-counts",
        &[("project", "default"), ("interval", "1day")],
    )
    .await;
    let rows = reply["result"].as_array().unwrap_or_else(|| panic!("{reply}"));
    let total = |column: &str| rows.iter().map(|row| row[column].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        (
            total("total_rest_requests"),
            total("total_auth_requests"),
            total("total_storage_requests")
        ),
        (2, 1, 1),
        "{reply}"
    );
    for interval in ["1hr", "7day", "minutely", "hourly", "daily"] {
        let reply = studio_call(
            &server,
            "usage.api-counts",
            &[("project", "default"), ("interval", interval)],
        )
        .await;
        assert!(
            reply.get("error").is_none() && !reply["result"].as_array().unwrap().is_empty(),
            "{interval}: {reply}"
        );
    }

    // Platform-only endpoints answer no rows.
    let reply = studio_call(
        &server,
        "functions.combined-stats",
        &[("project", "default"), ("function_id", "x")],
    )
    .await;
    assert_eq!(reply, json!({"result": []}));

    // A second start seeds nothing twice.
    drop(server);
    let server = Server::start_with(&dir, env).await;
    assert_eq!(server.get_json("/api/sources").await.as_array().unwrap().len(), 9);
    assert_eq!(server.get_json("/api/endpoints").await.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn supabase_mode_on_the_embedded_backend() {
    seeds_and_serves_studio("supabase", &SUPABASE).await;
    let (sent, checked, _) = replay_studio_corpus("supabase-corpus", &SUPABASE, Fixture::Rich).await;
    eprintln!("embedded: {sent} Studio corpus queries answered without error, {checked} with the hand-derived rows");
    let events = replay_six_hours("supabase-volume", &SUPABASE).await;
    eprintln!("embedded: every corpus query over {events} events of six hours, counts and charts add up");
    assert!(
        sent >= 50 && checked >= 25,
        "the corpus went missing: {sent} / {checked}"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn supabase_mode_on_postgres() {
    let (url, _) = test_postgres();
    let schema = format!("cinder_supabase_{}", std::process::id());
    let mut env = SUPABASE.to_vec();
    env.extend([
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
    ]);
    seeds_and_serves_studio("supabase-pg", &env).await;
    let schema = format!("cinder_supabase_corpus_{}", std::process::id());
    let mut env = SUPABASE.to_vec();
    env.extend([
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
    ]);
    let (sent, checked, _) = replay_studio_corpus("supabase-pg-corpus", &env, Fixture::Rich).await;
    eprintln!("postgres: {sent} Studio corpus queries answered without error, {checked} with the hand-derived rows");
    let schema = format!("cinder_supabase_volume_{}", std::process::id());
    let mut env = SUPABASE.to_vec();
    env.extend([
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
    ]);
    let events = replay_six_hours("supabase-pg-volume", &env).await;
    eprintln!("postgres: every corpus query over {events} events of six hours, counts and charts add up");
    assert!(
        sent >= 50 && checked >= 25,
        "the corpus went missing: {sent} / {checked}"
    );
}

/// Studio's corpus through endpoints on the BigQuery backend (the local emulator standing in
/// for BigQuery), checked against the hand-derived rows, and differentially: the embedded and
/// Postgres backends must return the same rows as BigQuery for the same events.
#[tokio::test]
#[ignore = "needs PostgreSQL and the BigQuery emulator: scripts/test.sh starts both"]
async fn supabase_mode_on_bigquery_agrees_with_the_other_backends() {
    let (sent, checked) = corpus_on_every_backend(Fixture::Rich).await;
    assert!(
        sent >= 50 && checked >= 25,
        "the corpus went missing: {sent} / {checked}"
    );
}

/// The same over what a self-hosted stack really sends: most fields Studio names are absent,
/// some services have not logged at all, and gotrue writes plain-text lines beside JSON ones.
/// Every query must answer, and answer alike, on BigQuery, embedded and Postgres.
#[tokio::test]
#[ignore = "needs PostgreSQL and the BigQuery emulator: scripts/test.sh starts both"]
async fn the_corpus_over_sparse_events_agrees_on_every_backend() {
    let (sent, _) = corpus_on_every_backend(Fixture::Sparse).await;
    assert!(sent >= 50, "the corpus went missing: {sent}");
}

/// Runs the corpus over `events` on BigQuery (the emulator), embedded and Postgres, and fails
/// on any error or disagreement. Returns (queries, queries checked against hand-derived rows).
async fn corpus_on_every_backend(events: Fixture) -> (usize, usize) {
    let emulator = std::env::var("CINDER_TEST_BIGQUERY_URL")
        .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator");
    let tag = match events {
        Fixture::Rich => "rich",
        Fixture::Sparse => "sparse",
    };
    let append = format!("_corpus_{tag}_{}", std::process::id());
    let mut env = SUPABASE.to_vec();
    env.extend([
        ("GOOGLE_PROJECT_ID", "cinder-test"),
        ("GOOGLE_PROJECT_NUMBER", "0"),
        ("GOOGLE_DATASET_ID_APPEND", append.as_str()),
        ("CINDER_BIGQUERY_ENDPOINT", emulator.as_str()),
    ]);
    let (sent, checked, bigquery) = replay_studio_corpus(&format!("supabase-bq-{tag}"), &env, events).await;
    eprintln!(
        "bigquery ({tag}): {sent} Studio corpus queries answered without error, {checked} with the hand-derived rows"
    );

    let (_, _, embedded) = replay_studio_corpus(&format!("supabase-diff-embedded-{tag}"), &SUPABASE, events).await;
    let (url, _) = test_postgres();
    let schema = format!("cinder_supabase_diff_{tag}_{}", std::process::id());
    let mut env = SUPABASE.to_vec();
    env.extend([
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
    ]);
    let (_, _, postgres) = replay_studio_corpus(&format!("supabase-diff-postgres-{tag}"), &env, events).await;
    // The sparse events come without `id`, as Vector sends them: each backend's server made
    // its own, so ids are compared only as present or not.
    let comparable = |rows: &[serde_json::Map<String, Value>]| match events {
        Fixture::Rich => fixture::comparable(rows, false),
        Fixture::Sparse => {
            let masked: Vec<_> = rows
                .iter()
                .map(|row| {
                    let mut row = row.clone();
                    if let Some(id) = row.get_mut("id").filter(|id| id.is_string()) {
                        *id = json!("<generated>");
                    }
                    row
                })
                .collect();
            fixture::comparable(&masked, false)
        }
    };
    let mut disagreements = Vec::new();
    for (name, rows) in &bigquery {
        let reference = comparable(rows);
        for (backend, other) in [("embedded", &embedded), ("postgres", &postgres)] {
            let theirs = comparable(&other[name]);
            if theirs != reference {
                disagreements.push(format!(
                    "{name} on {backend}:\n  bigquery {reference:?}\n  {backend} {theirs:?}"
                ));
            }
        }
    }
    eprintln!(
        "differential ({tag}): {} of {} corpus queries return the same rows on BigQuery, embedded and Postgres",
        bigquery.len() - disagreements.len(),
        bigquery.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    (sent, checked)
}

/// Every sink of Supabase's vector.yml, with the payload shape it sends (keys sorted, RFC 3339
/// timestamps with up to nine fractional digits), the token in the header or, as older configs
/// do, in `api_key`.
#[tokio::test]
async fn every_vector_sink_arrives_as_studio_reads_it() {
    let dir = temp_dir("supabase-vector");
    let server = Server::start_with(&dir, &SUPABASE).await;
    let sinks: [(&str, &str, Value, i64); 7] = [
        (
            "cloudflare.logs.prod",
            "edge_logs",
            json!({"appname": "supabase-kong", "event_message": "172.18.0.1 - - [01/Jun/2026:10:00:00 +0000] \"GET /rest/v1/todos?select=* HTTP/1.1\" 200 245 \"-\" \"curl/8.5.0\"",
                   "metadata": {"request": {"headers": {"cf_connecting_ip": "172.18.0.1", "referer": null, "user_agent": "curl/8.5.0"}, "method": "GET", "path": "/rest/v1/todos?select=*", "protocol": "HTTP/1.1"}, "response": {"status_code": 200}},
                   "project": "default", "timestamp": "2026-06-01T10:00:00Z"}),
            1_780_308_000_000_000,
        ),
        (
            "gotrue.logs.prod",
            "auth_logs",
            json!({"appname": "supabase-auth", "event_message": "{\"level\":\"info\",\"msg\":\"request completed\",\"status\":200}",
                   "metadata": {"component": "api", "level": "info", "msg": "request completed", "path": "/token", "status": 200, "time": "2026-06-01T10:00:00Z", "timestamp": "2026-06-01T10:00:00Z"},
                   "project": "default", "timestamp": "2026-06-01T10:00:00.123456789Z"}),
            1_780_308_000_123_456,
        ),
        (
            "postgREST.logs.prod",
            "postgrest_logs",
            json!({"appname": "supabase-rest", "event_message": "Schema cache loaded", "metadata": {"host": "default"}, "project": "default", "timestamp": "2026-06-01T10:00:01Z"}),
            1_780_308_001_000_000,
        ),
        (
            "realtime.logs.prod",
            "realtime_logs",
            json!({"appname": "realtime-dev.supabase-realtime", "event_message": "Billing metrics: 1", "metadata": {"external_id": "default", "level": "info", "project": "default"}, "timestamp": "2026-06-01T10:00:02.123456Z"}),
            1_780_308_002_123_456,
        ),
        (
            "storage.logs.prod.2",
            "storage_logs",
            json!({"appname": "supabase-storage", "event_message": "POST | 200 | 172.18.0.1 | /bucket/avatars_x",
                   "metadata": {"context": [{"host": "0f3c", "pid": 1}], "level": "info", "project": "default", "tenantId": "default", "timestamp": "2026-06-01T10:00:03.000Z"},
                   "timestamp": "2026-06-01T10:00:03.123456Z"}),
            1_780_308_003_123_456,
        ),
        (
            "deno-relay-logs",
            "function_edge_logs",
            json!({"appname": "supabase-edge-functions", "event_message": "serving the request with /home/deno/functions/hello", "metadata": {"project_ref": "default"}, "timestamp": "2026-06-01T10:00:04.5Z"}),
            1_780_308_004_500_000,
        ),
        (
            "postgres.logs",
            "postgres_logs",
            json!({"appname": "supabase-db", "event_message": "2026-06-01 10:00:00.123 UTC [57] LOG:  checkpoint starting: time",
                   "metadata": {"host": "db-default", "parsed": {"error_severity": "LOG", "timestamp": "2026-06-01T10:00:00.124Z"}},
                   "project": "default", "timestamp": "2026-06-01T10:00:00.124Z"}),
            1_780_308_000_124_000,
        ),
    ];
    for (index, (source, _, event, _)) in sinks.iter().enumerate() {
        let request = if index % 2 == 0 {
            server
                .client
                .post(server.url(&format!("/api/logs?source_name={source}")))
                .header("x-api-key", PUBLIC)
        } else {
            server
                .client
                .post(server.url(&format!("/api/logs?source_name={source}&api_key={PUBLIC}")))
        };
        let response = request
            .header("user-agent", "Vector/0.53.0 (x86_64-unknown-linux-gnu)")
            .json(&json!([event]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{source}");
    }
    for (source, cte, event, timestamp) in &sinks {
        assert_eq!(server.wait_for_count(source, 1).await, 1, "{source}");
        let sql = format!("select id, {cte}.timestamp, event_message, metadata from {cte} limit 10");
        let reply = studio_call(
            &server,
            "logs.all",
            &[
                ("project", "default"),
                ("sql", &sql),
                ("iso_timestamp_start", ""),
                ("iso_timestamp_end", ""),
            ],
        )
        .await;
        let rows = reply["result"].as_array().unwrap_or_else(|| panic!("{cte}: {reply}"));
        assert_eq!(rows.len(), 1, "{cte}: {reply}");
        assert_eq!(rows[0]["event_message"], event["event_message"], "{cte}");
        assert_eq!(rows[0]["timestamp"], *timestamp, "{cte}");
        // Objects come back as one-element arrays, as from Logflare.
        let metadata = &rows[0]["metadata"][0];
        for (key, _) in event["metadata"].as_object().unwrap() {
            assert!(
                metadata.get(key).is_some(),
                "{cte}: metadata.{key} missing in {metadata}"
            );
        }
    }
    // Studio's field reads on these shapes: storage's `context` is an array of objects, kong
    // has no `request.search`, and Postgres lines lack most csvlog fields — NULL, not errors.
    let checks = [
        ("select c.host from storage_logs cross join unnest(metadata) as m cross join unnest(m.context) as c", json!([{"host": "0f3c"}])),
        ("select r.search, r.path from edge_logs cross join unnest(metadata) as m cross join unnest(m.request) as r", json!([{"search": null, "path": "/rest/v1/todos?select=*"}])),
        ("select p.user_name, p.error_severity from postgres_logs cross join unnest(metadata) as m cross join unnest(m.parsed) as p", json!([{"user_name": null, "error_severity": "LOG"}])),
    ];
    for (sql, expected) in checks {
        let reply = studio_call(&server, "logs.all", &[("project", "default"), ("sql", sql)]).await;
        assert_eq!(reply["result"], expected, "{sql}: {reply}");
    }
}

/// `supabase start` runs `./logflare eval Logflare.Release.migrate` and `./logflare start
/// --sname logflare` in the analytics container: the shim beside the binary does both.
#[tokio::test]
async fn the_logflare_shim_runs_cinder_as_supabase_start_does() {
    let dir = temp_dir("shim");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::copy(root.join("scripts/logflare"), bin.join("logflare")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cinder"), bin.join("cinder")).unwrap();
    let status = std::process::Command::new("./logflare")
        .current_dir(&bin)
        .args(["eval", "Logflare.Release.migrate"])
        .status()
        .unwrap();
    assert!(status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new("./logflare")
        .current_dir(&bin)
        .args(["start", "--sname", "logflare"])
        .envs(SUPABASE)
        .env("PHX_HTTP_PORT", port.to_string())
        .env("CINDER_DATA_DIR", dir.join("data"))
        .env("LOGFLARE_PRIVATE_ACCESS_TOKEN", PRIVATE)
        .env("LOGFLARE_LOG_LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let healthy = loop {
        match client.head(format!("http://127.0.0.1:{port}/health")).send().await {
            Ok(response) if response.status().is_success() => break true,
            _ if std::time::Instant::now() > deadline => break false,
            _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    let endpoints: Value = client
        .get(format!("http://127.0.0.1:{port}/api/endpoints"))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(healthy, "cinder did not start through the shim");
    assert_eq!(endpoints.as_array().map(Vec::len), Some(2), "{endpoints}");
    let status = std::process::Command::new(bin.join("logflare"))
        .arg("remote")
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(64));
}

/// Replacing a Logflare that ran on Postgres: its sources (in its metadata table `sources`) are
/// taken over with their tokens, so the history in its `log_events_<token>` tables shows in
/// Studio, with fields learned from the stored events.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn a_logflare_installation_is_taken_over_with_its_history() {
    let (url, address) = test_postgres();
    let (host, port) = address.split_once(':').unwrap();
    let schema = format!("logflare_{}", std::process::id());
    let edge = uuid::Uuid::new_v4();
    let app = uuid::Uuid::new_v4();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let table = format!("\"{schema}\".log_events_{}", edge.to_string().replace('-', "_"));
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\";
             CREATE TABLE \"{schema}\".sources (id bigserial PRIMARY KEY, name varchar(255), token uuid NOT NULL, user_id integer);
             INSERT INTO \"{schema}\".sources (name, token, user_id) VALUES ('cloudflare.logs.prod', '{edge}', 1), ('my.app', '{app}', 1);
             CREATE TABLE {table} (id TEXT PRIMARY KEY, body JSONB, event_message TEXT, timestamp TIMESTAMP);"
        ))
        .await
        .unwrap();
    for (index, (path, status)) in [("/rest/v1/old", 200), ("/auth/v1/old", 401), ("/storage/v1/old", 500)]
        .iter()
        .enumerate()
    {
        let micros = 1_780_308_000_000_000i64 + index as i64 * 60_000_000;
        let id = format!("logflare-{index}");
        let message = format!("GET {path}");
        let body = json!({"id": id, "timestamp": micros, "event_message": message, "project": "default",
                          "metadata": {"request": {"method": "GET", "path": path}, "response": {"status_code": status}}});
        client
            .execute(
                &format!("INSERT INTO {table} (id, body, event_message, timestamp) VALUES ($1, $2, $3, to_timestamp($4::bigint / 1000000.0) AT TIME ZONE 'UTC')"),
                &[&id, &body, &message, &micros],
            )
            .await
            .unwrap();
    }

    let mut env = SUPABASE.to_vec();
    env.extend([
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
        ("DB_HOSTNAME", host),
        ("DB_PORT", port),
        ("DB_DATABASE", "postgres"),
        ("DB_USERNAME", "postgres"),
        ("DB_SCHEMA", schema.as_str()),
    ]);
    let server = Server::start_with(&temp_dir("takeover"), &env).await;
    let sources = server.get_json("/api/sources").await;
    let token_of = |name: &str| {
        sources
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["token"].clone())
    };
    assert_eq!(
        token_of("cloudflare.logs.prod"),
        Some(json!(edge.to_string())),
        "{sources}"
    );
    assert_eq!(token_of("my.app"), Some(json!(app.to_string())));
    assert_eq!(
        sources.as_array().unwrap().len(),
        10,
        "the other Supabase sources are seeded beside them"
    );

    let sql =
        "select event_message, request.path, response.status_code from edge_logs cross join unnest(metadata) as m \
               cross join unnest(m.request) as request cross join unnest(m.response) as response order by timestamp";
    let reply = studio_call(&server, "logs.all", &[("project", "default"), ("sql", sql)]).await;
    assert_eq!(
        reply["result"],
        json!([
            {"event_message": "GET /rest/v1/old", "path": "/rest/v1/old", "status_code": 200},
            {"event_message": "GET /auth/v1/old", "path": "/auth/v1/old", "status_code": 401},
            {"event_message": "GET /storage/v1/old", "path": "/storage/v1/old", "status_code": 500},
        ]),
        "{reply}"
    );
    drop(server);
    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
}
