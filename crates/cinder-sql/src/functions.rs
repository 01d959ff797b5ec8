//! The one table of BigQuery functions Cinder translates, and the ones it refuses outright.
//!
//! A function not listed here is refused with a clear error rather than passed through: an
//! engine might run it with another meaning (wrong rows) or with side effects (reading
//! files or settings). Each entry names its spelling per target.

use crate::error::TranslateError;
use crate::target::Target;

/// How one BigQuery function is spelled on the engines that are not BigQuery.
struct Mapping {
    bigquery: &'static str,
    embedded: &'static str,
    postgres: &'static str,
}

const fn same(name: &'static str) -> Mapping {
    Mapping {
        bigquery: name,
        embedded: name,
        postgres: name,
    }
}

/// Functions with the same meaning and arguments on every target.
const FUNCTIONS: &[Mapping] = &[
    same("count"),
    same("sum"),
    same("avg"),
    same("min"),
    same("max"),
    same("lower"),
    same("upper"),
    same("length"),
    same("char_length"),
    same("coalesce"),
    same("abs"),
    same("floor"),
    same("ceil"),
    same("ceiling"),
    same("trim"),
    same("ltrim"),
    same("rtrim"),
    same("replace"),
    same("nullif"),
    same("mod"),
    same("sqrt"),
    same("pow"),
    same("power"),
    same("ln"),
    same("exp"),
    same("sign"),
    same("strpos"),
    same("starts_with"),
    same("reverse"),
    same("lpad"),
    same("rpad"),
    same("repeat"),
    same("left"),
    same("right"),
    same("ascii"),
    same("chr"),
    same("translate"),
    same("stddev"),
    same("stddev_samp"),
    same("stddev_pop"),
    same("variance"),
    same("var_samp"),
    same("var_pop"),
    Mapping {
        bigquery: "byte_length",
        embedded: "strlen",
        postgres: "octet_length",
    },
    Mapping {
        bigquery: "logical_and",
        embedded: "bool_and",
        postgres: "bool_and",
    },
    Mapping {
        bigquery: "logical_or",
        embedded: "bool_or",
        postgres: "bool_or",
    },
    Mapping {
        // Any value of the group; the least, so that every engine gives the same one.
        bigquery: "any_value",
        embedded: "min",
        postgres: "min",
    },
    Mapping {
        bigquery: "ifnull",
        embedded: "coalesce",
        postgres: "coalesce",
    },
    Mapping {
        bigquery: "log10",
        embedded: "log10",
        postgres: "log",
    },
];

/// Functions whose meaning the rewrite builds per engine (`calls.rs`), and the subscript
/// forms `OFFSET`/`ORDINAL`.
const REWRITTEN: &[&str] = &[
    "current_timestamp",
    "countif",
    "if",
    "safe_divide",
    "timestamp_sub",
    "timestamp_add",
    "datetime_sub",
    "datetime_add",
    "timestamp_trunc",
    "datetime_trunc",
    "timestamp",
    "datetime",
    "parse_timestamp",
    "regexp_contains",
    "json_value",
    "json_query",
    "json_extract_scalar",
    "json_extract",
    "concat",
    "greatest",
    "least",
    "substr",
    "substring",
    "round",
    "trunc",
    "div",
    "ieee_divide",
    "log",
    "unix_seconds",
    "unix_millis",
    "unix_micros",
    "timestamp_seconds",
    "timestamp_millis",
    "timestamp_micros",
    "timestamp_diff",
    "format_timestamp",
    "ends_with",
    "generate_array",
    "generate_timestamp_array",
    "array_length",
    "array_to_string",
    "approx_quantiles",
    "approx_count_distinct",
    "string_agg",
    "array_agg",
    "regexp_extract",
    "regexp_substr",
    "regexp_replace",
    "split",
    "contains_substr",
    "current_date",
    "date",
    "date_trunc",
    "date_add",
    "date_sub",
    "date_diff",
    "datetime_diff",
    "format_date",
    "parse_date",
    "generate_date_array",
    "json_value_array",
    "json_extract_string_array",
    "net.host",
    "offset",
    "safe_offset",
    "ordinal",
    "safe_ordinal",
];

/// Functions refused on every target because they reach outside the caller's events:
/// BigQuery's `external_query`, Postgres' catalog, file and session functions, and the
/// embedded engine's file readers. Names are lower case; a trailing `*` matches a prefix.
const RESTRICTED: &[&str] = &[
    "external_query",
    "session_user",
    "pg_*",
    "lo_*",
    "dblink*",
    "has_*",
    "current_catalog",
    "current_database",
    "current_role",
    "current_setting",
    "current_schema",
    "current_schemas",
    "current_user",
    "cursor_to_xml",
    "database_to_xml*",
    "inet_client_addr",
    "inet_client_port",
    "inet_server_addr",
    "inet_server_port",
    "loread",
    "lowrite",
    "query_to_xml*",
    "schema_to_xml*",
    "set_config",
    "table_to_xml*",
    "version",
    "read_*",
    "glob",
    "getenv",
    "duckdb_*",
    "sniff_csv",
];

/// Allowed exceptions to the prefixes above (Logflare allows these on Postgres).
const RESTRICTED_EXCEPTIONS: &[&str] = &["pg_typeof", "pg_size_pretty", "pg_column_size"];

fn restricted(name: &str) -> bool {
    !RESTRICTED_EXCEPTIONS.contains(&name)
        && RESTRICTED.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *pattern,
        })
}

/// Checks that a function (lower-case name) may be called.
pub fn check(name: &str) -> Result<(), TranslateError> {
    if restricted(name) {
        return Err(TranslateError::RestrictedFunction(name.to_owned()));
    }
    if FUNCTIONS.iter().any(|mapping| mapping.bigquery == name) || REWRITTEN.contains(&name) {
        Ok(())
    } else {
        Err(TranslateError::Unsupported(format!("function `{name}`")))
    }
}

/// Returns how `name` (a BigQuery function, lower case) is spelled on `target`, when it only
/// needs a new name.
pub fn spelling(name: &str, target: Target) -> Option<&'static str> {
    let mapping = FUNCTIONS.iter().find(|mapping| mapping.bigquery == name)?;
    Some(match target {
        Target::BigQuery => mapping.bigquery,
        Target::Embedded => mapping.embedded,
        Target::Postgres => mapping.postgres,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_and_unknown_functions_are_refused() {
        assert!(check("count").is_ok());
        assert!(
            check("pg_typeof").is_err(),
            "not translated yet, so refused as unsupported"
        );
        assert_eq!(
            check("pg_sleep"),
            Err(TranslateError::RestrictedFunction("pg_sleep".into()))
        );
        assert_eq!(
            check("read_text"),
            Err(TranslateError::RestrictedFunction("read_text".into()))
        );
        assert!(matches!(check("frobnicate"), Err(TranslateError::Unsupported(_))));
        assert_eq!(spelling("ifnull", Target::Postgres), Some("coalesce"));
    }
}
