//! Printing a JSON value the way kustomize prints a resource: `json.Marshal`,
//! then sigs.k8s.io/yaml's `JSONToYAML`, i.e. go-yaml v2's `Marshal` driving
//! libyaml's emitter (as ported to Go). The emitter's bookkeeping (column,
//! indent stack, `whitespace`/`indention` flags) is reproduced step for step,
//! because line folding and indentation depend on it.
//!
//! Block styles only: mappings indented by two, sequences inside mappings not
//! indented, empty collections as `{}` / `[]`, keys sorted with go-yaml v2's
//! order, keys longer than 128 bytes written as `? key`.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::gonum::float_as_printed;
use super::resolve::v2_plain_is_str;
use super::scalar::{Analysis, Style, analyze};
use super::sort::sort_keys;

/// libyaml's `best_indent`.
pub(crate) const BEST_INDENT: i64 = 2;
/// libyaml's `best_width`: folding starts once the column passes it.
pub(crate) const BEST_WIDTH: usize = 80;

/// Where a node sits, as libyaml's `*_context` flags record it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Context {
    pub mapping: bool,
    pub simple_key: bool,
}

/// The emitter state that affects layout.
pub(crate) struct Emitter<'o> {
    pub out: &'o mut String,
    /// Column in characters.
    pub column: usize,
    pub indent: i64,
    pub whitespace: bool,
    pub indention: bool,
    pub flow_level: usize,
}

impl<'o> Emitter<'o> {
    pub(crate) fn new(out: &'o mut String) -> Self {
        Emitter {
            out,
            column: 0,
            indent: -1,
            whitespace: true,
            indention: true,
            flow_level: 0,
        }
    }

