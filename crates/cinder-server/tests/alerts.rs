//! Alerts end to end, on each backend: created over the API (checked like endpoints), run on
//! demand and on their cron schedule, delivering to a webhook, a Slack-shaped hook and a webhook
//! drain started here; a failing receiver recorded as such; the history listed and kept across a
//! restart; `/metrics` counting runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use parking_lot::Mutex;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, test_postgres, Server, PRIVATE, PUBLIC};

/// One request a receiver got.
type Request = (HeaderMap, Value);

/// What the receiver got: per path, the JSON bodies and the headers they came with.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<HashMap<String, Vec<Request>>>>);

impl Received {
    fn count(&self, path: &str) -> usize {
        self.0.lock().get(path).map_or(0, Vec::len)
    }

    fn last(&self, path: &str) -> Request {
        self.0.lock()[path].last().cloned().unwrap()
    }
}

/// Receivers at `/<name>`: each stores what it gets; `/broken` answers 500 (after storing).
async fn start_receiver() -> (String, Received) {
    let received = Received::default();
    let state = received.clone();
    let app = axum::Router::new().route(
        "/{name}",
        post(move |Path(name): Path<String>, headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                state.0.lock().entry(name.clone()).or_default().push((headers, body));
                if name == "broken" {
                    AxumStatus::INTERNAL_SERVER_ERROR
                } else {
                    AxumStatus::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), received)
}

async fn call(server: &Server, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = server.client.request(method, server.url(path)).bearer_auth(PRIVATE);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn create_alert(server: &Server, body: Value) -> Value {
    let (status, alert) = call(server, reqwest::Method::POST, "/api/alerts", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    alert
}

async fn run_now(server: &Server, alert: &Value) -> Value {
    let path = format!("/api/alerts/{}/run", alert["token"].as_str().unwrap());
    let (status, run) = call(server, reqwest::Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    run
}

async fn runs(server: &Server, alert: &Value) -> Vec<Value> {
    let path = format!("/api/alerts/{}/runs", alert["token"].as_str().unwrap());
    let (status, runs) = call(server, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    runs.as_array().unwrap().clone()
}

/// An alert's usual shape: the last hour's errors (a time filter, which BigQuery's partitioned
/// tables demand).
const ERRORS: &str = "select event_message, m.level from app cross join unnest(metadata) as m \
                      where m.level = 'error' \
                      and timestamp > timestamp_sub(current_timestamp(), interval 1 hour) \
                      order by event_message";

/// Everything but the restart; returns the alert that fired on demand.
async fn exercise(server: &Server, base: &str, received: &Received) -> Value {
    server.create_source("app").await;
    let events: Vec<Value> = (0..9)
        .map(|i| json!({"message": format!("event {i}"), "metadata": {"level": if i % 3 == 0 { "error" } else { "info" }}}))
        .collect();
    let response = server
        .client
        .post(server.url("/api/logs?source_name=app"))
        .header("x-api-key", PUBLIC)
        .json(&json!({ "batch": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.wait_for_count("app", 9).await;

    // Checked on save, every bad field named.
    let (status, body) = call(
        server,
        reqwest::Method::POST,
        "/api/alerts",
        Some(json!({"name": "", "query": "select id from nowhere", "cron": "*/1 * * * * *"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"]["name"], json!(["can't be blank"]));
    assert_eq!(
        body["errors"]["cron"],
        json!(["can only trigger up to 2 second intervals (CINDER_ALERT_MIN_INTERVAL_SECONDS)"])
    );
    let (status, body) = call(
        server,
        reqwest::Method::POST,
        "/api/alerts",
        Some(json!({"name": "bad", "query": "select id from nowhere", "cron": "0 * * * *"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["errors"]["query"][0].as_str().unwrap().contains("nowhere"),
        "{body}"
    );
    let (status, body) = call(
        server,
        reqwest::Method::POST,
        "/api/alerts",
        Some(json!({"name": "bad", "query": ERRORS, "cron": "0 * * * *", "backend_ids": [424242]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["errors"]["backend_ids"][0].as_str().unwrap().contains("424242"),
        "{body}"
    );
    let (status, _) = call(server, reqwest::Method::POST, "/api/alerts", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // On demand: the webhook, Slack and a webhook drain each get the rows once.
    let (status, drain) = call(
        server,
        reqwest::Method::POST,
        "/api/backends",
        Some(json!({"name": "pager", "type": "webhook", "config": {"url": format!("{base}/drain"), "headers": {"x-drain-key": "drain-secret"}}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{drain}");
    let errors = create_alert(
        server,
        json!({
            "name": "errors", "query": ERRORS, "cron": "0 0 1 1 *", "description": "any error",
            "webhook_notification_url": format!("{base}/hook"),
            "slack_hook_url": format!("{base}/slack"),
            "backend_ids": [drain["id"]],
        }),
    )
    .await;
    assert_eq!(errors["language"], "bq_sql");
    assert_eq!(errors["enabled"], true);
    assert_eq!(errors["backends"][0]["name"], "pager");
    assert!(errors["source_mapping"]["app"].is_string(), "{errors}");
    let run = run_now(server, &errors).await;
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["rows"], 3, "{run}");
    assert_eq!(run["fired"], true);
    assert_eq!(run["error"], Value::Null);
    let targets: Vec<(&str, bool)> = run["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|delivery| (delivery["target"].as_str().unwrap(), delivery["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(targets, [("webhook", true), ("slack", true), ("backend:pager", true)]);
    let expected = json!({"result": [
        {"event_message": "event 0", "level": "error"},
        {"event_message": "event 3", "level": "error"},
        {"event_message": "event 6", "level": "error"},
    ]});
    assert_eq!(received.count("hook"), 1);
    assert_eq!(received.last("hook").1, expected);
    let (headers, drained) = received.last("drain");
    assert_eq!(drained, expected);
    assert_eq!(headers["x-drain-key"], "drain-secret");
    let (_, slack) = received.last("slack");
    assert_eq!(slack["text"], "errors: 3 rows");
    let table = slack["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(table.contains("event 3") && table.contains("level"), "{slack}");

    // No rows: nobody hears about it.
    let quiet = create_alert(
        server,
        json!({"name": "quiet", "query": ERRORS.replace("'error'", "'fatal'"), "cron": "0 0 1 1 *",
               "webhook_notification_url": format!("{base}/hook")}),
    )
    .await;
    let run = run_now(server, &quiet).await;
    assert_eq!((run["rows"].clone(), run["fired"].clone()), (json!(0), json!(false)));
    assert_eq!(run["deliveries"], json!([]));
    assert_eq!(received.count("hook"), 1);

    // A receiver that fails: retried, then recorded as failed, without its URL.
    let broken = create_alert(
        server,
        json!({"name": "broken", "query": ERRORS, "cron": "0 0 1 1 *",
               "webhook_notification_url": format!("{base}/broken")}),
    )
    .await;
    let run = run_now(server, &broken).await;
    let delivery = &run["deliveries"][0];
    assert_eq!(
        (delivery["ok"].clone(), delivery["status"].clone()),
        (json!(false), json!(500)),
        "{run}"
    );
    assert_eq!(received.count("broken"), 3, "three attempts");
    assert!(!run.to_string().contains(base), "{run}");

    // On a schedule: every 2 s, until disabled.
    let started = Instant::now();
    let ticking = create_alert(
        server,
        json!({"name": "ticking", "query": ERRORS, "cron": "*/2 * * * * *",
               "webhook_notification_url": format!("{base}/tick")}),
    )
    .await;
    while received.count("tick") < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the schedule did not run twice in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A run is written to the history once its deliveries are done, just after the receiver
    // saw them.
    let history = loop {
        let history = runs(server, &ticking).await;
        if history.len() >= 2 {
            break history;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{history:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(history
        .iter()
        .all(|run| run["trigger"] == "scheduled" && run["rows"] == 3));
    assert!(
        history[0]["started_at"].as_str() > history[1]["started_at"].as_str(),
        "newest first"
    );
    let path = format!("/api/alerts/{}", ticking["token"].as_str().unwrap());
    let (status, _) = call(server, reqwest::Method::PATCH, &path, Some(json!({"enabled": false}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(500)).await; // a run already going may finish
    let after = received.count("tick");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(received.count("tick"), after, "a disabled alert ran");

    // Changed with PUT (200 and the alert), listed, deleted with its history.
    let (status, changed) = call(
        server,
        reqwest::Method::PUT,
        &path,
        Some(json!({"description": "changed", "backend_ids": [drain["id"]]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["description"].clone(), changed["enabled"].clone()),
        (json!("changed"), json!(false))
    );
    assert_eq!(changed["backends"][0]["id"], drain["id"]);
    let (_, listed) = call(server, reqwest::Method::GET, "/api/alerts", None).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|alert| alert["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["errors", "quiet", "broken", "ticking"]);
    let (status, _) = call(server, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for suffix in ["", "/runs"] {
        let (status, _) = call(server, reqwest::Method::GET, &format!("{path}{suffix}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{suffix}");
    }
    let (status, _) = call(server, reqwest::Method::POST, &format!("{path}/run"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A public token cannot manage alerts.
    let response = server
        .client
        .get(server.url("/api/alerts"))
        .bearer_auth(PUBLIC)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let metrics = server.metrics().await;
    for result in ["fired", "quiet"] {
        assert!(
            metrics.contains(&format!("cinder_alert_runs_total{{result=\"{result}\"}}")),
            "{result}"
        );
    }
    errors
}

async fn alerts_on(name: &str, env: &[(&str, &str)]) {
    let (base, received) = start_receiver().await;
    let dir = temp_dir(&format!("alerts-{name}"));
    let mut env = env.to_vec();
    env.push(("CINDER_ALERT_MIN_INTERVAL_SECONDS", "2"));
    let mut server = Server::start_with(&dir, &env).await;
    let errors = exercise(&server, &base, &received).await;

    // A restart keeps the alerts, their secrets and their history.
    server.kill();
    let server = Server::start_with(&dir, &env).await;
    let path = format!("/api/alerts/{}", errors["token"].as_str().unwrap());
    let (status, kept) = call(&server, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kept["slack_hook_url"], format!("{base}/slack"));
    let history = runs(&server, &errors).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["deliveries"].as_array().unwrap().len(), 3);
    let run = run_now(&server, &errors).await;
    assert_eq!(run["rows"], 3);
    assert_eq!(runs(&server, &errors).await.len(), 2);
    assert_eq!(received.count("hook"), 2);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn alerts_run_on_demand_and_on_schedule_on_the_embedded_backend() {
    alerts_on("embedded", &[]).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn alerts_run_on_demand_and_on_schedule_on_postgres() {
    let (url, _) = test_postgres();
    let schema = format!("cinder_alerts_{}", std::process::id());
    alerts_on(
        "postgres",
        &[
            ("POSTGRES_BACKEND_URL", url.as_str()),
            ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts it and sets CINDER_TEST_BIGQUERY_URL"]
async fn alerts_run_on_demand_and_on_schedule_on_bigquery() {
    let emulator = std::env::var("CINDER_TEST_BIGQUERY_URL")
        .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator");
    let append = format!("_alerts_{}", std::process::id());
    alerts_on(
        "bigquery",
        &[
            ("GOOGLE_PROJECT_ID", "cinder-test"),
            ("GOOGLE_DATASET_ID_APPEND", append.as_str()),
            ("CINDER_BIGQUERY_ENDPOINT", emulator.as_str()),
        ],
    )
    .await;
}
