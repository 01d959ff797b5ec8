//! What the emulator cannot show, against recorded answers of Google's APIs: service-account
//! authentication, a refused schema PATCH, quota and rate-limit errors, long-running queries.
//!
//! A scripted HTTP server answers each call with the next recorded exchange and fails on a
//! call out of order, so every test also checks the exact sequence of calls Cinder makes.
//! The key in `tests/data/key.pem` was generated for these tests and signs nothing else.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cinder_bigquery::auth::ServiceAccountKey;
use cinder_bigquery::{BigQuery, BigQueryConfig, ServiceAccount};
use cinder_core::{LogEvent, Schema};
use cinder_storage::{Backend, LoadBatch, StorageError, TableEvents};
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One recorded call: what Cinder must ask, and what Google answered.
struct Exchange {
    method: &'static str,
    path: String,
    status: u16,
    body: Value,
}

fn exchange(method: &'static str, path: &str, status: u16, body: Value) -> Exchange {
    Exchange {
        method,
        path: path.to_owned(),
        status,
        body,
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    body: String,
}

struct Recorded {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<std::collections::VecDeque<Exchange>>>,
}

impl Recorded {
    async fn start(script: Vec<Exchange>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            script.into_iter().collect::<std::collections::VecDeque<_>>(),
        ));
        let (seen_in, script_in) = (seen.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (seen, script) = (seen_in.clone(), script_in.clone());
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    loop {
                        let Some(request) = read_request(&mut stream, &mut buffer).await else {
                            return;
                        };
                        let next = script.lock().pop_front();
                        let (status, body) = match next {
                            Some(exchange)
                                if exchange.method == request.method
                                    && request.path.split('?').next() == Some(exchange.path.as_str()) =>
                            {
                                (exchange.status, exchange.body.to_string())
                            }
                            Some(exchange) => (
                                599,
                                format!(
                                    "expected {} {}, got {} {}",
                                    exchange.method, exchange.path, request.method, request.path
                                ),
                            ),
                            None => (599, format!("unexpected {} {}", request.method, request.path)),
                        };
                        seen.lock().push(request);
                        let response = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if stream.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { url, seen, script }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().clone()
    }

    fn assert_done(&self) {
        let left: Vec<String> = self
            .script
            .lock()
            .iter()
            .map(|exchange| format!("{} {}", exchange.method, exchange.path))
            .collect();
        assert!(left.is_empty(), "calls not made: {left:?}; seen {:#?}", self.seen());
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) -> Option<Seen> {
    let header_end = loop {
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 8192];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let mut lines = head.lines();
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let mut length = 0;
    let mut authorization = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorization = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    while buffer.len() < header_end + 4 + length {
        let mut chunk = [0u8; 8192];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = String::from_utf8_lossy(&buffer[header_end + 4..header_end + 4 + length]).to_string();
    buffer.drain(..header_end + 4 + length);
    Some(Seen {
        method,
        path,
        authorization,
        body,
    })
}

const DATASETS: &str = "/bigquery/v2/projects/proj/datasets";
const TABLE: &str = "/bigquery/v2/projects/proj/datasets/1_prod/tables/tok";
const QUERIES: &str = "/bigquery/v2/projects/proj/queries";

fn account(token_uri: &str) -> ServiceAccount {
    let key: ServiceAccountKey = serde_json::from_value(json!({
        "type": "service_account",
        "project_id": "proj",
        "private_key_id": "kid-1",
        "private_key": include_str!("data/key.pem"),
        "client_email": "cinder@proj.iam.gserviceaccount.com",
        "token_uri": token_uri,
    }))
    .unwrap();
    ServiceAccount::new(key).unwrap()
}

async fn connect(server: &Recorded, account: Option<ServiceAccount>) -> Result<BigQuery, StorageError> {
    BigQuery::connect(BigQueryConfig {
        project_id: "proj".into(),
        dataset_id: "1_prod".into(),
        location: "US".into(),
        endpoint: server.url.clone(),
        account: account.map(Arc::new),
        state_dir: std::env::temp_dir().join(format!("cinder-recorded-{}", uuid::Uuid::new_v4())),
        query_timeout: Duration::from_secs(5),
        require_partition_filter: true,
    })
    .await
}

fn event(id: &str, body: Value) -> LogEvent {
    LogEvent {
        id: id.into(),
        timestamp: 1_780_000_000_000_000,
        event_message: Some("m".into()),
        body: body.as_object().unwrap().clone(),
    }
}

fn batch(events: Vec<LogEvent>, position: u64) -> (LoadBatch, Schema) {
    let mut schema = Schema::new();
    let mut events = events;
    schema.apply(&mut events).unwrap();
    let batch = LoadBatch {
        tables: vec![TableEvents {
            table: "log_events_tok".into(),
            schema: Arc::new(schema.clone()),
            events: events.into_iter().map(Arc::new).collect(),
        }],
        position,
    };
    (batch, schema)
}

fn live_table(fields: Value) -> Value {
    json!({"tableReference": {"tableId": "tok"}, "schema": {"fields": fields}})
}

fn base_fields() -> Value {
    json!([
        {"name": "timestamp", "type": "TIMESTAMP", "mode": "REQUIRED"},
        {"name": "id", "type": "STRING", "mode": "NULLABLE"},
        {"name": "event_message", "type": "STRING", "mode": "NULLABLE"}
    ])
}

#[tokio::test]
async fn a_service_account_signs_a_jwt_and_its_token_is_cached() {
    let server = Recorded::start(vec![
        exchange(
            "POST",
            "/token",
            200,
            json!({"access_token": "ya29.recorded", "expires_in": 3599, "token_type": "Bearer"}),
        ),
        exchange("POST", DATASETS, 409, json!({"error": {"code": 409, "message": "Already Exists: Dataset proj:1_prod", "errors": [{"reason": "duplicate"}], "status": "ALREADY_EXISTS"}})),
        exchange("DELETE", TABLE, 404, json!({"error": {"code": 404, "message": "Not found: Table proj:1_prod.tok", "errors": [{"reason": "notFound"}], "status": "NOT_FOUND"}})),
    ])
    .await;
    let backend = connect(&server, Some(account(&format!("{}/token", server.url))))
        .await
        .unwrap();
    backend.drop_table("log_events_tok").await.unwrap();
    server.assert_done();

    let seen = server.seen();
    // One token for both calls, sent as a Bearer token.
    assert_eq!(seen.iter().filter(|seen| seen.path == "/token").count(), 1);
    for call in &seen[1..] {
        assert_eq!(call.authorization.as_deref(), Some("Bearer ya29.recorded"), "{call:?}");
    }
    // The token request is the JWT-bearer grant, signed with the key (RS256).
    let form: std::collections::HashMap<String, String> = serde_urlencoded::from_str(&seen[0].body).unwrap();
    assert_eq!(form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
    let assertion = &form["assertion"];
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "RS256", "typ": "JWT", "kid": "kid-1"}));
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["iss"], "cinder@proj.iam.gserviceaccount.com");
    assert_eq!(claims["scope"], "https://www.googleapis.com/auth/bigquery");
    assert_eq!(claims["aud"], format!("{}/token", server.url));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        include_bytes!("data/public.der"),
    );
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    public
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the JWT is signed with the service account's key");
}

