//! Format-preserving edits of a kustomization's `images:` list: only the bytes of the
//! changed values differ; comments, quoting, key order, indentation and blank lines stay as
//! they were. A new field or entry is written in the style the file already uses. After
//! splicing, both texts are parsed again and the edit is refused unless the new document
//! equals the old one with exactly the requested change.

use std::path::Path;

use saphyr_parser::ScalarStyle;
use serde_yaml::Value;

use super::error::BotError;
use super::image::ImageSetting;
use super::yaml_doc::{Document, Node};

/// The fields of an entry that the bot writes, in kustomize's order.
const FIELDS: [&str; 3] = ["newName", "newTag", "digest"];

fn field_value(setting: &ImageSetting, field: &str) -> Option<String> {
    match field {
        "newName" => setting.new_name.clone(),
        "newTag" => setting.new_tag.clone(),
        _ => setting.digest.clone(),
    }
}

/// The `images:` entries of a kustomization: name and settings, in file order.
pub(crate) fn read_images(
    text: &str,
    path: &Path,
) -> Result<Vec<(String, ImageSetting)>, BotError> {
    let doc = parse(text, path)?;
    let Some((_, images)) = doc.root.get("images") else {
        return Ok(Vec::new());
    };
    let items = match images {
        Node::Sequence { items, .. } => items.as_slice(),
        Node::Scalar { value, .. } if value.is_empty() || value == "null" || value == "~" => &[],
        _ => return Err(refused(path, "`images:` is not a list")),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = item
            .get("name")
            .and_then(|(_, v)| v.as_str())
            .ok_or_else(|| refused(path, &format!("images[{i}] has no name")))?;
        let scalar = |field: &str| {
            item.get(field)
                .and_then(|(_, v)| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        out.push((
            name.to_string(),
            ImageSetting {
                new_name: scalar("newName"),
                new_tag: scalar("newTag"),
                digest: scalar("digest"),
            },
        ));
    }
    Ok(out)
}

/// Sets each named image's entry to exactly the given settings (adding the entry, or the
/// `images:` list, when missing) and returns the new text; the text is returned unchanged
/// when every entry already holds its settings.
pub(crate) fn set_images(
    text: &str,
    path: &Path,
    desired: &[(String, ImageSetting)],
) -> Result<String, BotError> {
    let doc = parse(text, path)?;
    if !matches!(doc.root, Node::Mapping { flow: false, .. }) {
        return Err(refused(path, "the top level is not a block mapping"));
    }
    let mut edits = Edits::default();
    let nl = doc.newline();
    match doc.root.get("images") {
        None => {
            let wanted: Vec<&(String, ImageSetting)> = desired
                .iter()
                .filter(|(_, s)| *s != ImageSetting::default())
                .collect();
            if !wanted.is_empty() {
                append_images_section(&doc, &wanted, &mut edits);
            }
        }
        Some((
            _,
            Node::Sequence {
                flow: false,
                items,
                start,
            },
        )) => {
            let mut missing = Vec::new();
            for (name, want) in desired {
                let found: Vec<&Node> = items
                    .iter()
                    .filter(|item| item.get("name").and_then(|(_, v)| v.as_str()) == Some(name))
                    .collect();
                match found.as_slice() {
                    [] if *want == ImageSetting::default() => {}
                    [] => missing.push((name, want)),
                    [entry] => edit_entry(&doc, path, items, entry, want, &mut edits)?,
                    _ => {
                        return Err(refused(
                            path,
                            &format!("images lists {name} more than once"),
                        ));
                    }
                }
            }
            if !missing.is_empty() {
                let dash_col = doc.column(*start);
                let key_col = items
                    .first()
                    .filter(|item| doc.line_start(item.start()) == doc.line_start(*start))
                    .map_or(dash_col + 2, |item| doc.column(item.start()));
                let after = items
                    .last()
                    .and_then(Node::last_scalar_end)
                    .ok_or_else(|| refused(path, "the last images entry has no value"))?;
                let mut block = String::new();
                for (name, want) in missing {
                    block.push_str(&new_entry(items, name, want, dash_col, key_col, nl));
                }
                edits.insert_line_after(&doc, after, block);
            }
        }
        Some((_, Node::Sequence { flow: true, .. })) => {
            return Err(refused(
                path,
                "`images:` is a flow sequence ([...]); write it as a block list to let the bot edit it",
            ));
        }
        Some(_) => return Err(refused(path, "`images:` is not a list")),
    }
    let new_text = edits.apply(text);
    if new_text == text {
        return Ok(new_text);
    }
    verify(text, &new_text, path, desired)?;
    Ok(new_text)
}

fn parse<'a>(text: &'a str, path: &Path) -> Result<Document<'a>, BotError> {
    Document::parse(text).map_err(|e| BotError::Kustomization {
        path: path.to_path_buf(),
        message: e.0,
    })
}

