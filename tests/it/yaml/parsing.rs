//! Parsing: kustomize and we must accept and reject the same inputs and read
//! the same values from them.

use converge::yaml::{parse_documents, try_to_yaml};

use super::{assert_same_as_kustomize, first_difference, kustomize_one, require_kubectl};

/// Block-style input: plain scalars typed by yaml.v3, anchors, merges, tags.
#[test]
fn yaml_resolution_matches_kustomize() {
    let doc = r#"apiVersion: example.com/v1
kind: Tricky
metadata:
  name: resolution
spec:
  ints: [0x1F, 0o17, 012, 08, 1_000, +12, -0, 0b101, -0b101, 0x_1F, 9223372036854775807, 9223372036854775808, 18446744073709551615, 18446744073709551616, 99999999999999999999]
  floats: [1e3, 1.0, .5, -.5, 1., 1.5e-7, 0.1e400, 1e-400, .5_5, 3.14159, 6.02e23]
  bools: [true, True, TRUE, false, yes, no, on, off, y, n]
  nulls: [null, Null, NULL, ~, ]
  times: [2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10, 2001-2-3 1:2:3, 2001-02-30, 2001-12-14T21:59:43+00:00]
  strs: [12:30, 1.2.3, 0x, "quoted 1", 'single ''q''', !!str 12, ! 12, !foo 12, !!float 3, !!int "7", !!binary aGVsbG8=]
  block: |
    line one
      indented
    last
  folded: >
    folded text
    continues here

    new paragraph
  keep: |+
    kept

  strip: |-
    stripped
  anchors:
    base: &base {a: 1, b: [x, y]}
    copy: *base
    merged:
      <<: *base
      b: override
      c: 3
"#;
    assert_same_as_kustomize(&[doc.to_string()]);
}

