//! A fast hasher for the engine's small string-keyed maps.
//!
//! Field maps of nodes and schemas are hashed on every lookup of a merge;
//! std's SipHash dominated profiles. This is the well-known Fx hash (as in
//! rustc): a multiply-rotate per word. Keys are field names of Kubernetes
//! objects; a hostile document could make them collide, which costs time but
//! not correctness.

use std::hash::{BuildHasherDefault, Hasher};

/// Fx hashing state.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `BuildHasher` for maps using [`FxHasher`].
pub(super) type FxBuild = BuildHasherDefault<FxHasher>;

/// An insertion-ordered map with Fx hashing.
pub(super) type FxIndexMap<K, V> = indexmap::IndexMap<K, V, FxBuild>;

/// A hash map with Fx hashing.
pub(super) type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keys_hash_apart_and_maps_work() {
        let hash = |s: &str| {
            let mut h = FxHasher::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_ne!(hash("name"), hash("image"));
        assert_ne!(hash("containerPort"), hash("containerPorT"));
        let mut map: FxHashMap<String, u32> = FxHashMap::default();
        map.insert("a".into(), 1);
        map.insert("b".into(), 2);
        assert_eq!(map.get("a"), Some(&1));
        assert_eq!(map.get("c"), None);
    }
}
