//! The YAML layer against the oracle: `kubectl kustomize` (Kustomize v5.5.0)
//! must print exactly what `to_yaml(parse_documents(input))` prints, for
//! hand-picked tricky values and for thousands of seeded random strings; and
//! re-printing the conformance corpus' expected outputs must be a fixed point.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use converge::yaml::{Value, parse_documents, to_yaml, try_to_yaml, write_yaml_stream};
use serde_json::json;

/// Fails (never skips) when the oracle is missing.
fn require_kubectl() {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "this test needs `kubectl` (v1.32, which embeds kustomize v5.5.0) on PATH: install kubectl to run it"
    );
}

/// Runs `kubectl kustomize` over one file per resource and returns the
/// printed documents keyed by `metadata.name`.
fn kustomize(resources: &[String]) -> HashMap<String, String> {
    require_kubectl();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut names = Vec::new();
    for (i, text) in resources.iter().enumerate() {
        let name = format!("r{i}.yaml");
        std::fs::write(dir.path().join(&name), text).expect("write resource");
        names.push(name);
    }
    let kustomization = format!(
        "resources:\n{}",
        names.iter().map(|n| format!("- {n}\n")).collect::<String>()
    );
    std::fs::write(dir.path().join("kustomization.yaml"), kustomization)
        .expect("write kustomization");
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .expect("run kubectl kustomize");
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("kubectl prints UTF-8");
    if let Some(dump) = std::env::var_os("CONVERGE_YAML_DUMP") {
        std::fs::write(Path::new(&dump).join("kubectl.yaml"), &stdout).expect("dump");
    }
    split_output(&stdout)
        .into_iter()
        .map(|doc| {
            // Not parsed: kubectl's output may hold raw U+2028 inside literal
            // blocks, which yaml.v3 reads as line breaks (YAML 1.1).
            let name = doc
                .split_once("\nmetadata:\n  name: ")
                .and_then(|(_, rest)| rest.lines().next())
                .expect("metadata.name")
                .to_string();
            (name, doc)
        })
        .collect()
}

