//! Endpoints over HTTP against the real binary: management routes and their status codes,
//! parameters, sandboxing, auth, `max_limit`, the result cache and hostile parameter values.
//! The same suite runs on the embedded backend and on PostgreSQL.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod common;
use common::{temp_dir, test_postgres, Server, PRIVATE, PUBLIC};

const HOSTILE: &str = "'; drop table app; --";

impl Server {
    /// Calls a route with the private token (or none) and returns the status, the body as
    /// JSON (or text) and the `cache-status` header.
    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let (status, body, _) = self.call_with_headers(method, path, token, body).await;
        (status, body)
    }

    async fn call_with_headers(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header("x-api-key", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }

    /// Calls an endpoint and returns its rows, failing on an `error`.
    async fn rows(&self, path: &str) -> Vec<Value> {
        let (status, body) = self.call(Method::GET, path, Some(PRIVATE), None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(body.get("error").is_none(), "{path}: {body}");
        body["result"].as_array().unwrap().clone()
    }

    async fn create_endpoint(&self, body: Value) -> Value {
        let (status, created) = self
            .call(Method::POST, "/api/endpoints", Some(PRIVATE), Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    }

    async fn ingest(&self, source: &str, events: Vec<Value>) {
        let body = serde_json::to_vec(&json!({ "batch": events })).unwrap();
        let (status, reply) = self
            .post(&format!("/api/logs?source_name={source}"), "application/json", body)
            .await;
        assert_eq!(status, StatusCode::OK, "{reply}");
    }
}

fn count(rows: &[Value]) -> u64 {
    rows[0]["n"].as_u64().unwrap_or_else(|| panic!("no count in {rows:?}"))
}

async fn endpoint_suite(server: &Server) {
    let source = server.create_source("app").await;
    let events: Vec<Value> = (0..30)
        .map(|i| json!({"message": format!("event {i}"), "metadata": {"level": if i % 3 == 0 { "error" } else { "info" }, "n": i}}))
        .chain([json!({"message": HOSTILE, "metadata": {"level": "evil", "n": 100, "ip": "client 10.1.2.3"}})])
        .collect();
    server.ingest("app", events).await;
    assert_eq!(server.wait_for_count("app", 31).await, 31);

    // --- management: create, with Logflare's defaults and the source mapping.
    let created = server
        .create_endpoint(
            json!({"name": "by-level", "query": "select count(*) as n from app where metadata.level = @level"}),
        )
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(created["cache_duration_seconds"], 3600);
    assert_eq!(created["proactive_requerying_seconds"], 1800);
    assert_eq!(created["max_limit"], 1000);
    assert_eq!(created["enable_auth"], true);
    assert_eq!(created["language"], "bq_sql");
    assert_eq!(created["source_mapping"], json!({"app": source["token"]}));

    // --- 422s name the field and the problem.
    let invalid = [
        (json!({"name": "x"}), "query", "blank"),
        (
            json!({"name": "x", "query": "select nope from missing"}),
            "query",
            "unknown source `missing`",
        ),
        (json!({"name": "x", "query": "delete from app"}), "query", "only SELECT"),
        (json!({"name": "x", "query": "select * from app"}), "query", "wildcard"),
        (
            json!({"name": "x", "query": "select 1", "max_limit": 0}),
            "max_limit",
            "1 to 10000",
        ),
        (
            json!({"name": "by-level", "query": "select 1"}),
            "name",
            "already been taken",
        ),
        (json!({"query": "select 1"}), "name", "blank"),
    ];
    for (body, field, message) in invalid {
        let (status, reply) = server
            .call(Method::POST, "/api/endpoints", Some(PRIVATE), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {reply}");
        let text = reply["errors"][field][0].as_str().unwrap_or_default();
        assert!(text.contains(message), "{body}: {reply}");
    }
    let (status, _) = server
        .call(
            Method::POST,
            "/api/endpoints",
            None,
            Some(json!({"name": "y", "query": "select 1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server.call(Method::GET, "/api/endpoints", Some(PUBLIC), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a public token cannot manage");

    // --- list, fetch, unknown.
    let (status, list) = server.call(Method::GET, "/api/endpoints", Some(PRIVATE), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, shown) = server
        .call(Method::GET, &format!("/api/endpoints/{token}"), Some(PRIVATE), None)
        .await;
    assert_eq!((status, &shown["name"]), (StatusCode::OK, &json!("by-level")));
    for path in [
        format!("/api/endpoints/{}", uuid::Uuid::new_v4()),
        "/api/endpoints/nope".to_owned(),
    ] {
        let (status, _) = server.call(Method::GET, &path, Some(PRIVATE), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // --- calls: parameters from the query string, then the body, which wins.
    let by_token = format!("/api/endpoints/query/{token}");
    assert_eq!(count(&server.rows(&format!("{by_token}?level=error")).await), 10);
    let (status, reply) = server
        .call(
            Method::POST,
            "/api/endpoints/query/by-level?level=error",
            Some(PRIVATE),
            Some(json!({"level": "info"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["result"][0]["n"], 20, "the body's value wins: {reply}");
    // A GET with a JSON body, as some clients send.
    let (_, reply) = server
        .call(
            Method::GET,
            "/api/endpoints/query/name/by-level",
            Some(PRIVATE),
            Some(json!({"level": "info"})),
        )
        .await;
    assert_eq!(reply["result"][0]["n"], 20, "legacy name route: {reply}");
    assert_eq!(
        count(&server.rows("/endpoints/query/by-level?level=info").await),
        20,
        "legacy route"
    );
    // A missing parameter is NULL: nothing equals it.
    assert_eq!(count(&server.rows(&by_token).await), 0);
    // The hostile value is bound as text, matched as text, and the table is still there.
    let path = format!("{by_token}?level={}", urlencode(HOSTILE));
    assert_eq!(count(&server.rows(&path).await), 0);
    let hostile = server
        .create_endpoint(json!({"name": "by-message", "query": "select count(*) as n from app where event_message = @m", "cache_duration_seconds": 0}))
        .await;
    let path = format!(
        "/api/endpoints/query/{}?m={}",
        hostile["token"].as_str().unwrap(),
        urlencode(HOSTILE)
    );
    assert_eq!(count(&server.rows(&path).await), 1, "stored and matched as plain text");
    assert_eq!(server.wait_for_count("app", 31).await, 31);

    // --- auth: no token, a token without the query scope, unknown names.
    let (status, _) = server.call(Method::GET, &by_token, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // LOGFLARE_PUBLIC_ACCESS_TOKEN is a `public` token, which may not query, and also the
    // legacy api key, which may (as Logflare: how older Studio setups call endpoints).
    let (status, _) = server
        .call(Method::GET, &format!("{by_token}?level=info"), Some(PUBLIC), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(Method::GET, "/api/endpoints/query/by-level", None, None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "names resolve only for a caller with a token"
    );
    let (status, _) = server
        .call(
            Method::GET,
            "/api/endpoints/query/no-such-endpoint",
            Some(PRIVATE),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let open = server
        .create_endpoint(json!({"name": "open", "query": "select count(*) as n from app", "enable_auth": false}))
        .await;
    let open_path = format!("/api/endpoints/query/{}", open["token"].as_str().unwrap());
    let (status, reply) = server.call(Method::GET, &open_path, None, None).await;
    assert_eq!(
        (status, reply["result"][0]["n"].as_u64()),
        (StatusCode::OK, Some(31)),
        "{reply}"
    );
    let (status, _) = server.call(Method::GET, &open_path, Some("not-a-token"), None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an unknown token is no token for an open endpoint"
    );

    // --- failures are 200 {"error"} with a message that says what went wrong.
    let broken = server
        .create_endpoint(json!({"name": "sandbox", "query": "with recent as (select timestamp, id, event_message, metadata.level as level, metadata.n as n from app) select count(*) as n from recent", "sandboxable": true}))
        .await;
    let sandbox = format!("/api/endpoints/query/{}", broken["token"].as_str().unwrap());

    // --- sandboxing: the caller's SQL over the endpoint's CTEs, with and without its own WITH.
    assert_eq!(count(&server.rows(&sandbox).await), 31);
    let sql = "select count(*) as n from recent where level = 'error'";
    assert_eq!(
        count(&server.rows(&format!("{sandbox}?sql={}", urlencode(sql))).await),
        10
    );
    let sql = "with errors as (select n from recent where level = @level) select count(*) as n from errors";
    assert_eq!(
        count(
            &server
                .rows(&format!("{sandbox}?level=info&sql={}", urlencode(sql)))
                .await
        ),
        20,
        "a caller's own WITH, with a parameter"
    );
    let lql = "level:error";
    let (_, reply) = server
        .call(
            Method::GET,
            &format!("{sandbox}?lql={}", urlencode(lql)),
            Some(PRIVATE),
            None,
        )
        .await;
    assert_eq!(
        reply["result"].as_array().map(Vec::len),
        Some(10),
        "lql= over the only CTE: {reply}"
    );
    for (sql, message) in [
        ("select count(*) as n from app", "not one of the endpoint's CTEs"),
        ("select * from recent", "wildcard"),
        ("select 1; select 2", "single query"),
    ] {
        let (status, reply) = server
            .call(
                Method::GET,
                &format!("{sandbox}?sql={}", urlencode(sql)),
                Some(PRIVATE),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "failures are HTTP 200 as Logflare");
        let error = reply["error"].as_str().unwrap_or_else(|| panic!("{sql}: {reply}"));
        assert!(error.contains(message), "{sql}: {error}");
    }
    // Not sandboxable: `sql=` is ignored, as Logflare.
    let sql = "select 42 as n";
    assert_eq!(
        count(
            &server
                .rows(&format!("{by_token}?level=info&sql={}", urlencode(sql)))
                .await
        ),
        20
    );

    // --- max_limit, on every backend.
    let limited = server
        .create_endpoint(json!({"name": "limited", "query": "select id from app order by metadata.n", "max_limit": 5}))
        .await;
    let path = format!("/api/endpoints/query/{}", limited["token"].as_str().unwrap());
    assert_eq!(server.rows(&path).await.len(), 5);
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/endpoints/{}", limited["token"].as_str().unwrap()),
            Some(PRIVATE),
            Some(json!({"max_limit": 7, "query": "select id from app order by metadata.n limit 100"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        server.rows(&path).await.len(),
        7,
        "a larger LIMIT in the query is capped, and PATCH invalidated"
    );

    // --- an endpoint reads others as they are now, not as when it was first called (the
    // server keeps parsed queries), and its own query as last saved.
    let patch = |token: &Value, body: Value| {
        let path = format!("/api/endpoints/{}", token.as_str().unwrap());
        async move {
            let (status, reply) = server.call(Method::PATCH, &path, Some(PRIVATE), Some(body)).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{reply}");
        }
    };
    let inner = server
        .create_endpoint(json!({"name": "inner", "query": "select count(*) as n from app where metadata.level = 'evil'", "cache_duration_seconds": 0}))
        .await;
    let outer = server
        .create_endpoint(json!({"name": "outer", "query": "select n from inner", "cache_duration_seconds": 0}))
        .await;
    let path = format!("/api/endpoints/query/{}", outer["token"].as_str().unwrap());
    assert_eq!(server.rows(&path).await, vec![json!({"n": 1})]);
    patch(
        &inner["token"],
        json!({"query": "select count(*) as n from app where metadata.n = 100 or metadata.n = 3"}),
    )
    .await;
    assert_eq!(
        server.rows(&path).await,
        vec![json!({"n": 2})],
        "the other endpoint's new query"
    );
    patch(&outer["token"], json!({"query": "select n * 10 as n from inner"})).await;
    assert_eq!(server.rows(&path).await, vec![json!({"n": 20})], "its own new query");

    // --- PII redaction: the endpoint's setting, overridden by the header.
    let pii = server
        .create_endpoint(json!({"name": "pii", "query": "select metadata.ip as ip from app where metadata.ip is not null", "redact_pii": true}))
        .await;
    let path = format!("/api/endpoints/query/{}", pii["token"].as_str().unwrap());
    assert_eq!(server.rows(&path).await[0]["ip"], "client REDACTED");
    let reply = server
        .client
        .get(server.url(&path))
        .header("x-api-key", PRIVATE)
        .header("LF-ENDPOINT-REDACT-PII", "false")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(reply["result"][0]["ip"], "client 10.1.2.3");

    // --- the cache: a second call within the TTL does not run the query.
    let (_, first, headers) = server
        .call_with_headers(Method::GET, &format!("{by_token}?level=evil"), Some(PRIVATE), None)
        .await;
    assert_eq!(first["result"][0]["n"], 1);
    assert_eq!(headers["cache-status"], "cinder; fwd=miss");
    server
        .ingest(
            "app",
            vec![json!({"message": "later", "metadata": {"level": "evil", "n": 200}})],
        )
        .await;
    assert_eq!(server.wait_for_count("app", 32).await, 32);
    let (_, second, headers) = server
        .call_with_headers(Method::GET, &format!("{by_token}?level=evil"), Some(PRIVATE), None)
        .await;
    assert_eq!(headers["cache-status"], "cinder; hit");
    assert_eq!(second["result"][0]["n"], 1, "served from the cache, not the backend");
    // Undeclared parameters are part of the key.
    let (_, other, headers) = server
        .call_with_headers(Method::GET, &format!("{by_token}?level=evil&x=1"), Some(PRIVATE), None)
        .await;
    assert_eq!(
        (other["result"][0]["n"].as_u64(), &headers["cache-status"]),
        (Some(2), &"cinder; fwd=miss".parse().unwrap())
    );
    // An update drops the endpoint's results.
    let (status, updated) = server
        .call(
            Method::PUT,
            &format!("/api/endpoints/{token}"),
            Some(PRIVATE),
            Some(json!({"description": "by level", "proactive_requerying_seconds": 1})),
        )
        .await;
    assert_eq!((status, &updated["description"]), (StatusCode::OK, &json!("by level")));
    let (_, third, headers) = server
        .call_with_headers(Method::GET, &format!("{by_token}?level=evil"), Some(PRIVATE), None)
        .await;
    assert_eq!(
        (third["result"][0]["n"].as_u64(), &headers["cache-status"]),
        (Some(2), &"cinder; fwd=miss".parse().unwrap())
    );
    // Proactive requerying refreshes a result that is being read, without a caller waiting.
    server
        .ingest(
            "app",
            vec![json!({"message": "later still", "metadata": {"level": "evil", "n": 300}})],
        )
        .await;
    assert_eq!(server.wait_for_count("app", 33).await, 33);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, reply, headers) = server
            .call_with_headers(Method::GET, &format!("{by_token}?level=evil"), Some(PRIVATE), None)
            .await;
        assert_eq!(headers["cache-status"], "cinder; hit", "every call is a hit: {reply}");
        if reply["result"][0]["n"] == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the background re-run never refreshed the result"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // --- CORS on calls.
    let preflight = server
        .client
        .request(Method::OPTIONS, server.url(&by_token))
        .header("origin", "https://example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert!(preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("X-API-Key"));
    let (_, _, headers) = server.call_with_headers(Method::GET, &by_token, None, None).await;
    assert_eq!(headers["access-control-allow-origin"], "*", "also on errors");

    // --- /api/query/parse: parameters, and other endpoints' names expanded.
    let sql = "select n from `by-level` where n > @min and @min is not null";
    let (status, parsed) = server
        .call(
            Method::GET,
            &format!("/api/query/parse?sql={}", urlencode(sql)),
            Some(PRIVATE),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{parsed}");
    assert_eq!(parsed["result"]["parameters"], json!(["level", "min"]), "{parsed}");
    assert!(
        parsed["result"]["expanded_query"]
            .as_str()
            .unwrap()
            .contains("(SELECT count(*) AS n FROM app"),
        "{parsed}"
    );
    let (status, _) = server
        .call(Method::GET, "/api/query/parse?sql=selec", Some(PRIVATE), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // --- a renamed source keeps its endpoints working.
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/sources/{}", source["token"].as_str().unwrap()),
            Some(PRIVATE),
            Some(json!({"name": "app-renamed"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let path = format!("{open_path}?after=rename");
    assert_eq!(
        count(&server.rows(&path).await),
        33,
        "source_mapping follows the rename"
    );

    // --- delete.
    let (status, _) = server
        .call(Method::DELETE, &format!("/api/endpoints/{token}"), Some(PRIVATE), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .call(Method::DELETE, &format!("/api/endpoints/{token}"), Some(PRIVATE), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server.call(Method::GET, &by_token, Some(PRIVATE), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn urlencode(text: &str) -> String {
    common::encode_query_value(text, "%20")
}

#[tokio::test]
async fn endpoints_on_the_embedded_backend() {
    let dir = temp_dir("endpoints");
    let server = Server::start(&dir).await;
    endpoint_suite(&server).await;
    // Endpoints survive a restart.
    drop(server);
    let server = Server::start(&dir).await;
    let (_, list) = server.call(Method::GET, "/api/endpoints", Some(PRIVATE), None).await;
    assert_eq!(list.as_array().unwrap().len(), 7, "{list}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and sets CINDER_TEST_DATABASE_URL"]
async fn endpoints_on_postgres() {
    let (url, _) = test_postgres();
    let schema = format!("cinder_endpoints_{}", std::process::id());
    let dir = temp_dir("endpoints-pg");
    let server = Server::start_with(
        &dir,
        &[("POSTGRES_BACKEND_URL", &url), ("POSTGRES_BACKEND_SCHEMA", &schema)],
    )
    .await;
    endpoint_suite(&server).await;
}
