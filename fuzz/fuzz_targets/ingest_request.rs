//! One ingest request, decoded exactly as the server's handler decodes it: the first bytes of
//! the input choose the route, the content type and the encoding; the rest is the body. With
//! the "compress it here" encodings the harness compresses the body itself, so that the fuzzer
//! reaches the decoders behind gzip and deflate too.
#![no_main]

use std::io::Write;

use cinder_decode::shapes::Shape;
use cinder_decode::{decode_request, Route};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

const ROUTES: [Route; 11] = [
    Route::Shape(Shape::Raw),
    Route::Shape(Shape::Json),
    Route::Shape(Shape::Vector),
    Route::Shape(Shape::Cloudflare),
    Route::Shape(Shape::Vercel),
    Route::Shape(Shape::CloudEvent),
    Route::Shape(Shape::Batch),
    Route::Shape(Shape::Typecasts),
    Route::Shape(Shape::Netlify),
    Route::Shape(Shape::GitHub),
    Route::Syslog,
];

const CONTENT_TYPES: [Option<&str>; 8] = [
    None,
    Some("application/json"),
    Some("application/x-ndjson"),
    Some("application/bert"),
    Some("text/plain"),
    Some("application/cloudevents+json; charset=utf-8"),
    Some("application/logplex-1"),
    Some("multipart/form-data"),
];

enum Encoding {
    /// The body as it is, with this `Content-Encoding` (if any).
    Header(Option<&'static str>),
    /// The body compressed here, sent with this `Content-Encoding`.
    Compressed(&'static str),
}

const ENCODINGS: [Encoding; 7] = [
    Encoding::Header(None),
    Encoding::Header(Some("gzip")),
    Encoding::Header(Some("deflate")),
    Encoding::Header(Some("br")),
    Encoding::Compressed("gzip"),
    Encoding::Compressed("deflate"),
    Encoding::Header(Some("identity")),
];

fn compress(encoding: &str, body: &[u8]) -> Vec<u8> {
    match encoding {
        "gzip" => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(body).unwrap();
            encoder.finish().unwrap()
        }
        _ => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(body).unwrap();
            encoder.finish().unwrap()
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [route, content_type, encoding, body @ ..] = data else {
        return;
    };
    let route = ROUTES[usize::from(*route) % ROUTES.len()];
    let mut headers = HeaderMap::new();
    if let Some(content_type) = CONTENT_TYPES[usize::from(*content_type) % CONTENT_TYPES.len()] {
        headers.insert("content-type", HeaderValue::from_static(content_type));
    }
    headers.insert("ce-id", HeaderValue::from_static("fuzz"));
    headers.insert("ce-type", HeaderValue::from_static("com.example.fuzz"));
    let compressed;
    let body = match &ENCODINGS[usize::from(*encoding) % ENCODINGS.len()] {
        Encoding::Header(name) => {
            if let Some(name) = name {
                headers.insert("content-encoding", HeaderValue::from_static(name));
            }
            body
        }
        Encoding::Compressed(name) => {
            headers.insert("content-encoding", HeaderValue::from_static(name));
            compressed = compress(name, body);
            &compressed
        }
    };
    // Any outcome but a panic (or a hang, or unbounded memory) is fine: errors become 4xx.
    if let Ok(decoded) = decode_request(route, &headers, body) {
        for event in &decoded.events {
            serde_json::to_vec(event).unwrap();
        }
    }
});
