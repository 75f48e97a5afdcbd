//! Schema-aware operations on objects (structured-merge-diff `typed`): field sets, merge,
//! comparison, removal and validation. Each walker mirrors its upstream counterpart, including
//! the "deduced atom" rule (a type may be scalar, list and map at once; the value picks) and the
//! promotion of empty maps and lists to leaves.

mod compare;
mod merge;
mod remove;
mod tofieldset;
mod validate;

use serde_json::Value;

use super::fieldpath::{PathElement, Set};
use super::schema::types::ListDef;
use super::schema::{Atom, ListRel, MapDef, ScalarKind, TypeId, TypeTable};

pub(crate) use compare::{Comparison, compare};
pub(crate) use merge::merge;
pub(crate) use remove::remove_items;
pub(crate) use tofieldset::to_field_set;
pub(crate) use validate::{format_errors, validate};

/// The facet of an atom that handles a given value (SMD `deduceAtom` + `handleAtom`).
#[derive(Clone, Copy)]
pub(crate) enum Facet<'t> {
    Map(&'t MapDef),
    Scalar(ScalarKind),
    List(&'t ListDef),
    Invalid,
}

impl Facet<'_> {
    fn same(&self, other: &Facet<'_>) -> bool {
        matches!(
            (self, other),
            (Facet::Map(_), Facet::Map(_))
                | (Facet::Scalar(_), Facet::Scalar(_))
                | (Facet::List(_), Facet::List(_))
                | (Facet::Invalid, Facet::Invalid)
        )
    }
}

/// Picks the facet matching `v`; absent, null or mismatched values fall back to the atom's
/// first facet in upstream order (map, scalar, list).
pub(crate) fn facet<'t>(atom: &'t Atom, v: Option<&Value>) -> Facet<'t> {
    match v {
        Some(Value::Number(_) | Value::String(_) | Value::Bool(_)) if atom.scalar.is_some() => {
            if let Some(k) = atom.scalar {
                return Facet::Scalar(k);
            }
        }
        Some(Value::Array(_)) if atom.list.is_some() => {
            if let Some(l) = &atom.list {
                return Facet::List(l);
            }
        }
        Some(Value::Object(_)) if atom.map.is_some() => {
            if let Some(m) = &atom.map {
                return Facet::Map(m);
            }
        }
        _ => {}
    }
    if let Some(m) = &atom.map {
        Facet::Map(m)
    } else if let Some(k) = atom.scalar {
        Facet::Scalar(k)
    } else if let Some(l) = &atom.list {
        Facet::List(l)
    } else {
        Facet::Invalid
    }
}

/// The type of map key `key`: a declared field, else the element type, else "anything".
pub(crate) fn key_type(map: &MapDef, key: &str) -> TypeId {
    map.type_of(key).unwrap_or(super::schema::types::DEDUCED)
}

/// SMD `listItemToPathElement`: how an item of `list` is addressed.
pub(crate) fn list_item_pe(
    table: &TypeTable,
    list: &ListDef,
    index: usize,
    item: &Value,
) -> Result<PathElement, String> {
    let ListRel::Associative(keys) = &list.rel else {
        return Ok(PathElement::Index(index));
    };
    if keys.is_empty() {
        return match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".into())
            }
            Value::Array(_) => Err("not supported: associative list with lists as elements".into()),
            Value::Null => {
                Err("associative list without keys has an element that's an explicit null".into())
            }
            v => Ok(PathElement::value(v.clone())),
        };
    }
    let obj = match item {
        Value::Null => return Err("associative list with keys may not have a null element".into()),
        Value::Object(o) => o,
        _ => return Err("associative list with keys may not have non-map elements".into()),
    };
    let elem_map = table.atom(list.elem).map.as_ref();
    let mut fields = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(v) = obj.get(key) {
            fields.push((key.clone(), v.clone()));
            continue;
        }
        match elem_map
            .and_then(|m| m.field(key))
            .and_then(|f| f.default.clone())
        {
            Some(default) => fields.push((key.clone(), default)),
            None => {
                return Err(format!(
                    "associative list with keys has an element that omits key field {} (and doesn't have default value)",
                    super::value::go_quote(key)
                ));
            }
        }
    }
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(PathElement::key(fields))
}

/// SMD `Set.EnsureNamedFieldsAreMembers`: struct fields with owned children become members too,
/// so that removing them removes the whole field.
pub(crate) fn ensure_named_fields_are_members(table: &TypeTable, ty: TypeId, set: &Set) -> Set {
    let atom = table.atom(ty);
    let mut members: Vec<PathElement> = set.members().to_vec();
    let mut children = Vec::with_capacity(set.children().len());
    for (pe, sub) in set.children() {
        let child_ty = match (pe, &atom.map, &atom.list) {
            (PathElement::Field(name), Some(map), _) => {
                if map.field(name).is_some() && !members.contains(pe) {
                    members.push(pe.clone());
                }
                map.type_of(name)
            }
            (PathElement::Key(_), _, Some(list)) => Some(list.elem),
            _ => None,
        };
        let sub = match child_ty {
            Some(t) => ensure_named_fields_are_members(table, t, sub),
            None => sub.clone(),
        };
        children.push((pe.clone(), sub));
    }
    members.sort();
    Set::from_parts(members, children)
}
