//! Erlang's external term format (`application/bert` bodies) from any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = cinder_decode::bert::decode(data) {
        serde_json::to_vec(&value).unwrap();
    }
});