#[tokio::test]
async fn a_refused_schema_patch_is_read_again_and_never_changes_a_type() {
    let refused = json!({"error": {"code": 400,
        "message": "Provided Schema does not match Table proj:1_prod.tok. Field status has changed type from STRING to INTEGER",
        "errors": [{"reason": "invalid"}], "status": "INVALID_ARGUMENT"}});
    let mut live = base_fields().as_array().unwrap().clone();
    live.push(json!({"name": "status", "type": "STRING", "mode": "NULLABLE"}));
    let mut changed_meanwhile = live.clone();
    changed_meanwhile.push(json!({"name": "other", "type": "BOOLEAN", "mode": "NULLABLE"}));
    let server = Recorded::start(vec![
        exchange("POST", DATASETS, 200, json!({})),
        exchange("GET", TABLE, 200, live_table(Value::Array(live.clone()))),
        exchange("PATCH", TABLE, 400, refused),
        exchange("GET", TABLE, 200, live_table(Value::Array(changed_meanwhile.clone()))),
        exchange("PATCH", TABLE, 200, json!({})),
    ])
    .await;
    let backend = connect(&server, None).await.unwrap();
    let (_, schema) = batch(vec![event("a", json!({"status": 200, "region": "eu"}))], 1);
    backend.apply_schema("log_events_tok", &schema).await.unwrap();
    server.assert_done();
    let patches: Vec<Value> = server
        .seen()
        .iter()
        .filter(|seen| seen.method == "PATCH")
        .map(|seen| serde_json::from_str(&seen.body).unwrap())
        .collect();
    for patch in &patches {
        let fields = patch["schema"]["fields"].as_array().unwrap();
        let status = fields.iter().find(|field| field["name"] == "status").unwrap();
        assert_eq!(status["type"], "STRING", "a live type is never changed: {patch}");
        assert!(fields.iter().any(|field| field["name"] == "region"), "{patch}");
    }
    let second = patches[1]["schema"]["fields"].as_array().unwrap();
    assert!(
        second.iter().any(|field| field["name"] == "other"),
        "the field added meanwhile is kept"
    );
}

