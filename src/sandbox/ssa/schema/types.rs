//! The type model shared by built-in and CRD schemas: SMD atoms (scalar / list / map) plus the
//! Go-serialization and strategic-merge-patch facts a field needs.

use std::collections::HashMap;

use serde_json::Value;

/// Index of a type in a [`TypeTable`].
pub(crate) type TypeId = u32;

/// `__untyped_deduced_`: scalars, atomic lists, granular maps of the same.
pub(crate) const DEDUCED: TypeId = 0;
/// `__untyped_atomic_`: anything, owned as one leaf.
pub(crate) const UNTYPED_ATOMIC: TypeId = 1;
pub(crate) const STRING: TypeId = 2;
pub(crate) const NUMERIC: TypeId = 3;
pub(crate) const BOOLEAN: TypeId = 4;
/// An untyped scalar (IntOrString, Quantity, Time).
pub(crate) const UNTYPED_SCALAR: TypeId = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarKind {
    String,
    Numeric,
    Boolean,
    Untyped,
}

/// How an associative list identifies its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ListRel {
    /// Owned and replaced as a whole.
    Atomic,
    /// A set (no keys) or a map keyed by these fields.
    Associative(Vec<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct ListDef {
    pub(crate) elem: TypeId,
    pub(crate) rel: ListRel,
}

/// Strategic-merge-patch behaviour of a field (`patchStrategy` / `patchMergeKey`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SmpField {
    /// Lists: merge instead of replace; `Some("")` merges a list of primitives.
    pub(crate) merge_key: Option<String>,
    /// `retainKeys`: fields absent from the patch are cleared.
    pub(crate) retain_keys: bool,
}

/// What Go's JSON encoding does with a field the object does not set.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Emit {
    /// `omitempty`: an absent or empty value is left out.
    #[default]
    Omit,
    /// Always written; this is the zero value (`{}` for structs, `""`, `0`, `false`).
    Zero(Value),
    /// A non-omitempty pointer, slice or map: written as `null`.
    Null,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub(crate) name: String,
    pub(crate) ty: TypeId,
    /// OpenAPI default (used for list-map keys that the object omits).
    pub(crate) default: Option<Value>,
    pub(crate) emit: Emit,
    /// A Go pointer scalar: `0`, `false` and `""` are kept instead of omitted.
    pub(crate) keep_zero: bool,
    /// CRD `nullable: true`: an explicit null is kept.
    pub(crate) nullable: bool,
    pub(crate) smp: SmpField,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct MapDef {
    /// Known fields, sorted by name.
    pub(crate) fields: Vec<FieldDef>,
    /// Type of keys that are not fields (maps, and structs preserving unknown fields).
    pub(crate) elem: Option<TypeId>,
    pub(crate) atomic: bool,
}

impl MapDef {
    pub(crate) fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .binary_search_by(|f| f.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.fields[i])
    }

    /// The type of `key`: its field type, else the element type.
    pub(crate) fn type_of(&self, key: &str) -> Option<TypeId> {
        self.field(key).map(|f| f.ty).or(self.elem)
    }
}

/// A type: any combination of scalar, list and map, as in SMD's `schema.Atom`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Atom {
    pub(crate) scalar: Option<ScalarKind>,
    pub(crate) list: Option<ListDef>,
    pub(crate) map: Option<MapDef>,
    /// Go type of a named scalar, for its zero value (`time`, `ios`, `qty`).
    pub(crate) go_zero: Option<Value>,
}

/// All types of one schema, addressed by [`TypeId`].
#[derive(Debug, Clone)]
pub(crate) struct TypeTable {
    pub(crate) types: Vec<Atom>,
    pub(crate) names: HashMap<String, TypeId>,
}

impl TypeTable {
    /// A table holding only the primitive types every schema shares.
    pub(crate) fn primitives() -> TypeTable {
        let scalar = |k| Atom {
            scalar: Some(k),
            ..Atom::default()
        };
        let types = vec![
            Atom {
                scalar: Some(ScalarKind::Untyped),
                list: Some(ListDef {
                    elem: UNTYPED_ATOMIC,
                    rel: ListRel::Atomic,
                }),
                map: Some(MapDef {
                    elem: Some(DEDUCED),
                    ..MapDef::default()
                }),
                go_zero: None,
            },
            Atom {
                scalar: Some(ScalarKind::Untyped),
                list: Some(ListDef {
                    elem: UNTYPED_ATOMIC,
                    rel: ListRel::Atomic,
                }),
                map: Some(MapDef {
                    elem: Some(UNTYPED_ATOMIC),
                    atomic: true,
                    ..MapDef::default()
                }),
                go_zero: None,
            },
            scalar(ScalarKind::String),
            scalar(ScalarKind::Numeric),
            scalar(ScalarKind::Boolean),
            scalar(ScalarKind::Untyped),
        ];
        TypeTable {
            types,
            names: HashMap::new(),
        }
    }

    pub(crate) fn atom(&self, id: TypeId) -> &Atom {
        // Ids are only minted by this table; an out-of-range id degrades to "anything".
        self.types
            .get(id as usize)
            .unwrap_or(&self.types[DEDUCED as usize])
    }

    pub(crate) fn push(&mut self, atom: Atom) -> TypeId {
        self.types.push(atom);
        (self.types.len() - 1) as TypeId
    }
}
