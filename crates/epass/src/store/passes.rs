//! Issued passes and their serial numbers (vehicle claims and recorded checks have their own
//! modules).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// A pass as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Pass {
    pub id: i64,
    pub application_id: i64,
    pub pass_number: String,
    pub authority_id: i64,
    pub kind: String,
    pub issuer_code: String,
    pub kid: String,
    pub status_index: i64,
    /// `active`, `suspended` or `revoked` (expiry follows from `valid_until`).
    pub status: String,
    pub holder_id: i64,
    pub holder_name: String,
    pub holder_id_masked: Option<String>,
    pub plate: Option<String>,
    pub valid_from: i64,
    pub valid_until: i64,
    /// The signed credential text (what the QR code holds).
    pub credential: String,
    pub issued_at: i64,
}

/// A pass to store.
#[derive(Clone, Debug)]
pub struct NewPass<'a> {
    pub application_id: i64,
    pub pass_number: &'a str,
    pub authority_id: i64,
    pub kind: &'a str,
    pub issuer_code: &'a str,
    pub kid: &'a str,
    pub status_index: i64,
    pub holder_id: i64,
    pub holder_name: &'a str,
    pub holder_id_masked: Option<&'a str>,
    pub plate: Option<&'a str>,
    pub valid_from: i64,
    pub valid_until: i64,
    pub credential: &'a str,
}

pub(crate) const COLUMNS: &str = "id, application_id, pass_number, authority_id, kind, issuer_code, kid, \
     status_index, status, holder_id, holder_name, holder_id_masked, plate, valid_from, \
     valid_until, credential, issued_at";

pub(crate) fn from_row(row: &AnyRow) -> StoreResult<Pass> {
    Ok(Pass {
        id: row.try_get(0)?,
        application_id: row.try_get(1)?,
        pass_number: row.try_get(2)?,
        authority_id: row.try_get(3)?,
        kind: row.try_get(4)?,
        issuer_code: row.try_get(5)?,
        kid: row.try_get(6)?,
        status_index: row.try_get(7)?,
        status: row.try_get(8)?,
        holder_id: row.try_get(9)?,
        holder_name: row.try_get(10)?,
        holder_id_masked: row.try_get(11)?,
        plate: row.try_get(12)?,
        valid_from: row.try_get(13)?,
        valid_until: row.try_get(14)?,
        credential: row.try_get(15)?,
        issued_at: row.try_get(16)?,
    })
}

/// Reserves `n` consecutive serials of an issuing office and returns the first (1 first); the
/// row lock serialises issuers, and a batch takes its block in one statement.
pub async fn reserve_serials(tx: &mut Tx, issuer_code: &str, n: i64) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO pass_serials (issuer_code, next_serial) VALUES ($1, 1 + $2) \
         ON CONFLICT (issuer_code) DO UPDATE SET next_serial = pass_serials.next_serial + $2 \
         RETURNING next_serial - $2",
    )
    .bind(issuer_code)
    .bind(n)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

pub async fn insert(tx: &mut Tx, p: &NewPass<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO passes (application_id, pass_number, authority_id, kind, issuer_code, kid, \
         status_index, status, holder_id, holder_name, holder_id_masked, plate, valid_from, \
         valid_until, credential, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $11, $12, $13, $14, $15) \
         RETURNING id",
    )
    .bind(p.application_id)
    .bind(p.pass_number)
    .bind(p.authority_id)
    .bind(p.kind)
    .bind(p.issuer_code)
    .bind(p.kid)
    .bind(p.status_index)
    .bind(p.holder_id)
    .bind(p.holder_name)
    .bind(p.holder_id_masked)
    .bind(p.plate)
    .bind(p.valid_from)
    .bind(p.valid_until)
    .bind(p.credential)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Pass>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "passes", COLUMNS, id, from_row).await
}

pub async fn by_number<'e, E>(executor: E, number: &str) -> StoreResult<Option<Pass>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM passes WHERE pass_number = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(number)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn by_application<'e, E>(executor: E, application_id: i64) -> StoreResult<Option<Pass>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM passes WHERE application_id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(application_id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Changes a pass's status if it is `from`; false when it was not.
pub async fn set_status(tx: &mut Tx, id: i64, from: &str, to: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE passes SET status = $1, status_changed_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(now_ms())
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `(status_index, status)` of every non-active pass of an issuing office, and the highest
/// index used: what its status list publishes.
pub async fn status_entries(
    tx: &mut Tx,
    issuer_code: &str,
) -> StoreResult<(i64, Vec<(i64, String)>)> {
    let max: i64 =
        sqlx::query("SELECT COALESCE(MAX(status_index), 0) FROM passes WHERE issuer_code = $1")
            .bind(issuer_code)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    let rows = sqlx::query(
        "SELECT status_index, status FROM passes WHERE issuer_code = $1 AND status <> 'active'",
    )
    .bind(issuer_code)
    .fetch_all(&mut **tx)
    .await?;
    let entries = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<StoreResult<_>>()?;
    Ok((max, entries))
}

/// The issuing offices that have issued passes for an authority.
pub async fn issuer_codes(tx: &mut Tx, authority_id: i64) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT issuer_code FROM passes WHERE authority_id = $1")
        .bind(authority_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// A pass's new validity end and the credential re-signed for it.
pub async fn set_validity(
    tx: &mut Tx,
    id: i64,
    valid_until: i64,
    kid: &str,
    credential: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE passes SET valid_until = $1, kid = $2, credential = $3, status_changed_at = $4 \
         WHERE id = $5",
    )
    .bind(valid_until)
    .bind(kid)
    .bind(credential)
    .bind(now_ms())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ids of the live passes of a pass type ending before `before`, after `after_id`, by id.
pub async fn expiring(
    pool: &sqlx::AnyPool,
    pass_type_id: i64,
    before: i64,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT p.id FROM passes p JOIN applications a ON a.id = p.application_id \
         WHERE a.pass_type_id = $1 AND p.valid_until < $2 AND p.status <> 'revoked' AND p.id > $3 \
         ORDER BY p.id LIMIT $4",
    )
    .bind(pass_type_id)
    .bind(before)
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Stores a batch of passes in one statement per thousand; returns `(pass number, id)` pairs.
pub async fn insert_many(tx: &mut Tx, new: &[NewPass<'_>]) -> StoreResult<Vec<(String, i64)>> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(new.len());
    for part in new.chunks(super::batch_rows(tx, 16)) {
        let sql = format!(
            "INSERT INTO passes (application_id, pass_number, authority_id, kind, issuer_code, \
             kid, status_index, status, holder_id, holder_name, holder_id_masked, plate, \
             valid_from, valid_until, credential, issued_at) VALUES {} RETURNING pass_number, id",
            super::value_rows(part.len(), 16, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in part {
            query = query
                .bind(p.application_id)
                .bind(p.pass_number)
                .bind(p.authority_id)
                .bind(p.kind)
                .bind(p.issuer_code)
                .bind(p.kid)
                .bind(p.status_index)
                .bind("active")
                .bind(p.holder_id)
                .bind(p.holder_name)
                .bind(p.holder_id_masked)
                .bind(p.plate)
                .bind(p.valid_from)
                .bind(p.valid_until)
                .bind(p.credential)
                .bind(now);
        }
        for row in query.fetch_all(&mut **tx).await? {
            ids.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(ids)
}
