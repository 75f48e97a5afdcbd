//! Field paths and field sets (structured-merge-diff `fieldpath`): the currency of ownership.
//!
//! A [`PathElement`] selects a child: a struct/map field, an associative-list item by its key
//! fields, a set item by value, or (for atomic lists, never tracked here) an index. A [`Set`] is a
//! tree of paths; `members` are owned paths, `children` hold deeper owned paths.

mod serialize;
mod set;

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde_json::Value;

use super::value::{compare, to_go_string};

pub(crate) use set::Set;

/// One step in a path.
#[derive(Debug, Clone)]
pub(crate) enum PathElement {
    /// A field of a struct or a key of a map.
    Field(Arc<str>),
    /// An item of an associative list, by its key fields (sorted by name).
    Key(Arc<[(String, Value)]>),
    /// An item of a set (a list of scalars), by value.
    Value(Arc<Value>),
    /// An item of a non-associative list, by position.
    Index(usize),
}

impl PathElement {
    fn rank(&self) -> u8 {
        match self {
            PathElement::Field(_) => 0,
            PathElement::Key(_) => 1,
            PathElement::Value(_) => 2,
            PathElement::Index(_) => 3,
        }
    }

    pub(crate) fn field(name: &str) -> PathElement {
        PathElement::Field(Arc::from(name))
    }

    pub(crate) fn key(fields: Vec<(String, Value)>) -> PathElement {
        PathElement::Key(Arc::from(fields))
    }

    pub(crate) fn value(v: Value) -> PathElement {
        PathElement::Value(Arc::new(v))
    }
}

/// SMD `FieldList.Compare`: field by field, name then value, shorter first.
fn key_compare(a: &[(String, Value)], b: &[(String, Value)]) -> Ordering {
    for ((an, av), (bn, bv)) in a.iter().zip(b.iter()) {
        let c = an.cmp(bn).then_with(|| compare(av, bv));
        if c != Ordering::Equal {
            return c;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.cmp(b),
            (PathElement::Key(a), PathElement::Key(b)) => key_compare(a, b),
            (PathElement::Value(a), PathElement::Value(b)) => compare(a, b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PathElement {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PathElement {}

impl fmt::Display for PathElement {
    /// SMD `PathElement.String`: `.field`, `[k=v,…]`, `[=v]`, `[i]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(fields) => {
                f.write_char('[')?;
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{name}={}", to_go_string(value))?;
                }
                f.write_char(']')
            }
            PathElement::Value(v) => write!(f, "[={}]", to_go_string(v)),
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// SMD `Path.String`: the elements printed back to back, e.g. `.spec.replicas`.
pub(crate) fn path_string(path: &[PathElement]) -> String {
    let mut out = String::new();
    for pe in path {
        let _ = write!(out, "{pe}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_like_upstream() {
        let path = vec![
            PathElement::field("spec"),
            PathElement::field("containers"),
            PathElement::key(vec![("name".into(), json!("nginx"))]),
            PathElement::field("image"),
        ];
        assert_eq!(
            path_string(&path),
            r#".spec.containers[name="nginx"].image"#
        );
        let ports = PathElement::key(vec![
            ("containerPort".into(), json!(80)),
            ("protocol".into(), json!("TCP")),
        ]);
        assert_eq!(ports.to_string(), r#"[containerPort=80,protocol="TCP"]"#);
        assert_eq!(PathElement::value(json!("a")).to_string(), r#"[="a"]"#);
        assert_eq!(PathElement::Index(3).to_string(), "[3]");
    }

    #[test]
    fn orders_fields_before_keys_before_values_before_indexes() {
        let mut v = [
            PathElement::Index(0),
            PathElement::value(json!("x")),
            PathElement::key(vec![("a".into(), json!(1))]),
            PathElement::field("z"),
        ];
        v.sort();
        assert!(matches!(v[0], PathElement::Field(_)));
        assert!(matches!(v[1], PathElement::Key(_)));
        assert!(matches!(v[2], PathElement::Value(_)));
        assert!(matches!(v[3], PathElement::Index(_)));
    }
}
