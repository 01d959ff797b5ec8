//! Dashboard sessions: who is logged in, for how long, and the checks every request passes.
//!
//! A session is a random 256-bit id in an `HttpOnly; SameSite=Strict` cookie, mapped on the
//! server to who logged in and a CSRF token. It ends after [`Sessions`]' idle time without a
//! request, at its absolute lifetime, on logout, and as soon as the access token it was opened
//! with is revoked. Login attempts are limited per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use parking_lot::Mutex;

use serde::de::DeserializeOwned;

use crate::auth::{same_secret, Scope};
use crate::config::Config;
use crate::limits::FailureLimiter;
use crate::state::AppState;

/// The session cookie.
pub const COOKIE: &str = "cinder_session";
/// The cookie that carries the login form's CSRF token before there is a session.
pub const LOGIN_COOKIE: &str = "cinder_login";
/// The form field (or `x-csrf-token` header) that must repeat the session's CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
/// Failed logins allowed per client address in [`LOGIN_WINDOW`].
const LOGIN_FAILURES: usize = 10;
const LOGIN_WINDOW: Duration = Duration::from_secs(300);
/// Sessions held at most; the least recently used goes first.
const MAX_SESSIONS: usize = 10_000;

/// Who a session acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// An access token with the `private` scope, by the hash of its secret.
    Token {
        /// SHA-256 of the secret, hex.
        hash: String,
        /// The token's id, to show.
        id: i64,
    },
    /// The `CINDER_DASHBOARD_USER`.
    User(String),
}

#[derive(Debug, Clone)]
struct Session {
    who: Who,
    csrf: String,
    opened: Instant,
    seen: Instant,
}

/// Every open session and recent failed login.
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    failures: FailureLimiter,
    idle: Duration,
    lifetime: Duration,
    user: Option<(String, String)>,
}

/// A request's logged-in viewer: who, and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who is logged in.
    pub who: Who,
    /// The session's CSRF token.
    pub csrf: String,
}

/// Why a login failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong credentials (one message for every cause).
    Invalid,
    /// Too many failures from this address; retry after this long.
    Limited(Duration),
}

