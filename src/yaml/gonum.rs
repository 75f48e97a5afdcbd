//! Go's `strconv` number rules, as far as the YAML libraries use them.
//!
//! yaml.v3 and yaml.v2 decide what a plain scalar is by calling
//! `strconv.ParseInt(s, 0, 64)`, `ParseUint` and `ParseFloat`; the printer
//! writes floats with `FormatFloat(f, 'g', -1, 64)` after `encoding/json` has
//! had its say. These functions reproduce those exact acceptance rules and
//! spellings.

/// Result of Go's `ParseInt`/`ParseUint`: the value, a syntax error, or an
/// out-of-range error (which callers treat differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntParse<T> {
    Ok(T),
    Syntax,
    Range,
}

/// `strconv.ParseUint(s, base, 64)`; `base == 0` detects `0x`/`0o`/`0b`/`0` prefixes.
/// Underscores are not accepted (callers strip them first, as yaml does).
pub(crate) fn parse_uint(s: &str, base: u32) -> IntParse<u64> {
    if s.is_empty() {
        return IntParse::Syntax;
    }
    let b = s.as_bytes();
    let (base, digits) = if base == 0 {
        if b[0] == b'0' {
            if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
                (2, &b[2..])
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
                (8, &b[2..])
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
                (16, &b[2..])
            } else {
                (8, &b[1..])
            }
        } else {
            (10, b)
        }
    } else {
        (base, b)
    };
    let mut n: u64 = 0;
    let mut overflow = false;
    for &c in digits {
        let Some(d) = (c as char).to_digit(36) else {
            return IntParse::Syntax;
        };
        if d >= base {
            return IntParse::Syntax;
        }
        if overflow {
            continue;
        }
        match n
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(d)))
        {
            Some(v) => n = v,
            None => overflow = true,
        }
    }
    if overflow {
        IntParse::Range
    } else {
        IntParse::Ok(n)
    }
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then `ParseUint`.
pub(crate) fn parse_int(s: &str, base: u32) -> IntParse<i64> {
    if s.is_empty() {
        return IntParse::Syntax;
    }
    let (neg, rest) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = match parse_uint(rest, base) {
        IntParse::Ok(v) => v,
        IntParse::Range => u64::MAX,
        IntParse::Syntax => return IntParse::Syntax,
    };
    const CUTOFF: u64 = 1 << 63;
    if !neg && un >= CUTOFF {
        return IntParse::Range;
    }
    if neg && un > CUTOFF {
        return IntParse::Range;
    }
    if neg {
        // un <= 2^63, so the negation fits (i64::MIN when un == 2^63).
        IntParse::Ok((un as i64).wrapping_neg())
    } else {
        IntParse::Ok(un as i64)
    }
}

/// yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub(crate) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    } else {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` restricted to decimal syntax (what yaml can reach:
/// a string that starts with `.` or matched [`is_yaml_style_float`]).
/// Underscores between digits are accepted as Go does; overflow to ±Inf is an
/// error, as Go reports `ErrRange`.
pub(crate) fn parse_float_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut mantissa_digits = 0;
    let mut seen_dot = false;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => mantissa_digits += 1,
            b'_' => {}
            b'.' if !seen_dot => seen_dot = true,
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    let v: f64 = cleaned.parse().ok()?;
    if v.is_infinite() { None } else { Some(v) }
}

