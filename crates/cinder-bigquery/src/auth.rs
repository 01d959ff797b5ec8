//! Google service-account authentication: a signed JWT exchanged for an access token.
//!
//! The token is cached and fetched again a few minutes before it expires; concurrent callers
//! share one refresh.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

/// The scope Cinder asks for: BigQuery's.
pub const SCOPE: &str = "https://www.googleapis.com/auth/bigquery";
/// How long before expiry a token is replaced.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Why credentials could not be read or exchanged.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The key file is unreadable or not a service-account key.
    #[error("the Google credentials at {path}: {reason}")]
    Credentials {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Google's token endpoint refused or could not be reached.
    #[error("cannot get a Google access token: {0}")]
    Token(String),
}

/// The fields of a service-account key file that Cinder uses.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccountKey {
    /// `service_account`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The account's email: the JWT's issuer.
    pub client_email: String,
    /// The PKCS#8 private key, PEM-encoded.
    pub private_key: String,
    /// The key's id, sent as the JWT's `kid`.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// Where the JWT is exchanged.
    #[serde(default = "default_token_uri")]
    pub token_uri: String,
}

fn default_token_uri() -> String {
    "https://oauth2.googleapis.com/token".to_owned()
}

/// A service account that signs its own token requests.
pub struct ServiceAccount {
    key: ServiceAccountKey,
    signer: RsaKeyPair,
    rng: SystemRandom,
    cached: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.key.client_email)
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    /// Reads a service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`, `gcloud.json`).
    pub fn from_file(path: &Path) -> Result<Self, AuthError> {
        let fail = |reason: String| AuthError::Credentials {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|error| fail(error.to_string()))?;
        let key: ServiceAccountKey =
            serde_json::from_str(&text).map_err(|error| fail(format!("not a service-account key: {error}")))?;
        Self::new(key).map_err(fail)
    }

    /// Builds the account from a parsed key.
    pub fn new(key: ServiceAccountKey) -> Result<Self, String> {
        if key.kind != "service_account" {
            return Err(format!(
                "the key is of type `{}`; Cinder needs a service-account key (`service_account`)",
                key.kind
            ));
        }
        let der = pem_body(&key.private_key).ok_or("`private_key` is not a PEM private key")?;
        let signer =
            RsaKeyPair::from_pkcs8(&der).map_err(|error| format!("`private_key` is not a PKCS#8 RSA key: {error}"))?;
        Ok(Self {
            key,
            signer,
            rng: SystemRandom::new(),
            cached: Mutex::new(None),
        })
    }

    /// Returns a valid access token, fetching a new one when the cached one is near expiry.
    pub async fn token(&self, http: &reqwest::Client) -> Result<String, AuthError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, expires)) = cached.as_ref() {
            if Instant::now() + REFRESH_MARGIN < *expires {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = self.exchange(http).await?;
        *cached = Some((token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    /// Forgets the cached token (after a 401: it was revoked or the clock is off).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    /// The signed JWT that asks for a token, issued at `now` (seconds since the epoch).
    pub fn assertion(&self, now: i64) -> Result<String, AuthError> {
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.key.private_key_id {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": self.key.client_email,
            "scope": SCOPE,
            "aud": self.key.token_uri,
            "iat": now,
            "exp": now + 3600,
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.signer.public().modulus_len()];
        self.signer
            .sign(&RSA_PKCS1_SHA256, &self.rng, signed.as_bytes(), &mut signature)
            .map_err(|_| AuthError::Token("signing the token request failed".into()))?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    async fn exchange(&self, http: &reqwest::Client) -> Result<(String, Duration), AuthError> {
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            #[serde(default = "default_lifetime")]
            expires_in: u64,
        }
        fn default_lifetime() -> u64 {
            3600
        }
        let assertion = self.assertion(chrono::Utc::now().timestamp())?;
        let response = http
            .post(&self.key.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|error| AuthError::Token(error.to_string()))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| AuthError::Token(error.to_string()))?;
        if !status.is_success() {
            return Err(AuthError::Token(format!("{status}: {body}")));
        }
        let token: TokenResponse =
            serde_json::from_str(&body).map_err(|error| AuthError::Token(format!("unreadable answer: {error}")))?;
        Ok((token.access_token, Duration::from_secs(token.expires_in)))
    }
}

/// The DER bytes inside a PEM block.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN ")?;
    let body_start = start + pem[start..].find('\n')? + 1;
    let end = body_start + pem[body_start..].find("-----END ")?;
    let base64: String = pem[body_start..end].chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(base64).ok()
}
