//! Elasticsearch bulk bodies (NDJSON action and document lines) from any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(items) = cinder_decode::elastic::parse_bulk(data, Some("fuzz")) {
        for item in items {
            if let Ok(document) = item.document {
                serde_json::to_vec(&document).unwrap();
            }
        }
    }
});
