//! The change kustomize makes to folded (`>`) block scalars.
//!
//! kyaml turns a resource into JSON by re-encoding its node tree with yaml.v3
//! and decoding that text again. yaml.v3's folded-scalar writer has a bug: when
//! deciding whether to add the extra line break that keeps a line break from
//! being folded away, it inspects the start of the whole value instead of the
//! current position. Reading the written text back therefore gives a value
//! with extra line breaks before more-indented lines and after paragraphs. This
//! module replays that writer and libyaml's folded-scalar reader on a value.

/// libyaml line breaks (CR, LF, NEL, LS, PS).
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The value a folded scalar holding `value` has after kyaml's re-encoding.
pub(crate) fn refold(value: &str) -> String {
    // Only `\n` breaks are replayed: other break characters would be written
    // raw and read back as breaks, a case too rare to model.
    if !value.contains('\n') || value.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        return value.to_string();
    }
    if !block_allowed(value) {
        // The writer falls back to double quotes, which keep the value.
        return value.to_string();
    }
    let lines = write_folded(value);
    read_folded(&lines, chomping(value))
}

/// yaml.v3's `yaml_emitter_analyze_scalar` verdict on block styles: no space
/// right before a line break, no trailing space, only printable characters
/// (kubectl shows a tab passes).
fn block_allowed(value: &str) -> bool {
    let printable = |c: char| {
        matches!(c as u32,
            0x09 | 0x0A | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFEFE | 0xFF00..=0xFFFD | 0x10000..)
    };
    !value.contains(" \n") && !value.ends_with(' ') && value.chars().all(printable)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// `yaml_emitter_write_block_scalar_hints`' chomping choice.
fn chomping(value: &str) -> Chomp {
    let mut rev = value.chars().rev();
    match (rev.next(), rev.next()) {
        (None, _) => Chomp::Strip,
        (Some(last), _) if !is_break(last) => Chomp::Strip,
        (Some(_), None) => Chomp::Keep,
        (Some(_), Some(before)) if is_break(before) => Chomp::Keep,
        _ => Chomp::Clip,
    }
}

/// yaml.v3's `yaml_emitter_write_folded_scalar`, as lines of content (without
/// their indentation). The last line is the one the writer stopped on; it is
/// not terminated by a line break.
fn write_folded(value: &str) -> Vec<String> {
    // The bug: this is computed once, from the start of the value.
    let first_content = value.chars().find(|&c| !is_break(c));
    let adds_breaks = first_content.is_some_and(|c| !is_blank(c) && c != '\0');
    let mut lines = vec![String::new()];
    let mut breaks = true;
    let mut leading_spaces = true;
    for c in value.chars() {
        if c == '\n' {
            if !breaks && !leading_spaces && adds_breaks {
                lines.push(String::new());
            }
            lines.push(String::new());
            breaks = true;
        } else {
            if breaks {
                leading_spaces = is_blank(c);
            }
            if let Some(line) = lines.last_mut() {
                line.push(c);
            }
            breaks = false;
        }
    }
    lines
}

/// libyaml's folded block scalar reader over already de-indented lines.
fn read_folded(lines: &[String], chomp: Chomp) -> String {
    let mut out = String::new();
    let mut leading_break = false;
    let mut leading_blank = false;
    let mut trailing_breaks = 0usize;
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        let terminated = i < last;
        if line.is_empty() {
            if terminated {
                trailing_breaks += 1;
            }
            continue;
        }
        let trailing_blank = line.starts_with(is_blank);
        if leading_break && !leading_blank && !trailing_blank {
            if trailing_breaks == 0 {
                out.push(' ');
            }
        } else if leading_break {
            out.push('\n');
        }
        out.extend(std::iter::repeat_n('\n', trailing_breaks));
        trailing_breaks = 0;
        leading_blank = line.starts_with(is_blank);
        out.push_str(line);
        leading_break = terminated;
    }
    if chomp != Chomp::Strip && leading_break {
        out.push('\n');
    }
    if chomp == Chomp::Keep {
        out.extend(std::iter::repeat_n('\n', trailing_breaks));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_indented_lines_gain_a_break() {
        assert_eq!(refold("a\n\tb\n"), "a\n\n\tb\n");
        assert_eq!(
            refold("fold this\n\n  more indented\nend"),
            "fold this\n\n\n  more indented\nend"
        );
        assert_eq!(refold("a\n b\nc\nd\n"), "a\n\n b\nc\nd\n");
    }

    #[test]
    fn plain_paragraphs_survive() {
        assert_eq!(refold("one line"), "one line");
        assert_eq!(refold("folded text\n"), "folded text\n");
        assert_eq!(refold("para one\npara two\n"), "para one\npara two\n");
        assert_eq!(refold("a\n\n"), "a\n\n\n");
    }

    #[test]
    fn values_the_writer_double_quotes_are_untouched() {
        assert_eq!(refold("a \n b\n"), "a \n b\n");
        assert_eq!(refold("a\n b "), "a\n b ");
    }

    #[test]
    fn values_starting_with_blanks_are_untouched() {
        assert_eq!(refold("  x\ny\n"), "  x\ny\n");
        assert_eq!(refold("\n\nx\n"), "\n\nx\n");
    }
}
