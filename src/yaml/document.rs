//! Parsing one document (one piece of kyaml's split) into a JSON value:
//! drives the YAML event parser, applies the input checks yaml.v3 makes and
//! saphyr does not (control characters, unknown escapes), and works around
//! the places where saphyr's YAML 1.2 scanner is stricter than yaml.v3.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde_json::Value;

use super::build::Builder;
use super::error::YamlError;
use super::typing::{Dialect, Pos, RawScalar};

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

fn full_tag(tag: Option<&saphyr_parser::Tag>) -> String {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
        .unwrap_or_default()
}

/// yaml.v3's reader accepts only YAML's printable set (plus tab, CR, LF, NEL).
fn check_characters(text: &str) -> Result<(), YamlError> {
    let allowed = |c: char| {
        matches!(c as u32,
            0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..)
    };
    let ascii_ok = |b: &u8| matches!(b, 0x09 | 0x0A | 0x0D | 0x20..=0x7E);
    if text.as_bytes().iter().all(ascii_ok) {
        return Ok(());
    }
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

/// How many times a document is re-parsed after repairing a spot where
/// saphyr is stricter than yaml.v3.
const MAX_REPAIRS: usize = 64;

/// Why parsing stopped: a real error, or a spot to repair and retry.
enum Stop {
    Error(YamlError),
    /// Replace the tabs just before this character index with spaces.
    TabsBefore(usize),
}

impl From<YamlError> for Stop {
    fn from(e: YamlError) -> Self {
        Stop::Error(e)
    }
}

fn byte_index(text: &str, char_index: usize) -> usize {
    text.char_indices()
        .nth(char_index)
        .map_or(text.len(), |(b, _)| b)
}

/// Applies one repair; `None` when the spot is not what the repair expects.
fn repair(text: &str, stop: &Stop) -> Option<String> {
    match *stop {
        Stop::TabsBefore(at) => {
            let end = byte_index(text, at);
            let start = text[..end].trim_end_matches([' ', '\t']).len();
            if !text[start..end].contains('\t') {
                return None;
            }
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..start]);
            out.push_str(&text[start..end].replace('\t', " "));
            out.push_str(&text[end..]);
            Some(out)
        }
        Stop::Error(_) => None,
    }
}

const BOM: char = '\u{FEFF}';
/// Stands in for byte order marks inside a document while saphyr parses it.
const BOM_STAND_IN: char = '\u{10FFFD}';

/// yaml.v3 reads a byte order mark after the start of the stream as an
/// ordinary character (its `is_bom` looks at the buffer start only), where
/// saphyr rejects it. Such marks are swapped for a private-use character
/// during parsing and swapped back in the result.
fn hide_byte_order_marks(text: &str) -> Option<String> {
    let rest = text.strip_prefix(BOM).unwrap_or(text);
    if !rest.contains(BOM) || text.contains(BOM_STAND_IN) {
        return None;
    }
    let lead = text.len() - rest.len();
    Some(format!(
        "{}{}",
        &text[..lead],
        rest.replace(BOM, &BOM_STAND_IN.to_string())
    ))
}

fn restore_byte_order_marks(value: &mut Value) {
    let restore = |s: &str| s.replace(BOM_STAND_IN, &BOM.to_string());
    match value {
        Value::String(s) if s.contains(BOM_STAND_IN) => *s = restore(s),
        Value::Array(items) => items.iter_mut().for_each(restore_byte_order_marks),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut v) in entries {
                restore_byte_order_marks(&mut v);
                map.insert(restore(&k), v);
            }
        }
        _ => {}
    }
}

/// Parses the first document of `text` (one piece from the splitter).
/// `Ok(None)` when there is no document or it is null: kyaml skips those.
pub(crate) fn parse_first_document(text: &str) -> Result<Option<Value>, YamlError> {
    parse_first_document_as(text, Dialect::Resource)
}

