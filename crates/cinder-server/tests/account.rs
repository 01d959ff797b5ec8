//! The account, access tokens and teams over HTTP, and what each scope may do.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod common;
use common::{temp_dir, Server, PRIVATE, PUBLIC};

async fn call(server: &Server, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = server.client.request(method, server.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn tokens_scopes_account_and_teams() {
    let dir = temp_dir("account");
    let server = Server::start(&dir).await;
    let source = server.create_source("app").await;

    // Account.
    let (status, account) = call(&server, Method::GET, "/api/account", PRIVATE, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (account["email"].clone(), account["api_key"].clone()),
        (json!("default@logflare.app"), json!(PUBLIC))
    );
    let (status, _) = call(&server, Method::GET, "/api/account", PUBLIC, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Access tokens: created tokens are shown once, unknown scopes are refused.
    let mut tokens = std::collections::HashMap::new();
    for scopes in [
        "ingest",
        "query",
        "public",
        "private",
        &format!("ingest:source:{}", source["id"]),
    ] {
        let (status, created) = call(
            &server,
            Method::POST,
            "/api/access-tokens",
            PRIVATE,
            Some(json!({"scopes": scopes, "description": scopes})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["token"].as_str().unwrap().to_owned();
        assert_eq!(secret.len(), 64);
        assert_eq!(created["scopes"], scopes);
        tokens.insert(scopes.to_owned(), (created["id"].as_i64().unwrap(), secret));
    }
    let (status, refused) = call(
        &server,
        Method::POST,
        "/api/access-tokens",
        PRIVATE,
        Some(json!({"scopes": "ingest admin"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["errors"]["scopes"][0].as_str().unwrap().contains("admin"),
        "{refused}"
    );
    let (_, listed) = call(&server, Method::GET, "/api/access-tokens", PRIVATE, None).await;
    for token in listed.as_array().unwrap() {
        let public = token["scopes"]
            .as_str()
            .unwrap()
            .split(' ')
            .any(|scope| scope == "public");
        assert_eq!(
            token["token"].is_string(),
            public,
            "only public tokens are shown again: {token}"
        );
    }

    // What each scope may do: ingest, call an endpoint, manage.
    let (_, endpoint) = call(
        &server,
        Method::POST,
        "/api/endpoints",
        PRIVATE,
        Some(json!({"name": "n", "query": "select count(*) as n from app"})),
    )
    .await;
    let endpoint_path = format!("/api/endpoints/query/{}", endpoint["token"].as_str().unwrap());
    let ingest_path = "/api/logs?source_name=app";
    let can = |status: StatusCode| status == StatusCode::OK;
    for (scopes, may_ingest, may_query, may_manage) in [
        ("ingest", true, false, false),
        ("query", false, true, false),
        ("public", true, false, false),
        ("private", true, true, true),
    ] {
        let secret = &tokens[scopes].1;
        let (ingest, _) = call(
            &server,
            Method::POST,
            ingest_path,
            secret,
            Some(json!({"message": scopes})),
        )
        .await;
        let (query, _) = call(&server, Method::GET, &endpoint_path, secret, None).await;
        let (manage, _) = call(&server, Method::GET, "/api/sources", secret, None).await;
        assert_eq!(
            (can(ingest), can(query), can(manage)),
            (may_ingest, may_query, may_manage),
            "{scopes}"
        );
    }
    let scoped = &tokens[&format!("ingest:source:{}", source["id"])].1;
    let other = server.create_source("other").await;
    let (status, _) = call(
        &server,
        Method::POST,
        ingest_path,
        scoped,
        Some(json!({"message": "m"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/logs?source_name=other",
        scoped,
        Some(json!({"message": "m"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "scoped to another source: {other}");

    // Revoke by value (and by id); a revoked token no longer works.
    let (id, secret) = tokens["ingest"].clone();
    let (status, _) = call(
        &server,
        Method::DELETE,
        &format!("/api/access-tokens/{secret}"),
        PRIVATE,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &server,
        Method::POST,
        ingest_path,
        &secret,
        Some(json!({"message": "m"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &server,
        Method::DELETE,
        &format!("/api/access-tokens/{id}"),
        PRIVATE,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (query_id, _) = tokens["query"].clone();
    let (status, _) = call(
        &server,
        Method::DELETE,
        &format!("/api/access-tokens/{query_id}"),
        PRIVATE,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Teams: create 201, update 201 (as Logflare), delete 204, unknown 404, blank name 422.
    let (status, team) = call(
        &server,
        Method::POST,
        "/api/teams",
        PRIVATE,
        Some(json!({"name": "ops"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (
            team["name"].clone(),
            team["team_users"].clone(),
            team["user"]["email"].clone()
        ),
        (json!("ops"), json!([]), json!("default@logflare.app"))
    );
    let path = format!("/api/teams/{}", team["token"].as_str().unwrap());
    let (status, updated) = call(&server, Method::PUT, &path, PRIVATE, Some(json!({"name": "sre"}))).await;
    assert_eq!((status, updated["name"].clone()), (StatusCode::CREATED, json!("sre")));
    let (status, listed) = call(&server, Method::GET, "/api/teams", PRIVATE, None).await;
    assert_eq!((status, listed.as_array().unwrap().len()), (StatusCode::OK, 1));
    let (status, _) = call(&server, Method::POST, "/api/teams", PRIVATE, Some(json!({"name": " "}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(
        &server,
        Method::GET,
        &format!("/api/teams/{}", uuid::Uuid::new_v4()),
        PRIVATE,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&server, Method::GET, "/api/teams", PUBLIC, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Tokens and teams survive a restart.
    drop(server);
    let server = Server::start(&dir).await;
    let (status, shown) = call(&server, Method::GET, &path, PRIVATE, None).await;
    assert_eq!((status, shown["name"].clone()), (StatusCode::OK, json!("sre")));
    let (status, _) = call(&server, Method::GET, &endpoint_path, &tokens["private"].1, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&server, Method::DELETE, &path, PRIVATE, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&server, Method::DELETE, &path, PRIVATE, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
