//! Merkle log hashing against the RFC 6962 reference tree of the transparency-dev/merkle
//! project (proof/verify_test.go): known roots of sizes 1..8, known inclusion and consistency
//! proofs, and the same corruptions they try (wrong index or size, bit flips, extra, missing or
//! reordered nodes), all refused.

use epass_credential::merkle::{
    self, Frontier, Hash, MemoryLog, ProofError, consistency_ranges, inclusion_ranges,
    verify_consistency, verify_inclusion,
};

fn h(hex: &str) -> Hash {
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b =
            u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or_else(|e| panic!("{hex}: {e}"));
    }
    out
}

/// The eight leaves of the RFC 6962 reference tree.
fn leaves() -> Vec<Vec<u8>> {
    vec![
        vec![],
        vec![0x00],
        vec![0x10],
        vec![0x20, 0x21],
        vec![0x30, 0x31],
        vec![0x40, 0x41, 0x42, 0x43],
        (0x50..=0x57).collect(),
        (0x60..=0x6f).collect(),
    ]
}

/// Roots of the first 1..=8 leaves.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn root(size: u64) -> Hash {
    h(ROOTS[size as usize - 1])
}

/// (leaf number counted from 1, tree size, proof).
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            3,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            2,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

fn reference_log() -> MemoryLog {
    let mut log = MemoryLog::new();
    for leaf in leaves() {
        log.push(merkle::leaf_hash(&leaf));
    }
    log
}

const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

