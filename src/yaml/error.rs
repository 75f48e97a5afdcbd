//! Errors of the YAML layer: every variant says where in the input it happened.

use thiserror::Error;

/// Why a YAML stream could not be turned into values.
///
/// Lines and columns are 1-based and count characters, relative to the whole
/// text handed to [`crate::yaml::parse_documents`] (not to one document).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum YamlError {
    /// The text is not well-formed YAML, or a value cannot be decoded the way
    /// kustomize decodes it (e.g. `!!int abc`, invalid `!!binary` data).
    #[error("yaml: line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A mapping holds the same key twice (yaml.v3 rejects this on decode).
    #[error(
        "yaml: line {line}, column {column}: mapping key {key:?} already defined at line {first_line}"
    )]
    DuplicateKey {
        key: String,
        line: usize,
        column: usize,
        first_line: usize,
    },
    /// Alias expansion grew the document far beyond its text (an alias bomb).
    #[error("yaml: line {line}, column {column}: document contains excessive aliasing")]
    AliasLimit { line: usize, column: usize },
    /// Collections are nested deeper than the parser allows.
    #[error("yaml: line {line}, column {column}: exceeded max nesting depth of {limit}")]
    TooDeep {
        line: usize,
        column: usize,
        limit: usize,
    },
    /// The text is larger than the parser accepts.
    #[error("yaml: input of {bytes} bytes exceeds the limit of {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
    /// A value kustomize could read but cannot print: a string holding DEL,
    /// C1 controls, U+FFFE/U+FFFF, or a NEL where go-yaml v2 cannot take one.
    /// `path` locates the string (`data.key`, `spec.items[2]`); the text itself
    /// is not repeated, as it may be a Secret's value.
    #[error(
        "yaml: cannot print the string at {path}: it contains DEL, C1 control characters, U+FFFE/U+FFFF or a misplaced NEL"
    )]
    Unprintable { path: String },
    /// Valid YAML that kustomize cannot turn into JSON either (NaN/Inf floats,
    /// non-string keys in nested mappings, collections as keys, ...).
    #[error("yaml: line {line}, column {column}: unsupported value: {what}")]
    Unsupported {
        what: String,
        line: usize,
        column: usize,
    },
}

impl YamlError {
    /// The 1-based line the error points at, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            YamlError::Syntax { line, .. }
            | YamlError::DuplicateKey { line, .. }
            | YamlError::AliasLimit { line, .. }
            | YamlError::TooDeep { line, .. }
            | YamlError::Unsupported { line, .. } => Some(*line),
            YamlError::TooLarge { .. } | YamlError::Unprintable { .. } => None,
        }
    }

    /// Moves the position of the error down by `lines` lines: documents are
    /// parsed one at a time and report positions relative to their own start.
    pub(crate) fn shifted(mut self, lines: usize) -> Self {
        match &mut self {
            YamlError::Syntax { line, .. }
            | YamlError::AliasLimit { line, .. }
            | YamlError::TooDeep { line, .. }
            | YamlError::Unsupported { line, .. } => *line += lines,
            YamlError::DuplicateKey {
                line, first_line, ..
            } => {
                *line += lines;
                *first_line += lines;
            }
            YamlError::TooLarge { .. } | YamlError::Unprintable { .. } => {}
        }
        self
    }
}
