//! Property test: for random events (fields present or missing, nested objects, arrays, mixed
//! types), every query template gives the same rows on the BigQuery emulator as on the
//! embedded engine (`cinder-storage/tests/differential.rs` compares embedded and PostgreSQL).
//!
//! Each case creates, patches and fills a table on the emulator, about a second per request:
//! fewer cases than the other engines' test, each a batch of up to 14 events.

#[path = "../../cinder-storage/tests/random/mod.rs"]
mod random;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cinder_bigquery::{BigQuery, BigQueryConfig};
use cinder_storage::Embedded;
use proptest::prelude::*;
use random::{event, QUERIES};

struct Engines {
    runtime: tokio::runtime::Runtime,
    embedded: Embedded,
    bigquery: BigQuery,
}

fn engines() -> &'static Engines {
    static ENGINES: std::sync::OnceLock<Engines> = std::sync::OnceLock::new();
    ENGINES.get_or_init(|| {
        let endpoint = std::env::var("CINDER_TEST_BIGQUERY_URL")
            .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator");
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("cinder-differential-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        let embedded = Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
        let bigquery = runtime
            .block_on(BigQuery::connect(BigQueryConfig {
                project_id: "cinder-test".into(),
                dataset_id: format!("differential_{id}"),
                location: "US".into(),
                endpoint,
                account: None,
                state_dir: dir.join("bigquery"),
                query_timeout: Duration::from_secs(30),
                require_partition_filter: false,
            }))
            .unwrap();
        Engines {
            runtime,
            embedded,
            bigquery,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    #[ignore = "needs the BigQuery emulator: scripts/test.sh starts one and sets CINDER_TEST_BIGQUERY_URL"]
    fn random_events_give_the_same_rows_on_bigquery(events in prop::collection::vec(event(), 1..15)) {
        static CASE: AtomicUsize = AtomicUsize::new(0);
        let engines = engines();
        let table = format!("log_events_case_{}", CASE.fetch_add(1, Ordering::Relaxed));
        let (events, schema) = random::events(events);
        let results = engines.runtime.block_on(async {
            [
                random::rows_per_query(&engines.embedded, &table, &schema, &events).await,
                random::rows_per_query(&engines.bigquery, &table, &schema, &events).await,
            ]
        });
        for (index, sql) in QUERIES.iter().enumerate() {
            prop_assert_eq!(&results[0][index], &results[1][index], "`{}` differs between engines", sql);
        }
    }
}
