//! A small W3C WebDriver client over HTTP, driving Debian's headless Chromium through
//! `chromedriver` (both from `apt-get install chromium chromium-driver`). Only what the
//! dashboard's tests use: navigate, find, click, type, read, run a script, screenshot.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::Client;
use serde_json::{json, Value};

/// The key WebDriver names elements with.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: Client,
}

/// An element of the current page.
#[derive(Clone)]
pub struct Element(String);

impl Element {
    /// The element as a script argument.
    pub fn as_arg(&self) -> Value {
        json!({ ELEMENT: self.0 })
    }
}

fn find_program(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {name}"))
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    })
}

impl Browser {
    /// Starts chromedriver and a headless Chromium. Panics (the test fails, it is not skipped)
    /// when they are not installed: `scripts/test.sh` installs them.
    pub async fn start() -> Self {
        let driver_path = find_program(&["chromedriver"]).expect(
            "chromedriver is not installed: run `apt-get install -y chromium chromium-driver` (scripts/test.sh does)",
        );
        let chromium = find_program(&["chromium", "chromium-browser"]).expect(
            "chromium is not installed: run `apt-get install -y chromium chromium-driver` (scripts/test.sh does)",
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = client.get(format!("{base}/status")).send().await {
                if response.status().is_success() {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1440,1000", "--lang=en-US"]
            }
        }}});
        let response: Value = client
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("a JSON answer");
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {response}"))
            .to_owned();
        Self {
            driver,
            base,
            session,
            client,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("JSON");
        response["value"].clone()
    }

    async fn call_ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let value = self.call(method, path, body).await;
        if let Some(error) = value.get("error") {
            panic!("WebDriver {path}: {error}: {}", value["message"]);
        }
        value
    }

    /// Opens a URL and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.call_ok(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.call_ok(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The page's HTML.
    pub async fn source(&self) -> String {
        self.call_ok(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The first element matching a CSS selector, if any (now).
    pub async fn try_find(&self, css: &str) -> Option<Element> {
        let value = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        value
            .get(ELEMENT)
            .and_then(Value::as_str)
            .map(|id| Element(id.to_owned()))
    }

    /// Every element matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let value = self
            .call_ok(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        item.get(ELEMENT)
                            .and_then(Value::as_str)
                            .map(|id| Element(id.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first element matching a CSS selector, waiting up to 5 s for it.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(element) = self.try_find(css).await {
                return element;
            }
            if Instant::now() > deadline {
                panic!("no element `{css}` on {}", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks an element.
    pub async fn click(&self, element: &Element) {
        self.call_ok(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await;
    }

    /// Clicks an element that loads a new page, and waits until the new page has loaded.
    pub async fn click_and_wait(&self, element: &Element) {
        self.execute("document.documentElement.dataset.leaving = '1'", vec![])
            .await;
        self.click(element).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let loaded = self
                .execute(
                    "return document.readyState === 'complete' && !document.documentElement.dataset.leaving",
                    vec![],
                )
                .await;
            if loaded == json!(true) {
                return;
            }
            assert!(Instant::now() < deadline, "no new page loaded after the click");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// Replaces an input's text.
    pub async fn fill(&self, element: &Element, text: &str) {
        self.call_ok(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        )
        .await;
        self.call_ok(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// An element's visible text.
    pub async fn text(&self, element: &Element) -> String {
        self.call_ok(reqwest::Method::GET, &format!("/element/{}/text", element.0), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// An element's attribute (or property).
    pub async fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.call_ok(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// An element's property, such as an input's current `value`.
    pub async fn property(&self, element: &Element, name: &str) -> Value {
        self.call_ok(
            reqwest::Method::GET,
            &format!("/element/{}/property/{name}", element.0),
            None,
        )
        .await
    }

    /// The text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.text(&element).await
    }

    /// Runs a script in the page and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.call_ok(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Waits up to `timeout` for `css` to contain `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(element) = self.try_find(css).await {
                let found = self.text(&element).await;
                if found.contains(text) {
                    return found;
                }
                if Instant::now() > deadline {
                    panic!("`{css}` did not show `{text}` within {timeout:?}; it shows: {found}");
                }
            } else if Instant::now() > deadline {
                panic!("no `{css}` within {timeout:?} on {}", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let data = self.call_ok(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or(""))
            .expect("a base64 PNG");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// Drags the pointer across an element, from `from` to `to` (fractions of its width).
    pub async fn drag_across(&self, element: &Element, from: f64, to: f64) {
        let size = self
            .call_ok(reqwest::Method::GET, &format!("/element/{}/rect", element.0), None)
            .await;
        let width = size["width"].as_f64().unwrap_or(100.0);
        let x = |fraction: f64| ((fraction - 0.5) * width) as i64;
        let origin = json!({ ELEMENT: element.0 });
        let actions = json!({"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [
                {"type": "pointerMove", "duration": 0, "origin": origin, "x": x(from), "y": 0},
                {"type": "pointerDown", "button": 0},
                {"type": "pointerMove", "duration": 100, "origin": origin, "x": x(to), "y": 0},
                {"type": "pointerUp", "button": 0}
            ]
        }]});
        self.call_ok(reqwest::Method::POST, "/actions", Some(actions)).await;
    }
}

impl Drop for Browser {
    /// Ends the session first, so that chromedriver quits its Chromium (killing chromedriver
    /// alone would leave Chromium running), then stops chromedriver.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://").to_owned();
        if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
