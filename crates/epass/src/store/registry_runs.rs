//! Registry imports started from the pages (`registry_import_runs`, migration 0017): the upload,
//! its outcome and its line errors; and the batches every import wrote (`registry_imports`), a
//! page at a time.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::registries::ImportBatch;
use super::{StoreResult, Tx};

/// One uploaded file and what became of it.
#[derive(Clone, Debug)]
pub struct Run {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub user_id: i64,
    /// `running`, `imported`, `rejected` or `failed`.
    pub status: String,
    pub rows_read: i64,
    pub import_id: Option<i64>,
    /// JSON: `[{"line", "field", "code", "zh", "en"}]`.
    pub errors: String,
    pub errors_omitted: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

/// How a run ended.
#[derive(Clone, Debug)]
pub struct Outcome<'a> {
    pub status: &'a str,
    pub rows_read: i64,
    pub import_id: Option<i64>,
    pub errors: &'a str,
    pub errors_omitted: i64,
    pub finished_at: i64,
}

const COLUMNS: &str = "id, kind, file_name, user_id, status, rows_read, import_id, errors, \
     errors_omitted, started_at, finished_at";

fn from_row(row: &AnyRow) -> StoreResult<Run> {
    Ok(Run {
        id: row.try_get(0)?,
        kind: row.try_get(1)?,
        file_name: row.try_get(2)?,
        user_id: row.try_get(3)?,
        status: row.try_get(4)?,
        rows_read: row.try_get(5)?,
        import_id: row.try_get(6)?,
        errors: row.try_get(7)?,
        errors_omitted: row.try_get(8)?,
        started_at: row.try_get(9)?,
        finished_at: row.try_get(10)?,
    })
}

/// Records an accepted upload as running; returns its id.
pub async fn insert(
    tx: &mut Tx,
    kind: &str,
    file_name: &str,
    user_id: i64,
    started_at: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO registry_import_runs (kind, file_name, user_id, status, started_at, \
         heartbeat_at) VALUES ($1, $2, $3, 'running', $4, $4) RETURNING id",
    )
    .bind(kind)
    .bind(file_name)
    .bind(user_id)
    .bind(started_at)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

/// Records how a running import ended; false when it had already ended.
pub async fn finish(tx: &mut Tx, id: i64, outcome: &Outcome<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE registry_import_runs SET status = $1, rows_read = $2, import_id = $3, \
         errors = $4, errors_omitted = $5, finished_at = $6 WHERE id = $7 AND status = 'running'",
    )
    .bind(outcome.status)
    .bind(outcome.rows_read)
    .bind(outcome.import_id)
    .bind(outcome.errors)
    .bind(outcome.errors_omitted)
    .bind(outcome.finished_at)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that the node running the import is still at it.
pub async fn beat(pool: &sqlx::AnyPool, id: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE registry_import_runs SET heartbeat_at = $1 WHERE id = $2 AND status = 'running'",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Runs still marked running whose last beat is older than `before`.
pub async fn silent_since(pool: &sqlx::AnyPool, before: i64) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id FROM registry_import_runs WHERE status = 'running' \
         AND COALESCE(heartbeat_at, started_at) < $1 ORDER BY id",
    )
    .bind(before)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub async fn get(pool: &sqlx::AnyPool, id: i64) -> StoreResult<Run> {
    super::get_by_id(pool, "registry_import_runs", COLUMNS, id, from_row).await
}

/// The latest uploads, newest first.
pub async fn recent(pool: &sqlx::AnyPool, limit: i64) -> StoreResult<Vec<Run>> {
    let sql = format!("SELECT {COLUMNS} FROM registry_import_runs ORDER BY id DESC LIMIT $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Import batches (from the pages or the command line), newest first, below id `before`.
pub async fn batches(
    pool: &sqlx::AnyPool,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<(ImportBatch, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT b.id, b.kind, b.file_name, b.row_count, b.started_at, b.finished_at, b.actor, \
         (SELECT MIN(r.id) FROM registry_import_runs r WHERE r.import_id = b.id) \
         FROM registry_imports b WHERE b.id < $1 ORDER BY b.id DESC LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                ImportBatch {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    file_name: r.try_get(2)?,
                    row_count: r.try_get(3)?,
                    started_at: r.try_get(4)?,
                    finished_at: r.try_get(5)?,
                    actor: r.try_get(6)?,
                },
                r.try_get(7)?,
            ))
        })
        .collect()
}
