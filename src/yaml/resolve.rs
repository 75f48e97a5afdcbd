//! Scalar resolution: what type a YAML scalar has.
//!
//! Two rule sets matter to kustomize. Reading uses gopkg.in/yaml.v3 (YAML 1.2
//! core schema plus v3's quirks: legacy `0777` octals, `_` in numbers,
//! timestamps). Printing uses go-yaml v2 (YAML 1.1: `yes`/`on`/`y`, base 60)
//! only to decide whether a string must be quoted.

use super::gonum::{IntParse, is_yaml_style_float, parse_float_decimal, parse_int, parse_uint};
use super::gotime::{GoTime, parse_timestamp};

/// The short tags go-yaml understands (`!!str`, ...), or anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag<'a> {
    /// No tag, or the non-specific `!`.
    None,
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    Binary,
    Merge,
    Seq,
    Map,
    /// Any other tag, e.g. `!foo` or `!!set`.
    Other(&'a str),
}

impl<'a> Tag<'a> {
    /// Interprets a full tag (`tag:yaml.org,2002:str`, `!foo`, `!`).
    pub(crate) fn from_full(full: &'a str) -> Tag<'a> {
        if full.is_empty() || full == "!" {
            return Tag::None;
        }
        match full.strip_prefix("tag:yaml.org,2002:") {
            Some("str") => Tag::Str,
            Some("bool") => Tag::Bool,
            Some("int") => Tag::Int,
            Some("float") => Tag::Float,
            Some("null") => Tag::Null,
            Some("timestamp") => Tag::Timestamp,
            Some("binary") => Tag::Binary,
            Some("merge") => Tag::Merge,
            Some("seq") => Tag::Seq,
            Some("map") => Tag::Map,
            _ => Tag::Other(full),
        }
    }

    fn name(self) -> String {
        match self {
            Tag::None => String::new(),
            Tag::Str => "!!str".into(),
            Tag::Bool => "!!bool".into(),
            Tag::Int => "!!int".into(),
            Tag::Float => "!!float".into(),
            Tag::Null => "!!null".into(),
            Tag::Timestamp => "!!timestamp".into(),
            Tag::Binary => "!!binary".into(),
            Tag::Merge => "!!merge".into(),
            Tag::Seq => "!!seq".into(),
            Tag::Map => "!!map".into(),
            Tag::Other(s) => s
                .strip_prefix("tag:yaml.org,2002:")
                .map_or_else(|| s.to_string(), |rest| format!("!!{rest}")),
        }
    }

    fn resolvable(self) -> bool {
        matches!(
            self,
            Tag::None | Tag::Str | Tag::Bool | Tag::Int | Tag::Float | Tag::Null | Tag::Timestamp
        )
    }
}

/// A resolved scalar value, as yaml.v3 hands it to `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// The scalar's text itself.
    Str,
    Timestamp(GoTime),
    /// The `<<` merge key in value position: decoded as the string `<<`.
    Merge,
}

impl Resolved {
    fn tag(&self) -> Tag<'static> {
        match self {
            Resolved::Null => Tag::Null,
            Resolved::Bool(_) => Tag::Bool,
            Resolved::Int(_) | Resolved::Uint(_) => Tag::Int,
            Resolved::Float(_) => Tag::Float,
            Resolved::Str => Tag::Str,
            Resolved::Timestamp(_) => Tag::Timestamp,
            Resolved::Merge => Tag::Merge,
        }
    }
}

/// Which YAML version's plain-scalar table to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schema {
    /// yaml.v3: bools are only true/false.
    V3,
    /// go-yaml v2: YAML 1.1 bools (y, yes, on, ...).
    V2,
}

fn map_lookup(s: &str, schema: Schema) -> Option<Resolved> {
    Some(match s {
        "true" | "True" | "TRUE" => Resolved::Bool(true),
        "false" | "False" | "FALSE" => Resolved::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        "<<" => Resolved::Merge,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" if schema == Schema::V2 => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" if schema == Schema::V2 => {
            Resolved::Bool(false)
        }
        _ => return None,
    })
}

fn int_of(v: i64) -> Resolved {
    Resolved::Int(v)
}

