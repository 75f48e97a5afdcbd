//! Which Rego dialect a policy file is written in. Each file is parsed as Rego v1 first
//! and, if that fails, as v0 (conftest's classic `deny[msg] { ... }`), unless the file
//! plainly uses v1 keywords; parse errors become [`PolicyError::Syntax`] with file, line
//! and column.

use regorus::Engine;

use super::discover::PolicyFile;
use super::error::PolicyError;

/// Parses one file, choosing v1 or v0; returns whether it is v0.
///
/// A file that uses `if`/`contains` without importing them from `future.keywords` (or that
/// imports `rego.v1`) is v1: it is never re-parsed as v0, where those words would be plain
/// identifiers (and the parser would print warnings about it).
pub(super) fn detect_v0(file: &PolicyFile) -> Result<bool, PolicyError> {
    let mut probe = Engine::new();
    let v1 = match probe.add_policy(file.rel.clone(), file.text.clone()) {
        Ok(_) => return Ok(false),
        Err(e) => syntax_error(&file.rel, &e),
    };
    if looks_v1(&file.text) {
        return Err(v1);
    }
    probe.set_rego_v0(true);
    match probe.add_policy(file.rel.clone(), file.text.clone()) {
        Ok(_) => Ok(true),
        Err(e) => Err(syntax_error(&file.rel, &e)),
    }
}

/// Whether the text uses v1 keywords as keywords: `import rego.v1`, or `if`/`contains`
/// words with no `future.keywords` import (strings and comments skipped; `contains(...)`,
/// the builtin every v0 policy may call, is no keyword).
fn looks_v1(text: &str) -> bool {
    let words = words(text);
    let imports_future = words
        .windows(2)
        .any(|w| w[0] == "import" && w[1].starts_with("future.keywords"));
    words
        .windows(2)
        .any(|w| w[0] == "import" && w[1] == "rego.v1")
        || (!imports_future && words.iter().any(|w| w == "if" || w == "contains"))
}

/// The identifier-like words (dots included) of Rego text, outside strings and comments;
/// a word called as a function (followed by `(`) ends with `(`.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    while let Some(mut c) = chars.next() {
        if c.is_ascii_alphanumeric() || c == '_' || (c == '.' && !word.is_empty()) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            let mut finished = std::mem::take(&mut word);
            while c == ' ' || c == '\t' {
                match chars.next() {
                    Some(next) => c = next,
                    None => break,
                }
            }
            if c == '(' {
                finished.push('(');
            }
            out.push(finished);
            // The character after the blanks starts the next word, if it is one.
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
                continue;
            }
        }
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '`' => {
                for c in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Turns a regorus parse error (`--> file:line:col`, a snippet, `error: message`) into a
/// [`PolicyError::Syntax`].
pub(super) fn syntax_error(file: &str, err: &anyhow::Error) -> PolicyError {
    let text = err.to_string();
    let (mut line, mut col) = (0, 0);
    if let Some(location) = text.lines().find_map(|l| l.trim().strip_prefix("--> ")) {
        let mut parts = location.rsplitn(3, ':');
        col = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    }
    let message = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(text.trim())
        .to_string();
    PolicyError::Syntax {
        file: file.to_string(),
        line,
        col,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> PolicyFile {
        PolicyFile {
            rel: rel.into(),
            text: text.into(),
        }
    }

    #[test]
    fn dialect_is_detected_and_syntax_errors_carry_the_line() {
        let v0 = file("a.rego", "package main\n\ndeny[msg] {\n  msg := \"x\"\n}\n");
        assert!(detect_v0(&v0).expect("v0 parses"));
        let v1 = file(
            "b.rego",
            "package main\n\ndeny contains msg if {\n  msg := \"x\"\n}\n",
        );
        assert!(!detect_v0(&v1).expect("v1 parses"));
        let broken = file(
            "c.rego",
            "package main\n\ndeny contains msg if {\n  msg := \"x\" +\n}\n",
        );
        let err = detect_v0(&broken).expect_err("syntax error");
        assert!(
            matches!(&err, PolicyError::Syntax { file, line: 4, .. } if file == "c.rego"),
            "{err:?}"
        );
        let broken_v0 = file("d.rego", "package main\n\ndeny[msg] {\n  msg = [\n}\n");
        let err = detect_v0(&broken_v0).expect_err("syntax error");
        assert!(
            matches!(&err, PolicyError::Syntax { file, line: 3, .. } if file == "d.rego"),
            "{err:?}"
        );
        assert!(!looks_v1(
            "package main\n# if only in a comment\nx := \"contains\"\n"
        ));
        assert!(looks_v1("package main\nimport rego.v1\n"));
        assert!(!looks_v1(
            "package main\ndeny[m] { contains(input.image, \":latest\"); m := \"x\" }\n"
        ));
        assert!(!looks_v1(
            "package main\ndeny[m] { contains (input.a, \"b\"); m := \"x\" }\n"
        ));
        assert!(looks_v1(
            "package main\ndeny contains m if { m := \"x\" }\n"
        ));
        assert!(!looks_v1(
            "package main\nimport future.keywords.if\np if { true }\n"
        ));
    }
}
