//! Commit messages: a subject a person reads in `git log --oneline`, a body listing every
//! change, and `Converge-*` trailers that machines (rollback, history) read back.

use super::image::ImageSetting;

pub const TRAILER_ENV: &str = "Converge-Environment";
pub const TRAILER_IMAGE: &str = "Converge-Image";
pub const TRAILER_REVERT_OF: &str = "Converge-Revert-Of";
pub const TRAILER_REASON: &str = "Converge-Reason";
pub const TRAILER_PROMOTED_FROM: &str = "Converge-Promoted-From";
pub const TRAILER_SOURCE_HEALTH: &str = "Converge-Source-Health";

/// One image's change, as messages report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDelta {
    pub name: String,
    pub from: ImageSetting,
    pub to: ImageSetting,
}

impl ImageDelta {
    fn short(&self) -> String {
        let short_name = self.name.rsplit('/').next().unwrap_or(&self.name);
        format!("{short_name} {} → {}", self.from, self.to)
    }

    fn long(&self) -> String {
        format!("{} {} → {}", self.name, self.from, self.to)
    }

    fn trailer(&self) -> String {
        format!(
            "{TRAILER_IMAGE}: name={}; from={}; to={}",
            self.name, self.from, self.to
        )
    }
}

/// Keeps a trailer value on one line (a reason may come from anywhere).
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `staging: bump registry.example.com/ml/api 1.4.0 → 1.5.0`, with a body and trailers.
pub fn bump(env: &str, kustomization: &str, deltas: &[ImageDelta]) -> String {
    let subject = match deltas {
        [one] => format!("{env}: bump {}", one.long()),
        many => format!(
            "{env}: bump {} images ({})",
            many.len(),
            many.iter()
                .map(ImageDelta::short)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut body = format!("Image changes in environment {env} ({kustomization}):\n");
    for d in deltas {
        body.push_str(&format!("- {}\n", d.long()));
    }
    let mut trailers = vec![format!("{TRAILER_ENV}: {env}")];
    trailers.extend(deltas.iter().map(ImageDelta::trailer));
    assemble(&subject, &body, &trailers)
}

/// `production: promote 2 images from staging (abc1234)`.
pub fn promote(
    from: &str,
    to: &str,
    source_commit: &str,
    kustomization: &str,
    deltas: &[ImageDelta],
    not_set: &[String],
    health: &str,
) -> String {
    let short = source_commit.get(..12).unwrap_or(source_commit);
    let subject = match deltas {
        [one] => format!("{to}: promote {} from {from} ({short})", one.long()),
        many => format!("{to}: promote {} images from {from} ({short})", many.len()),
    };
    let mut body = format!(
        "Set the images of {to} ({kustomization}) to those of {from} at {source_commit}:\n"
    );
    for d in deltas {
        body.push_str(&format!("- {}\n", d.long()));
    }
    if !not_set.is_empty() {
        body.push_str(&format!(
            "Left as they are (not set in {from}): {}\n",
            not_set.join(", ")
        ));
    }
    body.push_str(&format!("Health of {from}: {health}\n"));
    let mut trailers = vec![
        format!("{TRAILER_ENV}: {to}"),
        format!("{TRAILER_PROMOTED_FROM}: {from}@{source_commit}"),
        format!("{TRAILER_SOURCE_HEALTH}: {}", one_line(health)),
    ];
    trailers.extend(deltas.iter().map(ImageDelta::trailer));
    assemble(&subject, &body, &trailers)
}

/// A revert of `reverted` (id, subject) commits, newest first.
pub fn revert(env: &str, reverted: &[(String, String)], reason: &str) -> String {
    let reason = one_line(reason);
    let subject = match reverted {
        [(id, summary)] => format!(
            "{env}: roll back {} ({summary})",
            id.get(..12).unwrap_or(id)
        ),
        many => format!("{env}: roll back {} changes", many.len()),
    };
    let mut body = String::new();
    for (id, summary) in reverted {
        body.push_str(&format!("This reverts commit {id} ({summary}).\n"));
    }
    body.push_str(&format!("\nWhy: {reason}\n"));
    let mut trailers = vec![format!("{TRAILER_ENV}: {env}")];
    trailers.extend(
        reverted
            .iter()
            .map(|(id, _)| format!("{TRAILER_REVERT_OF}: {id}")),
    );
    trailers.push(format!("{TRAILER_REASON}: {reason}"));
    assemble(&subject, &body, &trailers)
}

fn assemble(subject: &str, body: &str, trailers: &[String]) -> String {
    format!(
        "{}\n\n{}\n\n{}\n",
        one_line(subject),
        body.trim_end(),
        trailers.join("\n")
    )
}

/// The trailers of a message: `Key: value` lines of its last paragraph.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let trimmed = message.trim_end();
    let last = trimmed.rsplit("\n\n").next().unwrap_or("");
    if !trimmed.contains("\n\n") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for line in last.lines() {
        let Some((key, value)) = line.split_once(": ") else {
            return Vec::new();
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Vec::new();
        }
        out.push((key.to_string(), value.trim().to_string()));
    }
    out
}

/// The commits a message says it reverts: `Converge-Revert-Of` trailers, and the
/// `This reverts commit <sha>.` line `git revert` writes.
pub fn reverted_commits(message: &str) -> Vec<String> {
    let mut out: Vec<String> = trailers(message)
        .into_iter()
        .filter(|(k, _)| k == TRAILER_REVERT_OF)
        .map(|(_, v)| v)
        .collect();
    for line in message.lines() {
        if let Some(rest) = line.trim().strip_prefix("This reverts commit ") {
            let sha: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            if sha.len() == 40 && !out.contains(&sha) {
                out.push(sha);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(tag: &str) -> ImageSetting {
        ImageSetting {
            new_tag: Some(tag.into()),
            ..Default::default()
        }
    }

    #[test]
    fn bump_messages_carry_subject_body_and_trailers() {
        let d = ImageDelta {
            name: "registry.example.com/ml/api".into(),
            from: setting("1.4.0"),
            to: setting("1.5.0"),
        };
        let m = bump("staging", "overlays/staging/kustomization.yaml", &[d]);
        assert!(m.starts_with("staging: bump registry.example.com/ml/api 1.4.0 → 1.5.0\n\n"));
        let t = trailers(&m);
        assert_eq!(t[0], (TRAILER_ENV.into(), "staging".into()));
        assert_eq!(
            t[1].1,
            "name=registry.example.com/ml/api; from=1.4.0; to=1.5.0"
        );
    }

    #[test]
    fn revert_messages_name_what_they_revert() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let m = revert(
            "production",
            &[(sha.into(), "production: bump x".into())],
            "health\nfailed",
        );
        assert_eq!(reverted_commits(&m), vec![sha.to_string()]);
        assert!(m.contains("Converge-Reason: health failed"));
        let plain = format!("Revert \"x\"\n\nThis reverts commit {sha}.\n");
        assert_eq!(reverted_commits(&plain), vec![sha.to_string()]);
        assert!(trailers("subject only: not a trailer").is_empty());
    }
}
