//! `Set`: a tree of owned paths with the set algebra of SMD's `fieldpath.Set`.
//!
//! Semantics follow upstream exactly, including its asymmetries: `difference` only removes
//! members (a child subtree survives the removal of its parent as a member), while
//! `recursive_difference` drops whole subtrees.

use std::cmp::Ordering;

use super::PathElement;

/// A set of field paths (SMD `fieldpath.Set`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Set {
    /// Paths ending here, sorted and unique.
    members: Vec<PathElement>,
    /// Subtrees with deeper paths, sorted by element and unique.
    children: Vec<(PathElement, Set)>,
}

impl Set {
    pub(crate) fn new() -> Set {
        Set::default()
    }

    pub(crate) fn members(&self) -> &[PathElement] {
        &self.members
    }

    pub(crate) fn children(&self) -> &[(PathElement, Set)] {
        &self.children
    }

    /// True when no path at all is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.iter().all(|(_, s)| s.is_empty())
    }

    /// Adds `pe` as a member of this node.
    pub(crate) fn insert_member(&mut self, pe: PathElement) {
        if let Err(at) = self.members.binary_search(&pe) {
            self.members.insert(at, pe);
        }
    }

    /// The subtree under `pe`, created if missing (SMD `Descend`).
    pub(crate) fn child_mut(&mut self, pe: &PathElement) -> &mut Set {
        let at = match self.children.binary_search_by(|(p, _)| p.cmp(pe)) {
            Ok(at) => at,
            Err(at) => {
                self.children.insert(at, (pe.clone(), Set::new()));
                at
            }
        };
        &mut self.children[at].1
    }

    /// Inserts a full path. The empty path (the whole object) is never tracked.
    pub(crate) fn insert(&mut self, path: &[PathElement]) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = self;
        for pe in parents {
            node = node.child_mut(pe);
        }
        node.insert_member(last.clone());
    }

    pub(crate) fn has_member(&self, pe: &PathElement) -> bool {
        self.members.binary_search(pe).is_ok()
    }

    /// The subtree under `pe` (SMD `Children.Get` / `WithPrefix`).
    pub(crate) fn child(&self, pe: &PathElement) -> Option<&Set> {
        self.children
            .binary_search_by(|(p, _)| p.cmp(pe))
            .ok()
            .map(|at| &self.children[at].1)
    }

    /// True when `path` is a member.
    #[cfg(test)]
    pub(crate) fn has(&self, path: &[PathElement]) -> bool {
        let Some((last, parents)) = path.split_last() else {
            return false;
        };
        let mut node = self;
        for pe in parents {
            match node.child(pe) {
                Some(c) => node = c,
                None => return false,
            }
        }
        node.has_member(last)
    }

    pub(crate) fn union(&self, other: &Set) -> Set {
        Set {
            members: merge_sorted(&self.members, &other.members),
            children: join_children(&self.children, &other.children, |a, b| match (a, b) {
                (Some(a), Some(b)) => Some(a.union(b)),
                (Some(x), None) | (None, Some(x)) => Some(x.clone()),
                (None, None) => None,
            }),
        }
    }

    pub(crate) fn intersection(&self, other: &Set) -> Set {
        Set {
            members: self
                .members
                .iter()
                .filter(|m| other.has_member(m))
                .cloned()
                .collect(),
            children: join_children(&self.children, &other.children, |a, b| match (a, b) {
                (Some(a), Some(b)) => Some(a.intersection(b)).filter(|s| !s.is_empty()),
                _ => None,
            }),
        }
    }

    /// Members of `self` not members of `other`; subtrees reduced the same way.
    pub(crate) fn difference(&self, other: &Set) -> Set {
        Set {
            members: self
                .members
                .iter()
                .filter(|m| !other.has_member(m))
                .cloned()
                .collect(),
            children: join_children(&self.children, &other.children, |a, b| match (a, b) {
                (Some(a), Some(b)) => Some(a.difference(b)).filter(|s| !s.is_empty()),
                (Some(a), None) => Some(a.clone()),
                _ => None,
            }),
        }
    }

    /// Like `difference`, but a member of `other` also removes the whole subtree under it.
    pub(crate) fn recursive_difference(&self, other: &Set) -> Set {
        let mut children = Vec::new();
        for (pe, sub) in &self.children {
            if other.has_member(pe) {
                continue;
            }
            match other.child(pe) {
                Some(o) => {
                    let d = sub.recursive_difference(o);
                    if !d.is_empty() {
                        children.push((pe.clone(), d));
                    }
                }
                None => children.push((pe.clone(), sub.clone())),
            }
        }
        Set {
            members: self
                .members
                .iter()
                .filter(|m| !other.has_member(m))
                .cloned()
                .collect(),
            children,
        }
    }

    /// Calls `f` with every member path, preorder: a node's members, then its subtrees.
    pub(crate) fn iterate(&self, f: &mut dyn FnMut(&[PathElement])) {
        let mut prefix = Vec::new();
        self.iterate_prefix(&mut prefix, f);
    }

    fn iterate_prefix(&self, prefix: &mut Vec<PathElement>, f: &mut dyn FnMut(&[PathElement])) {
        for m in &self.members {
            prefix.push(m.clone());
            f(prefix);
            prefix.pop();
        }
        for (pe, sub) in &self.children {
            prefix.push(pe.clone());
            sub.iterate_prefix(prefix, f);
            prefix.pop();
        }
    }

    /// Builds a set from raw parts; used by the decoder and schema-aware helpers.
    pub(crate) fn from_parts(members: Vec<PathElement>, children: Vec<(PathElement, Set)>) -> Set {
        Set { members, children }
    }
}