/// Go's `underscoreOK`: underscores only between digits.
fn underscore_ok(s: &str) -> bool {
    let mut saw = b'^';
    let b = s.as_bytes();
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        i = 1;
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// The shortest decimal digits of a finite, non-zero `f` (no sign) and the
/// position of the decimal point: `f = 0.d1d2d3... × 10^dp`.
fn shortest_digits(f: f64) -> (Vec<u8>, i32) {
    // Rust's `{:e}` prints the shortest representation that round-trips, like
    // Go's `FormatFloat(f, _, -1, 64)`.
    digits_of(&format!("{:e}", f.abs()))
}

/// [`shortest_digits`] for the value rounded to 32 bits, as Go's
/// `FormatFloat(f, _, -1, 32)` sees it.
fn shortest_digits_32(f: f64) -> (Vec<u8>, i32) {
    digits_of(&format!("{:e}", (f as f32).abs()))
}

fn digits_of(s: &str) -> (Vec<u8>, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
pub(crate) fn format_float_g(f: f64) -> String {
    format_g(f, shortest_digits)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`.
pub(crate) fn format_float_g32(f: f64) -> String {
    format_g(f, shortest_digits_32)
}

fn format_g(f: f64, digits_fn: fn(f64) -> (Vec<u8>, i32)) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let neg = f.is_sign_negative();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if f == 0.0 {
        out.push('0');
        return out;
    }
    let (digits, dp) = digits_fn(f);
    let nd = digits.len() as i32;
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        // %e with nd-1 fraction digits and at least two exponent digits.
        out.push(digits[0] as char);
        if nd > 1 {
            out.push('.');
            for &d in &digits[1..] {
                out.push(d as char);
            }
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else {
        push_fixed(&mut out, &digits, dp, (nd - dp).max(0));
    }
    out
}

/// `%f` layout of `0.digits × 10^dp` with `frac` fraction digits.
fn push_fixed(out: &mut String, digits: &[u8], dp: i32, frac: i32) {
    let nd = digits.len() as i32;
    if dp > 0 {
        for i in 0..dp {
            out.push(if i < nd {
                digits[i as usize] as char
            } else {
                '0'
            });
        }
    } else {
        out.push('0');
    }
    if frac > 0 {
        out.push('.');
        for i in 1..=frac {
            let j = dp + i - 1;
            out.push(if (0..nd).contains(&j) {
                digits[j as usize] as char
            } else {
                '0'
            });
        }
    }
}

/// How a float64 comes out of kustomize's printer: `encoding/json` writes it,
/// then go-yaml v2 reads the JSON text back, which turns integral values that
/// fit in 64 bits into integers. Returns the scalar text to print.
pub(crate) fn float_as_printed(f: f64) -> String {
    if !f.is_finite() {
        // encoding/json refuses these; kustomize would have failed earlier.
        return if f.is_nan() {
            ".nan".into()
        } else if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f == 0.0 {
        return "0".into();
    }
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) && f.fract() == 0.0 {
        // encoding/json used %f: shortest digits padded with zeros. go-yaml v2
        // reads that back as an int when it fits int64 or uint64.
        let (digits, dp) = shortest_digits(f);
        let mut text = String::new();
        if f < 0.0 {
            text.push('-');
        }
        push_fixed(&mut text, &digits, dp, 0);
        let fits = match parse_int(&text, 10) {
            IntParse::Ok(_) => true,
            _ => matches!(parse_uint(&text, 10), IntParse::Ok(_)),
        };
        if fits {
            return text;
        }
    }
    format_float_g(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_follows_go_base_prefixes() {
        assert_eq!(parse_int("0x1F", 0), IntParse::Ok(31));
        assert_eq!(parse_int("0o17", 0), IntParse::Ok(15));
        assert_eq!(parse_int("017", 0), IntParse::Ok(15));
        assert_eq!(parse_int("0b101", 0), IntParse::Ok(5));
        assert_eq!(parse_int("-0x10", 0), IntParse::Ok(-16));
        assert_eq!(parse_int("+12", 0), IntParse::Ok(12));
        assert_eq!(parse_int("0", 0), IntParse::Ok(0));
        assert_eq!(parse_int("-0", 0), IntParse::Ok(0));
        assert_eq!(parse_int("08", 0), IntParse::Syntax);
        assert_eq!(parse_int("0x", 0), IntParse::Syntax);
        assert_eq!(parse_int("", 0), IntParse::Syntax);
        assert_eq!(parse_int("-", 0), IntParse::Syntax);
        assert_eq!(parse_int("9223372036854775807", 0), IntParse::Ok(i64::MAX));
        assert_eq!(parse_int("-9223372036854775808", 0), IntParse::Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775808", 0), IntParse::Range);
        assert_eq!(parse_uint("9223372036854775808", 0), IntParse::Ok(1 << 63));
        assert_eq!(parse_uint("+1", 0), IntParse::Syntax);
        assert_eq!(parse_uint("18446744073709551616", 0), IntParse::Range);
    }

    #[test]
    fn yaml_style_float_regexp() {
        for ok in ["1", "1.", "1.5", ".5", "-1e5", "+1.5E-3", "0.1e400"] {
            assert!(is_yaml_style_float(ok), "{ok}");
        }
        for bad in ["", ".", "e5", "1e", "1.5.5", "0x1p3", "1_0", "inf"] {
            assert!(!is_yaml_style_float(bad), "{bad}");
        }
    }

    #[test]
    fn parse_float_decimal_rules() {
        assert_eq!(parse_float_decimal(".5_5"), Some(0.55));
        assert_eq!(parse_float_decimal(".5"), Some(0.5));
        assert_eq!(parse_float_decimal("._5"), None);
        assert_eq!(parse_float_decimal(".5_"), None);
        assert_eq!(parse_float_decimal("."), None);
        assert_eq!(parse_float_decimal(".e5"), None);
        assert_eq!(parse_float_decimal("1e400"), None);
        assert_eq!(parse_float_decimal("1e-400"), Some(0.0));
    }

    #[test]
    fn format_float_g_matches_go() {
        let cases = [
            (1234567.5, "1.2345675e+06"),
            (123456.5, "123456.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-07"),
            (1e100, "1e+100"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (f, s) in cases {
            assert_eq!(format_float_g(f), s, "{f}");
        }
    }

    #[test]
    fn format_float_g32_uses_single_precision() {
        assert_eq!(format_float_g32(0.1), "0.1");
        assert_eq!(format_float_g32(1.0 / 3.0), "0.33333334");
        assert_eq!(format_float_g32(1e10), "1e+10");
    }

    #[test]
    fn floats_print_like_the_json_round_trip() {
        assert_eq!(float_as_printed(1.0), "1");
        assert_eq!(float_as_printed(-0.0), "0");
        assert_eq!(float_as_printed(1e19), "10000000000000000000");
        assert_eq!(float_as_printed(-1e19), "-1e+19");
        assert_eq!(float_as_printed(1e20), "1e+20");
        assert_eq!(float_as_printed(1e21), "1e+21");
        // encoding/json writes the shortest digits padded with zeros.
        assert_eq!(
            float_as_printed(9223372036854775808.0),
            "9223372036854776000"
        );
        assert_eq!(
            float_as_printed(-9223372036854775808.0),
            "-9.223372036854776e+18"
        );
        assert_eq!(float_as_printed(1e-7), "1e-07");
        assert_eq!(float_as_printed(0.5), "0.5");
        assert_eq!(float_as_printed(1234567.5), "1.2345675e+06");
    }
}
