//! BERT bodies (`application/bert`): Erlang's external term format, as Logflare's Elixir and
//! Erlang clients (`logflare_api_client`, `logflare_logger_backend`, Realtime and Supavisor with
//! `LOGS_ENGINE=logflare`) send their batches. Decoded into the JSON value the same body would
//! have been: maps become objects (binary or atom keys), binaries strings, lists and tuples
//! arrays, `true`/`false`/`nil` booleans and null (plain atoms, and BERT's `{bert, ...}`
//! tuples), other atoms strings. Only data comes in: no code, pids or references.

use std::io::Read;

use serde_json::{Map, Number, Value};

use crate::decode::{DecodeError, MAX_BODY_BYTES};

/// How deeply terms may nest, so a hostile body cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

/// Decodes one BERT-encoded term.
pub fn decode(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut reader = Reader { bytes, at: 0 };
    if reader.u8()? != 131 {
        return Err(malformed("a BERT body starts with version byte 131"));
    }
    if reader.peek() == Some(80) {
        // A compressed term: tag, uncompressed size, zlib data.
        reader.at += 1;
        let size = reader.u32()? as usize;
        if size > MAX_BODY_BYTES {
            return Err(DecodeError::TooLarge);
        }
        let mut inflated = Vec::with_capacity(size);
        flate2::read::ZlibDecoder::new(&reader.bytes[reader.at..])
            .take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut inflated)
            .map_err(|error| malformed(&format!("bad compressed BERT term: {error}")))?;
        let mut inner = Reader {
            bytes: &inflated,
            at: 0,
        };
        let value = inner.term(0)?;
        inner.end()?;
        return Ok(value);
    }
    let value = reader.term(0)?;
    reader.end()?;
    Ok(value)
}

fn malformed(message: &str) -> DecodeError {
    DecodeError::Malformed(format!("BERT: {message}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(count).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| malformed("the body ends inside a term"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.take(2)?.try_into().expect("two bytes")))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("four bytes")))
    }

    fn end(&self) -> Result<(), DecodeError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(malformed("bytes follow the term"))
        }
    }

    /// A count of elements that cannot exceed the bytes left (each takes at least one).
    fn count(&mut self, wide: bool) -> Result<usize, DecodeError> {
        let count = if wide {
            self.u32()? as usize
        } else {
            self.u8()? as usize
        };
        if count > self.bytes.len() - self.at {
            return Err(malformed("a length runs past the end of the body"));
        }
        Ok(count)
    }

    fn text(&mut self, length: usize) -> Result<String, DecodeError> {
        let bytes = self.take(length)?;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    fn term(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(malformed(&format!("terms nest deeper than {MAX_DEPTH} levels")));
        }
        let tag = self.u8()?;
        Ok(match tag {
            97 => Value::from(self.u8()?),
            98 => Value::from(i32::from_be_bytes(self.take(4)?.try_into().expect("four bytes"))),
            70 => {
                let float = f64::from_be_bytes(self.take(8)?.try_into().expect("eight bytes"));
                Number::from_f64(float).map_or(Value::Null, Value::Number)
            }
            99 => {
                let text = self.text(31)?;
                let float: f64 = text
                    .trim_end_matches('\0')
                    .trim()
                    .parse()
                    .map_err(|_| malformed("a float that does not parse"))?;
                Number::from_f64(float).map_or(Value::Null, Value::Number)
            }
            110 | 111 => {
                let length = self.count(tag == 111)?;
                let sign = self.u8()?;
                let digits = self.take(length)?;
                big_integer(digits, sign != 0)?
            }
            100 | 118 => {
                let length = self.u16()? as usize;
                atom(self.text(length)?)
            }
            115 | 119 => {
                let length = self.u8()? as usize;
                atom(self.text(length)?)
            }
            109 => {
                let length = self.count(true)?;
                Value::String(self.text(length)?)
            }
            107 => {
                // A list of small integers (an Erlang string).
                let length = self.u16()? as usize;
                Value::Array(self.take(length)?.iter().map(|byte| Value::from(*byte)).collect())
            }
            106 => Value::Array(Vec::new()),
            108 => {
                let length = self.count(true)?;
                let mut items = Vec::with_capacity(length);
                for _ in 0..length {
                    items.push(self.term(depth + 1)?);
                }
                match self.term(depth + 1)? {
                    Value::Array(tail) if tail.is_empty() => {}
                    tail => items.push(tail),
                }
                Value::Array(items)
            }
            104 | 105 => {
                let arity = self.count(tag == 105)?;
                let mut items = Vec::with_capacity(arity);
                for _ in 0..arity {
                    items.push(self.term(depth + 1)?);
                }
                bert_tuple(items)
            }
            116 => {
                let arity = self.count(true)?;
                let mut map = Map::new();
                for _ in 0..arity {
                    let key = match self.term(depth + 1)? {
                        Value::String(key) => key,
                        other => other.to_string(),
                    };
                    let value = self.term(depth + 1)?;
                    map.insert(key, value);
                }
                Value::Object(map)
            }
            other => return Err(malformed(&format!("term type {other} is not data Cinder accepts"))),
        })
    }
}

fn atom(name: String) -> Value {
    match name.as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "nil" | "undefined" => Value::Null,
        _ => Value::String(name),
    }
}

