//! YAML as kustomize reads and writes it.
//!
//! Reading reproduces kyaml + gopkg.in/yaml.v3 + `encoding/json`: the stream is
//! split at `---` lines like kyaml's `ByteReader`, each document is decoded with
//! yaml.v3's scalar resolution, aliases and merge keys are expanded like kyaml's
//! `DeAnchor`, and the result is the JSON value kustomize would marshal.
//!
//! Writing reproduces `resource.AsYAML()`: `encoding/json` then go-yaml v2's
//! `Marshal` (libyaml's emitter), byte for byte: key order, quoting, folding
//! at 80 columns, literal blocks.

mod build;
mod emit;
mod error;
mod gonum;
mod gotime;
mod resolve;
mod scalar;
mod sort;
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

/// go-yaml v2 `Marshal` of a JSON value, as kustomize prints one resource
/// (one document, ending with "\n").
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(&mut out, value);
    out
}

/// Appends [`to_yaml`] of `value` to `out` (no per-document allocation
/// beyond sorting keys).
pub fn write_yaml(out: &mut String, value: &Value) {
    emit::write_document(out, value);
}

/// Like [`write_yaml`], but fails as kustomize does when a string holds a
/// character its JSON-to-YAML step refuses (DEL, C1 controls, U+FFFE/U+FFFF).
pub fn try_write_yaml(out: &mut String, value: &Value) -> Result<(), YamlError> {
    check_printable(value)?;
    write_yaml(out, value);
    Ok(())
}

/// [`to_yaml`] with the check of [`try_write_yaml`].
pub fn try_to_yaml(value: &Value) -> Result<String, YamlError> {
    let mut out = String::new();
    try_write_yaml(&mut out, value)?;
    Ok(out)
}

/// Fails when kustomize could not print `value` (see [`try_write_yaml`]).
pub fn check_printable(value: &Value) -> Result<(), YamlError> {
    match emit::find_unprintable(value) {
        None => Ok(()),
        Some(s) => Err(YamlError::Unsupported {
            what: format!("string {s:?} contains control characters, which kustomize cannot print"),
            line: 0,
            column: 0,
        }),
    }
}

/// Prints resources as `kustomize build` does: documents joined by `---`.
pub fn write_yaml_stream(out: &mut String, values: &[Value]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_yaml(out, value);
    }
}

/// go-yaml v2's mapping key order (`keyList.Less`), for callers that must
/// order keys the way kustomize prints them.
pub fn key_less(a: &str, b: &str) -> bool {
    sort::key_less(a, b)
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
