//! Splitting a YAML stream into documents the way kustomize's kyaml does.
//!
//! kyaml does not let the YAML parser find document boundaries: it normalises
//! `\r\n` to `\n`, then cuts the text at every match of the regular expression
//! `\n---.*\n` (a line starting with `---`), rejecting separators followed by
//! anything but white space or a comment. Each piece is then decoded on its own,
//! and only its first document is used.

use super::error::YamlError;

/// One piece of the stream, with the line (0-based) it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece<'a> {
    pub text: &'a str,
    pub first_line: usize,
}

/// Cuts `text` (already `\r\n`-normalised) at kyaml's document separators.
///
/// Every piece but the last keeps the `\n` that ends its last line: kyaml
/// re-appends it because literal block scalars depend on it.
pub(crate) fn split_documents(text: &str) -> Result<Vec<Piece<'_>>, YamlError> {
    let mut pieces = Vec::new();
    if text.is_empty() {
        return Ok(pieces);
    }
    let bytes = text.as_bytes();
    let mut prev = 0usize;
    let mut prev_line = 0usize;
    // Line number of `search_from`, kept incrementally so counting is linear.
    let mut line_at = 0usize;
    let mut counted_to = 0usize;
    let mut search_from = 0usize;
    while let Some(rel) = text[search_from..].find("\n---") {
        let nl = search_from + rel;
        // `.*` cannot cross a newline, so the separator ends at the next `\n`.
        let Some(end_rel) = memchr_nl(&bytes[nl + 4..]) else {
            // No newline after `---`: the regexp does not match here.
            search_from = nl + 1;
            continue;
        };
        let end = nl + 4 + end_rel; // index of the closing '\n'
        let rest = &text[nl + 4..end];
        let trimmed = rest.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            return Err(YamlError::Syntax {
                line: count_nl(&bytes[..nl]) + 2,
                column: 1,
                message: format!("invalid document separator: {}", text[nl..=end].trim()),
            });
        }
        pieces.push(Piece {
            text: &text[prev..=nl],
            first_line: prev_line,
        });
        line_at += count_nl(&bytes[counted_to..=end]);
        counted_to = end + 1;
        prev = end + 1;
        prev_line = line_at;
        search_from = end + 1;
    }
    pieces.push(Piece {
        text: &text[prev..],
        first_line: prev_line,
    });
    Ok(pieces)
}

fn memchr_nl(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

fn count_nl(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(&str, usize)> {
        split_documents(s)
            .unwrap()
            .into_iter()
            .map(|p| (p.text, p.first_line))
            .collect()
    }

    #[test]
    fn splits_on_separator_lines() {
        assert_eq!(
            texts("a: 1\n---\nb: 2\n"),
            vec![("a: 1\n", 0), ("b: 2\n", 2)]
        );
    }

    #[test]
    fn leading_separator_stays_in_first_piece() {
        assert_eq!(texts("---\na: 1\n"), vec![("---\na: 1\n", 0)]);
    }

    #[test]
    fn separator_with_comment_is_accepted() {
        assert_eq!(
            texts("a: 1\n--- # next\nb: 2"),
            vec![("a: 1\n", 0), ("b: 2", 2)]
        );
    }

    #[test]
    fn separator_with_content_is_rejected() {
        let err = split_documents("a: 1\n--- b: 2\nc: 3\n").unwrap_err();
        assert_eq!(
            err,
            YamlError::Syntax {
                line: 2,
                column: 1,
                message: "invalid document separator: --- b: 2".into()
            }
        );
        assert!(split_documents("a: 1\n----\n").is_err());
    }

    #[test]
    fn separator_needs_a_following_newline() {
        assert_eq!(texts("a: 1\n---"), vec![("a: 1\n---", 0)]);
    }

    #[test]
    fn consecutive_separators_do_not_overlap() {
        // The second `---` lost its leading newline to the first match.
        assert_eq!(texts("a\n---\n---\nb\n"), vec![("a\n", 0), ("---\nb\n", 2)]);
    }

    #[test]
    fn empty_text_has_no_pieces() {
        assert!(texts("").is_empty());
    }
}
