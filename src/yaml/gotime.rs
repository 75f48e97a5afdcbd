//! The YAML timestamps go-yaml recognises, parsed with Go's `time.Parse` rules,
//! and printed as `encoding/json` prints a `time.Time` (RFC 3339 with nanoseconds).
//!
//! yaml.v3 turns an unquoted `2001-12-14` into a `time.Time`, so kustomize
//! prints it back as `"2001-12-14T00:00:00Z"`; go-yaml v2 uses the same test to
//! decide that such strings must be quoted.

/// A parsed timestamp: wall-clock fields plus the zone offset in seconds
/// (`0` for UTC and for layouts without a zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GoTime {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset: i32,
}

/// The layouts of go-yaml's `allowedTimestampFormats`, in order.
#[derive(Clone, Copy)]
enum Layout {
    /// `2006-1-2T15:4:5.999999999Z07:00` (also with a lower-case `t`).
    DateTimeZone(u8),
    /// `2006-1-2 15:4:5.999999999`
    DateTimeSpace,
    /// `2006-1-2`
    Date,
}

/// go-yaml's `parseTimestamp`.
pub(crate) fn parse_timestamp(s: &str) -> Option<GoTime> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits != 4 || digits == b.len() || b[digits] != b'-' {
        return None;
    }
    [
        Layout::DateTimeZone(b'T'),
        Layout::DateTimeZone(b't'),
        Layout::DateTimeSpace,
        Layout::Date,
    ]
    .into_iter()
    .find_map(|layout| parse_layout(b, layout))
}

/// Go's `getnum(s, false)`: one or two digits.
fn getnum(b: &[u8]) -> Option<(u32, &[u8])> {
    let d0 = *b.first().filter(|c| c.is_ascii_digit())?;
    match b.get(1) {
        Some(d1) if d1.is_ascii_digit() => {
            Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &b[2..]))
        }
        _ => Some((u32::from(d0 - b'0'), &b[1..])),
    }
}

fn expect(b: &[u8], c: u8) -> Option<&[u8]> {
    (b.first() == Some(&c)).then(|| &b[1..])
}

fn parse_layout(b: &[u8], layout: Layout) -> Option<GoTime> {
    let year_text = b.get(..4)?;
    let year = year_text.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })?;
    let rest = expect(&b[4..], b'-')?;
    let (month, rest) = getnum(rest)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    let rest = expect(rest, b'-')?;
    let (day, mut rest) = getnum(rest)?;
    let mut t = GoTime {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset: 0,
    };
    match layout {
        Layout::Date => {}
        Layout::DateTimeZone(_) | Layout::DateTimeSpace => {
            let sep = if let Layout::DateTimeZone(c) = layout {
                c
            } else {
                b' '
            };
            rest = expect(rest, sep)?;
            let (hour, r) = getnum(rest)?;
            if hour >= 24 {
                return None;
            }
            let r = expect(r, b':')?;
            let (minute, r) = getnum(r)?;
            if minute >= 60 {
                return None;
            }
            let r = expect(r, b':')?;
            let (second, r) = getnum(r)?;
            if second >= 60 {
                return None;
            }
            t.hour = hour;
            t.minute = minute;
            t.second = second;
            rest = r;
            // Optional fraction: `.` or `,` then any number of digits, of
            // which the first nine count.
            if rest.len() >= 2 && (rest[0] == b'.' || rest[0] == b',') && rest[1].is_ascii_digit() {
                let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                let mut nanos = 0u32;
                for i in 0..9 {
                    let d = if i < n {
                        u32::from(rest[1 + i] - b'0')
                    } else {
                        0
                    };
                    nanos = nanos * 10 + d;
                }
                t.nanos = nanos;
                rest = &rest[1 + n..];
            }
            if let Layout::DateTimeZone(_) = layout {
                if rest.first() == Some(&b'Z') {
                    rest = &rest[1..];
                } else {
                    if rest.len() < 6 || rest[3] != b':' {
                        return None;
                    }
                    let two = |s: &[u8]| -> Option<u32> {
                        (s[0].is_ascii_digit() && s[1].is_ascii_digit())
                            .then(|| u32::from(s[0] - b'0') * 10 + u32::from(s[1] - b'0'))
                    };
                    let hh = two(&rest[1..3])?;
                    let mm = two(&rest[4..6])?;
                    if hh > 24 || mm > 60 {
                        return None;
                    }
                    let secs = ((hh * 60 + mm) * 60) as i32;
                    t.offset = match rest[0] {
                        b'+' => secs,
                        b'-' => -secs,
                        _ => return None,
                    };
                    rest = &rest[6..];
                }
            }
        }
    }
    if !rest.is_empty() {
        return None;
    }
    if day < 1 || day > days_in(month, year) {
        return None;
    }
    Some(t)
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl GoTime {
    /// `time.Time.MarshalJSON` without the quotes: RFC 3339 with trimmed
    /// nanoseconds. `None` when Go refuses (zone offset of 24 hours or more).
    pub(crate) fn to_rfc3339_nano(self) -> Option<String> {
        let abs = self.offset.unsigned_abs();
        let (oh, om) = (abs / 3600, (abs / 60) % 60);
        if oh >= 24 {
            return None;
        }
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        if self.offset == 0 {
            s.push('Z');
        } else {
            s.push(if self.offset < 0 { '-' } else { '+' });
            s.push_str(&format!("{oh:02}:{om:02}"));
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Option<String> {
        parse_timestamp(s).and_then(GoTime::to_rfc3339_nano)
    }

    #[test]
    fn recognises_go_yaml_layouts() {
        assert_eq!(json("2001-12-14").as_deref(), Some("2001-12-14T00:00:00Z"));
        assert_eq!(
            json("2001-12-14t21:59:43.10-05:00").as_deref(),
            Some("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(
            json("2001-12-14 21:59:43,123456789123").as_deref(),
            Some("2001-12-14T21:59:43.123456789Z")
        );
        assert_eq!(
            json("2001-2-3 1:2:3").as_deref(),
            Some("2001-02-03T01:02:03Z")
        );
        assert_eq!(
            json("2001-12-14T21:59:43+00:00").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
        assert_eq!(
            json("2001-12-14T21:59:43+01:60").as_deref(),
            Some("2001-12-14T21:59:43+02:00")
        );
    }

    #[test]
    fn rejects_what_go_rejects() {
        for s in [
            "2001-02-30",
            "2001-13-01",
            "01-12-14",
            "2001-12-14 ",
            "2001-12-14T25:00:00Z",
            "2001-12-14 21:59:43 -5",
            "20011-12-14",
            "2001-12-14T21:59:43",
            "2001-123-1",
        ] {
            assert!(parse_timestamp(s).is_none(), "{s}");
        }
        assert!(parse_timestamp("2000-02-29").is_some());
        assert!(parse_timestamp("1900-02-29").is_none());
    }

    #[test]
    fn offsets_of_a_day_cannot_be_marshalled() {
        let t = parse_timestamp("2001-12-14T21:59:43+24:00").unwrap();
        assert_eq!(t.to_rfc3339_nano(), None);
    }
}
