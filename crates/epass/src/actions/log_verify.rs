//! `epass audit verify`: recomputes every leaf from the events and checks tables, rebuilds the
//! tree, checks every published tree head (root and signature), and reports the first bad
//! position; and the witness side: exporting tree heads, and checking the log against heads
//! kept elsewhere with consistency proofs.

use std::collections::BTreeMap;

use epass_credential::merkle::{self, Hash, MemoryLog};
use epass_credential::{Algorithm, PublicKey};
use serde::{Deserialize, Serialize};

use super::{ActionError, ActionResult, log};
use crate::store::merkle_heads::{self, HeadJson, TreeHead, hex};
use crate::store::{Db, StoreError, merkle_log};

/// One thing wrong with the log; `position` is the leaf position when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub position: Option<u64>,
    pub message: String,
}

/// What a verification found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub size: u64,
    pub rows: usize,
    pub heads: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    /// The lowest position found bad, if any.
    pub fn first_bad_position(&self) -> Option<u64> {
        self.findings.iter().filter_map(|f| f.position).min()
    }

    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }

    fn add(&mut self, position: Option<u64>, message: String) {
        self.findings.push(Finding { position, message });
    }
}

/// The log as recomputed from its rows, and what verifying it found.
#[derive(Debug)]
pub struct Rebuilt {
    pub report: Report,
    pub log: MemoryLog,
}

/// Verifies the whole log.
pub async fn verify(db: &Db) -> ActionResult<Rebuilt> {
    let (rows, legacy_event, legacy_check) = merkle_heads::all_leaf_rows(db.pool()).await?;
    let mut tx = db.begin().await?;
    let tail = merkle_log::lock_tail(&mut tx).await?;
    let stored = merkle_heads::stored_leaf_hashes(&mut tx, &tail.block).await?;
    tx.rollback().await.map_err(StoreError::from)?;
    let heads = merkle_heads::heads(db.pool(), 0, i64::MAX).await?;
    let keys = log::public_keys(db).await?;
    let size = tail.size();
    let mut report = Report {
        size,
        rows: rows.len(),
        heads: heads.len(),
        ..Report::default()
    };
    let mut slots: BTreeMap<u64, Vec<(&str, i64, Hash)>> = BTreeMap::new();
    for row in &rows {
        let what = format!("{} {}", row.table, row.id);
        match row.log_index {
            None => {
                let legacy = if row.table == "event" {
                    legacy_event
                } else {
                    legacy_check
                };
                if row.id > legacy {
                    report.add(
                        None,
                        format!("{what} is not in the log (inserted afterwards?)"),
                    );
                }
            }
            Some(i) if i < 0 => report.add(None, format!("{what} has a bad log position {i}")),
            Some(i) => slots.entry(i.unsigned_abs()).or_default().push((
                row.table,
                row.id,
                merkle::leaf_hash(&row.data),
            )),
        }
    }
    let mut log = MemoryLog::new();
    let mut missing_from: Option<u64> = None;
    for position in 0..size {
        let leaf = match slots.get(&position).map(Vec::as_slice) {
            None | Some([]) => {
                missing_from.get_or_insert(position);
                [0u8; 32]
            }
            Some([(table, id, hash)]) => {
                if let Some(from) = missing_from.take() {
                    report.add(
                        Some(from),
                        format!("positions {from}..{position} are missing (deleted)"),
                    );
                }
                if stored.get(position as usize) != Some(hash) {
                    report.add(
                        Some(position),
                        format!("{table} {id} at position {position} is not the one logged (edited or moved)"),
                    );
                }
                *hash
            }
            Some(several) => {
                let list: Vec<String> = several
                    .iter()
                    .map(|(t, id, _)| format!("{t} {id}"))
                    .collect();
                report.add(
                    Some(position),
                    format!(
                        "position {position} is claimed by {} (one inserted)",
                        list.join(", ")
                    ),
                );
                several[0].2
            }
        };
        log.push(leaf);
    }
    if let Some(from) = missing_from {
        report.add(
            Some(from),
            format!("the log is truncated: rows end at position {from}, the log has {size}"),
        );
    }
    for (position, found) in slots.range(size..) {
        let (table, id, _) = found[0];
        report.add(
            Some(*position),
            format!(
                "{table} {id} claims position {position}, past the log's end {size} (inserted)"
            ),
        );
    }
    if stored.len() as u64 != size {
        report.add(
            None,
            format!("{} leaf hashes stored for {size} leaves", stored.len()),
        );
    }
    if log.root() != tail.root() && report.is_ok() {
        report.add(None, "the stored tail does not match the rows".into());
    }
    // A head that does not match points at the first bad leaf found below its size, if any;
    // otherwise (the stored tree was rewritten too) at the end of the last head that matched.
    let first_leaf_problem = report.first_bad_position();
    let mut good_up_to = 0u64;
    for head in &heads {
        if !log::signature_ok(head, &keys) {
            report.add(None, format!("tree head #{} has a bad signature", head.id));
        }
        match log.root_at(head.size) {
            None => report.add(
                Some(size.min(head.size)),
                format!(
                    "the log is truncated: tree head #{} covers {} leaves, the log has {size}",
                    head.id, head.size
                ),
            ),
            Some(root) if root != head.root => report.add(
                Some(
                    first_leaf_problem
                        .filter(|p| *p < head.size)
                        .unwrap_or(good_up_to),
                ),
                format!(
                    "tree head #{} (size {}) does not match the log: something at or after position {good_up_to} changed",
                    head.id, head.size
                ),
            ),
            Some(_) => good_up_to = good_up_to.max(head.size),
        }
    }
    report
        .findings
        .sort_by_key(|f| f.position.unwrap_or(u64::MAX));
    Ok(Rebuilt { report, log })
}