/// [`parse_first_document`] with the typing rules of `dialect`.
pub(crate) fn parse_first_document_as(
    text: &str,
    dialect: Dialect,
) -> Result<Option<Value>, YamlError> {
    check_characters(text)?;
    super::doc_end::check_leading_document_end(text)?;
    if text.contains('\u{85}') {
        // libyaml reads a raw NEL exactly as a line feed (YAML 1.1 line
        // break, converted by its reader); saphyr (YAML 1.2) sees content.
        return parse_first_document_as(&text.replace('\u{85}', "\n"), dialect);
    }
    if let Some(hidden) = hide_byte_order_marks(text) {
        let mut value = parse_repairing(&hidden, dialect)?;
        if let Some(v) = value.as_mut() {
            restore_byte_order_marks(v);
        }
        return Ok(value);
    }
    parse_repairing(text, dialect)
}

fn parse_repairing(text: &str, dialect: Dialect) -> Result<Option<Value>, YamlError> {
    let mut repaired: Option<String> = None;
    for _ in 0..=MAX_REPAIRS {
        let current = repaired.as_deref().unwrap_or(text);
        // saphyr is not ours to audit: a panic in it must not take the
        // caller down, so it is turned into an error.
        let outcome =
            std::panic::catch_unwind(|| parse_events(current, dialect)).unwrap_or_else(|_| {
                Err(Stop::Error(YamlError::Syntax {
                    line: 1,
                    column: 1,
                    message: "the YAML parser failed on this document".into(),
                }))
            });
        match outcome {
            Ok(value) => return Ok(value),
            Err(Stop::Error(e)) => return Err(e),
            Err(stop) => match repair(current, &stop) {
                Some(fixed) => repaired = Some(fixed),
                None => return Err(stop_error(current, &stop)),
            },
        }
    }
    // Too many repairs: report where the last one was needed.
    let current = repaired.as_deref().unwrap_or(text);
    match parse_events(current, dialect) {
        Ok(value) => Ok(value),
        Err(stop) => Err(stop_error(current, &stop)),
    }
}

fn stop_error(text: &str, stop: &Stop) -> YamlError {
    match stop {
        Stop::Error(e) => e.clone(),
        Stop::TabsBefore(at) => {
            let before = &text[..byte_index(text, *at)];
            YamlError::Syntax {
                line: before.matches('\n').count() + 1,
                column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
                message: "tabs are not allowed here".into(),
            }
        }
    }
}

/// Classifies a scanner error: some are spots yaml.v3 accepts.
fn scan_stop(e: &ScanError) -> Stop {
    let at = e.marker().index();
    match e.info() {
        // yaml.v3 accepts tabs as separators after `:` (not after `-`).
        "':' must be followed by a valid YAML whitespace" => Stop::TabsBefore(at),
        _ => Stop::Error(scan_error(e)),
    }
}

