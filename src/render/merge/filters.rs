//! kyaml's list filters, with their exact matching rules: `FieldMatcher`,
//! `ElementMatcher` (as used by `RNode.ElementList`), `ElementSetter` and the
//! merge walker's `appendListNode`.
//!
//! Their quirks decide the output of many patches, so they are kept literally:
//! matching compares go-yaml scalar *text*; an empty value matches any element
//! that has the key; `ElementSetter` silently drops null and `{}` elements of the
//! list it edits; when given fewer values than keys it reuses the last match.

use super::error::MergeError;
use super::node::{Kind, Node, NodeId};
use super::walk::Walker;

impl Walker<'_, '_> {
    /// `FieldMatcher{Name: name, StringValue: value}`: the field's node when the
    /// element has it and (for a non-empty `value`) its text equals `value`. An
    /// empty `name` matches a scalar element by its own text.
    pub(super) fn match_field(
        &self,
        elem: NodeId,
        name: &str,
        value: &str,
    ) -> Result<Option<NodeId>, MergeError> {
        if self.arena.is_null(elem) {
            return Ok(None);
        }
        if name.is_empty() {
            if self.arena.kind(elem) != Kind::Scalar {
                return Err(self.bad_element(name, "scalar", elem));
            }
            return Ok((self.arena.text(elem) == value).then_some(elem));
        }
        if self.arena.kind(elem) != Kind::Map {
            return Err(self.bad_element(name, "map", elem));
        }
        Ok(self
            .arena
            .field(elem, name)
            .filter(|f| value.is_empty() || self.arena.text(*f) == value))
    }

    pub(super) fn bad_element(
        &self,
        key: &str,
        expected: &'static str,
        elem: NodeId,
    ) -> MergeError {
        MergeError::BadListElement {
            path: self.path_string(),
            key: key.to_string(),
            expected,
            found: match self.arena.kind(elem) {
                Kind::Map => "map",
                Kind::Seq => "list",
                Kind::Scalar => "scalar",
            },
        }
    }

    /// `RNode.ElementList(keys, values)`: the first element of `list` whose
    /// `keys` have exactly these texts (an empty key: a primitive element whose
    /// own text is the value). Lookup errors make it `None`, as in kyaml.
    pub(super) fn find_element(
        &self,
        list: Option<NodeId>,
        keys: &[String],
        values: &[String],
    ) -> Option<NodeId> {
        let list = list?;
        if self.arena.kind(list) != Kind::Seq {
            return None;
        }
        let elements = self.arena.elements(list);
        let first_key = keys.first().map(String::as_str).unwrap_or("");
        let first_value = values.first().map(String::as_str).unwrap_or("");
        if first_key.is_empty() {
            return elements
                .iter()
                .copied()
                .find(|e| self.arena.text(*e) == first_value);
        }
        if keys.len() != values.len() {
            return None;
        }
        elements.iter().copied().find(|elem| {
            // Elements that are not maps are skipped; a null one matches nothing.
            self.arena.kind(*elem) == Kind::Map
                && keys.iter().zip(values).all(|(key, value)| {
                    // `MatchField` always compares the value, even an empty one.
                    self.arena
                        .field(*elem, key)
                        .is_some_and(|f| self.arena.text(f) == value.as_str())
                })
        })
    }

    /// `ElementSetter{Element, Keys, Values}` on `list`: replaces every element
    /// matching the keys/values with `element`, or removes them when `element` is
    /// `None`; appends `element` when nothing matched.
    pub(super) fn set_element(
        &mut self,
        list: NodeId,
        keys: &[String],
        values: &[String],
        element: Option<NodeId>,
    ) -> Result<(), MergeError> {
        let empty_key = [String::new()];
        let keys = if keys.is_empty() {
            &empty_key[..]
        } else {
            keys
        };
        let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
        let old = self.arena.elements(list).to_vec();
        let mut content = Vec::with_capacity(old.len() + 1);
        let mut matched = false;
        for elem in old {
            // Empty elements are never kept: they lack even a merge key.
            if self.arena.empty_map(Some(elem)) {
                continue;
            }
            if mapping_setter && self.arena.kind(elem) != Kind::Map {
                content.push(elem);
                continue;
            }
            let mut found = None;
            for (j, key) in keys.iter().enumerate() {
                // With fewer values than keys the last lookup's result stands.
                if let Some(value) = values.get(j) {
                    found = self.match_field(elem, key, value)?;
                }
                if found.is_none() {
                    break;
                }
            }
            if found.is_none() {
                if !values.is_empty() {
                    content.push(elem);
                }
                continue;
            }
            matched = true;
            if let Some(element) = element {
                content.push(element);
            }
        }
        let append = match element {
            Some(element) if !self.arena.is_null(element) && !matched => Some(element),
            _ => None,
        };
        content.extend(append);
        if let Node::Seq(items) = self.arena.node_mut(list) {
            *items = content;
        }
        Ok(())
    }

    /// The merge walker's `appendListNode(dst, src, keys)`: sets every element of
    /// `src` into `dst` by its key values.
    pub(super) fn append_list(
        &mut self,
        dst: NodeId,
        src: NodeId,
        keys: &[String],
    ) -> Result<(), MergeError> {
        let first_key = keys.first().map(String::as_str).unwrap_or("");
        for elem in self.arena.elements(src).to_vec() {
            if first_key.is_empty() {
                let value = [self.arena.text(elem).into_owned()];
                self.set_element(dst, &[String::new()], &value, Some(elem))?;
                continue;
            }
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                match self.match_field(elem, key, "")? {
                    Some(node) => values.push(self.arena.text(node).into_owned()),
                    // kyaml appends an element lacking a key and goes on with the
                    // next key, so the setter below runs with fewer values.
                    None => {
                        if let Node::Seq(items) = self.arena.node_mut(dst) {
                            items.push(elem);
                        }
                    }
                }
            }
            if keys.len() > 1 {
                self.set_element(dst, keys, &values, None)?;
            }
            self.set_element(dst, keys, &values, Some(elem))?;
        }
        Ok(())
    }
}
