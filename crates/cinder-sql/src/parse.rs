//! Reading BigQuery-dialect SQL into one `Query`.

use sqlparser::ast::{Query, Statement};
use sqlparser::dialect::BigQueryDialect;
use sqlparser::parser::Parser;

use crate::error::TranslateError;

/// The deepest nesting the parser accepts, so hostile input cannot exhaust the stack.
const RECURSION_LIMIT: usize = 64;

/// Parses `sql` as one BigQuery SELECT statement. A trailing `;` is fine; a second
/// statement, or any statement other than a query, is refused.
pub fn parse(sql: &str) -> Result<Query, TranslateError> {
    if sql.trim().trim_end_matches(';').trim().is_empty() {
        return Err(TranslateError::Empty);
    }
    let statements = Parser::new(&BigQueryDialect {})
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut parser| parser.parse_statements())
        .map_err(|error| TranslateError::Parse(error.to_string()))?;
    let mut statements = statements.into_iter();
    let statement = statements.next().ok_or(TranslateError::Empty)?;
    if statements.next().is_some() {
        return Err(TranslateError::MultipleStatements);
    }
    match statement {
        Statement::Query(query) => Ok(*query),
        _ => Err(TranslateError::NotSelect),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_select_only() {
        assert!(parse("select 1;").is_ok());
        assert_eq!(
            parse("select 1; select 2").unwrap_err(),
            TranslateError::MultipleStatements
        );
        assert_eq!(
            parse("delete from t where true").unwrap_err(),
            TranslateError::NotSelect
        );
        assert_eq!(parse(" ; ").unwrap_err(), TranslateError::Empty);
        assert!(matches!(parse("select from where"), Err(TranslateError::Parse(_))));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let sql = format!("select {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(parse(&sql), Err(TranslateError::Parse(_))));
    }
}
