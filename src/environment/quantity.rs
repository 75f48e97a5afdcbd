//! Small value types of environment files: durations (`90s`, `5m`, `1h30m`) and budgets
//! (`50%` or an absolute count).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration written as Go and Kubernetes users write them: `500ms`, `30s`, `5m`, `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    pub fn from_secs(secs: u64) -> Duration {
        Duration(std::time::Duration::from_secs(secs))
    }

    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty duration".into());
        }
        let mut total = std::time::Duration::ZERO;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(format!("invalid duration {text:?}: expected a number"));
            }
            let number: u64 = rest[..digits]
                .parse()
                .map_err(|_| format!("invalid duration {text:?}"))?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let step = match unit {
                "ms" => std::time::Duration::from_millis(number),
                "s" => std::time::Duration::from_secs(number),
                "m" => std::time::Duration::from_secs(number * 60),
                "h" => std::time::Duration::from_secs(number * 3600),
                _ => {
                    return Err(format!(
                        "invalid duration {text:?}: unit must be ms, s, m or h"
                    ));
                }
            };
            total += step;
        }
        Ok(Duration(total))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if !ms.is_multiple_of(1000) {
            return write!(f, "{ms}ms");
        }
        let s = ms / 1000;
        if s.is_multiple_of(3600) && s > 0 {
            write!(f, "{}h", s / 3600)
        } else if s.is_multiple_of(60) && s > 0 {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^([0-9]+(ms|s|m|h))+$",
            "description": "A duration such as 30s, 5m or 1h30m"
        })
    }
}

/// How much of an environment may be pruned in one sync: a share (`50%`) or a count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    Percent(f64),
    Count(u64),
}

impl Budget {
    /// The number of objects allowed out of `total`.
    pub fn allowance(&self, total: usize) -> usize {
        match self {
            Budget::Percent(p) => ((total as f64) * p / 100.0).floor() as usize,
            Budget::Count(n) => *n as usize,
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::Percent(50.0)
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Budget::Percent(p) => write!(f, "{p}%"),
            Budget::Count(n) => write!(f, "{n}"),
        }
    }
}

impl<'de> Deserialize<'de> for Budget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Budget, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Count(n) => Ok(Budget::Count(n)),
            Raw::Text(t) => {
                let Some(p) = t.trim().strip_suffix('%') else {
                    return Err(serde::de::Error::custom(format!(
                        "invalid budget {t:?}: use a percentage like \"50%\" or a count"
                    )));
                };
                let p: f64 = p
                    .trim()
                    .parse()
                    .map_err(|_| serde::de::Error::custom(format!("invalid budget {t:?}")))?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(serde::de::Error::custom(format!(
                        "invalid budget {t:?}: must be between 0% and 100%"
                    )));
                }
                Ok(Budget::Percent(p))
            }
        }
    }
}

impl Serialize for Budget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Budget::Percent(_) => s.serialize_str(&self.to_string()),
            Budget::Count(n) => s.serialize_u64(*n),
        }
    }
}

impl JsonSchema for Budget {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Budget".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "oneOf": [
                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?%$"},
                {"type": "integer", "minimum": 0}
            ],
            "description": "A share of the environment's objects (\"50%\") or a count"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(Duration::parse("1h30m").map(|d| d.0.as_secs()), Ok(5400));
        assert_eq!(Duration::parse("250ms").map(|d| d.0.as_millis()), Ok(250));
        assert!(Duration::parse("5 minutes").is_err());
        assert_eq!(Duration::from_secs(120).to_string(), "2m");
    }

    #[test]
    fn budgets() {
        assert_eq!(Budget::Percent(50.0).allowance(9), 4);
        assert_eq!(Budget::Count(3).allowance(100), 3);
    }
}