/// Splits a `kustomize build` stream at its `---` lines (content lines of a
/// document are never `---` at column 0).
fn split_output(stream: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in stream.split_inclusive('\n') {
        if line == "---\n" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs.into_iter().filter(|d| !d.is_empty()).collect()
}

/// Compares our rendering of every resource with the oracle's; reports all
/// mismatches at once.
fn assert_same_as_kustomize(resources: &[String]) {
    let oracle = kustomize(resources);
    let mut failures = Vec::new();
    for text in resources {
        let docs = parse_documents(text).expect("our parser accepts the input");
        let ours = to_yaml(&docs[0]);
        if let Some(dump) = std::env::var_os("CONVERGE_YAML_DUMP") {
            let name = docs[0]["metadata"]["name"].as_str().unwrap_or("x");
            std::fs::write(Path::new(&dump).join(format!("ours-{name}.yaml")), &ours)
                .expect("dump");
        }
        let name = docs[0]["metadata"]["name"]
            .as_str()
            .expect("name")
            .to_string();
        let theirs = oracle.get(&name).cloned().unwrap_or_default();
        if ours != theirs {
            failures.push(first_difference(&name, &ours, &theirs));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} resources differ from kubectl kustomize:\n{}",
        failures.len(),
        resources.len(),
        failures.join("\n")
    );
}

fn first_difference(name: &str, ours: &str, theirs: &str) -> String {
    let ours_lines: Vec<&str> = ours.lines().collect();
    let theirs_lines: Vec<&str> = theirs.lines().collect();
    for i in 0..ours_lines.len().max(theirs_lines.len()) {
        let a = ours_lines.get(i).copied().unwrap_or("<end>");
        let b = theirs_lines.get(i).copied().unwrap_or("<end>");
        if a != b {
            return format!("{name} line {}:\n  ours:    {a:?}\n  kubectl: {b:?}", i + 1);
        }
    }
    format!("{name}: differs only in the final newline")
}

/// JSON text (which is YAML) with the characters yaml.v3 refuses raw, or
/// treats as line breaks, written as escapes.
fn to_input(value: &Value) -> String {
    let json = serde_json::to_string(value).expect("json");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        let u = c as u32;
        if (0x7F..=0x9F).contains(&u) || matches!(u, 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF) {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// go-yaml v2's key order is not transitive once digits mix with other
/// characters (`08` < `0x` < `1e400` < `08`), and Go feeds `sort.Sort` the keys
/// in random map order: kustomize's output for such key sets changes from run
/// to run. Differential key sets therefore avoid digits (a digit-only set is
/// checked separately), and NEL, which kustomize cannot print in keys.
fn key_order_is_deterministic(key: &str) -> bool {
    !key.contains(|c: char| c.is_ascii_digit() || c == '\u{85}')
}

fn object(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "example.com/v1",
        "kind": "Tricky",
        "metadata": {"name": name},
        "spec": spec,
    })
}

/// Strings that exercise resolution, quoting, escaping and folding.
fn tricky_strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "on",
        "off",
        "yes",
        "no",
        "y",
        "n",
        "Y",
        "N",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "",
        "0x1F",
        "0o17",
        "012",
        "08",
        "1_000",
        "1e3",
        "1.0",
        "-1",
        "+1",
        ".5",
        "1.",
        "-.inf",
        ".NaN",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "12:30",
        "1:2:3.5",
        "1:60",
        ": x",
        "x: y",
        "x:y",
        "- x",
        "-x",
        "-",
        "--",
        "---",
        "--- x",
        "...",
        "? x",
        "?x",
        "#x",
        "x #y",
        "x#y",
        "[x]",
        "{x}",
        "x,y",
        "&a",
        "*a",
        "!t",
        "|",
        ">",
        "'",
        "\"",
        "%x",
        "@x",
        "`x",
        "a'b",
        "a\"b",
        "back\\slash",
        " lead",
        "trail ",
        " both ",
        "a  b",
        "tab\there",
        "\ttab",
        "é",
        "naïve café",
        "中文",
        "emoji 😀",
        "nbsp\u{a0}x",
        "bom\u{feff}x",
        "nel\u{85}x",
        "ls\u{2028}x",
        "ps\u{2029}x",
        "cr\rx",
        "bell\u{7}",
        "esc\u{1b}",
        "nul\u{0}x",
        "<<",
        "=",
        "0",
        "-0",
        "00",
        "0b101",
        "0x",
        "1e400",
        "0.1e400",
        "18446744073709551616",
        "9223372036854775808",
        "line1\nline2",
        "line1\nline2\n",
        "line1\nline2\n\n",
        "\nleading newline",
        "  indented\nblock",
        "trailing space \nline",
        "line\n  indented",
        "a\n\n\nb",
        "x\n",
        "\n",
        "\n\n",
        "tab\n\tline",
        "emoji\n😀",
        "cr\r\nlf",
        "space \n",
        "ls\u{2028}\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";
    v.push(words.repeat(3));
    v.push(format!("{}: {}", words, words));
    v.push(format!("'{}'", words.repeat(2)));
    v.push(format!("\"{}\"", words.repeat(2)));
    v.push(format!("{} #comment {}", words, words));
    v.push(format!("{}  {}", words.repeat(2), words));
    v.push("x".repeat(150));
    v.push(format!("{} {}", "y".repeat(90), "z".repeat(10)));
    v.push(format!("on {}", words.repeat(2)));
    v.push(format!("{}\t{}", words, words));
    v.push(format!("{} \u{e9} {}", words, words.repeat(2)));
    v.push(format!("{}😀 {}", words, words.repeat(2)));
    v.push(format!("{}\n{}\n", words.repeat(2), words.repeat(2)));
    v.push(format!(" {}", words.repeat(2)));
    v.push(format!("{} ", words.repeat(2)));
    v
}

#[test]
fn tricky_values_print_like_kustomize() {
    let strings = tricky_strings();
    let mut values = serde_json::Map::new();
    let mut keys = serde_json::Map::new();
    for (i, s) in strings.iter().enumerate() {
        values.insert(format!("v{i:03}"), Value::String(s.clone()));
        if key_order_is_deterministic(s) {
            keys.insert(s.clone(), json!(i));
        }
    }
    let list: Vec<Value> = strings.iter().map(|s| json!({"s": s, "l": [s]})).collect();
    let numbers = json!([
        0,
        -1,
        1,
        42,
        i64::MAX,
        i64::MIN,
        u64::MAX,
        0.5,
        -0.5,
        1.5,
        1e-7,
        1.5e-7,
        0.0001,
        0.00001,
        123456.5,
        1234567.5,
        1e20,
        1e21,
        1e100,
        -1e19,
        1e19,
        3.0,
        1.7976931348623157e308,
        5e-324,
        0.1,
        0.3333333333333333
    ]);
    let resources = vec![
        to_input(&object("values", Value::Object(values))),
        to_input(&object("keys", Value::Object(keys))),
        to_input(&object(
            "list",
            json!({"items": list, "deeper": {"a": {"b": {"c": list}}}}),
        )),
        to_input(&object(
            "shapes",
            json!({
                "numbers": numbers,
                "empty_map": {}, "empty_list": [], "null": null, "t": true, "f": false,
                "nested_empty": [{}, [], [[]], {"a": {}}, null],
                "list_of_lists": [[1, [2, [3]]], ["a", {"b": ["c"]}]],
                "long_key": {"k".repeat(128): 1, "k".repeat(129): 2, format!("{} x", "k".repeat(130)): [1]},
                "multiline_key": {"a\nb": 1, "c\n": {"d": 2}},
                "digit_keys": {"1": 1, "2": 2, "10": 10, "a1": 1, "a2": 2, "a10": 10, "port9": 9, "port10": 10, "x-1": 1, "x-01": 1},
            }),
        )),
    ];
    assert_same_as_kustomize(&resources);
}

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

