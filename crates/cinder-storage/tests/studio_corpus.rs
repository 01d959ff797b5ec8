//! Every query Supabase Studio sends, run inside the seeded `logs.all` endpoint on Supabase-shaped
//! events, on the embedded engine and on a real PostgreSQL: the rows must be equal to each other
//! and, where `testdata/golden/studio/<query>/rows.json` exists, to the rows derived by hand.
//!
//! Postgres comes from `CINDER_TEST_DATABASE_URL`, which `scripts/test.sh` sets after starting a
//! server (`scripts/postgres.sh`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use cinder_sql::{translate, translate_sandboxed, Sandbox, SourceTable, Sources};
use cinder_storage::{Backend, Embedded, LoadBatch, Postgres, TableEvents};
use serde_json::{Map, Value};

#[path = "../../../testdata/supabase/fixture.rs"]
mod fixture;

use fixture::{comparable, corpus_query, parse_expected, supabase_sources, testdata, END, START};

/// The sources of a Supabase stack (with the fixture's events) and the tables they live in.
struct Fixture {
    sources: Sources,
    batch: LoadBatch,
}

fn fixture() -> Fixture {
    let mut sources = Sources::new();
    let mut tables = Vec::new();
    for source in supabase_sources() {
        let schema = Arc::new(source.schema);
        sources.insert(source.name, SourceTable::new(source.table.clone(), schema.clone()));
        tables.push(TableEvents {
            table: source.table,
            schema,
            events: source.events.into_iter().map(Arc::new).collect(),
        });
    }
    Fixture {
        sources,
        batch: LoadBatch { tables, position: 1 },
    }
}

async fn load(backend: &dyn Backend, fixture: &Fixture) {
    for table in &fixture.batch.tables {
        backend.apply_schema(&table.table, &table.schema).await.unwrap();
    }
    backend.insert(&fixture.batch).await.unwrap();
}