    pub(crate) fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    pub(crate) fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// libyaml `write` for one character of scalar content.
    pub(crate) fn write(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// libyaml `write_break`: a `\n` becomes a line break, other break
    /// characters are copied but still reset the column.
    pub(crate) fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.write(c);
            self.column = 0;
        }
    }

    pub(crate) fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    pub(crate) fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.write(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// `yaml_emitter_increase_indent`; returns the indent to restore.
    pub(crate) fn increase_indent(&mut self, flow: bool, indentless: bool) -> i64 {
        let saved = self.indent;
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
        saved
    }

    fn emit_node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::Null => self.emit_scalar("null", Style::Plain, ctx),
            Value::Bool(true) => self.emit_scalar("true", Style::Plain, ctx),
            Value::Bool(false) => self.emit_scalar("false", Style::Plain, ctx),
            Value::Number(n) => {
                if n.is_i64() || n.is_u64() {
                    // Integers are plain, never folded: write them directly.
                    if !self.whitespace {
                        self.put(' ');
                    }
                    let start = self.out.len();
                    // Writing to a String cannot fail.
                    let _ = write!(self.out, "{n}");
                    self.column += self.out.len() - start;
                    self.whitespace = false;
                    self.indention = false;
                } else {
                    let text = float_as_printed(n.as_f64().unwrap_or(0.0));
                    self.emit_scalar(&text, Style::Plain, ctx);
                }
            }
            Value::String(s) => {
                let s = json_round_trip(s);
                let style = if s.contains('\n') {
                    Style::Literal
                } else if v2_plain_is_str(&s) {
                    Style::Plain
                } else {
                    Style::DoubleQuoted
                };
                self.emit_scalar(&s, style, ctx);
            }
            Value::Array(items) if items.is_empty() => self.emit_empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.emit_empty_flow("{", "}"),
            Value::Array(items) => self.emit_block_sequence(items, ctx),
            Value::Object(map) => self.emit_block_mapping(map),
        }
    }

    fn emit_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        let saved = self.increase_indent(true, false);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.indent = saved;
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Value], ctx: Context) {
        let saved = self.increase_indent(false, ctx.mapping && !self.indention);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, Context::default());
        }
        self.indent = saved;
    }

    fn emit_block_mapping(&mut self, map: &Map<String, Value>) {
        let saved = self.increase_indent(false, false);
        let mut entries: Vec<(Cow<'_, str>, &Value)> =
            map.iter().map(|(k, v)| (json_round_trip(k), v)).collect();
        sort_keys(&mut entries, |(k, _)| k.as_ref());
        let value_ctx = Context {
            mapping: true,
            simple_key: false,
        };
        for (key, value) in entries {
            let key = key.as_ref();
            self.write_indent();
            let style = if key.contains('\n') {
                Style::Literal
            } else if v2_plain_is_str(key) {
                Style::Plain
            } else {
                Style::DoubleQuoted
            };
            let analysis = analyze(key);
            if !analysis.multiline && key.len() <= 128 {
                self.emit_analyzed_scalar(
                    key,
                    &analysis,
                    style,
                    Context {
                        mapping: true,
                        simple_key: true,
                    },
                );
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_analyzed_scalar(key, &analysis, style, value_ctx);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(value, value_ctx);
        }
        self.indent = saved;
    }

    fn emit_scalar(&mut self, text: &str, requested: Style, ctx: Context) {
        let analysis = analyze(text);
        self.emit_analyzed_scalar(text, &analysis, requested, ctx);
    }

    /// `yaml_emitter_emit_scalar`: pick the final style, then write.
    fn emit_analyzed_scalar(&mut self, text: &str, a: &Analysis, requested: Style, ctx: Context) {
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            let plain_allowed = if self.flow_level > 0 {
                a.flow_plain_allowed
            } else {
                a.block_plain_allowed
            };
            if !plain_allowed || (text.is_empty() && (self.flow_level > 0 || ctx.simple_key)) {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || self.flow_level > 0 || ctx.simple_key) {
            style = Style::DoubleQuoted;
        }
        let saved = self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(text, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(text, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(text, allow_breaks),
            Style::Literal => self.write_literal(text),
        }
        self.indent = saved;
    }
}

/// Characters `encoding/json` writes raw and go-yaml v2's reader then
/// refuses ("control characters are not allowed"): kustomize cannot print them.
pub(crate) fn is_unprintable_in_json(c: char) -> bool {
    matches!(c as u32, 0x7F..=0x84 | 0x86..=0x9F | 0xFFFE | 0xFFFF)
}

/// The string go-yaml v2 reads back from `encoding/json`'s text: identical,
/// except that a raw NEL (U+0085, which JSON leaves unescaped) is a line break
/// inside the double-quoted JSON string and is folded with the spaces around it.
pub(crate) fn json_round_trip(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while chars.peek().is_some() {
        while let Some(&c) = chars.peek() {
            if c == ' ' || c == '\u{85}' {
                break;
            }
            out.push(c);
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut whitespace = String::new();
        let mut leading_break = false;
        let mut trailing_breaks = 0;
        while let Some(&c) = chars.peek() {
            match c {
                ' ' if !leading_break => whitespace.push(' '),
                ' ' => {}
                '\u{85}' if !leading_break => {
                    whitespace.clear();
                    leading_break = true;
                }
                '\u{85}' => trailing_breaks += 1,
                _ => break,
            }
            chars.next();
        }
        if leading_break {
            if trailing_breaks == 0 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', trailing_breaks));
            }
        } else {
            out.push_str(&whitespace);
        }
    }
    Cow::Owned(out)
}

/// Whether go-yaml v2 fails to read `s` back from JSON: a character it
/// refuses, or a raw NEL (a line break to YAML 1.1) followed by a document
/// marker (`---`/`...` then a blank) at the start of the "line".
fn unreadable_in_json(s: &str) -> bool {
    if s.chars().any(is_unprintable_in_json) {
        return true;
    }
    s.match_indices('\u{85}').any(|(i, nel)| {
        let rest = &s[i + nel.len()..];
        (rest.starts_with("---") || rest.starts_with("..."))
            && rest[3..].starts_with([' ', '\u{85}'])
    })
}

/// Where kustomize could not print `value`, if anywhere: the path to the
/// first offending string (a key is reported as its own path). Offenders are
/// DEL, C1 controls and U+FFFE/U+FFFF anywhere, NEL in keys, and NEL followed
/// by a document marker. The path, not the text, is reported: the text may
/// be a Secret's value.
pub(crate) fn find_unprintable(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if unreadable_in_json(s) => Some(String::new()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            find_unprintable(item).map(|rest| join_path(&format!("[{i}]"), &rest))
        }),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            // A NEL inside a JSON key is a line break in an implicit key,
            // which go-yaml v2 cannot parse.
            if unreadable_in_json(k) || k.contains('\u{85}') {
                Some(format!("{} (key)", k.escape_debug()))
            } else {
                find_unprintable(v).map(|rest| join_path(k, &rest))
            }
        }),
        _ => None,
    }
}

fn join_path(head: &str, rest: &str) -> String {
    match rest {
        "" => head.to_string(),
        r if r.starts_with('[') => format!("{head}{r}"),
        r => format!("{head}.{r}"),
    }
}