fn merge_sorted(a: &[PathElement], b: &[PathElement]) -> Vec<PathElement> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => {
                out.push(a[i].clone());
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j].clone());
                j += 1;
            }
            Ordering::Equal => {
                out.push(a[i].clone());
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Merge-joins two sorted child lists, keeping the nodes for which `f` returns a set.
fn join_children(
    a: &[(PathElement, Set)],
    b: &[(PathElement, Set)],
    f: impl Fn(Option<&Set>, Option<&Set>) -> Option<Set>,
) -> Vec<(PathElement, Set)> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    loop {
        let (pe, l, r) = match (a.get(i), b.get(j)) {
            (None, None) => break,
            (Some((pa, sa)), None) => {
                i += 1;
                (pa, Some(sa), None)
            }
            (None, Some((pb, sb))) => {
                j += 1;
                (pb, None, Some(sb))
            }
            (Some((pa, sa)), Some((pb, sb))) => match pa.cmp(pb) {
                Ordering::Less => {
                    i += 1;
                    (pa, Some(sa), None)
                }
                Ordering::Greater => {
                    j += 1;
                    (pb, None, Some(sb))
                }
                Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (pa, Some(sa), Some(sb))
                }
            },
        };
        if let Some(s) = f(l, r) {
            out.push((pe.clone(), s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(parts: &[&str]) -> Vec<PathElement> {
        parts.iter().map(|s| PathElement::field(s)).collect()
    }

    fn set(paths: &[&[&str]]) -> Set {
        let mut s = Set::new();
        for path in paths {
            s.insert(&p(path));
        }
        s
    }

    #[test]
    fn union_intersection_difference() {
        let a = set(&[&["a"], &["b", "c"], &["b", "d"]]);
        let b = set(&[&["b", "c"], &["e"]]);
        assert_eq!(
            a.union(&b),
            set(&[&["a"], &["b", "c"], &["b", "d"], &["e"]])
        );
        assert_eq!(a.intersection(&b), set(&[&["b", "c"]]));
        assert_eq!(a.difference(&b), set(&[&["a"], &["b", "d"]]));
        assert!(a.has(&p(&["b", "d"])));
        assert!(!a.has(&p(&["b"])));
    }

    #[test]
    fn difference_keeps_children_of_removed_parent_but_recursive_drops_them() {
        let a = set(&[&["a"], &["a", "b"]]);
        let parent = set(&[&["a"]]);
        assert_eq!(a.difference(&parent), set(&[&["a", "b"]]));
        assert!(a.recursive_difference(&parent).is_empty());
    }

    #[test]
    fn iterates_members_before_children() {
        let a = set(&[&["b", "c"], &["a"], &["z"]]);
        let mut seen = Vec::new();
        a.iterate(&mut |path| seen.push(super::super::path_string(path)));
        assert_eq!(seen, vec![".a", ".z", ".b.c"]);
    }
}