/// The plain-scalar resolution shared by v2 and v3 (`resolve` minus the tag
/// checks). `timestamps` is false when an explicit tag other than
/// `!!timestamp` forbids them.
fn resolve_plain(s: &str, schema: Schema, timestamps: bool) -> Resolved {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Resolved::Str,
    };
    if let Some(r) = map_lookup(s, schema) {
        return r;
    }
    match hint {
        b'.' => {
            if let Some(f) = parse_float_decimal(s) {
                return Resolved::Float(f);
            }
        }
        b'D' | b'S' => {
            if timestamps && let Some(t) = parse_timestamp(s) {
                return Resolved::Timestamp(t);
            }
            let plain: std::borrow::Cow<'_, str> = if s.contains('_') {
                s.replace('_', "").into()
            } else {
                s.into()
            };
            if let IntParse::Ok(v) = parse_int(&plain, 0) {
                return int_of(v);
            }
            if let IntParse::Ok(v) = parse_uint(&plain, 0) {
                return Resolved::Uint(v);
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = parse_float_decimal(&plain)
            {
                return Resolved::Float(f);
            }
            if let Some(digits) = plain.strip_prefix("0b") {
                if let IntParse::Ok(v) = parse_int(digits, 2) {
                    return int_of(v);
                }
                if let IntParse::Ok(v) = parse_uint(digits, 2) {
                    return Resolved::Uint(v);
                }
            } else if let Some(digits) = plain.strip_prefix("-0b")
                && let IntParse::Ok(v) = parse_int(&format!("-{digits}"), 2)
            {
                return int_of(v);
            }
            if schema == Schema::V3 {
                if let Some(digits) = plain.strip_prefix("0o") {
                    if let IntParse::Ok(v) = parse_int(digits, 8) {
                        return int_of(v);
                    }
                    if let IntParse::Ok(v) = parse_uint(digits, 8) {
                        return Resolved::Uint(v);
                    }
                } else if let Some(digits) = plain.strip_prefix("-0o")
                    && let IntParse::Ok(v) = parse_int(&format!("-{digits}"), 8)
                {
                    return int_of(v);
                }
            }
        }
        _ => {}
    }
    Resolved::Str
}

/// yaml.v3 `resolve(tag, in)` followed by its tag check. `Err` carries v3's
/// message (`cannot decode !!str `x` as a !!int`). A tag that is not
/// resolvable (custom, `!!binary`, ...) keeps the text as a string.
pub(crate) fn resolve_v3(tag: Tag<'_>, s: &str) -> Result<Resolved, String> {
    resolve_tagged(Schema::V3, tag, s)
}

/// go-yaml v2 `resolve(tag, in)` with its tag check (YAML 1.1 booleans).
pub(crate) fn resolve_v2(tag: Tag<'_>, s: &str) -> Result<Resolved, String> {
    resolve_tagged(Schema::V2, tag, s)
}

fn resolve_tagged(schema: Schema, tag: Tag<'_>, s: &str) -> Result<Resolved, String> {
    if !tag.resolvable() {
        return Ok(Resolved::Str);
    }
    let resolved = if tag == Tag::Str {
        Resolved::Str
    } else {
        resolve_plain(s, schema, matches!(tag, Tag::None | Tag::Timestamp))
    };
    let rtag = resolved.tag();
    if tag == Tag::None || tag == rtag || tag == Tag::Str {
        return Ok(resolved);
    }
    if tag == Tag::Float {
        // v3 converts int and int64 (not uint64) to float for `!!float`.
        if let Resolved::Int(v) = resolved {
            return Ok(Resolved::Float(v as f64));
        }
    }
    Err(format!(
        "cannot decode {} `{}` as a {}",
        rtag.name(),
        s,
        tag.name()
    ))
}

/// Whether go-yaml v2 may write `s` as a plain scalar: it must resolve to a
/// string under v2's YAML 1.1 rules and not look like a base-60 float.
pub(crate) fn v2_plain_is_str(s: &str) -> bool {
    resolve_plain(s, Schema::V2, true) == Resolved::Str && !is_base60_float(s)
}

