//! The test harness shared by the integration tests: the real `cinder` binary on a free
//! port, with helpers for the calls every test makes.
#![allow(dead_code)]

pub mod proxy;
pub mod studio;
pub mod tls;
pub mod webdriver;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

pub const PRIVATE: &str = "test-private-token";
pub const PUBLIC: &str = "test-public-token";

/// The real binary, started by the test, with the client that talks to it (its [`Api`]).
pub struct Server {
    pub child: Child,
    pub data_dir: PathBuf,
    pub api: Api,
}

impl std::ops::Deref for Server {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

/// A Cinder at `base`, wherever it runs (a child process, a container), and the calls every
/// test makes to it.
pub struct Api {
    pub base: String,
    pub client: Client,
}

impl Server {
    pub async fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[]).await
    }

    /// Starts the binary with extra environment variables.
    pub async fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        // CINDER_TEST_LOG_LEVEL=debug shows what a failing test's server did.
        let log_level = std::env::var("CINDER_TEST_LOG_LEVEL").ok();
        let stdout = if log_level.is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let level = log_level.as_deref().unwrap_or("warn");
        Self::spawn(data_dir, env, level, stdout, Stdio::inherit()).await
    }

    /// Starts the binary logging at debug level into `log` (standard output and error).
    pub async fn start_logging(data_dir: &Path, env: &[(&str, &str)], log: &Path) -> Self {
        let file = std::fs::File::create(log).unwrap();
        let stderr = file.try_clone().unwrap();
        Self::spawn(data_dir, env, "debug", Stdio::from(file), Stdio::from(stderr)).await
    }

    async fn spawn(data_dir: &Path, env: &[(&str, &str)], level: &str, stdout: Stdio, stderr: Stdio) -> Self {
        let mut server = Self::launch(data_dir, env, level, stdout, stderr);
        // The port is picked free, then bound by the child once it has started: another test's
        // server may take it meanwhile, and this child then exits. Start again on another port.
        for _ in 0..3 {
            if server.wait_healthy().await {
                return server;
            }
            let log = if level == "debug" {
                Stdio::null()
            } else {
                Stdio::inherit()
            };
            server = Self::launch(data_dir, env, level, Stdio::null(), log);
        }
        panic!("cinder exited before it answered, three times");
    }

    /// Starts the binary and returns at once, before it answers (quiet but for errors).
    pub fn launch_with(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::launch(data_dir, env, "warn", Stdio::null(), Stdio::inherit())
    }

    fn launch(data_dir: &Path, env: &[(&str, &str)], level: &str, stdout: Stdio, stderr: Stdio) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_cinder"))
            .envs(env.iter().copied())
            .env("PHX_HTTP_PORT", port.to_string())
            .env("CINDER_DATA_DIR", data_dir)
            .env("LOGFLARE_PRIVATE_ACCESS_TOKEN", PRIVATE)
            .env("LOGFLARE_PUBLIC_ACCESS_TOKEN", PUBLIC)
            .env("LOGFLARE_LOG_LEVEL", level)
            .env_remove("CINDER_TEST_LOG_LEVEL")
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("the cinder binary starts");
        Server {
            child,
            data_dir: data_dir.to_owned(),
            api: Api::new(&format!("http://127.0.0.1:{port}")),
        }
    }

    /// Waits until `/health` answers 200 from this child; false when the child exited (its
    /// port was taken by another process, which may be what answered).
    async fn wait_healthy(&mut self) -> bool {
        // On the emulator, start-up creates the dataset and Supabase's tables one request at a
        // time, about a second each, slower on CI's two busy cores.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            if let Ok(response) = self.client.get(self.url("/health")).send().await {
                if response.status() == StatusCode::OK {
                    // An answer from another server on a port this child could not take is
                    // followed by this child's exit.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    return self.child.try_wait().unwrap().is_none();
                }
            }
            assert!(Instant::now() < deadline, "cinder did not become healthy");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Api {
    pub fn new(base: &str) -> Self {
        Api {
            base: base.to_owned(),
            // Idle connections are dropped before the server's idle timeout (30 s, see
            // CINDER_HTTP_HEADER_TIMEOUT_SECONDS) closes them: a request sent on a connection at
            // the instant the server closes it fails, as with any client pooled for longer.
            client: Client::builder()
                .pool_idle_timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn create_source(&self, name: &str) -> Value {
        let response = self
            .client
            .post(self.url("/api/sources"))
            .bearer_auth(PRIVATE)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Creates something through the management API (`POST path` with the private token);
    /// fails the test unless it answers 201. Returns what was created.
    pub async fn manage(&self, path: &str, body: Value) -> Value {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(PRIVATE)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{path}");
        response.json().await.unwrap()
    }

    /// Runs `sql` through `/api/query` and returns the rows; fails the test on an error.
    pub async fn query(&self, sql: &str) -> Value {
        let (status, body) = self.try_query(sql).await;
        assert_eq!(status, StatusCode::OK, "{sql}: {body}");
        body["result"].clone()
    }

    /// Runs `sql` through `/api/query` and returns the status and body, whatever they are.
    pub async fn try_query(&self, sql: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(self.url("/api/query"))
            .header("x-api-key", PRIVATE)
            .query(&[("sql", sql)])
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Waits until `count(*)` over a source reaches `expected`. The loader stores within a
    /// second; the BigQuery emulator, altering a dozen tables for two servers at once on a
    /// busy machine, can take far longer, hence the generous bound (reached only on failure).
    pub async fn wait_for_count(&self, source: &str, expected: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // The timestamp filter lets BigQuery's tables (which require one) answer too.
            let rows = self
                .query(&format!(
                    "select count(*) as n from `{source}` where timestamp > '1900-01-01'"
                ))
                .await;
            let count = rows[0]["n"].as_u64().unwrap();
            if count >= expected || Instant::now() > deadline {
                return count;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// GETs a management route with the private token and returns the JSON body.
    pub async fn get_json(&self, path: &str) -> Value {
        self.client
            .get(self.url(path))
            .bearer_auth(PRIVATE)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A scrape of `/metrics` with the private token.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .bearer_auth(PRIVATE)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Attaches a drain to a source (both by token); fails the test unless it succeeds.
    pub async fn attach_drain(&self, source: &Value, drain: &Value) {
        let path = format!(
            "/api/sources/{}/backends/{}",
            source["token"].as_str().unwrap(),
            drain["token"].as_str().unwrap()
        );
        let response = self
            .client
            .post(self.url(&path))
            .bearer_auth(PRIVATE)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
    }

    pub async fn post(&self, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url(path))
            .header("x-api-key", PUBLIC)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cinder-api-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The URL of the test PostgreSQL server, as `host:port` and as a URL through `port`.
pub fn test_postgres() -> (String, String) {
    let url = std::env::var("CINDER_TEST_DATABASE_URL")
        .expect("CINDER_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL");
    let address = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a postgres://user@host:port/db URL")
        .to_owned();
    (url, address)
}

/// Percent-encodes a query-string value, writing spaces as `space` (`%20`, or `+` as a browser
/// form does).
pub fn encode_query_value(text: &str, space: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b' ' => space.to_owned(),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'*' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
