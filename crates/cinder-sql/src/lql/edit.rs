//! Rewriting an LQL query as a search UI does: replacing its time range, adding a rule.

use super::parse::clauses;

/// Whether a clause is a `t:` rule (negated or not).
fn is_time(clause: &str) -> bool {
    let body = clause.strip_prefix('-').unwrap_or(clause);
    body.starts_with("t:") || body.starts_with("timestamp:")
}

/// `text` with every `t:` rule replaced by `time` (a whole clause, such as `t:last@1h`), or
/// removed when `time` is empty. Text that does not parse is kept as it is, with `time` added.
pub fn replace_time(text: &str, time: &str) -> String {
    let mut kept: Vec<String> = match clauses(text) {
        Ok(clauses) => clauses.into_iter().filter(|clause| !is_time(clause)).collect(),
        Err(_) => vec![text.trim().to_owned()],
    };
    if !time.is_empty() {
        kept.push(time.to_owned());
    }
    kept.retain(|clause| !clause.is_empty());
    kept.join(" ")
}

/// The `t:` rules of `text`, as written.
pub fn time_clauses(text: &str) -> Vec<String> {
    clauses(text)
        .map(|clauses| clauses.into_iter().filter(|clause| is_time(clause)).collect())
        .unwrap_or_default()
}

/// A filter rule `path:value` (or its negation), quoting the value when it needs it.
pub fn rule(path: &str, value: &str, negated: bool) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '@' | '+'))
        && !value.contains("..");
    let value = if plain {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    };
    format!("{}{path}:{value}", if negated { "-" } else { "" })
}

/// `text` with `clause` added (once).
pub fn add_rule(text: &str, clause: &str) -> String {
    let existing = clauses(text).unwrap_or_default();
    if existing.iter().any(|present| present == clause) {
        return text.trim().to_owned();
    }
    let text = text.trim();
    if text.is_empty() {
        clause.to_owned()
    } else {
        format!("{text} {clause}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lql::parse;

    #[test]
    fn time_rules_are_replaced() {
        assert_eq!(
            replace_time("error t:last@1h m.a:1", "t:last@15m"),
            "error m.a:1 t:last@15m"
        );
        assert_eq!(replace_time("-t:today x", ""), "x");
        assert_eq!(replace_time("", "t:last@1h"), "t:last@1h");
        assert_eq!(time_clauses("a t:last@1h b"), vec!["t:last@1h"]);
    }

    #[test]
    fn rules_quote_what_needs_it_and_parse_back() {
        assert_eq!(rule("metadata.level", "error", false), "metadata.level:error");
        assert_eq!(rule("metadata.path", "/a b", true), "-metadata.path:\"/a b\"");
        let text = add_rule("x", &rule("metadata.msg", "say \"hi\"", false));
        let parsed = parse(&text, 0).expect("parses");
        assert_eq!(parsed.filters.len(), 2);
        assert_eq!(add_rule(&text, "x"), text);
    }
}
