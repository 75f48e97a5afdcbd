//! Turning the parser's events for one document into a JSON value, with the
//! semantics kustomize gets from kyaml + yaml.v3 + `encoding/json`:
//!
//! - aliases are expanded and merge keys (`<<`) applied as kyaml's `DeAnchor`
//!   does (own keys win, then earlier merge sources; two `<<` keys are an error);
//! - scalars are typed by yaml.v3's resolver; timestamps become RFC 3339 strings;
//! - keys of the top-level mapping are the raw key text (kustomize decodes the
//!   object into `map[string]interface{}`), keys of nested mappings must be strings;
//! - duplicate keys are an error, as yaml.v3's decoder reports them.
//!
//! Building is iterative (an explicit stack), bounded in depth, and alias
//! expansion is bounded with yaml.v3's alias-ratio rule, so hostile input
//! cannot exhaust the stack or memory.

use std::collections::HashMap;

use base64::Engine as _;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use serde_json::{Map, Number, Value};

use super::error::YamlError;
use super::resolve::{Resolved, Tag, resolve_v3};

/// Deepest nesting of collections accepted in one document.
pub(crate) const MAX_DEPTH: usize = 1000;

#[derive(Debug, Clone, Copy)]
struct Pos {
    line: usize,
    column: usize,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

fn syntax(pos: Pos, message: impl Into<String>) -> YamlError {
    YamlError::Syntax {
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}

fn unsupported(pos: Pos, what: impl Into<String>) -> YamlError {
    YamlError::Unsupported {
        what: what.into(),
        line: pos.line,
        column: pos.column,
    }
}

fn scan_error(e: &ScanError) -> YamlError {
    if e.info() == "recursion limit exceeded" {
        // The scanner caps flow nesting (`[[[...`) at 255 levels.
        return YamlError::TooDeep {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            limit: 255,
        };
    }
    YamlError::Syntax {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    }
}

/// A scalar as written: what keys and aliases-used-as-keys need.
#[derive(Debug, Clone)]
struct RawScalar {
    text: String,
    quoted: bool,
    tag: String,
}

/// An anchored node, ready to be copied by aliases.
struct Anchor {
    value: Value,
    scalar: Option<RawScalar>,
    size: usize,
}

enum KeyTarget {
    Insert(String),
    Skip,
    Merge(Pos),
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        size: usize,
        flow: bool,
    },
    Map {
        map: Map<String, Value>,
        target: Option<KeyTarget>,
        merge: Option<(Value, Pos)>,
        merge_seen: bool,
        seen: HashMap<String, usize>,
        top: bool,
        anchor: usize,
        size: usize,
        flow: bool,
    },
}

impl Frame {
    fn flow(&self) -> bool {
        match self {
            Frame::Seq { flow, .. } | Frame::Map { flow, .. } => *flow,
        }
    }
}

/// Maps the parser's character offsets to byte offsets, moving forward.
struct CharCursor<'t> {
    text: &'t str,
    chars: usize,
    bytes: usize,
}

impl<'t> CharCursor<'t> {
    fn byte_of(&mut self, char_index: usize) -> usize {
        if char_index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        if self.text.is_ascii() {
            return char_index.min(self.text.len());
        }
        for c in self.text[self.bytes..].chars() {
            if self.chars == char_index {
                break;
            }
            self.chars += 1;
            self.bytes += c.len_utf8();
        }
        self.bytes
    }
}

/// State of one document being built.
struct Builder<'t> {
    cursor: CharCursor<'t>,
    frames: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    root: Option<Value>,
    decode_count: usize,
    alias_count: usize,
}

/// yaml.v3's `allowedAliasRatio`: small documents may be mostly aliases,
/// big ones only a little.
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
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

fn full_tag(tag: Option<&saphyr_parser::Tag>) -> String {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
        .unwrap_or_default()
}

