//! Fitting events to a schema: new fields extend it, conflicting values move aside.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Column, ColumnKind, FieldType, Schema, SchemaError, MAX_FIELDS};
use crate::event::LogEvent;

/// What [`Schema::apply`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaOutcome {
    /// Dotted paths of the fields added, in the order they were added.
    pub added: Vec<String>,
    /// How many values conflicted with the schema's type and were moved to `<field>_<type>`
    /// (or, inside arrays, kept as they are).
    pub conflicts: u64,
}

impl Schema {
    /// Returns true when every event fits as it is: no new field, no conflicting value.
    pub fn fits(&self, events: &[LogEvent]) -> bool {
        events.iter().all(|event| fits(&self.fields, &event.body))
    }

    /// Fits a batch of events to the schema: all of them, or, on error, none (the schema is
    /// then left as it was, though events may have had keys renamed).
    ///
    /// The common case, where every event already fits, only reads the schema.
    pub fn apply(&mut self, events: &mut [LogEvent]) -> Result<SchemaOutcome, SchemaError> {
        let Some(first) = events.iter().position(|event| !fits(&self.fields, &event.body)) else {
            return Ok(SchemaOutcome::default());
        };
        let mut next = self.clone();
        let mut outcome = SchemaOutcome::default();
        for event in &mut events[first..] {
            if fits(&next.fields, &event.body) {
                continue;
            }
            let mut merge = Merge {
                columns: &mut next.columns,
                conflicts: &mut next.conflicts,
                outcome: &mut outcome,
            };
            merge.object(&mut next.fields, &mut event.body, "", Place::Columns);
        }
        if next.field_count() > MAX_FIELDS {
            let field = outcome.added.last().cloned().unwrap_or_default();
            return Err(SchemaError::TooManyFields {
                limit: MAX_FIELDS,
                field,
            });
        }
        if !outcome.added.is_empty() {
            next.version += 1;
        }
        *self = next;
        Ok(outcome)
    }
}

/// Whether the values at a path get storage columns: everywhere except inside arrays.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Columns,
    InsideArray,
}

fn value_type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(number) if number.is_i64() => "integer",
        Value::Number(_) => "float",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "record",
        Value::Array(_) => "array",
        Value::Null => "null",
    }
}

/// Whether a scalar `value` can be stored in a field of type `field`.
fn scalar_fits(field: &FieldType, value: &Value) -> bool {
    match (field, value) {
        (FieldType::String, Value::String(_)) | (FieldType::Boolean, Value::Bool(_)) => true,
        (FieldType::Integer, Value::Number(number)) => number.is_i64(),
        (FieldType::Float, Value::Number(_)) => true,
        _ => false,
    }
}

/// Read-only check: does the object need no change to the schema and no renamed key?
fn fits(fields: &BTreeMap<String, FieldType>, object: &Map<String, Value>) -> bool {
    object.iter().all(|(key, value)| match fields.get(key) {
        None => false,
        Some(field) => value_fits(field, value),
    })
}

fn value_fits(field: &FieldType, value: &Value) -> bool {
    match (field, value) {
        (FieldType::Record(inner), Value::Object(object)) => fits(inner, object),
        (FieldType::Array(element), Value::Array(items)) => items.iter().all(|item| match (element.as_ref(), item) {
            (FieldType::Record(inner), Value::Object(object)) => fits(inner, object),
            (FieldType::Array(_), Value::Array(_)) => value_fits(element, item),
            (element, item) => scalar_fits(element, item),
        }),
        (field, value) => scalar_fits(field, value),
    }
}

struct Merge<'a> {
    columns: &'a mut Vec<Column>,
    conflicts: &'a mut BTreeMap<String, u64>,
    outcome: &'a mut SchemaOutcome,
}

