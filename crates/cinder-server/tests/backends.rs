//! Backends and rules over HTTP: Studio's log-drain flow exactly as Studio calls it, every
//! status code, secrets never shown, and what deleting leaves behind.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PRIVATE, PUBLIC};

impl Server {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(PRIVATE)
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

const SUPABASE: [(&str, &str); 2] = [("LOGFLARE_SINGLE_TENANT", "true"), ("LOGFLARE_SUPABASE_MODE", "true")];

/// Supabase Studio's log drains (`log-drains.ts`, `log-drains/[uuid].ts`), call by call.
#[tokio::test]
async fn studio_log_drains() {
    let server = Server::start_with(&temp_dir("drains"), &SUPABASE).await;

    // 1. List: an array, filtered by `metadata[type]`.
    let (status, drains) = server
        .send(Method::GET, "/api/backends?metadata%5Btype%5D=log-drain", None)
        .await;
    assert_eq!((status, drains), (StatusCode::OK, json!([])));

    // 2. Create.
    let drain = json!({
        "name": "my drain", "description": "to datadog", "type": "datadog",
        "config": {"api_key": "dd-secret-key", "region": "US1", "url": "http://127.0.0.1:9/api/v2/logs"}, "metadata": {"type": "log-drain"},
    });
    let (status, created) = server.send(Method::POST, "/api/backends", Some(drain)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["config"]["api_key"], "REDACTED");
    assert!(!created.to_string().contains("dd-secret-key"));
    let backend_id = created["id"].as_i64().unwrap();
    let uuid = created["token"].as_str().unwrap().to_owned();
    // A backend that is not a log drain does not show in Studio's list.
    let other = json!({"name": "hook", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x"}});
    let (status, _) = server.send(Method::POST, "/api/backends", Some(other)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, drains) = server
        .send(Method::GET, "/api/backends?metadata%5Btype%5D=log-drain", None)
        .await;
    assert_eq!(drains.as_array().unwrap().len(), 1, "{drains}");
    let (_, all) = server.send(Method::GET, "/api/backends", None).await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // A drain whose destination does not answer says why when tested (`url` overrides the
    // region's intake; nothing listens on port 9 here).
    let (status, tested) = server
        .send(Method::POST, &format!("/api/backends/{uuid}/test"), None)
        .await;
    assert_eq!((status, tested["connected?"].clone()), (StatusCode::OK, json!(false)));
    assert!(
        tested["reason"].as_str().unwrap().to_lowercase().contains("refused"),
        "{tested}"
    );

    // 3. Sources, and 4. a rule per Supabase source.
    let (_, sources) = server.send(Method::GET, "/api/sources", None).await;
    let mut rules = 0;
    for source in sources.as_array().unwrap() {
        let rule = json!({"backend_id": backend_id, "lql_string": "~\".*?\"", "source_id": source["id"]});
        let (status, created) = server.send(Method::POST, "/api/rules", Some(rule)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["lql_filters"][0]["operator"], "~");
        rules += 1;
    }
    assert_eq!(rules, 9);
    let (_, listed) = server
        .send(Method::GET, &format!("/api/rules?backend_id={backend_id}"), None)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 9);

    // 5. Item: fetch, update with what was read (secrets come back as REDACTED), delete.
    let (status, fetched) = server.send(Method::GET, &format!("/api/backends/{uuid}"), None).await;
    assert_eq!((status, &fetched["name"]), (StatusCode::OK, &json!("my drain")));
    let mut edited = fetched.clone();
    edited.as_object_mut().unwrap().remove("metadata");
    edited["config"]["region"] = json!("EU");
    let (status, updated) = server
        .send(Method::PUT, &format!("/api/backends/{uuid}"), Some(edited))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        (updated["config"]["region"].clone(), updated["metadata"]["type"].clone()),
        (json!("EU"), json!("log-drain"))
    );
    let (status, _) = server
        .send(Method::DELETE, &format!("/api/backends/{uuid}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, listed) = server
        .send(Method::GET, &format!("/api/rules?backend_id={backend_id}"), None)
        .await;
    assert_eq!(listed, json!([]), "the drain's rules went with it");
    let (status, _) = server.send(Method::GET, &format!("/api/backends/{uuid}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The stored secret is kept across the PUT (checked on a fresh drain, since that one is gone).
    let drain = json!({"name": "pg", "type": "postgres", "config": {"url": "postgres://app:pg-secret@127.0.0.1:9/x"}});
    let (_, created) = server.send(Method::POST, "/api/backends", Some(drain)).await;
    assert_eq!(created["config"]["url"], "postgres://app:REDACTED@127.0.0.1:9/x");
    let token = created["token"].as_str().unwrap();
    let (status, tested) = server
        .send(Method::POST, &format!("/api/backends/{token}/test"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tested["connected?"], false, "nothing listens on port 9: {tested}");
}

#[tokio::test]
async fn backends_and_rules_status_codes() {
    let server = Server::start(&temp_dir("rules")).await;
    let source = server.create_source("app").await;
    let sink = server.create_source("errors").await;
    let hook = json!({"name": "hook", "type": "webhook", "config": {"url": "https://example.com/x", "headers": {"authorization": "Bearer s3cr3t"}}});
    let (_, backend) = server.send(Method::POST, "/api/backends", Some(hook)).await;
    let backend_token = backend["token"].as_str().unwrap().to_owned();
    assert_eq!(backend["config"]["headers"]["authorization"], "REDACTED");

    // 422s name the field.
    for (body, field) in [
        (json!({"type": "webhook", "config": {"url": "https://x"}}), "name"),
        (json!({"name": "n", "type": "carrier-pigeon", "config": {}}), "type"),
        (
            json!({"name": "n", "type": "webhook", "config": {"url": "ftp://x"}}),
            "config.url",
        ),
        (
            json!({"name": "n", "type": "s3", "config": {"s3_bucket": "b"}}),
            "config.secret_access_key",
        ),
    ] {
        let (status, reply) = server.send(Method::POST, "/api/backends", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {reply}");
        assert!(reply["errors"][field].is_array(), "{body}: {reply}");
    }
    // Management needs the private scope.
    let response = server
        .client
        .get(server.url("/api/backends"))
        .header("x-api-key", PUBLIC)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Attach and detach.
    let path = format!(
        "/api/sources/{}/backends/{backend_token}",
        source["token"].as_str().unwrap()
    );
    let (status, attached) = server.send(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(attached["backends"][0]["token"], backend_token.as_str());
    let (status, _) = server
        .send(Method::DELETE, &format!("/api/backends/{backend_token}"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "refused while a source is attached"
    );
    let (status, detached) = server.send(Method::DELETE, &path, None).await;
    assert_eq!((status, detached["backends"].clone()), (StatusCode::OK, json!([])));

    // Rules: a sink rule, a batch with an error (nothing stored), unknown references.
    let sink_rule = json!({"source_id": source["id"], "lql_string": "m.level:error", "sink": sink["token"]});
    let (status, rule) = server.send(Method::POST, "/api/rules", Some(sink_rule)).await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    assert_eq!(rule["lql_filters"][0]["path"], "metadata.level");
    let rule_token = rule["token"].as_str().unwrap().to_owned();
    let batch = json!([
        {"source_id": source["id"], "lql_string": "status:500", "sink": sink["token"]},
        {"source_id": source["id"], "lql_string": "", "sink": sink["token"]},
    ]);
    let (status, reply) = server.send(Method::POST, "/api/rules", Some(batch)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(reply["errors"][0].as_str().unwrap().contains("item 1"), "{reply}");
    let (_, listed) = server.send(Method::GET, "/api/rules", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "a refused batch stores nothing");
    let batch = json!([{"source_id": source["id"], "lql_string": "status:500", "sink": sink["token"]}]);
    let (status, reply) = server.send(Method::POST, "/api/rules", Some(batch)).await;
    assert_eq!(
        (status, reply["results"].as_array().map(Vec::len)),
        (StatusCode::CREATED, Some(1)),
        "{reply}"
    );
    for (body, expected) in [
        (
            json!({"source_id": 999_999, "lql_string": "a:1", "sink": sink["token"]}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"source_id": source["id"], "lql_string": "a:1", "backend_id": 999_999}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"source_id": source["id"], "lql_string": "a:1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"source_id": source["id"], "lql_string": "a:1", "sink": source["token"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"source_id": source["id"], "lql_string": "c:count(*)", "sink": sink["token"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, reply) = server.send(Method::POST, "/api/rules", Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {reply}");
    }
    let (status, _) = server
        .send(
            Method::PATCH,
            &format!("/api/rules/{rule_token}"),
            Some(json!({"lql_string": "m.level:warn"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, fetched) = server
        .send(Method::GET, &format!("/api/rules/{rule_token}"), None)
        .await;
    assert_eq!(fetched["lql_string"], "m.level:warn");
    let (status, _) = server
        .send(Method::DELETE, &format!("/api/rules/{rule_token}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .send(Method::GET, &format!("/api/rules/{rule_token}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Deleting the sink source deletes the rules copying into it.
    let (status, _) = server
        .send(
            Method::DELETE,
            &format!("/api/sources/{}", sink["token"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, listed) = server.send(Method::GET, "/api/rules", None).await;
    assert_eq!(listed, json!([]));

    // Everything survives a restart, secrets included (and still redacted).
    let dir = server.data_dir.clone();
    drop(server);
    let server = Server::start(&dir).await;
    let (_, backend) = server
        .send(Method::GET, &format!("/api/backends/{backend_token}"), None)
        .await;
    assert_eq!(backend["config"]["headers"]["authorization"], "REDACTED");
    assert_eq!(backend["config"]["url"], "https://example.com/x");
}
