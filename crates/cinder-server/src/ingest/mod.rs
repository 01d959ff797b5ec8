//! Ingest: decoding bodies, the route shapes, normalisation and the durable pipeline.

mod accept;
pub mod bert;
pub mod decode;
pub mod pipeline;
pub mod shapes;

pub use accept::accept;
