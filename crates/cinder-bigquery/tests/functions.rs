//! The function table (`testdata/golden/functions/`) on the BigQuery emulator, which runs
//! GoogleSQL on DuckDB: where it agrees with the table, BigQuery's documented values hold for
//! Cinder's BigQuery output too. Rows the emulator gets wrong are listed in `EMULATOR_DIFFERS`
//! with the reason, and checked against BigQuery's documentation only.

#[path = "../../cinder-storage/tests/function_table/mod.rs"]
mod function_table;

use std::time::Duration;

use cinder_bigquery::{BigQuery, BigQueryConfig};

/// Rows (`file:line`) where the emulator answers otherwise than BigQuery documents.
const EMULATOR_DIFFERS: &[(&str, &str)] = &[
    (
        "datetime.txt:38",
        "the emulator formats with DuckDB's strftime, which has no %k or %l (BigQuery documents both)",
    ),
    (
        "datetime.txt:43",
        "the emulator reads `%%` as a trailing `%` (BigQuery documents `%%` as a literal %)",
    ),
    (
        "datetime.txt:52",
        "the emulator parses with DuckDB's strptime, which has no %E3S (BigQuery documents %E<n>S)",
    ),
    (
        "datetime.txt:53",
        "the emulator parses with DuckDB's strptime, which has no %E*S (BigQuery documents it)",
    ),
    (
        "datetime.txt:83",
        "the emulator parses with DuckDB's strptime, which has no %E*S (BigQuery documents it)",
    ),
    (
        "datetime.txt:55",
        "the emulator parses with DuckDB's strptime, which has no %R (BigQuery documents it as %H:%M)",
    ),
    (
        "datetime.txt:77",
        "the emulator formats %e without its leading space (BigQuery documents ' 1' for the first)",
    ),
    (
        "json.txt:29",
        "the emulator cannot bind SAFE.JSON_EXTRACT_STRING_ARRAY (valid GoogleSQL)",
    ),
    (
        "json.txt:19",
        "the emulator cannot bind SAFE.JSON_QUERY (valid GoogleSQL)",
    ),
    (
        "json.txt:20",
        "the emulator cannot bind SAFE.JSON_EXTRACT (valid GoogleSQL)",
    ),
];

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
async fn the_function_table_holds_on_the_emulator() {
    let emulator = std::env::var("CINDER_TEST_BIGQUERY_URL")
        .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator");
    let id = uuid::Uuid::new_v4().simple().to_string();
    let backend = BigQuery::connect(BigQueryConfig {
        project_id: "cinder-test".into(),
        dataset_id: format!("functions_{id}"),
        location: "US".into(),
        endpoint: emulator,
        account: None,
        state_dir: std::env::temp_dir().join(format!("cinder-bigquery-functions-{id}")),
        query_timeout: Duration::from_secs(30),
        require_partition_filter: false,
    })
    .await
    .unwrap();
    let (failures, rows) = function_table::check(&backend).await;
    let failures: Vec<_> = failures
        .into_iter()
        .filter(|failure| {
            !EMULATOR_DIFFERS
                .iter()
                .any(|(place, _)| failure.starts_with(&format!("{place}:")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ on the emulator:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "emulator: {} of {rows} rows of the function table hold",
        rows - EMULATOR_DIFFERS.len()
    );
}
