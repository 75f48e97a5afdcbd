//! Per-object exceptions: the `policy.converge.dev/exceptions` annotation.
//!
//! Its value lists one exception per line (or separated by `;`), each
//! `<selector>: <reason>`. The selector names a policy by its short name (the file name
//! without `.rego`, e.g. `probes`), its file path (`policies/common/probes.rego`) or its
//! rule (`main.deny_latest`). The reason is required: an exception without one is not
//! honoured and is itself a deny, so every exception in the repository says why.

use serde_json::Value;

/// The annotation holding an object's exceptions.
pub const ANNOTATION: &str = "policy.converge.dev/exceptions";

/// One well-formed exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Exception {
    pub selector: String,
    pub reason: String,
}

/// What an object's annotation says: the exceptions to honour and the entries that are
/// malformed (no selector, or no reason).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Parsed {
    pub exceptions: Vec<Exception>,
    pub invalid: Vec<String>,
}

/// Reads the annotation of `object`, if it has one.
pub(super) fn of_object(object: &Value) -> Option<Parsed> {
    let text = object
        .get("metadata")?
        .get("annotations")?
        .get(ANNOTATION)?
        .as_str()?;
    Some(parse(text))
}

/// Parses an annotation value.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    for entry in text.split(['\n', ';']).map(str::trim) {
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        match entry.split_once(':') {
            Some((selector, reason))
                if !selector.trim().is_empty() && !reason.trim().is_empty() =>
            {
                out.exceptions.push(Exception {
                    selector: selector.trim().to_string(),
                    reason: reason.trim().to_string(),
                });
            }
            _ => out.invalid.push(entry.to_string()),
        }
    }
    out
}

/// Whether `selector` names the policy identified by these parts.
pub(super) fn matches(
    selector: &str,
    policy: &str,
    files: &str,
    package: &str,
    rule: &str,
) -> bool {
    selector == policy
        || files.split(", ").any(|f| f == selector)
        || selector
            .strip_prefix(package)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|r| r == rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_need_a_selector_and_a_reason() {
        let parsed = parse(
            "probes: batch worker, no HTTP endpoint\n\
             images:   \n\
             ; resources\n\
             # a comment\n\
             main.deny_latest: pinned upstream: see INC-42",
        );
        assert_eq!(
            parsed.exceptions,
            vec![
                Exception {
                    selector: "probes".into(),
                    reason: "batch worker, no HTTP endpoint".into()
                },
                Exception {
                    selector: "main.deny_latest".into(),
                    reason: "pinned upstream: see INC-42".into()
                },
            ]
        );
        assert_eq!(
            parsed.invalid,
            vec!["images:".to_string(), "resources".to_string()]
        );
    }

    #[test]
    fn selectors_match_name_file_or_rule() {
        let m = |s| matches(s, "probes", "policies/common/probes.rego", "main", "deny");
        assert!(m("probes"));
        assert!(m("policies/common/probes.rego"));
        assert!(m("main.deny"));
        assert!(!m("main.deny_x"));
        assert!(!m("probe"));
        assert!(!m("main"));
    }

    #[test]
    fn reads_the_annotation_of_an_object() {
        let object = serde_json::json!({
            "metadata": {"annotations": {ANNOTATION: "probes: a job"}}
        });
        let parsed = of_object(&object).expect("annotated");
        assert_eq!(parsed.exceptions[0].selector, "probes");
        assert!(of_object(&serde_json::json!({"metadata": {}})).is_none());
    }
}
