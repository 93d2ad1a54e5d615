//! One-time login codes: hashed at rest, single use, counted for throttling.

use sqlx::Row;

use super::{StoreResult, Tx, now_ms};

pub async fn insert(
    tx: &mut Tx,
    phone: &str,
    code_hash: &[u8],
    expires_at: i64,
    client_addr: Option<&str>,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO otp_codes (phone, code_hash, client_addr, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(phone)
    .bind(code_hash)
    .bind(client_addr)
    .bind(now_ms())
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

/// Codes sent to this number since `since`.
pub async fn count_for_phone(tx: &mut Tx, phone: &str, since: i64) -> StoreResult<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM otp_codes WHERE phone = $1 AND created_at >= $2")
            .bind(phone)
            .bind(since)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?,
    )
}

/// Codes requested from this client address since `since`.
pub async fn count_for_addr(tx: &mut Tx, addr: &str, since: i64) -> StoreResult<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM otp_codes WHERE client_addr = $1 AND created_at >= $2")
            .bind(addr)
            .bind(since)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?,
    )
}

/// The newest unused, unexpired code for a number: `(id, hash, attempts)`.
pub async fn latest_live(
    tx: &mut Tx,
    phone: &str,
    now: i64,
) -> StoreResult<Option<(i64, Vec<u8>, i64)>> {
    let row = sqlx::query(
        "SELECT id, code_hash, attempts FROM otp_codes \
         WHERE phone = $1 AND used_at IS NULL AND expires_at > $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(phone)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}

/// Uses the code up; false when another request used it first.
pub async fn consume(tx: &mut Tx, id: i64, now: i64) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE otp_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn count_attempt(tx: &mut Tx, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
