//! Typing scalars the way kustomize's YAML stack does: yaml.v3's resolver for
//! values (plus kyaml's re-encoding quirks and `encoding/json`'s limits), and
//! the rules for turning scalar keys into JSON object keys.

use base64::Engine as _;
use saphyr_parser::Span;
use serde_json::{Number, Value};

use super::error::YamlError;
use super::gonum::format_float_g32;
use super::refold::refold;
use super::resolve::{Resolved, Tag, resolve_v2, resolve_v3};

/// Which of kustomize's two YAML stacks types a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Resources and patches: kyaml + yaml.v3 + `encoding/json`.
    Resource,
    /// Kustomization and other config files: sigs.k8s.io/yaml's `YAMLToJSON`
    /// (go-yaml v2, YAML 1.1 scalars, later duplicate keys win).
    Config,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Pos {
    pub(crate) fn of(span: &Span) -> Pos {
        Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

pub(crate) fn syntax(pos: Pos, message: impl Into<String>) -> YamlError {
    YamlError::Syntax {
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}

pub(crate) fn unsupported(pos: Pos, what: impl Into<String>) -> YamlError {
    YamlError::Unsupported {
        what: what.into(),
        line: pos.line,
        column: pos.column,
    }
}

/// A scalar as written: what keys and aliases-used-as-keys need.
#[derive(Debug, Clone)]
pub(crate) struct RawScalar {
    pub(crate) text: String,
    pub(crate) quoted: bool,
    /// A folded (`>`) block scalar, which kyaml's re-encoding alters.
    pub(crate) folded: bool,
    pub(crate) tag: String,
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, line breaks ignored.
fn decode_binary(text: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let cleaned: String = text.chars().filter(|&c| c != '\r' && c != '\n').collect();
    GO_STD.decode(cleaned).ok()
}

/// Bytes to a string the way `encoding/json` writes them: every byte that is
/// not part of valid UTF-8 becomes U+FFFD.
fn go_lossy_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len() + 8);
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        out.push_str(s);
                        break;
                    }
                    Err(err) => {
                        let good = err.valid_up_to();
                        // The prefix was just validated by from_utf8.
                        out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                        out.push('\u{FFFD}');
                        rest = &rest[good + 1..];
                    }
                }
            }
            out
        }
    }
}

/// The value yaml.v3 + `encoding/json` make of a scalar in value position.
/// `in_flow`: inside a flow collection, where kyaml's re-encoding quotes
/// scalars containing `:` or `,`, so timestamps with a time stay strings.
pub(crate) fn scalar_value(raw: RawScalar, pos: Pos, in_flow: bool) -> Result<Value, YamlError> {
    if raw.folded {
        let refolded = RawScalar {
            text: refold(&raw.text),
            folded: false,
            ..raw
        };
        return scalar_value(refolded, pos, in_flow);
    }
    let tag = Tag::from_full(&raw.tag);
    if raw.quoted && tag == Tag::None {
        return Ok(Value::String(raw.text));
    }
    if in_flow && !raw.quoted && raw.text.is_empty() && tag == Tag::None {
        // kyaml's re-encoding writes an empty plain scalar in a flow
        // collection as '', which reads back as an empty string.
        return Ok(Value::String(String::new()));
    }
    if tag == Tag::Binary {
        let bytes = decode_binary(&raw.text)
            .ok_or_else(|| syntax(pos, "!!binary value contains invalid base64 data"))?;
        return Ok(Value::String(go_lossy_string(bytes)));
    }
    let resolved = resolve_v3(tag, &raw.text).map_err(|m| syntax(pos, m))?;
    Ok(match resolved {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Number(i.into()),
        Resolved::Uint(u) => Value::Number(u.into()),
        Resolved::Float(f) => match Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => {
                return Err(unsupported(
                    pos,
                    format!("float {} cannot be represented in JSON", raw.text),
                ));
            }
        },
        Resolved::Str => Value::String(raw.text),
        Resolved::Merge => Value::String("<<".into()),
        Resolved::Timestamp(_) if in_flow && raw.text.contains([':', ',']) => {
            Value::String(raw.text)
        }
        Resolved::Timestamp(t) => match t.to_rfc3339_nano() {
            Some(s) => Value::String(s),
            None => {
                return Err(unsupported(
                    pos,
                    format!(
                        "timestamp {} has a zone offset outside [0,23] hours",
                        raw.text
                    ),
                ));
            }
        },
    })
}

/// Whether a key scalar is the merge key `<<` (kyaml: tagged `!!merge`, which
/// yaml.v3 gives to a plain `<<`).
pub(crate) fn is_merge_key(raw: &RawScalar) -> bool {
    match Tag::from_full(&raw.tag) {
        Tag::Merge => true,
        Tag::None => !raw.quoted && raw.text == "<<",
        _ => false,
    }
}

