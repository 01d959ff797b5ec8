//! Every drain type delivers. Real receivers where this machine can run one: rsyslog (syslog),
//! moto's S3 server (checking each request's AWS signature), the BigQuery emulator, and a
//! second Cinder for the protocols it serves itself (Loki push, JSON and protobuf;
//! Elasticsearch bulk; OTLP/HTTP, for `otlp` and `last9`). Recorded answers of the documented
//! APIs otherwise (Datadog, Axiom, incident.io, Sentry, ClickHouse's HTTP interface, webhook):
//! a receiver here that answers as each service documents and keeps what it was sent, which
//! is then checked against the service's documented request format.

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri};
use axum::response::IntoResponse;
use parking_lot::Mutex;
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PUBLIC};

const EVENTS: usize = 20;

#[derive(Clone, Debug)]
struct Recorded {
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A receiver answering as the vendors' APIs document, keeping every request (bodies
/// un-gzip'd).
async fn start_recorder() -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let kept = requests.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let kept = kept.clone();
        async move {
            let mut bytes = body.to_vec();
            if headers.get("content-encoding").is_some_and(|value| value == "gzip") {
                let mut plain = Vec::new();
                flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut plain).unwrap();
                bytes = plain;
            }
            let path = uri.path().to_owned();
            kept.lock().push(Recorded {
                path: path.clone(),
                query: uri.query().unwrap_or_default().to_owned(),
                headers,
                body: bytes,
            });
            // The documented answers.
            if path.ends_with("/api/v2/logs") {
                (AxumStatus::ACCEPTED, "{}").into_response()
            } else if path.contains("/v1/datasets/") {
                axum::Json(json!({"ingested": 1, "failed": 0, "failures": [], "processedBytes": 1, "blocksCreated": 0, "walLength": 1})).into_response()
            } else if path.contains("/v2/alert_events/http/") {
                (AxumStatus::ACCEPTED, axum::Json(json!({"status": "success", "message": "Event accepted for processing", "deduplication_key": "k"}))).into_response()
            } else if path.ends_with("/envelope/") {
                axum::Json(json!({"id": "0123456789abcdef0123456789abcdef"})).into_response()
            } else {
                // ClickHouse answers an INSERT or CREATE with 200 and an empty body; the webhook
                // with anything 2xx.
                AxumStatus::OK.into_response()
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), requests)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn python() -> String {
    std::env::var("CINDER_TEST_PYTHON").expect("CINDER_TEST_PYTHON (scripts/test.sh sets it)")
}

/// moto's S3 server that checks signatures: three unauthenticated calls make a user, its key
/// and its policy; every later request must be signed with that key.
struct Moto {
    _child: Stopped,
    url: String,
    key: (String, String),
}

