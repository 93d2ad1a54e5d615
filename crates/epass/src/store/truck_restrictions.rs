//! The versions of each city's truck restrictions. A version is written once and never changed.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};

/// One stored version.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredVersion {
    pub id: i64,
    pub authority_id: i64,
    pub version: i64,
    pub effective_from: i64,
    /// The checked document (see `domain::trucks`).
    pub document: serde_json::Value,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, authority_id, version, effective_from, document, note, created_by, created_at";

fn from_row(row: &AnyRow) -> StoreResult<StoredVersion> {
    let document: String = row.try_get(4)?;
    Ok(StoredVersion {
        id: row.try_get(0)?,
        authority_id: row.try_get(1)?,
        version: row.try_get(2)?,
        effective_from: row.try_get(3)?,
        // Written by `insert` from a checked document; unreadable means not ours.
        document: serde_json::from_str(&document)
            .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?,
        note: row.try_get(5)?,
        created_by: row.try_get(6)?,
        created_at: row.try_get(7)?,
    })
}

/// Stores the authority's next version (numbered after its latest).
pub async fn insert(
    tx: &mut Tx,
    authority_id: i64,
    effective_from: i64,
    document: &serde_json::Value,
    note: Option<&str>,
    created_by: Option<i64>,
) -> StoreResult<StoredVersion> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM truck_restriction_versions WHERE authority_id = $1",
    )
    .bind(authority_id)
    .fetch_one(&mut **tx)
    .await?;
    // A NULL user id is never bound (see store::zones on NULL binds through `Any`).
    let by = created_by.map_or_else(|| "NULL".to_owned(), |id| id.to_string());
    let sql = format!(
        "INSERT INTO truck_restriction_versions \
         (authority_id, version, effective_from, document, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, {by}, $6) RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(latest.unwrap_or(0) + 1)
        .bind(effective_from)
        .bind(document.to_string())
        .bind(note)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
    from_row(&row)
}

/// The version in force at `at_ms`: the latest whose `effective_from` is not after it.
pub async fn in_force<'e, E>(
    executor: E,
    authority_id: i64,
    at_ms: i64,
) -> StoreResult<Option<StoredVersion>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM truck_restriction_versions \
         WHERE authority_id = $1 AND effective_from <= $2 \
         ORDER BY effective_from DESC, version DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(at_ms)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every version of the authority, newest first.
pub async fn list<'e, E>(executor: E, authority_id: i64) -> StoreResult<Vec<StoredVersion>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM truck_restriction_versions WHERE authority_id = $1 \
         ORDER BY version DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .fetch_all(executor)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// How many versions there are in all (tests count them before and after a refusal).
pub async fn count<'e, E>(executor: E) -> StoreResult<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM truck_restriction_versions")
            .fetch_one(executor)
            .await?,
    )
}
