//! Merkle tree hashing of an append-only log, as Certificate Transparency does it (RFC 6962,
//! RFC 9162 §2.1): leaf and node hashes, the root of `n` leaves, inclusion and consistency proofs
//! (verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2), proof generation from any source
//! of subtree hashes, and the compact "frontier" that lets a log append in O(log n).
//!
//! No I/O: where the subtree hashes live (a database, memory) is the caller's business.

use sha2::{Digest, Sha256};

mod leaf;
mod memory;
pub mod trail;
pub use leaf::{
    CHECK_FIELDS, CheckLeaf, EVENT_FIELDS, EventLeaf, decode_leaf, hex, tree_head_message, unhex,
};
pub use memory::MemoryLog;

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of a leaf: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (`n` ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The Merkle tree hash (MTH) of a list of leaf hashes.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            // `split` of a length that fits in memory fits in usize.
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// Why a proof was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    IndexBeyondSize { index: u64, size: u64 },
    /// The second tree is smaller than the first.
    SizesReversed { first: u64, second: u64 },
    /// The proof has the wrong number of hashes for these sizes.
    WrongLength { expected: usize, got: usize },
    /// The hashes do not lead to the expected root(s).
    RootMismatch,
}

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProofError::IndexBeyondSize { index, size } => {
                write!(f, "leaf index {index} is not below the tree size {size}")
            }
            ProofError::SizesReversed { first, second } => {
                write!(f, "tree size {second} is smaller than {first}")
            }
            ProofError::WrongLength { expected, got } => {
                write!(f, "the proof has {got} hashes, {expected} expected")
            }
            ProofError::RootMismatch => f.write_str("the proof does not lead to the root"),
        }
    }
}

impl std::error::Error for ProofError {}

/// How many hashes an inclusion proof of `index` in a tree of `size` has.
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    inclusion_ranges(index, size).len()
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1–5).
pub fn root_from_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            got: proof.len(),
        });
    }
    let (mut fnode, mut snode, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if snode == 0 {
            return Err(ProofError::RootMismatch);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::RootMismatch);
    }
    Ok(r)
}

/// Verifies that `leaf` is at `index` in the tree of `size` with `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if root_from_inclusion(index, size, leaf, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Verifies that the tree of `size2` with `root2` extends the tree of `size1` with `root1`
/// (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizesReversed {
            first: size1,
            second: size2,
        });
    }
    let expected = consistency_ranges(size1, size2).len();
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            got: proof.len(),
        });
    }
    if size1 == size2 {
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if size1 == 0 {
        // The empty tree is a prefix of every tree.
        return Ok(());
    }
    // Step 2: a first tree that is a complete subtree is the proof's implicit first hash.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(root1);
    }
    path.extend(proof.iter());
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*path[0], *path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::RootMismatch);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if fr == *root1 && sr == *root2 && snode == 0 {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// A range of leaves `[start, end)`.
pub type Range = (u64, u64);

/// The subtrees whose hashes make the inclusion proof of `index` in a tree of `size`, in proof
/// order (RFC 6962 §2.1.1 PATH). Empty when `index` is not below `size`.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<Range> {
    let mut out = Vec::new();
    if index < size {
        path(index, 0, size, &mut out);
    }
    out
}

fn path(m: u64, start: u64, end: u64, out: &mut Vec<Range>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, start, start + k, out);
        out.push((start + k, end));
    } else {
        path(m - k, start + k, end, out);
        out.push((start, start + k));
    }
}

/// The subtrees whose hashes make the consistency proof from `size1` to `size2`, in proof order
/// (RFC 6962 §2.1.2 PROOF). Empty when `size1` is 0, equal to or above `size2`.
pub fn consistency_ranges(size1: u64, size2: u64) -> Vec<Range> {
    let mut out = Vec::new();
    if size1 > 0 && size1 < size2 {
        subproof(size1, 0, size2, true, &mut out);
    }
    out
}

fn subproof(m: u64, start: u64, end: u64, complete: bool, out: &mut Vec<Range>) {
    let n = end - start;
    if m == n {
        if !complete {
            out.push((start, end));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, start, start + k, complete, out);
        out.push((start + k, end));
    } else {
        subproof(m - k, start + k, end, false, out);
        out.push((start, start + k));
    }
}

/// The complete (perfect) subtrees that make up `[start, end)`, left to right, as
/// `(level, index)`: the subtree covers leaves `[index·2^level, (index+1)·2^level)`. Every
/// range a proof asks for starts at a multiple of its first subtree's width, so this is how a
/// store that keeps complete subtrees answers it.
pub fn perfect_subtrees(start: u64, end: u64) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        // The widest aligned subtree starting at `at` that fits before `end`.
        let mut level = if at == 0 { 63 } else { at.trailing_zeros() };
        while level > 0 && (1u64 << level) > end - at {
            level -= 1;
        }
        out.push((level, at >> level));
        at += 1 << level;
    }
    out
}

/// The hash of `[start, end)` from the hashes of its complete subtrees (left to right).
pub fn fold_subtrees(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let Some(last) = iter.next() else {
        return empty_root();
    };
    iter.fold(*last, |acc, left| node_hash(left, &acc))
}

/// Builds a proof from the ranges it needs and a source of range hashes.
pub fn build_proof<E>(
    ranges: &[Range],
    mut hash_of: impl FnMut(Range) -> Result<Hash, E>,
) -> Result<Vec<Hash>, E> {
    ranges.iter().map(|r| hash_of(*r)).collect()
}

/// The right edge of a log: the roots of the complete subtrees that make up its leaves (one
/// per set bit of the size, widest first). Enough to append and to compute the root in
/// O(log n) without looking at earlier data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Complete subtree roots, widest (leftmost) first.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A frontier from its parts; `None` when the number of hashes does not match the size.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Option<Self> {
        (hashes.len() == size.count_ones() as usize).then_some(Self { size, hashes })
    }

    /// A frontier from its byte form (`hashes` concatenated).
    pub fn from_bytes(size: u64, bytes: &[u8]) -> Option<Self> {
        if !bytes.len().is_multiple_of(32) {
            return None;
        }
        let hashes = bytes
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                h
            })
            .collect();
        Self::from_parts(size, hashes)
    }

    /// The hashes concatenated, for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.hashes.concat()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends a leaf hash; returns the complete subtrees this append finished, as
    /// `(level, index, hash)` from level 0 up (the leaf itself first).
    pub fn push(&mut self, leaf: Hash) -> Vec<(u32, u64, Hash)> {
        let index = self.size;
        let mut done = vec![(0, index, leaf)];
        let mut h = leaf;
        let mut level = 0u32;
        // Each trailing 1 bit of the old size is a subtree of the same width to merge with.
        while (index >> level) & 1 == 1 {
            // The count of hashes equals the count of set bits, and this bit is set.
            let left = self.hashes.pop().unwrap_or_default();
            h = node_hash(&left, &h);
            level += 1;
            done.push((level, index >> level, h));
        }
        self.hashes.push(h);
        self.size += 1;
        done
    }

    /// The root of the log so far.
    pub fn root(&self) -> Hash {
        fold_subtrees(&self.hashes)
    }
}
