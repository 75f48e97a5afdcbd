//! Which tags an environment allows for an image, and which of a registry's tags is the
//! newest allowed: a semver range (with its pre-release rule), a regular expression with an
//! optional named group to extract the ordered part, and numerical or alphabetical order.

use std::cmp::Ordering;

use regex::Regex;
use semver::Version;

use super::semver_range::{SemverRange, parse_version};
use crate::environment::{TagOrder, TagPolicy};

/// A tag policy, compiled.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    semver: Option<SemverRange>,
    pattern: Option<Regex>,
    extract: Option<String>,
    order: Option<TagOrder>,
}

/// The part of a tag a policy orders by.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Semver(Version),
    Number(f64),
    Text(String),
}

impl CompiledPolicy {
    /// Compiles `policy`; the error names the bad field.
    pub fn compile(policy: &TagPolicy) -> Result<CompiledPolicy, String> {
        let semver = policy
            .semver
            .as_deref()
            .map(|r| SemverRange::parse(r).map_err(|e| format!("semver: {e}")))
            .transpose()?;
        let pattern = policy
            .pattern
            .as_deref()
            .map(|p| Regex::new(p).map_err(|e| format!("pattern: {e}")))
            .transpose()?;
        if let Some(group) = &policy.extract {
            let Some(re) = &pattern else {
                return Err("extract: needs a pattern".into());
            };
            if !re.capture_names().flatten().any(|n| n == group) {
                return Err(format!("extract: no group named {group:?} in the pattern"));
            }
        }
        if semver.is_some() && policy.order.is_some() {
            return Err("order: semver ranges order by version; leave order out".into());
        }
        Ok(CompiledPolicy {
            semver,
            pattern,
            extract: policy.extract.clone(),
            order: policy.order,
        })
    }

    /// Whether the policy says anything (an empty policy allows every tag but cannot pick
    /// a newest one).
    pub fn is_empty(&self) -> bool {
        self.semver.is_none() && self.pattern.is_none() && self.order.is_none()
    }

    /// `Ok` when `tag` is allowed, else the reason it is not.
    pub fn allows(&self, tag: &str) -> Result<(), String> {
        self.key(tag).map(|_| ())
    }

    /// The newest allowed tag among `tags`, if any is allowed.
    pub fn newest<'t>(&self, tags: &'t [String]) -> Option<&'t str> {
        let mut best: Option<(&str, Key)> = None;
        for tag in tags {
            let Ok(key) = self.key(tag) else { continue };
            let better = match &best {
                None => true,
                Some((best_tag, best_key)) => match compare(&key, best_key) {
                    Ordering::Greater => true,
                    // Equal versions (`v1.2.0` and `1.2.0`): the greater text, so the pick
                    // does not depend on the registry's order.
                    Ordering::Equal => tag.as_str() > *best_tag,
                    Ordering::Less => false,
                },
            };
            if better {
                best = Some((tag, key));
            }
        }
        best.map(|(tag, _)| tag)
    }

    fn key(&self, tag: &str) -> Result<Key, String> {
        let value = match &self.pattern {
            Some(re) => {
                let caps = re
                    .captures(tag)
                    .ok_or_else(|| format!("does not match the pattern {:?}", re.as_str()))?;
                match &self.extract {
                    Some(group) => caps
                        .name(group)
                        .map(|m| m.as_str().to_string())
                        .ok_or_else(|| format!("the pattern's group {group:?} did not match"))?,
                    None => tag.to_string(),
                }
            }
            None => tag.to_string(),
        };
        if let Some(range) = &self.semver {
            let version = parse_version(&value)
                .ok_or_else(|| format!("{value:?} is not a semver version"))?;
            if !range.matches(&version) {
                return Err(if version.pre.is_empty() {
                    "not in the semver range".to_string()
                } else {
                    "not in the semver range (a pre-release is allowed only by a range that names one, e.g. >=1.0.0-0)".to_string()
                });
            }
            return Ok(Key::Semver(version));
        }
        match self.order {
            Some(TagOrder::Numerical) => value
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Key::Number)
                .ok_or_else(|| format!("{value:?} is not a number")),
            _ => Ok(Key::Text(value)),
        }
    }
}

