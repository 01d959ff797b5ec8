//! Access tokens: creating one (with its scopes checked) and revoking one. The JSON API and
//! the dashboard both call these.

use crate::auth::Scope;
use crate::catalog::{AccessToken, Catalog};
use crate::error::ApiError;

/// Creates a token with `scopes` (Logflare's names; none means `public`). Returns it with its
/// secret, which is shown this once unless the token is public.
pub async fn create(
    catalog: &Catalog,
    scopes: &[&str],
    description: Option<String>,
) -> Result<(AccessToken, String), ApiError> {
    let scopes = if scopes.is_empty() { &["public"][..] } else { scopes };
    let scopes = scopes
        .iter()
        .map(|scope| scope.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| ApiError::invalid("scopes", message))?;
    let description = description
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    let secret: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    let token = catalog.add_token(&secret, scopes, description).await?;
    Ok((token, secret))
}

/// Revokes the token given by its value or its numeric id. `NotFound` when there is none.
pub async fn revoke(catalog: &Catalog, given: &str) -> Result<AccessToken, ApiError> {
    let token = catalog.token(given).or_else(|| {
        let id: i64 = given.parse().ok()?;
        catalog.tokens().into_iter().find(|token| token.id == id)
    });
    let token = token.ok_or(ApiError::NotFound)?;
    catalog.revoke_token(&token.hash).await?;
    Ok(token)
}
