//! The one document-start rule kyaml's split exposes: a piece of the stream
//! that opens with a `...` document end marker is an error to yaml.v3.

use super::error::YamlError;

const BOM: char = '\u{FEFF}';

/// libyaml skips extra `...` markers only after an explicit document; as the
/// first token of a stream (kyaml parses every piece as a stream of its own)
/// it expects node content instead.
pub(crate) fn check_leading_document_end(text: &str) -> Result<(), YamlError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    for (i, line) in text.split('\n').enumerate() {
        let trimmed = line.trim_start_matches([' ', '\t', '\r']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let marker = line
            .strip_prefix("...")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']));
        if marker {
            return Err(YamlError::Syntax {
                line: i + 1,
                column: 1,
                message: "did not find expected node content".into(),
            });
        }
        return Ok(());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_document_end_marker_is_an_error() {
        assert!(check_leading_document_end("...\n").is_err());
        assert!(check_leading_document_end("# c\n...\na: 1\n").is_err());
        assert!(check_leading_document_end("a: 1\n...\n").is_ok());
        assert!(check_leading_document_end("....\n").is_ok());
    }
}
