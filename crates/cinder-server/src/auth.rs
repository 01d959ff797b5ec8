//! Access tokens, their scopes, and who a request acts for.
//!
//! The rules are Logflare's (`check_scopes`): `private` may do everything; ingest into a
//! source needs `ingest`, `ingest:source:<id>` or (deprecated) `public`; querying needs
//! `query`, `query:endpoint:<id>` or `private`; the management API needs `private`. The legacy
//! user api key (the public token's value) may ingest and query but not manage.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::catalog::AccessToken;
use crate::state::AppState;

/// One scope of an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Ingest into any source (deprecated: Logflare's old public scope).
    Public,
    /// Ingest into any source.
    Ingest,
    /// Query any endpoint.
    Query,
    /// Everything, including the management API.
    Private,
    /// Ingest into the source with this id.
    IngestSource(i64),
    /// Ingest into the collection (source) with this id.
    IngestCollection(i64),
    /// Query the endpoint with this id.
    QueryEndpoint(i64),
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let id = |rest: &str| {
            rest.parse::<i64>()
                .map_err(|_| format!("contains unrecognized scope `{text}`"))
        };
        match text {
            "public" => Ok(Scope::Public),
            "ingest" => Ok(Scope::Ingest),
            "query" => Ok(Scope::Query),
            "private" => Ok(Scope::Private),
            _ => {
                if let Some(rest) = text.strip_prefix("ingest:source:") {
                    id(rest).map(Scope::IngestSource)
                } else if let Some(rest) = text.strip_prefix("ingest:collection:") {
                    id(rest).map(Scope::IngestCollection)
                } else if let Some(rest) = text.strip_prefix("query:endpoint:") {
                    id(rest).map(Scope::QueryEndpoint)
                } else {
                    Err(format!("contains unrecognized scope `{text}`"))
                }
            }
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Public => f.write_str("public"),
            Scope::Ingest => f.write_str("ingest"),
            Scope::Query => f.write_str("query"),
            Scope::Private => f.write_str("private"),
            Scope::IngestSource(id) => write!(f, "ingest:source:{id}"),
            Scope::IngestCollection(id) => write!(f, "ingest:collection:{id}"),
            Scope::QueryEndpoint(id) => write!(f, "query:endpoint:{id}"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Who a request acts for: an access token, the user's legacy api key, or both (Logflare makes
/// `LOGFLARE_PUBLIC_ACCESS_TOKEN` a `public` access token *and* the legacy key; a request whose
/// token scopes do not allow it falls back to the legacy key, outside the management API).
#[derive(Debug, Clone)]
pub struct Principal {
    token: Option<AccessToken>,
    legacy_key: bool,
}

impl Principal {
    /// An access token.
    pub fn token(token: AccessToken) -> Self {
        Self {
            token: Some(token),
            legacy_key: false,
        }
    }

    /// The user's legacy api key: full access to the user's sources and endpoints, no
    /// management API.
    pub fn legacy_key() -> Self {
        Self {
            token: None,
            legacy_key: true,
        }
    }

    fn has(&self, wanted: impl Fn(&Scope) -> bool) -> bool {
        self.token
            .iter()
            .flat_map(|token| &token.scopes)
            .any(|scope| *scope == Scope::Private || wanted(scope))
    }

    /// May ingest into the source with this id.
    pub fn can_ingest(&self, source_id: i64) -> bool {
        self.legacy_key
            || self.has(|scope| {
                matches!(scope, Scope::Public | Scope::Ingest)
                    || *scope == Scope::IngestSource(source_id)
                    || *scope == Scope::IngestCollection(source_id)
            })
            || self.token.as_ref().is_some_and(|token| token.scopes.is_empty())
    }

    /// May call the endpoint with this id.
    pub fn can_query(&self, endpoint_id: i64) -> bool {
        self.legacy_key
            || self.has(|scope| matches!(scope, Scope::Query) || *scope == Scope::QueryEndpoint(endpoint_id))
    }

    /// May use the management API (and `/api/query`).
    pub fn can_manage(&self) -> bool {
        self.has(|_| false)
    }
}

/// Returns the token a request presents: `Authorization: Bearer`, then `x-api-key`, then the
/// `api_key` query parameter (Logflare's order).
pub fn presented_token<'a>(headers: &'a HeaderMap, api_key_param: Option<&'a str>) -> Option<&'a str> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim);
    let header = headers
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    bearer.or(header).or(api_key_param).filter(|token| !token.is_empty())
}

