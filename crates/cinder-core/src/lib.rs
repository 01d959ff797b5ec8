//! Cinder's domain: log events, their normalisation, sources and schema inference.
//!
//! This crate does no I/O and has no async code: it turns raw JSON into [`LogEvent`]s and
//! keeps each source's [`Schema`] up to date. Storage, SQL and HTTP live in the other crates.
#![warn(missing_docs)]

pub mod event;
pub mod normalize;
pub mod schema;
pub mod source;

pub use event::LogEvent;
pub use normalize::{normalize, parse_timestamp, sanitize_key, NormalizeOptions};
pub use schema::{Column, ColumnKind, FieldType, Schema, SchemaError, SchemaOutcome, ROOT_COLUMN};
pub use source::{table_name, Source, SourceName};
