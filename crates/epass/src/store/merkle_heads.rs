//! The tamper-evident log, read side: signed tree heads (append-only), the log's signing key,
//! subtree hashes for proofs, and every leaf row for a full verification.

use epass_credential::merkle::{self, Hash};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::merkle_log::{BLOCK_LEVEL, CheckLeaf, EventLeaf};
use super::{StoreError, StoreResult, Tx};

/// A signed tree head as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeHead {
    pub id: i64,
    pub size: u64,
    pub root: Hash,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub kid: String,
    pub signature: Vec<u8>,
}

impl TreeHead {
    /// The bytes the signature covers.
    pub fn signed_message(size: u64, root: &Hash, at: i64) -> Vec<u8> {
        merkle::tree_head_message(size, root, at)
    }
}

pub use epass_credential::merkle::hex;

fn corrupt(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("merkle log: {what}")))
}

fn to_hash(bytes: &[u8]) -> StoreResult<Hash> {
    bytes
        .try_into()
        .map_err(|_| corrupt("a stored hash is not 32 bytes"))
}

fn u(n: i64) -> StoreResult<u64> {
    u64::try_from(n).map_err(|_| corrupt("a negative size or index"))
}

fn i(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| corrupt("a size beyond i64"))
}

fn head_from_row(row: &AnyRow) -> StoreResult<TreeHead> {
    Ok(TreeHead {
        id: row.try_get(0)?,
        size: u(row.try_get(1)?)?,
        root: to_hash(&row.try_get::<Vec<u8>, _>(2)?)?,
        at: row.try_get(3)?,
        kid: row.try_get(4)?,
        signature: row.try_get(5)?,
    })
}

const HEAD_COLUMNS: &str = "id, size, root, at, kid, signature";

pub async fn insert_head(
    tx: &mut Tx,
    size: u64,
    root: &Hash,
    at: i64,
    kid: &str,
    signature: &[u8],
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO merkle_tree_heads (size, root, at, kid, signature) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(i(size)?)
    .bind(root.to_vec())
    .bind(at)
    .bind(kid)
    .bind(signature.to_vec())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

pub async fn latest_head<'e, E>(executor: E) -> StoreResult<Option<TreeHead>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {HEAD_COLUMNS} FROM merkle_tree_heads ORDER BY id DESC LIMIT 1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(head_from_row)
        .transpose()
}

/// Tree heads after `after_id`, oldest first.
pub async fn heads(pool: &sqlx::AnyPool, after_id: i64, limit: i64) -> StoreResult<Vec<TreeHead>> {
    let sql =
        format!("SELECT {HEAD_COLUMNS} FROM merkle_tree_heads WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(head_from_row).collect()
}

/// The log's signing key: `(kid, alg, public key, sealed secret)`.
pub type LogKey = (String, String, Vec<u8>, Vec<u8>);

pub async fn log_keys<'e, E>(executor: E) -> StoreResult<Vec<LogKey>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT kid, alg, public_key, secret_sealed FROM merkle_log_keys ORDER BY id DESC",
    )
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
}

