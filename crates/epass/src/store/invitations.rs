//! Pass requests (通行申报单) of the invitation flow: filed by an organisation, approved by the
//! authority with an invitation code, and counted place by place as drivers apply.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// A pass request as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PassRequest {
    pub id: i64,
    pub pass_type_id: i64,
    pub authority_id: i64,
    /// The organisation that filed it; its reviewers do level 1 of every driver's application.
    pub org_id: i64,
    pub requested_by: i64,
    pub purpose: String,
    pub places: i64,
    pub places_used: i64,
    /// Form values every application of the request gets (e.g. zones, road sections).
    #[schema(value_type = Object)]
    pub preset: serde_json::Value,
    /// Milliseconds since the Unix epoch: the period the passes may cover; the code expires at
    /// its end.
    pub valid_from: i64,
    pub valid_until: i64,
    /// `pending`, `approved`, `rejected` or `closed`.
    pub status: String,
    /// The invitation code, once approved.
    pub code: Option<String>,
    pub decided_by: Option<i64>,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
    pub decided_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What filing a request writes.
#[derive(Clone, Debug)]
pub struct NewPassRequest<'a> {
    pub pass_type_id: i64,
    pub authority_id: i64,
    pub org_id: i64,
    pub requested_by: i64,
    pub purpose: &'a str,
    pub places: i64,
    pub preset: &'a serde_json::Value,
    pub valid_from: i64,
    pub valid_until: i64,
}

const COLUMNS: &str = "id, pass_type_id, authority_id, org_id, requested_by, purpose, places, \
     places_used, preset, valid_from, valid_until, status, code, decided_by, reason_code, \
     reason_text, decided_at, closed_at, created_at, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<PassRequest> {
    let preset: String = row.try_get(8)?;
    Ok(PassRequest {
        id: row.try_get(0)?,
        pass_type_id: row.try_get(1)?,
        authority_id: row.try_get(2)?,
        org_id: row.try_get(3)?,
        requested_by: row.try_get(4)?,
        purpose: row.try_get(5)?,
        places: row.try_get(6)?,
        places_used: row.try_get(7)?,
        preset: serde_json::from_str(&preset).unwrap_or_default(),
        valid_from: row.try_get(9)?,
        valid_until: row.try_get(10)?,
        status: row.try_get(11)?,
        code: row.try_get(12)?,
        decided_by: row.try_get(13)?,
        reason_code: row.try_get(14)?,
        reason_text: row.try_get(15)?,
        decided_at: row.try_get(16)?,
        closed_at: row.try_get(17)?,
        created_at: row.try_get(18)?,
        updated_at: row.try_get(19)?,
    })
}

pub async fn insert(tx: &mut Tx, new: &NewPassRequest<'_>) -> StoreResult<PassRequest> {
    let id: i64 = sqlx::query(
        "INSERT INTO pass_requests (pass_type_id, authority_id, org_id, requested_by, purpose, \
         places, preset, valid_from, valid_until, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $10) RETURNING id",
    )
    .bind(new.pass_type_id)
    .bind(new.authority_id)
    .bind(new.org_id)
    .bind(new.requested_by)
    .bind(new.purpose)
    .bind(new.places)
    .bind(new.preset.to_string())
    .bind(new.valid_from)
    .bind(new.valid_until)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    get(&mut **tx, id).await
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<PassRequest>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "pass_requests", COLUMNS, id, from_row).await
}

/// The request holding this invitation code, if any.
pub async fn by_code<'e, E>(executor: E, code: &str) -> StoreResult<Option<PassRequest>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM pass_requests WHERE code = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Approves a pending request with its code; false when it is no longer pending (someone else
/// decided it first). A code already taken gives `Conflict`.
pub async fn approve(
    tx: &mut Tx,
    id: i64,
    by: i64,
    code: &str,
    note: Option<&str>,
) -> StoreResult<bool> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE pass_requests SET status = 'approved', code = $1, decided_by = $2, \
         reason_text = $3, decided_at = $4, updated_at = $4 WHERE id = $5 AND status = 'pending'",
    )
    .bind(code)
    .bind(by)
    .bind(note)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Rejects a pending request; false when it is no longer pending.
pub async fn reject(
    tx: &mut Tx,
    id: i64,
    by: i64,
    reason_code: &str,
    reason_text: &str,
) -> StoreResult<bool> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE pass_requests SET status = 'rejected', decided_by = $1, reason_code = $2, \
         reason_text = $3, decided_at = $4, updated_at = $4 WHERE id = $5 AND status = 'pending'",
    )
    .bind(by)
    .bind(reason_code)
    .bind(reason_text)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes a pending or approved request: its code takes no more applications. False when it
/// was already closed or rejected.
pub async fn close(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE pass_requests SET status = 'closed', closed_at = $1, updated_at = $1 \
         WHERE id = $2 AND status IN ('pending', 'approved')",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes one place of an approved, unexpired request, in the caller's transaction. The test and
/// the increment are one statement, so concurrent applicants can never take more than `places`
/// (the row lock orders them on PostgreSQL, the write lock on SQLite, and a CHECK constraint
/// stands behind both). False when no place could be taken.
pub async fn take_place(tx: &mut Tx, id: i64, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE pass_requests SET places_used = places_used + 1, updated_at = $1 \
         WHERE id = $2 AND status = 'approved' AND places_used < places AND valid_until > $1",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives back `n` places of a request (its invited applications were rejected), in the
/// caller's transaction; never below zero.
pub async fn give_back_places(tx: &mut Tx, id: i64, n: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE pass_requests SET places_used = CASE WHEN places_used > $1 \
         THEN places_used - $1 ELSE 0 END, updated_at = $2 WHERE id = $3",
    )
    .bind(n)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Requests filed by organisations in any of the subtrees, optionally of one status, by
/// ascending id after `after_id`.
pub async fn list_in_subtrees(
    pool: &sqlx::AnyPool,
    paths: &[String],
    status: Option<&str>,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<PassRequest>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM pass_requests r JOIN orgs o ON o.id = r.org_id \
         WHERE r.id > $1 AND ($2 = '' OR r.status = $2) AND {} ORDER BY r.id LIMIT $3",
        super::subtree_clause("o.path", paths.len(), 4)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(status.unwrap_or_default())
        .bind(limit);
    for path in paths {
        query = query.bind(super::subtree_pattern(path));
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}
