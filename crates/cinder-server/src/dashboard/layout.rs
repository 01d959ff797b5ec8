//! The page shell every dashboard page shares, and small pieces of markup used across pages.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use super::session::{Viewer, Who, CSRF_FIELD};

/// The navigation: (path, label).
const NAV: &[(&str, &str)] = &[
    ("/dashboard", "Sources"),
    ("/query", "Query"),
    ("/endpoints", "Endpoints"),
    ("/access-tokens", "Access tokens"),
    ("/backends", "Backends"),
    ("/rules", "Rules"),
    ("/teams", "Teams"),
    ("/account", "Account"),
];

/// A rendered page (HTML, never cached).
pub struct Page(pub StatusCode, pub Markup);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.0, self.1.into_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        response
    }
}

/// The whole document around a page's `body`. `section` is the nav entry to highlight.
pub fn page(viewer: &Viewer, title: &str, section: &str, body: Markup) -> Page {
    let who = match &viewer.who {
        Who::Token { id, .. } => format!("token #{id}"),
        Who::User(name) => name.clone(),
    };
    Page(
        StatusCode::OK,
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="csrf-token" content=(viewer.csrf);
                    title { (title) " · Cinder" }
                    link rel="stylesheet" href="/dashboard/assets/app.css";
                    link rel="icon" href="/dashboard/assets/favicon.svg" type="image/svg+xml";
                    script type="module" src="/dashboard/assets/app.js" {}
                }
                body {
                    header.top {
                        a.brand href="/dashboard" { span.logo { "◆" } " Cinder" }
                        nav {
                            @for (path, label) in NAV {
                                a href=(path) class=[(*path == section).then_some("active")] { (label) }
                            }
                        }
                        div.who {
                            span.muted { (who) }
                            form method="post" action="/logout" {
                                (csrf_field(viewer))
                                button.link type="submit" { "Log out" }
                            }
                        }
                    }
                    main { (body) }
                }
            }
        },
    )
}

/// A page outside a session (login, errors before login).
pub fn bare(status: StatusCode, title: &str, body: Markup) -> Page {
    Page(
        status,
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · Cinder" }
                    link rel="stylesheet" href="/dashboard/assets/app.css";
                    link rel="icon" href="/dashboard/assets/favicon.svg" type="image/svg+xml";
                }
                body.bare { (body) }
            }
        },
    )
}

/// The hidden field carrying the session's CSRF token.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(viewer.csrf); }
}

/// An error box naming the problem.
pub fn error_box(message: &str) -> Markup {
    html! { div.error role="alert" { strong { "Error: " } (message) } }
}

/// A notice (success) box.
pub fn notice_box(message: &str) -> Markup {
    html! { div.notice role="status" { (message) } }
}

/// A page heading with optional actions on the right.
pub fn heading(title: &str, actions: Markup) -> Markup {
    html! { div.heading { h1 { (title) } div.actions { (actions) } } }
}

/// A button that copies `text` to the clipboard (app.js).
pub fn copy_button(text: &str) -> Markup {
    html! { button.copy type="button" data-copy=(text) { "Copy" } }
}

/// Microseconds as `YYYY-MM-DD HH:MM:SS.mmm` UTC.
pub fn time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|time| time.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| micros.to_string())
}

/// How long ago `micros` was, roughly.
pub fn ago(micros: i64, now: i64) -> String {
    let seconds = (now - micros).max(0) / 1_000_000;
    match seconds {
        0..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// A whole number with thousands separators.
pub fn count(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A JSON value as indented text, for `<pre>`.
pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// An SVG sparkline of `values` (no styles: presentation attributes only, for the CSP).
pub fn sparkline(values: &[u64]) -> Markup {
    let (width, height) = (120.0, 24.0);
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if values.len() > 1 {
        width / (values.len() - 1) as f64
    } else {
        width
    };
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            format!(
                "{:.1},{:.1}",
                index as f64 * step,
                height - 1.0 - (*value as f64 / max) * (height - 2.0)
            )
        })
        .collect();
    html! {
        svg.sparkline width="120" height="24" viewBox="0 0 120 24" aria-hidden="true" {
            polyline fill="none" stroke="currentColor" stroke-width="1.5" points=(points.join(" ")) {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(10_000_000), "10,000,000");
    }

    #[test]
    fn markup_is_escaped() {
        let markup = error_box("<script>alert(1)</script>");
        assert!(!markup.into_string().contains("<script>"));
    }
}
