//! YAML as kustomize reads and writes it (temporary stand-in until the real layer lands).

pub use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct YamlError(String);

pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v: serde_yaml::Value =
            serde::Deserialize::deserialize(doc).map_err(|e| YamlError(e.to_string()))?;
        let j: Value = serde_json::to_value(v).map_err(|e| YamlError(e.to_string()))?;
        if !j.is_null() {
            out.push(j);
        }
    }
    Ok(out)
}

pub fn parse_document(text: &str) -> Result<Value, YamlError> {
    Ok(parse_documents(text)?
        .into_iter()
        .next()
        .unwrap_or(Value::Null))
}

pub fn to_yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_default()
}

pub fn write_yaml(out: &mut String, value: &Value) {
    out.push_str(&to_yaml(value));
}
