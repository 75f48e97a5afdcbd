//! The policies' own unit tests: every rule named `test_*` (as `opa test` and
//! `conftest verify` find them), evaluated with all policies and data loaded. A test passes
//! when it evaluates to `true`; `false` or undefined is a failure, an evaluation error an
//! error.

use serde::Serialize;
use serde_json::{Value, json};

use super::compile::Compiled;

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum TestOutcome {
    Pass,
    Fail,
    Error { message: String },
}

/// One `test_*` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestResult {
    pub file: String,
    pub line: u32,
    pub package: String,
    pub name: String,
    #[serde(flatten)]
    pub outcome: TestOutcome,
}

/// The outcome of `converge check --test` for one policy selection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TestReport {
    pub results: Vec<TestResult>,
}

impl TestReport {
    /// Whether every test passed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.outcome == TestOutcome::Pass)
    }

    fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for r in &self.results {
            match r.outcome {
                TestOutcome::Pass => counts.0 += 1,
                TestOutcome::Fail => counts.1 += 1,
                TestOutcome::Error { .. } => counts.2 += 1,
            }
        }
        counts
    }

    /// `12 tests: 11 passed, 1 failed, 0 errors`.
    pub fn summary(&self) -> String {
        let (pass, fail, error) = self.counts();
        format!(
            "{} tests: {pass} passed, {fail} failed, {error} errors",
            self.results.len()
        )
    }

    /// One line per test, then the summary.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for r in &self.results {
            let label = match &r.outcome {
                TestOutcome::Pass => "PASS",
                TestOutcome::Fail => "FAIL",
                TestOutcome::Error { .. } => "ERROR",
            };
            out.push_str(&format!(
                "{label:<6} {}:{} data.{}.{}",
                r.file, r.line, r.package, r.name
            ));
            if let TestOutcome::Error { message } = &r.outcome {
                out.push_str(&format!(": {}", message.trim()));
            }
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// A Markdown table (failures and errors only, passes are counted).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let failed: Vec<&TestResult> = self
            .results
            .iter()
            .filter(|r| r.outcome != TestOutcome::Pass)
            .collect();
        if !failed.is_empty() {
            out.push_str("| Test | File | Outcome |\n|---|---|---|\n");
            for r in failed {
                let outcome = match &r.outcome {
                    TestOutcome::Error { message } => {
                        format!("error: {}", message.trim().replace('\n', "<br>"))
                    }
                    _ => "fail".into(),
                };
                out.push_str(&format!(
                    "| `data.{}.{}` | `{}:{}` | {} |\n",
                    r.package,
                    r.name,
                    r.file,
                    r.line,
                    outcome.replace('|', "\\|")
                ));
            }
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// The results and counts.
    pub fn to_json(&self) -> Value {
        let (pass, fail, error) = self.counts();
        json!({
            "passed": self.passed(),
            "counts": {"passed": pass, "failed": fail, "errors": error},
            "results": serde_json::to_value(&self.results).unwrap_or(Value::Null),
        })
    }
}

/// Runs every `test_*` rule of the compiled policies.
pub(super) fn run(compiled: &Compiled) -> TestReport {
    let mut results: Vec<TestResult> = Vec::new();
    for module in &compiled.modules {
        for rule in &module.rules {
            if rule.is_function || !rule.path.starts_with("test_") || rule.path.contains('.') {
                continue;
            }
            // A test defined in several bodies (or files) is one rule: run it once.
            if results
                .iter()
                .any(|r| r.package == module.package && r.name == rule.path)
            {
                continue;
            }
            let mut engine = compiled.full.clone();
            let outcome = match engine.eval_rule(format!("data.{}.{}", module.package, rule.path)) {
                Ok(regorus::Value::Bool(true)) => TestOutcome::Pass,
                Ok(_) => TestOutcome::Fail,
                Err(e) => TestOutcome::Error {
                    message: e.to_string(),
                },
            };
            results.push(TestResult {
                file: module.file.clone(),
                line: rule.line,
                package: module.package.clone(),
                name: rule.path.clone(),
                outcome,
            });
        }
    }
    TestReport { results }
}
