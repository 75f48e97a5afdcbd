//! Unit tests of the format-preserving `images:` edits.

use super::*;

const P: &str = "overlays/x/kustomization.yaml";

fn set(text: &str, name: &str, tag: Option<&str>, digest: Option<&str>) -> String {
    let want = ImageSetting {
        new_name: None,
        new_tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    };
    set_images(text, Path::new(P), &[(name.to_string(), want)]).expect("edit succeeds")
}

/// The lines that differ between two texts (old, new).
fn changed_lines(old: &str, new: &str) -> Vec<(String, String)> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(change.value().to_string()),
            similar::ChangeTag::Insert => added.push(change.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    removed.into_iter().zip(added).collect()
}

const ODD: &str = "\
# A kustomization with comments, odd quoting and blank lines.
resources:
  - ../base   # the base

images:
  # The API: bumped by CI.
  - name: registry.example.com/ml/api
    newTag: \"1.4.0\"   # {\"$imagepolicy\": \"ml:api\"}

  - name: 'registry.example.com/ml/auth'
    newTag: '1.2.3' # single-quoted
  - name: registry.example.com/ml/data
    newTag: 1.1.0
  - {name: registry.example.com/ml/flow, newTag: \"0.1.0\"}
";

#[test]
fn only_the_tag_bytes_change() {
    let out = set(ODD, "registry.example.com/ml/api", Some("1.5.0"), None);
    assert_eq!(out, ODD.replace("\"1.4.0\"", "\"1.5.0\""));
    let out = set(ODD, "registry.example.com/ml/auth", Some("1.3.0"), None);
    assert_eq!(out, ODD.replace("'1.2.3'", "'1.3.0'"));
    let out = set(ODD, "registry.example.com/ml/data", Some("1.2.0"), None);
    assert_eq!(out, ODD.replace("newTag: 1.1.0", "newTag: 1.2.0"));
    let out = set(ODD, "registry.example.com/ml/flow", Some("0.2.0"), None);
    assert_eq!(out, ODD.replace("\"0.1.0\"", "\"0.2.0\""));
}

#[test]
fn unchanged_values_are_a_no_op() {
    let out = set(ODD, "registry.example.com/ml/api", Some("1.4.0"), None);
    assert_eq!(out, ODD);
}

#[test]
fn a_plain_value_that_would_read_as_a_number_is_quoted() {
    let out = set(ODD, "registry.example.com/ml/data", Some("1.5"), None);
    assert_eq!(out, ODD.replace("newTag: 1.1.0", "newTag: \"1.5\""));
    let out = set(ODD, "registry.example.com/ml/data", Some("true"), None);
    assert!(out.contains("newTag: \"true\""), "{out}");
    let out = set(ODD, "registry.example.com/ml/auth", Some("it's"), None);
    assert!(out.contains("newTag: 'it''s'"), "{out}");
}

#[test]
fn digest_is_added_after_the_tag_and_a_tag_bump_drops_it() {
    let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let pinned = set(ODD, "registry.example.com/ml/api", Some("1.4.0"), Some(d));
    let lines = changed_lines(ODD, &pinned);
    assert!(lines.is_empty(), "pure insertion: {lines:?}");
    assert!(
        pinned.contains(&format!(
            "    newTag: \"1.4.0\"   # {{\"$imagepolicy\": \"ml:api\"}}\n    digest: \"{d}\"\n"
        )),
        "{pinned}"
    );
    let unpinned = set(&pinned, "registry.example.com/ml/api", Some("1.4.0"), None);
    assert_eq!(unpinned, ODD);
    let digest_only = set(&pinned, "registry.example.com/ml/api", None, Some(d));
    assert!(!digest_only.contains("newTag: \"1.4.0\""), "{digest_only}");
    assert!(digest_only.contains("  - name: registry.example.com/ml/api\n    digest:"));
}

#[test]
fn a_flow_entry_takes_and_loses_fields_in_flow_style() {
    let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let out = set(ODD, "registry.example.com/ml/flow", Some("0.1.0"), Some(d));
    assert!(
        out.contains(&format!(
            "{{name: registry.example.com/ml/flow, newTag: \"0.1.0\", digest: \"{d}\"}}"
        )),
        "{out}"
    );
    assert_eq!(
        set(&out, "registry.example.com/ml/flow", Some("0.1.0"), None),
        ODD
    );
}

#[test]
fn a_missing_entry_is_added_in_the_lists_style() {
    let out = set(ODD, "registry.example.com/ml/new", Some("2.0.0"), None);
    assert!(
        out.ends_with(
            "  - {name: registry.example.com/ml/flow, newTag: \"0.1.0\"}\n  - name: registry.example.com/ml/new\n    newTag: \"2.0.0\"\n"
        ),
        "{out}"
    );
    let flat = "images:\n- name: a\n  newTag: \"1\"\n# trailing\n";
    let out = set(flat, "b", Some("2"), None);
    assert_eq!(
        out,
        "images:\n- name: a\n  newTag: \"1\"\n- name: b\n  newTag: \"2\"\n# trailing\n"
    );
}

#[test]
fn a_missing_images_section_is_appended() {
    let text = "resources:\n    - a.yaml\nnamespace: x";
    let out = set(text, "r/api", Some("1.0.0"), None);
    assert_eq!(
        out,
        "resources:\n    - a.yaml\nnamespace: x\n\nimages:\n    - name: r/api\n      newTag: 1.0.0\n"
    );
}

#[test]
fn crlf_files_keep_crlf() {
    let text = "images:\r\n  - name: a\r\n    newTag: \"1\"\r\n";
    let out = set(
        text,
        "a",
        Some("1"),
        Some("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    );
    assert!(out.contains("\"1\"\r\n    digest: \"sha256:"), "{out:?}");
    assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
}

#[test]
fn unicode_before_the_edit_is_respected() {
    let text = "# ünïcödé ✓\nimages:\n  - name: a # ä\n    newTag: \"1\" # ö\n";
    let out = set(text, "a", Some("2"), None);
    assert_eq!(out, text.replace("\"1\"", "\"2\""));
}

#[test]
fn refuses_what_it_cannot_edit_faithfully() {
    let flow = "images: [{name: a, newTag: \"1\"}]\n";
    let err = set_images(
        flow,
        Path::new(P),
        &[(
            "b".into(),
            ImageSetting {
                new_tag: Some("1".into()),
                ..Default::default()
            },
        )],
    )
    .expect_err("flow list");
    assert!(err.to_string().contains("flow"), "{err}");
    let twice = "images:\n  - name: a\n  - name: a\n";
    assert!(
        set_images(
            twice,
            Path::new(P),
            &[(
                "a".into(),
                ImageSetting {
                    new_tag: Some("1".into()),
                    ..Default::default()
                }
            )]
        )
        .is_err()
    );
    let block = "images:\n  - name: a\n    newTag: |\n      1\n";
    assert!(
        set_images(
            block,
            Path::new(P),
            &[(
                "a".into(),
                ImageSetting {
                    new_tag: Some("2".into()),
                    ..Default::default()
                }
            )]
        )
        .is_err()
    );
}

#[test]
fn reads_entries() {
    let images = read_images(ODD, Path::new(P)).expect("reads");
    assert_eq!(images.len(), 4);
    assert_eq!(images[1].0, "registry.example.com/ml/auth");
    assert_eq!(images[1].1.new_tag.as_deref(), Some("1.2.3"));
}