/// Appends go-yaml v2's `Marshal` of `value` (one document, ending with "\n").
pub(crate) fn write_document(out: &mut String, value: &Value) {
    let mut e = Emitter::new(out);
    e.emit_node(value, Context::default());
    // DOCUMENT-END: end the last line.
    e.indent = -1;
    e.write_indent();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(value: &Value) -> String {
        let mut out = String::new();
        write_document(&mut out, value);
        out
    }

    /// kubectl kustomize's output for the same object (Kustomize v5.5.0).
    const EXPECTED: &str = r##"apiVersion: v1
data:
  bom: "\uFEFF\x61\x62\x20\x63"
  colon: 'a: b'
  date: "2001-12-14"
  dq: say "hi"
  emoji: "hi \U0001F600"
  empty: ""
  fold_double: "\tlorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
    tempor lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor"
  fold_plain: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
    tempor lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor
  fold_single: '''lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
    tempor lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor'
  hash: 'a #b'
  lead: ' x'
  lit: |
    line1
    line2
  lit_indent: |2
      indented
    x
  lit_keep: |+
    line1

  lit_strip: |-
    line1
    line2
  nel: a b
  num: "012"
  "on": "on"
  plain: hello world
  quote: it's
  tab: "a\tb"
  trail: "trailing \nx"
kind: ConfigMap
? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
: 1
list:
- a
- b: 1
  c:
  - 1
  - 2
- - 3
  - - 4
- []
- {}
- null
- true
- 1.5
- 1e+21
- 1e+20
metadata:
  name: a
? |-
  multi
  line
: 2
"##;

    #[test]
    fn prints_every_style_like_kustomize() {
        let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";
        let value = json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
            "data": {
                "plain": "hello world", "on": "on", "num": "012", "date": "2001-12-14",
                "colon": "a: b", "hash": "a #b", "lead": " x", "quote": "it's",
                "dq": "say \"hi\"", "tab": "a\tb", "emoji": "hi \u{1F600}", "bom": "\u{feff}ab c",
                "nel": "a\u{85}b",
                "fold_plain": format!("{words} {words}"),
                "fold_single": format!("'{words} {words}"),
                "fold_double": format!("\t{words} {words}"),
                "lit": "line1\nline2\n", "lit_strip": "line1\nline2", "lit_keep": "line1\n\n",
                "lit_indent": "  indented\nx\n", "trail": "trailing \nx", "empty": ""
            },
            "list": ["a", {"b": 1, "c": [1, 2]}, [3, [4]], [], {}, null, true, 1.5, 1e21, 1e20],
            "k".repeat(130): 1,
            "multi\nline": 2
        });
        assert_eq!(yaml(&value), EXPECTED);
    }

    #[test]
    fn empty_and_scalar_documents() {
        assert_eq!(yaml(&json!({})), "{}\n");
        assert_eq!(yaml(&json!([])), "[]\n");
        assert_eq!(yaml(&json!(null)), "null\n");
        assert_eq!(yaml(&json!("x")), "x\n");
        assert_eq!(yaml(&json!(["a", ["b"]])), "- a\n- - b\n");
    }

    #[test]
    fn nested_folding_uses_the_scalar_indent() {
        let long = "word ".repeat(30);
        let text = yaml(&json!({"a": {"b": [{"c": long.trim_end()}]}}));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "a:");
        assert_eq!(lines[1], "  b:");
        assert!(lines[2].starts_with("  - c: word word"));
        assert!(lines[3].starts_with("      word"), "{text}");
        assert!(lines.iter().all(|l| l.chars().count() <= 90));
    }

    #[test]
    fn unprintable_strings_are_found() {
        assert_eq!(
            find_unprintable(&json!({"a": ["ok", {"b": "x\u{7f}"}]})).as_deref(),
            Some("a[1].b")
        );
        assert!(find_unprintable(&json!({"nel\u{85}": 1})).is_some());
        assert!(find_unprintable(&json!({"a": "x\u{85}--- y"})).is_some());
        assert!(find_unprintable(&json!({"a": "x\u{85}y", "b": "\u{85}---x"})).is_none());
    }

    #[test]
    fn json_round_trip_folds_nel() {
        assert_eq!(json_round_trip("a \u{85} b"), "a b");
        assert_eq!(json_round_trip("a\u{85}\u{85}b"), "a\nb");
        assert_eq!(json_round_trip("x\u{85}"), "x ");
        assert_eq!(json_round_trip("plain"), "plain");
    }
}