#[tokio::test]
async fn quota_errors_keep_the_batch_and_rate_limits_are_retried() {
    let quota = json!({"error": {"code": 403, "message": "Quota exceeded: Your table exceeded quota for imports or query appends per table",
        "errors": [{"reason": "quotaExceeded"}], "status": "PERMISSION_DENIED"}});
    let rate = json!({"error": {"code": 403, "message": "Exceeded rate limits: too many api requests per user per method for this user_method",
        "errors": [{"reason": "rateLimitExceeded"}], "status": "PERMISSION_DENIED"}});
    // Which of the rows BigQuery holds already: none.
    let held = |rows: Value| {
        json!({"kind": "bigquery#queryResponse", "jobComplete": true, "totalRows": "0",
               "jobReference": {"projectId": "proj", "jobId": "j", "location": "US"},
               "schema": {"fields": [{"name": "id", "type": "STRING", "mode": "NULLABLE"}]}, "rows": rows})
    };
    let server = Recorded::start(vec![
        exchange("POST", DATASETS, 200, json!({})),
        exchange("GET", TABLE, 200, live_table(base_fields())),
        exchange("PATCH", TABLE, 200, json!({})),
        // The first batch after a start: the last process may have sent it.
        exchange("POST", QUERIES, 200, held(json!([]))),
        exchange("POST", &format!("{TABLE}/insertAll"), 403, quota),
        // After a failure: its rows may have been stored.
        exchange("POST", QUERIES, 200, held(json!([]))),
        exchange("POST", &format!("{TABLE}/insertAll"), 403, rate.clone()),
        exchange(
            "POST",
            &format!("{TABLE}/insertAll"),
            503,
            json!({"error": {"code": 503, "message": "backendError", "errors": [{"reason": "backendError"}]}}),
        ),
        exchange(
            "POST",
            &format!("{TABLE}/insertAll"),
            200,
            json!({"kind": "bigquery#tableDataInsertAllResponse"}),
        ),
    ])
    .await;
    let backend = connect(&server, None).await.unwrap();
    let (loaded, _) = batch(vec![event("a", json!({"n": 1}))], 7);
    let error = backend.insert(&loaded).await.unwrap_err();
    assert!(matches!(error, StorageError::Unavailable(_)), "{error}");
    assert!(error.to_string().contains("quota"), "{error}");
    assert_eq!(
        backend.position().await.unwrap(),
        0,
        "nothing stored: the batch stays in the log"
    );
    backend.insert(&loaded).await.unwrap();
    assert_eq!(backend.position().await.unwrap(), 7);
    server.assert_done();
    let inserts: Vec<Value> = server
        .seen()
        .iter()
        .filter(|seen| seen.path.ends_with("/insertAll"))
        .map(|seen| serde_json::from_str(&seen.body).unwrap())
        .collect();
    assert_eq!(inserts.len(), 4);
    for insert in &inserts {
        assert_eq!(insert["rows"][0]["insertId"], "a", "the event id deduplicates retries");
        assert_eq!(insert["skipInvalidRows"], false);
        assert_eq!(insert["rows"][0]["json"]["timestamp"], "2026-05-28T20:26:40.000000Z");
    }
    let asked: Vec<Value> = server
        .seen()
        .iter()
        .filter(|seen| seen.path == QUERIES)
        .map(|seen| serde_json::from_str(&seen.body).unwrap())
        .collect();
    assert_eq!(asked.len(), 2);
    assert!(
        asked[0]["query"].as_str().unwrap().contains("`1_prod.tok`"),
        "{}",
        asked[0]
    );
    assert_eq!(
        asked[0]["queryParameters"][2]["parameterValue"]["arrayValues"],
        json!([{"value": "a"}])
    );

    // A row found there is not sent again: the batch is stored with no insert at all.
    let again = Recorded::start(vec![
        exchange("POST", DATASETS, 200, json!({})),
        exchange("GET", TABLE, 200, live_table(base_fields())),
        exchange("PATCH", TABLE, 200, json!({})),
        exchange("POST", QUERIES, 200, held(json!([{"f": [{"v": "a"}]}]))),
    ])
    .await;
    let restarted = connect(&again, None).await.unwrap();
    restarted.insert(&loaded).await.unwrap();
    assert_eq!(restarted.position().await.unwrap(), 7);
    again.assert_done();
}

