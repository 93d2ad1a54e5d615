//! The tamper-evident log's storage: appending a leaf in the caller's transaction (O(log n):
//! one update of the tail row, plus one block row and a few node rows every 16 leaves; nothing
//! earlier is rewritten), and rebuilding the stored tree.
//!
//! Appends serialise on the single `merkle_log` row (SQLite writers are serialised anyway; on
//! PostgreSQL the row lock is held until commit), so leaf order is commit order. A process-wide
//! copy of the tail saves reading it back: an append guesses from the copy and updates the row
//! only if its size and root are still the guessed ones; otherwise it locks, reads and retries.
//! On PostgreSQL an event's insert and that update are one statement (see `audit::insert`), so
//! the log adds no round trip to an event.

use std::sync::Mutex;

use epass_credential::merkle::{self, Frontier, Hash};
use sqlx::Row;

use super::{StoreError, StoreResult, Tx};

/// Leaves below this level are kept as blocks of 2^BLOCK_LEVEL leaf hashes, not as nodes.
pub const BLOCK_LEVEL: u32 = 4;
const BLOCK: u64 = 1 << BLOCK_LEVEL;

/// The tail of the log: enough to append and to give the root.
#[derive(Clone, Debug)]
pub struct Tail {
    pub frontier: Frontier,
    /// Leaf hashes of the unfinished block.
    pub block: Vec<Hash>,
}

impl Tail {
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }
}

/// The last tail this process wrote; only a guess, checked against the row on every append.
static CACHED: Mutex<Option<Tail>> = Mutex::new(None);

fn cached() -> Option<Tail> {
    CACHED.lock().ok().and_then(|c| c.clone())
}

fn remember(tail: &Tail) {
    if let Ok(mut c) = CACHED.lock() {
        *c = Some(tail.clone());
    }
}

fn to_hash(bytes: &[u8]) -> StoreResult<Hash> {
    bytes
        .try_into()
        .map_err(|_| corrupt("a stored hash is not 32 bytes"))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("merkle log: {what}")))
}

fn hashes(bytes: &[u8]) -> StoreResult<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(corrupt("a hash list is not whole hashes"));
    }
    bytes.chunks_exact(32).map(to_hash).collect()
}

/// Whether the transaction runs on PostgreSQL.
pub fn is_postgres(tx: &Tx) -> bool {
    !(**tx).backend_name().eq_ignore_ascii_case("sqlite")
}

/// Reads the tail, locking it until the transaction ends.
pub async fn lock_tail(tx: &mut Tx) -> StoreResult<Tail> {
    let sql = if is_postgres(tx) {
        "SELECT size, frontier, tail FROM merkle_log WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT size, frontier, tail FROM merkle_log WHERE id = 1"
    };
    let row = sqlx::query(sql).fetch_one(&mut **tx).await?;
    let size = u64::try_from(row.try_get::<i64, _>(0)?).map_err(|_| corrupt("negative size"))?;
    let frontier = Frontier::from_bytes(size, &row.try_get::<Vec<u8>, _>(1)?)
        .ok_or_else(|| corrupt("the frontier does not match the size"))?;
    let block = hashes(&row.try_get::<Vec<u8>, _>(2)?)?;
    Ok(Tail { frontier, block })
}