/// yaml.v3 knows no `\/` escape (YAML 1.2 added it; saphyr accepts it).
fn check_escapes(source: &str, pos: Pos) -> Result<(), YamlError> {
    if !source.contains("\\/") {
        return Ok(());
    }
    let Some(open) = source.find('"') else {
        return Ok(());
    };
    let mut chars = source[open + 1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' if chars.next() == Some('/') => {
                return Err(YamlError::Syntax {
                    line: pos.line,
                    column: pos.column,
                    message: "while parsing a quoted scalar, found unknown escape character".into(),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// libyaml, while detecting a block scalar's indentation, refuses a tab right
/// after the leading spaces of its first content line; saphyr takes the tab
/// as content. `start` is where the parser says the scalar's content starts.
fn check_block_scalar_tabs(text: &str, start: usize, pos: Pos) -> Result<(), YamlError> {
    let before = &text[..start.min(text.len())];
    let Some(indicator) = before.rfind(['|', '>']) else {
        return Ok(());
    };
    let header_end = text[indicator..]
        .find('\n')
        .map_or(text.len(), |n| indicator + n);
    if text[indicator..header_end]
        .split('#')
        .next()
        .is_some_and(|h| h.contains(|c: char| c.is_ascii_digit()))
    {
        // An explicit indentation indicator: a tab after it is content.
        return Ok(());
    }
    for line in text[header_end..].split('\n').skip(1) {
        match line.trim_start_matches(' ').chars().next() {
            None => continue,
            Some('\t') => {
                return Err(YamlError::Syntax {
                    line: pos.line,
                    column: pos.column,
                    message: "found a tab character where an indentation space is expected".into(),
                });
            }
            Some(_) => return Ok(()),
        }
    }
    Ok(())
}

/// libyaml does not skip a tab after a block sequence's `-` ("found character
/// that cannot start any token"); saphyr does. `start` is where the entry's
/// node starts.
fn check_tab_after_dash(text: &str, start: usize, pos: Pos) -> Result<(), YamlError> {
    let before = &text[..start.min(text.len())];
    let trimmed = before.trim_end_matches([' ', '\t']);
    if trimmed.ends_with('-') && before[trimmed.len()..].contains('\t') {
        return Err(YamlError::Syntax {
            line: pos.line,
            column: pos.column,
            message: "found character that cannot start any token".into(),
        });
    }
    Ok(())
}

fn parse_events(text: &str, dialect: Dialect) -> Result<Option<Value>, Stop> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::new(text, dialect);
    let mut in_document = false;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| scan_stop(&e))?;
        let pos = Pos::of(&span);
        if builder.in_block_sequence()
            && matches!(
                event,
                Event::Scalar(..)
                    | Event::Alias(_)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
            )
        {
            let start = builder.byte_of(span.start.index());
            check_tab_after_dash(text, start, pos)?;
        }
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => in_document = true,
            Event::DocumentEnd => break,
            Event::Scalar(value, style, anchor, tag) => {
                match style {
                    ScalarStyle::DoubleQuoted => check_escapes(builder.source(&span), pos)?,
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        let start = builder.byte_of(span.start.index());
                        check_block_scalar_tabs(text, start, pos)?;
                    }
                    _ => {}
                }
                let raw = RawScalar {
                    text: value.into_owned(),
                    quoted: style != ScalarStyle::Plain,
                    folded: style == ScalarStyle::Folded,
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
    Ok(builder.root.take().filter(|v| !v.is_null()))
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

    use crate::yaml::build::MAX_DEPTH;

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
    fn tabs_after_indicators_are_accepted_like_yaml_v3() {
        assert_eq!(one("a:\tb\nc:\t\t1\n"), json!({"a": "b", "c": 1}));
        // A tab inside a quoted scalar is content and stays.
        assert_eq!(one("a:\t\"x:\ty\"\n"), json!({"a": "x:\ty"}));
    }

    #[test]
    fn byte_order_marks_are_content_after_the_start() {
        assert_eq!(one("\u{feff}a: 1\n"), json!({"a": 1}));
        assert_eq!(
            one("a: 1\n\u{feff}b: \u{feff}x\n"),
            json!({"a": 1, "\u{feff}b": "\u{feff}x"})
        );
    }

    #[test]
    fn tab_after_block_scalar_indentation_is_rejected_like_libyaml() {
        assert!(parse_first_document("a: >\n    \ttab start\n    b\n").is_err());
        assert!(parse_first_document("a: |\n\n    \tx\n").is_err());
        assert_eq!(one("a: |2\n   \tx\n"), json!({"a": " \tx\n"}));
        assert_eq!(one("a: |\n    x\n    \ty\n"), json!({"a": "x\n\ty\n"}));
    }

    #[test]
    fn tab_after_a_dash_is_rejected_like_libyaml() {
        assert!(parse_first_document("a:\n-\tz\n").is_err());
        assert!(parse_first_document("a:\n- \tz\n").is_err());
        assert!(parse_first_document("a:\n-\tb: c\n").is_err());
        assert_eq!(one("a:\n- z\t\n- 'x\ty'\n"), json!({"a": ["z", "x\ty"]}));
    }

    #[test]
    fn raw_nel_is_a_line_break() {
        assert_eq!(
            one("a: 1\u{85}b: 'x\u{85}  y'\u{85}"),
            json!({"a": 1, "b": "x y"})
        );
    }

    #[test]
    fn slash_escape_is_rejected_like_yaml_v3() {
        let err = parse_first_document("a: \"x\\/y\"\n").unwrap_err();
        assert!(matches!(err, YamlError::Syntax { line: 1, .. }), "{err:?}");
        assert_eq!(
            one("a: \"x\\\\/y\"\nb: 'x\\/'\n"),
            json!({"a": "x\\/y", "b": "x\\/"})
        );
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
