//! What the load generators share: the events they send and how latencies are summarised.

use std::time::Duration;

use serde_json::{json, Value};

const PATHS: [&str; 8] = [
    "/rest/v1/todos",
    "/auth/v1/token",
    "/storage/v1/object/avatars/a.png",
    "/rest/v1/rpc/search",
    "/functions/v1/hello",
    "/realtime/v1/websocket",
    "/rest/v1/profiles",
    "/auth/v1/user",
];

/// One Supabase edge-log event (Kong access log through Vector), about 600 bytes.
pub fn event(index: usize) -> Value {
    let path = PATHS[index % PATHS.len()];
    let status = [200, 200, 200, 201, 204, 304, 404, 500][index % 8];
    let method = ["GET", "POST"][index % 2];
    json!({
        "appname": "supabase-kong",
        "event_message": format!("172.18.0.1 - - [01/Jun/2026:10:00:00 +0000] \"GET {path}?select=*&limit=10 HTTP/1.1\" {status} 245 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\""),
        "metadata": {
            "request": {
                "headers": {"cf_connecting_ip": "172.18.0.1", "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "x_client_info": "supabase-js/2.45.0"},
                "method": method,
                "path": format!("{path}?select=*&limit=10"),
                "protocol": "HTTP/1.1"
            },
            "response": {"status_code": status, "origin_time": (index % 97) as i64}
        },
        "project": "default",
        "timestamp": format!("2026-06-01T10:{:02}:{:02}.{:06}Z", (index / 60) % 60, index % 60, index % 1_000_000),
    })
}

/// The `p` quantile (0..=1) of latencies sorted ascending.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The command-line argument at `index` (after the program's name) as a number.
pub fn number_arg(args: &[String], index: usize) -> anyhow::Result<usize> {
    use anyhow::Context;
    args.get(index)
        .context("missing argument")?
        .parse()
        .context("not a number")
}
