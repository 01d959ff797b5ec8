//! Bytes from the network to raw events: request bodies (compression, size limits, JSON,
//! NDJSON, syslog lines), Erlang's BERT terms and each ingest route's body shape. No I/O and
//! no server types, so that the decoders are fuzzed on their own (`fuzz/`).

pub mod bert;
pub mod decode;
pub mod elastic;
pub mod framing;
pub mod loki;
pub mod request;
pub mod shapes;

pub use request::{decode_request, header_text, BodySource, Decoded, Route};