/// BERT writes what the external format lacks as tagged tuples: `{bert, nil}`, `{bert, true}`,
/// `{bert, false}`, `{bert, dict, [{key, value}]}`. Any other tuple is an array.
fn bert_tuple(items: Vec<Value>) -> Value {
    match items.as_slice() {
        [Value::String(tag), Value::Null] if tag == "bert" => Value::Null,
        [Value::String(tag), Value::Bool(flag)] if tag == "bert" => Value::Bool(*flag),
        [Value::String(tag), Value::String(kind), Value::Array(pairs)] if tag == "bert" && kind == "dict" => {
            let mut map = Map::new();
            for pair in pairs {
                if let Value::Array(pair) = pair {
                    if let [key, value] = pair.as_slice() {
                        let key = key.as_str().map_or_else(|| key.to_string(), str::to_owned);
                        map.insert(key, value.clone());
                    }
                }
            }
            Value::Object(map)
        }
        _ => Value::Array(items),
    }
}

fn big_integer(digits: &[u8], negative: bool) -> Result<Value, DecodeError> {
    if digits.len() > 16 {
        return Err(malformed("an integer wider than 128 bits"));
    }
    let magnitude = digits
        .iter()
        .rev()
        .fold(0u128, |value, digit| (value << 8) | u128::from(*digit));
    let value = if negative {
        i64::try_from(magnitude).ok().map(|value| Value::from(-value))
    } else {
        u64::try_from(magnitude).ok().map(Value::from)
    };
    // Past 64 bits a JSON number loses precision anyway: keep the digits as text.
    Ok(value.unwrap_or_else(|| Value::String(format!("{}{magnitude}", if negative { "-" } else { "" }))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binary(text: &str) -> Vec<u8> {
        let mut out = vec![109];
        out.extend((text.len() as u32).to_be_bytes());
        out.extend(text.as_bytes());
        out
    }

    fn atom(name: &str) -> Vec<u8> {
        let mut out = vec![119, name.len() as u8];
        out.extend(name.as_bytes());
        out
    }

    fn map(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<u8> {
        let mut out = vec![116];
        out.extend((pairs.len() as u32).to_be_bytes());
        for (key, value) in pairs {
            out.extend(key);
            out.extend(value);
        }
        out
    }

    fn list(items: Vec<Vec<u8>>) -> Vec<u8> {
        let mut out = vec![108];
        out.extend((items.len() as u32).to_be_bytes());
        for item in items {
            out.extend(item);
        }
        out.push(106);
        out
    }

    /// What `:erlang.term_to_binary/1` makes of an Elixir logger batch.
    fn batch() -> Vec<u8> {
        let event = map(vec![
            (binary("message"), binary("user signed in")),
            (
                binary("timestamp"),
                vec![110, 7, 0, 0x40, 0x2a, 0xf0, 0x41, 0x2e, 0x53, 0x06],
            ),
            (
                binary("metadata"),
                map(vec![
                    (atom("level"), atom("info")),
                    (binary("ok"), atom("true")),
                    (binary("none"), atom("nil")),
                    (binary("count"), vec![97, 3]),
                    (binary("ratio"), [vec![70], 0.5f64.to_be_bytes().to_vec()].concat()),
                    (binary("pid"), vec![98, 0xff, 0xff, 0xff, 0xfe]),
                    (binary("tags"), list(vec![binary("a"), atom("b")])),
                ]),
            ),
        ]);
        [
            vec![131],
            map(vec![
                (binary("batch"), list(vec![event])),
                (binary("source"), binary("abc")),
            ]),
        ]
        .concat()
    }

    #[test]
    fn an_elixir_batch_decodes_to_its_json() {
        let value = decode(&batch()).unwrap();
        assert_eq!(
            value,
            json!({
                "batch": [{
                    "message": "user signed in",
                    "timestamp": 1_780_308_000_123_456u64,
                    "metadata": {"level": "info", "ok": true, "none": null, "count": 3, "ratio": 0.5, "pid": -2, "tags": ["a", "b"]},
                }],
                "source": "abc",
            })
        );
    }

    #[test]
    fn bert_tuples_and_compression() {
        let dict = [
            vec![131, 104, 3],
            atom("bert"),
            atom("dict"),
            list(vec![[vec![104, 2], binary("k"), vec![97, 1]].concat()]),
        ]
        .concat();
        assert_eq!(decode(&dict).unwrap(), json!({"k": 1}));
        let inner = map(vec![(binary("x"), binary(&"y".repeat(100)))]);
        let mut compressed = vec![131, 80];
        compressed.extend((inner.len() as u32).to_be_bytes());
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &inner).unwrap();
        compressed.extend(encoder.finish().unwrap());
        assert_eq!(decode(&compressed).unwrap(), json!({"x": "y".repeat(100)}));
    }

    #[test]
    fn hostile_bodies_are_refused_with_a_reason() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "ends inside"),
            (vec![130, 97, 1], "version byte"),
            (vec![131, 108, 0xff, 0xff, 0xff, 0xff], "past the end"),
            (vec![131, 109, 0, 0, 0, 9, b'a'], "past the end"),
            (vec![131, 97, 1, 97], "follow the term"),
            (vec![131, 103, 0, 0], "not data"),
            ([vec![131], [108, 0, 0, 0, 1].repeat(200)].concat(), "deeper"),
        ];
        for (bytes, message) in cases {
            match decode(&bytes) {
                Err(DecodeError::Malformed(text)) => assert!(text.contains(message), "{bytes:?}: {text}"),
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
    }
}