#[tokio::test]
async fn queries_wait_for_their_job_and_page_through_results() {
    let fields = json!([{"name": "n", "type": "INTEGER", "mode": "NULLABLE"},
                        {"name": "t", "type": "TIMESTAMP", "mode": "NULLABLE"}]);
    let job = "/bigquery/v2/projects/proj/queries/job-1";
    let server = Recorded::start(vec![
        exchange("POST", DATASETS, 200, json!({})),
        exchange(
            "POST",
            "/bigquery/v2/projects/proj/queries",
            200,
            json!({"jobReference": {"jobId": "job-1", "location": "US"}, "jobComplete": false}),
        ),
        exchange(
            "GET",
            job,
            200,
            json!({"jobComplete": true, "schema": {"fields": fields}, "totalRows": "2", "pageToken": "p2",
                   "rows": [{"f": [{"v": "1"}, {"v": "1780000000000000"}]}]}),
        ),
        exchange(
            "GET",
            job,
            200,
            json!({"jobComplete": true, "schema": {"fields": fields}, "totalRows": "2",
                   "rows": [{"f": [{"v": "2"}, {"v": null}]}]}),
        ),
        exchange(
            "POST",
            "/bigquery/v2/projects/proj/queries",
            400,
            json!({"error": {"code": 400, "message": "Unrecognized name: nope at [1:8]", "errors": [{"reason": "invalidQuery"}], "status": "INVALID_ARGUMENT"}}),
        ),
    ])
    .await;
    let backend = connect(&server, None).await.unwrap();
    let sql = cinder_sql::TargetSql {
        sql: "select n, t from x where id = @id".into(),
        params: vec!["id".into()],
    };
    let rows = backend.query(&sql, &[Some("a'b".into())]).await.unwrap();
    assert_eq!(rows.columns, ["n", "t"]);
    assert_eq!(
        Value::Array(rows.rows.into_iter().map(Value::Object).collect()),
        json!([{"n": 1, "t": 1_780_000_000_000_000_i64}, {"n": 2, "t": null}])
    );
    let error = backend.query(&sql, &[None]).await.unwrap_err();
    assert!(
        matches!(error, StorageError::Query(ref message) if message == "Unrecognized name: nope at [1:8]"),
        "{error}"
    );
    server.assert_done();
    let seen = server.seen();
    let request: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(
        request["queryParameters"],
        json!([{"name": "id", "parameterType": {"type": "STRING"}, "parameterValue": {"value": "a'b"}}])
    );
    assert_eq!(request["useLegacySql"], false);
    assert_eq!(request["formatOptions"]["useInt64Timestamp"], true);
    assert!(seen[3].path.contains("pageToken=p2"), "{:?}", seen[3]);
    let null_parameter: Value = serde_json::from_str(&seen[4].body).unwrap();
    assert_eq!(null_parameter["queryParameters"][0]["parameterValue"], json!({}));
}
