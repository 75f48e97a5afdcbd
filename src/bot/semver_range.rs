//! Semver ranges as image-automation tools write them (`>=1.2.0 <2.0.0`, `^1.4`, `~1.2.x`,
//! `1.2 - 1.4.5`, `>=1 || 3.x`), with the pre-release rule those tools follow: a group of
//! comparators admits pre-release versions only when one of its own comparators names a
//! pre-release (`>=1.0.0-0`), and then compares them by semver precedence.

use std::cmp::Ordering;

use semver::{Prerelease, Version};

/// A parsed range: alternatives (`||`) of comparator groups that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemverRange {
    groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    comparators: Vec<Comparator>,
    /// Some comparator of this group names a pre-release, so pre-releases are candidates.
    allows_prerelease: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Exact,
    NotEqual,
    Greater,
    GreaterEq,
    Less,
    LessEq,
    Tilde,
    Caret,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Comparator {
    op: Op,
    /// The comparator's version with missing or wildcard parts set to zero.
    version: Version,
    /// Which parts were wildcards or missing (`1.x`: minor and patch; `*`: all).
    major_wild: bool,
    minor_wild: bool,
    patch_wild: bool,
}

impl Comparator {
    fn wild(&self) -> bool {
        self.major_wild || self.minor_wild || self.patch_wild
    }
}

impl SemverRange {
    /// Parses a range; the error says which part is malformed.
    pub fn parse(text: &str) -> Result<SemverRange, String> {
        let mut groups = Vec::new();
        for alternative in text.split("||") {
            let comparators = parse_group(alternative)?;
            let allows_prerelease = comparators.iter().any(|c| !c.version.pre.is_empty());
            groups.push(Group {
                comparators,
                allows_prerelease,
            });
        }
        Ok(SemverRange { groups })
    }

    /// Whether `version` is in the range.
    pub fn matches(&self, version: &Version) -> bool {
        self.groups.iter().any(|group| {
            (version.pre.is_empty() || group.allows_prerelease)
                && group.comparators.iter().all(|c| c.matches(version))
        })
    }
}

