//! Electronic driving licences: the registry's stored photos, each issue of a licence (one row
//! per application), and the holder's consent codes for relying parties.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx};
use crate::domain::licences::Snapshot;

/// A stored photo.
#[derive(Clone, Debug)]
pub struct Photo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Stores (or replaces) the registry's photo of a licence.
pub async fn put_registry_photo(
    tx: &mut Tx,
    licence_number: &str,
    photo: &Photo,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO registry_licence_photos (licence_number, content_type, bytes, imported_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (licence_number) DO UPDATE SET \
         content_type = excluded.content_type, bytes = excluded.bytes, \
         imported_at = excluded.imported_at",
    )
    .bind(licence_number)
    .bind(photo.content_type.as_str())
    .bind(photo.bytes.as_slice())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The registry's photo of a licence, if it holds one.
pub async fn registry_photo<'e, E>(executor: E, licence_number: &str) -> StoreResult<Option<Photo>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT content_type, bytes FROM registry_licence_photos WHERE licence_number = $1",
    )
    .bind(licence_number)
    .fetch_optional(executor)
    .await?;
    row.map(|r| {
        Ok(Photo {
            content_type: r.try_get(0)?,
            bytes: r.try_get(1)?,
        })
    })
    .transpose()
}

/// One issue of a licence.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LicenceIssue {
    pub id: i64,
    pub licence_number: String,
    pub holder_id: i64,
    pub authority_id: i64,
    pub application_id: i64,
    /// The pass (credential) once issued.
    pub pass_id: Option<i64>,
    /// `first`, `photo_change`, `reapply` or `registry_change`.
    pub reason: String,
    #[schema(value_type = Object)]
    pub record: Snapshot,
    /// `registry`, `upload` or `counter`.
    pub photo_source: String,
    pub photo_document_id: Option<i64>,
    /// The licensing-office clerk who applied on the holder's behalf.
    pub clerk_id: Option<i64>,
    pub replaced_at: Option<i64>,
    pub created_at: i64,
}

/// A licence issue to store.
#[derive(Clone, Debug)]
pub struct NewIssue<'a> {
    pub licence_number: &'a str,
    pub holder_id: i64,
    pub authority_id: i64,
    pub application_id: i64,
    pub reason: &'a str,
    pub record: &'a Snapshot,
    pub photo_source: &'a str,
    pub photo_document_id: Option<i64>,
    pub clerk_id: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, licence_number, holder_id, authority_id, application_id, pass_id, \
     reason, record, photo_source, photo_document_id, clerk_id, replaced_at, created_at";

fn from_row(r: &AnyRow) -> StoreResult<LicenceIssue> {
    let record: String = r.try_get(7)?;
    Ok(LicenceIssue {
        id: r.try_get(0)?,
        licence_number: r.try_get(1)?,
        holder_id: r.try_get(2)?,
        authority_id: r.try_get(3)?,
        application_id: r.try_get(4)?,
        pass_id: r.try_get(5)?,
        reason: r.try_get(6)?,
        record: serde_json::from_str(&record).map_err(|e| {
            StoreError::Database(sqlx::Error::Decode(
                format!("licence record {record:?}: {e}").into(),
            ))
        })?,
        photo_source: r.try_get(8)?,
        photo_document_id: r.try_get(9)?,
        clerk_id: r.try_get(10)?,
        replaced_at: r.try_get(11)?,
        created_at: r.try_get(12)?,
    })
}

