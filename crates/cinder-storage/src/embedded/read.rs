//! Running a translated query and encoding its rows as Logflare does.

use duckdb::core::LogicalTypeId;
use duckdb::types::{FromSql, TimeUnit, ValueRef};
use duckdb::{Connection, Statement};
use serde_json::{Map, Number, Value};

use crate::{encode_json_value, Rows, StorageError, MAX_RESULT_ROWS};

/// How a result column's values become JSON.
#[derive(Clone, Copy)]
enum Encoding {
    Plain,
    /// JSON text (objects and arrays read from events): parsed, then shaped as BigQuery
    /// returns REPEATED RECORDs.
    Json,
    /// An array the query built: a NULL one answers `[]`, as BigQuery answers a NULL ARRAY.
    Array,
}

/// DuckDB's JSON type is VARCHAR with the alias `JSON`, which only the logical type keeps.
fn encoding(statement: &Statement<'_>, index: usize) -> Encoding {
    let logical = statement.column_logical_type(index);
    if matches!(logical.id(), LogicalTypeId::List | LogicalTypeId::Array) {
        return Encoding::Array;
    }
    match logical.get_alias() {
        Some(alias) if alias.eq_ignore_ascii_case("json") => Encoding::Json,
        _ => Encoding::Plain,
    }
}

pub(crate) fn run(connection: &Connection, sql: &str, params: &[Option<String>]) -> Result<Rows, StorageError> {
    let mut statement = connection.prepare(sql).map_err(query_error)?;
    for (index, value) in params.iter().enumerate() {
        statement
            .raw_bind_parameter(index + 1, value.as_deref())
            .map_err(query_error)?;
    }
    statement.raw_execute().map_err(query_error)?;
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    let mut columns: Option<(Vec<String>, Vec<Encoding>)> = None;
    while let Some(row) = rows.next().map_err(query_error)? {
        let (names, encodings) = columns.get_or_insert_with(|| {
            let statement = row.as_ref();
            let encodings = (0..statement.column_count())
                .map(|index| encoding(statement, index))
                .collect();
            (statement.column_names(), encodings)
        });
        if out.len() == MAX_RESULT_ROWS {
            return Err(StorageError::Query(format!(
                "the result has more than {MAX_RESULT_ROWS} rows: add a LIMIT or aggregate"
            )));
        }
        let mut object = Map::new();
        for (index, name) in names.iter().enumerate() {
            let value = row.get_ref(index).map_err(query_error)?;
            object.insert(name.clone(), to_json(value, encodings[index]));
        }
        out.push(object);
    }
    let columns = columns.map(|(names, _)| names).unwrap_or_default();
    Ok(Rows { columns, rows: out })
}

fn query_error(error: duckdb::Error) -> StorageError {
    StorageError::Query(error.to_string())
}

fn to_json(value: ValueRef<'_>, encoding: Encoding) -> Value {
    match value {
        ValueRef::Null if matches!(encoding, Encoding::Array) => Value::Array(Vec::new()),
        ValueRef::Null => Value::Null,
        ValueRef::Boolean(flag) => Value::Bool(flag),
        ValueRef::TinyInt(v) => Value::from(v),
        ValueRef::SmallInt(v) => Value::from(v),
        ValueRef::Int(v) => Value::from(v),
        ValueRef::BigInt(v) => Value::from(v),
        ValueRef::HugeInt(v) => i64::try_from(v).map_or_else(|_| Value::String(v.to_string()), Value::from),
        ValueRef::UTinyInt(v) => Value::from(v),
        ValueRef::USmallInt(v) => Value::from(v),
        ValueRef::UInt(v) => Value::from(v),
        ValueRef::UBigInt(v) => Value::from(v),
        ValueRef::UHugeInt(v) => u64::try_from(v).map_or_else(|_| Value::String(v.to_string()), Value::from),
        ValueRef::Float(v) => float(f64::from(v)),
        ValueRef::Double(v) => float(v),
        decimal @ ValueRef::Decimal(_) => f64::column_result(decimal).map_or(Value::Null, float),
        ValueRef::Timestamp(unit, v) => Value::from(micros(unit, v)),
        ValueRef::Date32(days) => chrono::DateTime::from_timestamp(i64::from(days) * 86_400, 0)
            .map_or(Value::Null, |date| Value::String(date.format("%Y-%m-%d").to_string())),
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            match encoding {
                Encoding::Json => {
                    serde_json::from_str(&text).map_or(Value::String(text.into_owned()), encode_json_value)
                }
                Encoding::Plain | Encoding::Array => Value::String(text.into_owned()),
            }
        }
        list @ (ValueRef::List(..) | ValueRef::Array(..) | ValueRef::Struct(..)) => owned_to_json(&list.to_owned()),
        other => Value::String(format!("{other:?}")),
    }
}

/// An array or struct the query built (`SPLIT`, `ARRAY_AGG`, `[1, 2]`): a JSON array or object
/// of its values, as BigQuery answers them.
fn owned_to_json(value: &duckdb::types::Value) -> Value {
    use duckdb::types::Value as Owned;
    match value {
        Owned::List(items) | Owned::Array(items) => items.iter().map(owned_to_json).collect(),
        Owned::Struct(fields) => fields
            .iter()
            .map(|(name, value)| (name.clone(), owned_to_json(value)))
            .collect::<Map<String, Value>>()
            .into(),
        Owned::Enum(text) => Value::String(text.clone()),
        Owned::Map(..) | Owned::Union(..) => Value::String(format!("{value:?}")),
        scalar => to_json(ValueRef::from(scalar), Encoding::Plain),
    }
}

fn micros(unit: TimeUnit, value: i64) -> i64 {
    match unit {
        TimeUnit::Second => value.saturating_mul(1_000_000),
        TimeUnit::Millisecond => value.saturating_mul(1_000),
        TimeUnit::Microsecond => value,
        TimeUnit::Nanosecond => value / 1_000,
    }
}

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}