/// The JSON key of a scalar key, or `None` when kustomize drops the entry.
pub(crate) fn scalar_key(
    raw: &RawScalar,
    top: bool,
    pos: Pos,
) -> Result<Option<String>, YamlError> {
    let tag = Tag::from_full(&raw.tag);
    if raw.quoted && tag == Tag::None {
        return Ok(Some(raw.text.clone()));
    }
    if !top {
        // yaml.v3 decodes a nested mapping into map[string]interface{} only if
        // every key is a !!str; otherwise encoding/json rejects the map.
        let is_str = match tag {
            Tag::Str => true,
            Tag::None => matches!(resolve_v3(Tag::None, &raw.text), Ok(Resolved::Str)),
            _ => false,
        };
        if !is_str {
            return Err(unsupported(
                pos,
                format!(
                    "mapping key {:?} is not a string (only the top-level mapping may have such keys)",
                    raw.text
                ),
            ));
        }
        return Ok(Some(raw.text.clone()));
    }
    if tag == Tag::Binary {
        let bytes = decode_binary(&raw.text)
            .ok_or_else(|| syntax(pos, "!!binary value contains invalid base64 data"))?;
        return Ok(Some(go_lossy_string(bytes)));
    }
    // Top level: decoded into a Go string, which keeps the key's text as
    // written; a null key cannot be stored and the entry is dropped.
    match resolve_v3(tag, &raw.text).map_err(|m| syntax(pos, m))? {
        Resolved::Null => Ok(None),
        _ => Ok(Some(raw.text.clone())),
    }
}

fn float_value(f: f64, text: &str, pos: Pos) -> Result<Value, YamlError> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| unsupported(pos, format!("float {text} cannot be represented in JSON")))
}

/// The value go-yaml v2 + `encoding/json` make of a scalar (`YAMLToJSON`).
pub(crate) fn config_value(raw: RawScalar, pos: Pos) -> Result<Value, YamlError> {
    let tag = Tag::from_full(&raw.tag);
    if raw.quoted && tag == Tag::None {
        return Ok(Value::String(raw.text));
    }
    if tag == Tag::Binary {
        let bytes = decode_binary(&raw.text)
            .ok_or_else(|| syntax(pos, "!!binary value contains invalid base64 data"))?;
        return Ok(Value::String(go_lossy_string(bytes)));
    }
    Ok(
        match resolve_v2(tag, &raw.text).map_err(|m| syntax(pos, m))? {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Number(i.into()),
            Resolved::Uint(u) => Value::Number(u.into()),
            Resolved::Float(f) => float_value(f, &raw.text, pos)?,
            // go-yaml v2 hands timestamps to interface{} as their text.
            Resolved::Str | Resolved::Timestamp(_) => Value::String(raw.text),
            Resolved::Merge => Value::String("<<".into()),
        },
    )
}

/// The JSON key sigs.k8s.io/yaml makes of a scalar key: numbers and booleans
/// are formatted, null keys are refused.
pub(crate) fn config_key(raw: &RawScalar, pos: Pos) -> Result<String, YamlError> {
    let tag = Tag::from_full(&raw.tag);
    if raw.quoted && tag == Tag::None {
        return Ok(raw.text.clone());
    }
    if tag == Tag::Binary {
        let bytes = decode_binary(&raw.text)
            .ok_or_else(|| syntax(pos, "!!binary value contains invalid base64 data"))?;
        return Ok(go_lossy_string(bytes));
    }
    Ok(
        match resolve_v2(tag, &raw.text).map_err(|m| syntax(pos, m))? {
            Resolved::Str | Resolved::Timestamp(_) | Resolved::Merge => raw.text.clone(),
            Resolved::Int(i) => i.to_string(),
            Resolved::Bool(b) => b.to_string(),
            Resolved::Float(f) => match format_float_g32(f).as_str() {
                "+Inf" => ".inf".into(),
                "-Inf" => "-.inf".into(),
                "NaN" => ".nan".into(),
                s => s.to_string(),
            },
            Resolved::Uint(_) | Resolved::Null => {
                return Err(unsupported(
                    pos,
                    format!("unsupported map key {:?}", raw.text),
                ));
            }
        },
    )
}

/// go-yaml v2's `isMerge`: a plain untagged `<<`, or anything tagged `!!merge`.
pub(crate) fn is_config_merge_key(raw: &RawScalar) -> bool {
    match Tag::from_full(&raw.tag) {
        Tag::Merge => true,
        Tag::None => !raw.quoted && raw.text == "<<" && raw.tag.is_empty(),
        _ => false,
    }
}
