//! The route table: every route is added here with what it does and who may call it, and the
//! same table builds both the router and the OpenAPI 3 document served at `/api/openapi`, so
//! the two cannot disagree about paths, methods, parameters or authentication.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::state::AppState;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, CORS preflights, endpoints with `enable_auth: false`).
    Open,
    /// A token that may ingest into the source (`ingest`, `ingest:source:<id>`, `public`).
    Ingest,
    /// A token that may query (`query`, `query:endpoint:<id>`, `private`), unless the endpoint
    /// is open.
    Query,
    /// The management API: the `private` scope.
    Manage,
}

/// One documented operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// The path, with `{parameters}`.
    pub path: String,
    /// What it does.
    pub summary: String,
    /// Who may call it.
    pub access: Access,
    /// The status of success.
    pub ok: u16,
}

/// The router under construction and its documentation.
pub struct Routes {
    router: Router<AppState>,
    operations: Vec<Operation>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            operations: Vec::new(),
        }
    }

    /// Serves `handler` for `method` on `path`, documented by `summary`, `access` and the
    /// status `ok` of success.
    pub fn add<H, T>(mut self, method: Method, path: &str, handler: H, summary: &str, access: Access, ok: u16) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a method axum routes");
        self.router = self.router.route(path, on(filter, handler));
        self.operations.push(Operation {
            method,
            path: path.to_owned(),
            summary: summary.to_owned(),
            access,
            ok,
        });
        self
    }

    /// The router and the documented operations.
    pub fn finish(self) -> (Router<AppState>, Vec<Operation>) {
        (self.router, self.operations)
    }
}

/// The OpenAPI 3 document of `operations`.
pub fn document(operations: &[Operation]) -> Value {
    let mut paths = Map::new();
    for operation in operations {
        let item = paths
            .entry(operation.path.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects");
        item.insert(operation.method.as_str().to_lowercase(), describe(operation));
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Cinder",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A log-analytics server that speaks Logflare's HTTP API. Tokens go in `Authorization: Bearer`, `x-api-key` or the `api_key` query parameter.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
                "ValidationErrors": {
                    "type": "object",
                    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}},
                },
            },
        },
        "paths": paths,
    })
}

fn describe(operation: &Operation) -> Value {
    let parameters: Vec<Value> = operation
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let error = |description: &str, schema: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let mut responses = Map::new();
    responses.insert(
        operation.ok.to_string(),
        json!({"description": if operation.ok == 204 { "Done" } else { "Success" }}),
    );
    if operation.method == Method::OPTIONS {
        return json!({
            "summary": operation.summary,
            "tags": ["Public"],
            "operationId": operation_id(operation),
            "parameters": parameters,
            "responses": responses,
        });
    }
    if operation.access != Access::Open {
        responses.insert("401".into(), error("Missing or insufficient token", "Error"));
    }
    if !parameters.is_empty() && operation.access == Access::Manage {
        responses.insert("404".into(), error("No such resource", "Error"));
    }
    if operation.access == Access::Manage && [Method::POST, Method::PUT, Method::PATCH].contains(&operation.method) {
        responses.insert("422".into(), error("Invalid fields", "ValidationErrors"));
    }
    if operation.access == Access::Ingest {
        for (status, description) in [
            ("400", "Malformed body"),
            ("413", "Body too large"),
            ("415", "Unsupported content type or encoding"),
            ("429", "Too many events waiting to be stored; retry after `Retry-After`"),
            ("503", "The backend is unreachable; retry after `Retry-After`"),
        ] {
            responses.insert(status.into(), error(description, "Error"));
        }
    }
    let security = match operation.access {
        Access::Open => json!([]),
        _ => json!([{"bearer": []}, {"apiKey": []}]),
    };
    let mut described = json!({
        "summary": operation.summary,
        "tags": [if operation.access == Access::Manage { "management" } else { "Public" }],
        "operationId": operation_id(operation),
        "parameters": parameters,
        "security": security,
        "responses": responses,
    });
    if [Method::POST, Method::PUT, Method::PATCH].contains(&operation.method) {
        described["requestBody"] = json!({
            "required": false,
            "content": {"application/json": {"schema": {"type": "object"}}},
        });
    }
    described
}

fn operation_id(operation: &Operation) -> String {
    let path: String = operation
        .path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!(
        "{}{}",
        operation.method.as_str().to_lowercase(),
        path.trim_end_matches('_')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_documented_with_parameters_and_security() {
        let operations = vec![
            Operation {
                method: Method::GET,
                path: "/api/sources/{token}".into(),
                summary: "Fetch a source".into(),
                access: Access::Manage,
                ok: 200,
            },
            Operation {
                method: Method::POST,
                path: "/api/logs".into(),
                summary: "Ingest".into(),
                access: Access::Ingest,
                ok: 200,
            },
        ];
        let document = document(&operations);
        let fetch = &document["paths"]["/api/sources/{token}"]["get"];
        assert_eq!(fetch["parameters"][0]["name"], "token");
        assert_eq!(fetch["tags"][0], "management");
        assert!(fetch["responses"]["404"].is_object() && fetch["responses"]["401"].is_object());
        let ingest = &document["paths"]["/api/logs"]["post"];
        assert!(ingest["responses"]["429"].is_object() && ingest["requestBody"].is_object());
        assert_eq!(ingest["operationId"], "post_api_logs");
    }
}
