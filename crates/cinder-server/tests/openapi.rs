//! `/api/openapi` documents exactly what the router serves: every documented operation is
//! routed, and on every documented path the methods it does not document are refused.

use reqwest::{Method, StatusCode};
use serde_json::Value;

mod common;
use common::{temp_dir, Server, PRIVATE};

#[tokio::test]
async fn the_document_matches_the_router() {
    let server = Server::start(&temp_dir("openapi")).await;
    let response = server.client.get(server.url("/api/openapi")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "served without a token");
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.0.3");
    let paths = document["paths"].as_object().unwrap();
    // Every route of Logflare's API that Cinder serves is there.
    for path in [
        "/api/logs",
        "/logs/vector",
        "/api/sources/{token}",
        "/api/endpoints/query/{token_or_name}",
        "/api/backends/{token}/test",
        "/api/rules",
        "/api/teams/{token}",
        "/api/access-tokens/{token}",
        "/api/account",
        "/api/query/parse",
        "/health",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    let mut checked = 0;
    for (path, item) in paths {
        let url = path
            .replace("{token_or_name}", "no-such-endpoint")
            .replace("{backend_token}", "00000000-0000-0000-0000-000000000000")
            .replace("{token}", "00000000-0000-0000-0000-000000000000");
        for method in &methods {
            let documented = item.get(method.as_str().to_lowercase()).is_some();
            let response = server
                .client
                .request(method.clone(), server.url(&url))
                .bearer_auth(PRIVATE)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            // The router's own answers: 405 for a method it does not serve, an empty 404 for a
            // path it does not know. A handler's 404 says so in JSON.
            let routed =
                status != StatusCode::METHOD_NOT_ALLOWED && !(status == StatusCode::NOT_FOUND && body.is_empty());
            assert_eq!(routed, documented, "{method} {path}: {status} {body}");
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
    // Operations carry their parameters and who may call them.
    let fetch = &document["paths"]["/api/sources/{token}"]["get"];
    assert_eq!(fetch["parameters"][0]["name"], "token");
    assert_eq!(fetch["tags"][0], "management");
    assert_eq!(document["paths"]["/health"]["get"]["security"], serde_json::json!([]));
}
