//! OTLP exports from any bytes: the first byte picks logs or traces, protobuf or JSON; every
//! event decoded serialises.
#![no_main]

use cinder_otlp::{decode_logs, decode_traces, Encoding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, body)) = data.split_first() else {
        return;
    };
    let encoding = if mode & 1 == 0 { Encoding::Protobuf } else { Encoding::Json };
    let decoded = if mode & 2 == 0 {
        decode_logs(body, encoding)
    } else {
        decode_traces(body, encoding)
    };
    if let Ok(records) = decoded {
        for record in records {
            serde_json::to_vec(&record.event).unwrap();
        }
    }
});