/// Appends the leaf of the row `id` of `table` (`audit_events` or `checks`), whose
/// `log_index` was written as the guess's size; corrects it if the guess was wrong. `leaf_at`
/// gives the row's leaf hash at a position. Returns the position.
pub async fn append(
    tx: &mut Tx,
    table: &'static str,
    id: i64,
    guess: Option<Tail>,
    leaf_at: impl Fn(u64) -> Hash,
) -> StoreResult<u64> {
    if let Some(old) = guess {
        let leaf = leaf_at(old.size());
        let new = advance(&old, leaf);
        let done = sqlx::query(
            "UPDATE merkle_log SET size = $1, root = $2, frontier = $3, tail = $4 \
             WHERE id = 1 AND size = $5 AND root = $6",
        )
        .bind(size_i64(new.size())?)
        .bind(new.root().to_vec())
        .bind(new.frontier.to_bytes())
        .bind(new.block.concat())
        .bind(size_i64(old.size())?)
        .bind(old.root().to_vec())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 1 {
            finish(tx, &old, &new, leaf).await?;
            return Ok(old.size());
        }
    }
    // The guess was stale (another process appended, or a transaction rolled back).
    let old = lock_tail(tx).await?;
    let index = old.size();
    let sql = format!("UPDATE {table} SET log_index = $1 WHERE id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(size_i64(index)?)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    append_locked(tx, &old, leaf_at(index)).await?;
    Ok(index)
}

/// Appends `leaf` after the tail `old`, read with [`lock_tail`] in this transaction.
pub async fn append_locked(tx: &mut Tx, old: &Tail, leaf: Hash) -> StoreResult<()> {
    let new = advance(old, leaf);
    sqlx::query(
        "UPDATE merkle_log SET size = $1, root = $2, frontier = $3, tail = $4 WHERE id = 1",
    )
    .bind(size_i64(new.size())?)
    .bind(new.root().to_vec())
    .bind(new.frontier.to_bytes())
    .bind(new.block.concat())
    .execute(&mut **tx)
    .await?;
    finish(tx, old, &new, leaf).await
}

/// Appends a batch of leaves after the tail `old`, read with [`lock_tail`] in this transaction
/// (their rows were written at positions `old.size()`, `old.size() + 1`, …): one tail update
/// for the whole batch, and the blocks and nodes it completes.
pub async fn append_many_locked(tx: &mut Tx, old: &Tail, leaves: &[Hash]) -> StoreResult<()> {
    let mut tail = old.clone();
    for leaf in leaves {
        let new = advance(&tail, *leaf);
        write_completed(tx, &tail, &new, *leaf).await?;
        tail = new;
    }
    sqlx::query(
        "UPDATE merkle_log SET size = $1, root = $2, frontier = $3, tail = $4 WHERE id = 1",
    )
    .bind(size_i64(tail.size())?)
    .bind(tail.root().to_vec())
    .bind(tail.frontier.to_bytes())
    .bind(tail.block.concat())
    .execute(&mut **tx)
    .await?;
    remember(&tail);
    Ok(())
}

/// After the tail row moved from `old` to `new`: the block and nodes completed, if any, and
/// this process's copy of the tail.
pub async fn finish(tx: &mut Tx, old: &Tail, new: &Tail, leaf: Hash) -> StoreResult<()> {
    write_completed(tx, old, new, leaf).await?;
    remember(new);
    Ok(())
}

/// New size, root, frontier, tail; old size, root.
pub type TailUpdate = (i64, Vec<u8>, Vec<u8>, Vec<u8>, i64, Vec<u8>);

/// The values of the conditional tail update from `old` to `new`, for a statement that folds
/// it into the row's own insert (PostgreSQL): new size, root, frontier, tail; old size, root.
pub fn update_values(old: &Tail, new: &Tail) -> StoreResult<TailUpdate> {
    Ok((
        size_i64(new.size())?,
        new.root().to_vec(),
        new.frontier.to_bytes(),
        new.block.concat(),
        size_i64(old.size())?,
        old.root().to_vec(),
    ))
}

fn size_i64(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| corrupt("size beyond i64"))
}

/// The tail after appending `leaf`.
pub fn advance(old: &Tail, leaf: Hash) -> Tail {
    let mut frontier = old.frontier.clone();
    frontier.push(leaf);
    let mut block = old.block.clone();
    block.push(leaf);
    if frontier.size().is_multiple_of(BLOCK) {
        block.clear();
    }
    Tail { frontier, block }
}