fn run_python(script: &str, args: &[&str]) -> String {
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

async fn start_moto() -> Moto {
    let port = free_port();
    let moto = std::path::Path::new(&python()).with_file_name("moto_server");
    let child = Stopped(
        Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", "3")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (scripts/test.sh installs moto)"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let setup = r#"
import sys, boto3, json
url = sys.argv[1]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
iam.create_user(UserName="cinder")
key = iam.create_access_key(UserName="cinder")["AccessKey"]
iam.put_user_policy(UserName="cinder", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                  aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket="drained")
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
    let printed = run_python(setup, &[&url]);
    let (id, secret) = printed.trim().split_once(' ').unwrap();
    Moto {
        _child: child,
        url,
        key: (id.to_owned(), secret.to_owned()),
    }
}

/// The events in the bucket's objects, and their keys.
fn s3_events(moto: &Moto) -> (Vec<String>, Vec<Value>) {
    let script = r#"
import sys, boto3, gzip, json
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
out = {"keys": [], "events": []}
for item in s3.list_objects_v2(Bucket="drained").get("Contents", []):
    out["keys"].append(item["Key"])
    body = s3.get_object(Bucket="drained", Key=item["Key"])["Body"].read()
    for line in gzip.decompress(body).decode().splitlines():
        out["events"].append(json.loads(line))
print(json.dumps(out))
"#;
    let printed = run_python(script, &[&moto.url, &moto.key.0, &moto.key.1]);
    let out: Value = serde_json::from_str(&printed).unwrap();
    let keys = out["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key.as_str().unwrap().to_owned())
        .collect();
    (keys, out["events"].as_array().unwrap().clone())
}

/// A child process stopped when dropped, so that a failing test leaves none behind.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// rsyslog listening on TCP (octet-counted framing), writing `pri|app-name|msgid|msg` lines.
fn start_rsyslog(dir: &std::path::Path, port: u16) -> Stopped {
    let config = dir.join("rsyslog-receiver.conf");
    std::fs::write(
        &config,
        format!(
            r#"global(workDirectory="{dir}")
module(load="imtcp")
template(name="fields" type="string" string="%pri%|%app-name%|%msgid%|%msg%\n")
ruleset(name="drain") {{ action(type="omfile" file="{dir}/received.log" template="fields") }}
input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="drain")
"#,
            dir = dir.display()
        ),
    )
    .unwrap();
    Stopped(
        Command::new("rsyslogd")
            .args(["-n", "-f"])
            .arg(&config)
            .arg("-i")
            .arg(dir.join("rsyslogd-receiver.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsyslogd (scripts/test.sh installs rsyslog)"),
    )
}

fn ids_of<'v>(events: impl IntoIterator<Item = &'v Value>, pointer: &str) -> BTreeSet<String> {
    events
        .into_iter()
        .filter_map(|event| event.pointer(pointer).and_then(Value::as_str).map(str::to_owned))
        .collect()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not delivered in 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs rsyslog, moto and the BigQuery emulator: scripts/test.sh provides them"]
async fn every_drain_type_delivers() {
    let bigquery = std::env::var("CINDER_TEST_BIGQUERY_URL").expect("CINDER_TEST_BIGQUERY_URL");
    let (recorder, recorded) = start_recorder().await;
    let moto = start_moto().await;
    let dir = temp_dir("drains");
    let syslog_port = free_port();
    let _rsyslog = start_rsyslog(&dir, syslog_port);
    let receiver = Server::start(&temp_dir("drains-receiver")).await;
    let sender = Server::start_with(&dir, &[("CINDER_BIGQUERY_ENDPOINT", bigquery.as_str())]).await;
    let app = sender.create_source("app").await;
    for name in ["loki-json", "loki-protobuf", "elastic-in", "otlp-in", "last9-in"] {
        receiver.create_source(name).await;
    }
    let dataset = format!("drained_{}", std::process::id());
    let into = |name: &str| json!({"x-source-name": name, "x-api-key": PUBLIC});
    let drains = [
        ("webhook", json!({"url": format!("{recorder}/hook")})),
        (
            "datadog",
            json!({"api_key": "dd-secret", "region": "EU", "url": format!("{recorder}/dd/api/v2/logs")}),
        ),
        (
            "axiom",
            json!({"api_token": "axiom-secret", "dataset_name": "ds1", "url": format!("{recorder}/axiom")}),
        ),
        (
            "incidentio",
            json!({"api_token": "inc-secret", "alert_source_config_id": "src1", "url": format!("{recorder}/inc")}),
        ),
        (
            "sentry",
            json!({"dsn": format!("{}/sentry/7", recorder.replace("http://", "http://sentrykey@"))}),
        ),
        (
            "clickhouse",
            json!({"url": format!("{recorder}/clickhouse/"), "database": "logs", "username": "ch", "password": "ch-secret"}),
        ),
        (
            "loki",
            json!({"url": receiver.url("/loki/api/v1/push"), "headers": into("loki-json")}),
        ),
        (
            "loki",
            json!({"url": receiver.url("/loki/api/v1/push"), "headers": into("loki-protobuf"), "format": "protobuf"}),
        ),
        (
            "elastic",
            json!({"url": receiver.base.clone(), "index": "elastic-in", "username": "elastic", "password": PUBLIC}),
        ),
        (
            "otlp",
            json!({"endpoint": receiver.base.clone(), "headers": into("otlp-in"), "flatten_to_attributes": true}),
        ),
        (
            "last9",
            json!({"region": "US-WEST-1", "username": "last9", "password": PUBLIC, "url": receiver.base.clone(), "headers": {"x-source-name": "last9-in"}}),
        ),
        (
            "s3",
            json!({"s3_bucket": "drained", "storage_region": "us-east-1", "access_key_id": moto.key.0, "secret_access_key": moto.key.1, "endpoint": moto.url, "batch_timeout": 500, "prefix": "cinder"}),
        ),
        ("syslog", json!({"host": "127.0.0.1", "port": syslog_port})),
        ("bigquery", json!({"project_id": "cinder-test", "dataset_id": dataset})),
    ];
    for (index, (kind, config)) in drains.iter().enumerate() {
        let drain = sender
            .manage(
                "/api/backends",
                json!({"name": format!("{kind}-{index}"), "type": kind, "config": config}),
            )
            .await;
        sender.attach_drain(&app, &drain).await;
    }

    let batch: Vec<Value> = (0..EVENTS)
        .map(|index| {
            json!({"message": format!("drain event {index}"),
                   "metadata": {"level": if index % 2 == 0 { "error" } else { "info" }, "status": 500 + index, "host": "db-1"}})
        })
        .collect();
    let (status, _) = sender
        .post(
            &format!("/api/logs?source={}", app["token"].as_str().unwrap()),
            "application/json",
            serde_json::to_vec(&json!({"batch": batch})).unwrap(),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(sender.wait_for_count("app", EVENTS as u64).await, EVENTS as u64);
    let stored = sender.query("select id from app where timestamp > '1900-01-01'").await;
    let ids = ids_of(stored.as_array().unwrap(), "/id");
    assert_eq!(ids.len(), EVENTS);

    // The recorded vendors.
    let bodies = |prefix: &str| -> Vec<Recorded> {
        recorded
            .lock()
            .iter()
            .filter(|request| request.path.starts_with(prefix))
            .cloned()
            .collect()
    };
    let json_events = |prefix: &str, pointer: &str| -> BTreeSet<String> {
        bodies(prefix)
            .iter()
            .flat_map(|request| serde_json::from_slice::<Vec<Value>>(&request.body).unwrap_or_default())
            .filter_map(|event| event.pointer(pointer).and_then(Value::as_str).map(str::to_owned))
            .collect()
    };
    wait_until("webhook", || json_events("/hook", "/id") == ids).await;
    wait_until("datadog", || json_events("/dd/", "/data/id") == ids).await;
    let datadog = &bodies("/dd/")[0];
    assert_eq!(datadog.headers["dd-api-key"], "dd-secret");
    let log: Vec<Value> = serde_json::from_slice(&datadog.body).unwrap();
    assert_eq!(log[0]["service"], "app");
    assert_eq!(log[0]["ddsource"], "Supabase");
    assert!(log[0]["message"]
        .as_str()
        .unwrap()
        .ends_with(log[0]["data"]["event_message"].as_str().unwrap()));
    wait_until("axiom", || json_events("/axiom/v1/datasets/ds1/ingest", "/id") == ids).await;
    let axiom = &bodies("/axiom/")[0];
    assert_eq!(axiom.headers["authorization"], "Bearer axiom-secret");
    assert!(axiom.query.contains("timestamp-field=timestamp"), "{}", axiom.query);
    let axiom_events: Vec<Value> = serde_json::from_slice(&axiom.body).unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(axiom_events[0]["timestamp"].as_str().unwrap()).is_ok());
    wait_until("incident.io", || {
        bodies("/inc/v2/alert_events/http/src1")
            .iter()
            .flat_map(|request| {
                let alert: Value = serde_json::from_slice(&request.body).unwrap();
                assert_eq!(alert["status"], "firing");
                assert!(alert["deduplication_key"].is_string() && alert["title"].is_string());
                ids_of(alert["metadata"]["data"].as_array().unwrap(), "/id")
            })
            .collect::<BTreeSet<_>>()
            == ids
    })
    .await;
    assert_eq!(bodies("/inc/")[0].headers["authorization"], "Bearer inc-secret");
    wait_until("sentry", || {
        bodies("/sentry/api/7/envelope/")
            .iter()
            .flat_map(|request| {
                let text = String::from_utf8(request.body.clone()).unwrap();
                let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
                assert_eq!(lines[1]["type"], "log");
                assert_eq!(lines[1]["item_count"], lines[2]["items"].as_array().unwrap().len());
                lines[2]["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|item| item["attributes"]["id"]["value"].as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .collect::<BTreeSet<_>>()
            == ids
    })
    .await;
    let sentry = &bodies("/sentry/")[0];
    assert!(sentry.headers["x-sentry-auth"]
        .to_str()
        .unwrap()
        .contains("sentry_key=sentrykey"));
    wait_until("clickhouse", || {
        bodies("/clickhouse/")
            .iter()
            .filter(|request| request.query.contains("INSERT"))
            .flat_map(|request| {
                String::from_utf8(request.body.clone())
                    .unwrap()
                    .lines()
                    .map(|line| {
                        serde_json::from_str::<Value>(line).unwrap()["id"]
                            .as_str()
                            .unwrap()
                            .to_owned()
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<BTreeSet<_>>()
            == ids
    })
    .await;
    let clickhouse = bodies("/clickhouse/");
    let first_query = urlencoding_decode(&clickhouse[0].query);
    assert!(
        first_query.contains("CREATE TABLE IF NOT EXISTS `logs`.`log_events_"),
        "{first_query}"
    );
    assert_eq!(clickhouse[0].headers["x-clickhouse-user"], "ch");

    // The second Cinder, as Loki, Elasticsearch and OTLP collector.
    for name in ["loki-json", "loki-protobuf", "elastic-in", "otlp-in", "last9-in"] {
        assert_eq!(
            receiver.wait_for_count(name, EVENTS as u64).await,
            EVENTS as u64,
            "{name}"
        );
    }
    let loki = receiver
        .query("select event_message, labels.service as service from `loki-protobuf` where timestamp > '1900-01-01' order by timestamp limit 1")
        .await;
    assert_eq!(loki[0]["event_message"], "drain event 0");
    assert_eq!(loki[0]["service"], "app");
    let elastic = receiver
        .query("select count(distinct id) as n from `elastic-in` where timestamp > '1900-01-01'")
        .await;
    assert_eq!(elastic[0]["n"], EVENTS as u64, "each document under the event's own id");
    let otlp = receiver
        .query("select event_message, severity_text from `otlp-in` where timestamp > '1900-01-01' order by timestamp limit 1")
        .await;
    assert_eq!(otlp[0]["event_message"], "drain event 0");
    assert_eq!(otlp[0]["severity_text"], "error");

    // S3 (signatures checked by moto), syslog (rsyslog), BigQuery (the emulator).
    wait_until("s3", || ids_of(&s3_events(&moto).1, "/id") == ids).await;
    let (keys, _) = s3_events(&moto);
    assert!(
        keys.iter().all(
            |key| key.starts_with(&format!("cinder/{}/", app["token"].as_str().unwrap()))
                && key.ends_with(".ndjson.gz")
        ),
        "{keys:?}"
    );
    let received = dir.join("received.log");
    wait_until("syslog", || {
        let text = std::fs::read_to_string(&received).unwrap_or_default();
        let events: Vec<Value> = text
            .lines()
            .filter_map(|line| line.splitn(4, '|').nth(3))
            .filter_map(|message| serde_json::from_str(message.trim()).ok())
            .collect();
        ids_of(&events, "/id") == ids
    })
    .await;
    let first = std::fs::read_to_string(&received).unwrap();
    let error_line = first.lines().find(|line| line.contains("\"drain event 0\"")).unwrap();
    assert!(error_line.starts_with("131|cinder|"), "local0.err: {error_line}");
    let bigquery_ids = || async {
        let body = json!({"query": format!("select id from `{dataset}.{}` where timestamp > '1900-01-01'", app["token"].as_str().unwrap().replace('-', "_")), "useLegacySql": false});
        let answer: Value = reqwest::Client::new()
            .post(format!("{bigquery}/bigquery/v2/projects/cinder-test/queries"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|row| row["f"][0]["v"].as_str().map(str::to_owned))
                    .collect::<BTreeSet<_>>()
            })
            .unwrap_or_default()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while bigquery_ids().await != ids {
        assert!(Instant::now() < deadline, "bigquery: not delivered in 60 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Every drain counted its events as sent, none dropped.
    let metrics = sender.metrics().await;
    for (index, (kind, _)) in drains.iter().enumerate() {
        let sent = metrics
            .lines()
            .find(|line| {
                line.starts_with("cinder_drain_sent_events_total") && line.contains(&format!("\"{kind}-{index}\""))
            })
            .unwrap_or_else(|| panic!("no sent count for {kind}: {metrics}"));
        assert!(sent.ends_with(&format!(" {EVENTS}")), "{sent}");
    }
    assert!(
        !metrics
            .lines()
            .any(|line| line.starts_with("cinder_drain_dropped") && !line.ends_with(" 0")),
        "{metrics}"
    );
}

/// `%XX` and `+` decoded, for reading a recorded query string.
fn urlencoding_decode(text: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).unwrap();
    pairs.into_iter().map(|(_, value)| value).collect::<Vec<_>>().join("&")
}

/// The value of the counter `name` for drain `drain` in a scrape.
fn drain_metric(metrics: &str, name: &str, drain: &str) -> f64 {
    metrics
        .lines()
        .find(|line| line.starts_with(name) && line.contains(&format!("drain=\"{drain}\"")))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_drain_that_never_answers_does_not_slow_ingest() {
    // Takes connections and never answers them.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let server = Server::start(&temp_dir("drain-hangs")).await;
    let app = server.create_source("app").await;
    let drain = server
        .manage(
            "/api/backends",
            json!({"name": "hangs", "type": "webhook", "config": {"url": format!("http://{address}/hook")}}),
        )
        .await;
    server.attach_drain(&app, &drain).await;

    // More than the drain's queue holds (50,000).
    let requests = 60;
    let per_request = 1_000;
    let mut latencies = Vec::new();
    for request in 0..requests {
        let batch: Vec<Value> = (0..per_request)
            .map(|index| json!({"message": format!("event {request}-{index}")}))
            .collect();
        let started = Instant::now();
        let (status, _) = server
            .post(
                "/api/logs?source_name=app",
                "application/json",
                serde_json::to_vec(&json!({"batch": batch})).unwrap(),
            )
            .await;
        latencies.push(started.elapsed());
        assert_eq!(status, reqwest::StatusCode::OK);
    }
    latencies.sort();
    let total = (requests * per_request) as u64;
    assert_eq!(server.wait_for_count("app", total).await, total);
    let metrics = server.metrics().await;
    let dropped = drain_metric(&metrics, "cinder_drain_dropped_events_total", "hangs");
    let queued = drain_metric(&metrics, "cinder_drain_queued_events", "hangs");
    // The sender holds one batch (250) in flight; the queue the rest, up to 50,000.
    assert!(dropped >= (total - 50_000 - 250) as f64, "dropped {dropped}: {metrics}");
    assert!(queued <= 50_000.0, "queued {queued}");
    let max = *latencies.last().unwrap();
    assert!(
        max < Duration::from_secs(5),
        "an ingest request took {max:?} while the drain hung"
    );
    eprintln!(
        "a hanging drain: {total} events stored, {dropped} dropped for the drain, {queued} queued; \
         ingest p50 {:?}, max {max:?} per 1,000 events",
        latencies[latencies.len() / 2]
    );
}

#[tokio::test]
async fn syslog_drains_speak_tls_and_verify_the_receiver() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::AsyncReadExt;

    let dir = temp_dir("drain-syslog-tls");
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cert, key) = common::tls::certificate(&dir);
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    // A TLS syslog receiver for `localhost`, keeping each octet-counted message.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = messages.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let kept = kept.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                while let Ok(count) = stream.read(&mut chunk).await {
                    if count == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..count]);
                    // Whole frames: `<length> <message>`.
                    while let Some(space) = buffer.iter().position(|&byte| byte == b' ') {
                        let length: usize = std::str::from_utf8(&buffer[..space]).unwrap().parse().unwrap();
                        if buffer.len() < space + 1 + length {
                            break;
                        }
                        let message = String::from_utf8(buffer[space + 1..space + 1 + length].to_vec()).unwrap();
                        kept.lock().push(message);
                        buffer.drain(..space + 1 + length);
                    }
                }
            });
        }
    });

    let server = Server::start(&dir.join("data")).await;
    let app = server.create_source("app").await;
    let pem = std::fs::read_to_string(&ca).unwrap();
    // Verified against the receiver's CA; and one that trusts only the public roots, which
    // must refuse this receiver.
    let trusted = server
        .manage(
            "/api/backends",
            json!({"name": "trusted", "type": "syslog", "config": {"host": "localhost", "port": port, "tls": true, "ca_cert": pem}}),
        )
        .await;
    let untrusted = server
        .manage(
            "/api/backends",
            json!({"name": "untrusted", "type": "syslog", "config": {"host": "localhost", "port": port, "tls": true}}),
        )
        .await;
    assert_eq!(trusted["config"]["tls"], true);
    server.attach_drain(&app, &trusted).await;
    server.attach_drain(&app, &untrusted).await;
    let batch: Vec<Value> = (0..EVENTS)
        .map(|index| json!({"message": format!("tls {index}")}))
        .collect();
    let (status, _) = server
        .post(
            "/api/logs?source_name=app",
            "application/json",
            serde_json::to_vec(&json!({"batch": batch})).unwrap(),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    wait_until("syslog over TLS", || messages.lock().len() >= EVENTS).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let metrics = server.metrics().await;
        if drain_metric(&metrics, "cinder_drain_retries_total", "untrusted") >= 1.0 {
            assert_eq!(
                drain_metric(&metrics, "cinder_drain_sent_events_total", "untrusted"),
                0.0
            );
            break;
        }
        assert!(Instant::now() < deadline, "the untrusted drain never failed: {metrics}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let received = messages.lock().clone();
    assert_eq!(received.len(), EVENTS, "only the trusted drain got through");
    assert!(
        received.iter().all(|message| message.starts_with("<134>1 ")),
        "{received:?}"
    );
}
