//! Builtin `ConfigMapGenerator` / `SecretGenerator` plugin configurations (entries of
//! `generators:`) read into generator arguments the way kustomize's builtin plugins read
//! them: Go JSON decoding (field names matched case-insensitively, unknown fields ignored),
//! `metadata.name` / `metadata.namespace` as fallbacks, no `generatorOptions`, and the
//! deprecated `env` field ignored (only a kustomization's own generators honor it).

use serde_json::{Map, Value};

use super::super::kustomization::GeneratorArgs;

/// The argument fields a builtin generator config may set.
const FIELDS: &[&str] = &[
    "namespace",
    "name",
    "behavior",
    "literals",
    "files",
    "envs",
    "options",
];

/// Reads a builtin plugin config; `secret` selects SecretGenerator (which also has `type`).
pub fn args_from_config(
    config: &Map<String, Value>,
    secret: bool,
) -> Result<GeneratorArgs, String> {
    let mut fields = Map::new();
    let known = FIELDS.iter().copied().chain(secret.then_some("type"));
    for field in known {
        // Go prefers an exact match, then any case-insensitive one.
        let value = config.get(field).or_else(|| {
            config
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .map(|(_, v)| v)
        });
        match value {
            // A null leaves the Go field at its zero value.
            None | Some(Value::Null) => {}
            Some(v) => {
                fields.insert(field.to_string(), v.clone());
            }
        }
    }
    let mut args: GeneratorArgs =
        serde_json::from_value(Value::Object(fields)).map_err(|e| e.to_string())?;
    let metadata = config.get("metadata").and_then(Value::as_object);
    let meta_text = |key: &str| {
        metadata
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if args.name.is_empty() {
        args.name = meta_text("name");
    }
    if args.namespace.is_empty() {
        args.namespace = meta_text("namespace");
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn metadata_name_is_the_fallback() {
        let args = args_from_config(
            &config(
                json!({"apiVersion": "builtin", "kind": "ConfigMapGenerator",
                "metadata": {"name": "mymap", "namespace": "ns"},
                "literals": ["FRUIT=apple"], "behavior": "merge", "env": "ignored.env"}),
            ),
            false,
        )
        .expect("valid");
        assert_eq!(args.name, "mymap");
        assert_eq!(args.namespace, "ns");
        assert_eq!(args.literals, vec!["FRUIT=apple".to_string()]);
        assert_eq!(args.behavior, "merge");
        assert!(args.envs.is_empty() && args.env.is_empty());
    }

    #[test]
    fn explicit_name_wins_and_fields_match_case_insensitively() {
        let args = args_from_config(
            &config(
                json!({"metadata": {"name": "notImportantHere"}, "name": "bob",
                "Envs": ["a.env"], "type": "kubernetes.io/tls"}),
            ),
            true,
        )
        .expect("valid");
        assert_eq!(args.name, "bob");
        assert_eq!(args.envs, vec!["a.env".to_string()]);
        assert_eq!(args.secret_type, "kubernetes.io/tls");
        let cm = args_from_config(&config(json!({"name": "m", "type": "x"})), false)
            .expect("type is not a ConfigMap field");
        assert_eq!(cm.secret_type, "");
    }

    #[test]
    fn wrong_types_are_errors() {
        assert!(args_from_config(&config(json!({"name": "m", "literals": "a=1"})), false).is_err());
    }
}
