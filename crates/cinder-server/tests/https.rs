//! HTTPS served by Cinder itself (`CINDER_TLS_CERT` / `CINDER_TLS_KEY`), against the real
//! binary, with a certificate made by `openssl` for the test.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::tls::certificate;
use common::{temp_dir, PRIVATE, PUBLIC};

/// The binary serving HTTPS on a free port; killed when dropped.
struct Https {
    child: std::process::Child,
    port: u16,
    client: reqwest::Client,
}

impl Https {
    async fn start(dir: &Path) -> Self {
        let (ca, cert, key) = certificate(dir);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_cinder"))
            .env("PHX_HTTP_PORT", port.to_string())
            .env("CINDER_DATA_DIR", dir.join("data"))
            .env("LOGFLARE_PRIVATE_ACCESS_TOKEN", PRIVATE)
            .env("LOGFLARE_PUBLIC_ACCESS_TOKEN", PUBLIC)
            .env("LOGFLARE_LOG_LEVEL", "warn")
            .env("CINDER_TLS_CERT", &cert)
            .env("CINDER_TLS_KEY", &key)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let root = reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap();
        let client = reqwest::Client::builder()
            .add_root_certificate(root)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let server = Https { child, port, client };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !matches!(server.client.get(server.url("/health")).send().await, Ok(r) if r.status() == StatusCode::OK) {
            assert!(Instant::now() < deadline, "cinder did not come up over https");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn cinder_serves_https_with_its_own_certificate() {
    let dir = temp_dir("https");
    let server = Https::start(&dir).await;

    // Ingest and query over TLS.
    let created = server
        .client
        .post(server.url("/api/sources"))
        .bearer_auth(PRIVATE)
        .json(&json!({"name": "secure"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let logged = server
        .client
        .post(server.url("/api/logs?source_name=secure"))
        .header("x-api-key", PUBLIC)
        .json(&json!({"message": "over tls"}))
        .send()
        .await
        .unwrap();
    assert_eq!(logged.status(), StatusCode::OK);

    // A client that opens a connection and never finishes the handshake holds up nobody.
    let _stalled = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let started = Instant::now();
    let health = server.client.get(server.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

    // Plain HTTP to the TLS port gets no answer; the dashboard's cookies are Secure.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/health", server.port))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    let login = server.client.get(server.url("/login")).send().await.unwrap();
    let cookies: Vec<&str> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    assert!(
        !cookies.is_empty() && cookies.iter().all(|cookie| cookie.contains("; Secure")),
        "{cookies:?}"
    );
}

#[test]
fn a_certificate_without_its_key_is_refused_at_start() {
    let dir = temp_dir("https-half");
    let (_, cert, _) = certificate(&dir);
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .env("CINDER_DATA_DIR", dir.join("data"))
        .env("PHX_HTTP_PORT", "0")
        .env("CINDER_TLS_CERT", &cert)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CINDER_TLS_CERT and CINDER_TLS_KEY go together"),
        "{stderr}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_cinder"))
        .env("CINDER_DATA_DIR", dir.join("data"))
        .env("PHX_HTTP_PORT", "0")
        .env("CINDER_TLS_CERT", &cert)
        .env("CINDER_TLS_KEY", dir.join("missing.pem"))
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("missing.pem") && stderr.contains("CINDER_TLS_KEY"),
        "{stderr}"
    );
}