/// The token, as shippers send it: `Authorization: ApiKey <token>`, a basic-auth password
/// (any user name), or any of Cinder's usual ways.
pub fn shipper_token(headers: &HeaderMap, params: &HashMap<String, String>) -> Option<String> {
    if let Some(value) = cinder_decode::header_text(headers, axum::http::header::AUTHORIZATION) {
        if let Some(key) = value.strip_prefix("ApiKey ") {
            return Some(key.trim().to_owned());
        }
        if let Some(encoded) = value.strip_prefix("Basic ") {
            let decoded = STANDARD.decode(encoded.trim()).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            return text.split_once(':').map(|(_, password)| password.to_owned());
        }
    }
    presented_token(headers, params.get("api_key").map(String::as_str)).map(str::to_owned)
}

/// Compares two secrets in time that depends on their length only, not on where they differ.
/// (Tokens themselves are found by their hash, so a lookup reveals nothing about them either.)
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolves a presented token to a principal.
pub fn authenticate(state: &AppState, token: Option<&str>) -> Option<Principal> {
    let token = token?;
    let legacy_key = state.config.public_token().is_some_and(|key| same_secret(key, token));
    match state.catalog.token(token) {
        Some(record) => Some(Principal {
            token: Some(record),
            legacy_key,
        }),
        None => legacy_key.then(Principal::legacy_key),
    }
}

/// An extractor that admits only callers with the management scope (`private`), by any of
/// the ways a token may be presented; anyone else gets 401.
pub struct Manager;

impl axum::extract::FromRequestParts<AppState> for Manager {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query = axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(&parts.uri).ok();
        let api_key = query
            .as_ref()
            .and_then(|query| query.get("api_key"))
            .map(String::as_str);
        match authenticate(state, presented_token(&parts.headers, api_key)) {
            Some(principal) if principal.can_manage() => Ok(Manager),
            _ => Err(crate::error::ApiError::Unauthorized),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(scopes: &[Scope]) -> Principal {
        Principal::token(AccessToken {
            id: 1,
            hash: String::new(),
            token: None,
            scopes: scopes.to_vec(),
            description: None,
            inserted_at: String::new(),
        })
    }

    #[test]
    fn scopes_parse_and_print() {
        for text in [
            "public",
            "ingest",
            "query",
            "private",
            "ingest:source:3",
            "query:endpoint:9",
        ] {
            assert_eq!(text.parse::<Scope>().unwrap().to_string(), text);
        }
        assert!("admin".parse::<Scope>().is_err());
        assert!("ingest:source:x".parse::<Scope>().is_err());
    }

    #[test]
    fn logflare_scope_rules() {
        assert!(principal(&[Scope::Public]).can_ingest(1));
        assert!(!principal(&[Scope::Public]).can_manage());
        assert!(!principal(&[Scope::Query]).can_ingest(1));
        assert!(principal(&[Scope::IngestSource(2)]).can_ingest(2));
        assert!(!principal(&[Scope::IngestSource(2)]).can_ingest(3));
        assert!(principal(&[Scope::Private]).can_ingest(1) && principal(&[Scope::Private]).can_manage());
        assert!(Principal::legacy_key().can_ingest(1) && !Principal::legacy_key().can_manage());
        assert!(principal(&[Scope::Query]).can_query(4) && !principal(&[Scope::Public]).can_query(4));
        assert!(
            principal(&[Scope::QueryEndpoint(4)]).can_query(4) && !principal(&[Scope::QueryEndpoint(4)]).can_query(5)
        );
        assert!(principal(&[Scope::Private]).can_query(4) && Principal::legacy_key().can_query(4));
    }
}
