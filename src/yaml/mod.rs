//! YAML as kustomize reads and writes it.
//!
//! Reading reproduces kyaml + gopkg.in/yaml.v3 + `encoding/json`: the stream is
//! split at `---` lines like kyaml's `ByteReader`, each document is decoded with
//! yaml.v3's scalar resolution, aliases and merge keys are expanded like kyaml's
//! `DeAnchor`, and the result is the JSON value kustomize would marshal.
//!
//! kyaml then re-encodes every resource with yaml.v3 before turning it into
//! JSON; the value changes that causes (folded `>` scalars gain line breaks,
//! timestamps and empty scalars in flow collections become strings) are
//! reproduced too. Kustomization files take the other road kustomize uses,
//! sigs.k8s.io/yaml with go-yaml v2 ([`parse_kustomization`]).
//!
//! Writing reproduces `resource.AsYAML()`: `encoding/json` then go-yaml v2's
//! `Marshal` (libyaml's emitter), byte for byte: key order, quoting, folding
//! at 80 columns, literal blocks.
//!
//! Known limits: raw U+2028/U+2029 in input are line breaks to yaml.v3 but
//! content here; go-yaml v2's key order is not transitive for some
//! keys mixing digits and letters, where kustomize's own output varies from
//! run to run.

mod build;
mod doc_end;
mod document;
mod emit;
mod error;
mod gonum;
mod gotime;
mod refold;
mod resolve;
mod scalar;
mod sort;
mod split;
mod typing;

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
        match document::parse_first_document(piece.text) {
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

/// Parses a kustomization (or another kustomize config file) the way
/// kustomize reads one: sigs.k8s.io/yaml's `YAMLToJSON`, i.e. go-yaml v2 on
/// the first document of the whole text. Scalars follow YAML 1.1 (`yes`,
/// `on` are booleans; timestamps stay strings), number and boolean keys
/// become strings, a repeated key silently replaces the earlier one, and
/// merge keys (`<<`) overwrite the keys before them. An empty file gives
/// `Value::Null`.
pub fn parse_kustomization(text: &str) -> Result<Value, YamlError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(YamlError::TooLarge {
            bytes: text.len(),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let text = normalise_newlines(text);
    Ok(document::parse_first_document_as(&text, typing::Dialect::Config)?.unwrap_or(Value::Null))
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
        Some(path) => Err(YamlError::Unprintable { path }),
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

/// Whether yaml.v3 resolves `text`, written as an untagged plain scalar, to a
/// string. kyaml writes generated ConfigMap/Secret keys that way, so a key such
/// as `10` or `true` becomes a non-string key that `encoding/json` rejects.
pub fn plain_scalar_is_string(text: &str) -> bool {
    matches!(
        resolve::resolve_v3(resolve::Tag::None, text),
        Ok(resolve::Resolved::Str)
    )
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
    fn kustomization_files_follow_go_yaml_v2() {
        let k = parse_kustomization(
            "resources:\n- a.yaml\nresources:\n- b.yaml\nopts: {x: yes, w: on, z: 2001-12-14, y: 1}\n1: one\n1.5: f\ntrue: t\n---\nignored: 1\n",
        )
        .unwrap();
        assert_eq!(
            k,
            json!({
                "resources": ["b.yaml"],
                "opts": {"x": true, "w": true, "z": "2001-12-14", "true": 1},
                "1": "one", "1.5": "f", "true": "t"
            })
        );
        assert_eq!(parse_kustomization("").unwrap(), Value::Null);
        assert_eq!(parse_kustomization("# nothing\n").unwrap(), Value::Null);
        assert!(parse_kustomization("~: x\n").is_err());
        assert_eq!(
            parse_kustomization("base: &b {a: 1, b: 1}\nm:\n  a: 0\n  <<: *b\n  b: 2\n").unwrap(),
            json!({"base": {"a": 1, "b": 1}, "m": {"a": 1, "b": 2}})
        );
    }

    #[test]
    fn single_document_api() {
        assert_eq!(parse_document("").unwrap(), Value::Null);
        assert_eq!(parse_document("a: 1\n").unwrap(), json!({"a": 1}));
        assert!(parse_document("a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn annotations_keep_their_source_text() {
        let v = parse_document(
            "metadata:\n  annotations:\n    a: 012\n    b: ~\n    c: .inf\n    d: 2024-01-01\n    e: !!binary aGVsbG8=\n  labels:\n    f: 012\nspec:\n  g: 012\n",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"metadata": {"annotations": {"a": "012", "b": "~", "c": ".inf", "d": "2024-01-01", "e": "aGVsbG8="},
                "labels": {"f": 10}}, "spec": {"g": 10}})
        );
        let list = parse_document("kind: List\nitems:\n- metadata:\n    annotations: {a: 1.50}\n")
            .unwrap();
        assert_eq!(
            list["items"][0]["metadata"]["annotations"]["a"],
            json!("1.50")
        );
    }
}

/// Seeded random inputs built from YAML's syntax pieces: parsing and printing
/// must never panic, whatever the input.
#[cfg(test)]
mod fuzz {
    use super::*;

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    #[test]
    fn random_input_never_panics() {
        const PIECES: &[&str] = &[
            "a",
            "b",
            ":",
            ": ",
            "- ",
            "-",
            "\n",
            "\n  ",
            "\n- ",
            "  ",
            "\t",
            "[",
            "]",
            "{",
            "}",
            ",",
            "?",
            "? ",
            "&a ",
            "*a",
            "&b",
            "*b",
            "!",
            "!!str ",
            "!!int ",
            "!x ",
            "'",
            "\"",
            "\\",
            "|",
            ">",
            "|-",
            ">+",
            "#",
            " #",
            "---",
            "...",
            "\n---\n",
            "%YAML 1.2\n",
            "%TAG ! x\n",
            "<<: ",
            "1",
            "0x",
            "~",
            "\u{85}",
            "\u{2028}",
            "é",
            "\r\n",
            "\r",
            "\u{feff}",
            "@",
            "`",
            "%",
        ];
        let mut rng = XorShift(0x1234_5678_9abc_def1);
        for i in 0..30_000u64 {
            let len = (rng.next() % if i % 10 == 0 { 300 } else { 40 }) as usize;
            let s: String = (0..len)
                .map(|_| PIECES[(rng.next() % PIECES.len() as u64) as usize])
                .collect();
            let r = std::panic::catch_unwind(|| {
                if let Ok(docs) = parse_documents(&s) {
                    for doc in &docs {
                        let _ = to_yaml(doc);
                    }
                }
            });
            assert!(r.is_ok(), "panicked on {s:?}");
        }
    }
}
