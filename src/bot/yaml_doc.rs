//! A YAML document as a tree of nodes that remember where they are in the text (byte
//! offsets), built from `saphyr-parser`'s spanned events, so that edits can splice bytes
//! instead of re-printing the document.
//!
//! The parser reports positions in characters, not bytes, and the end of a quoted scalar's
//! span runs over trailing spaces and comments; both are corrected here, so every node's
//! `start..end` is exactly its own text.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// One node of the document.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Scalar {
        value: String,
        style: ScalarStyle,
        start: usize,
        end: usize,
    },
    Mapping {
        flow: bool,
        start: usize,
        entries: Vec<(Node, Node)>,
    },
    Sequence {
        flow: bool,
        start: usize,
        items: Vec<Node>,
    },
    /// An alias (`*name`); never edited.
    Alias { start: usize },
}

impl Node {
    /// Where the node's text begins (byte offset).
    pub(crate) fn start(&self) -> usize {
        match self {
            Node::Scalar { start, .. }
            | Node::Mapping { start, .. }
            | Node::Sequence { start, .. }
            | Node::Alias { start } => *start,
        }
    }

    /// The byte offset just past the last scalar inside this node (the node itself when it
    /// is a scalar); `None` for empty collections and aliases.
    pub(crate) fn last_scalar_end(&self) -> Option<usize> {
        match self {
            Node::Scalar { end, .. } => Some(*end),
            Node::Mapping { entries, .. } => entries.last().and_then(|(_, v)| v.last_scalar_end()),
            Node::Sequence { items, .. } => items.last().and_then(Node::last_scalar_end),
            Node::Alias { .. } => None,
        }
    }

    /// The scalar's value, when this is a scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value under `key` (compared case-insensitively, as kustomize reads fields), with
    /// its key node.
    pub(crate) fn get(&self, key: &str) -> Option<(&Node, &Node)> {
        let Node::Mapping { entries, .. } = self else {
            return None;
        };
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .or_else(|| {
                entries.iter().find(|(k, _)| {
                    k.as_str()
                        .is_some_and(|name| name.eq_ignore_ascii_case(key))
                })
            })
            .map(|(k, v)| (k, v))
    }
}

/// The parsed document and the text it came from.
pub(crate) struct Document<'a> {
    pub(crate) text: &'a str,
    pub(crate) root: Node,
}

/// Why a text could not be read as one YAML document.
#[derive(Debug)]
pub(crate) struct ParseFailure(pub(crate) String);

impl<'a> Document<'a> {
    /// Parses exactly one document (a stream of several is refused: a kustomization is one).
    pub(crate) fn parse(text: &'a str) -> Result<Document<'a>, ParseFailure> {
        let offsets = char_offsets(text);
        let mut builder = Builder {
            text,
            offsets: &offsets,
            stack: Vec::new(),
            root: None,
            documents: 0,
        };
        let mut parser = Parser::new_from_str(text);
        while let Some(event) = parser.next_event() {
            let (event, span) = event.map_err(|e| {
                ParseFailure(format!(
                    "line {} column {}: {}",
                    e.marker().line(),
                    e.marker().col() + 1,
                    e.info()
                ))
            })?;
            builder.on_event(event, span)?;
        }
        if builder.documents > 1 {
            return Err(ParseFailure(
                "holds several YAML documents; a kustomization is one".into(),
            ));
        }
        let root = builder
            .root
            .ok_or_else(|| ParseFailure("is empty".into()))?;
        Ok(Document { text, root })
    }

    /// The (0-based, in characters) column of byte offset `at`.
    pub(crate) fn column(&self, at: usize) -> usize {
        let line_start = self.line_start(at);
        self.text[line_start..at].chars().count()
    }

    /// The byte offset where the line holding `at` starts.
    pub(crate) fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The byte offset just past the end of the line holding `at` (past its newline, or the
    /// end of the text).
    pub(crate) fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i + 1)
    }

    /// The file's line break: `\r\n` when its first line ends so, else `\n`.
    pub(crate) fn newline(&self) -> &'static str {
        match self.text.find('\n') {
            Some(i) if i > 0 && self.text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }
}

/// Byte offset of every character index, plus the text length at the end.
fn char_offsets(text: &str) -> Vec<usize> {
    let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    offsets.push(text.len());
    offsets
}

