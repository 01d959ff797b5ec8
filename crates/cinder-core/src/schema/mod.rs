//! A source's schema: BigQuery-shaped field types, inferred from events and only ever grown.
//!
//! Every event is checked against its source's schema before it is stored ([`Schema::apply`]).
//! A new field extends the schema. A value whose type conflicts with the schema is never
//! dropped: it moves to `<field>_<type>` (`status` → `status_string`), the schema records
//! the conflict, and the caller counts it. Types never change once recorded, so a storage
//! column, once created, keeps its type forever.
//!
//! Besides the tree of fields the schema keeps a flat, append-only list of [`Column`]s: one
//! per scalar leaf, object and array that is not inside an array. Backends create one typed
//! column for each, in this order, and add the new ones as the list grows.

mod infer;
mod render;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use infer::SchemaOutcome;

/// The column that holds each whole event as JSON, beside the typed columns, in backends
/// that keep one column per path (the embedded one). No sanitised key can take this name:
/// `__ROOT__` is a reserved prefix, so a user key `__ROOT__` becomes `___ROOT__`.
pub const ROOT_COLUMN: &str = "__ROOT__";

/// The most fields (objects and leaves, at any depth) one source may have.
pub const MAX_FIELDS: usize = 500;

/// A field's type, as BigQuery sees it, except that objects and arrays of objects stay
/// distinct: BigQuery stores both as a REPEATED RECORD, but the SQL translator must know
/// whether `UNNEST` yields one row or many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "of", rename_all = "snake_case")]
pub enum FieldType {
    /// UTF-8 text.
    String,
    /// A 64-bit signed integer.
    Integer,
    /// A 64-bit float. Integers are accepted where a float is expected.
    Float,
    /// `true` or `false`.
    Boolean,
    /// Microseconds since the epoch (only the reserved top-level `timestamp`).
    Timestamp,
    /// A JSON object, with its fields.
    Record(BTreeMap<String, FieldType>),
    /// A JSON array, with the type of its elements (of the first element, or the merge of
    /// all elements for objects).
    Array(Box<FieldType>),
}

impl FieldType {
    /// Returns the lowercase name used in conflict suffixes and the `dot` schema variant.
    pub fn name(&self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Boolean => "boolean",
            Self::Timestamp => "datetime",
            Self::Record(_) => "record",
            Self::Array(_) => "array",
        }
    }

    /// Returns BigQuery's name for the type (`RECORD` for objects and arrays of objects).
    pub fn bigquery_name(&self) -> &'static str {
        match self {
            Self::String => "STRING",
            Self::Integer => "INTEGER",
            Self::Float => "FLOAT",
            Self::Boolean => "BOOL",
            Self::Timestamp => "TIMESTAMP",
            Self::Record(_) => "RECORD",
            Self::Array(element) => element.bigquery_name(),
        }
    }
}

/// How a column stores its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Text.
    String,
    /// 64-bit integer.
    Integer,
    /// 64-bit float.
    Float,
    /// Boolean.
    Boolean,
    /// Timestamp with microsecond precision.
    Timestamp,
    /// `true` where the event has this object; NULL where it does not. Lets a backend answer
    /// `CROSS JOIN UNNEST(metadata)` without parsing JSON.
    Present,
    /// The JSON text of an array.
    Json,
}

/// One storage column: a path of the schema that is not inside an array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Dotted path from the event's top level: `metadata.request.path`.
    pub path: String,
    /// How its values are stored.
    pub kind: ColumnKind,
}

/// Why an event could not be fitted to its source's schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The event would take the source past [`MAX_FIELDS`].
    #[error("the source would have more than {limit} fields (new field `{field}`); drop or nest fewer keys")]
    TooManyFields {
        /// The limit.
        limit: usize,
        /// The first field past it.
        field: String,
    },
}

/// The schema of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    fields: BTreeMap<String, FieldType>,
    columns: Vec<Column>,
    /// Paths where a value arrived with a type other than the schema's, with the count.
    conflicts: BTreeMap<String, u64>,
    /// Grows by one on every change, so a backend can tell which columns it lacks.
    version: u64,
}

impl Default for Schema {
    fn default() -> Self {
        Self::new()
    }
}

impl Schema {
    /// Returns the initial schema: `id`, `timestamp` and `event_message`.
    pub fn new() -> Self {
        let mut fields = BTreeMap::new();
        fields.insert("id".to_owned(), FieldType::String);
        fields.insert("timestamp".to_owned(), FieldType::Timestamp);
        fields.insert("event_message".to_owned(), FieldType::String);
        let columns = vec![
            Column {
                path: "id".into(),
                kind: ColumnKind::String,
            },
            Column {
                path: "timestamp".into(),
                kind: ColumnKind::Timestamp,
            },
            Column {
                path: "event_message".into(),
                kind: ColumnKind::String,
            },
        ];
        Self {
            fields,
            columns,
            conflicts: BTreeMap::new(),
            version: 0,
        }
    }

    /// Returns the top-level fields.
    pub fn fields(&self) -> &BTreeMap<String, FieldType> {
        &self.fields
    }

    /// Returns the storage columns in creation order. The first three are always `id`,
    /// `timestamp` and `event_message`.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Returns the type at a dotted path, looking through objects and arrays of objects.
    pub fn field(&self, path: &str) -> Option<&FieldType> {
        let mut parts = path.split('.');
        let mut current = self.fields.get(parts.next()?)?;
        for part in parts {
            let record = match current {
                FieldType::Record(fields) => fields,
                FieldType::Array(element) => match element.as_ref() {
                    FieldType::Record(fields) => fields,
                    _ => return None,
                },
                _ => return None,
            };
            current = record.get(part)?;
        }
        Some(current)
    }

    /// Returns the paths that saw conflicting types, with how many values conflicted.
    pub fn conflicts(&self) -> &BTreeMap<String, u64> {
        &self.conflicts
    }

    /// Returns the version, which grows by one on every change.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Returns how many fields (objects and leaves, at any depth) the schema has.
    pub fn field_count(&self) -> usize {
        fn count(fields: &BTreeMap<String, FieldType>) -> usize {
            fields
                .values()
                .map(|field| {
                    1 + match field {
                        FieldType::Record(inner) => count(inner),
                        FieldType::Array(element) => match element.as_ref() {
                            FieldType::Record(inner) => count(inner),
                            _ => 0,
                        },
                        _ => 0,
                    }
                })
                .sum()
        }
        count(&self.fields)
    }
}
