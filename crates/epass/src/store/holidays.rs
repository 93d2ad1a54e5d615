//! Each authority's table of public holidays and make-up working days, from which its working-day
//! [`Calendar`] is built.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};
use crate::domain::calendar::{Calendar, DayKind, parse_date};

/// One entry of the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Holiday {
    pub authority_id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub kind: DayKind,
    pub name: String,
}

fn from_row(row: &AnyRow) -> StoreResult<Holiday> {
    let kind: String = row.try_get(2)?;
    Ok(Holiday {
        authority_id: row.try_get(0)?,
        date: row.try_get(1)?,
        kind: DayKind::parse(&kind).ok_or_else(|| {
            StoreError::Database(sqlx::Error::Decode(
                format!("unknown day kind {kind:?}").into(),
            ))
        })?,
        name: row.try_get(3)?,
    })
}

/// The entry for one day, if any.
pub async fn get<'e, E>(executor: E, authority_id: i64, date: &str) -> StoreResult<Option<Holiday>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT authority_id, day, kind, name FROM holidays WHERE authority_id = $1 AND day = $2",
    )
    .bind(authority_id)
    .bind(date)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Adds the day or replaces its entry.
pub async fn upsert(tx: &mut Tx, holiday: &Holiday) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO holidays (authority_id, day, kind, name, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (authority_id, day) DO UPDATE \
         SET kind = excluded.kind, name = excluded.name, updated_at = excluded.updated_at",
    )
    .bind(holiday.authority_id)
    .bind(&holiday.date)
    .bind(holiday.kind.as_str())
    .bind(&holiday.name)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes the day's entry; false if there was none.
pub async fn delete(tx: &mut Tx, authority_id: i64, date: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM holidays WHERE authority_id = $1 AND day = $2")
        .bind(authority_id)
        .bind(date)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The authority's entries in date order, optionally of one year only.
pub async fn list<'e, E>(
    executor: E,
    authority_id: i64,
    year: Option<i32>,
) -> StoreResult<Vec<Holiday>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // ISO dates sort as text, so a year is the range [YYYY-01-01, YYYY+1-01-01).
    let (from, to) = match year {
        Some(y) => (format!("{y:04}-01-01"), format!("{:04}-01-01", y + 1)),
        None => ("0000".to_owned(), "9999-99".to_owned()),
    };
    let rows = sqlx::query(
        "SELECT authority_id, day, kind, name FROM holidays \
         WHERE authority_id = $1 AND day >= $2 AND day < $3 ORDER BY day",
    )
    .bind(authority_id)
    .bind(from)
    .bind(to)
    .fetch_all(executor)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The authority's working-day calendar.
pub async fn calendar<'e, E>(executor: E, authority_id: i64) -> StoreResult<Calendar>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let entries = list(executor, authority_id, None).await?;
    Ok(Calendar::new(entries.iter().filter_map(|h| {
        // Dates are parsed before they are stored; an unreadable one cannot be in the table.
        parse_date(&h.date).map(|d| (d, h.kind))
    })))
}
