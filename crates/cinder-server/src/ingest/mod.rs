//! Ingest: decoding bodies, the route shapes, normalisation and the durable pipeline.

mod accept;
pub mod bulk;
pub mod pipeline;
pub mod shipped;

pub use cinder_decode::{bert, decode, shapes};

pub use accept::{accept, admit};