#[test]
fn the_roots_of_the_reference_tree_match_the_published_ones_for_every_size() {
    let hashes: Vec<Hash> = leaves().iter().map(|l| merkle::leaf_hash(l)).collect();
    let mut frontier = Frontier::new();
    for size in 1..=8u64 {
        frontier.push(hashes[size as usize - 1]);
        assert_eq!(
            merkle::root_of(&hashes[..size as usize]),
            root(size),
            "{size}"
        );
        assert_eq!(frontier.root(), root(size), "frontier {size}");
        assert_eq!(reference_log().root_at(size), Some(root(size)));
    }
    assert_eq!(
        merkle::root_of(&[]),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
}

#[test]
fn the_published_inclusion_proofs_verify_and_are_the_ones_generated() {
    let log = reference_log();
    for (leaf, size, proof) in inclusion_vectors() {
        let index = leaf - 1;
        let hash = *log.leaf(index).unwrap();
        verify_inclusion(index, size, &hash, &proof, &root(size)).unwrap();
        assert_eq!(
            log.inclusion_proof(index, size).unwrap(),
            proof,
            "{leaf}/{size}"
        );
    }
}

#[test]
fn every_inclusion_proof_of_every_leaf_in_trees_up_to_70_verifies() {
    let mut log = MemoryLog::new();
    for i in 0..70u32 {
        log.push(merkle::leaf_hash(&i.to_be_bytes()));
    }
    for size in 1..=70 {
        let root = log.root_at(size).unwrap();
        for index in 0..size {
            let proof = log.inclusion_proof(index, size).unwrap();
            assert_eq!(proof.len(), inclusion_ranges(index, size).len());
            verify_inclusion(index, size, log.leaf(index).unwrap(), &proof, &root).unwrap();
        }
        for size1 in 0..=size {
            let proof = log.consistency_proof(size1, size).unwrap();
            let root1 = log.root_at(size1).unwrap();
            verify_consistency(size1, size, &root1, &root, &proof).unwrap();
        }
    }
}

#[test]
fn corrupted_inclusion_proofs_are_refused() {
    let log = reference_log();
    for (leaf, size, proof) in inclusion_vectors().into_iter().skip(1) {
        let index = leaf - 1;
        let leaf_hash = *log.leaf(index).unwrap();
        let root = root(size);
        let refuse = |i: u64, s: u64, l: &Hash, p: &[Hash], r: &Hash, what: &str| {
            assert!(
                verify_inclusion(i, s, l, p, r).is_err(),
                "{what} accepted for leaf {leaf} of {size}"
            );
        };
        refuse(
            index.wrapping_sub(1),
            size,
            &leaf_hash,
            &proof,
            &root,
            "index - 1",
        );
        refuse(index + 1, size, &leaf_hash, &proof, &root, "index + 1");
        refuse(index ^ 2, size, &leaf_hash, &proof, &root, "index ^ 2");
        refuse(index, size * 2, &leaf_hash, &proof, &root, "size * 2");
        refuse(index, size / 2, &leaf_hash, &proof, &root, "size / 2");
        refuse(
            index,
            size,
            &merkle::leaf_hash(b"WrongLeaf"),
            &proof,
            &root,
            "wrong leaf",
        );
        refuse(
            index,
            size,
            &leaf_hash,
            &proof,
            &merkle::empty_root(),
            "empty root",
        );
        refuse(
            index,
            size,
            &leaf_hash,
            &proof,
            &h(SOME_HASH),
            "random root",
        );
        let mut longer = proof.clone();
        longer.push([0u8; 32]);
        refuse(index, size, &leaf_hash, &longer, &root, "trailing garbage");
        let mut longer = proof.clone();
        longer.push(root);
        refuse(index, size, &leaf_hash, &longer, &root, "trailing root");
        let mut longer = vec![root];
        longer.extend(proof.iter().copied());
        refuse(index, size, &leaf_hash, &longer, &root, "preceding root");
        for i in 0..proof.len() {
            for bit in 0..8 {
                let mut flipped = proof.clone();
                flipped[i][bit * 4] ^= 1 << bit;
                refuse(index, size, &leaf_hash, &flipped, &root, "bit flip");
            }
        }
        if !proof.is_empty() {
            refuse(
                index,
                size,
                &leaf_hash,
                &proof[..proof.len() - 1],
                &root,
                "missing node",
            );
        }
        if proof.len() > 1 {
            let mut inserted = vec![proof[0], h(SOME_HASH)];
            inserted.extend(proof[1..].iter().copied());
            refuse(index, size, &leaf_hash, &inserted, &root, "inserted node");
            let mut swapped = proof.clone();
            swapped.swap(0, 1);
            refuse(index, size, &leaf_hash, &swapped, &root, "swapped nodes");
        }
    }
}

#[test]
fn inclusion_in_impossible_trees_is_refused() {
    let some = h(SOME_HASH);
    for (index, size) in [(0, 0), (1, 0), (2, 1), (1, 1)] {
        assert!(verify_inclusion(index, size, &some, &[], &merkle::empty_root()).is_err());
    }
    let data = merkle::leaf_hash(b"data");
    verify_inclusion(0, 1, &data, &[], &data).unwrap();
    assert_eq!(
        verify_inclusion(0, 1, &data, &[], &some),
        Err(ProofError::RootMismatch)
    );
}

#[test]
fn the_published_consistency_proofs_verify_and_are_the_ones_generated() {
    let log = reference_log();
    for (size1, size2, proof) in consistency_vectors() {
        verify_consistency(size1, size2, &root(size1), &root(size2), &proof).unwrap();
        assert_eq!(log.consistency_proof(size1, size2).unwrap(), proof);
        assert_eq!(consistency_ranges(size1, size2).len(), proof.len());
    }
}

#[test]
fn corrupted_consistency_proofs_are_refused() {
    for (size1, size2, proof) in consistency_vectors() {
        if proof.is_empty() {
            continue;
        }
        let (root1, root2) = (root(size1), root(size2));
        let refuse = |s1: u64, s2: u64, r1: &Hash, r2: &Hash, p: &[Hash], what: &str| {
            assert!(
                verify_consistency(s1, s2, r1, r2, p).is_err(),
                "{what} accepted for {size1} → {size2}"
            );
        };
        let wrong = merkle::leaf_hash(b"WrongRoot");
        refuse(size1 - 1, size2, &root1, &root2, &proof, "size1 - 1");
        refuse(size1 + 1, size2, &root1, &root2, &proof, "size1 + 1");
        refuse(size1 ^ 2, size2, &root1, &root2, &proof, "size1 ^ 2");
        refuse(size1, size2 * 2, &root1, &root2, &proof, "size2 * 2");
        refuse(size1, size2 / 2, &root1, &root2, &proof, "size2 / 2");
        refuse(size1, size2, &wrong, &root2, &proof, "wrong root1");
        refuse(size1, size2, &root1, &wrong, &proof, "wrong root2");
        refuse(size1, size2, &root2, &root1, &proof, "swapped roots");
        refuse(size1, size2, &root1, &root2, &[], "empty proof");
        for extra in [[0u8; 32], root1, root2] {
            let mut longer = proof.clone();
            longer.push(extra);
            refuse(size1, size2, &root1, &root2, &longer, "trailing node");
            let mut longer = vec![extra];
            longer.extend(proof.iter().copied());
            refuse(size1, size2, &root1, &root2, &longer, "preceding node");
        }
        let mut longer = vec![proof[0]];
        longer.extend(proof.iter().copied());
        refuse(size1, size2, &root1, &root2, &longer, "preceding proof[0]");
        refuse(
            size1,
            size2,
            &root1,
            &root2,
            &proof[..proof.len() - 1],
            "truncated",
        );
        for i in 0..proof.len() {
            for bit in 0..8 {
                let mut flipped = proof.clone();
                flipped[i][31 - bit] ^= 1 << bit;
                refuse(size1, size2, &root1, &root2, &flipped, "bit flip");
            }
        }
    }
}

#[test]
fn consistency_of_trivial_and_reversed_sizes_follows_the_rfc() {
    let (r1, r2) = (h(SOME_HASH), merkle::empty_root());
    assert!(verify_consistency(0, 0, &r1, &r1, &[]).is_ok());
    assert!(verify_consistency(0, 1, &r1, &r2, &[]).is_ok());
    assert!(verify_consistency(1, 1, &r2, &r2, &[]).is_ok());
    assert!(verify_consistency(0, 0, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(1, 1, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(1, 0, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(2, 1, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(1, 2, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(0, 1, &r2, &r2, &[r2]).is_err());
    assert!(verify_consistency(1, 1, &r2, &r2, &[r2]).is_err());
}

#[test]
fn a_frontier_survives_its_byte_form_and_reports_the_subtrees_it_completes() {
    let mut frontier = Frontier::new();
    let mut completed = Vec::new();
    for i in 0..8u8 {
        completed.extend(frontier.push(merkle::leaf_hash(&[i])));
    }
    // 8 leaves, 4 + 2 + 1 nodes above them.
    assert_eq!(completed.len(), 15);
    assert!(completed.contains(&(3, 0, frontier.root())));
    frontier.push(merkle::leaf_hash(b"x"));
    let back = Frontier::from_bytes(frontier.size(), &frontier.to_bytes()).unwrap();
    assert_eq!(back, frontier);
    assert!(Frontier::from_bytes(11, &frontier.to_bytes()).is_none());
    assert_eq!(merkle::perfect_subtrees(8, 13), vec![(2, 2), (0, 12)]);
    assert_eq!(merkle::perfect_subtrees(0, 6), vec![(2, 0), (1, 2)]);
}
