//! Key/value sources of a generator (kustomize's `kv` loader): env files, then literals,
//! then files, each parsed exactly as kustomize v5.5.0 does. kustomize's key validators are
//! no-ops in that version, so keys are taken as written (the API server judges them).

use super::super::kustomization::GeneratorArgs;
use super::super::loader::Loader;
use super::GenError;

/// One generated entry. Values are bytes: a file may hold anything, and only later is it
/// decided whether the content is text (`data`) or binary (`binaryData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub key: String,
    pub value: Vec<u8>,
}

/// bufio.Scanner's default maximum token size: a longer env-file line ends the scan.
const MAX_LINE: usize = 64 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Loads every pair of `args` in kustomize's order: env files, literals, files. With
/// `secret`, a malformed literal is named by its position, never quoted (it may hold the
/// secret value).
pub fn load(loader: &Loader, args: &GeneratorArgs, secret: bool) -> Result<Vec<Pair>, GenError> {
    let mut pairs = Vec::new();
    for path in &args.envs {
        let content = loader.load(path).map_err(GenError::Load)?;
        let more = parse_env_file(&content)
            .map_err(|message| GenError::Invalid(format!("env source file '{path}': {message}")))?;
        pairs.extend(more);
    }
    for (i, literal) in args.literals.iter().enumerate() {
        let pair = parse_literal(literal).map_err(|()| {
            let shown = if secret {
                format!("#{}", i + 1)
            } else {
                literal.clone()
            };
            GenError::Invalid(format!(
                "invalid literal source {shown}, expected key=value"
            ))
        })?;
        pairs.push(pair);
    }
    for source in &args.files {
        let (key, path) = parse_file_source(source).map_err(GenError::Invalid)?;
        let value = loader.load(&path).map_err(GenError::Load)?;
        pairs.push(Pair { key, value });
    }
    Ok(pairs)
}

/// Parses `KEY=VALUE`; the value loses one pair of matching surrounding quotes. Fails on
/// an empty key or a missing `=`.
pub fn parse_literal(source: &str) -> Result<Pair, ()> {
    if source.starts_with('=') {
        return Err(());
    }
    let (key, value) = source.split_once('=').ok_or(())?;
    Ok(Pair {
        key: key.to_string(),
        value: remove_quotes(value).as_bytes().to_vec(),
    })
}

/// Strips surrounding quotes only when the same quote character opens and closes the value.
fn remove_quotes(value: &str) -> &str {
    let bytes = value.as_bytes();
    if bytes.len() >= 2 && bytes[0] == bytes[bytes.len() - 1] && matches!(bytes[0], b'"' | b'\'') {
        // Both ends are ASCII quotes, so these are char boundaries.
        &value[1..value.len() - 1]
    } else {
        value
    }
}

/// Parses a `files:` entry: `path` (the key is the path's base name) or `key=path`.
pub fn parse_file_source(source: &str) -> Result<(String, String), String> {
    let Some(separator) = source.find('=') else {
        return Ok((base_name(source), source.to_string()));
    };
    if separator == 0 {
        return Err(format!(
            "missing key name for file path {:?} in source {source:?}",
            &source[1..]
        ));
    }
    let (key, path) = (&source[..separator], &source[separator + 1..]);
    if path.contains('=') {
        return Err(format!(
            "source {source:?} key name or file path contains '='"
        ));
    }
    if path.is_empty() {
        return Err(format!(
            "missing file path for key name {key:?} in source {source:?}"
        ));
    }
    Ok((key.to_string(), path.to_string()))
}