/// The value yaml.v3 + `encoding/json` make of a scalar in value position.
/// `in_flow`: inside a flow collection, where kyaml's re-encoding quotes
/// scalars containing `:` or `,`, so timestamps with a time stay strings.
fn scalar_value(raw: &RawScalar, pos: Pos, in_flow: bool) -> Result<Value, YamlError> {
    let tag = Tag::from_full(&raw.tag);
    if raw.quoted && tag == Tag::None {
        return Ok(Value::String(raw.text.clone()));
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
        Resolved::Str => Value::String(raw.text.clone()),
        Resolved::Merge => Value::String("<<".into()),
        Resolved::Timestamp(_) if in_flow && raw.text.contains([':', ',']) => {
            Value::String(raw.text.clone())
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
fn is_merge_key(raw: &RawScalar) -> bool {
    match Tag::from_full(&raw.tag) {
        Tag::Merge => true,
        Tag::None => !raw.quoted && raw.text == "<<",
        _ => false,
    }
}

/// The JSON key of a scalar key, or `None` when kustomize drops the entry.
fn scalar_key(raw: &RawScalar, top: bool, pos: Pos) -> Result<Option<String>, YamlError> {
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

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        Builder {
            cursor: CharCursor {
                text,
                chars: 0,
                bytes: 0,
            },
            frames: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            decode_count: 0,
            alias_count: 0,
        }
    }

    fn expecting_key(&self) -> Option<bool> {
        match self.frames.last() {
            Some(Frame::Map {
                target: None, top, ..
            }) => Some(*top),
            _ => None,
        }
    }

    fn register(&mut self, anchor: usize, value: &Value, scalar: Option<RawScalar>, size: usize) {
        if anchor > 0 {
            self.anchors.insert(
                anchor,
                Anchor {
                    value: value.clone(),
                    scalar,
                    size,
                },
            );
        }
    }

    /// Hands a finished node to its parent (or makes it the document).
    fn deliver(&mut self, value: Value, size: usize) {
        match self.frames.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq {
                items, size: total, ..
            }) => {
                items.push(value);
                *total += size;
            }
            Some(Frame::Map {
                map,
                target,
                merge,
                size: total,
                ..
            }) => {
                *total += size;
                match target.take() {
                    Some(KeyTarget::Insert(k)) => {
                        map.insert(k, value);
                    }
                    Some(KeyTarget::Merge(pos)) => *merge = Some((value, pos)),
                    Some(KeyTarget::Skip) | None => {}
                }
            }
        }
    }

    fn key(&mut self, raw: &RawScalar, pos: Pos) -> Result<(), YamlError> {
        let Some(Frame::Map {
            target,
            merge_seen,
            seen,
            top,
            ..
        }) = self.frames.last_mut()
        else {
            return Ok(());
        };
        if is_merge_key(raw) {
            if *merge_seen {
                return Err(syntax(pos, "duplicate merge key"));
            }
            *merge_seen = true;
            *target = Some(KeyTarget::Merge(pos));
            return Ok(());
        }
        if raw.text == "<<" {
            // kyaml's DeAnchor clears every field named `<<` once merges are
            // applied, quoted or not.
            *target = Some(KeyTarget::Skip);
            return Ok(());
        }
        if let Some(&first_line) = seen.get(&raw.text) {
            return Err(YamlError::DuplicateKey {
                key: raw.text.clone(),
                line: pos.line,
                column: pos.column,
                first_line,
            });
        }
        seen.insert(raw.text.clone(), pos.line);
        *target = Some(match scalar_key(raw, *top, pos)? {
            Some(k) => KeyTarget::Insert(k),
            None => KeyTarget::Skip,
        });
        Ok(())
    }

    fn in_flow(&self) -> bool {
        self.frames.last().is_some_and(Frame::flow)
    }

    /// Whether a collection starting at `span` is written in flow style: its
    /// first token after any anchor and tag is `[` or `{` (block collections
    /// start with an empty token).
    fn is_flow_start(&mut self, span: &Span) -> bool {
        let start = self.cursor.byte_of(span.start.index());
        let end = self.cursor.byte_of(span.end.index()).max(start);
        let mut rest = self.cursor.text.get(start..end).unwrap_or("");
        loop {
            rest = rest.trim_start();
            if rest.starts_with('&') || rest.starts_with('!') {
                let n = rest.find(char::is_whitespace).unwrap_or(rest.len());
                rest = &rest[n..];
            } else if rest.starts_with('#') {
                let n = rest.find('\n').unwrap_or(rest.len());
                rest = &rest[n..];
            } else {
                return rest.starts_with('[') || rest.starts_with('{');
            }
        }
    }

    fn start_collection(
        &mut self,
        span: &Span,
        is_map: bool,
        anchor: usize,
    ) -> Result<(), YamlError> {
        let pos = Pos::of(span);
        if self.expecting_key().is_some() {
            return Err(unsupported(pos, "a collection used as a mapping key"));
        }
        if self.frames.len() >= MAX_DEPTH {
            return Err(YamlError::TooDeep {
                line: pos.line,
                column: pos.column,
                limit: MAX_DEPTH,
            });
        }
        self.decode_count += 1;
        let top = self.frames.is_empty();
        let flow = self.in_flow() || self.is_flow_start(span);
        self.frames.push(if is_map {
            Frame::Map {
                map: Map::new(),
                target: None,
                merge: None,
                merge_seen: false,
                seen: HashMap::new(),
                top,
                anchor,
                size: 1,
                flow,
            }
        } else {
            Frame::Seq {
                items: Vec::new(),
                anchor,
                size: 1,
                flow,
            }
        });
        Ok(())
    }

    fn end_collection(&mut self) -> Result<(), YamlError> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let (value, anchor, size) = match frame {
            Frame::Seq {
                items,
                anchor,
                size,
                ..
            } => (Value::Array(items), anchor, size),
            Frame::Map {
                mut map,
                merge,
                anchor,
                size,
                ..
            } => {
                if let Some((source, pos)) = merge {
                    apply_merge(&mut map, source, pos)?;
                }
                (Value::Object(map), anchor, size)
            }
        };
        self.register(anchor, &value, None, size);
        self.deliver(value, size);
        Ok(())
    }

    fn scalar(&mut self, raw: RawScalar, anchor: usize, pos: Pos) -> Result<(), YamlError> {
        self.decode_count += 1;
        let in_flow = self.in_flow();
        if self.expecting_key().is_some() {
            if anchor > 0 {
                let value = scalar_value(&raw, pos, in_flow)?;
                self.register(anchor, &value, Some(raw.clone()), 1);
            }
            return self.key(&raw, pos);
        }
        let value = scalar_value(&raw, pos, in_flow)?;
        if anchor > 0 {
            self.register(anchor, &value, Some(raw), 1);
        }
        self.deliver(value, 1);
        Ok(())
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), YamlError> {
        let Some(anchor) = self.anchors.get(&id) else {
            return Err(syntax(pos, "anchor value contains itself"));
        };
        if self.expecting_key().is_some() {
            let Some(raw) = anchor.scalar.clone() else {
                return Err(unsupported(pos, "a collection used as a mapping key"));
            };
            self.decode_count += 1;
            return self.key(&raw, pos);
        }
        let size = anchor.size;
        let decode = self.decode_count.saturating_add(size);
        let alias = self.alias_count.saturating_add(size);
        if alias > 100
            && decode > 1000
            && alias as f64 / decode as f64 > allowed_alias_ratio(decode)
        {
            return Err(YamlError::AliasLimit {
                line: pos.line,
                column: pos.column,
            });
        }
        self.decode_count = decode;
        self.alias_count = alias;
        // kyaml copies the anchored node to where the alias is, so a scalar
        // is typed in its new context.
        let value = match &anchor.scalar {
            Some(raw) => {
                let raw = raw.clone();
                scalar_value(&raw, pos, self.in_flow())?
            }
            None => anchor.value.clone(),
        };
        self.deliver(value, size);
        Ok(())
    }
}