/// Parses a tag as a version: an optional `v`, one to three numeric parts (missing ones are
/// zero), then an optional pre-release and build metadata.
pub fn parse_version(tag: &str) -> Option<Version> {
    let text = tag.strip_prefix('v').unwrap_or(tag);
    let (core, build) = match text.split_once('+') {
        Some((core, build)) => (core, Some(build)),
        None => (text, None),
    };
    let (numbers, pre) = match core.split_once('-') {
        Some((numbers, pre)) => (numbers, Some(pre)),
        None => (core, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut nums = [0u64; 3];
    for (slot, part) in nums.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Leading zeros are not semver; tools that accept partial versions reject them too.
        if part.len() > 1 && part.starts_with('0') {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    let mut version = Version::new(nums[0], nums[1], nums[2]);
    if let Some(pre) = pre {
        version.pre = Prerelease::new(pre).ok()?;
        if version.pre.is_empty() {
            return None;
        }
    }
    if let Some(build) = build {
        version.build = semver::BuildMetadata::new(build).ok()?;
        if version.build.is_empty() {
            return None;
        }
    }
    Some(version)
}

fn parse_group(text: &str) -> Result<Vec<Comparator>, String> {
    let tokens = tokenize(text);
    if tokens.is_empty() {
        // An empty alternative means any version, as `*` does.
        return Ok(vec![wildcard_any()]);
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // A hyphen range: `A - B` is `>=A <=B`.
        if i + 2 < tokens.len() && tokens[i + 1] == "-" {
            let low = parse_comparator(&tokens[i])?;
            let high = parse_comparator(&tokens[i + 2])?;
            if low.op != Op::Exact || high.op != Op::Exact {
                return Err(format!(
                    "{:?}: a hyphen range takes two plain versions",
                    text.trim()
                ));
            }
            out.push(Comparator {
                op: Op::GreaterEq,
                ..low
            });
            out.push(Comparator {
                op: Op::LessEq,
                ..high
            });
            i += 3;
            continue;
        }
        out.push(parse_comparator(&tokens[i])?);
        i += 1;
    }
    Ok(out)
}

/// Splits a group into comparators: separated by spaces or commas, with an operator allowed
/// to stand apart from its version (`>= 1.2`).
fn tokenize(text: &str) -> Vec<String> {
    let mut raw: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut pending_op: Option<&str> = None;
    for token in raw.drain(..) {
        if token != "-" && token.chars().all(|c| "<>=!~^".contains(c)) {
            pending_op = Some(token);
            continue;
        }
        match pending_op.take() {
            Some(op) => out.push(format!("{op}{token}")),
            None => out.push(token.to_string()),
        }
    }
    if let Some(op) = pending_op {
        out.push(op.to_string());
    }
    out
}

fn wildcard_any() -> Comparator {
    Comparator {
        op: Op::Exact,
        version: Version::new(0, 0, 0),
        major_wild: true,
        minor_wild: true,
        patch_wild: true,
    }
}

fn parse_comparator(token: &str) -> Result<Comparator, String> {
    let (op, rest) = split_op(token);
    let rest = rest.strip_prefix('v').unwrap_or(rest);
    if rest.is_empty() {
        return Err(format!("{token:?}: an operator needs a version"));
    }
    let bad = || format!("{token:?}: not a version or a comparator");
    let (core, build) = match rest.split_once('+') {
        Some((c, b)) => (c, Some(b)),
        None => (rest, None),
    };
    let (numbers, pre) = match core.split_once('-') {
        Some((n, p)) => (n, Some(p)),
        None => (core, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() > 3 {
        return Err(bad());
    }
    let mut nums = [0u64; 3];
    let mut wild = [false; 3];
    for i in 0..3 {
        match parts.get(i) {
            None => wild[i] = true,
            Some(p) if matches!(*p, "x" | "X" | "*") => wild[i] = true,
            Some(p) => {
                if wild.iter().take(i).any(|w| *w) {
                    // `1.x.3` names a patch under a wildcard minor.
                    return Err(bad());
                }
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                nums[i] = p.parse().map_err(|_| bad())?;
            }
        }
    }
    // A wildcard part makes every later part a wildcard too.
    for i in 1..3 {
        wild[i] |= wild[i - 1];
    }
    let mut version = Version::new(nums[0], nums[1], nums[2]);
    if let Some(pre) = pre {
        version.pre = Prerelease::new(pre).map_err(|_| bad())?;
    }
    if let Some(build) = build {
        version.build = semver::BuildMetadata::new(build).map_err(|_| bad())?;
    }
    Ok(Comparator {
        op,
        version,
        major_wild: wild[0],
        minor_wild: wild[1],
        patch_wild: wild[2],
    })
}

fn split_op(token: &str) -> (Op, &str) {
    for (prefix, op) in [
        (">=", Op::GreaterEq),
        ("=>", Op::GreaterEq),
        ("<=", Op::LessEq),
        ("=<", Op::LessEq),
        ("!=", Op::NotEqual),
        ("~>", Op::Tilde),
        (">", Op::Greater),
        ("<", Op::Less),
        ("=", Op::Exact),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ] {
        if let Some(rest) = token.strip_prefix(prefix) {
            return (op, rest);
        }
    }
    (Op::Exact, token)
}

/// Precedence ignoring build metadata (semver §10).
fn cmp(a: &Version, b: &Version) -> Ordering {
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| a.pre.cmp(&b.pre))
}

impl Comparator {
    fn matches(&self, v: &Version) -> bool {
        let c = &self.version;
        match self.op {
            Op::Exact if self.wild() => self.tilde(v),
            Op::Exact => cmp(v, c) == Ordering::Equal,
            Op::NotEqual => {
                if !self.wild() {
                    return cmp(v, c) != Ordering::Equal;
                }
                !self.within_wildcard(v)
            }
            Op::Greater => {
                if !self.wild() {
                    return cmp(v, c) == Ordering::Greater;
                }
                if self.major_wild {
                    return false;
                }
                match v.major.cmp(&c.major) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal if self.minor_wild => false,
                    Ordering::Equal => v.minor > c.minor,
                }
            }
            Op::GreaterEq => cmp(v, c) != Ordering::Less,
            Op::Less => cmp(v, c) == Ordering::Less,
            Op::LessEq => {
                if !self.wild() {
                    return cmp(v, c) != Ordering::Greater;
                }
                if self.major_wild {
                    return true;
                }
                !(v.major > c.major
                    || (v.major == c.major && !self.minor_wild && v.minor > c.minor))
            }
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    /// `v` lies inside the wildcard's span (`1.2.x` spans 1.2.*).
    fn within_wildcard(&self, v: &Version) -> bool {
        let c = &self.version;
        (self.major_wild || v.major == c.major)
            && (self.minor_wild || v.minor == c.minor)
            && (self.patch_wild || v.patch == c.patch)
    }

    /// `~1.2.3` is `>=1.2.3 <1.3.0`; `~1` and `~1.x` are `>=1.0.0 <2.0.0`.
    fn tilde(&self, v: &Version) -> bool {
        let c = &self.version;
        if self.major_wild {
            return true;
        }
        if cmp(v, c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_wild && !self.patch_wild {
            return true;
        }
        v.major == c.major && (self.minor_wild || v.minor == c.minor)
    }

    /// `^1.2.3` is `>=1.2.3 <2.0.0`; `^0.2.3` is `>=0.2.3 <0.3.0`; `^0.0.3` is `=0.0.3`.
    fn caret(&self, v: &Version) -> bool {
        let c = &self.version;
        if self.major_wild {
            return true;
        }
        if cmp(v, c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_wild {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_wild {
            return v.minor == c.minor;
        }
        v.minor == 0 && v.patch == c.patch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(range: &str, version: &str) -> bool {
        let r = SemverRange::parse(range).expect("range parses");
        let v = parse_version(version).expect("version parses");
        r.matches(&v)
    }

    #[test]
    fn ranges_without_prerelease_exclude_prereleases() {
        assert!(ok(">=1.2.0 <2.0.0", "1.10.0"));
        assert!(ok(">=1.2.0 <2.0.0", "1.9.3"));
        assert!(!ok(">=1.2.0 <2.0.0", "2.0.0"));
        assert!(!ok(">=1.2.0 <2.0.0", "1.10.0-rc.1"));
        assert!(!ok(">=1.2.0, <2.0.0", "1.1.9"));
    }

    #[test]
    fn a_prerelease_comparator_admits_prereleases_in_its_group() {
        assert!(ok(">=1.0.0-0", "2.0.0-rc.1"));
        assert!(ok(">=1.0.0-0 <2.0.0", "1.5.0-rc.1"));
        assert!(
            ok(">=1.0.0-0 <2.0.0", "2.0.0-rc.1"),
            "2.0.0-rc.1 precedes 2.0.0"
        );
        assert!(!ok(">=1.0.0 <2.0.0 || >=3.0.0-0", "1.5.0-rc.1"));
        assert!(ok(">=1.0.0 <2.0.0 || >=3.0.0-0", "3.1.0-beta"));
    }

    #[test]
    fn prerelease_precedence_is_numeric_per_identifier() {
        let rc9 = parse_version("1.0.0-rc.9").expect("v");
        let rc10 = parse_version("1.0.0-rc.10").expect("v");
        assert!(cmp(&rc10, &rc9) == Ordering::Greater);
        assert!(ok(">1.0.0-rc.9", "1.0.0-rc.10"));
    }

    #[test]
    fn tilde_caret_wildcards_and_hyphens() {
        assert!(ok("~1.2.3", "1.2.9"));
        assert!(!ok("~1.2.3", "1.3.0"));
        assert!(ok("~1", "1.9.0"));
        assert!(ok("^1.2", "1.9.0"));
        assert!(!ok("^1.2", "2.0.0"));
        assert!(ok("^0.2.3", "0.2.9"));
        assert!(!ok("^0.2.3", "0.3.0"));
        assert!(ok("^0.0.3", "0.0.3"));
        assert!(!ok("^0.0.3", "0.0.4"));
        assert!(ok("1.2.x", "1.2.7"));
        assert!(!ok("1.2.x", "1.3.0"));
        assert!(ok("*", "4.5.6"));
        assert!(ok("1.2 - 1.4.5", "1.4.5"));
        assert!(!ok("1.2 - 1.4.5", "1.4.6"));
        assert!(ok("!=1.2.3", "1.2.4"));
        assert!(!ok("!=1.2.x", "1.2.4"));
        assert!(ok(">= 1.2", "1.2.0"));
        assert!(!ok(">1.x", "1.9.0"));
        assert!(ok(">1.x", "2.0.0"));
        assert!(ok("<=1.2.x", "1.2.9"));
        assert!(!ok("<=1.2.x", "1.3.0"));
    }

    #[test]
    fn versions_parse_like_tags() {
        assert_eq!(parse_version("v1.2"), Some(Version::new(1, 2, 0)));
        assert!(parse_version("1.2.3.4").is_none());
        assert!(parse_version("latest").is_none());
        assert!(parse_version("01.2.3").is_none());
        assert!(parse_version("1.2.3-").is_none());
        assert!(SemverRange::parse(">=1.x.3").is_err());
        assert!(SemverRange::parse(">=banana").is_err());
    }
}