/// Go's `path.Base`: the last slash-separated element, trailing slashes ignored.
fn base_name(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// Parses an env file: `KEY=VALUE` lines, `KEY` alone meaning an empty value, blank lines
/// and `#` comments skipped, leading whitespace trimmed, the value kept verbatim.
pub fn parse_env_file(content: &[u8]) -> Result<Vec<Pair>, String> {
    let mut pairs = Vec::new();
    for (number, line) in scan_lines(content).enumerate() {
        let mut line = line;
        if std::str::from_utf8(line).is_err() {
            return Err(format!("line {} has invalid utf8 bytes", number + 1));
        }
        if number == 0 {
            line = line.strip_prefix(UTF8_BOM).unwrap_or(line);
        }
        // Checked above: the whole line is UTF-8, and the BOM is a complete character.
        let text = std::str::from_utf8(line).unwrap_or_default();
        let text = text.trim_start();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (key, value) = text.split_once('=').unwrap_or((text, ""));
        // kustomize treats an empty key like a blank line.
        if key.is_empty() {
            continue;
        }
        pairs.push(Pair {
            key: key.to_string(),
            value: value.as_bytes().to_vec(),
        });
    }
    Ok(pairs)
}

/// Lines as Go's `bufio.Scanner` with `ScanLines` yields them: split at `\n`, one trailing
/// `\r` dropped, a final unterminated line kept. kustomize ignores the scanner's error, so a
/// line too long for the scanner's buffer silently ends the file.
fn scan_lines(content: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = content;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, consumed) = match rest.iter().position(|&b| b == b'\n') {
            // The line and its newline must fit in the scanner's buffer.
            Some(i) if i < MAX_LINE => (&rest[..i], i + 1),
            Some(_) => return None,
            None if rest.len() < MAX_LINE => (rest, rest.len()),
            None => return None,
        };
        rest = &rest[consumed..];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(content: &[u8]) -> Vec<(String, String)> {
        parse_env_file(content)
            .expect("valid env file")
            .into_iter()
            .map(|p| (p.key, String::from_utf8_lossy(&p.value).into_owned()))
            .collect()
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn env_file_lines_as_kustomize_reads_them() {
        let got = pairs(b"A=1\nB\n  # c\nC=x=y\n  D = q \nexport E=5\nF=\"quoted\"\n=skip\n\n");
        assert_eq!(
            got,
            vec![
                kv("A", "1"),
                kv("B", ""),
                kv("C", "x=y"),
                kv("D ", " q "),
                kv("export E", "5"),
                kv("F", "\"quoted\""),
            ]
        );
    }

    #[test]
    fn env_file_bom_only_on_the_first_line_and_crlf() {
        let got = pairs(b"\xEF\xBB\xBFA=1\r\n\xEF\xBB\xBFB=2\n\t\xC2\xA0C=3 \r\nD=\xE2\x80\xA8");
        assert_eq!(
            got,
            vec![
                kv("A", "1"),
                kv("\u{feff}B", "2"),
                kv("C", "3 "),
                kv("D", "\u{2028}")
            ]
        );
    }

    #[test]
    fn env_file_rejects_invalid_utf8() {
        assert!(parse_env_file(b"A=1\nB=\xff\n").is_err());
    }

    #[test]
    fn env_file_too_long_line_ends_the_scan() {
        let mut content = b"A=1\nB=".to_vec();
        content.extend(std::iter::repeat_n(b'x', MAX_LINE - 3));
        content.extend(b"\nC=3\nD=");
        content.extend(std::iter::repeat_n(b'y', MAX_LINE - 2));
        content.extend(b"\nE=5\n");
        let keys: Vec<String> = pairs(&content).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec!["A", "B", "C"]);
    }

    #[test]
    fn literals_and_quotes() {
        let value = |s: &str| String::from_utf8(parse_literal(s).expect("valid").value).unwrap();
        assert_eq!(value("a='single'"), "single");
        assert_eq!(value("a=\"double\""), "double");
        assert_eq!(value("a=\""), "\"");
        assert_eq!(value("a='"), "'");
        assert_eq!(value("a='mixed\""), "'mixed\"");
        assert_eq!(value("a=this is a 'test'"), "this is a 'test'");
        assert_eq!(value("a=x=y"), "x=y");
        assert_eq!(value("a=greetings\neveryone\n"), "greetings\neveryone\n");
        assert!(parse_literal("=v").is_err());
        assert!(parse_literal("novalue").is_err());
    }

    #[test]
    fn file_sources() {
        let ok = |s: &str| parse_file_source(s).expect("valid");
        assert_eq!(ok("dir/x.txt"), ("x.txt".into(), "dir/x.txt".into()));
        assert_eq!(ok("x.txt/"), ("x.txt".into(), "x.txt/".into()));
        assert_eq!(ok("k=dir/x.txt"), ("k".into(), "dir/x.txt".into()));
        for bad in ["a=b=c", "=x.txt", "k=", "k==x.txt"] {
            assert!(parse_file_source(bad).is_err(), "{bad}");
        }
        assert_eq!(base_name(""), ".");
        assert_eq!(base_name("///"), "/");
    }
}