/// 32 random bytes as hex.
pub fn random_id() -> String {
    (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

/// The argon2id hash (PHC string) of a password, with a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    if password.len() < 8 {
        anyhow::bail!("the password must be at least 8 characters");
    }
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|error| anyhow::anyhow!("could not make a salt: {error}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("could not hash the password: {error}"))
}

/// Compares secrets in time independent of where they differ.
impl Sessions {
    /// Sessions with the configured expiry and optional user.
    pub fn new(config: &Config) -> Self {
        let user = match (&config.dashboard_user, &config.dashboard_password_hash) {
            (Some(user), Some(hash)) if !user.is_empty() && !hash.is_empty() => Some((user.clone(), hash.clone())),
            _ => None,
        };
        Self {
            sessions: Mutex::new(HashMap::new()),
            failures: FailureLimiter::new(LOGIN_FAILURES, LOGIN_WINDOW),
            idle: Duration::from_secs(config.dashboard_idle_minutes.max(1) * 60),
            lifetime: Duration::from_secs(config.dashboard_session_hours.max(1) * 3600),
            user,
        }
    }

    /// Sets the expiry (tests).
    pub fn with_expiry(mut self, idle: Duration, lifetime: Duration) -> Self {
        self.idle = idle;
        self.lifetime = lifetime;
        self
    }

    /// Whether a user name and password may log in.
    pub fn has_user(&self) -> bool {
        self.user.is_some()
    }

    /// Checks credentials: a token with the `private` scope (`secret`, no user), or the
    /// dashboard user and password. Returns the new session's id.
    pub fn login(
        &self,
        state: &AppState,
        user: Option<&str>,
        secret: &str,
        client: Option<IpAddr>,
    ) -> Result<String, LoginError> {
        let now = Instant::now();
        if let Some(wait) = client.and_then(|client| self.failures.limited(client, now)) {
            return Err(LoginError::Limited(wait));
        }
        let who = match user.map(str::trim).filter(|user| !user.is_empty()) {
            None => state
                .catalog
                .token(secret.trim())
                .filter(|token| token.scopes.contains(&Scope::Private))
                .map(|token| Who::Token {
                    hash: token.hash,
                    id: token.id,
                }),
            Some(user) => self.user.as_ref().and_then(|(name, hash)| {
                // Verify even for a wrong name, so the answer takes as long.
                let verified = PasswordHash::new(hash)
                    .map(|hash| Argon2::default().verify_password(secret.as_bytes(), &hash).is_ok())
                    .unwrap_or(false);
                (verified && same_secret(name, user)).then(|| Who::User(name.clone()))
            }),
        };
        let Some(who) = who else {
            if let Some(client) = client {
                self.failures.failed(client, now);
            }
            return Err(LoginError::Invalid);
        };
        Ok(self.open(who))
    }

    /// Opens a session for `who` and returns its id.
    pub fn open(&self, who: Who) -> String {
        let now = Instant::now();
        let id = random_id();
        let mut sessions = self.sessions.lock();
        if sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, session)| session.seen)
                .map(|(id, _)| id.clone())
            {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                who,
                csrf: random_id(),
                opened: now,
                seen: now,
            },
        );
        id
    }

    /// The viewer of session `id` if it is still valid (not expired, and `live` holds for who
    /// opened it); touches it.
    pub fn viewer(&self, id: &str, live: impl Fn(&Who) -> bool) -> Option<Viewer> {
        let now = Instant::now();
        let mut sessions = self.sessions.lock();
        let session = sessions.get_mut(id)?;
        let expired =
            now.duration_since(session.seen) > self.idle || now.duration_since(session.opened) > self.lifetime;
        if expired || !live(&session.who) {
            sessions.remove(id);
            return None;
        }
        session.seen = now;
        Some(Viewer {
            who: session.who.clone(),
            csrf: session.csrf.clone(),
        })
    }

    /// The viewer of session `id`, if valid: its token is not revoked, its user still set.
    pub fn viewer_of(&self, state: &AppState, id: &str) -> Option<Viewer> {
        self.viewer(id, |who| match who {
            Who::Token { hash, .. } => state.catalog.token_by_hash(hash).is_some(),
            Who::User(_) => self.user.is_some(),
        })
    }

    /// Ends session `id`.
    pub fn logout(&self, id: &str) {
        self.sessions.lock().remove(id);
    }

    /// How many sessions are open (tests, metrics).
    pub fn len(&self) -> usize {
        self.sessions.lock().len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether the request reached Cinder over https (directly, or through a proxy that says so).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| {
            proto
                .split(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("https")
        })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure over https. `max_age`
/// `Some(0)` deletes it; `None` makes it last for the browser session.
pub fn set_cookie(name: &str, value: &str, https: bool, max_age: Option<u64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if https {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&text).expect("cookie names and values are ASCII")
}

/// Where an unauthenticated request is sent: the login page, then back here.
fn to_login(parts: &Parts) -> Response {
    let back = parts
        .uri
        .path_and_query()
        .map(|path| path.as_str())
        .unwrap_or("/dashboard");
    let next: String = form_urlencoded(back);
    if parts.method == Method::GET {
        Redirect::to(&format!("/login?next={next}")).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "Your session has ended: log in again.").into_response()
    }
}

/// Percent-encodes a query value.
pub fn form_urlencoded(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|pair| pair.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        cookie(&parts.headers, COOKIE)
            .and_then(|id| state.sessions.viewer_of(state, id))
            .ok_or_else(|| to_login(parts))
    }
}

/// A form posted by a logged-in viewer, with its CSRF token checked: the `_csrf` field (or the
/// `x-csrf-token` header) must equal the session's, and an `Origin` header, when sent, must be
/// this server's.
pub struct CsrfForm<T> {
    /// Who posted it.
    pub viewer: Viewer,
    /// The form's fields.
    pub form: T,
}

/// Whether the request's `Origin` (if any) is the host it was sent to.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

