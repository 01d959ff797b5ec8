//! `/login` and `/logout`.

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;
use std::net::SocketAddr;

use super::layout::{bare, error_box, Page};
use super::session::{
    cookie, is_https, random_id, same_origin, set_cookie, CsrfForm, LoginError, COOKIE, CSRF_FIELD, LOGIN_COOKIE,
};
use crate::state::AppState;

/// The one message for every wrong credential.
const INVALID: &str = "Those credentials are not valid.";

#[derive(Deserialize, Default)]
pub struct Next {
    #[serde(default)]
    next: Option<String>,
}

/// Only a path on this server may be returned to after login.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.chars().all(|c| c.is_ascii_graphic()) =>
        {
            path
        }
        _ => "/dashboard",
    }
}

fn form_page(state: &AppState, https: bool, next: &str, error: Option<&str>, status: StatusCode) -> Response {
    let token = random_id();
    let user = state.sessions.has_user();
    let Page(_, markup) = bare(
        status,
        "Log in",
        html! {
            div.login {
                h1 { span.logo { "◆" } " Cinder" }
                p.muted { "Log in to manage sources, search logs and run queries." }
                @if let Some(error) = error { (error_box(error)) }
                form method="post" action="/login" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    input type="hidden" name="next" value=(next);
                    @if user {
                        label { "User" input type="text" name="user" autocomplete="username"; }
                        label { "Password or access token" input id="secret" type="password" name="secret" autocomplete="current-password" required autofocus; }
                        p.hint { "Leave the user empty to log in with an access token that has the " code { "private" } " scope." }
                    } @else {
                        label { "Access token" input id="secret" type="password" name="secret" autocomplete="current-password" required autofocus; }
                        p.hint { "An access token with the " code { "private" } " scope, such as " code { "LOGFLARE_PRIVATE_ACCESS_TOKEN" } "." }
                    }
                    button.primary type="submit" { "Log in" }
                }
            }
        },
    );
    let mut response = Page(status, markup).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &token, https, Some(3600)));
    response
}

/// `GET /login`
pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(next): Query<Next>) -> Response {
    let next = safe_next(next.next.as_deref()).to_owned();
    if cookie(&headers, COOKIE)
        .and_then(|id| state.sessions.viewer_of(&state, id))
        .is_some()
    {
        return Redirect::to(&next).into_response();
    }
    form_page(&state, is_https(&headers), &next, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /login`: opens a session, or shows the form again with one generic message.
pub async fn submit(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(credentials): Form<Credentials>,
) -> Response {
    let https = is_https(&headers);
    let next = safe_next(credentials.next.as_deref()).to_owned();
    // The login form's own CSRF check: the field must repeat the cookie set with the form.
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if !same_origin(&headers) || expected.is_empty() || expected != credentials.csrf {
        return form_page(
            &state,
            https,
            &next,
            Some("The login form expired. Please try again."),
            StatusCode::FORBIDDEN,
        );
    }
    let client = connect.map(|Extension(ConnectInfo(address))| address.ip());
    match state
        .sessions
        .login(&state, credentials.user.as_deref(), &credentials.secret, client)
    {
        Ok(id) => {
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            headers.append(header::SET_COOKIE, set_cookie(COOKIE, &id, https, None));
            headers.append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", https, Some(0)));
            response
        }
        Err(LoginError::Invalid) => form_page(&state, https, &next, Some(INVALID), StatusCode::UNAUTHORIZED),
        Err(LoginError::Limited(wait)) => form_page(
            &state,
            https,
            &next,
            Some(&format!(
                "Too many failed logins from your address. Try again in {} s.",
                wait.as_secs().max(1)
            )),
            StatusCode::TOO_MANY_REQUESTS,
        ),
    }
}

/// `POST /logout`
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let _ = form.viewer;
    if let Some(id) = cookie(&headers, COOKIE) {
        state.sessions.logout(id);
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(COOKIE, "", is_https(&headers), Some(0)));
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(safe_next(Some("/query?sql=1")), "/query?sql=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example/")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
        assert_eq!(
            safe_next(Some("/x\r\nSet-Cookie: a=b")),
            "/dashboard",
            "no header injection"
        );
        assert_eq!(safe_next(Some("/é")), "/dashboard");
    }
}
