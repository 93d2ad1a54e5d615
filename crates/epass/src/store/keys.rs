//! Signing keys (sealed at rest) and the verifier bundles published from them.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};

/// A signing key as stored; the secret stays sealed until used.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub id: i64,
    pub authority_id: i64,
    pub purpose: KeyPurpose,
    pub issuer_code: Option<String>,
    pub alg: String,
    pub kid: String,
    pub public_key: Vec<u8>,
    pub secret_sealed: Vec<u8>,
    pub kinds: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    pub retired_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

/// A root key signs bundles; an issuer key signs credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyPurpose {
    Root,
    Issuer,
}

impl KeyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Root => "root",
            KeyPurpose::Issuer => "issuer",
        }
    }
}

/// A key to store.
#[derive(Clone, Debug)]
pub struct NewKey<'a> {
    pub authority_id: i64,
    pub purpose: KeyPurpose,
    pub issuer_code: Option<&'a str>,
    pub alg: &'a str,
    pub kid: &'a str,
    pub public_key: &'a [u8],
    pub secret_sealed: &'a [u8],
    pub kinds: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
}

const COLUMNS: &str = "id, authority_id, purpose, issuer_code, alg, kid, public_key, secret_sealed, \
     kinds, not_before, not_after, retired_at, withdrawn_at";

fn from_row(row: &AnyRow) -> StoreResult<StoredKey> {
    let purpose: String = row.try_get(2)?;
    let kinds: String = row.try_get(8)?;
    Ok(StoredKey {
        id: row.try_get(0)?,
        authority_id: row.try_get(1)?,
        purpose: if purpose == "root" {
            KeyPurpose::Root
        } else {
            KeyPurpose::Issuer
        },
        issuer_code: row.try_get(3)?,
        alg: row.try_get(4)?,
        kid: row.try_get(5)?,
        public_key: row.try_get(6)?,
        secret_sealed: row.try_get(7)?,
        // Written by `insert` from kind numbers; anything else was not ours and grants nothing.
        kinds: kinds.split(',').filter_map(|k| k.parse().ok()).collect(),
        not_before: row.try_get(9)?,
        not_after: row.try_get(10)?,
        retired_at: row.try_get(11)?,
        withdrawn_at: row.try_get(12)?,
    })
}

pub async fn insert(tx: &mut Tx, key: &NewKey<'_>) -> StoreResult<i64> {
    let kinds = key
        .kinds
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",");
    Ok(sqlx::query(
        "INSERT INTO signing_keys (authority_id, purpose, issuer_code, alg, kid, public_key, \
         secret_sealed, kinds, not_before, not_after, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(key.authority_id)
    .bind(key.purpose.as_str())
    .bind(key.issuer_code)
    .bind(key.alg)
    .bind(key.kid)
    .bind(key.public_key)
    .bind(key.secret_sealed)
    .bind(kinds)
    .bind(key.not_before)
    .bind(key.not_after)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

/// Every key of an authority, oldest first.
pub async fn for_authority<'e, E>(executor: E, authority_id: i64) -> StoreResult<Vec<StoredKey>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM signing_keys WHERE authority_id = $1 ORDER BY id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .fetch_all(executor)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn by_kid<'e, E>(executor: E, kid: &str) -> StoreResult<StoredKey>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM signing_keys WHERE kid = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(kid)
        .fetch_optional(executor)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Stops a key from signing anything new.
pub async fn retire(tx: &mut Tx, id: i64, at: i64) -> StoreResult<()> {
    sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Withdraws a key: false when it already was.
pub async fn withdraw(tx: &mut Tx, id: i64, at: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE signing_keys SET withdrawn_at = $1, retired_at = COALESCE(retired_at, $1) \
         WHERE id = $2 AND withdrawn_at IS NULL",
    )
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The newest bundle version of an authority (0 when none was published).
pub async fn latest_bundle_version(tx: &mut Tx, authority_id: i64) -> StoreResult<i64> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(version), 0) FROM bundles WHERE authority_id = $1")
            .bind(authority_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?,
    )
}

pub async fn insert_bundle(
    tx: &mut Tx,
    authority_id: i64,
    version: i64,
    issued_at: i64,
    signed: &[u8],
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO bundles (authority_id, version, issued_at, signed) VALUES ($1, $2, $3, $4)",
    )
    .bind(authority_id)
    .bind(version)
    .bind(issued_at)
    .bind(signed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The newest bundle of an authority: `(version, signed bytes)`.
pub async fn latest_bundle(
    pool: &sqlx::AnyPool,
    authority_id: i64,
) -> StoreResult<Option<(i64, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT version, signed FROM bundles WHERE authority_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(authority_id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// The newest bundle version of every authority that published one: `(authority, version)`.
pub async fn bundle_versions(pool: &sqlx::AnyPool) -> StoreResult<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT authority_id, MAX(version) FROM bundles GROUP BY authority_id ORDER BY authority_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// When the newest bundle of an authority was made, if it has one.
pub async fn latest_bundle_issued_at(
    pool: &sqlx::AnyPool,
    authority_id: i64,
) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query("SELECT MAX(issued_at) FROM bundles WHERE authority_id = $1")
            .bind(authority_id)
            .fetch_one(pool)
            .await?
            .try_get(0)?,
    )
}

/// One bundle version of an authority, if it is still kept: the signed bytes.
pub async fn bundle_at(
    pool: &sqlx::AnyPool,
    authority_id: i64,
    version: i64,
) -> StoreResult<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT signed FROM bundles WHERE authority_id = $1 AND version = $2")
        .bind(authority_id)
        .bind(version)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok(r.try_get(0)?)).transpose()
}

/// The tamper-evident log's signing keys as listed to administrators: `(kid, alg, created_at)`,
/// newest first.
pub async fn log_keys_listed(pool: &sqlx::AnyPool) -> StoreResult<Vec<(String, String, i64)>> {
    sqlx::query("SELECT kid, alg, created_at FROM merkle_log_keys ORDER BY id DESC")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}
