//! The function table on the embedded engine and on PostgreSQL: every row gives BigQuery's
//! value (see `function_table/mod.rs`). The BigQuery crate runs the same table on the emulator.

mod function_table;

use cinder_storage::{Embedded, Postgres};

#[tokio::test]
async fn the_function_table_holds_on_the_embedded_engine() {
    let dir = std::env::temp_dir().join(format!("cinder-functions-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let backend = Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
    let (failures, rows) = function_table::check(&backend).await;
    drop(backend);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ on the embedded engine:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("embedded: {rows} rows of the function table hold");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn the_function_table_holds_on_postgres() {
    let url = std::env::var("CINDER_TEST_DATABASE_URL")
        .expect("CINDER_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL");
    let schema = format!("cinder_functions_{}", uuid::Uuid::new_v4().simple());
    let backend = Postgres::connect(&url, &schema, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    let (failures, rows) = function_table::check(&backend).await;
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ on PostgreSQL:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("postgres: {rows} rows of the function table hold");
}
