//! YAML as kustomize reads and writes it.
//!
//! Reading reproduces kyaml + gopkg.in/yaml.v3 + `encoding/json`: the stream is
//! split at `---` lines like kyaml's `ByteReader`, each document is decoded with
//! yaml.v3's scalar resolution, aliases and merge keys are expanded like kyaml's
//! `DeAnchor`, and the result is the JSON value kustomize would marshal.

mod build;
mod error;
mod gonum;
mod gotime;
mod resolve;
mod split;

use std::borrow::Cow;

pub use error::YamlError;
pub use serde_json::Value;

/// Largest document (in bytes) the parser accepts.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

fn normalise_newlines(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

fn parse_pieces(text: &str, keep_null: bool) -> Result<Vec<Value>, YamlError> {
    let text = normalise_newlines(text);
    let mut out = Vec::new();
    for piece in split::split_documents(&text)? {
        if piece.text.len() > MAX_DOCUMENT_BYTES {
            return Err(YamlError::TooLarge {
                bytes: piece.text.len(),
                limit: MAX_DOCUMENT_BYTES,
            });
        }
        match build::parse_first_document(piece.text) {
            Ok(Some(v)) => out.push(v),
            Ok(None) if keep_null => out.push(Value::Null),
            Ok(None) => {}
            Err(e) => return Err(e.shifted(piece.first_line)),
        }
    }
    Ok(out)
}

/// Parses a stream of YAML documents with kustomize's (kyaml + yaml.v3) semantics.
/// Empty, comment-only and null documents are skipped.
/// Errors carry line and column (1-based) and a message; never panics.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    parse_pieces(text, false)
}

/// Parses exactly one document; an empty (or null) document gives `Value::Null`.
/// A stream with more than one non-empty document is an error.
pub fn parse_document(text: &str) -> Result<Value, YamlError> {
    let mut docs: Vec<Value> = parse_pieces(text, true)?
        .into_iter()
        .filter(|v| !v.is_null())
        .collect();
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.pop().unwrap_or(Value::Null)),
        n => Err(YamlError::Syntax {
            line: 1,
            column: 1,
            message: format!("expected a single YAML document, found {n}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_multi_document_stream() {
        let docs = parse_documents("a: 1\n---\n# nothing\n---\nb: 2\r\n---\n~\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": 2})]);
    }

    #[test]
    fn errors_point_into_the_whole_stream() {
        let err = parse_documents("a: 1\n---\nb: 2\nb: 3\n").unwrap_err();
        assert_eq!(
            err,
            YamlError::DuplicateKey {
                key: "b".into(),
                line: 4,
                column: 1,
                first_line: 3
            }
        );
    }

    #[test]
    fn single_document_api() {
        assert_eq!(parse_document("").unwrap(), Value::Null);
        assert_eq!(parse_document("a: 1\n").unwrap(), json!({"a": 1}));
        assert!(parse_document("a: 1\n---\nb: 2\n").is_err());
    }
}