/// Syntax corner cases: kustomize and we must accept and reject the same
/// inputs, and print the same values for the accepted ones.
#[test]
fn syntax_corner_cases_match_kustomize() {
    let snippets: &[&str] = &[
        "data:\n  a: value # comment\n  b: multi\n    line plain\n  c: 'it''s'\n",
        "data:\n  a: \"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\ \\/\\t\\0\\a\\e\"\n",
        "data:\n  a: \"folded\n    line\n\n    para\"\n  b: \"escaped \\\n    break\"\n",
        "data:\n  a: |2\n      two more\n    base\n  b: |+\n    keep\n\n  c: >-\n    fold\n    this\n\n      more indented\n    end\n",
        "data:\n  a: | # comment\n    text\n  b: >\n\n    leading blank\n",
        "data:\n  a:\n  b: ''\n  c: \"\"\n  d: ~\n",
        "data:\n  ? complex\n  : value\n  ? [a, b]\n  : x\n",
        "data: {a, b: c, 'd': [e, f,], g: {h: i}}\nlist: [a: b, c]\n",
        "data:\n  a: -a\n  b: ?a\n  c: :a\n  d: a:b\n  e: a#b\n  f: -\n",
        "data:\n  a: @x\n",
        "data:\n  a: `x\n",
        "data:\n  a: %x\n",
        "data:\n  a: b: c\n",
        "data:\n  a: [1, 2\n",
        "data:\n  a: 'unclosed\n",
        "data:\n\tb: 1\n",
        "data:\n  a:\tb\n",
        "data:\n  a : b\n  c  :   d  \n",
        "data:\n- a\n- b\nlist:\n  - x\n  -   y\n",
        "seq:\n- a\n - b\n",
        "data:\n  a: !!binary |\n    aGVs\n    bG8=\n",
        "data:\n  a: &x 1\n  b: &x 2\n  c: *x\n",
        "data:\n  &k key: v\n  other: *k\n",
        "data:\n  a: ! x\n  b: !local 12\n  c: !<tag:yaml.org,2002:str> 12\n",
        "data:\n  a: 1\n...\n",
        "data:\n  a: \"tab\there\"\n  b: |\n    tab\there\n",
        "data:\n  a: *unknown\n",
        "data:\n  a: \"unterminated\n",
        "data:\n  a: [a, b]]\n",
        "data:\n  a: {a: 1}}\n",
        "data:\n  key with spaces: v\n  'quoted key': v\n  \"dq key\": v\n  é: ü\n",
        "data:\n  a: 'multi\n    line single'\n",
        "data:\n  a: >\n    folded\n    text\n\n\n  b: x\n",
        "data:\n  a: |-\n\n\n    text after blanks\n",
        "data:\n  a: x\n  # comment between\n  b: y\n# trailing comment\n",
        "data:\n  a: \"\\q\"\n",
        "data:\n  a: 'x' y\n",
        "data: [a, b]: c\n",
        "data:\n  - a\n  b: c\n",
        "data:\n  a: !!str\n  b: !!null ''\n  c: !!bool true\n",
        "data:\n  a: 0x1Fg\n  b: 1.2.3\n  c: +.inf\n",
        "data:\n  <<: {a: 1}\n  b: 2\n",
        "data:\n  <<: [{a: 1}, {a: 2, b: 3}]\n",
        "data:\n  x: &a {k: 1}\n  y:\n    <<: *a\n    k: 2\n",
        "%YAML 1.1\n---\ndata:\n  a: yes\n",
        "%TAG !e! tag:example.com,2000:\n---\ndata:\n  a: !e!foo bar\n",
        "\u{feff}data:\n  a: bom at start\n",
        "data:\r\n  a: crlf\r\n  b: |\r\n    x\r\n    y\r\n",
        "data:\n  a: \u{feff}x\n  \u{feff}b: y\n",
        "data:\n  a:\t1\n  b:\t\tx y\n  c: \"q:\tr\"\n",
        "data:\n  a: |\n    x\n   \ty\n",
        "data:\n  d:\n  -\tz\n",
        "data:\n  d:\n  - \tz\n",
        "data:\n  d:\n  -\tb: c\n",
        "data: {a, b}\nlist: [a: , {b}]\n",
        "data:\n  t: [2001-12-14 1:2:3, 2001-12-14]\n  u: {v: 2001-12-14T01:02:03Z}\n",
        "data:\n  a: \"\\/\"\n",
        "data:\n  a: >\n    para one\n    continues\n\n    para two\n",
        "data:\n  a: >+\n    keep\n\n\n  b: >-\n    strip\n\n  c: >\n     leading space\n    normal\n",
        "data:\n  a: >\n\n    after blank\n    line\n  b: >2\n     indented by indicator\n    x\n",
        "data:\n  a:\n  - >\n    in a list\n\n      more\n    less\n",
        "data:\n  a: >\n    \ttab start\n    b\n",
    ];
    let mut failures = Vec::new();
    for (i, snippet) in snippets.iter().enumerate() {
        let resource =
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s{i}\n{snippet}");
        let theirs = kustomize_one(&resource);
        let ours = parse_documents(&resource).and_then(|docs| match docs.as_slice() {
            [doc] => try_to_yaml(doc),
            _ => Ok(format!("{} documents", docs.len())),
        });
        match (&ours, &theirs) {
            (Ok(a), Some(b)) if a == b => {}
            (Err(_), None) => {}
            (Ok(a), Some(b)) => {
                failures.push(first_difference(&format!("snippet {i} {snippet:?}"), a, b))
            }
            (Err(e), Some(_)) => failures.push(format!(
                "snippet {i} {snippet:?}: we reject ({e}), kustomize accepts"
            )),
            (Ok(_), None) => failures.push(format!(
                "snippet {i} {snippet:?}: we accept, kustomize rejects"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} snippets differ:\n{}",
        failures.len(),
        snippets.len(),
        failures.join("\n")
    );
}

/// Whole files: kyaml's document splitting (separators, comments, `...`,
/// empty documents) must find the same documents.
#[test]
fn document_splitting_matches_kustomize() {
    let a = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";
    let b = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
    let files = [
        format!("---\n{a}"),
        format!("--- # comment\n{a}---\n{b}"),
        format!("{a}...\n"),
        format!("{a}---\n"),
        format!("# only a comment\n---\n{a}---\n\n---\n# another\n---\n{b}"),
        format!("---\n---\n{a}"),
        format!("{a}...\n{b}"),
        format!("{a}---   \n{b}"),
        format!("{a}--- x\n{b}"),
        format!("{a}----\n{b}"),
        format!("{a}---\n~\n---\n{b}"),
        format!("{a}---\nnull\n---\n{b}"),
        format!("{a}\n---\n\n{b}"),
        format!("--- !!map\n{a}"),
        format!("%YAML 1.2\n---\n{a}"),
        format!("{a}---\n--- |\n  text\n"),
        a.replace('\n', "\r\n"),
    ];
    let mut failures = Vec::new();
    for file in &files {
        let theirs = kustomize_one(file);
        let ours = parse_documents(file)
            .map_err(|e| e.to_string())
            .and_then(|docs| {
                // Like kustomize, the renderer refuses documents that are not objects.
                if docs.iter().any(|d| !d.is_object()) {
                    return Err("not an object".to_string());
                }
                let mut out = String::new();
                for (i, doc) in docs.iter().enumerate() {
                    if i > 0 {
                        out.push_str("---\n");
                    }
                    out.push_str(&try_to_yaml(doc).map_err(|e| e.to_string())?);
                }
                Ok(out)
            });
        match (&ours, &theirs) {
            (Ok(x), Some(y)) if x == y => {}
            (Err(_), None) => {}
            _ => failures.push(format!(
                "{file:?}:\n  ours: {ours:?}\n  kubectl: {theirs:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Kustomization files go through sigs.k8s.io/yaml (go-yaml v2): later
/// duplicate keys win and YAML 1.1 booleans apply. Checked on what kustomize
/// prints for such files.
#[test]
fn kustomization_files_are_read_like_kustomize() {
    require_kubectl();
    let kustomization = "namePrefix: a-\nnamePrefix: b-\ngeneratorOptions:\n  disableNameSuffixHash: yes\nconfigMapGenerator:\n- name: cm\n  literals: [k=v]\ncommonLabels: &l\n  team: x\ncommonAnnotations: *l\n";
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("kustomization.yaml"), kustomization).expect("write");
    let out = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .expect("run kubectl");
    let printed = String::from_utf8(out.stdout).expect("UTF-8");
    // Later namePrefix wins, `yes` disabled the hash suffix, the alias copied the labels.
    assert!(printed.contains("name: b-cm\n"), "{printed}");
    assert!(printed.contains("annotations:\n    team: x\n"), "{printed}");
    let k = converge::yaml::parse_kustomization(kustomization).expect("parses");
    assert_eq!(k["namePrefix"], "b-");
    assert_eq!(k["generatorOptions"]["disableNameSuffixHash"], true);
    assert_eq!(k["commonAnnotations"], k["commonLabels"]);
}
