//! BigQuery itself: the query stays BigQuery SQL. What the resolver bound is written as
//! BigQuery reads Cinder's tables:
//!
//! - every object is a REPEATED RECORD holding one element (Logflare's layout), so a path that
//!   steps through an object reads its only element (`metadata[SAFE_OFFSET(0)].status`), and
//!   UNNEST of an object is a join over that one element;
//! - names bind only against the fields the table has columns for: BigQuery refuses a name it
//!   does not know, so a field acknowledged but not yet in the table reads as NULL;
//! - the JSON extractors are `SAFE.`, so that a text that is not JSON is NULL as on every
//!   other engine.

use cinder_core::{FieldType, Schema};
use sqlparser::ast::{Expr, Function, Ident, ObjectName, ObjectNamePart, TableAlias, Value, ValueWithSpan};
use sqlparser::dialect::{BigQueryDialect, Dialect};

use super::{Layout, Scalar, Spelling, Step, Target};
use crate::calls;
use crate::error::TranslateError;
use crate::validate::object_name_text;
use crate::SourceTable;

pub(crate) struct BigQuery;

/// `` `name` ``
fn quoted(name: &str) -> String {
    Ident::with_quote('`', name).to_string()
}

/// `base` followed by `steps`: a key of an object reads the object's only element first, an
/// index reads one element of an array. Every subscript is SAFE_OFFSET (NULL out of bounds),
/// as the other engines read a missing element.
fn walk(base: String, steps: &[Step]) -> String {
    let mut text = base;
    let mut previous_was_key = false;
    for step in steps {
        match step {
            Step::Key(key) => {
                if previous_was_key {
                    text.push_str("[SAFE_OFFSET(0)]");
                }
                text.push('.');
                text.push_str(&quoted(key));
                previous_was_key = true;
            }
            Step::Index(index) => {
                text.push_str(&format!("[SAFE_OFFSET({index})]"));
                previous_was_key = false;
            }
        }
    }
    text
}

/// The JSON extractors, which BigQuery runs over STRING input too.
const JSON_EXTRACTORS: &[&str] = &[
    "json_value",
    "json_query",
    "json_extract",
    "json_extract_scalar",
    "json_value_array",
    "json_extract_string_array",
];

/// `SAFE.JSON_VALUE(...)`: a text that is not JSON gives NULL, as on the other engines
/// (gotrue writes plain-text lines beside its JSON lines).
fn safe_json_function(function: &mut Function) {
    if let [ObjectNamePart::Identifier(name)] = function.name.0.as_slice() {
        if JSON_EXTRACTORS.contains(&name.value.to_lowercase().as_str()) {
            function.name = ObjectName(vec![
                ObjectNamePart::Identifier(Ident::new("SAFE")),
                ObjectNamePart::Identifier(name.clone()),
            ]);
        }
    }
}

/// A string literal as BigQuery reads it back: the parser took its escapes (`'\\d'` is `\d`),
/// and the printer writes the text as it is, so backslashes and line breaks are escaped again,
/// and a text with a single quote is written in double quotes.
fn escape_string(value: &mut Value) {
    if let Value::SingleQuotedString(text) | Value::DoubleQuotedString(text) = value {
        if !text.contains(['\\', '\n', '\r', '\t', '\'']) {
            return;
        }
        let escaped = text
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t");
        *value = if escaped.contains('\'') && !escaped.contains('"') {
            Value::DoubleQuotedString(escaped)
        } else {
            Value::SingleQuotedString(escaped)
        };
    }
}

