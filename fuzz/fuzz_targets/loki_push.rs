//! Loki push bodies from any bytes: the first byte picks JSON, snappy-compressed protobuf
//! (as sent), or protobuf that the harness compresses itself so that the decoder behind snappy
//! is reached; then the labels of a stream in Prometheus' text form.
#![no_main]

use cinder_decode::loki::{parse_labels, parse_push};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, body)) = data.split_first() else {
        return;
    };
    let compressed;
    let (body, content_type) = match mode % 3 {
        0 => (body, "application/json"),
        1 => (body, "application/x-protobuf"),
        _ => {
            compressed = snap::raw::Encoder::new().compress_vec(body).unwrap();
            (compressed.as_slice(), "application/x-protobuf")
        }
    };
    if let Ok(events) = parse_push(body, Some(content_type)) {
        for event in events {
            serde_json::to_vec(&event).unwrap();
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = parse_labels(text);
    }
});
