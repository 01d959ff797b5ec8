//! Property test: for random events (fields present or missing, nested objects, arrays, mixed
//! types), every query template gives the same rows on the embedded engine and on PostgreSQL.

#[path = "random/mod.rs"]
mod random;

use std::sync::atomic::{AtomicUsize, Ordering};

use cinder_storage::{Embedded, Postgres};
use proptest::prelude::*;
use random::{event, QUERIES};

struct Engines {
    runtime: tokio::runtime::Runtime,
    embedded: Embedded,
    postgres: Postgres,
}

fn engines() -> &'static Engines {
    static ENGINES: std::sync::OnceLock<Engines> = std::sync::OnceLock::new();
    ENGINES.get_or_init(|| {
        let url = std::env::var("CINDER_TEST_DATABASE_URL")
            .expect("CINDER_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL");
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let dir = std::env::temp_dir().join(format!("cinder-differential-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let embedded = Embedded::open(&dir.join("cinder.duckdb"), &cinder_storage::EngineSettings::default()).unwrap();
        let schema = format!("cinder_differential_{}", uuid::Uuid::new_v4().simple());
        let postgres = runtime
            .block_on(Postgres::connect(&url, &schema, std::time::Duration::from_secs(30)))
            .unwrap();
        Engines {
            runtime,
            embedded,
            postgres,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    #[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
    fn random_events_give_the_same_rows_on_both_engines(events in prop::collection::vec(event(), 1..15)) {
        static CASE: AtomicUsize = AtomicUsize::new(0);
        let engines = engines();
        let table = format!("log_events_case_{}", CASE.fetch_add(1, Ordering::Relaxed));
        let (events, schema) = random::events(events);
        let results = engines.runtime.block_on(async {
            [
                random::rows_per_query(&engines.embedded, &table, &schema, &events).await,
                random::rows_per_query(&engines.postgres, &table, &schema, &events).await,
            ]
        });
        for (index, sql) in QUERIES.iter().enumerate() {
            prop_assert_eq!(&results[0][index], &results[1][index], "`{}` differs between engines", sql);
        }
    }
}