impl Layout for BigQuery {
    fn schema<'s>(&self, source: &'s SourceTable) -> &'s Schema {
        &source.columns
    }

    fn objects_are_arrays(&self) -> bool {
        true
    }

    fn alias(&self, name: &str) -> String {
        // BigQuery reads `` `cloudflare.logs.prod`.x `` as a path through `cloudflare`: an alias
        // that qualifies columns is one plain name.
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
            .collect()
    }

    fn stored(&self, row: &str, _columns: &Schema, path: &[String], field: &FieldType) -> String {
        let steps: Vec<Step> = path.iter().cloned().map(Step::Key).collect();
        self.indexed(row, &steps, field)
    }

    fn indexed(&self, row: &str, steps: &[Step], _field: &FieldType) -> String {
        walk(quoted(row), steps)
    }

    fn present(&self, row: &str, _columns: &Schema, path: &[String]) -> String {
        let steps: Vec<Step> = path.iter().cloned().map(Step::Key).collect();
        format!("ARRAY_LENGTH({}) > 0", walk(quoted(row), &steps))
    }

    fn element(&self, alias: &str, steps: &[Step], _field: &FieldType) -> String {
        walk(quoted(alias), steps)
    }

    fn unnest(&self, array: &str, alias: &str) -> String {
        format!("UNNEST({array}) AS {}", quoted(alias))
    }

    fn name_built_unnest(&self, _alias: &mut TableAlias) {
        // BigQuery names the element after the alias.
    }

    fn carriers(&self, _schema: &Schema, _columns: &Schema, _root: &str) -> Option<Vec<String>> {
        None
    }

    fn document(&self) -> Option<&'static str> {
        None
    }

    fn type_name(&self, scalar: Scalar) -> &'static str {
        match scalar {
            Scalar::Int64 => "INT64",
            Scalar::Float64 => "FLOAT64",
            Scalar::Numeric => "NUMERIC",
            Scalar::String => "STRING",
            Scalar::Bool => "BOOL",
            Scalar::Timestamp => "TIMESTAMP",
            Scalar::Datetime => "DATETIME",
            Scalar::Date => "DATE",
        }
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &BigQueryDialect {}
    }

    fn expression(&self, expr: &mut Expr, _target: Target) -> Result<(), TranslateError> {
        if let Expr::Value(ValueWithSpan { value, .. }) = expr {
            escape_string(value);
        }
        if let Expr::Function(function) = expr {
            safe_json_function(function);
            if matches!(
                object_name_text(&function.name).to_lowercase().as_str(),
                "regexp_extract" | "regexp_substr"
            ) {
                calls::extraction_group(function)?;
            }
            // The resolver reads a date part as text (it is not a column); BigQuery wants the name.
            if let Some(part) = calls::date_part_argument(function) {
                if let Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(name),
                    ..
                }) = part
                {
                    *part = Expr::Identifier(Ident::new(name.to_uppercase()));
                }
            }
        }
        Ok(())
    }

    fn spelling(&self) -> Option<&dyn Spelling> {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::sources;
    use crate::{translate, Target};

    fn bigquery(sql: &str) -> String {
        let mut sources = sources(&["logs", "other"]);
        for (name, table) in sources.iter_mut() {
            table.table = format!("proj.1_prod.{name}_tbl");
        }
        translate(sql, Target::BigQuery, &sources).unwrap().sql
    }

    #[test]
    fn sources_become_table_ids_and_parameters_stay_named() {
        let translated = translate(
            "select id from logs where project = @project and event_message like @project",
            Target::BigQuery,
            &sources(&["logs"]),
        )
        .unwrap();
        assert_eq!(
            translated.sql,
            "SELECT `logs`.`id` AS `id` FROM `log_events_0` AS `logs` WHERE `logs`.`project` = @project \
             AND `logs`.`event_message` LIKE @project"
        );
        assert_eq!(translated.params, ["project"]);
    }

    #[test]
    fn missing_paths_are_null_and_objects_are_read_through() {
        assert_eq!(
            bigquery("select metadata.status, metadata.request.path as p, metadata.nope, function_id from logs"),
            "SELECT `logs`.`metadata`[SAFE_OFFSET(0)].`status` AS `status`, \
             `logs`.`metadata`[SAFE_OFFSET(0)].`request`[SAFE_OFFSET(0)].`path` AS p, NULL AS `nope`, \
             NULL AS `function_id` FROM `proj.1_prod.logs_tbl` AS `logs`"
        );
    }

    #[test]
    fn a_missing_path_compared_is_a_null_of_the_other_operands_type() {
        // BigQuery refuses `NULL = 'x'` ("Operands of = cannot be literal NULL").
        assert_eq!(
            bigquery(
                "select id from logs where function_id = 'f' or metadata.nope > 3 or metadata.gone >= metadata.status \
                 or metadata.x like 'a%' or metadata.y in (1.5, 2) or metadata.z between @a and @b or nope = @p \
                 or metadata.w is null"
            ),
            "SELECT `logs`.`id` AS `id` FROM `proj.1_prod.logs_tbl` AS `logs` WHERE CAST(NULL AS STRING) = 'f' \
             OR CAST(NULL AS INT64) > 3 OR CAST(NULL AS INT64) >= `logs`.`metadata`[SAFE_OFFSET(0)].`status` OR CAST(NULL AS STRING) LIKE 'a%' \
             OR CAST(NULL AS FLOAT64) IN (1.5, 2) OR CAST(NULL AS STRING) BETWEEN @a AND @b \
             OR CAST(NULL AS STRING) = @p OR NULL IS NULL"
        );
    }

    #[test]
    fn a_key_no_event_has_in_a_subscript_chain_is_null() {
        assert_eq!(
            bigquery(
                "select metadata[0].request[0].nope as a, metadata[0].request[0].path as b from logs \
                 where metadata[0].request[0].nope in ('x')"
            ),
            "SELECT NULL AS a, `logs`.`metadata`[SAFE_OFFSET(0)].`request`[SAFE_OFFSET(0)].`path` AS b \
             FROM `proj.1_prod.logs_tbl` AS `logs` \
             WHERE CAST(NULL AS STRING) IN ('x')"
        );
    }

    #[test]
    fn only_the_fields_the_table_has_are_named() {
        // An event with `metadata.extra` is acknowledged, its table not patched yet.
        let mut sources = sources(&["logs"]);
        let table = sources.get_mut("logs").unwrap();
        let mut wider = cinder_core::Schema::clone(&table.schema);
        let mut event = cinder_core::LogEvent {
            id: "2".into(),
            timestamp: 0,
            event_message: None,
            body: serde_json::json!({"metadata": {"extra": 1}})
                .as_object()
                .unwrap()
                .clone(),
        };
        wider.apply(std::slice::from_mut(&mut event)).unwrap();
        table.schema = std::sync::Arc::new(wider);
        let translated = translate("select metadata.extra from logs", Target::BigQuery, &sources).unwrap();
        assert_eq!(translated.sql, "SELECT NULL AS `extra` FROM `log_events_0` AS `logs`");
    }

    #[test]
    fn unnest_keeps_records_and_an_unknown_object_has_no_rows() {
        assert_eq!(
            bigquery(
                "select r.path, r.nope, x.y from logs cross join unnest(metadata) as m cross join unnest(m.request) as r \
                 left join unnest(metadata.missing) as x on true"
            ),
            "SELECT `r`.`path` AS `path`, NULL AS `nope`, NULL AS `y` FROM `proj.1_prod.logs_tbl` AS `logs` \
             CROSS JOIN UNNEST(`logs`.`metadata`) AS `m` CROSS JOIN UNNEST(`m`.`request`) AS `r`"
        );
    }

    #[test]
    fn an_unnest_alias_that_shadows_a_column_is_renamed() {
        assert_eq!(
            bigquery("select metadata.status, t.metadata from logs as t cross join unnest(metadata) as metadata"),
            "SELECT `metadata__unnested`.`status` AS `status`, `t`.`metadata` AS `metadata` \
             FROM `proj.1_prod.logs_tbl` AS `t` CROSS JOIN UNNEST(`t`.`metadata`) AS `metadata__unnested`"
        );
    }

    #[test]
    fn ctes_that_pass_fields_through_keep_their_schema() {
        assert_eq!(
            bigquery(
                "with edge as (select t.id, t.metadata from logs as t) \
                 select id, r.method, t2.other from edge cross join unnest(metadata) as m cross join unnest(m.request) as r, \
                 (select 1 as other) as t2 order by id"
            ),
            "WITH edge AS (SELECT `t`.`id` AS `id`, `t`.`metadata` AS `metadata` FROM `proj.1_prod.logs_tbl` AS `t`) \
             SELECT `edge`.`id` AS `id`, `r`.`method` AS `method`, t2.other AS `other` FROM edge \
             CROSS JOIN UNNEST(`edge`.`metadata`) AS `m` CROSS JOIN UNNEST(`m`.`request`) AS `r`, \
             (SELECT 1 AS other) AS t2 ORDER BY `edge`.`id` NULLS FIRST"
        );
    }

    #[test]
    fn date_parts_stay_names_and_subqueries_have_their_own_scope() {
        assert_eq!(
            bigquery(
                "select timestamp_trunc(timestamp, hour) as hour_bucket, count(*) as n from logs \
                 where id in (select id from other where metadata.status > 1) group by hour_bucket order by n"
            ),
            "SELECT timestamp_trunc(`logs`.`timestamp`, HOUR) AS hour_bucket, count(*) AS n \
             FROM `proj.1_prod.logs_tbl` AS `logs` WHERE `logs`.`id` IN (SELECT `other`.`id` AS `id` \
             FROM `proj.1_prod.other_tbl` AS `other` WHERE `other`.`metadata`[SAFE_OFFSET(0)].`status` > 1) \
             GROUP BY 1 ORDER BY 2 NULLS FIRST"
        );
    }
}
