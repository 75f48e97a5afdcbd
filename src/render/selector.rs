//! Resource selection for patches and replacements: anchored regular expressions on id
//! fields and Kubernetes label/annotation selector expressions.

use regex::Regex;

use super::kustomization::Selector;
use super::resid::{effective_namespace_of, split_api_version};
use super::resource::Resource;

/// A compiled [`Selector`].
pub struct Compiled {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<Vec<Requirement>>,
    annotations: Option<Vec<Requirement>>,
}

fn anchored(pattern: &str) -> Result<Option<Regex>, String> {
    if pattern.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{pattern})$"))
        .map(Some)
        .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))
}

fn matches(re: &Option<Regex>, text: &str) -> bool {
    re.as_ref().is_none_or(|r| r.is_match(text))
}

impl Compiled {
    pub fn new(s: &Selector) -> Result<Compiled, String> {
        Ok(Compiled {
            group: anchored(&s.group)?,
            version: anchored(&s.version)?,
            kind: anchored(&s.kind)?,
            name: anchored(&s.name)?,
            namespace: anchored(&s.namespace)?,
            labels: if s.label_selector.is_empty() {
                None
            } else {
                Some(parse_selector(&s.label_selector)?)
            },
            annotations: if s.annotation_selector.is_empty() {
                None
            } else {
                Some(parse_selector(&s.annotation_selector)?)
            },
        })
    }

    /// kustomize's `ResMap.Select` test for one resource: original or current namespace and
    /// name, current gvk, labels, annotations.
    pub fn selects(&self, res: &Resource) -> bool {
        // Called for every resource by every patch: compare borrowed fields, allocate nothing.
        let api_version = res.api_version();
        let kind = res.kind();
        let (group, version) = split_api_version(api_version);
        if !(matches(&self.group, group)
            && matches(&self.version, version)
            && matches(&self.kind, kind))
        {
            return false;
        }
        let name = res.name();
        let original = res.build.previous.first();
        let original_name = original.map_or(name, |(_, n, _)| n.as_str());
        if !(matches(&self.name, original_name) || matches(&self.name, name)) {
            return false;
        }
        if self.namespace.is_some() {
            let current = effective_namespace_of(api_version, kind, res.namespace());
            let first = match original {
                Some((k, _, ns)) => effective_namespace_of(api_version, k, ns),
                None => current,
            };
            if !(matches(&self.namespace, first) || matches(&self.namespace, current)) {
                return false;
            }
        }
        if let Some(reqs) = &self.labels {
            let labels = res.labels();
            if !reqs.iter().all(|r| r.matches(&labels)) {
                return false;
            }
        }
        if let Some(reqs) = &self.annotations {
            let annotations = res.annotations();
            if !reqs.iter().all(|r| r.matches(&annotations)) {
                return false;
            }
        }
        true
    }
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        }
    }
}

/// Parses a Kubernetes label selector (`a=b,c!=d,e in (x,y),!f,g`).
pub fn parse_selector(text: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        // Split off one requirement: up to a comma that is not inside parentheses.
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let part = rest[..end].trim();
        rest = rest.get(end + 1..).unwrap_or("").trim();
        if part.is_empty() {
            return Err(format!("invalid selector {text:?}: empty requirement"));
        }
        out.push(parse_requirement(part).map_err(|m| format!("invalid selector {text:?}: {m}"))?);
    }
    Ok(out)
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::NotExists(key.trim().to_string()));
    }
    if let Some((k, v)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = part.split_once("==") {
        return Ok(Requirement::Equals(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = part.split_once('=') {
        return Ok(Requirement::Equals(k.trim().into(), v.trim().into()));
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let key = words[0].trim().to_string();
        let rest = words[1].trim();
        let (op, list) = if let Some(l) = rest.strip_prefix("notin") {
            ("notin", l)
        } else if let Some(l) = rest.strip_prefix("in") {
            ("in", l)
        } else {
            return Err(format!("unknown operator in {part:?}"));
        };
        let list = list.trim();
        let inner = list
            .strip_prefix('(')
            .and_then(|l| l.strip_suffix(')'))
            .ok_or_else(|| format!("expected a parenthesised list in {part:?}"))?;
        let values: Vec<String> = inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        return Ok(if op == "in" {
            Requirement::In(key, values)
        } else {
            Requirement::NotIn(key, values)
        });
    }
    Ok(Requirement::Exists(part.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator() {
        let reqs = parse_selector("a=b, c!=d,e in (x, y),f notin (z),!g,h").expect("parses");
        assert_eq!(reqs.len(), 6);
        let labels = vec![
            ("a".to_string(), "b".to_string()),
            ("e".into(), "y".into()),
            ("h".into(), "".into()),
        ];
        assert!(reqs.iter().all(|r| r.matches(&labels)));
    }
}
