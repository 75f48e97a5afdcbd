//! The merge walk: kyaml's `walk.Walker` driven by the `merge2.Merger` visitor.
//!
//! Every node is walked with two sources, the destination (the target resource)
//! and the origin (the patch). Maps merge field by field over the sorted union of
//! their field names, scalars and lists without a merge key take the patch's
//! value, lists with a merge key merge element by element (see `assoc.rs`).
//! `null` in the patch deletes, `$patch: delete|replace|merge` on a map deletes,
//! replaces or merges it. Nothing else is a directive to kyaml:
//! `$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…` are ordinary
//! fields that end up in the output, and list-level `$patch` entries are ordinary
//! elements (whose odd effects `assoc.rs` reproduces).

use super::error::MergeError;
use super::node::{Arena, Kind, MAX_DEPTH, Node, NodeId};
use super::schema::{SchemaId, SchemaSet};

/// `[destination, origin]`; `None` is a missing node.
pub(super) type Sources = [Option<NodeId>; 2];

/// A `$patch` directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Directive {
    Unknown,
    Replace,
    Delete,
    Merge,
}

const DIRECTIVE_KEY: &str = "$patch";

/// One merge in progress.
pub(super) struct Walker<'a, 's> {
    pub(super) arena: Arena<'a>,
    pub(super) schemas: &'s SchemaSet,
    /// Field path of the node being walked, for error messages.
    pub(super) path: Vec<String>,
    /// Use the linear-time path for keyed lists where it applies (tests turn it
    /// off to compare it with the general one).
    pub(super) fast_lists: bool,
    /// Nesting above `path` while a list of an untouched subtree is merged
    /// (`normalize.rs`), so depth stays bounded across those restarts.
    pub(super) depth_offset: usize,
}

impl<'a, 's> Walker<'a, 's> {
    pub(super) fn new(arena: Arena<'a>, schemas: &'s SchemaSet) -> Self {
        Walker {
            arena,
            schemas,
            path: Vec::new(),
            fast_lists: true,
            depth_offset: 0,
        }
    }

    /// The current field path, dotted ("" at the root).
    pub(super) fn path_string(&self) -> String {
        let mut out = String::new();
        for part in &self.path {
            push_segment(&mut out, part);
        }
        out
    }

    /// kyaml's `Walker.Walk`.
    pub(super) fn walk(
        &mut self,
        sources: Sources,
        schema: Option<SchemaId>,
    ) -> Result<Option<NodeId>, MergeError> {
        if self.depth_offset + self.path.len() > MAX_DEPTH {
            return Err(MergeError::TooDeep {
                path: self.path_string(),
                limit: MAX_DEPTH,
            });
        }
        let schema = self.schema_for(&sources, schema);
        if let [Some(dest), None] = sources
            && self.arena.is_lazy(dest)
        {
            // The patch does not reach here: no need to look at every node.
            return self.normalize_node(dest, schema);
        }
        for id in sources.into_iter().flatten() {
            self.arena.materialize(id);
        }
        let kind = sources
            .iter()
            .flatten()
            .find(|id| !self.arena.is_null(**id))
            .map(|id| self.arena.kind(*id));
        match kind {
            None => self.walk_map(sources, schema),
            Some(kind) => {
                self.check_kinds(&sources, kind)?;
                match kind {
                    Kind::Map => self.walk_map(sources, schema),
                    Kind::Scalar => Ok(visit_value(sources)),
                    Kind::Seq => match schema {
                        Some(schema) if self.schemas.is_associative(schema) => {
                            self.walk_associative(sources, schema)
                        }
                        // Lists without a merge strategy (or without a schema) are
                        // taken from the patch as they are, unwalked.
                        _ => Ok(visit_value(sources)),
                    },
                }
            }
        }
    }

    /// kyaml's `Walker.GetSchema`: the parent's field schema, or else the schema
    /// of a resource type named by `apiVersion`/`kind` fields of either source.
    fn schema_for(&self, sources: &Sources, schema: Option<SchemaId>) -> Option<SchemaId> {
        if schema.is_some() {
            return schema;
        }
        for id in sources.iter().flatten() {
            let text_of = |field: &str| self.arena.field_text(*id, field);
            let (Some(api_version), Some(kind)) = (text_of("apiVersion"), text_of("kind")) else {
                continue;
            };
            if api_version.is_empty() || kind.is_empty() {
                continue;
            }
            if let Some(found) = self.schemas.for_kind(&api_version, &kind) {
                return Some(found);
            }
        }
        None
    }

    /// kyaml's `ErrorIfAnyInvalidAndNonNull`.
    fn check_kinds(&self, sources: &Sources, expected: Kind) -> Result<(), MergeError> {
        for id in sources.iter().flatten() {
            if self.arena.is_null(*id) {
                continue;
            }
            let found = self.arena.kind(*id);
            if found != expected {
                return Err(MergeError::WrongKind {
                    path: self.path_string(),
                    expected: expected.name(),
                    found: found.name(),
                });
            }
        }
        Ok(())
    }

