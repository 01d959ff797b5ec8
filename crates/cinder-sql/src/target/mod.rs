//! The engines Cinder emits SQL for, and what differs between them.

use std::fmt;

/// An engine that runs translated SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The embedded store (DuckDB): one typed column per schema path.
    Embedded,
    /// PostgreSQL, in Logflare's table layout (`body jsonb`).
    Postgres,
    /// BigQuery itself: near-identity, source names become table ids.
    BigQuery,
}

impl Target {
    /// Every target, for golden tests.
    pub const ALL: [Target; 3] = [Target::Embedded, Target::Postgres, Target::BigQuery];

    /// Returns the character that quotes identifiers: `"`, or `` ` `` for BigQuery.
    pub fn identifier_quote(self) -> char {
        match self {
            Target::BigQuery => '`',
            Target::Embedded | Target::Postgres => '"',
        }
    }

    /// Returns how a bound parameter is written: `$1` for the embedded store and Postgres,
    /// `@name` for BigQuery's named parameters.
    pub fn placeholder(self, position: usize, name: &str) -> String {
        match self {
            Target::BigQuery => format!("@{name}"),
            Target::Embedded | Target::Postgres => format!("${position}"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Embedded => "embedded",
            Target::Postgres => "postgres",
            Target::BigQuery => "bigquery",
        })
    }
}

/// SQL for one target, with the names of its parameters in binding order (`$1` is
/// `params[0]`). Parameter values are always bound by the backend, never spliced in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSql {
    /// The SQL text.
    pub sql: String,
    /// Parameter names, without `@`, in binding order.
    pub params: Vec<String>,
}
