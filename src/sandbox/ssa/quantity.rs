//! Canonical form of `resource.Quantity` values (apimachinery `quantity.go`): what the API server
//! stores for `cpu: 0.5` (`500m`), `memory: 1024Ki` (`1Mi`) or `1000` (`1k`).

/// How a quantity was written; the canonical form keeps the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalExponent,
    BinarySI,
    DecimalSI,
}

/// A quantity as `mantissa × 10^scale`.
struct Parsed {
    mantissa: i128,
    scale: i32,
    format: Format,
}

fn parse(s: &str) -> Option<Parsed> {
    let s = s.trim();
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(num_end);
    if number.is_empty() || number == "." {
        return None;
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    let digits = format!("{int_part}{frac_part}");
    let mut mantissa: i128 = digits.parse().ok()?;
    let mut scale = -(frac_part.len() as i32);
    let format = match suffix {
        "" => Format::DecimalSI,
        "n" => {
            scale -= 9;
            Format::DecimalSI
        }
        "u" => {
            scale -= 6;
            Format::DecimalSI
        }
        "m" => {
            scale -= 3;
            Format::DecimalSI
        }
        "k" => {
            scale += 3;
            Format::DecimalSI
        }
        "M" => {
            scale += 6;
            Format::DecimalSI
        }
        "G" => {
            scale += 9;
            Format::DecimalSI
        }
        "T" => {
            scale += 12;
            Format::DecimalSI
        }
        "P" => {
            scale += 15;
            Format::DecimalSI
        }
        "E" => {
            scale += 18;
            Format::DecimalSI
        }
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            let power = match suffix {
                "Ki" => 1,
                "Mi" => 2,
                "Gi" => 3,
                "Ti" => 4,
                "Pi" => 5,
                _ => 6,
            };
            mantissa = mantissa.checked_mul(1i128.checked_shl(10 * power)?)?;
            Format::BinarySI
        }
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().ok()?;
            scale += exp;
            Format::DecimalExponent
        }
        _ => return None,
    };
    if negative {
        mantissa = -mantissa;
    }
    Some(Parsed {
        mantissa,
        scale,
        format,
    })
}

/// `value × 10^scale` rounded up (away from zero) to a multiple of `10^target`.
fn round_up(p: &mut Parsed, target: i32) {
    if p.scale >= target {
        return;
    }
    let shift = (target - p.scale) as u32;
    let Some(div) = 10i128.checked_pow(shift) else {
        p.mantissa = p.mantissa.signum();
        p.scale = target;
        return;
    };
    let (q, r) = (p.mantissa / div, p.mantissa % div);
    p.mantissa = if r == 0 { q } else { q + p.mantissa.signum() };
    p.scale = target;
}

fn decimal_suffix(exponent: i32) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

/// The canonical string of a quantity, or `None` if it does not parse (left as written).
/// `milli_round` applies `SetDefaults_ResourceList`'s rounding up to milli units.
pub(crate) fn canonical(s: &str, milli_round: bool) -> Option<String> {
    let mut p = parse(s)?;
    if milli_round {
        round_up(&mut p, -3);
    }
    if p.mantissa == 0 {
        return Some("0".into());
    }
    let mut format = p.format;
    if format == Format::BinarySI {
        let integral = p.scale >= 0 || {
            let div = 10i128.checked_pow((-p.scale) as u32).unwrap_or(i128::MAX);
            p.mantissa % div == 0
        };
        let value_abs_small = p.scale <= 0 && {
            let div = 10i128.checked_pow((-p.scale) as u32).unwrap_or(i128::MAX);
            (p.mantissa / div).abs() < 1024
        };
        if value_abs_small || !integral {
            format = Format::DecimalSI;
        }
    }
    if format == Format::BinarySI {
        let mut value = if p.scale >= 0 {
            p.mantissa
                .checked_mul(10i128.checked_pow(p.scale as u32)?)?
        } else {
            p.mantissa / 10i128.checked_pow((-p.scale) as u32)?
        };
        let mut exponent = 0;
        while exponent < 6 && value % 1024 == 0 {
            value /= 1024;
            exponent += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exponent];
        return Some(format!("{value}{suffix}"));
    }
    let mut mantissa = p.mantissa;
    let mut exponent = p.scale;
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exponent += 1;
    }
    match exponent.rem_euclid(3) {
        1 => {
            mantissa *= 10;
            exponent -= 1;
        }
        2 => {
            mantissa *= 100;
            exponent -= 2;
        }
        _ => {}
    }
    let suffix = match (format, decimal_suffix(exponent)) {
        (Format::DecimalSI, Some(s)) => s.to_string(),
        (_, _) if exponent == 0 => String::new(),
        _ => format!("e{exponent}"),
    };
    Some(format!("{mantissa}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_match_the_api_server() {
        let cases = [
            ("0.5", "500m"),
            ("500m", "500m"),
            ("1000", "1k"),
            ("1.5", "1500m"),
            ("2", "2"),
            ("1200m", "1200m"),
            ("1Gi", "1Gi"),
            ("1024Ki", "1Mi"),
            ("1.5Gi", "1536Mi"),
            ("0.5Ki", "512"),
            ("100Mi", "100Mi"),
            ("1e3", "1e3"),
            ("0", "0"),
            ("128974848", "128974848"),
            ("1G", "1G"),
        ];
        for (input, want) in cases {
            assert_eq!(canonical(input, false).as_deref(), Some(want), "{input}");
        }
        assert_eq!(canonical("0.0001", true).as_deref(), Some("1m"));
        assert_eq!(canonical("100u", true).as_deref(), Some("1m"));
        assert_eq!(canonical("abc", false), None);
    }
}
