//! The backend conformance suite, run against a local BigQuery emulator (`local-bigquery`,
//! started by `scripts/test.sh`, which sets `CINDER_TEST_BIGQUERY_URL`).
//!
//! The emulator runs GoogleSQL on DuckDB: it is a stand-in for BigQuery's own semantics, not
//! proof of them. What it cannot show (authentication, refused schema patches, quota errors)
//! is tested with recorded answers in `recorded.rs`.

#[path = "../../cinder-storage/tests/suite/mod.rs"]
mod suite;

use std::time::Duration;

use cinder_bigquery::{BigQuery, BigQueryConfig};
use cinder_core::Schema;
use cinder_sql::TargetSql;
use cinder_storage::Backend;
use serde_json::json;
use suite::{batch, event, select, sources};

fn emulator() -> String {
    std::env::var("CINDER_TEST_BIGQUERY_URL")
        .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator")
}

/// A backend on a dataset of its own, with its state in a fresh directory.
async fn backend(require_partition_filter: bool) -> BigQuery {
    let id = uuid::Uuid::new_v4().simple().to_string();
    backend_on(&id, require_partition_filter).await
}

/// A backend on dataset `conformance_<id>` with its state in a directory named after `id`:
/// connecting twice with one id is a restart.
async fn backend_on(id: &str, require_partition_filter: bool) -> BigQuery {
    BigQuery::connect(BigQueryConfig {
        project_id: "cinder-test".into(),
        dataset_id: format!("conformance_{id}"),
        location: "US".into(),
        endpoint: emulator(),
        account: None,
        state_dir: std::env::temp_dir().join(format!("cinder-bigquery-{id}")),
        query_timeout: Duration::from_secs(30),
        require_partition_filter,
    })
    .await
    .unwrap()
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
async fn bigquery_backend_conforms() {
    // The emulator adds only top-level fields in a schema PATCH (BigQuery adds nested ones
    // too; the PATCH Cinder sends is checked with recorded answers in `recorded.rs`).
    suite::suite(&backend(false).await, false).await;
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
async fn bigquery_backend_follows_the_unnest_semantics() {
    suite::unnest_semantics(&backend(false).await).await;
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
async fn bigquery_backend_enforces_retention() {
    suite::retention(&backend(false).await).await;
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
async fn tables_are_partitioned_and_refused_rows_are_kept() {
    let backend = backend(true).await;
    let table = "log_events_7f2a_partitioned";
    let mut schema = Schema::new();
    let now = chrono::Utc::now().timestamp_micros();
    let first = batch(
        table,
        &mut schema,
        vec![event("p1", now, json!({"metadata": {"status": 200}}))],
        5,
    );
    backend.insert(&first).await.unwrap();

    // The table is Logflare's: day partitions on `timestamp`, clustered, filter required.
    let table_url = format!(
        "{}/bigquery/v2/projects/cinder-test/datasets/{}/tables/7f2a_partitioned",
        emulator(),
        backend.table_reference(table).split('.').nth(1).unwrap()
    );
    let live: serde_json::Value = reqwest::get(&table_url).await.unwrap().json().await.unwrap();
    assert_eq!(live["timePartitioning"]["type"], "DAY");
    assert_eq!(live["timePartitioning"]["field"], "timestamp");
    assert_eq!(live["requirePartitionFilter"], true);
    assert_eq!(live["clustering"]["fields"], json!(["timestamp"]));
    assert_eq!(live["schema"]["fields"][3]["mode"], "REPEATED", "{live}");

    let unfiltered = cinder_sql::translate(
        "select count(*) as n from logs",
        backend.target(),
        &sources(&backend, table, &schema),
    )
    .unwrap();
    let error = backend.query(&unfiltered, &[]).await.unwrap_err();
    assert!(error.to_string().contains("partition elimination"), "{error}");
    let rows = select(
        &backend,
        table,
        &schema,
        "select count(*) as n from logs where timestamp > timestamp_sub(current_timestamp(), interval 1 day)",
    )
    .await;
    assert_eq!(rows[0]["n"], 1);

    // A table whose live type differs from the source's schema (as a table another writer
    // created may): the type is kept, and a row BigQuery refuses is kept with the reason
    // while the row sent with it is stored.
    let patch = json!({"schema": {"fields": live["schema"]["fields"].as_array().unwrap().iter().cloned()
        .chain([json!({"name": "note", "type": "INTEGER", "mode": "NULLABLE"})]).collect::<Vec<_>>()}});
    let patched = reqwest::Client::new()
        .patch(&table_url)
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert!(patched.status().is_success());
    let second = batch(
        table,
        &mut schema,
        vec![
            event("good", now, json!({"level": "info"})),
            event("bad", now, json!({"note": "not a number"})),
        ],
        6,
    );
    backend.insert(&second).await.unwrap();
    assert_eq!(backend.position().await.unwrap(), 6);
    let rejected = backend.rejected(table, 10).await.unwrap();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["event"]["id"], "bad");
    assert!(rejected[0]["errors"][0]["message"].is_string(), "{rejected:?}");
    let rows = select(
        &backend,
        table,
        &schema,
        "select id from logs where timestamp > timestamp_sub(current_timestamp(), interval 1 day) order by id",
    )
    .await;
    let ids: Vec<_> = rows.iter().map(|row| row["id"].clone()).collect();
    assert_eq!(ids, [json!("good"), json!("p1")]);

    // Parameters are bound by name, as STRINGs, never spliced.
    let translated = cinder_sql::translate(
        "select count(*) as n from logs where id = @id and timestamp > '2000-01-01'",
        backend.target(),
        &sources(&backend, table, &schema),
    )
    .unwrap();
    let hostile = backend.query(&translated, &[Some("' or 1=1 --".into())]).await.unwrap();
    assert_eq!(hostile.rows[0]["n"], 0);
    let one = backend.query(&translated, &[Some("good".into())]).await.unwrap();
    assert_eq!(one.rows[0]["n"], 1);
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
async fn results_are_paged_and_replays_store_nothing_twice() {
    let backend = backend(false).await;
    let table = "log_events_paged";
    let mut schema = Schema::new();
    let events = (0..25_000)
        .map(|index| {
            event(
                &format!("e{index:05}"),
                1_700_000_000_000_000 + index,
                json!({"n": index}),
            )
        })
        .collect();
    let loaded = batch(table, &mut schema, events, 1);
    backend.insert(&loaded).await.unwrap();
    // Sent again, as after a crash before the position was saved: insertId deduplicates.
    backend.insert(&loaded).await.unwrap();
    let rows = select(&backend, table, &schema, "select id, n from logs order by n").await;
    assert_eq!(rows.len(), 25_000, "three pages of 10,000");
    assert_eq!(rows[24_999]["n"], 24_999);
    let raw = TargetSql {
        sql: format!(
            "select count(distinct id) as n from `{}`",
            backend.table_reference(table)
        ),
        params: Vec::new(),
    };
    assert_eq!(backend.query(&raw, &[]).await.unwrap().rows[0]["n"], 25_000);
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
async fn a_batch_sent_again_after_insert_ids_are_forgotten_is_stored_once() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let table = "log_events_replayed";
    let mut schema = Schema::new();
    let at = |index: i64| 1_700_000_000_000_000 + index;
    let events = |range: std::ops::Range<i64>| {
        range
            .map(|index| event(&format!("e{index:03}"), at(index), json!({"n": index})))
            .collect::<Vec<_>>()
    };
    let first = backend_on(&id, true).await;
    first
        .insert(&batch(table, &mut schema, events(0..10), 1))
        .await
        .unwrap();

    // The next batch's first half reached BigQuery, then the process stopped before it saved
    // its position; by the time it is sent again, BigQuery has forgotten their insertIds
    // (rows sent here without one).
    let rows: Vec<_> = (10..20)
        .map(|index| {
            let time = chrono::DateTime::from_timestamp_micros(at(index)).unwrap().to_rfc3339();
            json!({"json": {"id": format!("e{index:03}"), "timestamp": time, "event_message": format!("message e{index:03}"), "n": index}})
        })
        .collect();
    let url = format!(
        "{}/bigquery/v2/projects/cinder-test/datasets/conformance_{id}/tables/replayed/insertAll",
        emulator()
    );
    let answer: serde_json::Value = reqwest::Client::new()
        .post(&url)
        .json(&json!({"rows": rows}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer.get("insertErrors").is_none(), "{answer}");
    drop(first);

    let restarted = backend_on(&id, true).await;
    assert_eq!(restarted.position().await.unwrap(), 1);
    restarted
        .insert(&batch(table, &mut schema, events(10..30), 2))
        .await
        .unwrap();
    // Settled now: a later batch is sent as it is.
    restarted
        .insert(&batch(table, &mut schema, events(30..35), 3))
        .await
        .unwrap();
    let raw = TargetSql {
        sql: format!(
            "select count(*) as n, count(distinct id) as d from `{}` where timestamp > '2000-01-01'",
            restarted.table_reference(table)
        ),
        params: Vec::new(),
    };
    let counts = restarted.query(&raw, &[]).await.unwrap();
    assert_eq!(counts.rows[0]["d"], 35, "{:?}", counts.rows);
    assert_eq!(counts.rows[0]["n"], 35, "stored twice: {:?}", counts.rows);
}
