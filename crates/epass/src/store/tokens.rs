//! API tokens for machines: hashed at rest, scoped, revocable.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// A token as listed (never its secret).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, name, scopes, created_at, last_used_at, revoked_at";

fn from_row(row: &AnyRow) -> StoreResult<ApiToken> {
    let scopes: String = row.try_get(3)?;
    Ok(ApiToken {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        name: row.try_get(2)?,
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: row.try_get(4)?,
        last_used_at: row.try_get(5)?,
        revoked_at: row.try_get(6)?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    name: &str,
    token_hash: &[u8],
    scopes: &[String],
) -> StoreResult<ApiToken> {
    let id: i64 = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(scopes.join(" "))
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    get(&mut **tx, id).await
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<ApiToken>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "api_tokens", COLUMNS, id, from_row).await
}

/// The live (unrevoked) token with this hash.
pub async fn find_live(pool: &sqlx::AnyPool, token_hash: &[u8]) -> StoreResult<Option<ApiToken>> {
    let sql =
        format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list_for_user(
    pool: &sqlx::AnyPool,
    user_id: i64,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<ApiToken>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn revoke(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The last use of a token is kept to this precision.
pub const TOUCH_EVERY_MS: i64 = 60_000;

/// Marks a token used, at most once a minute.
pub async fn touch(pool: &sqlx::AnyPool, id: i64, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(now)
        .bind(id)
        .bind(now - TOUCH_EVERY_MS)
        .execute(pool)
        .await?;
    Ok(())
}
