//! The container image in place of `supabase/logflare`: built by `scripts/image.sh` around the
//! binary under test, run by a real Docker engine (`scripts/test.sh` starts one) with host
//! networking, with the `analytics` service's environment as Supabase's compose file and
//! `supabase start` give it. Each test checks what Supabase's tooling relies on: the
//! healthchecks run inside the container, `supabase start`'s `sh -c` entrypoint, Vector's
//! ingest, Studio's queries, a non-root process, and `docker stop` / `docker start` keeping every
//! acknowledged event.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::studio::{self, Fixture};
use common::{test_postgres, Api, PRIVATE, PUBLIC};

/// The port Supabase's compose healthcheck names (`curl http://localhost:4000/health`): the
/// containers use host networking, so the tests that listen on it take turns.
const PORT: u16 = 4000;
static PORT_IN_USE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static IMAGE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// `supabase start`'s entrypoint for the analytics container, verbatim.
const SUPABASE_START_ENTRYPOINT: &str = "cat <<'EOF' > run.sh && sh run.sh
./logflare eval Logflare.Release.migrate
./logflare start --sname logflare
EOF
";

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("docker is missing: run scripts/test.sh, which installs and starts it")
}

fn docker_ok(args: &[&str]) -> String {
    let output = docker(args);
    assert!(
        output.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// The image under test: `CINDER_TEST_IMAGE` if set, else built once from this test's binary.
async fn image() -> &'static str {
    IMAGE
        .get_or_init(|| async {
            if let Ok(tag) = std::env::var("CINDER_TEST_IMAGE") {
                return tag;
            }
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let started = Instant::now();
            let output = Command::new(root.join("scripts/image.sh"))
                .arg("cinder:test")
                .env("CINDER_IMAGE_BINARY", env!("CARGO_BIN_EXE_cinder"))
                .stderr(Stdio::inherit())
                .output()
                .unwrap();
            assert!(output.status.success(), "scripts/image.sh failed");
            eprintln!("image built in {:.1} s", started.elapsed().as_secs_f64());
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        })
        .await
}

/// A container removed (with its anonymous volumes) when the test ends, pass or fail.
struct Container {
    name: String,
}

impl Container {
    /// `docker run -d --network host` with `env`, then `extra` flags, the image and `command`.
    fn run(name: &str, image: &str, env: &[(String, String)], extra: &[&str], command: &[&str]) -> Self {
        let _ = docker(&["rm", "-f", "-v", name]);
        let env: Vec<String> = env.iter().map(|(key, value)| format!("{key}={value}")).collect();
        let mut args = vec!["run", "-d", "--name", name, "--network", "host"];
        for pair in &env {
            args.extend(["-e", pair.as_str()]);
        }
        args.extend(extra);
        args.push(image);
        args.extend(command);
        docker_ok(&args);
        Container { name: name.to_owned() }
    }

    fn exec(&self, command: &[&str]) -> Output {
        let mut args = vec!["exec", self.name.as_str()];
        args.extend(command);
        docker(&args)
    }

    fn inspect(&self, format: &str) -> String {
        docker_ok(&["inspect", "--format", format, &self.name])
    }

    fn logs(&self) -> String {
        let output = docker(&["logs", "--tail", "40", &self.name]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// Waits until `/health` answers 200 on the host; returns how long it took.
    async fn wait_until_serving(&self, api: &Api) -> Duration {
        let started = Instant::now();
        loop {
            if let Ok(response) = api.client.get(api.url("/health")).send().await {
                if response.status().is_success() {
                    return started.elapsed();
                }
            }
            let running = self.inspect("{{.State.Running}}");
            assert!(
                running == "true" && started.elapsed() < Duration::from_secs(90),
                "the container did not come up (running: {running}):\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until Docker itself reports the image's HEALTHCHECK healthy.
    async fn wait_until_healthy(&self) -> Duration {
        let started = Instant::now();
        loop {
            let status = self.inspect("{{.State.Health.Status}}");
            if status == "healthy" {
                return started.elapsed();
            }
            assert!(
                status == "starting" && started.elapsed() < Duration::from_secs(90),
                "the image's healthcheck says {status}:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `docker stop` with Docker's (and compose's) default grace period of 10 s; returns how
    /// long the process took to exit and its exit code (137: it had to be killed).
    fn stop(&self) -> (Duration, i64) {
        let started = Instant::now();
        docker_ok(&["stop", &self.name]);
        let code = self.inspect("{{.State.ExitCode}}").parse().unwrap();
        (started.elapsed(), code)
    }

    fn start(&self) {
        docker_ok(&["start", &self.name]);
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.name]);
    }
}

/// The healthchecks Supabase's tooling runs inside the analytics container: compose's
/// `curl http://localhost:4000/health` and the CLI's `curl -sSfL --head -o /dev/null ...`.
fn healthchecks_pass_inside(container: &Container) {
    for command in [
        &["curl", "http://localhost:4000/health"][..],
        &[
            "curl",
            "-sSfL",
            "--head",
            "-o",
            "/dev/null",
            "http://127.0.0.1:4000/health",
        ][..],
    ] {
        let output = container.exec(command);
        assert!(
            output.status.success(),
            "{command:?} failed inside the container: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The server (whatever process 1 is, and every process in the container) is not root.
fn runs_unprivileged(container: &Container) {
    let output = container.exec(&["sh", "-c", "grep -h '^Uid:' /proc/[0-9]*/status"]);
    let uids = String::from_utf8(output.stdout).unwrap();
    assert!(!uids.is_empty(), "no process status readable");
    for line in uids.lines() {
        let uid = line.split_whitespace().nth(1).unwrap();
        assert_ne!(uid, "0", "a process of the container runs as root: {uids}");
    }
}

/// The number of events stored in each source, counted through `/api/query`.
async fn counts(api: &Api, sources: &[&String]) -> Vec<u64> {
    let mut counts = Vec::new();
    for source in sources {
        let rows = api
            .query(&format!(
                "select count(*) as n from `{source}` where timestamp > '1900-01-01'"
            ))
            .await;
        counts.push(rows[0]["n"].as_u64().unwrap());
    }
    counts
}

/// Vector's sinks in (the sparse fixture), Studio's whole corpus out; checks every event is
/// counted and returns them by source.
async fn ingest_and_replay_studio(api: &Api) -> std::collections::BTreeMap<String, Vec<Value>> {
    let events = studio::ingest_fixture(api, Fixture::Sparse).await;
    let (sent, _, _) = studio::run_corpus(api, Fixture::Sparse).await;
    assert!(sent >= 50, "the corpus went missing: {sent}");
    let sources: Vec<&String> = events.keys().collect();
    assert_eq!(
        counts(api, &sources).await,
        events.values().map(|e| e.len() as u64).collect::<Vec<_>>()
    );
    events
}

/// The counts of [`counts`] once they reach `expected` (after a restart, what the write-ahead
/// log held is stored in the background), or as they are after 60 s.
async fn counts_reaching(api: &Api, sources: &[&String], expected: &[u64]) -> Vec<u64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = counts(api, sources).await;
        if now == expected || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `analytics` service's environment in Supabase's compose file, with Cinder's test
/// tokens, and the database the test made.
fn compose_environment(db: &TestDatabase, postgres_backend: bool) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("LOGFLARE_NODE_HOST", "127.0.0.1"),
        ("DB_USERNAME", "supabase_admin"),
        ("DB_DATABASE", db.name.as_str()),
        ("DB_HOSTNAME", db.host.as_str()),
        ("DB_PORT", db.port.as_str()),
        ("DB_PASSWORD", db.password),
        ("DB_SCHEMA", "_analytics"),
        ("LOGFLARE_PUBLIC_ACCESS_TOKEN", PUBLIC),
        ("LOGFLARE_PRIVATE_ACCESS_TOKEN", PRIVATE),
        ("LOGFLARE_SINGLE_TENANT", "true"),
        ("LOGFLARE_SUPABASE_MODE", "true"),
        ("LOGFLARE_FEATURE_FLAG_OVERRIDE", "multibackend=true"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    if postgres_backend {
        env.push(("POSTGRES_BACKEND_URL".into(), db.url()));
        env.push(("POSTGRES_BACKEND_SCHEMA".into(), "_analytics".into()));
    }
    env
}

/// A database made as Supabase's `_supabase.sql` and `logs.sql` make `_supabase`: owned by
/// `supabase_admin`, with the schema `_analytics`. Dropped when the test ends.
struct TestDatabase {
    admin_url: String,
    name: String,
    host: String,
    port: String,
    password: &'static str,
}

impl TestDatabase {
    fn create(name: &str) -> Self {
        let (admin_url, address) = test_postgres();
        let (host, port) = address.split_once(':').unwrap();
        let database = TestDatabase {
            admin_url,
            name: format!("{name}_{}", std::process::id()),
            host: host.to_owned(),
            port: port.to_owned(),
            password: "supabase-admin-password",
        };
        database.psql(
            &database.admin_url,
            &format!(
                "DO $$ BEGIN CREATE ROLE supabase_admin LOGIN SUPERUSER PASSWORD '{}'; \
                 EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
                database.password
            ),
        );
        database.psql(
            &database.admin_url,
            &format!("DROP DATABASE IF EXISTS \"{}\"", database.name),
        );
        database.psql(
            &database.admin_url,
            &format!("CREATE DATABASE \"{}\" OWNER supabase_admin", database.name),
        );
        database.psql(
            &database.url(),
            "CREATE SCHEMA IF NOT EXISTS _analytics; ALTER SCHEMA _analytics OWNER TO supabase_admin;",
        );
        database
    }

    /// `postgresql://supabase_admin:<password>@<host>:<port>/<name>`, as Supabase writes it.
    fn url(&self) -> String {
        format!(
            "postgresql://supabase_admin:{}@{}:{}/{}",
            self.password, self.host, self.port, self.name
        )
    }

    fn psql(&self, url: &str, sql: &str) {
        let output = Command::new("psql")
            .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
            .output()
            .expect("psql is missing: scripts/postgres.sh installs PostgreSQL");
        assert!(
            output.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.admin_url.as_str(),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// The `environment:` entries (`KEY: "value"`) of a compose override in `deploy/supabase/`.
fn override_environment(file: &str) -> Vec<(String, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/supabase")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.trim().split_once(": ")?;
            let value = value.strip_prefix('"')?.strip_suffix('"')?;
            key.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
                .then(|| (key.to_owned(), value.to_owned()))
        })
        .collect()
}

fn api() -> Api {
    Api::new(&format!("http://127.0.0.1:{PORT}"))
}

/// Fails early, and clearly, when something else on this machine holds port 4000.
fn port_is_free() {
    if let Err(error) = std::net::TcpListener::bind(("0.0.0.0", PORT)) {
        panic!("port {PORT} is taken on this machine ({error}): the container tests need it, as Supabase's healthcheck names it");
    }
}

/// Supabase's compose file on the PostgreSQL backend, then `supabase start` on the same
/// database.
#[tokio::test]
#[ignore = "needs Docker and PostgreSQL: scripts/test.sh starts both"]
async fn the_image_replaces_supabase_logflare_on_postgres() {
    let _port = PORT_IN_USE.lock().await;
    let image = image().await;
    port_is_free();
    let db = TestDatabase::create("_supabase_container");
    let api = api();

    // docker compose up: the image's own command, the compose file's environment.
    let started = Instant::now();
    let analytics = Container::run(
        "cinder-test-analytics-pg",
        image,
        &compose_environment(&db, true),
        &[],
        &[],
    );
    analytics.wait_until_serving(&api).await;
    let serving = started.elapsed();
    let healthy = analytics.wait_until_healthy().await;
    eprintln!(
        "postgres: /health answered {:.2} s after docker run; Docker's healthcheck said healthy {:.1} s later",
        serving.as_secs_f64(),
        healthy.as_secs_f64()
    );
    healthchecks_pass_inside(&analytics);
    runs_unprivileged(&analytics);

    // Vector's sinks in, Studio's whole corpus out.
    let events = ingest_and_replay_studio(&api).await;
    let sources: Vec<&String> = events.keys().collect();
    let before = counts(&api, &sources).await;

    // docker stop / docker start: a clean exit within the grace period, and every event kept.
    let (stopped_in, code) = analytics.stop();
    eprintln!(
        "postgres: docker stop took {:.2} s, exit code {code}",
        stopped_in.as_secs_f64()
    );
    assert_eq!(code, 0, "cinder did not stop cleanly on SIGTERM:\n{}", analytics.logs());
    analytics.start();
    analytics.wait_until_serving(&api).await;
    assert_eq!(counts_reaching(&api, &sources, &before).await, before);
    drop(analytics);

    // supabase start: its environment (no public token, the feature flag in literal quotes),
    // its `sh -c` entrypoint, and the same database — what the first container stored is
    // there.
    let mut env = compose_environment(&db, true);
    env.retain(|(key, _)| key != "LOGFLARE_PUBLIC_ACCESS_TOKEN" && key != "LOGFLARE_FEATURE_FLAG_OVERRIDE");
    env.extend(
        [
            ("LOGFLARE_LOG_LEVEL", "warn"),
            ("LOGFLARE_FEATURE_FLAG_OVERRIDE", "'multibackend=true'"),
            ("RELEASE_COOKIE", "cookie"),
        ]
        .map(|(key, value)| (key.to_owned(), value.to_owned())),
    );
    let cli = Container::run(
        "cinder-test-analytics-cli",
        image,
        &env,
        &["--entrypoint", "sh"],
        &["-c", SUPABASE_START_ENTRYPOINT],
    );
    cli.wait_until_serving(&api).await;
    healthchecks_pass_inside(&cli);
    runs_unprivileged(&cli);
    assert_eq!(counts_reaching(&api, &sources, &before).await, before);
    let reply = studio::studio_call(
        &api,
        "logs.all",
        &[
            ("project", "default"),
            ("sql", "select count(*) as count from edge_logs"),
            ("iso_timestamp_start", studio::fixture::START),
            ("iso_timestamp_end", studio::fixture::END),
        ],
    )
    .await;
    assert!(
        reply["result"][0]["count"].as_u64().unwrap_or(0) > 0,
        "a Studio query under supabase start: {reply}"
    );

    // Under this entrypoint the shell is process 1 and ignores SIGTERM (so it is with
    // Logflare's image): `docker stop` kills Cinder after 10 s. What it acknowledged is in the
    // write-ahead log and must all be there after `docker start`.
    let more: Vec<Value> = (0..200)
        .map(|i| serde_json::json!({"event_message": format!("GET /rest/v1/items/{i} 200"), "metadata": {"response": {"status_code": 200}}}))
        .collect();
    // The CLI's Vector sends with the private token: there is no public one.
    let response = api
        .client
        .post(api.url("/api/logs?source_name=cloudflare.logs.prod"))
        .header("x-api-key", PRIVATE)
        .json(&more)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let (stopped_in, code) = cli.stop();
    eprintln!(
        "supabase start's entrypoint: docker stop took {:.2} s, exit code {code}",
        stopped_in.as_secs_f64()
    );
    cli.start();
    cli.wait_until_serving(&api).await;
    let edge = sources
        .iter()
        .position(|source| *source == "cloudflare.logs.prod")
        .unwrap();
    let mut expected = before.clone();
    expected[edge] += more.len() as u64;
    assert_eq!(counts_reaching(&api, &sources, &expected).await, expected);
}

/// The embedded backend, as `deploy/supabase/docker-compose.cinder-embedded.yml` configures it:
/// no external database, the data in a named volume that outlives the container.
#[tokio::test]
#[ignore = "needs Docker and PostgreSQL: scripts/test.sh starts both"]
async fn the_image_keeps_its_events_in_a_volume_on_the_embedded_backend() {
    let _port = PORT_IN_USE.lock().await;
    let image = image().await;
    port_is_free();
    let volume = format!("cinder-test-data-{}", std::process::id());
    let _ = docker(&["volume", "rm", "-f", &volume]);
    docker_ok(&["volume", "create", &volume]);
    let mount = format!("{volume}:/data");
    // The compose file's environment with what the override sets over it (no backend URL, no
    // catalog database: everything in the volume), read from the override itself.
    let db = TestDatabase::create("_supabase_container_embedded");
    let mut env = compose_environment(&db, true);
    let overrides = override_environment("docker-compose.cinder-embedded.yml");
    assert!(
        overrides.iter().any(|(key, _)| key == "POSTGRES_BACKEND_URL"),
        "{overrides:?}"
    );
    env.retain(|(key, _)| !overrides.iter().any(|(name, _)| name == key));
    env.extend(overrides);
    let api = api();

    let started = Instant::now();
    let analytics = Container::run("cinder-test-analytics-embedded", image, &env, &["-v", &mount], &[]);
    analytics.wait_until_serving(&api).await;
    eprintln!(
        "embedded: /health answered {:.2} s after docker run",
        started.elapsed().as_secs_f64()
    );
    analytics.wait_until_healthy().await;
    healthchecks_pass_inside(&analytics);
    runs_unprivileged(&analytics);
    let events = ingest_and_replay_studio(&api).await;
    let sources: Vec<&String> = events.keys().collect();
    let before = counts(&api, &sources).await;
    let tables = String::from_utf8(analytics.exec(&["ls", "/data"]).stdout).unwrap();
    assert!(
        tables.contains("cinder.duckdb"),
        "the data is not in the volume: {tables}"
    );

    let (stopped_in, code) = analytics.stop();
    eprintln!(
        "embedded: docker stop took {:.2} s, exit code {code}",
        stopped_in.as_secs_f64()
    );
    assert_eq!(code, 0, "cinder did not stop cleanly on SIGTERM:\n{}", analytics.logs());
    analytics.start();
    analytics.wait_until_serving(&api).await;
    assert_eq!(counts_reaching(&api, &sources, &before).await, before);

    // A new container (an upgrade, or `docker compose down && up`) on the same volume.
    drop(analytics);
    let replacement = Container::run("cinder-test-analytics-embedded-2", image, &env, &["-v", &mount], &[]);
    replacement.wait_until_serving(&api).await;
    assert_eq!(counts_reaching(&api, &sources, &before).await, before);
    let reply: Value = api.get_json("/api/sources").await;
    assert_eq!(reply.as_array().map(Vec::len), Some(9), "{reply}");
    drop(replacement);
    let _ = docker(&["volume", "rm", "-f", &volume]);
}
