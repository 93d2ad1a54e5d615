//! A trail as a signed bundle an auditor checks offline (`epass audit check-trail`): each line
//! with its exact leaf data and an inclusion proof against one signed tree head (the latest, or
//! a new one when the lines are newer), the head, the log's public keys, and the log key's
//! signatures over every line and the bundle. The format and its verification are pure and live
//! in `epass_credential::merkle::trail`.

use epass_credential::merkle::trail::{
    self, BundleHead, BundleKey, FORMAT, TrailBundle, bundle_message, entry_digest, entry_message,
};
use epass_credential::merkle::{self, Hash, hex};

use super::trails::TrailItem;
use super::{ActionError, ActionResult, log};
use crate::pii::PiiKeys;
use crate::store::merkle_heads::{self, TreeHead};
use crate::store::trails::{self, TrailRow};
use crate::store::{Db, StoreError, now_ms};

fn internal(what: &str, e: impl std::fmt::Display) -> ActionError {
    ActionError::Internal(format!("{what}: {e}"))
}

/// The bundle of `rows` (those in the log; rows older than the log cannot be proved and are
/// left out) for `subject`, e.g. `pass 150621000001`.
pub async fn bundle(
    db: &Db,
    pii: &PiiKeys,
    subject: &str,
    rows: &[TrailRow],
) -> ActionResult<TrailBundle> {
    let logged: Vec<(&TrailRow, u64)> = rows
        .iter()
        .filter_map(|r| Some((r, u64::try_from(r.log_index?).ok()?)))
        .collect();
    let newest = logged.iter().map(|(_, i)| *i).max();
    let head = match merkle_heads::latest_head(db.pool()).await? {
        Some(h) if newest.is_none_or(|n| n < h.size) => h,
        _ => log::publish(db, pii, false)
            .await?
            .ok_or_else(|| ActionError::Internal("no tree head".into()))?,
    };
    let (kid, key) = log::signing_key(db, pii)
        .await?
        .ok_or_else(|| ActionError::Internal("no log key".into()))?;
    let keys = log::public_keys(db).await?;
    let bundle_head = BundleHead {
        id: head.id,
        size: head.size,
        root: hex(&head.root),
        at: head.at,
        kid: head.kid.clone(),
        signature: hex(&head.signature),
    };
    let generated_at = now_ms();
    let proofs = proofs(db, &head, logged.iter().map(|(_, i)| *i)).await?;
    let mut entries = Vec::with_capacity(logged.len());
    for (position, ((row, index), proof)) in logged.iter().zip(proofs).enumerate() {
        let leaf = row
            .leaf()
            .ok_or_else(|| ActionError::Internal("a logged row without a leaf".into()))?;
        let mut entry = match serde_json::to_value(TrailItem::from(*row)) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(ActionError::Internal(
                    "a trail line is not an object".into(),
                ));
            }
        };
        entry.insert("log_index".into(), (*index).into());
        entry.insert(
            "leaf".into(),
            String::from_utf8(leaf)
                .map_err(|e| internal("leaf data", e))?
                .into(),
        );
        entry.insert(
            "proof".into(),
            proof.iter().map(|h| hex(h)).collect::<Vec<_>>().into(),
        );
        let msg = entry_message(
            subject,
            generated_at,
            head.size,
            position,
            &entry_digest(&entry),
        );
        let signature = key.sign(&msg).map_err(|e| internal("signing", e))?;
        entry.insert("signature".into(), hex(&signature).into());
        entries.push(serde_json::Value::Object(entry));
    }
    let msg = bundle_message(subject, generated_at, &bundle_head, entries.len());
    let signature = key.sign(&msg).map_err(|e| internal("signing", e))?;
    Ok(TrailBundle {
        format: FORMAT.to_owned(),
        subject: subject.to_owned(),
        generated_at,
        tree_head: bundle_head,
        log_keys: keys
            .iter()
            .map(|(kid, k)| BundleKey {
                kid: kid.clone(),
                alg: "EdDSA".into(),
                public_key: hex(k.as_bytes()),
            })
            .collect(),
        entries,
        kid,
        signature: hex(&signature),
    })
}

/// Inclusion proofs of `indexes` in the tree of `head`, in one read-only transaction that does
/// not hold the log's tail (appends go on meanwhile).
async fn proofs(
    db: &Db,
    head: &TreeHead,
    indexes: impl Iterator<Item = u64>,
) -> ActionResult<Vec<Vec<Hash>>> {
    let mut tx = db.begin().await?;
    let block = trails::unfinished_block(&mut tx).await?;
    let mut out = Vec::new();
    for index in indexes {
        let mut proof = Vec::new();
        for range in merkle::inclusion_ranges(index, head.size) {
            proof.push(merkle_heads::range_hash(&mut tx, range, &block).await?);
        }
        out.push(proof);
    }
    tx.rollback().await.map_err(StoreError::from)?;
    Ok(out)
}

/// Checks a bundle offline: with the auditor's own log key(s) if given (raw Ed25519, hex),
/// else with the keys the bundle carries. Returns the number of entries verified.
pub fn check(bundle: &TrailBundle, log_keys: &[String]) -> Result<usize, trail::TrailError> {
    let keys = if log_keys.is_empty() {
        trail::bundle_keys(bundle)?
    } else {
        log_keys
            .iter()
            .map(|k| {
                merkle::unhex(k.trim())
                    .and_then(|b| {
                        epass_credential::PublicKey::from_bytes(
                            epass_credential::Algorithm::EdDsa,
                            &b,
                        )
                        .ok()
                    })
                    .map(|key| (None, key))
                    .ok_or_else(|| {
                        trail::TrailError::Bundle(format!("{k} is not an Ed25519 public key (hex)"))
                    })
            })
            .collect::<Result<_, _>>()?
    };
    trail::verify_bundle(bundle, &keys)
}
