//! No token or secret ever reaches a log line: the real binary logs at debug level while it is
//! used with every kind of secret (access tokens right and wrong, a dashboard session, a
//! database password, a drain's credentials, the encryption key), and the log is searched for
//! each of them.

mod common;

use common::{temp_dir, test_postgres, Server, PRIVATE, PUBLIC};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::json;

const WRONG_TOKEN: &str = "wrong-token-7f3a9c";
const WRONG_LOGIN: &str = "wrong-login-5b2e81";
const DATABASE_PASSWORD: &str = "pg-password-c0ffee";
const DRAIN_PASSWORD: &str = "drain-password-4d1f";
const DRAIN_HEADER: &str = "drain-header-9e7b20";
const KEY: &str = "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0wMTIzNDU2Nzg=";

async fn ingest(server: &Server, token: &str, header: &str) -> StatusCode {
    server
        .client
        .post(server.url("/api/logs?source_name=app"))
        .header(header, token)
        .json(&json!({"message": "hello", "metadata": {"level": "error"}}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn no_secret_reaches_the_log() {
    let (url, _) = test_postgres();
    // The test server trusts local connections: the password is sent and ignored.
    let url = url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{DATABASE_PASSWORD}@"),
        1,
    );
    let schema = format!("cinder_secrets_{}", std::process::id());
    let dir = temp_dir("secrets");
    let log = dir.with_extension("log");
    let env = [
        ("POSTGRES_BACKEND_URL", url.as_str()),
        ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
        ("LOGFLARE_DB_ENCRYPTION_KEY", KEY),
    ];
    let mut server = Server::start_logging(&dir, &env, &log).await;
    let app = server.create_source("app").await;

    // Tokens: right and wrong, in each place a client may put them.
    assert_eq!(ingest(&server, PUBLIC, "x-api-key").await, StatusCode::OK);
    assert_eq!(
        ingest(&server, &format!("Bearer {PRIVATE}"), "authorization").await,
        StatusCode::OK
    );
    assert_eq!(
        ingest(&server, WRONG_TOKEN, "x-api-key").await,
        StatusCode::UNAUTHORIZED
    );
    let by_query = server
        .client
        .get(server.url(&format!("/api/query?api_key={WRONG_TOKEN}&sql=select%201")))
        .send()
        .await
        .unwrap();
    assert_eq!(by_query.status(), StatusCode::UNAUTHORIZED);
    let created = server.manage("/api/access-tokens", json!({"scopes": "ingest"})).await;
    let secret = created["token"].as_str().unwrap().to_owned();
    assert_eq!(ingest(&server, &secret, "x-api-key").await, StatusCode::OK);

    // A drain with credentials in its URL and headers, which fails to deliver (nothing listens).
    let drain = server
        .manage(
            "/api/backends",
            json!({"name": "hook", "type": "webhook", "config": {
                "url": format!("http://user:{DRAIN_PASSWORD}@127.0.0.1:9/hook"),
                "headers": {"authorization": format!("Bearer {DRAIN_HEADER}")}
            }}),
        )
        .await;
    server
        .manage(
            "/api/rules",
            json!({"source_id": app["id"], "lql_string": "m.level:error", "backend_id": drain["id"]}),
        )
        .await;
    assert_eq!(ingest(&server, PUBLIC, "x-api-key").await, StatusCode::OK);
    // The test answers that the drain is unreachable; what it logs is what matters here.
    server
        .client
        .post(server.url(&format!("/api/backends/{}/test", drain["token"].as_str().unwrap())))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap();

    // The dashboard: a wrong and a right login; the session id is a secret too.
    let client = Client::builder().redirect(Policy::none()).build().unwrap();
    let mut session = String::new();
    for attempt in [WRONG_LOGIN, PRIVATE] {
        let form = client.get(server.url("/login")).send().await.unwrap();
        let cookie = form.headers()["set-cookie"].to_str().unwrap().to_owned();
        let csrf = cookie
            .trim_start_matches("cinder_login=")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let response = client
            .post(server.url("/login"))
            .header("cookie", format!("cinder_login={csrf}"))
            .form(&[("secret", attempt), ("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        if let Some(value) = response.headers().get("set-cookie") {
            let value = value.to_str().unwrap();
            if let Some(rest) = value.strip_prefix("cinder_session=") {
                session = rest.split(';').next().unwrap().to_owned();
            }
        }
    }
    assert_eq!(session.len(), 64, "logged in");
    let page = client
        .get(server.url("/dashboard"))
        .header("cookie", format!("cinder_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // Let the drain retry and log its failures, then stop the server.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    server.kill();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("DEBUG") && text.contains("a batch failed"),
        "the server logged at debug level, the drain's failures too:\n{text}"
    );
    for (what, secret) in [
        ("the private token", PRIVATE),
        ("the public token", PUBLIC),
        ("a created token", secret.as_str()),
        ("a wrong token", WRONG_TOKEN),
        ("a wrong login", WRONG_LOGIN),
        ("the database password", DATABASE_PASSWORD),
        ("the drain's URL password", DRAIN_PASSWORD),
        ("the drain's header", DRAIN_HEADER),
        ("the encryption key", KEY),
        ("the session id", session.as_str()),
    ] {
        if let Some(line) = text.lines().find(|line| line.contains(secret)) {
            panic!("{what} is in the log: {line}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_file(&log).ok();
}