/// go-yaml v2 `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else {
        return false;
    };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    let mut i = 0;
    if b[i] == b'+' || b[i] == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // `[0-5]?[0-9]`: one or two digits, the first of two at most 5.
        let d1 = b.get(i).copied().filter(u8::is_ascii_digit);
        let d2 = b.get(i + 1).copied().filter(u8::is_ascii_digit);
        match (d1, d2) {
            (Some(a), Some(_)) if a <= b'5' => i += 2,
            (Some(_), _) => i += 1,
            (None, _) => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(s: &str) -> Resolved {
        resolve_v3(Tag::None, s).unwrap()
    }

    #[test]
    fn v3_core_schema() {
        assert_eq!(v3(""), Resolved::Null);
        assert_eq!(v3("~"), Resolved::Null);
        assert_eq!(v3("NULL"), Resolved::Null);
        assert_eq!(v3("True"), Resolved::Bool(true));
        assert_eq!(v3("yes"), Resolved::Str);
        assert_eq!(v3("on"), Resolved::Str);
        assert_eq!(v3("y"), Resolved::Str);
        assert_eq!(v3("0x1F"), Resolved::Int(31));
        assert_eq!(v3("0o17"), Resolved::Int(15));
        assert_eq!(v3("012"), Resolved::Int(10));
        assert_eq!(v3("0b101"), Resolved::Int(5));
        assert_eq!(v3("-0b101"), Resolved::Int(-5));
        assert_eq!(v3("1_000"), Resolved::Int(1000));
        assert_eq!(v3("0x_1F"), Resolved::Int(31));
        assert_eq!(v3("08"), Resolved::Float(8.0));
        assert_eq!(v3("1e3"), Resolved::Float(1000.0));
        assert_eq!(v3(".5"), Resolved::Float(0.5));
        assert_eq!(v3("-.5"), Resolved::Float(-0.5));
        assert_eq!(v3("+12"), Resolved::Int(12));
        assert_eq!(v3("0.1e400"), Resolved::Str);
        assert_eq!(v3("18446744073709551615"), Resolved::Uint(u64::MAX));
        assert_eq!(v3("99999999999999999999"), Resolved::Float(1e20));
        assert_eq!(v3("12:30"), Resolved::Str);
        assert_eq!(v3("1.2.3"), Resolved::Str);
        assert_eq!(v3("-"), Resolved::Str);
        // The parser, not the resolver, tags a plain `<<` as a merge key.
        assert_eq!(v3("<<"), Resolved::Str);
        assert!(matches!(v3("2001-12-14"), Resolved::Timestamp(_)));
        assert!(matches!(v3(".inf"), Resolved::Float(f) if f.is_infinite()));
        assert!(matches!(v3(".NaN"), Resolved::Float(f) if f.is_nan()));
    }

    #[test]
    fn v3_explicit_tags() {
        assert_eq!(resolve_v3(Tag::Str, "12"), Ok(Resolved::Str));
        assert_eq!(resolve_v3(Tag::Int, "12"), Ok(Resolved::Int(12)));
        assert_eq!(resolve_v3(Tag::Float, "3"), Ok(Resolved::Float(3.0)));
        assert_eq!(resolve_v3(Tag::Other("!foo"), "12"), Ok(Resolved::Str));
        assert_eq!(resolve_v3(Tag::Binary, "aGk="), Ok(Resolved::Str));
        assert_eq!(resolve_v3(Tag::Null, ""), Ok(Resolved::Null));
        assert_eq!(
            resolve_v3(Tag::Int, "abc"),
            Err("cannot decode !!str `abc` as a !!int".into())
        );
        assert_eq!(
            resolve_v3(Tag::Bool, "yes"),
            Err("cannot decode !!str `yes` as a !!bool".into())
        );
        assert!(resolve_v3(Tag::Float, "18446744073709551615").is_err());
        assert!(resolve_v3(Tag::Int, "2001-12-14").is_err());
    }

    #[test]
    fn v2_resolution_is_yaml_1_1() {
        assert_eq!(resolve_v2(Tag::None, "yes"), Ok(Resolved::Bool(true)));
        assert_eq!(resolve_v2(Tag::None, "Off"), Ok(Resolved::Bool(false)));
        assert_eq!(resolve_v2(Tag::None, "0o17"), Ok(Resolved::Int(15)));
        assert_eq!(resolve_v2(Tag::None, "012"), Ok(Resolved::Int(10)));
        assert_eq!(resolve_v2(Tag::None, "abc"), Ok(Resolved::Str));
    }

    #[test]
    fn v2_quoting_decisions() {
        for plain in [
            "abc",
            "yesno",
            "0x",
            "1.2.3",
            "0x1FFFFFFFFFFFFFFFFFFF",
            ": x",
            "<<",
        ] {
            assert!(v2_plain_is_str(plain), "{plain}");
        }
        for quoted in [
            "",
            "on",
            "Off",
            "y",
            "N",
            "yes",
            "true",
            "null",
            "~",
            "1",
            "-1",
            "1.0",
            "1e3",
            "0x1F",
            "012",
            "1_000",
            "2001-12-14",
            "12:30",
            "1:2:3.5",
            "-.inf",
            ".5",
            "+1",
            "0b101",
            "0o17",
        ] {
            assert!(!v2_plain_is_str(quoted), "{quoted}");
        }
    }

    #[test]
    fn base60_floats() {
        assert!(is_base60_float("12:30"));
        assert!(is_base60_float("1:2:3.5"));
        assert!(is_base60_float("-1_0:59"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("12:"));
        assert!(!is_base60_float("a:1"));
        assert!(!is_base60_float("1:2x"));
    }
}
