//! Sending an alert's rows: to its webhook as `{"result": rows}`, to Slack as an
//! incoming-webhook message with a short table, to webhook drains like its webhook.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::model::Delivery;

/// Attempts per notification; the waits between them double from half a second.
const ATTEMPTS: u32 = 3;
/// Rows shown in a Slack message; the rest are counted.
const SLACK_ROWS: usize = 10;
/// Columns shown in a Slack message.
const SLACK_COLUMNS: usize = 6;
/// Characters of one cell in a Slack message.
const SLACK_CELL: usize = 40;

/// A notification: where it goes and what it says.
pub struct Notification {
    /// `webhook`, `slack`, `backend:<name>`.
    pub target: String,
    /// The receiver.
    pub url: String,
    /// Extra request headers (a webhook drain's).
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Value,
}

/// The body a webhook gets: Logflare's.
pub fn webhook_body(rows: &[Map<String, Value>]) -> Value {
    json!({ "result": rows })
}

/// A Slack incoming-webhook message: the alert's name and row count, then the first rows as
/// a fixed-width table. `link` is where the alert is managed, when Cinder knows its own URL.
pub fn slack_body(name: &str, rows: &[Map<String, Value>], link: Option<&str>) -> Value {
    let count = match rows.len() {
        1 => "1 row".to_owned(),
        n => format!("{n} rows"),
    };
    let headline = format!("🔊 *{}*, {count}", escape(name));
    let mut header = json!({"type": "section", "text": {"type": "mrkdwn", "text": headline}});
    if let Some(link) = link {
        header["accessory"] = json!({
            "type": "button", "text": {"type": "plain_text", "text": "Manage"}, "url": link,
        });
    }
    let mut blocks = vec![header];
    if !rows.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("```\n{}\n```", table(rows))},
        }));
    }
    json!({ "text": format!("{name}: {count}"), "blocks": blocks })
}

/// Escapes the characters Slack's mrkdwn gives a meaning to.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The first rows as a table of aligned columns.
fn table(rows: &[Map<String, Value>]) -> String {
    let columns: Vec<&String> = rows[0].keys().take(SLACK_COLUMNS).collect();
    let cell = |value: Option<&Value>| -> String {
        let text = match value {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        };
        let text: String = text.replace(['\n', '\r', '`'], " ");
        match text.char_indices().nth(SLACK_CELL) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text,
        }
    };
    let mut grid: Vec<Vec<String>> = vec![columns.iter().map(|name| cell(Some(&json!(name)))).collect()];
    for row in rows.iter().take(SLACK_ROWS) {
        grid.push(columns.iter().map(|name| cell(row.get(*name))).collect());
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|index| grid.iter().map(|line| line[index].chars().count()).max().unwrap_or(0))
        .collect();
    let mut lines: Vec<String> = grid
        .iter()
        .map(|line| {
            line.iter()
                .zip(&widths)
                .map(|(text, width)| format!("{text:<width$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect();
    if rows.len() > SLACK_ROWS {
        lines.push(format!("… and {} more", rows.len() - SLACK_ROWS));
    }
    escape(&lines.join("\n"))
}

/// Sends one notification, retrying connection failures and 5xx/429 answers.
pub async fn send(client: &reqwest::Client, notification: &Notification) -> Delivery {
    let mut wait = Duration::from_millis(500);
    let mut last = Delivery {
        target: notification.target.clone(),
        ok: false,
        status: None,
        error: None,
    };
    for attempt in 1..=ATTEMPTS {
        let mut request = client.post(&notification.url).json(&notification.body);
        for (name, value) in &notification.headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                last.ok = true;
                last.status = Some(response.status().as_u16());
                last.error = None;
                return last;
            }
            Ok(response) => {
                let status = response.status();
                last.status = Some(status.as_u16());
                let body = response.text().await.unwrap_or_default();
                let body: String = body.chars().take(200).collect();
                last.error = Some(format!("the receiver answered {status}: {body}"));
                if !(status.is_server_error() || status.as_u16() == 429) {
                    return last;
                }
            }
            // The URL is a secret: never in the error.
            Err(error) => last.error = Some(format!("{:#}", error.without_url())),
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(count: usize) -> Vec<Map<String, Value>> {
        (0..count)
            .map(|index| {
                json!({"path": format!("/rest/v1/t{index}"), "n": index, "note": "a <b> & `c`\nd"})
                    .as_object()
                    .unwrap()
                    .clone()
            })
            .collect()
    }

    #[test]
    fn slack_messages_carry_a_short_escaped_table() {
        let body = slack_body("5xx <spike>", &rows(12), Some("http://cinder/alerts"));
        assert_eq!(body["text"], "5xx <spike>: 12 rows");
        assert_eq!(body["blocks"][0]["text"]["text"], "🔊 *5xx &lt;spike&gt;*, 12 rows");
        assert_eq!(body["blocks"][0]["accessory"]["url"], "http://cinder/alerts");
        let table = body["blocks"][1]["text"]["text"].as_str().unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "```");
        assert_eq!(lines[1].split_whitespace().collect::<Vec<_>>(), ["n", "note", "path"]);
        assert!(
            lines[2].starts_with("0  a &lt;b&gt; &amp;  c  d  /rest/v1/t0"),
            "{}",
            lines[2]
        );
        assert_eq!(lines.len(), 1 + 1 + SLACK_ROWS + 1 + 1, "{table}");
        assert_eq!(lines[lines.len() - 2], "… and 2 more");
    }

    #[test]
    fn one_row_is_said_so_and_nothing_is_a_table_of_nothing() {
        assert_eq!(slack_body("a", &rows(1), None)["text"], "a: 1 row");
        let empty = slack_body("a", &[], None);
        assert_eq!(empty["blocks"].as_array().unwrap().len(), 1);
        assert!(empty["blocks"][0].get("accessory").is_none());
    }

    #[test]
    fn webhooks_get_logflares_body() {
        assert_eq!(
            webhook_body(&rows(1)),
            json!({"result": [{"path": "/rest/v1/t0", "n": 0, "note": "a <b> & `c`\nd"}]})
        );
    }
}
