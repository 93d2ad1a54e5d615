//! A whole Merkle log in memory, for proofs without a database.

use super::{
    Frontier, Hash, Range, build_proof, consistency_ranges, empty_root, fold_subtrees,
    inclusion_ranges, perfect_subtrees, root_of,
};

/// A whole log in memory: every leaf hash and the complete subtrees above `LOW_LEVELS`, for
/// proofs in O(log n) without a database (tests, benchmarks, an auditor's offline copy).
#[derive(Clone, Debug, Default)]
pub struct MemoryLog {
    leaves: Vec<Hash>,
    /// `upper[l]` holds the complete subtrees of level `l + LOW_LEVELS`.
    upper: Vec<Vec<Hash>>,
    frontier: Frontier,
}

/// Subtrees below this level are recomputed from the leaves (at most 2^LOW_LEVELS of them).
const LOW_LEVELS: u32 = 4;

impl MemoryLog {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    pub fn leaf(&self, index: u64) -> Option<&Hash> {
        self.leaves.get(usize::try_from(index).ok()?)
    }

    pub fn push(&mut self, leaf: Hash) {
        self.leaves.push(leaf);
        for (level, _, h) in self.frontier.push(leaf) {
            if level >= LOW_LEVELS {
                let l = (level - LOW_LEVELS) as usize;
                if self.upper.len() <= l {
                    self.upper.resize(l + 1, Vec::new());
                }
                self.upper[l].push(h);
            }
        }
    }

    /// The hash of a complete subtree; `None` when it is not complete yet.
    pub fn perfect(&self, level: u32, index: u64) -> Option<Hash> {
        if level >= LOW_LEVELS {
            let l = (level - LOW_LEVELS) as usize;
            return self
                .upper
                .get(l)?
                .get(usize::try_from(index).ok()?)
                .copied();
        }
        let start = usize::try_from(index << level).ok()?;
        let leaves = self.leaves.get(start..start + (1usize << level))?;
        Some(root_of(leaves))
    }

    /// The hash of any range a proof asks for.
    pub fn range_hash(&self, (start, end): Range) -> Option<Hash> {
        let parts = perfect_subtrees(start, end)
            .into_iter()
            .map(|(l, i)| self.perfect(l, i))
            .collect::<Option<Vec<_>>>()?;
        Some(fold_subtrees(&parts))
    }

    /// The root of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        if size > self.size() {
            return None;
        }
        if size == 0 {
            return Some(empty_root());
        }
        self.range_hash((0, size))
    }

    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size() {
            return None;
        }
        build_proof(&inclusion_ranges(index, size), |r| {
            self.range_hash(r).ok_or(())
        })
        .ok()
    }

    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Option<Vec<Hash>> {
        if size1 > size2 || size2 > self.size() {
            return None;
        }
        build_proof(&consistency_ranges(size1, size2), |r| {
            self.range_hash(r).ok_or(())
        })
        .ok()
    }
}