/// Strings with DEL or C1 controls pass through JSON unescaped and then make
/// go-yaml v2 fail: kustomize refuses them, and so must we.
#[test]
fn unprintable_strings_fail_like_kustomize() {
    require_kubectl();
    let cases = [
        json!({"s": "del\u{7f}"}),
        json!({"s": "c1\u{80}"}),
        json!({"s": "nonchar\u{ffff}"}),
        json!({"nel\u{85}key": "v"}),
    ];
    for bad in cases {
        let resource = to_input(&object("bad", bad.clone()));
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("r.yaml"), &resource).expect("write");
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            "resources:\n- r.yaml\n",
        )
        .expect("write");
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir.path())
            .output()
            .expect("run kubectl");
        assert!(!out.status.success(), "kubectl accepted {bad:?}");
        let docs = parse_documents(&resource).expect("parsing succeeds; printing fails");
        assert!(try_to_yaml(&docs[0]).is_err(), "{bad:?} must not print");
    }
}

/// A tiny deterministic generator, so the random cases are reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_string(rng: &mut XorShift) -> String {
    const PIECES: &[&str] = &[
        "a",
        "b",
        "z",
        "Q",
        "0",
        "1",
        "9",
        " ",
        " ",
        " ",
        "  ",
        ":",
        ": ",
        "#",
        " #",
        "-",
        "- ",
        "?",
        ",",
        "[",
        "]",
        "{",
        "}",
        "&",
        "*",
        "!",
        "|",
        ">",
        "'",
        "\"",
        "%",
        "@",
        "`",
        "\\",
        "\n",
        "\n",
        "\t",
        "\r",
        ".",
        "_",
        "=",
        "~",
        "é",
        "中",
        "😀",
        "\u{a0}",
        "\u{85}",
        "\u{2028}",
        "\u{feff}",
        "\u{1}",
        "on",
        "yes",
        "null",
        "true",
        "0x1F",
        "1e3",
        "012",
        "2001-12-14",
        "12:30",
        "---",
        "...",
        "<<",
        "word ",
        "longerword ",
    ];
    let len = match rng.below(10) {
        0 => 0,
        1..=5 => 1 + rng.below(6),
        6..=8 => 5 + rng.below(30),
        _ => 30 + rng.below(60),
    };
    (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

#[test]
fn random_strings_print_like_kustomize() {
    let mut rng = XorShift(0x5eed_1234_abcd_9876);
    let mut resources = Vec::new();
    for r in 0..20 {
        let mut values = serde_json::Map::new();
        let mut keys = serde_json::Map::new();
        let mut nested = Vec::new();
        for i in 0..60 {
            let s = random_string(&mut rng);
            values.insert(format!("v{i:02}"), Value::String(s.clone()));
            let key = random_string(&mut rng);
            if key_order_is_deterministic(&key) {
                keys.insert(key, json!(i));
            }
            nested.push(json!({"x": [s]}));
        }
        resources.push(to_input(&object(
            &format!("random{r}"),
            json!({"values": values, "keys": keys, "nested": nested}),
        )));
    }
    assert_same_as_kustomize(&resources);
}

fn conformance_cases() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/kustomize/cases");
    dir.is_dir().then_some(dir)
}

/// Every `expected.yaml` of the corpus is go-yaml v2 output: reading it and
/// printing it again must give the same bytes.
#[test]
fn conformance_outputs_are_a_fixed_point() {
    let Some(dir) = conformance_cases() else {
        eprintln!("conformance corpus not found next to the repository; nothing to check");
        return;
    };
    let mut total = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("read corpus")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path().join("expected.yaml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        total += 1;
        let case = entry.file_name().to_string_lossy().to_string();
        match parse_documents(&text) {
            Ok(docs) => {
                let mut out = String::new();
                write_yaml_stream(&mut out, &docs);
                if out != text {
                    failures.push(first_difference(&case, &out, &text));
                }
            }
            Err(e) => failures.push(format!("{case}: parse error {e}")),
        }
    }
    eprintln!(
        "conformance fixed point: {} of {total} expected outputs reproduced",
        total - failures.len()
    );
    assert!(total > 0, "the corpus has no expected.yaml files");
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
