//! A query fired in the same instant as an acknowledgement never fails (issue #14, part 1).
//!
//! Each round sends an event with fields no event had before, and as soon as the 200 arrives —
//! and once more while the request is still in flight — queries those fields. The events may
//! not be visible yet (the loader stores them within about a second), but the query must
//! answer: with or without the newest events, never with an error. Before the fix, 20 of 20
//! such rounds failed on the embedded backend with `does not have a column named ...`, because
//! queries were translated against the schema the request had just grown, not against the
//! columns the table holds.

mod common;

use common::{temp_dir, test_postgres, Server, PUBLIC};
use reqwest::StatusCode;
use serde_json::json;

/// Fresh fields per round; a new source every `ROUNDS_PER_SOURCE` rounds keeps each schema
/// well under the 500-field bound.
const ROUNDS_PER_SOURCE: usize = 50;

/// What a query racing the first event with a new field may see of that event.
#[derive(Clone, Copy, PartialEq)]
enum Seen {
    /// Nothing, or the whole event: engines that keep every event's document read a field
    /// the table has no column for yet from it.
    NothingOrWhole,
    /// Also the event with its new fields NULL: BigQuery's tables have only their columns, so
    /// a query translated just before the table gained the field reads it as NULL.
    FieldsMayLag,
}

/// Runs `rounds` rounds and returns how many queries answered with rows that already held the
/// round's event (the rest answered without it; none may fail).
async fn read_after_ack(server: &Server, label: &str, rounds: usize, consistency: Seen) -> usize {
    let mut seen = 0;
    let mut failures = Vec::new();
    for round in 0..rounds {
        let source = format!("{label}.{}", round / ROUNDS_PER_SOURCE);
        if round % ROUNDS_PER_SOURCE == 0 {
            server.create_source(&source).await;
        }
        let (event, sql) = match consistency {
            Seen::NothingOrWhole => (
                json!([{
                    "message": format!("m{round}"),
                    "metadata": {format!("f{round}"): round, "req": {format!("g{round}"): format!("x{round}")}}
                }]),
                format!(
                    "select count(*) as n, max(metadata.f{round}) as m, max(r.g{round}) as g \
                     from `{source}` left join unnest(metadata) as md on true left join unnest(md.req) as r on true \
                     where timestamp > '2000-01-01' and (metadata.f{round} = {round} or event_message = 'm{round}')"
                ),
            ),
            // The emulator's schema PATCH adds top-level fields only (BigQuery adds nested ones
            // too, and Cinder logs an error when a PATCH leaves fields out): new fields at the
            // top level, a new object among them.
            Seen::FieldsMayLag => (
                json!([{
                    "message": format!("m{round}"),
                    format!("f{round}"): round,
                    format!("req{round}"): {"g": format!("x{round}")}
                }]),
                format!(
                    "select count(*) as n, max(f{round}) as m, max(r.g) as g \
                     from `{source}` left join unnest(req{round}) as r on true \
                     where timestamp > '2000-01-01' and (f{round} = {round} or event_message = 'm{round}')"
                ),
            ),
        };
        let ingest = server
            .client
            .post(server.url(&format!("/api/logs?source_name={source}")))
            .header("x-api-key", PUBLIC)
            .json(&event)
            .send();
        // One query races the request itself, one follows its acknowledgement at once.
        let (acknowledged, racing) = tokio::join!(ingest, server.try_query(&sql));
        assert_eq!(acknowledged.unwrap().status(), StatusCode::OK, "round {round}");
        let following = server.try_query(&sql).await;
        for (when, (status, body)) in [("during the request", racing), ("after the 200", following)] {
            let row = &body["result"][0];
            if status != StatusCode::OK || !body["result"].is_array() {
                failures.push(format!("round {round}, {when}: {status} {body}"));
                continue;
            }
            // Either the event is not stored yet, or it is, whole.
            match row["n"].as_u64() {
                Some(0) => assert!(row["m"].is_null() && row["g"].is_null(), "round {round}: {body}"),
                Some(1) if consistency == Seen::FieldsMayLag && row["m"].is_null() => {
                    assert!(row["g"].is_null(), "round {round}: {body}");
                }
                Some(1) => {
                    assert_eq!(row["m"], json!(round), "round {round}: {body}");
                    assert_eq!(row["g"], json!(format!("x{round}")), "round {round}: {body}");
                    seen += 1;
                }
                _ => failures.push(format!("round {round}, {when}: unexpected rows {body}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries fired at an acknowledgement failed:\n{}",
        failures.len(),
        rounds * 2,
        failures.join("\n")
    );
    // And once stored, each round's event reads back with its new fields.
    let last = format!("{label}.{}", (rounds - 1) / ROUNDS_PER_SOURCE);
    let stored = server
        .wait_for_count(&last, ((rounds - 1) % ROUNDS_PER_SOURCE + 1) as u64)
        .await;
    assert_eq!(stored, ((rounds - 1) % ROUNDS_PER_SOURCE + 1) as u64);
    let round = rounds - 1;
    let field = match consistency {
        Seen::NothingOrWhole => format!("metadata.f{round}"),
        Seen::FieldsMayLag => format!("f{round}"),
    };
    let rows = server
        .query(&format!(
            "select {field} as m from `{last}` where timestamp > '2000-01-01' and {field} is not null"
        ))
        .await;
    assert_eq!(rows, json!([{"m": round}]));
    seen
}

#[tokio::test]
async fn a_query_at_the_ack_never_fails_on_the_embedded_backend() {
    let dir = temp_dir("read-after-ack-embedded");
    let server = Server::start(&dir).await;
    let seen = read_after_ack(&server, "ack", 200, Seen::NothingOrWhole).await;
    eprintln!("embedded: 400 queries at 200 acknowledgements answered; {seen} already saw the new event");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn a_query_at_the_ack_never_fails_on_postgres() {
    let (url, _) = test_postgres();
    let schema = format!("cinder_read_after_ack_{}", std::process::id());
    let dir = temp_dir("read-after-ack-postgres");
    let env = [
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
    ];
    let server = Server::start_with(&dir, &env).await;
    let seen = read_after_ack(&server, "ack", 200, Seen::NothingOrWhole).await;
    eprintln!("postgres: 400 queries at 200 acknowledgements answered; {seen} already saw the new event");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts it and sets CINDER_TEST_BIGQUERY_URL"]
async fn a_query_at_the_ack_never_fails_on_bigquery() {
    let emulator = std::env::var("CINDER_TEST_BIGQUERY_URL")
        .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator");
    let append = format!("_ack_{}", std::process::id());
    let dir = temp_dir("read-after-ack-bigquery");
    let env = [
        ("GOOGLE_PROJECT_ID", "cinder-test"),
        ("GOOGLE_DATASET_ID_APPEND", append.as_str()),
        ("CINDER_BIGQUERY_ENDPOINT", emulator.as_str()),
    ];
    let server = Server::start_with(&dir, &env).await;
    let seen = read_after_ack(&server, "ack", 200, Seen::FieldsMayLag).await;
    eprintln!("bigquery emulator: 400 queries at 200 acknowledgements answered; {seen} already saw the new event");
    std::fs::remove_dir_all(&dir).ok();
}
