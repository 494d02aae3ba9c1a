//! JSON-pointer field mappings, shared by the `json` pull fetcher and the webhook `mapping`
//! transform: `{"temperature": "/main/temp", "items": "/articles"}` builds an object whose fields
//! are the values the pointers (RFC 6901) select in the input.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Output field name → JSON pointer into the input.
pub type Mapping = BTreeMap<String, String>;

/// Why a mapping could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// None of the pointers selected anything: the input does not have the expected shape.
    #[error("the mapping matched nothing in the response (expected {expected})")]
    NothingMatched {
        /// The pointers that were tried, for the admin.
        expected: String,
    },
}

/// Checks a mapping's syntax: non-empty field names and pointers that are empty (the whole
/// input) or start with `/`. Returns one message per problem, keyed by field.
pub fn validate(mapping: &Mapping) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (field, pointer) in mapping {
        if field.trim().is_empty() {
            problems.push((field.clone(), "a mapped field needs a name".to_owned()));
        }
        if !pointer.is_empty() && !pointer.starts_with('/') {
            problems.push((
                field.clone(),
                format!(
                    "'{pointer}' is not a JSON pointer: it must start with '/', e.g. /main/temp"
                ),
            ));
        }
    }
    problems
}

/// Applies `mapping` to `input`. Fields whose pointer selects nothing are `null`; if no pointer
/// selects anything the input has the wrong shape and an error is returned, so callers keep the
/// last good data instead of serving a page of nulls.
///
/// # Errors
/// [`MappingError::NothingMatched`] as above (never for an empty mapping).
pub fn apply(mapping: &Mapping, input: &Value) -> Result<Value, MappingError> {
    let mut out = Map::with_capacity(mapping.len());
    let mut matched = mapping.is_empty();
    for (field, pointer) in mapping {
        let value = input.pointer(pointer).cloned();
        matched |= value.is_some();
        out.insert(field.clone(), value.unwrap_or(Value::Null));
    }
    if matched {
        Ok(Value::Object(out))
    } else {
        Err(MappingError::NothingMatched {
            expected: mapping.values().cloned().collect::<Vec<_>>().join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(pairs: &[(&str, &str)]) -> Mapping {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn selects_nested_values_and_arrays() {
        let input = json!({"main": {"temp": 21.5}, "weather": [{"main": "Rain"}], "list": [1, 2]});
        let out = apply(
            &m(&[
                ("temperature", "/main/temp"),
                ("condition", "/weather/0/main"),
                ("items", "/list"),
                ("missing", "/nope"),
            ]),
            &input,
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"temperature": 21.5, "condition": "Rain", "items": [1, 2], "missing": null})
        );
    }

    #[test]
    fn a_mapping_that_matches_nothing_is_an_error() {
        let err = apply(&m(&[("a", "/x"), ("b", "/y")]), &json!({"z": 1})).unwrap_err();
        assert!(err.to_string().contains("/x, /y"), "{err}");
    }

    #[test]
    fn the_empty_pointer_selects_the_whole_input() {
        let input = json!({"k": 1});
        assert_eq!(
            apply(&m(&[("all", "")]), &input).unwrap(),
            json!({"all": {"k": 1}})
        );
    }

    #[test]
    fn pointer_escapes_work() {
        let input = json!({"a/b": {"m~n": 5}});
        assert_eq!(
            apply(&m(&[("v", "/a~1b/m~0n")]), &input).unwrap(),
            json!({"v": 5})
        );
    }

    #[test]
    fn validation_names_bad_pointers() {
        let problems = validate(&m(&[("t", "main.temp"), ("ok", "/main/temp"), ("", "/x")]));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems
            .iter()
            .any(|(f, msg)| f == "t" && msg.contains("main.temp")));
    }
}
