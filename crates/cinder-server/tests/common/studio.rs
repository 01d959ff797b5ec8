//! Supabase Studio's traffic: its form-encoded endpoint calls, the Supabase fixture's events
//! ingested as Vector sends them, and the whole Studio corpus replayed over them. Used against
//! a server the test started and against the container image.

#[path = "../../../../testdata/supabase/fixture.rs"]
pub mod fixture;

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::Value;

use super::{encode_query_value, Api, PRIVATE, PUBLIC};

/// A query string encoded as a browser encodes a form: spaces as `+`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", encode_query_value(value, "+")))
        .collect::<Vec<_>>()
        .join("&")
}

/// A call of Studio's to an endpoint (server-side, the private token in `x-api-key`).
pub async fn studio_call(server: &Api, endpoint: &str, pairs: &[(&str, &str)]) -> Value {
    let response = server
        .client
        .get(server.url(&format!("/api/endpoints/query/{endpoint}?{}", form(pairs))))
        .header("x-api-key", PRIVATE)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Which events the corpus runs over.
#[derive(Clone, Copy)]
pub enum Fixture {
    /// `events.json`: every field Studio's queries name, as Supabase's platform sends them;
    /// the hand-derived rows are for these.
    Rich,
    /// `sparse.json`: what a self-hosted stack sends — each service with only its common
    /// fields, plain-text lines beside JSON ones, two services that have not logged at all.
    Sparse,
}

/// The rows each corpus query answered, by query name.
pub type CorpusRows = BTreeMap<String, Vec<serde_json::Map<String, Value>>>;

/// Sends the fixture's events as Vector does (a JSON array per source, the public token in
/// `x-api-key`) and waits until every one is stored. Returns them by source.
pub async fn ingest_fixture(server: &Api, events: Fixture) -> BTreeMap<String, Vec<Value>> {
    let file = match events {
        Fixture::Rich => "supabase/events.json",
        Fixture::Sparse => "supabase/sparse.json",
    };
    let text = std::fs::read_to_string(fixture::testdata().join(file)).unwrap();
    let by_source: BTreeMap<String, Vec<Value>> = serde_json::from_str(&text).unwrap();
    for (source, events) in &by_source {
        let response = server
            .client
            .post(server.url(&format!("/api/logs?source_name={source}")))
            .header("x-api-key", PUBLIC)
            .json(events)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{source}");
    }
    for (source, events) in &by_source {
        assert_eq!(
            server.wait_for_count(source, events.len() as u64).await,
            events.len() as u64,
            "{source}"
        );
    }
    by_source
}

/// Sends every Studio query of the corpus as Studio does, over the fixture's events ingested
/// as Vector sends them, and checks: no error, and (rich fixture) the hand-derived rows where
/// there are some. Returns (queries sent, queries checked against hand-derived rows, the rows
/// of each query).
pub async fn replay_corpus(server: &Api, events: Fixture) -> (usize, usize, CorpusRows) {
    ingest_fixture(server, events).await;
    run_corpus(server, events).await
}

/// Sends every Studio query of the corpus over the fixture's events, already stored; see
/// [`replay_corpus`].
pub async fn run_corpus(server: &Api, events: Fixture) -> (usize, usize, CorpusRows) {
    let mut names: Vec<String> = std::fs::read_dir(fixture::testdata().join("golden/studio"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with('Q') || name.starts_with('S'))
        .collect();
    names.sort();
    let (mut failures, mut checked) = (Vec::new(), 0);
    let mut results = CorpusRows::new();
    for name in &names {
        let sql = fixture::corpus_query(name);
        let pairs = [
            ("project", "default"),
            ("sql", sql.as_str()),
            ("iso_timestamp_start", fixture::START),
            ("iso_timestamp_end", fixture::END),
        ];
        // Q*: Studio's queries, sent inside logs.all. S*: Logflare's seeded endpoint queries
        // themselves, run through `/api/query` with the parameters Studio gives them.
        let reply = if name.starts_with('S') {
            let pairs = [
                ("sql", sql.as_str()),
                ("project", "default"),
                ("iso_timestamp_start", fixture::START),
                ("iso_timestamp_end", fixture::END),
                ("interval", "hourly"),
            ];
            let response = server
                .client
                .get(server.url(&format!("/api/query?{}", form(&pairs))))
                .header("x-api-key", PRIVATE)
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        } else {
            studio_call(server, "logs.all", &pairs).await
        };
        let Some(rows) = reply["result"].as_array() else {
            failures.push(format!("{name}: {reply}"));
            continue;
        };
        let rows: Vec<serde_json::Map<String, Value>> =
            rows.iter().map(|row| row.as_object().unwrap().clone()).collect();
        results.insert(name.clone(), rows.clone());
        let expected = fixture::testdata().join(format!("golden/studio/{name}/rows.json"));
        if let (Fixture::Rich, Ok(text)) = (events, std::fs::read_to_string(expected)) {
            checked += 1;
            let (expected, ordered) = fixture::parse_expected(&text);
            if fixture::comparable(&expected, ordered) != fixture::comparable(&rows, ordered) {
                failures.push(format!("{name}: expected {expected:?}\n  got {rows:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} Studio queries failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
    (names.len(), checked, results)
}