fn refused(path: &Path, message: &str) -> BotError {
    BotError::EditRefused {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Splices to make, applied from the end so earlier offsets stay valid.
#[derive(Default)]
struct Edits {
    splices: Vec<(usize, usize, String)>,
}

impl Edits {
    fn replace(&mut self, start: usize, end: usize, text: String) {
        self.splices.push((start, end, text));
    }

    /// Inserts whole lines after the line holding `at`.
    fn insert_line_after(&mut self, doc: &Document<'_>, at: usize, lines: String) {
        let pos = doc.line_end(at);
        if pos == doc.text.len() && !doc.text.ends_with('\n') {
            let nl = doc.newline();
            let trimmed = lines.strip_suffix(nl).unwrap_or(&lines);
            self.replace(pos, pos, format!("{nl}{trimmed}"));
        } else {
            self.replace(pos, pos, lines);
        }
    }

    fn apply(mut self, text: &str) -> String {
        // Stable sort: splices at one position keep the order they were made in.
        let mut indexed: Vec<(usize, (usize, usize, String))> =
            self.splices.drain(..).enumerate().collect();
        indexed.sort_by_key(|(seq, (start, _, _))| (*start, *seq));
        let mut out = text.to_string();
        for (_, (start, end, replacement)) in indexed.into_iter().rev() {
            out.replace_range(start..end, &replacement);
        }
        out
    }
}

fn edit_entry(
    doc: &Document<'_>,
    path: &Path,
    items: &[Node],
    entry: &Node,
    want: &ImageSetting,
    edits: &mut Edits,
) -> Result<(), BotError> {
    let Node::Mapping { flow, entries, .. } = entry else {
        return Err(refused(path, "an images entry is not a mapping"));
    };
    let name = entry
        .get("name")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("");
    for field in FIELDS {
        let wanted = field_value(want, field);
        let current = entry.get(field);
        match (current, wanted) {
            (Some((_, Node::Scalar { value, .. })), Some(v)) if *value == v => {}
            (
                Some((
                    _,
                    Node::Scalar {
                        style,
                        start,
                        end,
                        value,
                    },
                )),
                Some(v),
            ) => {
                if value.is_empty() && start == end {
                    return Err(refused(
                        path,
                        &format!("images entry {name}: {field} has no value; fix it by hand"),
                    ));
                }
                let text = format_scalar(&v, *style).ok_or_else(|| {
                    refused(
                        path,
                        &format!("images entry {name}: {field} is a block scalar"),
                    )
                })?;
                edits.replace(*start, *end, text);
            }
            (Some((key, value)), None) => {
                remove_field(doc, path, entries, *flow, key, value, edits)?;
            }
            (None, None) => {}
            (None, Some(v)) => {
                let style = style_hint(items, field);
                let text = format_scalar(&v, style).unwrap_or_else(|| double_quoted(&v));
                insert_field(doc, path, entries, *flow, field, &text, edits)?;
            }
            (Some(_), Some(_)) => {
                return Err(refused(
                    path,
                    &format!("images entry {name}: {field} is not a plain value"),
                ));
            }
        }
    }
    Ok(())
}

fn remove_field(
    doc: &Document<'_>,
    path: &Path,
    entries: &[(Node, Node)],
    flow: bool,
    key: &Node,
    value: &Node,
    edits: &mut Edits,
) -> Result<(), BotError> {
    let field = key.as_str().unwrap_or("");
    let value_end = value
        .last_scalar_end()
        .ok_or_else(|| refused(path, &format!("{field} has no plain value")))?;
    if flow {
        let index = entries
            .iter()
            .position(|(k, _)| k.start() == key.start())
            .unwrap_or(0);
        if index > 0 {
            let prev_end = entries[index - 1]
                .1
                .last_scalar_end()
                .ok_or_else(|| refused(path, &format!("cannot remove {field}")))?;
            edits.replace(prev_end, value_end, String::new());
        } else {
            let next = entries
                .get(1)
                .map(|(k, _)| k.start())
                .ok_or_else(|| refused(path, &format!("cannot remove the only field {field}")))?;
            edits.replace(key.start(), next, String::new());
        }
        return Ok(());
    }
    let line_start = doc.line_start(key.start());
    if !doc.text[line_start..key.start()].trim().is_empty() {
        return Err(refused(
            path,
            &format!("{field} does not start its own line; remove it by hand"),
        ));
    }
    let line_end = doc.line_end(value_end);
    let rest = doc.text[value_end..line_end].trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return Err(refused(
            path,
            &format!("{field} shares its line; remove it by hand"),
        ));
    }
    edits.replace(line_start, line_end, String::new());
    Ok(())
}

fn insert_field(
    doc: &Document<'_>,
    path: &Path,
    entries: &[(Node, Node)],
    flow: bool,
    field: &str,
    value_text: &str,
    edits: &mut Edits,
) -> Result<(), BotError> {
    // After the field that precedes it in kustomize's order, else after the last field.
    let rank = |name: &str| {
        ["name", "newName", "newTag", "digest"]
            .iter()
            .position(|f| f.eq_ignore_ascii_case(name))
    };
    let my_rank = rank(field).unwrap_or(usize::MAX);
    let anchor = entries
        .iter()
        .filter(|(k, _)| k.as_str().and_then(rank).is_some_and(|r| r < my_rank))
        .max_by_key(|(k, _)| k.as_str().and_then(rank))
        .or_else(|| entries.last())
        .ok_or_else(|| refused(path, "an images entry is empty"))?;
    let anchor_end = anchor
        .1
        .last_scalar_end()
        .ok_or_else(|| refused(path, "an images entry field has no plain value"))?;
    if flow {
        edits.replace(anchor_end, anchor_end, format!(", {field}: {value_text}"));
        return Ok(());
    }
    let first_key = entries
        .first()
        .map(|(k, _)| k.start())
        .ok_or_else(|| refused(path, "an images entry is empty"))?;
    let indent = " ".repeat(doc.column(first_key));
    let nl = doc.newline();
    edits.insert_line_after(
        doc,
        anchor_end,
        format!("{indent}{field}: {value_text}{nl}"),
    );
    Ok(())
}

/// A new block entry for `name`.
fn new_entry(
    items: &[Node],
    name: &str,
    want: &ImageSetting,
    dash_col: usize,
    key_col: usize,
    nl: &str,
) -> String {
    let dash = " ".repeat(dash_col);
    let pad = " ".repeat(key_col.saturating_sub(dash_col + 1).max(1));
    let indent = " ".repeat(key_col.max(dash_col + 2));
    let name_text =
        format_scalar(name, style_hint(items, "name")).unwrap_or_else(|| double_quoted(name));
    let mut out = format!("{dash}-{pad}name: {name_text}{nl}");
    for field in FIELDS {
        if let Some(v) = field_value(want, field) {
            let text =
                format_scalar(&v, style_hint(items, field)).unwrap_or_else(|| double_quoted(&v));
            out.push_str(&format!("{indent}{field}: {text}{nl}"));
        }
    }
    out
}

/// Appends an `images:` section at the end of the file, indenting its list the way the
/// file's other top-level lists are indented.
fn append_images_section(
    doc: &Document<'_>,
    wanted: &[&(String, ImageSetting)],
    edits: &mut Edits,
) {
    let nl = doc.newline();
    let dash_col = match &doc.root {
        Node::Mapping { entries, .. } => entries.iter().find_map(|(_, v)| match v {
            Node::Sequence {
                flow: false, start, ..
            } => Some(doc.column(*start)),
            _ => None,
        }),
        _ => None,
    }
    .unwrap_or(2);
    let mut block = String::new();
    let text = doc.text;
    if !text.is_empty() && !text.ends_with('\n') {
        block.push_str(nl);
    }
    let last_line_blank = text
        .trim_end_matches(['\n', '\r'])
        .rsplit('\n')
        .next()
        .is_none_or(|l| l.trim().is_empty())
        || text.ends_with(&format!("{nl}{nl}"));
    if !text.is_empty() && !last_line_blank {
        block.push_str(nl);
    }
    block.push_str("images:");
    block.push_str(nl);
    for (name, want) in wanted {
        block.push_str(&new_entry(&[], name, want, dash_col, dash_col + 2, nl));
    }
    edits.replace(text.len(), text.len(), block);
}

/// The quoting style the file uses for `field` in its entries, else for their tags (plain
/// when the file has neither).
fn style_hint(items: &[Node], field: &str) -> ScalarStyle {
    let style_of = |field: &str| {
        items.iter().find_map(|item| match item.get(field) {
            Some((_, Node::Scalar { style, .. })) => Some(*style),
            _ => None,
        })
    };
    style_of(field)
        .or_else(|| style_of("newTag"))
        .unwrap_or(ScalarStyle::Plain)
}

/// `value` written in `style`; a plain style that would change the value's meaning becomes
/// double-quoted. `None` for block styles, which the bot does not write.
fn format_scalar(value: &str, style: ScalarStyle) -> Option<String> {
    match style {
        ScalarStyle::Plain if plain_is_safe(value) => Some(value.to_string()),
        ScalarStyle::Plain | ScalarStyle::DoubleQuoted => Some(double_quoted(value)),
        ScalarStyle::SingleQuoted => Some(format!("'{}'", value.replace('\'', "''"))),
        ScalarStyle::Literal | ScalarStyle::Folded => None,
    }
}

fn double_quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `value` reads back as the same string when written plain, under both YAML 1.1
/// (what kustomize's Go parser resolves) and 1.2.
fn plain_is_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '_' || first == '/' || first == '.') {
        return false;
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._/@:+-".contains(c))
    {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | ".nan"
    ) {
        return false;
    }
    !looks_numeric_or_date(value)
}