fn params(names: &[String]) -> Vec<Option<String>> {
    names
        .iter()
        .map(|name| match name.as_str() {
            "project" => Some("default".to_owned()),
            "iso_timestamp_start" => Some(START.to_owned()),
            "iso_timestamp_end" => Some(END.to_owned()),
            "interval" => Some("hourly".to_owned()),
            other => panic!("unexpected parameter @{other}"),
        })
        .collect()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn studio_queries_give_the_same_rows_on_every_engine() {
    let url = std::env::var("CINDER_TEST_DATABASE_URL")
        .expect("CINDER_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL");
    let fixture = fixture();
    let dir = std::env::temp_dir().join(format!("cinder-corpus-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let embedded = Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
    let schema = format!("cinder_corpus_{}", uuid::Uuid::new_v4().simple());
    let postgres = Postgres::connect(&url, &schema, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    load(&embedded, &fixture).await;
    load(&postgres, &fixture).await;
    let backends: [(&str, &dyn Backend); 2] = [("embedded", &embedded), ("postgres", &postgres)];

    let endpoint = Sandbox::new(
        &std::fs::read_to_string(testdata().join("../crates/cinder-server/supabase/logs.all.sql")).unwrap(),
    )
    .unwrap();
    let mut names: Vec<String> = std::fs::read_dir(testdata().join("golden/studio"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    names.sort();

    let mut failures = Vec::new();
    let mut checked_by_hand = 0;
    let mut timings = Vec::new();
    for name in &names {
        let sql = corpus_query(name);
        let mut results: HashMap<&str, Vec<Map<String, Value>>> = HashMap::new();
        for (label, backend) in backends {
            let started = Instant::now();
            // S*: the seeded endpoints' own queries; Q*: Studio's, run inside `logs.all`.
            let translated = if name.starts_with('S') {
                translate(&sql, backend.target(), &fixture.sources)
            } else {
                translate_sandboxed(&endpoint, &sql, backend.target(), &fixture.sources)
            };
            timings.push(started.elapsed());
            let translated = match translated {
                Ok(translated) => translated,
                Err(error) => {
                    failures.push(format!("{name} on {label}: translation failed: {error}"));
                    continue;
                }
            };
            match backend.query(&translated, &params(&translated.params)).await {
                Ok(rows) => {
                    results.insert(label, rows.rows);
                }
                Err(error) => failures.push(format!("{name} on {label}: {error}\n    {}", translated.sql)),
            }
        }
        // Engines may order equal sort keys differently: compare rows as multisets, and the
        // order itself where a hand-derived answer says it.
        if let (Some(embedded_rows), Some(postgres_rows)) = (results.get("embedded"), results.get("postgres")) {
            if comparable(embedded_rows, false) != comparable(postgres_rows, false) {
                failures.push(format!(
                    "{name}: the engines disagree\n  embedded: {}\n  postgres: {}",
                    Value::from(embedded_rows.iter().cloned().map(Value::Object).collect::<Vec<_>>()),
                    Value::from(postgres_rows.iter().cloned().map(Value::Object).collect::<Vec<_>>()),
                ));
            }
        }
        let expected_path = testdata().join(format!("golden/studio/{name}/rows.json"));
        if let (Ok(text), Some(rows)) = (std::fs::read_to_string(&expected_path), results.get("embedded")) {
            checked_by_hand += 1;
            let (expected, ordered) = parse_expected(&text);
            if comparable(&expected, ordered) != comparable(rows, ordered) {
                failures.push(format!(
                    "{name}: rows differ from the ones derived by hand\n  expected: {}\n  actual:   {}",
                    Value::from(expected.into_iter().map(Value::Object).collect::<Vec<_>>()),
                    Value::from(rows.iter().cloned().map(Value::Object).collect::<Vec<_>>()),
                ));
            }
        }
    }
    timings.sort();
    eprintln!(
        "{} corpus queries x 2 engines; {} checked against hand-derived rows; translation p50 {:?}, max {:?}",
        names.len(),
        checked_by_hand,
        timings[timings.len() / 2],
        timings.last().unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked_by_hand >= 15,
        "only {checked_by_hand} queries have hand-derived rows"
    );
}

/// LQL searches over the fixture's sources: the ids each engine returns must be the ids the
/// LQL matcher (routing rules' evaluator) accepts among the source's events.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn lql_searches_match_the_same_events_on_every_engine_and_in_the_matcher() {
    use cinder_sql::lql;
    use std::collections::BTreeSet;

    let url = std::env::var("CINDER_TEST_DATABASE_URL")
        .expect("CINDER_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL");
    let fixture = fixture();
    let dir = std::env::temp_dir().join(format!("cinder-lql-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let embedded = Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
    let postgres = Postgres::connect(
        &url,
        &format!("cinder_lql_{}", uuid::Uuid::new_v4().simple()),
        std::time::Duration::from_secs(30),
    )
    .await
    .unwrap();
    load(&embedded, &fixture).await;
    load(&postgres, &fixture).await;
    let backends: [&dyn Backend; 2] = [&embedded, &postgres];
    let searches: &[(&str, &[&str])] = &[
        (
            "cloudflare.logs.prod",
            &[
                "GET",
                "-GET",
                "~^GET",
                "\"rest/v1\"",
                "m.response.status_code:>=500",
                "m.response.status_code:200..499",
                "-m.response.status_code:200",
                "m.request.method:POST",
                "m.request.headers.referer:NULL",
                "-m.request.headers.referer:NULL",
                "m.request.path:~^/rest",
                "t:2026-06-01T10:30:00Z..2026-06-01T11:00:00Z",
                "t:>2026-06-01T10:45:00Z",
                "-t:<=2026-06-01T10:30:00",
                "project:default m.request.method:GET",
                "severity:error",
                "m.request.cf.country:DE",
                "m.response.origin_time:<200.5",
            ],
        ),
        (
            "gotrue.logs.prod",
            &[
                "m.level:error",
                "metadata.level:info..error",
                "m.status:>=400",
                "m.auth_event.action:login",
                "-m.status:200",
            ],
        ),
        (
            "realtime.logs.prod",
            &[
                "m.context.domain:@>elixir",
                "m.context.domain:@>~^eli",
                "-m.context.domain:@>elixir",
                "m.level:error",
            ],
        ),
        (
            "storage.logs.prod.2",
            &["m.level:info", "m.tenantId:default -m.level:error"],
        ),
    ];
    let mut failures = Vec::new();
    let mut nonempty = 0;
    let mut total = 0;
    for (source, queries) in searches {
        let table = fixture
            .batch
            .tables
            .iter()
            .find(|table| table.table == fixture.sources[*source].table)
            .unwrap();
        for query in *queries {
            let mut parsed = lql::parse(query, 0).unwrap();
            parsed.fit(&fixture.sources[*source].schema).unwrap();
            let expected: BTreeSet<String> = table
                .events
                .iter()
                .filter(|event| parsed.matches(&event.to_json()))
                .map(|event| event.id.clone())
                .collect();
            total += 1;
            if !expected.is_empty() && expected.len() < table.events.len() {
                nonempty += 1;
            }
            let sql = parsed.to_sql(source);
            for backend in backends {
                let translated = translate(&sql.sql, backend.target(), &fixture.sources).unwrap();
                let values: HashMap<&str, &str> = sql
                    .params
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect();
                let params: Vec<Option<String>> = translated
                    .params
                    .iter()
                    .map(|name| Some(values[name.as_str()].to_owned()))
                    .collect();
                let ids: BTreeSet<String> = match backend.query(&translated, &params).await {
                    Ok(rows) => rows
                        .rows
                        .iter()
                        .map(|row| row["id"].as_str().unwrap().to_owned())
                        .collect(),
                    Err(error) => {
                        failures.push(format!(
                            "`{query}` on {}: {error}\n  {}",
                            backend.target(),
                            translated.sql
                        ));
                        continue;
                    }
                };
                if ids != expected {
                    failures.push(format!(
                        "`{query}` on {}: engine {ids:?}, matcher {expected:?}",
                        backend.target()
                    ));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The searches must discriminate: most keep some events and drop others.
    assert!(
        nonempty * 4 >= total * 3,
        "only {nonempty} of {total} searches split the events"
    );
}
