//! Ingest: decoding bodies, the route shapes, normalisation and the durable pipeline.

pub mod bert;
pub mod decode;
pub mod pipeline;
pub mod shapes;