/// Writes the block and the nodes an append completed (every 16th append).
async fn write_completed(tx: &mut Tx, old: &Tail, new: &Tail, leaf: Hash) -> StoreResult<()> {
    if !new.size().is_multiple_of(BLOCK) {
        return Ok(());
    }
    let mut leaves = old.block.concat();
    leaves.extend_from_slice(&leaf);
    sqlx::query("INSERT INTO merkle_blocks (idx, leaves) VALUES ($1, $2)")
        .bind(size_i64(old.size() / BLOCK)?)
        .bind(leaves)
        .execute(&mut **tx)
        .await?;
    let mut frontier = old.frontier.clone();
    let nodes: Vec<(u32, u64, Hash)> = frontier
        .push(leaf)
        .into_iter()
        .filter(|(level, _, _)| *level >= BLOCK_LEVEL)
        .collect();
    let mut sql = String::from("INSERT INTO merkle_nodes (level, idx, hash) VALUES ");
    for i in 0..nodes.len() {
        let p = i * 3;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${}, ${})", p + 1, p + 2, p + 3));
    }
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (level, idx, hash) in nodes {
        query = query
            .bind(i64::from(level))
            .bind(size_i64(idx)?)
            .bind(hash.to_vec());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// This process's guess of the tail, for the next append: its size is the position to write
/// as the new row's `log_index`.
pub fn guess() -> Option<Tail> {
    cached()
}

/// The leaf data of an audit event: a JSON array of its position and its stored columns, in
/// this order. The row id is not part of it: the position is the event's identity in the log
/// (and leaves it free to be hashed before the row is written).
#[derive(Clone, Debug)]
pub struct EventLeaf<'a> {
    pub index: u64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub client_addr: Option<&'a str>,
}

impl EventLeaf<'_> {
    pub fn hash(&self) -> Hash {
        merkle::leaf_hash(&self.encode())
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::json!([
            "event",
            self.index,
            self.at,
            self.actor_user_id,
            self.actor_role,
            self.action,
            self.object_type,
            self.object_id,
            self.before,
            self.after,
            self.client_addr
        ])
        .to_string()
        .into_bytes()
    }
}

/// The leaf data of a recorded check: a JSON array of its position and its stored columns, in
/// this order (the row id is not part of it, as for events).
#[derive(Clone, Debug)]
pub struct CheckLeaf<'a> {
    pub index: u64,
    pub pass_id: Option<i64>,
    pub pass_number: Option<&'a str>,
    pub checkpoint_id: Option<i64>,
    pub officer_id: i64,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub checked_at: i64,
    pub outcome: &'a str,
    pub client_ref: Option<&'a str>,
    pub recorded_at: i64,
}

impl CheckLeaf<'_> {
    pub fn hash(&self) -> Hash {
        merkle::leaf_hash(&self.encode())
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::json!([
            "check",
            self.index,
            self.pass_id,
            self.pass_number,
            self.checkpoint_id,
            self.officer_id,
            self.longitude,
            self.latitude,
            self.checked_at,
            self.outcome,
            self.client_ref,
            self.recorded_at
        ])
        .to_string()
        .into_bytes()
    }
}

/// Rewrites the stored tree (blocks, nodes, tail) from leaf hashes: a repair after restoring
/// rows, and how tests play an intruder who rewrites the tree along with the rows.
pub async fn rebuild(tx: &mut Tx, leaves: &[Hash]) -> StoreResult<()> {
    sqlx::query("DELETE FROM merkle_blocks")
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM merkle_nodes")
        .execute(&mut **tx)
        .await?;
    let mut tail = Tail {
        frontier: Frontier::new(),
        block: Vec::new(),
    };
    for leaf in leaves {
        let new = advance(&tail, *leaf);
        write_completed(tx, &tail, &new, *leaf).await?;
        tail = new;
    }
    sqlx::query(
        "UPDATE merkle_log SET size = $1, root = $2, frontier = $3, tail = $4 WHERE id = 1",
    )
    .bind(size_i64(tail.size())?)
    .bind(tail.root().to_vec())
    .bind(tail.frontier.to_bytes())
    .bind(tail.block.concat())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
