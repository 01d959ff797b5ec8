//! `redact_pii`: IP addresses in result strings become `REDACTED`, as Logflare does.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Value;

const REDACTED: &str = "REDACTED";

/// Replaces every IPv4 and IPv6 address inside the strings of `value`, at any depth.
pub fn redact(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(redacted) = redact_text(text) {
                *text = redacted;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::Object(map) => map.values_mut().for_each(redact),
        _ => {}
    }
}

/// The text with its addresses replaced, or `None` when it has none.
fn redact_text(text: &str) -> Option<String> {
    let candidate = |c: char| c.is_ascii_hexdigit() || c == '.' || c == ':';
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(start) = rest.find(candidate) {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let end = run.find(|c: char| !candidate(c)).unwrap_or(run.len());
        let token = &run[..end];
        // Trailing punctuation (`1.2.3.4.` ending a sentence, `host:`) is not part of it.
        let trimmed = token.trim_end_matches(['.', ':']);
        if is_address(trimmed) || is_address(token) {
            let address = if is_address(token) { token } else { trimmed };
            out.push_str(REDACTED);
            out.push_str(&token[address.len()..]);
            changed = true;
        } else {
            out.push_str(token);
        }
        rest = &run[end..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

fn is_address(token: &str) -> bool {
    // `d::` in `std::io` is an IPv6 address too; real ones have two groups or are loopback.
    let groups = token.split(':').filter(|group| !group.is_empty()).count();
    (token.contains('.') && token.parse::<Ipv4Addr>().is_ok())
        || ((groups >= 2 || token == "::1") && token.parse::<Ipv6Addr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn addresses_are_redacted_at_any_depth() {
        let mut value = json!({
            "a": "client 10.0.0.12 said hi to 2001:db8::1.",
            "b": [{"c": "x-forwarded-for: 192.168.1.1, ::ffff:10.1.2.3"}],
            "d": 5,
        });
        redact(&mut value);
        assert_eq!(
            value,
            json!({
                "a": "client REDACTED said hi to REDACTED.",
                "b": [{"c": "x-forwarded-for: REDACTED, REDACTED"}],
                "d": 5,
            })
        );
    }

    #[test]
    fn other_numbers_are_left_alone() {
        for text in [
            "12:30:45",
            "2024-01-01T12:30:45.123Z",
            "v1.2.3",
            "deadbeef",
            "999.1.1.1",
            "std::io",
        ] {
            assert_eq!(redact_text(text), None, "{text}");
        }
    }
}