impl Merge<'_> {
    fn object(
        &mut self,
        fields: &mut BTreeMap<String, FieldType>,
        object: &mut Map<String, Value>,
        prefix: &str,
        place: Place,
    ) {
        let keys: Vec<String> = object.keys().cloned().collect();
        for key in keys {
            let mut target = key.clone();
            loop {
                let value = &object[&key];
                let path = join(prefix, &target);
                let taken_by_another_key = target != key && object.contains_key(&target);
                match fields.get(&target) {
                    _ if taken_by_another_key => {}
                    None => {
                        let value = object.get_mut(&key).expect("key listed above");
                        let field = self.new_field(value, &path, place);
                        fields.insert(target.clone(), field);
                        break;
                    }
                    Some(field) if compatible(field, value) => {
                        let field = fields.get_mut(&target).expect("just found");
                        let value = object.get_mut(&key).expect("key listed above");
                        self.descend(field, value, &path);
                        break;
                    }
                    Some(_) => {
                        *self.conflicts.entry(path).or_default() += 1;
                        self.outcome.conflicts += 1;
                    }
                }
                target = format!("{target}_{}", value_type_name(value));
            }
            if target != key {
                let value = object.remove(&key).expect("key listed above");
                object.insert(target, value);
            }
        }
    }

    /// Merges a value into a field of a compatible type.
    fn descend(&mut self, field: &mut FieldType, value: &mut Value, path: &str) {
        match (field, value) {
            (FieldType::Record(inner), Value::Object(object)) => self.object(inner, object, path, Place::Columns),
            (FieldType::Array(element), Value::Array(items)) => self.array_items(element, items, path),
            _ => {}
        }
    }

    fn array_items(&mut self, element: &mut FieldType, items: &mut [Value], path: &str) {
        for item in items {
            match (&mut *element, item) {
                (FieldType::Record(inner), Value::Object(object)) => {
                    self.object(inner, object, path, Place::InsideArray)
                }
                (FieldType::Array(nested), Value::Array(nested_items)) => self.array_items(nested, nested_items, path),
                (element, item) if scalar_fits(element, item) => {}
                _ => {
                    // A mixed array: the value is kept as it is (arrays are stored whole), and
                    // the conflict is recorded so the source reports it.
                    *self.conflicts.entry(path.to_owned()).or_default() += 1;
                    self.outcome.conflicts += 1;
                }
            }
        }
    }

    fn new_field(&mut self, value: &mut Value, path: &str, place: Place) -> FieldType {
        self.outcome.added.push(path.to_owned());
        let (field, kind) = match &*value {
            Value::Object(_) => (FieldType::Record(BTreeMap::new()), ColumnKind::Present),
            Value::Array(items) => {
                let element = match items.first() {
                    Some(Value::Object(_)) => FieldType::Record(BTreeMap::new()),
                    Some(Value::Array(_)) => FieldType::Array(Box::new(FieldType::String)),
                    Some(first) => scalar_type(first),
                    None => FieldType::String,
                };
                (FieldType::Array(Box::new(element)), ColumnKind::Json)
            }
            scalar => {
                let field = scalar_type(scalar);
                let kind = match field {
                    FieldType::Integer => ColumnKind::Integer,
                    FieldType::Float => ColumnKind::Float,
                    FieldType::Boolean => ColumnKind::Boolean,
                    _ => ColumnKind::String,
                };
                (field, kind)
            }
        };
        if place == Place::Columns {
            self.columns.push(Column {
                path: path.to_owned(),
                kind,
            });
        }
        let mut field = field;
        match (&mut field, value) {
            (FieldType::Record(inner), Value::Object(object)) => self.object(inner, object, path, place),
            (FieldType::Array(element), Value::Array(items)) => self.array_items(element, items, path),
            _ => {}
        }
        field
    }
}

fn scalar_type(value: &Value) -> FieldType {
    match value {
        Value::Bool(_) => FieldType::Boolean,
        Value::Number(number) if number.is_i64() => FieldType::Integer,
        Value::Number(_) => FieldType::Float,
        _ => FieldType::String,
    }
}

