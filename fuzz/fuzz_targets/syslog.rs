//! Syslog lines (RFC 5424, RFC 3164, octet-counted or not) from any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(events) = cinder_decode::decode::parse_syslog(data) {
        for event in events {
            serde_json::to_vec(&event).unwrap();
        }
    }
});
