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

use epass_credential::merkle::{Frontier, Hash};
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

/// What a transaction owes the log once it has appended: the tail as its row holds it, and the
/// leaves appended since (their rows are written, at the positions that follow `written`).
/// The transaction holds the tail's lock (SQLite's write lock, or PostgreSQL's row lock), so
/// nobody else appends meanwhile; [`flush`] writes the rest of the tree at commit.
#[derive(Clone, Debug)]
pub struct Pending {
    written: Tail,
    current: Tail,
    leaves: Vec<Hash>,
}

impl Pending {
    fn at(tail: Tail) -> Self {
        Pending {
            written: tail.clone(),
            current: tail,
            leaves: Vec::new(),
        }
    }

    /// Leaves appended but not yet in the stored tree.
    pub fn owed(&self) -> usize {
        self.leaves.len()
    }
}

/// The position of the next leaf when this transaction already holds the tail.
pub fn pending_index(tx: &mut Tx) -> Option<u64> {
    tx.log_mut().as_ref().map(|p| p.current.size())
}

/// Appends `leaf` at [`pending_index`]: the caller has written its row at that position.
pub fn push(tx: &mut Tx, leaf: Hash) -> StoreResult<()> {
    let pending = tx
        .log_mut()
        .as_mut()
        .ok_or_else(|| corrupt("appending without holding the tail"))?;
    pending.current = advance(&pending.current, leaf);
    pending.leaves.push(leaf);
    Ok(())
}

/// Writes the tree for what the transaction owes: the blocks and nodes the pending leaves
/// completed, a few multi-row statements for all of them, and the tail row once.
pub async fn flush(tx: &mut Tx) -> StoreResult<()> {
    let Some(pending) = tx.log_mut().take() else {
        return Ok(());
    };
    if !pending.leaves.is_empty() {
        write_tree(tx, &pending.written, &pending.leaves).await?;
        write_tail(tx, &pending.current).await?;
        remember(&pending.current);
    }
    *tx.log_mut() = Some(Pending::at(pending.current));
    Ok(())
}

/// Reads the tail, locking it until the transaction ends; a transaction that already holds it
/// first writes what it owes.
pub async fn lock_tail(tx: &mut Tx) -> StoreResult<Tail> {
    flush(tx).await?;
    if let Some(pending) = tx.log_mut() {
        return Ok(pending.current.clone());
    }
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
    let tail = Tail { frontier, block };
    *tx.log_mut() = Some(Pending::at(tail.clone()));
    Ok(tail)
}

/// Appends the leaf of the row `id` of `table` (`audit_events` or `checks`), whose
/// `log_index` was written as the guess's size; corrects it if the guess was wrong. `leaf_at`
/// gives the row's leaf hash at a position. Returns the position. For a transaction's first
/// append; later ones [`push`].
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
    let index = lock_tail(tx).await?.size();
    let sql = format!("UPDATE {table} SET log_index = $1 WHERE id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(size_i64(index)?)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    push(tx, leaf_at(index))?;
    Ok(index)
}

/// Appends a batch of leaves after the tail `old`, read with [`lock_tail`] in this transaction
/// (their rows were written at positions `old.size()`, `old.size() + 1`, …); the tree is
/// written at commit.
pub async fn append_many_locked(tx: &mut Tx, old: &Tail, leaves: &[Hash]) -> StoreResult<()> {
    if pending_index(tx) != Some(old.size()) {
        return Err(corrupt(
            "appending after a tail this transaction does not hold",
        ));
    }
    for leaf in leaves {
        push(tx, *leaf)?;
    }
    Ok(())
}

/// After a first append moved the tail row from `old` to `new`: the block and nodes
/// completed, if any, and this process's copy of the tail; the transaction now holds the tail.
pub async fn finish(tx: &mut Tx, old: &Tail, new: &Tail, leaf: Hash) -> StoreResult<()> {
    write_tree(tx, old, &[leaf]).await?;
    remember(new);
    *tx.log_mut() = Some(Pending::at(new.clone()));
    Ok(())
}

async fn write_tail(tx: &mut Tx, tail: &Tail) -> StoreResult<()> {
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

/// Writes the blocks and nodes that appending `leaves` after `from` completes (one block and
/// its nodes every 16 leaves), as multi-row inserts. Returns the tail after them.
async fn write_tree(tx: &mut Tx, from: &Tail, leaves: &[Hash]) -> StoreResult<Tail> {
    let mut tail = from.clone();
    let mut blocks: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut nodes: Vec<(i64, i64, Hash)> = Vec::new();
    for leaf in leaves {
        let mut frontier = tail.frontier.clone();
        let completed = frontier.push(*leaf);
        if frontier.size().is_multiple_of(BLOCK) {
            let mut bytes = tail.block.concat();
            bytes.extend_from_slice(leaf);
            blocks.push((size_i64(tail.size() / BLOCK)?, bytes));
            for (level, idx, hash) in completed {
                if level >= BLOCK_LEVEL {
                    nodes.push((i64::from(level), size_i64(idx)?, hash));
                }
            }
        }
        tail = advance(&tail, *leaf);
    }
    for part in blocks.chunks(super::batch_rows(tx, 2)) {
        let sql = format!(
            "INSERT INTO merkle_blocks (idx, leaves) VALUES {}",
            super::value_rows(part.len(), 2, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (idx, bytes) in part {
            query = query.bind(*idx).bind(bytes.clone());
        }
        query.execute(&mut **tx).await?;
    }
    for part in nodes.chunks(super::batch_rows(tx, 3)) {
        let sql = format!(
            "INSERT INTO merkle_nodes (level, idx, hash) VALUES {}",
            super::value_rows(part.len(), 3, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (level, idx, hash) in part {
            query = query.bind(*level).bind(*idx).bind(hash.to_vec());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(tail)
}

/// This process's guess of the tail, for the next append: its size is the position to write
/// as the new row's `log_index`.
pub fn guess() -> Option<Tail> {
    cached()
}

/// The leaf encodings live with the Merkle hashing (one definition, for the service and an
/// outside auditor alike).
pub use epass_credential::merkle::{CheckLeaf, EventLeaf};

/// Rewrites the stored tree (blocks, nodes, tail) from leaf hashes: a repair after restoring
/// rows, and how tests play an intruder who rewrites the tree along with the rows.
pub async fn rebuild(tx: &mut Tx, leaves: &[Hash]) -> StoreResult<()> {
    sqlx::query("DELETE FROM merkle_blocks")
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM merkle_nodes")
        .execute(&mut **tx)
        .await?;
    let empty = Tail {
        frontier: Frontier::new(),
        block: Vec::new(),
    };
    let tail = write_tree(tx, &empty, leaves).await?;
    write_tail(tx, &tail).await?;
    *tx.log_mut() = Some(Pending::at(tail));
    Ok(())
}
