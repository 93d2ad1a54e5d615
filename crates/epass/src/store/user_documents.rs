//! Real-name registration: the photos a user uploaded of their ID card (bytes in the document
//! store), and the registered name.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// A registration photo as recorded.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserDocument {
    pub id: i64,
    pub user_id: i64,
    /// `id_card_front` or `id_card_back`.
    pub kind: String,
    /// Decided from the content: `image/jpeg` or `image/png`.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex of the SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_at: i64,
    #[serde(skip)]
    pub object_key: String,
}

/// What an upload records.
#[derive(Clone, Debug)]
pub struct NewUserDocument<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub object_key: &'a str,
}

const COLUMNS: &str =
    "id, user_id, kind, content_type, size_bytes, sha256, uploaded_at, object_key";

fn from_row(row: &AnyRow) -> StoreResult<UserDocument> {
    Ok(UserDocument {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        kind: row.try_get(2)?,
        content_type: row.try_get(3)?,
        size_bytes: row.try_get(4)?,
        sha256: row.try_get(5)?,
        uploaded_at: row.try_get(6)?,
        object_key: row.try_get(7)?,
    })
}

pub async fn insert(tx: &mut Tx, d: &NewUserDocument<'_>) -> StoreResult<UserDocument> {
    let id: i64 = sqlx::query(
        "INSERT INTO user_documents (user_id, kind, content_type, size_bytes, sha256, \
         object_key, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(d.user_id)
    .bind(d.kind)
    .bind(d.content_type)
    .bind(d.size_bytes)
    .bind(d.sha256)
    .bind(d.object_key)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    super::get_by_id(&mut **tx, "user_documents", COLUMNS, id, from_row).await
}

/// A user's registration photos, newest first (the first of each kind is the one in force).
pub async fn for_user<'e, E>(executor: E, user_id: i64) -> StoreResult<Vec<UserDocument>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM user_documents WHERE user_id = $1 ORDER BY id DESC");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(executor)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Sets the user's registered name.
pub async fn set_name(tx: &mut Tx, user_id: i64, name: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
