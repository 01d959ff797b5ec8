//! The PostgreSQL backend over TLS, against the test server (`scripts/postgres.sh` turns TLS on
//! with a private CA whose server certificate names `localhost` only): each `sslmode` encrypts
//! and verifies what libpq's does, and refuses what it refuses.

use std::time::Duration;

use cinder_storage::postgres::tls::{self, SslMode};
use cinder_storage::Postgres;

/// The test server's URL (`postgres://postgres@127.0.0.1:<port>/postgres`) and its CA file.
fn server() -> (String, String) {
    let url = std::env::var("CINDER_TEST_DATABASE_URL")
        .expect("CINDER_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL");
    let ca = std::env::var("CINDER_TEST_DATABASE_CA")
        .expect("CINDER_TEST_DATABASE_CA is not set: run scripts/test.sh, which makes the test server's CA");
    (url, ca)
}

/// `url` with the host replaced and `query` appended.
fn variant(url: &str, host: &str, query: &str) -> String {
    format!("{}?{query}", url.replace("127.0.0.1", host))
}

/// Whether the connections named `application` are encrypted, as the server sees them.
async fn encrypted(url: &str, application: &str) -> Vec<bool> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1",
            &[&application],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

async fn connect(url: &str, schema: &str) -> Result<Postgres, String> {
    Postgres::connect(url, schema, Duration::from_secs(10))
        .await
        .map_err(|error| error.to_string())
}

#[tokio::test]
#[ignore = "needs PostgreSQL with TLS: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL and _CA"]
async fn each_sslmode_encrypts_and_verifies_as_libpq_does() {
    let (url, ca) = server();
    let schema = format!("cinder_tls_{}", std::process::id());
    let root = format!("sslrootcert={ca}");
    let application = format!("cinder-tls-{}", std::process::id());

    // Accepted: encryption without a check, the chain checked (any name), chain and name.
    for (host, query) in [
        ("127.0.0.1", "sslmode=require".to_owned()),
        ("127.0.0.1", format!("sslmode=verify-ca&{root}")),
        ("localhost", format!("sslmode=verify-full&{root}")),
    ] {
        let target = variant(&url, host, &format!("{query}&application_name={application}"));
        let backend = connect(&target, &schema)
            .await
            .unwrap_or_else(|error| panic!("{query} on {host}: {error}"));
        let seen = encrypted(&url, &application).await;
        assert!(!seen.is_empty() && seen.iter().all(|ssl| *ssl), "{query}: {seen:?}");
        drop(backend);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Refused: a name the certificate does not carry, a CA Cinder does not trust, an sslmode
    // libpq does not have.
    let wrong_name = connect(
        &variant(&url, "127.0.0.1", &format!("sslmode=verify-full&{root}")),
        &schema,
    )
    .await
    .err()
    .expect("verify-full must check the host name");
    assert!(wrong_name.to_lowercase().contains("certificate"), "{wrong_name}");
    let untrusted = connect(&variant(&url, "localhost", "sslmode=verify-full"), &schema)
        .await
        .err()
        .expect("verify-full must check the chain");
    assert!(untrusted.to_lowercase().contains("certificate"), "{untrusted}");
    let bad_mode = connect(&variant(&url, "localhost", "sslmode=always"), &schema)
        .await
        .err()
        .unwrap();
    assert!(bad_mode.contains("invalid sslmode `always`"), "{bad_mode}");

    // Not encrypted when told not to be.
    let plain = format!("cinder-plain-{}", std::process::id());
    let backend = connect(
        &variant(&url, "127.0.0.1", &format!("sslmode=disable&application_name={plain}")),
        &schema,
    )
    .await
    .unwrap();
    assert_eq!(encrypted(&url, &plain).await.first(), Some(&false));
    drop(backend);

    // Settings built from parts (the catalog's DB_SSL, a drain's fields) verify the same way.
    let mut config = tokio_postgres::Config::new();
    config
        .host("localhost")
        .port(
            url.rsplit(':')
                .next()
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .parse()
                .unwrap(),
        )
        .user("postgres")
        .dbname("postgres");
    let connection = tls::with_mode(config, SslMode::VerifyFull, Some(std::path::Path::new(&ca))).unwrap();
    Postgres::connect_with(connection, &schema, Duration::from_secs(10))
        .await
        .unwrap();
}