/// kyaml `DeAnchor` merge: the mapping's own keys win, then earlier sources.
fn apply_merge(map: &mut Map<String, Value>, source: Value, pos: Pos) -> Result<(), YamlError> {
    let sources = match source {
        Value::Object(m) => vec![m],
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Object(m) => out.push(m),
                    Value::Array(_) => {
                        return Err(syntax(pos, "invalid map merge: received a nested sequence"));
                    }
                    _ => {
                        return Err(syntax(
                            pos,
                            "map merge requires map or sequence of maps as the value",
                        ));
                    }
                }
            }
            out
        }
        _ => {
            return Err(syntax(
                pos,
                "map merge requires map or sequence of maps as the value",
            ));
        }
    };
    for source in sources {
        for (k, v) in source {
            map.entry(k).or_insert(v);
        }
    }
    Ok(())
}

/// yaml.v3's reader accepts only YAML's printable set (plus tab, CR, LF, NEL).
fn check_characters(text: &str) -> Result<(), YamlError> {
    let allowed = |c: char| {
        matches!(c as u32,
            0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..)
    };
    let Some(offset) = text.find(|c: char| !allowed(c)) else {
        return Ok(());
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(YamlError::Syntax {
        line,
        column,
        message: "control characters are not allowed".into(),
    })
}

/// Parses the first document of `text` (one piece from the splitter).
/// `Ok(None)` when there is no document or it is null: kyaml skips those.
pub(crate) fn parse_first_document(text: &str) -> Result<Option<Value>, YamlError> {
    check_characters(text)?;
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::new(text);
    let mut in_document = false;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| scan_error(&e))?;
        let pos = Pos::of(&span);
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => in_document = true,
            Event::DocumentEnd => break,
            Event::Scalar(text, style, anchor, tag) => {
                let raw = RawScalar {
                    text: text.into_owned(),
                    quoted: style != ScalarStyle::Plain,
                    tag: full_tag(tag.as_deref()),
                };
                builder.scalar(raw, anchor, pos)?;
            }
            Event::Alias(id) => builder.alias(id, pos)?,
            Event::SequenceStart(anchor, _) => builder.start_collection(&span, false, anchor)?,
            Event::MappingStart(anchor, _) => builder.start_collection(&span, true, anchor)?,
            Event::SequenceEnd | Event::MappingEnd => builder.end_collection()?,
        }
    }
    if !in_document {
        return Ok(None);
    }
    Ok(builder.root.filter(|v| !v.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> Value {
        parse_first_document(text).unwrap().unwrap()
    }

    #[test]
    fn builds_nested_values() {
        assert_eq!(
            one("a: 1\nb: [x, 2.5, true, null]\nc: {d: '3'}\n"),
            json!({"a": 1, "b": ["x", 2.5, true, null], "c": {"d": "3"}})
        );
    }

    #[test]
    fn empty_and_null_documents_are_skipped() {
        assert_eq!(parse_first_document("").unwrap(), None);
        assert_eq!(parse_first_document("# only a comment\n").unwrap(), None);
        assert_eq!(parse_first_document("---\n").unwrap(), None);
        assert_eq!(parse_first_document("~\n").unwrap(), None);
    }

    #[test]
    fn only_the_first_document_counts() {
        assert_eq!(one("a: 1\n...\nb: 2\n"), json!({"a": 1}));
    }

    #[test]
    fn top_level_keys_keep_their_text() {
        assert_eq!(
            one("1: x\ntrue: y\n0x10: z\n~: dropped\n2001-12-14: t\n"),
            json!({"1": "x", "true": "y", "0x10": "z", "2001-12-14": "t"})
        );
    }

    #[test]
    fn nested_non_string_keys_are_rejected() {
        let err = parse_first_document("data:\n  1: x\n").unwrap_err();
        assert!(
            matches!(err, YamlError::Unsupported { line: 2, .. }),
            "{err:?}"
        );
        assert!(parse_first_document("data:\n  yes: x\n  \"1\": y\n").is_ok());
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let err = parse_first_document("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(
            err,
            YamlError::DuplicateKey {
                key: "a".into(),
                line: 3,
                column: 1,
                first_line: 1
            }
        );
        assert!(parse_first_document("x:\n  '1': a\n  1: b\n").is_err());
    }

    #[test]
    fn merge_keys_follow_kyaml() {
        let doc = "x: &b {p: 1, q: 2}\ny: &c {q: 3, r: 4, <<: {s: 5, p: 7}}\n\
                   data:\n  a: 0\n  <<: [*b, *c]\n  p: 9\n\"<<\": 3\nw: !!merge 1\n";
        assert_eq!(
            one(doc),
            json!({
                "x": {"p": 1, "q": 2},
                "y": {"p": 7, "q": 3, "r": 4, "s": 5},
                "data": {"a": 0, "p": 9, "q": 2, "r": 4, "s": 5},
                "w": "1"
            })
        );
        let err = parse_first_document("a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n").unwrap_err();
        assert!(
            matches!(err, YamlError::Syntax { ref message, .. } if message == "duplicate merge key")
        );
        assert!(parse_first_document("a: &a 1\nb:\n  <<: *a\n").is_err());
        assert!(parse_first_document("b:\n  <<: [[{a: 1}]]\n").is_err());
    }

    #[test]
    fn aliases_copy_values_and_may_be_keys() {
        assert_eq!(
            one("a: &x [1, 2]\nb: *x\nk: &k key\nm:\n  *k : v\n"),
            json!({"a": [1, 2], "b": [1, 2], "k": "key", "m": {"key": "v"}})
        );
    }

    #[test]
    fn recursive_alias_is_an_error() {
        assert!(parse_first_document("a: &a\n  m: *a\n").is_err());
    }

    #[test]
    fn alias_bomb_is_rejected_quickly() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse_first_document(&doc).unwrap_err();
        assert!(matches!(err, YamlError::AliasLimit { .. }), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let doc = "[".repeat(300);
        let err = parse_first_document(&doc).unwrap_err();
        assert!(matches!(err, YamlError::TooDeep { .. }), "{err:?}");
        let mut doc = String::new();
        for i in 0..MAX_DEPTH + 5 {
            doc.push_str(&" ".repeat(i));
            doc.push_str("a:\n");
        }
        let err = parse_first_document(&doc).unwrap_err();
        assert!(
            matches!(
                err,
                YamlError::TooDeep {
                    limit: MAX_DEPTH,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn scalars_resolve_like_kustomize() {
        assert_eq!(
            one(
                "a: 2001-12-14\nb: !!binary aGVsbG8=\nc: !foo 12\nd: ! 12\ne: !!str 12\nf: !!float 3\ng: !!binary /w==\nh: !!int \"12\"\n"
            ),
            json!({"a": "2001-12-14T00:00:00Z", "b": "hello", "c": "12", "d": 12, "e": "12", "f": 3.0, "g": "\u{FFFD}", "h": 12})
        );
    }

    #[test]
    fn timestamps_in_flow_collections_stay_strings() {
        assert_eq!(
            one(
                "a: [2001-12-14, 2001-12-14t21:59:43.10-05:00, &x {t: 2001-12-14 1:2:3}]\nb:\n- 2001-12-14 1:2:3\nc: *x\n"
            ),
            json!({
                "a": ["2001-12-14T00:00:00Z", "2001-12-14t21:59:43.10-05:00", {"t": "2001-12-14 1:2:3"}],
                "b": ["2001-12-14T01:02:03Z"],
                "c": {"t": "2001-12-14 1:2:3"}
            })
        );
        assert_eq!(
            one("é: &t 2001-12-14 1:2:3\nb: [*t]\n"),
            json!({"é": "2001-12-14T01:02:03Z", "b": ["2001-12-14 1:2:3"]})
        );
    }

    #[test]
    fn unrepresentable_values_are_errors() {
        for i in 0..20 {
            let f = std::fs::read_to_string(format!("/tmp/dump/d{i:02}.yaml")).unwrap();
            if let Err(e) = parse_first_document(&f) {
                let lines: Vec<&str> = f.lines().collect();
                eprintln!(
                    "SUB doc {i}: {e:?} {:?}",
                    &lines[e.line().unwrap() - 3..e.line().unwrap()]
                );
            }
        }
        let f = std::fs::read_to_string("/tmp/dump/r0.yaml").unwrap();
        let lines: Vec<&str> = f.lines().collect();
        eprintln!(
            "SUB full docs: {:?}",
            crate::yaml::parse_documents(&f).map(|_| ())
        );
        for n in 7..lines.len() {
            let sub = lines[..n].join("\n") + "\n";
            if let Err(e @ YamlError::DuplicateKey { .. }) = parse_first_document(&sub) {
                eprintln!("SUB first dup at {n}: {e:?}\n{:?}", &lines[n - 3..n]);
                break;
            }
        }
        for doc in ["a: .nan\n", "a: -.inf\n", "a: 2001-12-14T21:59:43+24:00\n"] {
            let err = parse_first_document(doc).unwrap_err();
            assert!(
                matches!(err, YamlError::Unsupported { line: 1, .. }),
                "{doc}: {err:?}"
            );
        }
        let err = parse_first_document("a: !!int abc\n").unwrap_err();
        assert!(matches!(err, YamlError::Syntax { .. }), "{err:?}");
        assert!(parse_first_document("a: !!binary '%%%'\n").is_err());
    }

    #[test]
    fn control_characters_are_rejected() {
        let err = parse_first_document("a: 1\nb: x\u{7f}\n").unwrap_err();
        assert_eq!(
            err,
            YamlError::Syntax {
                line: 2,
                column: 5,
                message: "control characters are not allowed".into()
            }
        );
        assert!(parse_first_document("a: \"\\u007f\"\n").is_ok());
        assert!(parse_first_document("a: \"tab\there\"\n").is_ok());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse_first_document("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(
            matches!(err, YamlError::Syntax { line, .. } if line >= 2),
            "{err:?}"
        );
        let err = parse_first_document("a: b: c\n").unwrap_err();
        assert!(matches!(err, YamlError::Syntax { line: 1, .. }), "{err:?}");
    }
}
