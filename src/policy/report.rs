//! The outcome of evaluating an environment: one finding per message of a `deny`,
//! `violation` or `warn` rule, naming the environment, the object, the policy and the
//! message; rendered as text (terminal), Markdown (PR comments) or JSON (machines).

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

/// How a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// From a `deny` or `violation` rule: blocks the sync (unless excepted).
    Deny,
    /// From a `warn` rule: reported, never blocks.
    Warn,
}

/// The object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// The identity of a rendered object (empty strings where fields are missing).
    pub fn of(object: &Value) -> ObjectRef {
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        let metadata = &object["metadata"];
        ObjectRef {
            api_version: text(&object["apiVersion"]),
            kind: text(&object["kind"]),
            namespace: metadata["namespace"]
                .as_str()
                .filter(|ns| !ns.is_empty())
                .map(str::to_string),
            name: text(&metadata["name"]),
        }
    }

    /// The `path` of the object's entry in the whole-environment input:
    /// `apps/v1/Deployment/ml-production/api`, `v1/Namespace/ml-production`.
    pub fn path(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{ns}/{}", self.api_version, self.kind, self.name),
            None => format!("{}/{}/{}", self.api_version, self.kind, self.name),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One message of one rule about one object (or about the environment as a whole).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub severity: Severity,
    pub environment: String,
    /// `None` for a whole-environment finding that names no object.
    pub object: Option<ObjectRef>,
    /// The policy's short name (its file name without `.rego`), as exceptions name it.
    pub policy: String,
    /// The policy file(s), repository-relative; `None` for converge's own checks.
    pub file: Option<String>,
    pub package: String,
    pub rule: String,
    pub message: String,
    /// The other fields of a structured (`{"msg": ...}`) result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Why the object may break this policy: set when an exception covers the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
}

impl Finding {
    /// Whether this finding blocks: a deny that no exception covers.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Deny && self.exception.is_none()
    }

    fn label(&self) -> &'static str {
        match (self.severity, self.exception.is_some()) {
            (_, true) => "EXCEPTED",
            (Severity::Deny, false) => "DENY",
            (Severity::Warn, false) => "WARN",
        }
    }

    fn rule_id(&self) -> String {
        format!("{}.{}", self.package, self.rule)
    }
}

/// The findings of one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub environment: String,
    /// How many objects were evaluated.
    pub objects: usize,
    /// The policy files evaluated, repository-relative.
    pub policies: Vec<String>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether any deny is not covered by an exception: the sync must stop.
    pub fn denied(&self) -> bool {
        self.findings.iter().any(Finding::blocks)
    }

    /// Denies not covered by an exception.
    pub fn denials(&self) -> usize {
        self.findings.iter().filter(|f| f.blocks()).count()
    }

    /// Warnings not covered by an exception.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warn)
    }

    /// Findings an exception covers.
    pub fn excepted(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.exception.is_some())
            .count()
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && f.exception.is_none())
            .count()
    }

    /// One line: `production: 2 denied, 1 warning, 0 excepted (40 objects, 9 policy files)`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        format!(
            "{}: {} denied, {}, {} excepted ({}, {})",
            self.environment,
            self.denials(),
            plural(self.warnings(), "warning"),
            self.excepted(),
            plural(self.objects, "object"),
            plural(self.policies.len(), "policy file"),
        )
    }

    /// For terminals: one line per finding, then the summary.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let object = f
                .object
                .as_ref()
                .map_or_else(|| "(environment)".to_string(), ToString::to_string);
            out.push_str(&format!(
                "{:<8} {} {object} [{} {}]: {}",
                f.label(),
                f.environment,
                f.policy,
                f.rule_id(),
                f.message
            ));
            if let Some(reason) = &f.exception {
                out.push_str(&format!(" (exception: {reason})"));
            }
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// For pull-request comments: a heading, a table of findings, the summary.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("#### Policy check: `{}`\n\n", self.environment);
        if self.findings.is_empty() {
            out.push_str(&format!(
                "All {} objects pass {} policy files.\n",
                self.objects,
                self.policies.len()
            ));
            return out;
        }
        out.push_str("| Result | Object | Policy | Message |\n|---|---|---|---|\n");
        for f in &self.findings {
            let object = f
                .object
                .as_ref()
                .map_or_else(|| "(environment)".to_string(), ToString::to_string);
            let mut message = escape_cell(&f.message);
            if let Some(reason) = &f.exception {
                message.push_str(&format!(" _(exception: {})_", escape_cell(reason)));
            }
            let label = match f.label() {
                "DENY" => "**deny**",
                "WARN" => "warn",
                _ => "excepted",
            };
            out.push_str(&format!(
                "| {label} | `{}` | `{}` (`{}`) | {message} |\n",
                escape_code(&object),
                escape_code(&f.policy),
                escape_code(&f.rule_id()),
            ));
        }
        out.push_str(&format!("\n{}\n", self.summary()));
        out
    }

    /// For machines: the report with its counts.
    pub fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("denied".into(), json!(self.denied()));
            map.insert(
                "counts".into(),
                json!({
                    "denied": self.denials(),
                    "warnings": self.warnings(),
                    "excepted": self.excepted(),
                }),
            );
        }
        value
    }
}

/// Keeps a table cell one cell: pipes escaped, line breaks as `<br>`.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

fn escape_code(text: &str) -> String {
    text.replace('`', "'").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, message: &str, exception: Option<&str>) -> Finding {
        Finding {
            severity,
            environment: "production".into(),
            object: Some(ObjectRef::of(&json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "api", "namespace": "ml-production"}
            }))),
            policy: "probes".into(),
            file: Some("policies/common/probes.rego".into()),
            package: "main".into(),
            rule: "deny".into(),
            message: message.into(),
            details: None,
            exception: exception.map(str::to_string),
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            environment: "production".into(),
            objects: 40,
            policies: vec!["policies/common/probes.rego".into()],
            findings,
        }
    }

    #[test]
    fn denied_only_by_an_unexcepted_deny() {
        assert!(!report(vec![finding(Severity::Warn, "w", None)]).denied());
        assert!(!report(vec![finding(Severity::Deny, "d", Some("a job"))]).denied());
        assert!(report(vec![finding(Severity::Deny, "d", None)]).denied());
    }

    #[test]
    fn text_names_environment_object_policy_and_message() {
        let text = report(vec![finding(Severity::Deny, "no readinessProbe", None)]).to_text();
        assert_eq!(
            text,
            "DENY     production Deployment ml-production/api [probes main.deny]: \
             no readinessProbe\nproduction: 1 denied, 0 warnings, 0 excepted \
             (40 objects, 1 policy file)\n"
        );
    }

    #[test]
    fn markdown_escapes_table_cells() {
        let md = report(vec![finding(Severity::Warn, "a | b\nc", None)]).to_markdown();
        assert!(
            md.contains(
                "| warn | `Deployment ml-production/api` | `probes` (`main.deny`) | a \\| b<br>c |"
            ),
            "{md}"
        );
        assert!(
            report(vec![])
                .to_markdown()
                .contains("All 40 objects pass 1 policy files.")
        );
    }

    #[test]
    fn json_carries_the_object_and_counts() {
        let value = report(vec![finding(Severity::Deny, "d", None)]).to_json();
        assert_eq!(value["denied"], json!(true));
        assert_eq!(value["counts"]["denied"], json!(1));
        assert_eq!(
            value["findings"][0]["object"]["apiVersion"],
            json!("apps/v1")
        );
        assert_eq!(value["findings"][0]["severity"], json!("deny"));
    }
}
