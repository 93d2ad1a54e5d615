//! The tamper-evident log: signed tree heads (published on a timer and on demand) and proofs
//! of inclusion and consistency, for supervisors and system administrators of an authority.

use epass_credential::merkle::{self, Hash};
use epass_credential::{Algorithm, KeyPair, PublicKey};

use super::{ActionError, ActionResult, Caller};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::store::merkle_heads::{self, TreeHead};
use crate::store::{Db, StoreError, merkle_log, now_ms};

/// Binds the sealed log key to its purpose: it never opens as anything else.
const SEAL_LABEL: &[u8] = b"epass/keys/v1/log";

fn internal(what: &str, e: impl std::fmt::Display) -> ActionError {
    ActionError::Internal(format!("{what}: {e}"))
}

/// Only supervisors and system administrators of a whole authority (a root of the tree) read
/// the log, as they read the audit events.
pub fn require_supervisor(caller: &Caller) -> ActionResult<()> {
    caller.require_scope("audit:read")?;
    let at_root = caller
        .paths_for(&[Role::Supervisor, Role::SystemAdmin])
        .iter()
        .any(|p| p.matches('/').count() == 2);
    if at_root {
        Ok(())
    } else {
        Err(ActionError::Forbidden)
    }
}

/// The public keys that sign tree heads: `(kid, key)`.
pub async fn public_keys(db: &Db) -> ActionResult<Vec<(String, PublicKey)>> {
    merkle_heads::log_keys(db.pool())
        .await?
        .into_iter()
        .map(|(kid, _, public, _)| {
            let key = PublicKey::from_bytes(Algorithm::EdDsa, &public)
                .map_err(|e| internal("log public key", e))?;
            Ok((kid, key))
        })
        .collect()
}

/// Whether a head's signature verifies with one of `keys`.
pub fn signature_ok(head: &TreeHead, keys: &[(String, PublicKey)]) -> bool {
    let msg = TreeHead::signed_message(head.size, &head.root, head.at);
    keys.iter()
        .any(|(kid, key)| *kid == head.kid && key.verify(&msg, &head.signature))
}

/// Signs and stores a tree head of the log as it is now. With `only_if_grown`, does nothing
/// when the newest head already covers every leaf (the periodic task).
pub async fn publish(
    db: &Db,
    pii: &PiiKeys,
    only_if_grown: bool,
) -> ActionResult<Option<TreeHead>> {
    let mut tx = db.begin().await?;
    // Locking the tail: the head is of a size and root no append can slip between.
    let tail = merkle_log::lock_tail(&mut tx).await?;
    let latest = merkle_heads::latest_head(&mut *tx).await?;
    if only_if_grown && latest.as_ref().is_some_and(|h| h.size == tail.size()) {
        return Ok(None);
    }
    let key = match merkle_heads::log_keys(&mut *tx).await?.into_iter().next() {
        Some((kid, _, _, sealed)) => {
            let secret = pii
                .open_bytes(SEAL_LABEL, &sealed)
                .map_err(|e| internal("opening the log key", e))?;
            let pair = KeyPair::from_secret(Algorithm::EdDsa, &secret)
                .map_err(|e| internal("loading the log key", e))?;
            (kid, pair)
        }
        None => {
            let pair = KeyPair::generate(Algorithm::EdDsa)
                .map_err(|e| internal("log key generation", e))?;
            let sealed = pii
                .seal_bytes(SEAL_LABEL, &pair.secret_bytes())
                .map_err(|e| internal("sealing the log key", e))?;
            let kid = pair.kid().to_string();
            merkle_heads::insert_log_key(&mut tx, &kid, "EdDSA", pair.public().as_bytes(), &sealed)
                .await?;
            (kid, pair)
        }
    };
    let (size, root, at) = (tail.size(), tail.root(), now_ms());
    let signature = key
        .1
        .sign(&TreeHead::signed_message(size, &root, at))
        .map_err(|e| internal("signing a tree head", e))?;
    let id = merkle_heads::insert_head(&mut tx, size, &root, at, &key.0, &signature).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(TreeHead {
        id,
        size,
        root,
        at,
        kid: key.0,
        signature,
    }))
}

/// The log's newest signing key, opened: `(kid, key pair)`; `None` before the first tree head.
pub async fn signing_key(db: &Db, pii: &PiiKeys) -> ActionResult<Option<(String, KeyPair)>> {
    let Some((kid, _, _, sealed)) = merkle_heads::log_keys(db.pool()).await?.into_iter().next()
    else {
        return Ok(None);
    };
    let secret = pii
        .open_bytes(SEAL_LABEL, &sealed)
        .map_err(|e| internal("opening the log key", e))?;
    let pair = KeyPair::from_secret(Algorithm::EdDsa, &secret)
        .map_err(|e| internal("loading the log key", e))?;
    Ok(Some((kid, pair)))
}

/// An inclusion proof of leaf `index` in the tree of `size` leaves: `(leaf hash, proof, root)`.
pub async fn inclusion(db: &Db, index: u64, size: u64) -> ActionResult<(Hash, Vec<Hash>, Hash)> {
    let mut tx = db.begin().await?;
    let tail = merkle_log::lock_tail(&mut tx).await?;
    if index >= size || size > tail.size() {
        return Err(out_of_range());
    }
    let leaf = merkle_heads::range_hash(&mut tx, (index, index + 1), &tail.block).await?;
    let mut proof = Vec::new();
    for range in merkle::inclusion_ranges(index, size) {
        proof.push(merkle_heads::range_hash(&mut tx, range, &tail.block).await?);
    }
    let root = merkle_heads::range_hash(&mut tx, (0, size), &tail.block).await?;
    tx.rollback().await.map_err(StoreError::from)?;
    Ok((leaf, proof, root))
}

/// A consistency proof from the tree of `from` leaves to the tree of `to` leaves:
/// `(proof, root of from, root of to)`.
pub async fn consistency(db: &Db, from: u64, to: u64) -> ActionResult<(Vec<Hash>, Hash, Hash)> {
    let mut tx = db.begin().await?;
    let tail = merkle_log::lock_tail(&mut tx).await?;
    if from > to || to > tail.size() {
        return Err(out_of_range());
    }
    let mut proof = Vec::new();
    for range in merkle::consistency_ranges(from, to) {
        proof.push(merkle_heads::range_hash(&mut tx, range, &tail.block).await?);
    }
    let root_of = |n: u64| (0, n);
    let root1 = if from == 0 {
        merkle::empty_root()
    } else {
        merkle_heads::range_hash(&mut tx, root_of(from), &tail.block).await?
    };
    let root2 = if to == 0 {
        merkle::empty_root()
    } else {
        merkle_heads::range_hash(&mut tx, root_of(to), &tail.block).await?
    };
    tx.rollback().await.map_err(StoreError::from)?;
    Ok((proof, root1, root2))
}

fn out_of_range() -> ActionError {
    ActionError::invalid_msg(
        "size",
        "log.out_of_range",
        "所请求的位置或规模超出日志范围。",
        "The position or size asked for is outside the log.",
    )
}