pub async fn insert_log_key(
    tx: &mut Tx,
    kid: &str,
    alg: &str,
    public_key: &[u8],
    sealed: &[u8],
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO merkle_log_keys (kid, alg, public_key, secret_sealed, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(kid)
    .bind(alg)
    .bind(public_key.to_vec())
    .bind(sealed.to_vec())
    .bind(super::now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The hash of a complete subtree `(level, index)` from the stored nodes and blocks (or the
/// unfinished block of the tail, passed in by the caller).
async fn perfect(tx: &mut Tx, level: u32, index: u64, tail: &[Hash]) -> StoreResult<Hash> {
    if level >= BLOCK_LEVEL {
        let row = sqlx::query("SELECT hash FROM merkle_nodes WHERE level = $1 AND idx = $2")
            .bind(i64::from(level))
            .bind(i(index)?)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        return to_hash(&row.try_get::<Vec<u8>, _>(0)?);
    }
    let first = index << level;
    let block = first >> BLOCK_LEVEL;
    let row = sqlx::query("SELECT leaves FROM merkle_blocks WHERE idx = $1")
        .bind(i(block)?)
        .fetch_optional(&mut **tx)
        .await?;
    let leaves: Vec<Hash> = match row {
        Some(row) => row
            .try_get::<Vec<u8>, _>(0)?
            .chunks_exact(32)
            .map(to_hash)
            .collect::<StoreResult<_>>()?,
        None => tail.to_vec(),
    };
    let from = usize::try_from(first - (block << BLOCK_LEVEL)).map_err(|_| corrupt("index"))?;
    let slice = leaves
        .get(from..from + (1usize << level))
        .ok_or(StoreError::NotFound)?;
    Ok(merkle::root_of(slice))
}

/// The hash of a range of leaves a proof asks for (inside the log's current size).
pub async fn range_hash(
    tx: &mut Tx,
    (start, end): merkle::Range,
    tail: &[Hash],
) -> StoreResult<Hash> {
    let mut parts = Vec::new();
    for (level, index) in merkle::perfect_subtrees(start, end) {
        parts.push(perfect(tx, level, index, tail).await?);
    }
    Ok(merkle::fold_subtrees(&parts))
}

/// Where a stored row sits in the log, as read back for verification.
#[derive(Clone, Debug)]
pub struct LeafRow {
    /// `event` or `check`.
    pub table: &'static str,
    pub id: i64,
    pub log_index: Option<i64>,
    pub data: Vec<u8>,
}

/// Every event and check row with its leaf data, and the ids up to which rows predate the log.
pub async fn all_leaf_rows(pool: &sqlx::AnyPool) -> StoreResult<(Vec<LeafRow>, i64, i64)> {
    let bounds =
        sqlx::query("SELECT legacy_event_id, legacy_check_id FROM merkle_log WHERE id = 1")
            .fetch_one(pool)
            .await?;
    let mut out = Vec::new();
    let events = sqlx::query(
        "SELECT id, at, actor_user_id, actor_role, action, object_type, object_id, \
         before_summary, after_summary, client_addr, log_index FROM audit_events",
    )
    .fetch_all(pool)
    .await?;
    for r in &events {
        let (role, action, otype, oid): (Option<String>, String, String, String) =
            (r.try_get(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?);
        let (before, after, addr): (Option<String>, Option<String>, Option<String>) =
            (r.try_get(7)?, r.try_get(8)?, r.try_get(9)?);
        let log_index: Option<i64> = r.try_get(10)?;
        let leaf = EventLeaf {
            index: log_index.map_or(u64::MAX, |i| u64::try_from(i).unwrap_or(u64::MAX)),
            at: r.try_get(1)?,
            actor_user_id: r.try_get(2)?,
            actor_role: role.as_deref(),
            action: &action,
            object_type: &otype,
            object_id: &oid,
            before: before.as_deref(),
            after: after.as_deref(),
            client_addr: addr.as_deref(),
        };
        out.push(LeafRow {
            table: "event",
            id: r.try_get(0)?,
            log_index,
            data: leaf.encode(),
        });
    }
    let checks = sqlx::query(
        "SELECT id, pass_id, pass_number, checkpoint_id, officer_id, longitude, latitude, \
         checked_at, outcome, client_ref, recorded_at, log_index FROM checks",
    )
    .fetch_all(pool)
    .await?;
    for r in &checks {
        let (number, outcome, client_ref): (Option<String>, String, Option<String>) =
            (r.try_get(2)?, r.try_get(8)?, r.try_get(9)?);
        let log_index: Option<i64> = r.try_get(11)?;
        let leaf = CheckLeaf {
            index: log_index.map_or(u64::MAX, |i| u64::try_from(i).unwrap_or(u64::MAX)),
            pass_id: r.try_get(1)?,
            pass_number: number.as_deref(),
            checkpoint_id: r.try_get(3)?,
            officer_id: r.try_get(4)?,
            longitude: r.try_get(5)?,
            latitude: r.try_get(6)?,
            checked_at: r.try_get(7)?,
            outcome: &outcome,
            client_ref: client_ref.as_deref(),
            recorded_at: r.try_get(10)?,
        };
        out.push(LeafRow {
            table: "check",
            id: r.try_get(0)?,
            log_index,
            data: leaf.encode(),
        });
    }
    Ok((out, bounds.try_get(0)?, bounds.try_get(1)?))
}

/// Every stored leaf hash (from the blocks and the tail), in order.
pub async fn stored_leaf_hashes(tx: &mut Tx, tail: &[Hash]) -> StoreResult<Vec<Hash>> {
    let rows = sqlx::query("SELECT leaves FROM merkle_blocks ORDER BY idx")
        .fetch_all(&mut **tx)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        for c in r.try_get::<Vec<u8>, _>(0)?.chunks_exact(32) {
            out.push(to_hash(c)?);
        }
    }
    out.extend_from_slice(tail);
    Ok(out)
}

/// A tree head for the API and for witnesses.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct HeadJson {
    pub id: i64,
    pub size: u64,
    /// Hex.
    pub root: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub kid: String,
    /// Ed25519 signature over `epass-log/v1\n{size}\n{root hex}\n{at}\n`, hex.
    pub signature: String,
}

impl From<&TreeHead> for HeadJson {
    fn from(h: &TreeHead) -> Self {
        HeadJson {
            id: h.id,
            size: h.size,
            root: hex(&h.root),
            at: h.at,
            kid: h.kid.clone(),
            signature: hex(&h.signature),
        }
    }
}
