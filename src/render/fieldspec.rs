//! Walking a field spec's path through an object (kustomize's `fieldspec.Filter`):
//! `a/b[]/c` descends through maps, visits every element of lists, optionally creates
//! missing fields, and hands the found node to a setter.

use serde_json::{Map, Value};

use super::alias::Seg;
use super::kustomization::FieldSpec;
use super::resid::split_api_version;

/// What to create for a missing field at the end of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// Never create.
    Nothing,
    Map,
    Scalar,
}

/// A failure while walking, with the path walked so far.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: String,
    pub message: String,
}

/// Splits a field-spec path on `/`, honouring `\/` escapes.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for piece in path.split('/') {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(piece);
            }
            _ => parts.push(piece.to_string()),
        }
    }
    parts
}

/// Whether the field spec's gvk admits an object with this apiVersion and kind.
pub fn gvk_matches(fs: &FieldSpec, api_version: &str, kind: &str) -> bool {
    if !fs.kind.is_empty() && fs.kind != kind {
        return false;
    }
    let (group, version) = split_api_version(api_version);
    (fs.group.is_empty() || fs.group == group) && (fs.version.is_empty() || fs.version == version)
}

/// Applies `set` to every node the field spec designates in `obj` (a whole resource).
/// Returns without calling `set` when the gvk does not match or the path is absent.
pub fn apply<F>(
    obj: &mut Map<String, Value>,
    fs: &FieldSpec,
    create: CreateKind,
    set: &mut F,
) -> Result<(), WalkError>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    walk(obj, fs, create, false, &mut |_, node| set(node))
}

/// Like [`apply`], also handing `set` the concrete path of each node it visits.
pub fn apply_traced<F>(
    obj: &mut Map<String, Value>,
    fs: &FieldSpec,
    create: CreateKind,
    set: &mut F,
) -> Result<(), WalkError>
where
    F: FnMut(&[Seg], &mut Value) -> Result<(), String>,
{
    walk(obj, fs, create, true, set)
}

fn walk<F>(
    obj: &mut Map<String, Value>,
    fs: &FieldSpec,
    create: CreateKind,
    trace: bool,
    set: &mut F,
) -> Result<(), WalkError>
where
    F: FnMut(&[Seg], &mut Value) -> Result<(), String>,
{
    let api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !gvk_matches(fs, &api_version, &kind) {
        return Ok(());
    }
    let path = split_path(&fs.path);
    let walker = Walker {
        create: if fs.create_if_not_present {
            create
        } else {
            CreateKind::Nothing
        },
        full: &fs.path,
        trace,
    };
    walker.map(obj, &path, &mut Vec::new(), set)
}

struct Walker<'a> {
    create: CreateKind,
    full: &'a str,
    /// Whether to keep the concrete path (only the callers that need it pay for it).
    trace: bool,
}

impl Walker<'_> {
    fn error(&self, message: impl Into<String>) -> WalkError {
        WalkError {
            path: self.full.to_string(),
            message: message.into(),
        }
    }

    fn node<F>(
        &self,
        node: &mut Value,
        path: &[String],
        trail: &mut Vec<Seg>,
        set: &mut F,
    ) -> Result<(), WalkError>
    where
        F: FnMut(&[Seg], &mut Value) -> Result<(), String>,
    {
        if path.is_empty() {
            return set(trail, node).map_err(|m| self.error(m));
        }
        match node {
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if self.trace {
                        trail.push(Seg::Index(i));
                    }
                    let walked = self.node(item, path, trail, set);
                    if self.trace {
                        trail.pop();
                    }
                    walked?;
                }
                Ok(())
            }
            Value::Object(map) => self.map(map, path, trail, set),
            _ => Err(self.error("expected sequence or mapping node")),
        }
    }

    fn map<F>(
        &self,
        map: &mut Map<String, Value>,
        path: &[String],
        trail: &mut Vec<Seg>,
        set: &mut F,
    ) -> Result<(), WalkError>
    where
        F: FnMut(&[Seg], &mut Value) -> Result<(), String>,
    {
        let Some((first, rest)) = path.split_first() else {
            return Ok(());
        };
        let (name, is_seq) = match first.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (first.as_str(), false),
        };
        let creating = self.create != CreateKind::Nothing && !is_seq;
        let make = if rest.is_empty() {
            self.create
        } else {
            CreateKind::Map
        };
        if !map.contains_key(name) {
            if !creating {
                return Ok(());
            }
            map.insert(name.to_string(), empty(make));
        }
        let Some(field) = map.get_mut(name) else {
            return Ok(());
        };
        if field.is_null() {
            if creating {
                *field = empty(make);
            } else if is_seq {
                *field = Value::Array(Vec::new());
            } else if !rest.is_empty() {
                // kustomize walks no further through a null, without complaint.
                return Ok(());
            }
        }
        if self.trace {
            trail.push(Seg::Key(name.to_string()));
        }
        let walked = self.node(field, rest, trail, set);
        if self.trace {
            trail.pop();
        }
        walked
    }
}

fn empty(kind: CreateKind) -> Value {
    match kind {
        CreateKind::Map => Value::Object(Map::new()),
        CreateKind::Scalar | CreateKind::Nothing => Value::String(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(obj: Value, fs: FieldSpec) -> Value {
        let mut map = obj.as_object().cloned().unwrap_or_default();
        apply(&mut map, &fs, CreateKind::Map, &mut |node| {
            if let Value::Object(m) = node {
                m.insert("k".into(), json!("v"));
            }
            Ok(())
        })
        .expect("walks");
        Value::Object(map)
    }

    #[test]
    fn creates_only_when_asked_and_visits_lists() {
        let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {}});
        let out = run(
            dep.clone(),
            FieldSpec::at("spec/template/metadata/labels", true),
        );
        assert_eq!(out["spec"]["template"]["metadata"]["labels"]["k"], "v");
        let out = run(dep, FieldSpec::at("spec/template/metadata/labels", false));
        assert!(out["spec"].get("template").is_none());
        let sts = json!({"kind": "StatefulSet", "spec": {"volumeClaimTemplates": [{"metadata": {}}, {}]}});
        let out = run(
            sts,
            FieldSpec::at("spec/volumeClaimTemplates[]/metadata/labels", true),
        );
        assert_eq!(
            out["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]["k"],
            "v"
        );
        assert_eq!(
            out["spec"]["volumeClaimTemplates"][1]["metadata"]["labels"]["k"],
            "v"
        );
    }

    #[test]
    fn escaped_slashes_stay_in_one_segment() {
        assert_eq!(
            split_path("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            vec![
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/auth-secret"
            ]
        );
    }
}