fn refused(message: &str) -> Response {
    (StatusCode::FORBIDDEN, message.to_owned()).into_response()
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        if !same_origin(&parts.headers) {
            return Err(refused("Refused: the request came from another site."));
        }
        let body = axum::body::to_bytes(body, 1 << 20)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "The form is larger than 1 MiB.").into_response())?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|error| (StatusCode::BAD_REQUEST, format!("Malformed form: {error}")).into_response())?;
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                fields
                    .iter()
                    .find(|(key, _)| key == CSRF_FIELD)
                    .map(|(_, value)| value.clone())
            });
        if !sent.is_some_and(|sent| same_secret(&sent, &viewer.csrf)) {
            return Err(refused(
                "Refused: the form's security token is missing or stale. Reload the page and try again.",
            ));
        }
        let fields: Vec<(String, String)> = fields.into_iter().filter(|(key, _)| key != CSRF_FIELD).collect();
        let encoded = serde_urlencoded::to_string(&fields).unwrap_or_default();
        let form = serde_urlencoded::from_str(&encoded)
            .map_err(|error| (StatusCode::BAD_REQUEST, format!("Malformed form: {error}")).into_response())?;
        Ok(Self { viewer, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; cinder_session=abc; b=2"));
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn cookie_flags() {
        let plain = set_cookie(COOKIE, "x", false, None);
        assert_eq!(plain, "cinder_session=x; Path=/; HttpOnly; SameSite=Strict");
        let secure = set_cookie(COOKIE, "x", true, Some(0));
        assert_eq!(
            secure,
            "cinder_session=x; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0"
        );
    }

    #[test]
    fn https_is_taken_from_the_proxy_header() {
        let mut headers = HeaderMap::new();
        assert!(!is_https(&headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https, http"));
        assert!(is_https(&headers));
    }

    #[test]
    fn origin_must_be_this_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("logs.example:4000"));
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://logs.example:4000"));
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&headers));
    }

    #[test]
    fn passwords_hash_to_argon2id_and_verify() {
        let hash = hash_password("correct horse").expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        let parsed = PasswordHash::new(&hash).expect("parses");
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"wrong", &parsed).is_err());
        assert!(hash_password("short").is_err());
    }

    fn sessions(idle: Duration, lifetime: Duration) -> Sessions {
        Sessions::new(&Config::for_data_dir("unused".into())).with_expiry(idle, lifetime)
    }

    #[test]
    fn sessions_end_when_idle() {
        let sessions = sessions(Duration::from_millis(100), Duration::from_secs(60));
        let id = sessions.open(Who::User("me".into()));
        assert!(sessions.viewer(&id, |_| true).is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(sessions.viewer(&id, |_| true).is_some(), "a request keeps it alive");
        std::thread::sleep(Duration::from_millis(60));
        assert!(sessions.viewer(&id, |_| true).is_some());
        std::thread::sleep(Duration::from_millis(150));
        assert!(sessions.viewer(&id, |_| true).is_none(), "idle too long");
        assert!(sessions.is_empty(), "an ended session is forgotten");
    }

    #[test]
    fn sessions_end_at_their_lifetime_however_busy() {
        let sessions = sessions(Duration::from_secs(60), Duration::from_millis(150));
        let id = sessions.open(Who::User("me".into()));
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(40));
            assert!(sessions.viewer(&id, |_| true).is_some());
        }
        std::thread::sleep(Duration::from_millis(60));
        assert!(sessions.viewer(&id, |_| true).is_none());
    }

    #[test]
    fn sessions_end_when_their_token_is_revoked_or_on_logout() {
        let sessions = sessions(Duration::from_secs(60), Duration::from_secs(60));
        let who = Who::Token {
            hash: "h".into(),
            id: 1,
        };
        let id = sessions.open(who.clone());
        assert!(sessions.viewer(&id, |_| true).is_some());
        assert!(sessions.viewer(&id, |_| false).is_none(), "revoked");
        let id = sessions.open(who);
        let other = sessions.open(Who::User("me".into()));
        assert_ne!(id, other);
        assert_eq!(id.len(), 64, "256 random bits, hex");
        sessions.logout(&id);
        assert!(sessions.viewer(&id, |_| true).is_none());
        assert!(sessions.viewer(&other, |_| true).is_some());
        assert!(sessions.viewer("not-a-session", |_| true).is_none());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
