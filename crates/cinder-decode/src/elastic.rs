//! Elasticsearch's bulk API body (`POST /_bulk`, `/<index>/_bulk`): NDJSON pairs of an action
//! line (`index` or `create`, naming `_index` and maybe `_id`) and a document. Each document
//! becomes an event of the source its index names. `delete` and `update` change stored events,
//! which a log store does not: they fail alone, as Elasticsearch fails one item.

use serde_json::{Map, Value};

use crate::decode::DecodeError;

/// One action of a bulk body.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkItem {
    /// `index`, `create`, `delete` or `update`: the item's key in the response.
    pub action: String,
    /// The index (source) named by the action, else by the path.
    pub index: Option<String>,
    /// The document id the client gave, echoed in the response.
    pub id: Option<Value>,
    /// The document as an event, or why this item fails (Elasticsearch's error type, reason).
    pub document: Result<Map<String, Value>, (&'static str, String)>,
}

/// Splits a bulk body into its items; `default_index` is the path's. A line that is not a
/// valid action fails the whole request, as in Elasticsearch.
pub fn parse_bulk(bytes: &[u8], default_index: Option<&str>) -> Result<Vec<BulkItem>, DecodeError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|error| DecodeError::Malformed(format!("the bulk body is not UTF-8: {error}")))?;
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty());
    let mut items = Vec::new();
    while let Some((number, line)) = lines.next() {
        let action: Value = serde_json::from_str(line)
            .map_err(|error| DecodeError::Malformed(format!("bulk line {number} is not an action: {error}")))?;
        let (name, meta) = match action
            .as_object()
            .filter(|object| object.len() == 1)
            .and_then(|object| object.iter().next())
        {
            Some((name, Value::Object(meta))) => (name.clone(), meta),
            _ => {
                return Err(DecodeError::Malformed(format!(
                    "bulk line {number} must be one action, e.g. {{\"index\": {{\"_index\": \"logs\"}}}}"
                )))
            }
        };
        let index = match meta.get("_index") {
            Some(Value::String(index)) => Some(index.clone()),
            Some(_) => {
                return Err(DecodeError::Malformed(format!(
                    "bulk line {number}: `_index` must be a string"
                )))
            }
            None => default_index.map(str::to_owned),
        };
        let id = meta.get("_id").cloned();
        let document = match name.as_str() {
            "index" | "create" => {
                let Some((_, line)) = lines.next() else {
                    return Err(DecodeError::Malformed(format!(
                        "bulk line {number}: the action has no document line"
                    )));
                };
                match serde_json::from_str::<Value>(line) {
                    Ok(Value::Object(document)) => Ok(document),
                    Ok(_) => Err((
                        "mapper_parsing_exception",
                        "the document is not a JSON object".to_owned(),
                    )),
                    Err(error) => Err(("mapper_parsing_exception", format!("the document is not JSON: {error}"))),
                }
            }
            "update" => {
                lines.next(); // its partial document
                Err(unsupported(&name))
            }
            "delete" => Err(unsupported(&name)),
            other => {
                return Err(DecodeError::Malformed(format!(
                    "bulk line {number}: unknown action `{other}` (index, create, delete or update)"
                )))
            }
        };
        items.push(BulkItem {
            action: name,
            index,
            id,
            document,
        });
    }
    Ok(items)
}

fn unsupported(action: &str) -> (&'static str, String) {
    (
        "illegal_argument_exception",
        format!("`{action}` is not supported: Cinder stores log events, which are not changed once stored"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_documents_and_per_item_failures() {
        let body = br#"{"index": {"_index": "app", "_id": "1"}}
{"message": "one"}
{"create": {}}
{"message": "two"}
{"delete": {"_index": "app", "_id": "1"}}
{"update": {"_id": "1"}}
{"doc": {"message": "changed"}}
{"index": {"_index": "other"}}
[1, 2]
"#;
        let items = parse_bulk(body, Some("default")).unwrap();
        assert_eq!(items.len(), 5);
        assert_eq!(items[0].index.as_deref(), Some("app"));
        assert_eq!(items[0].id, Some(Value::from("1")));
        assert_eq!(items[0].document.as_ref().unwrap()["message"], "one");
        assert_eq!(items[1].index.as_deref(), Some("default"));
        assert_eq!(items[2].document.as_ref().unwrap_err().0, "illegal_argument_exception");
        assert_eq!(items[3].action, "update");
        assert_eq!(items[4].document.as_ref().unwrap_err().0, "mapper_parsing_exception");
    }

    #[test]
    fn a_bad_action_line_fails_the_request() {
        assert!(parse_bulk(b"not json\n{}\n", None).is_err());
        assert!(parse_bulk(b"{\"index\": {}, \"create\": {}}\n{}\n", None).is_err());
        assert!(parse_bulk(b"{\"upsert\": {}}\n{}\n", None).is_err());
        assert!(parse_bulk(b"{\"index\": {}}\n", None).is_err());
    }
}
