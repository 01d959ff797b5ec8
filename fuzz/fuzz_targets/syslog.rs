//! Syslog from any bytes: as an HTTP body of lines (RFC 5424, RFC 3164, octet-counted or not),
//! and as a TCP stream cut at an arbitrary point (RFC 6587 framing), each message parsed.
#![no_main]

use cinder_decode::decode::{parse_syslog, parse_syslog_message};
use cinder_decode::framing::SyslogFramer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(events) = parse_syslog(data) {
        for event in events {
            serde_json::to_vec(&event).unwrap();
        }
    }
    let cut = data.first().map_or(0, |first| usize::from(*first).min(data.len()));
    let mut framer = SyslogFramer::default();
    let mut messages = Vec::new();
    for chunk in [&data[..cut], &data[cut..]] {
        match framer.push(chunk) {
            Ok(more) => messages.extend(more),
            Err(_) => return,
        }
    }
    messages.extend(framer.finish());
    for message in messages {
        if let Ok(text) = std::str::from_utf8(&message) {
            let _ = parse_syslog_message(text);
        }
    }
});
