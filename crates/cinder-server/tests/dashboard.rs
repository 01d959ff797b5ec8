//! The dashboard, against the real `cinder` binary: HTTP-level checks of the session cookie,
//! CSRF, CSP, login limits and Server-Sent Events, and browser scenarios in a real headless
//! Chromium (Debian's `chromium` + `chromium-driver`) on the embedded, PostgreSQL and BigQuery
//! (emulator) backends. Screenshots of every page go to `target/dashboard-screenshots/`.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::webdriver::Browser;
use common::{temp_dir, test_postgres, Server, PRIVATE, PUBLIC};
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// Events the fixture sends to `app.web`: (minutes ago, level, status, path, message).
fn web_events() -> Vec<Value> {
    let now = chrono::Utc::now();
    (0..40)
        .map(|index| {
            let level = if index % 4 == 0 { "error" } else { "info" };
            let status = if level == "error" { 500 } else { 200 };
            let at = now - chrono::Duration::minutes(50 - index);
            json!({
                "message": format!("{} request {index} {level}", if index % 2 == 0 { "GET" } else { "POST" }),
                "timestamp": at.to_rfc3339(),
                "metadata": {"level": level, "status": status, "path": format!("/items/{}", index % 3)}
            })
        })
        .collect()
}

async fn ingest(server: &Server, source: &str, events: Vec<Value>) {
    let (status, body) = server
        .post(
            &format!("/api/logs?source_name={source}"),
            "application/json",
            serde_json::to_vec(&json!({ "batch": events })).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Two sources: `app.web` with 40 events over the last 50 minutes (10 errors), `app.worker`
/// with 5 events.
async fn fixture(server: &Server) {
    server.create_source("app.web").await;
    server.create_source("app.worker").await;
    ingest(server, "app.web", web_events()).await;
    let worker: Vec<Value> = (0..5)
        .map(|index| json!({"message": format!("job {index} done"), "metadata": {"queue": "default"}}))
        .collect();
    ingest(server, "app.worker", worker).await;
    assert_eq!(server.wait_for_count("app.web", 40).await, 40);
    assert_eq!(server.wait_for_count("app.worker", 5).await, 5);
}

/// A client that keeps cookies and does not follow redirects.
fn http() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Logs in over HTTP (as the browser's form does) and returns the session cookie.
async fn login(server: &Server, secret: &str) -> (StatusCode, Option<String>) {
    let client = http();
    let form = client.get(server.url("/login")).send().await.unwrap();
    let login_cookie = cookie_value(form.headers(), "cinder_login").expect("the login form sets its CSRF cookie");
    let response = client
        .post(server.url("/login"))
        .header("cookie", format!("cinder_login={login_cookie}"))
        .form(&[
            ("secret", secret),
            ("_csrf", login_cookie.as_str()),
            ("next", "/dashboard"),
        ])
        .send()
        .await
        .unwrap();
    (response.status(), cookie_value(response.headers(), "cinder_session"))
}

fn cookie_value(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            value
                .strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
        .filter(|value| !value.is_empty())
}

fn set_cookie_of(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{name}=")))
        .unwrap_or("")
        .to_owned()
}

/// The CSRF token a page carries.
async fn csrf_of(server: &Server, session: &str) -> String {
    let page = http()
        .get(server.url("/access-tokens"))
        .header("cookie", format!("cinder_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf-token\" content=\"";
    let start = page.find(marker).expect("the page carries its CSRF token") + marker.len();
    page[start..start + 64].to_owned()
}

#[tokio::test]
async fn sessions_cookies_csrf_and_headers() {
    let dir = temp_dir("dashboard-http");
    let server = Server::start(&dir).await;
    let client = http();

    // Without a session: to the login page, remembering where the user was going.
    let response = client.get(server.url("/dashboard")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login?next=%2Fdashboard");
    let csp = response.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    // Logflare's single-tenant login logs anyone in; Cinder's sends them to the login form.
    let response = client
        .get(server.url("/auth/login/single_tenant"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/login");

    // The public (ingest) token is not a dashboard login; wrong ones get one generic message.
    for secret in [PUBLIC, "nope", ""] {
        let (status, session) = login(&server, secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{secret}");
        assert!(session.is_none());
    }
    // A login form posted without its CSRF cookie is refused.
    let response = client
        .post(server.url("/login"))
        .form(&[("secret", PRIVATE), ("_csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // The private token logs in: a 256-bit id in an HttpOnly, SameSite=Strict cookie.
    let form = client.get(server.url("/login")).send().await.unwrap();
    let login_cookie = cookie_value(form.headers(), "cinder_login").unwrap();
    let response = client
        .post(server.url("/login"))
        .header("cookie", format!("cinder_login={login_cookie}"))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("secret", PRIVATE),
            ("_csrf", login_cookie.as_str()),
            ("next", "/query"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/query");
    let cookie = set_cookie_of(response.headers(), "cinder_session");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"),
        "{cookie}"
    );
    let (status, session) = login(&server, PRIVATE).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = session.expect("a session cookie");
    assert_eq!(session.len(), 64);
    let plain = client.get(server.url("/login")).send().await.unwrap();
    assert!(
        !set_cookie_of(plain.headers(), "cinder_login").contains("Secure"),
        "no Secure over plain http"
    );

    let with_session = |path: &str| {
        client
            .get(server.url(path))
            .header("cookie", format!("cinder_session={session}"))
    };
    let page = with_session("/dashboard").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style=\""),
        "no inline script or style"
    );
    // Hostile paths get a page that names the problem, never a crash.
    for path in [
        "/sources/%0D%0Ainjected",
        "/sources/nope/search",
        "/sources/nope/edit",
        "/endpoints/%0A",
    ] {
        let response = with_session(path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // A state-changing request without the CSRF token, or with a wrong one, is refused.
    let create = |csrf: Option<&str>| {
        let mut form = vec![("scopes", "ingest".to_owned()), ("description", "via form".to_owned())];
        if let Some(csrf) = csrf {
            form.push(("_csrf", csrf.to_owned()));
        }
        client
            .post(server.url("/access-tokens"))
            .header("cookie", format!("cinder_session={session}"))
            .form(&form)
    };
    assert_eq!(create(None).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        create(Some("0".repeat(64).as_str())).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let tokens_before = server.get_json("/api/access-tokens").await.as_array().unwrap().len();
    let csrf = csrf_of(&server, &session).await;
    // From another site, even with the token: refused.
    let foreign = create(Some(&csrf))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        server.get_json("/api/access-tokens").await.as_array().unwrap().len(),
        tokens_before
    );
    let created = create(Some(&csrf)).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    assert!(created.text().await.unwrap().contains("not shown again"));
    assert_eq!(
        server.get_json("/api/access-tokens").await.as_array().unwrap().len(),
        tokens_before + 1
    );

    // Logout ends the session.
    let response = client
        .post(server.url("/logout"))
        .header("cookie", format!("cinder_session={session}"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/login");
    assert!(set_cookie_of(response.headers(), "cinder_session").contains("Max-Age=0"));
    assert_eq!(
        with_session("/dashboard").send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    // A session opened with a token ends when the token is revoked.
    let made: Value = server
        .client
        .post(server.url("/api/access-tokens"))
        .bearer_auth(PRIVATE)
        .json(&json!({"scopes": "private"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = made["token"].as_str().unwrap();
    let (_, session) = login(&server, second).await;
    let session = session.unwrap();
    let get = || {
        client
            .get(server.url("/dashboard"))
            .header("cookie", format!("cinder_session={session}"))
    };
    assert_eq!(get().send().await.unwrap().status(), StatusCode::OK);
    let revoked = server
        .client
        .delete(server.url(&format!("/api/access-tokens/{second}")))
        .bearer_auth(PRIVATE)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(get().send().await.unwrap().status(), StatusCode::SEE_OTHER);

    // Ten failed logins from one address (three above), then even the right token waits.
    for _ in 0..7 {
        assert_eq!(login(&server, "wrong").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, session) = login(&server, PRIVATE).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(session.is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_user_and_password_log_in_and_the_dashboard_can_be_turned_off() {
    let hash = {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cinder"))
            .arg("hash-password")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"correct horse battery\n")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let dir = temp_dir("dashboard-user");
    let server = Server::start_with(
        &dir,
        &[
            ("CINDER_DASHBOARD_USER", "admin"),
            ("CINDER_DASHBOARD_PASSWORD_HASH", &hash),
        ],
    )
    .await;
    let client = http();
    let try_login = |user: &'static str, password: &'static str| {
        let client = client.clone();
        let server_url = server.url("/login");
        async move {
            let form = client.get(&server_url).send().await.unwrap();
            let csrf = cookie_value(form.headers(), "cinder_login").unwrap();
            let response = client
                .post(&server_url)
                .header("cookie", format!("cinder_login={csrf}"))
                .form(&[("user", user), ("secret", password), ("_csrf", csrf.as_str())])
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.text().await.unwrap())
        }
    };
    let (status, wrong_password) = try_login("admin", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, wrong_user) = try_login("root", "correct horse battery").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(wrong_password.contains("Those credentials are not valid."));
    assert!(
        wrong_user.contains("Those credentials are not valid."),
        "one message for every cause"
    );
    assert_eq!(
        try_login("admin", "correct horse battery").await.0,
        StatusCode::SEE_OTHER
    );
    drop(server);

    let dir = temp_dir("dashboard-off");
    let server = Server::start_with(&dir, &[("CINDER_DASHBOARD", "false")]).await;
    for path in ["/dashboard", "/login", "/query"] {
        let response = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The API is unaffected.
    assert!(server.get_json("/api/sources").await.is_array());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn live_tail_streams_matching_events_as_server_sent_events() {
    let dir = temp_dir("dashboard-sse");
    let server = Server::start(&dir).await;
    fixture(&server).await;
    let (_, session) = login(&server, PRIVATE).await;
    let session = session.unwrap();
    let sources = server.get_json("/api/sources").await;
    let token = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|source| source["name"] == "app.web")
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = |path: String| {
        http()
            .get(server.url(&path))
            .header("cookie", format!("cinder_session={session}"))
            .send()
    };

    // Export: the search's events as CSV (a header, then one line each) and NDJSON.
    let csv = get(format!(
        "/sources/{token}/export?format=csv&querystring=m.level%3Aerror"
    ))
    .await
    .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("app.web.csv"));
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 11, "{csv}");
    assert!(csv.lines().next().unwrap().contains("event_message"));
    let ndjson = get(format!("/sources/{token}/export?format=ndjson"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events: Vec<Value> = ndjson.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(events.len(), 40);
    // Each event has a permalink.
    let (id, at) = (
        events[0]["id"].as_str().unwrap(),
        events[0]["timestamp"].as_i64().unwrap(),
    );
    let page = get(format!("/sources/{token}/event?id={id}&t={at}")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(id));
    let missing = get(format!("/sources/{token}/event?id=nope")).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let mut response = http()
        .get(server.url(&format!("/sources/{token}/tail?querystring=m.level:error")))
        .header("cookie", format!("cinder_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let first = response.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b"event: ready\ndata: {}\n\n");
    ingest(
        &server,
        "app.web",
        vec![
            json!({"message": "not this one", "metadata": {"level": "info"}}),
            json!({"message": "tail me\nplease", "metadata": {"level": "error"}}),
        ],
    )
    .await;
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while !text.contains("\n\n") {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(remaining, response.chunk())
            .await
            .expect("the matching event arrives within 3 s")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let frame = text.split("\n\n").next().unwrap();
    let mut lines = frame.lines();
    assert_eq!(lines.next(), Some("event: log"));
    let data = lines.next().unwrap().strip_prefix("data: ").unwrap();
    let event: Value = serde_json::from_str(data).unwrap();
    assert_eq!(
        event["event_message"], "tail me\nplease",
        "the newline is escaped inside one data line"
    );
    assert_eq!(event["metadata"]["level"], "error");
    assert!(!text.contains("not this one"), "filtered on the server");
    std::fs::remove_dir_all(&dir).ok();
}

/// Where screenshots go: `$CARGO_TARGET_DIR/dashboard-screenshots/<backend>/`.
fn screenshots(backend: &str) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("dashboard-screenshots").join(backend)
}

/// Logs in through the login form, after checking the redirect and a wrong token.
async fn browser_login(browser: &Browser, server: &Server, shots: &std::path::Path) {
    browser.goto(&server.url("/dashboard")).await;
    assert!(
        browser.url().await.contains("/login?next="),
        "redirected to the login page"
    );
    browser.screenshot(&shots.join("login.png")).await;
    let secret = browser.find("#secret").await;
    browser.fill(&secret, "not-a-token").await;
    browser.click_and_wait(&browser.find("button.primary").await).await;
    browser
        .wait_for_text(".error", "Those credentials are not valid.", Duration::from_secs(5))
        .await;
    let secret = browser.find("#secret").await;
    browser.fill(&secret, PRIVATE).await;
    browser.click_and_wait(&browser.find("button.primary").await).await;
    browser.wait_for_text("h1", "Sources", Duration::from_secs(5)).await;
    assert!(browser.url().await.ends_with("/dashboard"));
}

/// The number in "N matching events".
async fn matching(browser: &Browser) -> u64 {
    let text = browser.text_of(".histogram-head strong").await;
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("a count, got {text}"))
}

async fn search_and_query(browser: &Browser, server: &Server, shots: &std::path::Path) {
    // The overview lists the sources with their counts.
    browser.goto(&server.url("/dashboard")).await;
    let web_row = browser.text_of("tr[data-source] td.name").await;
    assert!(web_row.contains("app.web"), "{web_row}");
    let counts = browser.execute(
        "return [...document.querySelectorAll('tr[data-source]')].map(row => [row.querySelector('td.name a').textContent, row.querySelector('[data-field=events]').textContent.trim()])",
        vec![],
    ).await;
    assert!(
        counts.as_array().unwrap().contains(&json!(["app.web", "40"])),
        "{counts}"
    );
    assert!(
        counts.as_array().unwrap().contains(&json!(["app.worker", "5"])),
        "{counts}"
    );
    browser.screenshot(&shots.join("overview.png")).await;

    // Search: everything, then only errors — the list and the histogram narrow.
    browser
        .click_and_wait(&browser.find("tr[data-source] td.name a").await)
        .await;
    browser.find("#querystring").await;
    assert_eq!(matching(browser).await, 40);
    assert_eq!(browser.find_all("ol.events li.event").await.len(), 40);
    let query = browser.find("#querystring").await;
    browser.fill(&query, "m.level:error").await;
    browser.click_and_wait(&browser.find("form.search button").await).await;
    browser
        .wait_for_text(".histogram-head strong", "10", Duration::from_secs(5))
        .await;
    assert_eq!(matching(browser).await, 10);
    assert_eq!(browser.find_all("ol.events li.event").await.len(), 10);
    let messages = browser
        .execute(
            "return [...document.querySelectorAll('ol.events .message')].map(m => m.textContent)",
            vec![],
        )
        .await;
    assert!(
        messages
            .as_array()
            .unwrap()
            .iter()
            .all(|message| message.as_str().unwrap().ends_with("error")),
        "{messages}"
    );
    browser.screenshot(&shots.join("search.png")).await;

    // An LQL error is shown, naming the problem.
    browser.fill(&browser.find("#querystring").await, "m.nope:1").await;
    browser.click_and_wait(&browser.find("form.search button").await).await;
    browser.wait_for_text(".error", "m", Duration::from_secs(5)).await;
    let error = browser.text_of(".error").await;
    assert!(error.contains("metadata.nope"), "{error}");

    // Clicking a histogram bar narrows the time range to it.
    browser.fill(&browser.find("#querystring").await, "").await;
    browser.click_and_wait(&browser.find("form.search button").await).await;
    browser
        .wait_for_text(".histogram-head strong", "40", Duration::from_secs(5))
        .await;
    let bar = browser.find("svg#histogram rect.bar").await;
    let in_bar: u64 = browser.attribute(&bar, "data-count").await.unwrap().parse().unwrap();
    browser.click_and_wait(&bar).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !browser.url().await.contains("t%3A") {
        assert!(Instant::now() < deadline, "the bar's link rewrote the t: range");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let narrowed = matching(browser).await;
    assert_eq!(narrowed, in_bar, "the range holds exactly the bar's events");
    assert!(narrowed < 40);
    let box_text = browser.property(&browser.find("#querystring").await, "value").await;
    assert!(box_text.as_str().unwrap().starts_with("t:"), "{box_text}");

    // A field's top values, and a click on one narrows the search.
    browser.fill(&browser.find("#querystring").await, "").await;
    browser.click_and_wait(&browser.find("form.search button").await).await;
    browser.find("aside.fields").await;
    let fields = browser.find_all("aside.fields li a").await;
    let mut level = None;
    for field in fields {
        if browser.text(&field).await == "metadata.level" {
            level = Some(field);
        }
    }
    browser.click_and_wait(&level.expect("metadata.level is listed")).await;
    let top = browser
        .wait_for_text(".top-values", "error", Duration::from_secs(5))
        .await;
    assert!(
        top.contains("info") && top.contains("30") && top.contains("10"),
        "{top}"
    );
    browser.screenshot(&shots.join("top-values.png")).await;
    browser
        .click_and_wait(&browser.find(".top-values a.include").await)
        .await;
    browser
        .wait_for_text(".histogram-head strong", "", Duration::from_secs(5))
        .await;
    let after = matching(browser).await;
    assert!(after == 30 || after == 10, "only the clicked value: {after}");

    // Dragging across the histogram zooms to the dragged range.
    browser.fill(&browser.find("#querystring").await, "").await;
    browser.click_and_wait(&browser.find("form.search button").await).await;
    let svg = browser.find("svg#histogram").await;
    browser.drag_across(&svg, 0.05, 0.95).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !browser.url().await.contains("t%3A") {
        assert!(Instant::now() < deadline, "dragging rewrote the t: range");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dragged = browser.property(&browser.find("#querystring").await, "value").await;
    assert!(dragged.as_str().unwrap().contains(".."), "{dragged}");

    // The query page: a table and the translated SQL.
    browser.goto(&server.url("/query")).await;
    let editor = browser.find("#sql").await;
    browser
        .fill(
            &editor,
            "SELECT metadata.level AS level, COUNT(*) AS n FROM `app.web` WHERE timestamp > '2000-01-01' GROUP BY level ORDER BY n DESC",
        )
        .await;
    browser
        .click_and_wait(&browser.find("form.query button.primary").await)
        .await;
    let table = browser
        .wait_for_text("table.result", "info", Duration::from_secs(10))
        .await;
    assert!(
        table.contains("30") && table.contains("error") && table.contains("10"),
        "{table}"
    );
    let translated = browser.text_of("details.translated pre").await;
    assert!(!translated.is_empty());
    browser.screenshot(&shots.join("query.png")).await;
}

/// Live tail, endpoints, tokens, CSRF and logout: the embedded backend's extra scenarios.
async fn manage(browser: &Browser, server: &Server, shots: &std::path::Path) {
    // An event ingested over HTTP shows in the live tail within 3 s.
    browser.goto(&server.url("/dashboard")).await;
    browser
        .click_and_wait(&browser.find("tr[data-source] td.name a").await)
        .await;
    browser.click(&browser.find("#tail-toggle").await).await;
    browser
        .wait_for_text("#tail-status", "listening", Duration::from_secs(5))
        .await;
    let sent = Instant::now();
    ingest(
        server,
        "app.web",
        vec![json!({"message": "fresh from the tail", "metadata": {"level": "warn"}})],
    )
    .await;
    browser
        .wait_for_text("#tail-events", "fresh from the tail", Duration::from_secs(3))
        .await;
    eprintln!(
        "live tail: shown {:?} after the ingest request was sent",
        sent.elapsed()
    );
    browser.screenshot(&shots.join("live-tail.png")).await;
    browser.click(&browser.find("#tail-toggle").await).await;

    // Settings of a source: schema tree and how to send events.
    browser.click_and_wait(&browser.find(".heading .actions a").await).await;
    browser.wait_for_text("main", "Schema", Duration::from_secs(5)).await;
    let page = browser.text_of("main").await;
    assert!(
        page.contains("metadata") && page.contains("level") && page.contains("curl"),
        "{page}"
    );
    browser.screenshot(&shots.join("source-settings.png")).await;

    // Create an endpoint with a parameter and run it.
    browser.goto(&server.url("/endpoints/new")).await;
    browser
        .fill(&browser.find("input[name=name]").await, "errors.by.path")
        .await;
    browser
        .fill(
            &browser.find("textarea[name=query]").await,
            "SELECT metadata.path AS path, COUNT(*) AS n FROM `app.web` WHERE metadata.level = @level AND timestamp > '2000-01-01' GROUP BY path ORDER BY path",
        )
        .await;
    browser
        .click_and_wait(&browser.find("form.endpoint button.primary").await)
        .await;
    let level = browser.find("input[name='p.level']").await;
    browser.fill(&level, "error").await;
    browser.click_and_wait(&browser.find("form.runner button").await).await;
    let result = browser
        .wait_for_text("table.result", "/items/", Duration::from_secs(10))
        .await;
    assert!(result.contains("/items/0") && result.contains("/items/2"), "{result}");
    let curl = browser.text_of(".row pre.code").await;
    assert!(
        curl.contains("/api/endpoints/query/") && curl.contains("level=error"),
        "{curl}"
    );
    assert_eq!(browser.text_of(".cache-status").await, "miss");
    browser.screenshot(&shots.join("endpoint.png")).await;
    browser.goto(&server.url("/endpoints")).await;
    assert!(browser.text_of("table.data").await.contains("errors.by.path"));
    browser.screenshot(&shots.join("endpoints.png")).await;

    // Create a token: shown once; then revoke it.
    browser.goto(&server.url("/access-tokens")).await;
    let rows_before = browser.find_all("tr[data-token-id]").await.len();
    browser
        .fill(&browser.find("input[name=description]").await, "browser test")
        .await;
    browser
        .click_and_wait(&browser.find("form.stacked button.primary").await)
        .await;
    let secret = browser.text_of("#new-token").await;
    assert_eq!(secret.len(), 64, "{secret}");
    browser.screenshot(&shots.join("access-tokens.png")).await;
    let (status, _) = server
        .post("/api/logs?source_name=app.worker", "application/json", b"{}".to_vec())
        .await;
    assert_eq!(status, StatusCode::OK);
    let ingest_with = |token: String| async move {
        reqwest::Client::new()
            .post(server.url("/api/logs?source_name=app.worker"))
            .header("x-api-key", token)
            .json(&json!({"message": "with the new token"}))
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(
        ingest_with(secret.clone()).await,
        StatusCode::OK,
        "the new ingest token works"
    );
    browser.goto(&server.url("/access-tokens")).await;
    assert!(!browser.source().await.contains(&secret), "the secret is shown once");
    assert_eq!(browser.find_all("tr[data-token-id]").await.len(), rows_before + 1);
    browser.execute("window.confirm = () => true", vec![]).await;
    let revoke = browser.find_all("tr[data-token-id] button.danger").await;
    browser.click_and_wait(revoke.last().unwrap()).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while browser.find_all("tr[data-token-id]").await.len() != rows_before {
        assert!(Instant::now() < deadline, "the token was revoked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        ingest_with(secret).await,
        StatusCode::UNAUTHORIZED,
        "a revoked token stops working"
    );

    // A POST without the CSRF token is refused, from the page itself.
    let status = browser
        .execute(
            "return fetch('/access-tokens', {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: 'scopes=private'}).then(r => r.status)",
            vec![],
        )
        .await;
    assert_eq!(status, json!(403));

    // Teams: create and rename through the forms; the API sees them.
    browser.goto(&server.url("/teams")).await;
    browser
        .fill(&browser.find("form.stacked input[name=name]").await, "ops")
        .await;
    browser
        .click_and_wait(&browser.find("form.stacked button.primary").await)
        .await;
    assert!(
        browser.source().await.contains("value=\"ops\""),
        "the new team is listed"
    );
    browser
        .fill(&browser.find("form.rename input[name=name]").await, "platform")
        .await;
    browser.click_and_wait(&browser.find("form.rename button").await).await;
    let teams = server.get_json("/api/teams").await;
    assert_eq!(teams[0]["name"], "platform", "{teams}");

    for (path, name) in [
        ("/backends", "backends"),
        ("/rules", "rules"),
        ("/teams", "teams"),
        ("/account", "account"),
    ] {
        browser.goto(&server.url(path)).await;
        browser.find("main h1").await;
        browser.screenshot(&shots.join(format!("{name}.png"))).await;
    }

    // Logout, and the dashboard is closed again.
    browser.click_and_wait(&browser.find("header .who button").await).await;
    browser.find("#secret").await;
    browser.goto(&server.url("/dashboard")).await;
    assert!(browser.url().await.contains("/login"));
}

#[tokio::test]
async fn the_dashboard_in_a_browser_on_the_embedded_backend() {
    let dir = temp_dir("dashboard-browser");
    let server = Server::start(&dir).await;
    fixture(&server).await;
    let browser = Browser::start().await;
    let shots = screenshots("embedded");
    browser_login(&browser, &server, &shots).await;
    search_and_query(&browser, &server, &shots).await;
    manage(&browser, &server, &shots).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn search_and_query_in_a_browser_on_postgres() {
    let (url, _) = test_postgres();
    let schema = format!("cinder_dashboard_{}", std::process::id());
    let dir = temp_dir("dashboard-browser-pg");
    let server = Server::start_with(
        &dir,
        &[
            ("POSTGRES_BACKEND_URL", url.as_str()),
            ("POSTGRES_BACKEND_SCHEMA", schema.as_str()),
        ],
    )
    .await;
    fixture(&server).await;
    let browser = Browser::start().await;
    let shots = screenshots("postgres");
    browser_login(&browser, &server, &shots).await;
    search_and_query(&browser, &server, &shots).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: scripts/test.sh starts it and sets CINDER_TEST_BIGQUERY_URL"]
async fn search_and_query_in_a_browser_on_bigquery() {
    let emulator = std::env::var("CINDER_TEST_BIGQUERY_URL")
        .expect("CINDER_TEST_BIGQUERY_URL is not set: run scripts/test.sh, which starts the BigQuery emulator");
    let append = format!("_dash_{}", std::process::id());
    let dir = temp_dir("dashboard-browser-bq");
    let server = Server::start_with(
        &dir,
        &[
            ("GOOGLE_PROJECT_ID", "cinder-test"),
            ("GOOGLE_DATASET_ID_APPEND", append.as_str()),
            ("CINDER_BIGQUERY_ENDPOINT", emulator.as_str()),
        ],
    )
    .await;
    fixture(&server).await;
    let browser = Browser::start().await;
    let shots = screenshots("bigquery");
    browser_login(&browser, &server, &shots).await;
    search_and_query(&browser, &server, &shots).await;
    std::fs::remove_dir_all(&dir).ok();
}
