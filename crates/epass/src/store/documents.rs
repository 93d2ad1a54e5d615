//! Uploaded documents (their bytes are in the document store) and documents owed after an
//! approval with a deadline (容缺受理).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// A document as recorded.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: i64,
    pub application_id: i64,
    pub uploader_id: i64,
    /// `id_card`, `driving_licence`, `vehicle_licence`, `test_report` or `other`.
    pub kind: String,
    /// Decided from the content: `image/jpeg`, `image/png` or `application/pdf`.
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
pub struct NewDocument<'a> {
    pub application_id: i64,
    pub uploader_id: i64,
    pub kind: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub object_key: &'a str,
}

const COLUMNS: &str = "id, application_id, uploader_id, kind, content_type, size_bytes, sha256, uploaded_at, object_key";

fn from_row(row: &AnyRow) -> StoreResult<Document> {
    Ok(Document {
        id: row.try_get(0)?,
        application_id: row.try_get(1)?,
        uploader_id: row.try_get(2)?,
        kind: row.try_get(3)?,
        content_type: row.try_get(4)?,
        size_bytes: row.try_get(5)?,
        sha256: row.try_get(6)?,
        uploaded_at: row.try_get(7)?,
        object_key: row.try_get(8)?,
    })
}

pub async fn insert(tx: &mut Tx, d: &NewDocument<'_>) -> StoreResult<Document> {
    let id: i64 = sqlx::query(
        "INSERT INTO documents (application_id, uploader_id, kind, content_type, size_bytes, \
         sha256, object_key, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(d.application_id)
    .bind(d.uploader_id)
    .bind(d.kind)
    .bind(d.content_type)
    .bind(d.size_bytes)
    .bind(d.sha256)
    .bind(d.object_key)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    get(&mut **tx, id).await
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Document>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "documents", COLUMNS, id, from_row).await
}

/// The documents of an application, oldest first.
pub async fn for_application<'e, E>(executor: E, application_id: i64) -> StoreResult<Vec<Document>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE application_id = $1 ORDER BY id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(application_id)
        .fetch_all(executor)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// A document owed after approval.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Owed {
    pub id: i64,
    pub application_id: i64,
    pub pass_id: i64,
    pub kind: String,
    /// The deadline, milliseconds since the Unix epoch.
    pub due_at: i64,
    pub owed_by: i64,
    pub created_at: i64,
    pub reminded_3d_at: Option<i64>,
    pub reminded_1d_at: Option<i64>,
    pub fulfilled_at: Option<i64>,
    pub document_id: Option<i64>,
    pub lapsed_at: Option<i64>,
}

const OWED_COLUMNS: &str = "id, application_id, pass_id, kind, due_at, owed_by, created_at, \
     reminded_3d_at, reminded_1d_at, fulfilled_at, document_id, lapsed_at";

fn owed_from_row(row: &AnyRow) -> StoreResult<Owed> {
    Ok(Owed {
        id: row.try_get(0)?,
        application_id: row.try_get(1)?,
        pass_id: row.try_get(2)?,
        kind: row.try_get(3)?,
        due_at: row.try_get(4)?,
        owed_by: row.try_get(5)?,
        created_at: row.try_get(6)?,
        reminded_3d_at: row.try_get(7)?,
        reminded_1d_at: row.try_get(8)?,
        fulfilled_at: row.try_get(9)?,
        document_id: row.try_get(10)?,
        lapsed_at: row.try_get(11)?,
    })
}

/// Records a document owed by an application whose pass was just issued.
pub async fn insert_owed(
    tx: &mut Tx,
    application_id: i64,
    pass_id: i64,
    kind: &str,
    due_at: i64,
    owed_by: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO owed_documents (application_id, pass_id, kind, due_at, owed_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(application_id)
    .bind(pass_id)
    .bind(kind)
    .bind(due_at)
    .bind(owed_by)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

/// Everything an application owes or owed.
pub async fn owed_for_application<'e, E>(executor: E, application_id: i64) -> StoreResult<Vec<Owed>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql =
        format!("SELECT {OWED_COLUMNS} FROM owed_documents WHERE application_id = $1 ORDER BY id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(application_id)
        .fetch_all(executor)
        .await?
        .iter()
        .map(owed_from_row)
        .collect()
}

/// Marks the open debt of `kind` as fulfilled by a document; the fulfilled item, if one was open.
pub async fn fulfil(
    tx: &mut Tx,
    application_id: i64,
    kind: &str,
    document_id: i64,
) -> StoreResult<Option<Owed>> {
    let sql = format!(
        "UPDATE owed_documents SET fulfilled_at = $1, document_id = $2 \
         WHERE application_id = $3 AND kind = $4 AND fulfilled_at IS NULL RETURNING {OWED_COLUMNS}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now_ms())
        .bind(document_id)
        .bind(application_id)
        .bind(kind)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(owed_from_row)
        .transpose()
}

/// Open debts (neither fulfilled nor lapsed) the sweep must act on at `now`: past their
/// deadline, or within `early` of it and not yet reminded early, or within `late` of it and not
/// yet reminded late. By application; `limit` bounds one sweep.
pub async fn needing_action(
    pool: &sqlx::AnyPool,
    now: i64,
    early: i64,
    late: i64,
    limit: i64,
) -> StoreResult<Vec<Owed>> {
    let sql = format!(
        "SELECT {OWED_COLUMNS} FROM owed_documents \
         WHERE fulfilled_at IS NULL AND lapsed_at IS NULL AND (due_at <= $1 \
            OR (due_at <= $2 AND reminded_1d_at IS NULL) \
            OR (due_at <= $3 AND reminded_3d_at IS NULL)) \
         ORDER BY application_id, id LIMIT $4"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(now + late)
        .bind(now + early)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(owed_from_row)
        .collect()
}

/// Which reminder a sweep sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reminder {
    ThreeDays,
    OneDay,
}

/// Marks the reminder sent for the open items of an application, only those not yet reminded;
/// how many it marked (0: another sweep sent it first, so send nothing). A one-day reminder
/// also covers a three-day one not sent (a short deadline gets one message, not two).
pub async fn mark_reminded(
    tx: &mut Tx,
    application_id: i64,
    reminder: Reminder,
    now: i64,
) -> StoreResult<u64> {
    let sql = match reminder {
        Reminder::ThreeDays => {
            "UPDATE owed_documents SET reminded_3d_at = $1 WHERE application_id = $2 \
             AND fulfilled_at IS NULL AND lapsed_at IS NULL AND reminded_3d_at IS NULL"
        }
        Reminder::OneDay => {
            "UPDATE owed_documents SET reminded_1d_at = $1, \
             reminded_3d_at = COALESCE(reminded_3d_at, $1) WHERE application_id = $2 \
             AND fulfilled_at IS NULL AND lapsed_at IS NULL AND reminded_1d_at IS NULL"
        }
    };
    Ok(sqlx::query(sql)
        .bind(now)
        .bind(application_id)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Marks the open items of an application past their deadline as lapsed; how many (0: another
/// sweep got there first).
pub async fn mark_lapsed(tx: &mut Tx, application_id: i64, now: i64) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE owed_documents SET lapsed_at = $1 WHERE application_id = $2 \
         AND fulfilled_at IS NULL AND lapsed_at IS NULL AND due_at <= $1",
    )
    .bind(now)
    .bind(application_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