fn looks_numeric_or_date(value: &str) -> bool {
    let s = value.trim_start_matches(['+', '-']);
    let s_no_us = s.replace('_', "");
    if s_no_us.parse::<f64>().is_ok() {
        return true;
    }
    let radix = |prefix: &str, digits: &str| {
        s_no_us
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| digits.contains(c)))
    };
    if radix("0x", "0123456789abcdefABCDEF") || radix("0o", "01234567") || radix("0b", "01") {
        return true;
    }
    // YAML 1.1 sexagesimal (`1:20`) and dates (`2024-01-31...`).
    if s.contains(':')
        && s.split(':')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit() || c == '.'))
    {
        return true;
    }
    let b = value.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5].is_ascii_digit()
}

/// Parses both texts and checks that the new one is the old one with exactly `desired`
/// applied.
fn verify(
    old: &str,
    new: &str,
    path: &Path,
    desired: &[(String, ImageSetting)],
) -> Result<(), BotError> {
    let parse_value = |text: &str| {
        serde_yaml::from_str::<Value>(text).map_err(|e| BotError::Kustomization {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    };
    let mut expected = parse_value(old)?;
    let actual = parse_value(new)?;
    apply_semantic(&mut expected, desired);
    if expected != actual {
        return Err(refused(
            path,
            "the edited file does not read back as the intended change (nothing was written)",
        ));
    }
    Ok(())
}

fn find_key<'m>(map: &'m serde_yaml::Mapping, key: &str) -> Option<&'m Value> {
    map.keys().find(|k| k.as_str() == Some(key)).or_else(|| {
        map.keys()
            .find(|k| k.as_str().is_some_and(|s| s.eq_ignore_ascii_case(key)))
    })
}

