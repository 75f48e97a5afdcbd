//! Building the generated ConfigMap or Secret object from its validated pairs, the way
//! kustomize's generators lay them out (text in `data`, binary in `binaryData`, Secret
//! values base64 with kustomize's 70-column line breaks).

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value};

use super::super::kustomization::GeneratorOptions;
use super::kv::Pair;

/// kustomize breaks base64 text into lines of this many characters.
const BASE64_LINE: usize = 70;

/// Which object a generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ConfigMap,
    Secret,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
        }
    }
}

/// Checks for repeated keys (kustomize's message names the generator whatever its kind).
pub fn unique_pairs(name: &str, pairs: Vec<Pair>) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut map = BTreeMap::new();
    for pair in pairs {
        if map.contains_key(&pair.key) {
            return Err(format!(
                "configmap {name} illegally repeats the key `{}`",
                pair.key
            ));
        }
        map.insert(pair.key, pair.value);
    }
    Ok(map)
}

/// The object: `apiVersion`, `kind`, `metadata` (name, namespace, option labels and
/// annotations), the data fields, `type` for a Secret and `immutable` when asked.
pub fn build(
    kind: Kind,
    name: &str,
    namespace: &str,
    secret_type: &str,
    entries: BTreeMap<String, Vec<u8>>,
    options: &GeneratorOptions,
) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String(kind.as_str().into()));
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(name.into()));
    if !namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(namespace.into()));
    }
    if !options.labels.is_empty() {
        metadata.insert("labels".into(), string_map(&options.labels));
    }
    if !options.annotations.is_empty() {
        metadata.insert("annotations".into(), string_map(&options.annotations));
    }
    obj.insert("metadata".into(), Value::Object(metadata));
    match kind {
        Kind::ConfigMap => {
            let (data, binary) = config_map_data(entries);
            if !data.is_empty() {
                obj.insert("data".into(), Value::Object(data));
            }
            if !binary.is_empty() {
                obj.insert("binaryData".into(), Value::Object(binary));
            }
        }
        Kind::Secret => {
            let secret_type = if secret_type.is_empty() {
                "Opaque"
            } else {
                secret_type
            };
            obj.insert("type".into(), Value::String(secret_type.into()));
            // A generated Secret always has `data`, even when empty.
            let data = entries
                .into_iter()
                .map(|(k, v)| (k, Value::String(encode_base64(&v))))
                .collect();
            obj.insert("data".into(), Value::Object(data));
        }
    }
    if options.immutable {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    obj
}

fn string_map(map: &BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Splits ConfigMap entries: UTF-8 text goes to `data`, anything else base64 to `binaryData`.
fn config_map_data(entries: BTreeMap<String, Vec<u8>>) -> (Map<String, Value>, Map<String, Value>) {
    let mut data = Map::new();
    let mut binary = Map::new();
    for (key, value) in entries {
        match String::from_utf8(value) {
            Ok(text) => {
                data.insert(key, Value::String(text));
            }
            Err(e) => {
                binary.insert(key, Value::String(encode_base64(e.as_bytes())));
            }
        }
    }
    (data, binary)
}

/// Standard base64; from 70 characters on, every 70-character line ends with a newline
/// (the last one included), as kustomize's `encodeBase64` writes it.
pub fn encode_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < BASE64_LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / BASE64_LINE + 1);
    for chunk in encoded.as_bytes().chunks(BASE64_LINE) {
        // base64 output is ASCII, so any byte chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_line_breaks() {
        assert_eq!(encode_base64(b"b"), "Yg==");
        assert_eq!(encode_base64(b""), "");
        // 51 bytes encode to 68 characters: one line, no newline.
        assert!(!encode_base64(&[b'x'; 51]).contains('\n'));
        // 52 bytes encode to exactly 70+2 characters.
        let long = encode_base64(b"0123456789012345678901234567890123456789012345678901");
        assert_eq!(
            long,
            "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMQ\n==\n"
        );
        // Two full lines: both end with a newline.
        assert_eq!(
            encode_base64(&[0u8; 105]),
            format!("{0}\n{0}\n", "A".repeat(70))
        );
    }

    #[test]
    fn config_map_splits_text_and_binary() {
        let mut entries = BTreeMap::new();
        entries.insert("a.txt".to_string(), b"hello".to_vec());
        entries.insert("k2".to_string(), b"\xff\xfe\x00bin".to_vec());
        let obj = build(
            Kind::ConfigMap,
            "m",
            "",
            "",
            entries,
            &GeneratorOptions::default(),
        );
        assert_eq!(
            Value::Object(obj),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"},
                   "data": {"a.txt": "hello"}, "binaryData": {"k2": "//4AYmlu"}})
        );
    }

    #[test]
    fn empty_config_map_has_no_data_but_secret_does() {
        let options = GeneratorOptions {
            immutable: true,
            ..GeneratorOptions::default()
        };
        let cm = build(Kind::ConfigMap, "e", "ns", "", BTreeMap::new(), &options);
        assert_eq!(
            Value::Object(cm),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "e", "namespace": "ns"}, "immutable": true})
        );
        let s = build(
            Kind::Secret,
            "e",
            "",
            "",
            BTreeMap::new(),
            &GeneratorOptions::default(),
        );
        assert_eq!(
            Value::Object(s),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "e"},
                   "type": "Opaque", "data": {}})
        );
    }

    #[test]
    fn repeated_keys_are_refused() {
        let pairs = vec![
            Pair {
                key: "a".into(),
                value: vec![],
            },
            Pair {
                key: "a".into(),
                value: vec![],
            },
        ];
        let err = unique_pairs("m", pairs).expect_err("duplicate");
        assert_eq!(err, "configmap m illegally repeats the key `a`");
    }
}
