//! Alerts for supervisors and the scan's cursor; the reads the scan makes of checks, audit
//! events and decisions.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// An alert as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    /// `impossible_travel`, `outside_zone`, `outside_time`, `checked_after_revocation`,
    /// `unlogged_pass`, `reviewer_volume`, `reviewer_speed`, `bulk_personal_data` or
    /// `failed_logins`.
    pub kind: String,
    /// The authority whose supervisors see it; absent: every authority's.
    pub authority_id: Option<i64>,
    pub pass_id: Option<i64>,
    pub pass_number: Option<String>,
    /// The account concerned (the reviewer, the reader, the account failing to log in).
    pub user_id: Option<i64>,
    pub summary_zh: String,
    pub summary_en: String,
    /// The ids of the checks or events that raised it, and the figures with their thresholds.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    /// When what raised it happened (milliseconds since the Unix epoch).
    pub occurred_at: i64,
    pub raised_at: i64,
    /// `open` or `acknowledged`.
    pub status: String,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub note: Option<String>,
}

const COLUMNS: &str = "id, kind, authority_id, pass_id, pass_number, user_id, summary_zh, \
     summary_en, evidence, occurred_at, raised_at, status, acknowledged_by, acknowledged_at, note";

fn from_row(row: &AnyRow) -> StoreResult<Alert> {
    let evidence: String = row.try_get(8)?;
    Ok(Alert {
        id: row.try_get(0)?,
        kind: row.try_get(1)?,
        authority_id: row.try_get(2)?,
        pass_id: row.try_get(3)?,
        pass_number: row.try_get(4)?,
        user_id: row.try_get(5)?,
        summary_zh: row.try_get(6)?,
        summary_en: row.try_get(7)?,
        // Written by `insert` from a JSON value; anything else was not ours.
        evidence: serde_json::from_str(&evidence).unwrap_or(serde_json::Value::Null),
        occurred_at: row.try_get(9)?,
        raised_at: row.try_get(10)?,
        status: row.try_get(11)?,
        acknowledged_by: row.try_get(12)?,
        acknowledged_at: row.try_get(13)?,
        note: row.try_get(14)?,
    })
}

/// An alert to raise.
#[derive(Clone, Debug)]
pub struct NewAlert {
    pub kind: &'static str,
    pub authority_id: Option<i64>,
    pub pass_id: Option<i64>,
    pub pass_number: Option<String>,
    pub user_id: Option<i64>,
    pub summary_zh: String,
    pub summary_en: String,
    pub evidence: serde_json::Value,
    pub fingerprint: String,
    pub occurred_at: i64,
}

/// Raises an alert; `None` when one with the same fingerprint was raised before.
pub async fn insert(tx: &mut Tx, a: &NewAlert) -> StoreResult<Option<Alert>> {
    let sql = format!(
        "INSERT INTO alerts (kind, authority_id, pass_id, pass_number, user_id, summary_zh, \
         summary_en, evidence, fingerprint, occurred_at, raised_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open') \
         ON CONFLICT (fingerprint) DO NOTHING RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(a.kind)
        .bind(a.authority_id)
        .bind(a.pass_id)
        .bind(a.pass_number.as_deref())
        .bind(a.user_id)
        .bind(a.summary_zh.as_str())
        .bind(a.summary_en.as_str())
        .bind(a.evidence.to_string())
        .bind(a.fingerprint.as_str())
        .bind(a.occurred_at)
        .bind(now_ms())
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether an alert of `kind` about `user_id` concerns something that happened after `since`
/// (the account's current episode is already reported).
pub async fn recent_for_user(
    tx: &mut Tx,
    kind: &str,
    user_id: i64,
    since: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "SELECT id FROM alerts WHERE kind = $1 AND user_id = $2 AND occurred_at > $3 LIMIT 1",
    )
    .bind(kind)
    .bind(user_id)
    .bind(since)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// List filters; the authorities are the caller's (alerts of no authority are always listed).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub authorities: Vec<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// `occurred_at` at or after this.
    pub from: Option<i64>,
    /// `occurred_at` before this.
    pub to: Option<i64>,
    /// Newest first: ids below this.
    pub before_id: i64,
    pub limit: i64,
}

pub async fn list(pool: &sqlx::AnyPool, f: &Filter) -> StoreResult<Vec<Alert>> {
    if f.authorities.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM alerts WHERE id < $1 \
           AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR status = $3) \
           AND ($4 IS NULL OR occurred_at >= $4) AND ($5 IS NULL OR occurred_at < $5) \
           AND (authority_id IS NULL OR authority_id IN ({})) \
         ORDER BY id DESC LIMIT $6",
        super::in_list(f.authorities.len(), 7)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(f.before_id)
        .bind(f.kind.as_deref())
        .bind(f.status.as_deref())
        .bind(f.from)
        .bind(f.to)
        .bind(f.limit);
    for a in &f.authorities {
        query = query.bind(*a);
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Alert>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "alerts", COLUMNS, id, from_row).await
}

/// Marks an open alert acknowledged; false when it was not open.
pub async fn acknowledge(tx: &mut Tx, id: i64, by: i64, note: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE alerts SET status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, \
         note = $3 WHERE id = $4 AND status = 'open'",
    )
    .bind(by)
    .bind(now_ms())
    .bind(note)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How far the scan has read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub last_check_id: i64,
    pub last_event_id: i64,
}

/// Reads the cursor, locking it until the transaction ends (one scan at a time, on any node).
pub async fn lock_cursor(tx: &mut Tx) -> StoreResult<Cursor> {
    let sql = if super::merkle_log::is_postgres(tx) {
        "SELECT last_check_id, last_event_id FROM alert_cursor WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT last_check_id, last_event_id FROM alert_cursor WHERE id = 1"
    };
    let row = sqlx::query(sql).fetch_one(&mut **tx).await?;
    Ok(Cursor {
        last_check_id: row.try_get(0)?,
        last_event_id: row.try_get(1)?,
    })
}

pub async fn set_cursor(tx: &mut Tx, c: Cursor) -> StoreResult<()> {
    sqlx::query(
        "UPDATE alert_cursor SET last_check_id = $1, last_event_id = $2, scanned_at = $3 \
         WHERE id = 1",
    )
    .bind(c.last_check_id)
    .bind(c.last_event_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The highest committed check and event ids. Both are taken under the log's tail lock, so
/// nothing below them commits later.
pub async fn high_water(tx: &mut Tx) -> StoreResult<Cursor> {
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM checks), \
                (SELECT COALESCE(MAX(id), 0) FROM audit_events)",
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Cursor {
        last_check_id: row.try_get(0)?,
        last_event_id: row.try_get(1)?,
    })
}

mod sources;
pub use sources::*;