pub async fn insert(tx: &mut Tx, n: &NewIssue<'_>) -> StoreResult<i64> {
    let record = serde_json::to_string(n.record)
        .map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))?;
    Ok(sqlx::query(
        "INSERT INTO e_licences (licence_number, holder_id, authority_id, application_id, \
         reason, record, photo_source, photo_document_id, clerk_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(n.licence_number)
    .bind(n.holder_id)
    .bind(n.authority_id)
    .bind(n.application_id)
    .bind(n.reason)
    .bind(record)
    .bind(n.photo_source)
    .bind(n.photo_document_id)
    .bind(n.clerk_id)
    .bind(n.created_at)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

/// Holds the licence number's application lock until the transaction ends, so that applications
/// for one licence are filed one after the other (see migration 0018).
pub async fn lock_number(tx: &mut Tx, licence_number: &str, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO licence_application_locks (licence_number, touched_at) VALUES ($1, $2) \
         ON CONFLICT (licence_number) DO UPDATE SET touched_at = excluded.touched_at",
    )
    .bind(licence_number)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The licence issue of an application, if the application is one.
pub async fn for_application<'e, E>(
    executor: E,
    application_id: i64,
) -> StoreResult<Option<LicenceIssue>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM e_licences WHERE application_id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(application_id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The live issue of a licence number: the latest one issued and not replaced.
pub async fn live<'e, E>(executor: E, licence_number: &str) -> StoreResult<Option<LicenceIssue>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM e_licences WHERE licence_number = $1 AND pass_id IS NOT NULL \
         AND replaced_at IS NULL ORDER BY id DESC LIMIT 1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(licence_number)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Issues of a licence number still waiting (no pass yet) whose application is in review.
pub async fn pending<'e, E>(executor: E, licence_number: &str) -> StoreResult<Vec<LicenceIssue>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM e_licences e WHERE licence_number = $1 AND pass_id IS NULL \
         AND EXISTS (SELECT 1 FROM applications a WHERE a.id = e.application_id \
         AND a.status IN ('in_review', 'returned')) ORDER BY id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(licence_number)
        .fetch_all(executor)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every issue of a holder, newest first.
pub async fn for_holder<'e, E>(executor: E, holder_id: i64) -> StoreResult<Vec<LicenceIssue>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM e_licences WHERE holder_id = $1 ORDER BY id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(holder_id)
        .fetch_all(executor)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Live issues after `after_id`, a page at a time (the registry sync walks them all).
pub async fn live_page<'e, E>(
    executor: E,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<LicenceIssue>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM e_licences WHERE id > $1 AND pass_id IS NOT NULL \
         AND replaced_at IS NULL ORDER BY id LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(limit)
        .fetch_all(executor)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The highest issue id so far (0 when none).
pub async fn last_id<'e, E>(executor: E) -> StoreResult<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM e_licences")
        .fetch_one(executor)
        .await?;
    Ok(row.try_get(0)?)
}

/// Ties an issue to its pass once issued.
pub async fn set_pass(tx: &mut Tx, id: i64, pass_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE e_licences SET pass_id = $1 WHERE id = $2")
        .bind(pass_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks an issue replaced by a newer one; false when it already was.
pub async fn mark_replaced(tx: &mut Tx, id: i64, now: i64) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE e_licences SET replaced_at = $1 WHERE id = $2 AND replaced_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// A holder's consent for one relying party.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Consent {
    pub id: i64,
    pub licence_number: String,
    pub holder_id: i64,
    pub relying_party_id: i64,
    /// `once` or `until_expiry`.
    pub mode: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub views: i64,
    pub last_viewed_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

/// A consent to store.
#[derive(Clone, Debug)]
pub struct NewConsent<'a> {
    pub licence_number: &'a str,
    pub holder_id: i64,
    pub relying_party_id: i64,
    pub code_hash: &'a [u8],
    pub mode: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

const CONSENT_COLUMNS: &str = "id, licence_number, holder_id, relying_party_id, mode, \
     created_at, expires_at, views, last_viewed_at, withdrawn_at";

fn consent_from_row(r: &AnyRow) -> StoreResult<Consent> {
    Ok(Consent {
        id: r.try_get(0)?,
        licence_number: r.try_get(1)?,
        holder_id: r.try_get(2)?,
        relying_party_id: r.try_get(3)?,
        mode: r.try_get(4)?,
        created_at: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        views: r.try_get(7)?,
        last_viewed_at: r.try_get(8)?,
        withdrawn_at: r.try_get(9)?,
    })
}

pub async fn insert_consent(tx: &mut Tx, c: &NewConsent<'_>) -> StoreResult<Consent> {
    let sql = format!(
        "INSERT INTO licence_consents (licence_number, holder_id, relying_party_id, code_hash, \
         mode, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING {CONSENT_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(c.licence_number)
        .bind(c.holder_id)
        .bind(c.relying_party_id)
        .bind(c.code_hash)
        .bind(c.mode)
        .bind(c.created_at)
        .bind(c.expires_at)
        .fetch_one(&mut **tx)
        .await?;
    consent_from_row(&row)
}

/// The consent with this code hash, locked for the view being recorded.
pub async fn consent_by_hash(tx: &mut Tx, code_hash: &[u8]) -> StoreResult<Option<Consent>> {
    let sql = format!("SELECT {CONSENT_COLUMNS} FROM licence_consents WHERE code_hash = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code_hash)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(consent_from_row)
        .transpose()
}

/// Counts one view of a consent, unless it is used up (a `once` consent already viewed),
/// withdrawn or expired: false then. The condition sits in the UPDATE so two relying-party
/// requests racing for a `once` consent cannot both see it.
pub async fn record_view(tx: &mut Tx, id: i64, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE licence_consents SET views = views + 1, last_viewed_at = $1 WHERE id = $2 \
         AND withdrawn_at IS NULL AND expires_at > $3 AND (mode = 'until_expiry' OR views = 0)",
    )
    .bind(now)
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A holder's consents, newest first.
pub async fn consents_for_holder<'e, E>(
    executor: E,
    holder_id: i64,
    limit: i64,
) -> StoreResult<Vec<Consent>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {CONSENT_COLUMNS} FROM licence_consents WHERE holder_id = $1 \
         ORDER BY id DESC LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(holder_id)
        .bind(limit)
        .fetch_all(executor)
        .await?;
    rows.iter().map(consent_from_row).collect()
}

/// Withdraws a holder's consent; false when it is not theirs or already withdrawn.
pub async fn withdraw_consent(tx: &mut Tx, id: i64, holder_id: i64, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE licence_consents SET withdrawn_at = $1 WHERE id = $2 AND holder_id = $3 \
         AND withdrawn_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(holder_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One licence issue by id.
pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<LicenceIssue>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM e_licences WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}