fn apply_semantic(doc: &mut Value, desired: &[(String, ImageSetting)]) {
    let Value::Mapping(root) = doc else { return };
    let images_key = find_key(root, "images")
        .cloned()
        .unwrap_or_else(|| Value::String("images".into()));
    let images = root
        .entry(images_key)
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if images.is_null() {
        *images = Value::Sequence(Vec::new());
    }
    let Value::Sequence(items) = images else {
        return;
    };
    for (name, want) in desired {
        let position = items.iter().position(|item| {
            item.as_mapping()
                .and_then(|m| find_key(m, "name").and_then(|k| m.get(k)))
                .and_then(Value::as_str)
                == Some(name)
        });
        let item = match position {
            Some(i) => &mut items[i],
            None if *want == ImageSetting::default() => continue,
            None => {
                let mut m = serde_yaml::Mapping::new();
                m.insert("name".into(), Value::String(name.clone()));
                items.push(Value::Mapping(m));
                let last = items.len() - 1;
                &mut items[last]
            }
        };
        let Value::Mapping(m) = item else { continue };
        for field in FIELDS {
            let key = find_key(m, field)
                .cloned()
                .unwrap_or_else(|| Value::String(field.into()));
            match field_value(want, field) {
                Some(v) => {
                    m.insert(key, Value::String(v));
                }
                None => {
                    m.remove(&key);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "images_edit_tests.rs"]
mod tests;
