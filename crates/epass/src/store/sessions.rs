//! Login sessions, kept in the database so app nodes stay stateless.

use sqlx::Row;

use super::{StoreResult, Tx, now_ms};

/// A live session found by its cookie.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert(
    tx: &mut Tx,
    token_hash: &[u8],
    user_id: i64,
    csrf_token: &str,
    expires_at: i64,
    client_addr: Option<&str>,
) -> StoreResult<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
         expires_at, client_addr) VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(now)
    .bind(expires_at)
    .bind(client_addr)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn find(pool: &sqlx::AnyPool, token_hash: &[u8]) -> StoreResult<Option<Session>> {
    let row = sqlx::query(
        "SELECT user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions \
         WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Session {
            user_id: row.try_get(0)?,
            csrf_token: row.try_get(1)?,
            created_at: row.try_get(2)?,
            last_seen_at: row.try_get(3)?,
            expires_at: row.try_get(4)?,
        })
    })
    .transpose()
}

/// Activity is kept to this precision.
pub const TOUCH_EVERY_MS: i64 = 60_000;

/// Marks activity, at most once a minute per session to keep reads cheap.
pub async fn touch(pool: &sqlx::AnyPool, token_hash: &[u8], now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $3",
    )
    .bind(now)
    .bind(token_hash)
    .bind(now - TOUCH_EVERY_MS)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn delete<'e, E>(executor: E, token_hash: &[u8]) -> StoreResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(executor)
        .await?;
    Ok(())
}

/// Ends every session of a user (password change, lock-out, disabled account).
pub async fn delete_for_user(tx: &mut Tx, user_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