fn compare(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Semver(a), Key::Semver(b)) => a.cmp_precedence(b),
        (Key::Number(a), Key::Number(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        (Key::Text(a), Key::Text(b)) => a.cmp(b),
        // One policy yields one kind of key.
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn policy(
        semver: Option<&str>,
        pattern: Option<&str>,
        extract: Option<&str>,
        order: Option<TagOrder>,
    ) -> CompiledPolicy {
        CompiledPolicy::compile(&TagPolicy {
            semver: semver.map(str::to_string),
            pattern: pattern.map(str::to_string),
            extract: extract.map(str::to_string),
            order,
        })
        .expect("compiles")
    }

    #[test]
    fn semver_picks_the_newest_release_in_range() {
        let p = policy(Some(">=1.2.0 <2.0.0"), None, None, None);
        let list = tags(&["1.10.0", "1.9.3", "2.0.0", "1.10.0-rc.1", "latest", "1.1.0"]);
        assert_eq!(p.newest(&list), Some("1.10.0"));
        assert!(p.allows("1.9.3").is_ok());
        let err = p.allows("1.10.0-rc.1").expect_err("pre-release");
        assert!(err.contains("pre-release"), "{err}");
        assert!(p.allows("2.0.0").is_err());
    }

    #[test]
    fn prerelease_ranges_order_release_candidates_numerically() {
        let p = policy(Some(">=1.0.0-0"), None, None, None);
        let list = tags(&["1.0.0-rc.9", "1.0.0-rc.10", "0.9.0"]);
        assert_eq!(p.newest(&list), Some("1.0.0-rc.10"));
        let list = tags(&["1.0.0-rc.10", "1.0.0"]);
        assert_eq!(p.newest(&list), Some("1.0.0"));
    }

    #[test]
    fn regex_extract_orders_numerically_or_alphabetically() {
        let p = policy(
            None,
            Some(r"^main-[a-f0-9]+-(?P<ts>\d+)$"),
            Some("ts"),
            Some(TagOrder::Numerical),
        );
        let list = tags(&[
            "main-abc123-99",
            "main-def456-1000",
            "feature-x-5000",
            "main-0-10",
        ]);
        assert_eq!(p.newest(&list), Some("main-def456-1000"));
        assert!(p.allows("feature-x-5000").is_err());
        let p = policy(
            None,
            Some(r"^(?P<d>\d{8})-\d+$"),
            Some("d"),
            Some(TagOrder::Alphabetical),
        );
        let list = tags(&["20190209-4", "20200101-1", "20191231-9"]);
        assert_eq!(p.newest(&list), Some("20200101-1"));
    }

    #[test]
    fn semver_on_an_extracted_group() {
        let p = policy(Some("^1"), Some(r"^api-(?P<v>.+)$"), Some("v"), None);
        let list = tags(&["api-1.2.0", "api-1.10.0", "api-2.0.0", "web-1.99.0"]);
        assert_eq!(p.newest(&list), Some("api-1.10.0"));
    }

    #[test]
    fn bad_policies_are_errors() {
        let bad = TagPolicy {
            extract: Some("x".into()),
            ..Default::default()
        };
        assert!(CompiledPolicy::compile(&bad).is_err());
        let bad = TagPolicy {
            semver: Some(">=1".into()),
            order: Some(TagOrder::Numerical),
            ..Default::default()
        };
        assert!(CompiledPolicy::compile(&bad).is_err());
        assert!(
            CompiledPolicy::compile(&TagPolicy::default())
                .expect("empty")
                .is_empty()
        );
    }
}