enum Open {
    Mapping {
        flow: bool,
        start: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Sequence {
        flow: bool,
        start: usize,
        items: Vec<Node>,
    },
}

struct Builder<'a, 'o> {
    text: &'a str,
    offsets: &'o [usize],
    stack: Vec<Open>,
    root: Option<Node>,
    documents: usize,
}

impl Builder<'_, '_> {
    fn byte(&self, char_index: usize) -> Result<usize, ParseFailure> {
        self.offsets
            .get(char_index)
            .copied()
            .ok_or_else(|| ParseFailure(format!("position {char_index} is past the end")))
    }

    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), ParseFailure> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                Ok(())
            }
            Event::Scalar(value, style, _, _) => {
                let start = self.byte(span.start.index())?;
                let end = match style {
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        quoted_end(self.text, start, style)?
                    }
                    _ => self.byte(span.end.index())?,
                };
                self.add(Node::Scalar {
                    value: value.into_owned(),
                    style,
                    start,
                    end,
                })
            }
            Event::Alias(_) => {
                let start = self.byte(span.start.index())?;
                self.add(Node::Alias { start })
            }
            Event::MappingStart(_, _) => {
                let start = self.byte(span.start.index())?;
                let flow = self.text[start..].starts_with('{');
                self.stack.push(Open::Mapping {
                    flow,
                    start,
                    entries: Vec::new(),
                    key: None,
                });
                Ok(())
            }
            Event::SequenceStart(_, _) => {
                // A block sequence's span starts at its first item, not at the `-`.
                let first = self.byte(span.start.index())?;
                let dash = dash_before(self.text, first);
                let flow = dash.is_none() && self.text[first..].starts_with('[');
                let start = dash.unwrap_or(first);
                self.stack.push(Open::Sequence {
                    flow,
                    start,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Mapping {
                        flow,
                        start,
                        entries,
                        ..
                    }) => Node::Mapping {
                        flow,
                        start,
                        entries,
                    },
                    Some(Open::Sequence { flow, start, items }) => {
                        Node::Sequence { flow, start, items }
                    }
                    None => return Err(ParseFailure("unbalanced collection end".into())),
                };
                self.add(node)
            }
            _ => Ok(()),
        }
    }

    fn add(&mut self, node: Node) -> Result<(), ParseFailure> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Open::Sequence { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Open::Mapping { entries, key, .. }) => {
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
                Ok(())
            }
        }
    }
}

/// The `-` that introduces the item starting at `at`, skipping blanks and line breaks.
fn dash_before(text: &str, at: usize) -> Option<usize> {
    let before = text[..at].trim_end_matches([' ', '\t', '\r', '\n']);
    before.ends_with('-').then(|| before.len() - 1)
}

/// The byte offset just past the closing quote of the quoted scalar starting at `start`.
fn quoted_end(text: &str, start: usize, style: ScalarStyle) -> Result<usize, ParseFailure> {
    let bytes = text.as_bytes();
    let quote = if style == ScalarStyle::SingleQuoted {
        b'\''
    } else {
        b'"'
    };
    if bytes.get(start) != Some(&quote) {
        return Err(ParseFailure(format!(
            "expected a quote at byte {start} (parser positions disagree with the text)"
        )));
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(ParseFailure(format!(
        "unterminated quoted scalar at byte {start}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_and_quoted_ends_stop_at_the_quote() {
        let text = "# ünïcödé comment\nimages:\n  - name: \"ä/b\"   # note\n    newTag: '1.0'  # x\n    digest: plain\n";
        let doc = Document::parse(text).expect("parses");
        let (_, images) = doc.root.get("images").expect("images");
        let Node::Sequence { items, flow, .. } = images else {
            panic!("sequence expected")
        };
        assert!(!flow);
        let (_, name) = items[0].get("name").expect("name");
        let Node::Scalar { start, end, .. } = name else {
            panic!("scalar")
        };
        assert_eq!(&text[*start..*end], "\"ä/b\"");
        let (_, tag) = items[0].get("newTag").expect("tag");
        let Node::Scalar { start, end, .. } = tag else {
            panic!("scalar")
        };
        assert_eq!(&text[*start..*end], "'1.0'");
        let (_, digest) = items[0].get("digest").expect("digest");
        let Node::Scalar { start, end, .. } = digest else {
            panic!("scalar")
        };
        assert_eq!(&text[*start..*end], "plain");
        assert_eq!(doc.column(*start), 12);
    }

    #[test]
    fn flow_collections_are_marked() {
        let doc = Document::parse("images: [{name: a, newTag: b}]\n").expect("parses");
        let (_, images) = doc.root.get("images").expect("images");
        let Node::Sequence { items, flow, .. } = images else {
            panic!("sequence")
        };
        assert!(flow);
        assert!(matches!(items[0], Node::Mapping { flow: true, .. }));
    }

    #[test]
    fn block_sequences_start_at_their_dash() {
        for (text, col) in [
            ("a:\n- x: 1\n", 0),
            ("a:\n    -   x: 1\n", 4),
            ("- [1]\n- 2\n", 0),
        ] {
            let doc = Document::parse(text).expect("parses");
            let seq = match &doc.root {
                Node::Sequence { .. } => &doc.root,
                other => other.get("a").map(|(_, v)| v).expect("a"),
            };
            let Node::Sequence { flow, start, .. } = seq else {
                panic!("sequence")
            };
            assert!(!flow, "{text:?}");
            assert_eq!(doc.column(*start), col, "{text:?}");
        }
    }

    #[test]
    fn several_documents_are_refused() {
        assert!(Document::parse("a: 1\n---\nb: 2\n").is_err());
        assert!(Document::parse("a: [1\n").is_err());
    }

    #[test]
    fn escaped_quotes_do_not_end_a_scalar() {
        let text = "a: 'it''s' # c\nb: \"q\\\"x\" # d\n";
        let doc = Document::parse(text).expect("parses");
        for (key, want) in [("a", "'it''s'"), ("b", "\"q\\\"x\"")] {
            let (_, node) = doc.root.get(key).expect("key");
            let Node::Scalar { start, end, .. } = node else {
                panic!("scalar")
            };
            assert_eq!(&text[*start..*end], want);
        }
    }
}
