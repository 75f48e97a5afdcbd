//! Building one document's JSON value from the parser's events, with the
//! structure kustomize gets from kyaml + yaml.v3:
//!
//! - aliases are expanded and merge keys (`<<`) applied as kyaml's `DeAnchor`
//!   does (own keys win, then earlier merge sources; two `<<` keys are an error);
//! - keys of the top-level mapping are the raw key text (kustomize decodes the
//!   object into `map[string]interface{}`), keys of nested mappings must be strings;
//! - duplicate keys are an error, as yaml.v3's decoder reports them.
//!
//! Building is iterative (an explicit stack), bounded in depth, and alias
//! expansion is bounded with yaml.v3's alias-ratio rule, so hostile input
//! cannot exhaust the stack or memory.

use std::collections::HashMap;

use saphyr_parser::Span;
use serde_json::{Map, Value};

use super::error::YamlError;
use super::typing::{
    Dialect, Pos, RawScalar, config_key, config_value, is_config_merge_key, is_merge_key,
    scalar_key, scalar_value, syntax, unsupported,
};

/// Deepest nesting of collections accepted in one document.
pub(crate) const MAX_DEPTH: usize = 1000;

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
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'t> CharCursor<'t> {
    fn new(text: &'t str) -> Self {
        CharCursor {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    /// Offsets arrive nearly in order, so the cursor walks from where it is.
    fn byte_of(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        for c in self.text[..self.bytes].chars().rev() {
            if self.chars <= char_index {
                break;
            }
            self.chars -= 1;
            self.bytes -= c.len_utf8();
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
pub(crate) struct Builder<'t> {
    dialect: Dialect,
    cursor: CharCursor<'t>,
    frames: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    pub(crate) root: Option<Value>,
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

impl<'t> Builder<'t> {
    pub(crate) fn new(text: &'t str, dialect: Dialect) -> Self {
        Builder {
            dialect,
            cursor: CharCursor::new(text),
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
    fn deliver(&mut self, value: Value, size: usize) -> Result<(), YamlError> {
        let dialect = self.dialect;
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
                    Some(KeyTarget::Merge(pos)) if dialect == Dialect::Config => {
                        merge_config(map, value, pos)?;
                    }
                    Some(KeyTarget::Merge(pos)) => *merge = Some((value, pos)),
                    Some(KeyTarget::Skip) | None => {}
                }
            }
        }
        Ok(())
    }

    /// The value of a scalar in value position, typed by the dialect.
    fn value_of(&self, raw: RawScalar, pos: Pos) -> Result<Value, YamlError> {
        if self.dialect == Dialect::Resource && self.at_annotation_value() {
            // kustomize rewrites every object's annotations as a map of strings
            // taken from the nodes' text, so `a: 012` stays "012", `~` stays "~".
            return Ok(Value::String(raw.text));
        }
        match self.dialect {
            Dialect::Resource => scalar_value(raw, pos, self.in_flow()),
            Dialect::Config => config_value(raw, pos),
        }
    }

    /// Whether the next value is an entry of `metadata.annotations` of an
    /// object: the document itself or an item of a List's `items`.
    fn at_annotation_value(&self) -> bool {
        let pending = |frame: &Frame, key: &str| matches!(frame, Frame::Map { target: Some(KeyTarget::Insert(k)), .. } if k == key);
        let object_at = match self.frames.len() {
            3 => 0,
            5 if pending(&self.frames[0], "items")
                && matches!(self.frames[1], Frame::Seq { .. }) =>
            {
                2
            }
            _ => return false,
        };
        let frames = &self.frames[object_at..];
        pending(&frames[0], "metadata")
            && pending(&frames[1], "annotations")
            && matches!(
                frames[2],
                Frame::Map {
                    target: Some(KeyTarget::Insert(_)),
                    ..
                }
            )
    }

    /// go-yaml v2 keys: later duplicates win, each `<<` merges where it
    /// stands, overwriting keys set before it.
    fn config_key(&mut self, raw: &RawScalar, pos: Pos) -> Result<(), YamlError> {
        let Some(Frame::Map { target, .. }) = self.frames.last_mut() else {
            return Ok(());
        };
        *target = Some(if is_config_merge_key(raw) {
            KeyTarget::Merge(pos)
        } else {
            KeyTarget::Insert(config_key(raw, pos)?)
        });
        Ok(())
    }

    fn key(&mut self, raw: &RawScalar, pos: Pos) -> Result<(), YamlError> {
        if self.dialect == Dialect::Config {
            return self.config_key(raw, pos);
        }
        let Some(Frame::Map {
            map,
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
        // Nested mappings store every key as written, so the mapping itself
        // tells duplicates; the top-level one may rename or drop keys.
        let previous = if *top {
            seen.insert(raw.text.clone(), pos.line)
        } else if map.contains_key(&raw.text) {
            Some(first_line_of_key(self.cursor.text, &raw.text, pos.line))
        } else {
            None
        };
        if let Some(first_line) = previous {
            return Err(YamlError::DuplicateKey {
                key: raw.text.clone(),
                line: pos.line,
                column: pos.column,
                first_line,
            });
        }
        *target = Some(match scalar_key(raw, *top, pos)? {
            Some(k) => KeyTarget::Insert(k),
            None => KeyTarget::Skip,
        });
        Ok(())
    }

    /// The byte offset of a character offset from the parser.
    pub(crate) fn byte_of(&mut self, char_index: usize) -> usize {
        self.cursor.byte_of(char_index)
    }

    /// The source text of `span` (character offsets from the parser).
    pub(crate) fn source(&mut self, span: &Span) -> &str {
        let start = self.cursor.byte_of(span.start.index());
        let end = self.cursor.byte_of(span.end.index()).max(start);
        self.cursor.text.get(start..end).unwrap_or("")
    }

    /// Whether the next node is an entry of a block sequence.
    pub(crate) fn in_block_sequence(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Seq { flow: false, .. }))
    }

    fn in_flow(&self) -> bool {
        self.frames.last().is_some_and(Frame::flow)
    }

    /// Whether a collection starting at `span` is written in flow style: its
    /// first token after any anchor and tag is `[` or `{` (block collections
    /// start with an empty token).
    fn is_flow_start(&mut self, span: &Span) -> bool {
        let mut rest = self.source(span);
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

    pub(crate) fn start_collection(
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

    pub(crate) fn end_collection(&mut self) -> Result<(), YamlError> {
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
        self.deliver(value, size)
    }

    pub(crate) fn scalar(
        &mut self,
        raw: RawScalar,
        anchor: usize,
        pos: Pos,
    ) -> Result<(), YamlError> {
        self.decode_count += 1;
        if self.expecting_key().is_some() {
            if anchor > 0 {
                let value = self.value_of(raw.clone(), pos)?;
                self.register(anchor, &value, Some(raw.clone()), 1);
            }
            return self.key(&raw, pos);
        }
        if anchor > 0 {
            let value = self.value_of(raw.clone(), pos)?;
            self.register(anchor, &value, Some(raw), 1);
            self.deliver(value, 1)?;
        } else {
            let value = self.value_of(raw, pos)?;
            self.deliver(value, 1)?;
        }
        Ok(())
    }

    pub(crate) fn alias(&mut self, id: usize, pos: Pos) -> Result<(), YamlError> {
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
                self.value_of(raw, pos)?
            }
            None => anchor.value.clone(),
        };
        self.deliver(value, size)
    }
}

/// The line (1-based) of the closest earlier line that starts with `key` as
/// a mapping key, for duplicate-key messages; `line` itself when none does.
fn first_line_of_key(text: &str, key: &str, line: usize) -> usize {
    let candidates = [key.to_string(), format!("\"{key}\""), format!("'{key}'")];
    text.lines()
        .take(line.saturating_sub(1))
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start().trim_start_matches("- ");
            candidates.iter().any(|c| {
                l.strip_prefix(c.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
            })
        })
        .map(|(i, _)| i + 1)
        .last()
        .unwrap_or(line)
}

/// go-yaml v2 merge: the sources' keys overwrite what is already there, and
/// earlier sources of a sequence win (they are applied last).
fn merge_config(map: &mut Map<String, Value>, source: Value, pos: Pos) -> Result<(), YamlError> {
    let want_map = || {
        syntax(
            pos,
            "map merge requires map or sequence of maps as the value",
        )
    };
    match source {
        Value::Object(m) => map.extend(m),
        Value::Array(items) => {
            for item in items.into_iter().rev() {
                match item {
                    Value::Object(m) => map.extend(m),
                    _ => return Err(want_map()),
                }
            }
        }
        _ => return Err(want_map()),
    }
    Ok(())
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
