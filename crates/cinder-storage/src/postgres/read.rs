//! Running a translated query on Postgres and encoding its rows as Logflare does.

use std::error::Error;

use deadpool_postgres::GenericClient;
use serde_json::{Map, Number, Value};
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::Row;

use super::query_error;
use crate::{encode_json_value, Rows, StorageError, MAX_RESULT_ROWS};

pub(crate) async fn run(
    client: &impl GenericClient,
    sql: &str,
    params: &[Option<String>],
) -> Result<Rows, StorageError> {
    let statement = client.prepare(sql).await.map_err(query_error)?;
    // The translator binds every parameter as text (`$n::text`).
    let values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
        .iter()
        .map(|value| value as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    let rows = client.query(&statement, &values).await.map_err(query_error)?;
    if rows.len() > MAX_RESULT_ROWS {
        return Err(StorageError::Query(format!(
            "the result has more than {MAX_RESULT_ROWS} rows: add a LIMIT or aggregate"
        )));
    }
    let columns: Vec<String> = statement
        .columns()
        .iter()
        .map(|column| column.name().to_owned())
        .collect();
    let types: Vec<Type> = statement
        .columns()
        .iter()
        .map(|column| column.type_().clone())
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut object = Map::with_capacity(columns.len());
        for (index, name) in columns.iter().enumerate() {
            object.insert(name.clone(), value(row, index, &types[index])?);
        }
        out.push(object);
    }
    Ok(Rows { columns, rows: out })
}

fn value(row: &Row, index: usize, kind: &Type) -> Result<Value, StorageError> {
    match *kind {
        Type::BOOL => scalar(row, index, Value::Bool),
        Type::INT2 => scalar(row, index, |v: i16| Value::from(v)),
        Type::INT4 => scalar(row, index, |v: i32| Value::from(v)),
        Type::INT8 => scalar(row, index, |v: i64| Value::from(v)),
        Type::FLOAT4 => scalar(row, index, |v: f32| float(f64::from(v))),
        Type::FLOAT8 => scalar(row, index, float),
        Type::NUMERIC => scalar(row, index, numeric),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => scalar(row, index, Value::String),
        Type::JSON | Type::JSONB => scalar(row, index, encode_json_value),
        Type::TIMESTAMP => scalar(row, index, timestamp),
        Type::TIMESTAMPTZ => scalar(row, index, |t: chrono::DateTime<chrono::Utc>| {
            Value::from(t.timestamp_micros())
        }),
        Type::DATE => scalar(row, index, date),
        // Arrays the query built (SPLIT, ARRAY_AGG, GENERATE_ARRAY, [..]).
        Type::BOOL_ARRAY => array(row, index, Value::Bool),
        Type::INT2_ARRAY => array(row, index, |v: i16| Value::from(v)),
        Type::INT4_ARRAY => array(row, index, |v: i32| Value::from(v)),
        Type::INT8_ARRAY => array(row, index, |v: i64| Value::from(v)),
        Type::FLOAT4_ARRAY => array(row, index, |v: f32| float(f64::from(v))),
        Type::FLOAT8_ARRAY => array(row, index, float),
        Type::NUMERIC_ARRAY => array(row, index, numeric),
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY => array(row, index, Value::String),
        Type::JSONB_ARRAY | Type::JSON_ARRAY => array(row, index, encode_json_value),
        Type::TIMESTAMP_ARRAY => array(row, index, timestamp),
        Type::DATE_ARRAY => array(row, index, date),
        ref other => Err(StorageError::Query(format!(
            "a result column has the Postgres type `{other}`, which Cinder does not return"
        ))),
    }
}

fn decode_error(index: usize) -> impl Fn(tokio_postgres::Error) -> StorageError {
    move |error| StorageError::Internal(format!("reading column {index}: {error}"))
}

/// One value of a column, NULL or encoded by `encode`.
fn scalar<'a, T: FromSql<'a>>(row: &'a Row, index: usize, encode: impl Fn(T) -> Value) -> Result<Value, StorageError> {
    Ok(row
        .try_get::<_, Option<T>>(index)
        .map_err(decode_error(index))?
        .map_or(Value::Null, encode))
}

/// One array of a column, each element NULL or encoded by `encode`; a NULL array answers `[]`,
/// as BigQuery answers a NULL ARRAY.
fn array<'a, T: FromSql<'a>>(row: &'a Row, index: usize, encode: impl Fn(T) -> Value) -> Result<Value, StorageError> {
    Ok(row
        .try_get::<_, Option<Vec<Option<T>>>>(index)
        .map_err(decode_error(index))?
        .map_or(Value::Array(Vec::new()), |items| {
            items
                .into_iter()
                .map(|item| item.map_or(Value::Null, &encode))
                .collect()
        }))
}

/// SUM of integers is NUMERIC on Postgres and INT64 on BigQuery: whole values stay integers.
fn numeric(numeric: Numeric) -> Value {
    match numeric.integer {
        Some(integer) => Value::from(integer),
        None => float(numeric.value),
    }
}

fn timestamp(timestamp: chrono::NaiveDateTime) -> Value {
    Value::from(timestamp.and_utc().timestamp_micros())
}

fn date(date: chrono::NaiveDate) -> Value {
    Value::String(date.format("%Y-%m-%d").to_string())
}

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// A NUMERIC value, read from Postgres' binary form (base-10000 digits): as an integer when
/// it has no fractional digits and fits, else as a float.
struct Numeric {
    value: f64,
    integer: Option<i64>,
}

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let word = |index: usize| -> Result<i16, Box<dyn Error + Sync + Send>> {
            raw.get(index * 2..index * 2 + 2)
                .map(|bytes| i16::from_be_bytes([bytes[0], bytes[1]]))
                .ok_or_else(|| "truncated NUMERIC".into())
        };
        let count = word(0)?;
        let weight = word(1)?;
        let sign = word(2)? as u16;
        let scale = word(3)?;
        if sign == 0xC000 {
            return Ok(Numeric {
                value: f64::NAN,
                integer: None,
            });
        }
        let negative = sign == 0x4000;
        let mut value = 0.0;
        let mut whole: Option<i128> = Some(0);
        for digit in 0..count.max(0) as usize {
            let exponent = i32::from(weight) - digit as i32;
            let digits = word(4 + digit)?;
            value += f64::from(digits) * 10_000f64.powi(exponent);
            whole = whole.and_then(|whole| {
                let power = 10_000i128.checked_pow(u32::try_from(exponent).ok()?)?;
                whole.checked_add(i128::from(digits).checked_mul(power)?)
            });
        }
        let integer = whole
            .filter(|_| scale == 0)
            .map(|whole| if negative { -whole } else { whole })
            .and_then(|whole| i64::try_from(whole).ok());
        Ok(Numeric {
            value: if negative { -value } else { value },
            integer,
        })
    }

    fn accepts(kind: &Type) -> bool {
        *kind == Type::NUMERIC
    }
}
