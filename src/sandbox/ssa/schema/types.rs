//! The type model shared by built-in and CRD schemas: SMD atoms (scalar / list / map) plus the
//! Go-serialization and strategic-merge-patch facts a field needs.

use std::collections::HashMap;
use std::sync::Arc;

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
    /// Shared so that field paths can reuse it without allocating.
    pub(crate) name: Arc<str>,
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
    /// `(hash of name, index in fields)`, sorted: lookups compare integers, not strings.
    index: Vec<(u64, u32)>,
}

/// FNV-1a, enough to spread field names.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl MapDef {
    pub(crate) fn new(mut fields: Vec<FieldDef>, elem: Option<TypeId>, atomic: bool) -> MapDef {
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        let mut m = MapDef {
            fields,
            elem,
            atomic,
            index: Vec::new(),
        };
        m.reindex();
        m
    }

    /// Rebuilds the lookup index after `fields` changed.
    pub(crate) fn reindex(&mut self) {
        self.fields.sort_by(|a, b| a.name.cmp(&b.name));
        self.index = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (name_hash(&f.name), i as u32))
            .collect();
        self.index.sort_unstable();
    }

    pub(crate) fn field(&self, name: &str) -> Option<&FieldDef> {
        let h = name_hash(name);
        let start = self.index.partition_point(|(x, _)| *x < h);
        self.index[start..]
            .iter()
            .take_while(|(x, _)| *x == h)
            .map(|(_, i)| &self.fields[*i as usize])
            .find(|f| &*f.name == name)
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
                map: Some(MapDef::new(Vec::new(), Some(DEDUCED), false)),
                go_zero: None,
            },
            Atom {
                scalar: Some(ScalarKind::Untyped),
                list: Some(ListDef {
                    elem: UNTYPED_ATOMIC,
                    rel: ListRel::Atomic,
                }),
                map: Some(MapDef::new(Vec::new(), Some(UNTYPED_ATOMIC), true)),
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
