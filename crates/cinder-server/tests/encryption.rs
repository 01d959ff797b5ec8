//! Secrets at rest: sealed under LOGFLARE_DB_ENCRYPTION_KEY, absent from the raw database
//! files, and rotated with LOGFLARE_DB_ENCRYPTION_KEY_RETIRED — also when the process is killed
//! in the middle of the rotation.

use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PRIVATE};

fn key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

async fn create_backend(server: &Server, name: &str, secret: &str) -> String {
    let body = json!({"name": name, "type": "webhook", "config": {"url": format!("https://hooks.example.com/{name}"), "headers": {"authorization": secret}}});
    let response = server
        .client
        .post(server.url("/api/backends"))
        .bearer_auth(PRIVATE)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn backend_urls(server: &Server) -> Vec<String> {
    let backends: Value = server.get_json("/api/backends").await;
    backends
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["config"]["url"].as_str().unwrap().to_owned())
        .collect()
}

/// Every byte Cinder keeps in its data directory, for grepping.
fn raw_files(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn secrets_are_sealed_and_rotate_from_key_a_to_key_b() {
    let dir = temp_dir("encryption");
    let (a, b) = (key(0xa1), key(0xb2));
    let server = Server::start_with(&dir, &[("LOGFLARE_DB_ENCRYPTION_KEY", &a)]).await;
    let secret = "Bearer very-secret-header-value-4d9f2";
    create_backend(&server, "visible-backend-name-7c1e", secret).await;
    let source = server.create_source("with-hook").await;
    let response = server
        .client
        .put(server.url(&format!("/api/sources/{}", source["token"].as_str().unwrap())))
        .bearer_auth(PRIVATE)
        .json(&json!({"slack_hook_url": "https://hooks.slack.com/services/T000/B000/slack-secret-88aa"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let created: Value = server
        .client
        .post(server.url("/api/access-tokens"))
        .bearer_auth(PRIVATE)
        .json(&json!({"scopes": "public"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let public_token = created["token"].as_str().unwrap().to_owned();
    drop(server);

    // The raw files hold the documents (the positive control) but none of the secrets.
    let raw = raw_files(&dir);
    assert!(
        contains(&raw, "visible-backend-name-7c1e"),
        "the catalog is not where this test looks"
    );
    for plaintext in [secret, "slack-secret-88aa", public_token.as_str()] {
        assert!(!contains(&raw, plaintext), "`{plaintext}` is stored in plain text");
    }

    // Key B with A retired: everything reads, and is sealed again under B.
    let server = Server::start_with(
        &dir,
        &[
            ("LOGFLARE_DB_ENCRYPTION_KEY", &b),
            ("LOGFLARE_DB_ENCRYPTION_KEY_RETIRED", &a),
        ],
    )
    .await;
    assert_eq!(
        backend_urls(&server).await,
        ["https://hooks.example.com/visible-backend-name-7c1e"]
    );
    drop(server);
    // B alone: still everything.
    let server = Server::start_with(&dir, &[("LOGFLARE_DB_ENCRYPTION_KEY", &b)]).await;
    assert_eq!(
        backend_urls(&server).await,
        ["https://hooks.example.com/visible-backend-name-7c1e"]
    );
    let sources = server.get_json("/api/sources").await;
    assert_eq!(
        sources[0]["slack_hook_url"],
        "https://hooks.slack.com/services/T000/B000/slack-secret-88aa"
    );
    let response = server
        .client
        .post(server.url("/api/logs?source_name=with-hook"))
        .header("x-api-key", &public_token)
        .json(&json!({"message": "m"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the public token's value was unsealed"
    );
    drop(server);

    // A alone cannot read what B sealed, and says which key it needs.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
        .env("CINDER_DATA_DIR", &dir)
        .env("PHX_HTTP_PORT", "0")
        .env("LOGFLARE_DB_ENCRYPTION_KEY", &a)
        .env("LOGFLARE_PRIVATE_ACCESS_TOKEN", PRIVATE)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("LOGFLARE_DB_ENCRYPTION_KEY_RETIRED"), "{text}");
}

#[tokio::test]
async fn a_rotation_killed_half_way_loses_nothing() {
    let dir = temp_dir("rotation-kill");
    let (c, d) = (key(0xc3), key(0xd4));
    let server = Server::start_with(&dir, &[("LOGFLARE_DB_ENCRYPTION_KEY", &c)]).await;
    for index in 0..150 {
        create_backend(&server, &format!("drain-{index}"), &format!("secret-{index}")).await;
    }
    drop(server);
    // Start the rotation and kill the process at different points of it.
    for delay in [20, 60, 120, 250] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
            .env("CINDER_DATA_DIR", &dir)
            .env("PHX_HTTP_PORT", "0")
            .env("LOGFLARE_DB_ENCRYPTION_KEY", &d)
            .env("LOGFLARE_DB_ENCRYPTION_KEY_RETIRED", &c)
            .env("LOGFLARE_PRIVATE_ACCESS_TOKEN", PRIVATE)
            .env("LOGFLARE_LOG_LEVEL", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let server = Server::start_with(
        &dir,
        &[
            ("LOGFLARE_DB_ENCRYPTION_KEY", &d),
            ("LOGFLARE_DB_ENCRYPTION_KEY_RETIRED", &c),
        ],
    )
    .await;
    assert_eq!(backend_urls(&server).await.len(), 150);
    drop(server);
    let server = Server::start_with(&dir, &[("LOGFLARE_DB_ENCRYPTION_KEY", &d)]).await;
    let urls = backend_urls(&server).await;
    assert_eq!(urls.len(), 150);
    assert!(urls.contains(&"https://hooks.example.com/drain-149".to_owned()));
}

/// Logflare loses track of data sealed under its default key when a key is configured later;
/// here the generated key keeps opening it, and start-up re-seals it under the configured one.
#[tokio::test]
async fn data_sealed_under_the_generated_key_survives_setting_a_key() {
    let dir = temp_dir("generated-key");
    let server = Server::start(&dir).await;
    create_backend(&server, "made-before-the-key", "secret-before").await;
    drop(server);
    assert!(dir.join("encryption-key").is_file());
    let configured = key(0xe5);
    let server = Server::start_with(&dir, &[("LOGFLARE_DB_ENCRYPTION_KEY", &configured)]).await;
    assert_eq!(
        backend_urls(&server).await,
        ["https://hooks.example.com/made-before-the-key"]
    );
    drop(server);
    // Re-sealed under the configured key: readable without the generated one.
    std::fs::remove_file(dir.join("encryption-key")).unwrap();
    let server = Server::start_with(&dir, &[("LOGFLARE_DB_ENCRYPTION_KEY", &configured)]).await;
    assert_eq!(
        backend_urls(&server).await,
        ["https://hooks.example.com/made-before-the-key"]
    );
}