    /// kyaml's `walkMap`.
    fn walk_map(
        &mut self,
        sources: Sources,
        schema: Option<SchemaId>,
    ) -> Result<Option<NodeId>, MergeError> {
        let Some(dest) = self.visit_map(sources)? else {
            return Ok(None);
        };
        let origin = sources[1];
        let mut names: Vec<String> = self.arena.field_names(dest).cloned().collect();
        if let Some(origin) = origin {
            names.extend(self.arena.field_names(origin).cloned());
        }
        names.sort_unstable();
        names.dedup();
        for name in names {
            let field_schema = schema.and_then(|s| self.schemas.field(s, &name));
            let field_sources = [
                self.arena.field(dest, &name),
                origin.and_then(|o| self.arena.field(o, &name)),
            ];
            self.path.push(name);
            let value = self.walk(field_sources, field_schema)?;
            let name = self.path.pop().unwrap_or_default();
            self.arena.set_field(dest, &name, value);
        }
        Ok(Some(dest))
    }

    /// `merge2.Merger.VisitMap`: which map the fields are merged into.
    fn visit_map(&mut self, [dest, origin]: Sources) -> Result<Option<NodeId>, MergeError> {
        if self.arena.missing_or_null(dest) {
            if let (Some(_), None) = (dest, origin) {
                // kustomize keeps an explicit `null` of the target that the patch
                // does not mention (`creationTimestamp: null` survives a patch);
                // the kept node is no longer tagged null, so it is not cleared.
                return Ok(Some(self.arena.alloc(Node::Scalar {
                    value: serde_json::Value::Null,
                    null_tag: false,
                })));
            }
            // Adding: a `$patch: delete` of something absent adds nothing; an
            // unknown directive is not an error here (and stays in the output).
            let (directive, _) = self.directive(origin);
            if directive == Directive::Delete {
                return Ok(None);
            }
            return Ok(origin);
        }
        if origin.is_some_and(|o| self.arena.is_null(o)) {
            return Ok(None);
        }
        match self.directive(origin) {
            (_, Some(err)) => Err(err),
            (Directive::Delete, _) => Ok(None),
            (Directive::Replace, _) => Ok(origin),
            _ => Ok(dest),
        }
    }

    /// `determineSmpDirective`: reads (and removes) the `$patch` directive of a
    /// map, or of a list (from an element holding nothing else). The error is
    /// returned, not raised, since kyaml ignores it when adding a map.
    pub(super) fn directive(&mut self, patch: Option<NodeId>) -> (Directive, Option<MergeError>) {
        let Some(patch) = patch else {
            return (Directive::Merge, None);
        };
        match self.arena.kind(patch) {
            Kind::Seq => self.list_directive(patch),
            Kind::Scalar => (
                Directive::Unknown,
                Some(MergeError::WrongKind {
                    path: self.path_string(),
                    expected: Kind::Map.name(),
                    found: Kind::Scalar.name(),
                }),
            ),
            Kind::Map => {
                let Some(value) = self.arena.field(patch, DIRECTIVE_KEY) else {
                    return (Directive::Merge, None);
                };
                let directive = match self.arena.text(value).as_ref() {
                    "replace" => Directive::Replace,
                    "delete" => Directive::Delete,
                    "merge" => Directive::Merge,
                    other => {
                        let err = MergeError::UnknownDirective {
                            path: self.path_string(),
                            value: other.to_string(),
                        };
                        return (Directive::Unknown, Some(err));
                    }
                };
                self.arena.clear_field(patch, DIRECTIVE_KEY);
                (directive, None)
            }
        }
    }
}

impl Walker<'_, '_> {
    /// `determineSequenceNodePatchStrategy`: the first element holding a
    /// `$patch` field decides, if that is its only field; every element with the
    /// same directive is then removed from the patch's list (and with them, as
    /// `ElementSetter` goes, null and `{}` elements).
    fn list_directive(&mut self, list: NodeId) -> (Directive, Option<MergeError>) {
        let holder = self.arena.elements(list).iter().copied().find(|elem| {
            self.arena.kind(*elem) == Kind::Map && self.arena.field(*elem, DIRECTIVE_KEY).is_some()
        });
        let Some(holder) = holder else {
            return (Directive::Merge, None);
        };
        if self.arena.field_names(holder).count() > 1 {
            return (Directive::Merge, None);
        }
        let Some(value) = self.arena.field(holder, DIRECTIVE_KEY) else {
            return (Directive::Merge, None);
        };
        let value = self.arena.text(value).into_owned();
        let directive = match value.as_str() {
            "replace" => Directive::Replace,
            "delete" => Directive::Delete,
            "merge" => Directive::Merge,
            _ => {
                let err = MergeError::UnknownDirective {
                    path: self.path_string(),
                    value,
                };
                return (Directive::Unknown, Some(err));
            }
        };
        let keys = [DIRECTIVE_KEY.to_string()];
        if let Err(err) = self.set_element(list, &keys, std::slice::from_ref(&value), None) {
            return (directive, Some(err));
        }
        (directive, None)
    }
}

/// `VisitScalar` and `VisitList` for lists without merge keys: the patch's node
/// when it has one (a null removes the field), else the target's.
fn visit_value([dest, origin]: Sources) -> Option<NodeId> {
    origin.or(dest)
}

/// Appends one path segment: fields are dotted, `[key=value]` selectors are not.
pub(super) fn push_segment(path: &mut String, segment: &str) {
    if !path.is_empty() && !segment.starts_with('[') {
        path.push('.');
    }
    path.push_str(segment);
}