/// Tree heads as a witness keeps them, with the keys to check them.
#[derive(Debug, Serialize, Deserialize)]
pub struct WitnessFile {
    pub log: String,
    pub public_keys: Vec<WitnessKey>,
    pub heads: Vec<HeadJson>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct WitnessKey {
    pub kid: String,
    pub alg: String,
    /// Raw Ed25519 public key, hex.
    pub public_key: String,
}

/// Every tree head and the keys that signed them.
pub async fn export_heads(db: &Db) -> ActionResult<WitnessFile> {
    let heads = merkle_heads::heads(db.pool(), 0, i64::MAX).await?;
    let keys = log::public_keys(db).await?;
    Ok(WitnessFile {
        log: "epass".into(),
        public_keys: keys
            .iter()
            .map(|(kid, k)| WitnessKey {
                kid: kid.clone(),
                alg: "EdDSA".into(),
                public_key: hex(k.as_bytes()),
            })
            .collect(),
        heads: heads.iter().map(HeadJson::from).collect(),
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn head_of(h: &HeadJson) -> Option<TreeHead> {
    Some(TreeHead {
        id: h.id,
        size: h.size,
        root: unhex(&h.root)?.try_into().ok()?,
        at: h.at,
        kid: h.kid.clone(),
        signature: unhex(&h.signature)?,
    })
}

/// Checks the log against heads kept elsewhere: each must be signed by a key of the file, and
/// the log must extend it (a consistency proof from its size to the log's, verified against the
/// witness's root). Findings are added to `rebuilt.report`.
pub fn check_against(rebuilt: &mut Rebuilt, file: &WitnessFile) -> ActionResult<()> {
    let keys: Vec<(String, PublicKey)> = file
        .public_keys
        .iter()
        .filter_map(|k| {
            let bytes = unhex(&k.public_key)?;
            Some((
                k.kid.clone(),
                PublicKey::from_bytes(Algorithm::EdDsa, &bytes).ok()?,
            ))
        })
        .collect();
    let size = rebuilt.log.size();
    let root = rebuilt.log.root();
    for h in &file.heads {
        let Some(head) = head_of(h) else {
            return Err(ActionError::Internal(format!(
                "witness head #{} is malformed",
                h.id
            )));
        };
        if !log::signature_ok(&head, &keys) {
            rebuilt.report.add(
                None,
                format!("witness head #{} has a bad signature", head.id),
            );
            continue;
        }
        if head.size > size {
            rebuilt.report.add(
                Some(size),
                format!(
                    "the log was cut: the witness holds head #{} of {} leaves, the log has {size}",
                    head.id, head.size
                ),
            );
            continue;
        }
        let proof = rebuilt
            .log
            .consistency_proof(head.size, size)
            .ok_or_else(|| ActionError::Internal("consistency proof".into()))?;
        if merkle::verify_consistency(head.size, size, &head.root, &root, &proof).is_err() {
            rebuilt.report.add(
                None,
                format!(
                    "the log is not consistent with witness head #{} (size {}): it was forked or rewritten",
                    head.id, head.size
                ),
            );
        }
    }
    rebuilt
        .report
        .findings
        .sort_by_key(|f| f.position.unwrap_or(u64::MAX));
    Ok(())
}