fn compatible(field: &FieldType, value: &Value) -> bool {
    match (field, value) {
        (FieldType::Record(_), Value::Object(_)) | (FieldType::Array(_), Value::Array(_)) => true,
        (field, value) => scalar_fits(field, value),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(body: Value) -> LogEvent {
        LogEvent {
            id: "1".into(),
            timestamp: 0,
            event_message: None,
            body: body.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn new_fields_extend_the_schema_and_columns() {
        let mut schema = Schema::new();
        let mut events = [event(
            json!({"metadata": {"status": 200, "path": "/a", "tags": ["x"], "ctx": [{"pid": 1}]}}),
        )];
        let outcome = schema.apply(&mut events).unwrap();
        assert_eq!(outcome.added.len(), 6, "{:?}", outcome.added);
        assert_eq!(schema.version(), 1);
        assert_eq!(schema.field("metadata.status"), Some(&FieldType::Integer));
        assert_eq!(schema.field("metadata.ctx.pid"), Some(&FieldType::Integer));
        let columns: Vec<_> = schema.columns().iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            columns[3..],
            [
                ("metadata", ColumnKind::Present),
                ("metadata.ctx", ColumnKind::Json),
                ("metadata.path", ColumnKind::String),
                ("metadata.status", ColumnKind::Integer),
                ("metadata.tags", ColumnKind::Json),
            ]
        );
        // A second identical event changes nothing.
        let outcome = schema.apply(&mut events).unwrap();
        assert_eq!(outcome, SchemaOutcome::default());
        assert_eq!(schema.version(), 1);
    }

    #[test]
    fn conflicting_values_move_to_a_typed_field() {
        let mut schema = Schema::new();
        schema
            .apply(&mut [event(json!({"metadata": {"status": 200}}))])
            .unwrap();
        let mut events = [
            event(json!({"metadata": {"status": "oops"}})),
            event(json!({"metadata": {"status": 1.5}})),
        ];
        let outcome = schema.apply(&mut events).unwrap();
        assert_eq!(outcome.conflicts, 2);
        assert_eq!(events[0].body["metadata"], json!({"status_string": "oops"}));
        assert_eq!(events[1].body["metadata"], json!({"status_float": 1.5}));
        assert_eq!(schema.field("metadata.status_string"), Some(&FieldType::String));
        assert_eq!(schema.conflicts()["metadata.status"], 2);
        // An integer where a float is expected fits.
        schema
            .apply(&mut [event(json!({"metadata": {"status_float": 2}}))])
            .unwrap();
        assert_eq!(schema.field("metadata.status_float"), Some(&FieldType::Float));
    }

    #[test]
    fn a_renamed_key_never_overwrites_an_existing_one() {
        let mut schema = Schema::new();
        schema.apply(&mut [event(json!({"a": 1}))]).unwrap();
        let mut events = [event(json!({"a": "text", "a_string": "already here"}))];
        schema.apply(&mut events).unwrap();
        assert_eq!(
            events[0].body,
            *json!({"a_string": "already here", "a_string_string": "text"})
                .as_object()
                .unwrap()
        );
    }

    #[test]
    fn too_many_fields_is_refused_and_leaves_the_schema_alone() {
        let mut schema = Schema::new();
        let wide: Map<String, Value> = (0..600).map(|i| (format!("f{i}"), json!(i))).collect();
        let before = schema.clone();
        let error = schema.apply(&mut [event(Value::Object(wide))]).unwrap_err();
        assert!(matches!(error, SchemaError::TooManyFields { limit: 500, .. }));
        assert_eq!(schema, before);
    }

    #[test]
    fn mixed_arrays_are_kept_and_counted() {
        let mut schema = Schema::new();
        let mut events = [event(json!({"xs": [1, "two"]}))];
        let outcome = schema.apply(&mut events).unwrap();
        assert_eq!(outcome.conflicts, 1);
        assert_eq!(events[0].body["xs"], json!([1, "two"]));
    }
}
