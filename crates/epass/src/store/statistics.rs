//! The dashboard's rollups (migration 0012): reading the log's new leaves by position, the
//! look-ups a batch needs (one IN-list query per kind), adding to the counters and review-time
//! histograms, and reading them back. See `actions::statistics` for what is counted and why.

use std::collections::HashMap;

use sqlx::Row;

use super::{StoreResult, Tx, batch_rows, in_list, value_rows};

/// "All" in a dimension column: the cube that sums over it.
pub const ALL: i64 = -1;

/// The actions the roll-up reads; every other event is skipped by the query itself.
pub const ROLLED_UP_ACTIONS: &[&str] = &[
    "application.submitted",
    "application.resubmitted",
    "application.decided",
    "pass.issued",
    "pass.suspended",
    "pass.resumed",
    "pass.revoked",
    "pass.extended",
];

/// An audit event the roll-up counts.
#[derive(Clone, Debug)]
pub struct LogEvent {
    pub log_index: i64,
    pub at: i64,
    pub action: String,
    pub object_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A recorded check, as the roll-up counts it.
#[derive(Clone, Debug)]
pub struct CheckRow {
    pub log_index: i64,
    pub pass_id: Option<i64>,
    pub checkpoint_id: Option<i64>,
    pub checked_at: i64,
    pub outcome: String,
}

/// Where a figure belongs: authority, pass type and organisation (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dims {
    pub authority_id: i64,
    pub pass_type_id: i64,
    pub org_id: i64,
}

/// A pass's dimensions and its state now.
#[derive(Clone, Debug)]
pub struct PassFacts {
    pub dims: Dims,
    pub status: String,
    pub valid_until: i64,
}

/// One counter cell.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CountKey {
    pub authority_id: i64,
    pub pass_type_id: i64,
    pub org_id: i64,
    pub checkpoint_id: i64,
    pub day: i64,
    pub metric: &'static str,
    pub item: String,
}

/// One histogram cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HistKey {
    pub authority_id: i64,
    pub pass_type_id: i64,
    pub org_id: i64,
    pub day: i64,
    pub level: i64,
    pub bucket: i64,
}

/// Locks the roll-up's cursor until the transaction ends and gives its position. (On SQLite the
/// transaction holds the write lock from its start.)
pub async fn lock_cursor(tx: &mut Tx) -> StoreResult<i64> {
    let sql = if super::merkle_log::is_postgres(tx) {
        "SELECT position FROM statistics_cursor WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT position FROM statistics_cursor WHERE id = 1"
    };
    Ok(sqlx::query(sql).fetch_one(&mut **tx).await?.try_get(0)?)
}

/// How many leaves the log holds (committed ones: appends hold the tail until they commit).
pub async fn log_size(tx: &mut Tx) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT size FROM merkle_log WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?)
}

/// Moves the cursor (in the transaction that added what it covers).
pub async fn advance_cursor(tx: &mut Tx, position: i64, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE statistics_cursor SET position = $1, updated_at = $2 WHERE id = 1")
        .bind(position)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The cursor's position and when it last moved.
pub async fn cursor(pool: &sqlx::AnyPool) -> StoreResult<(i64, i64)> {
    let row = sqlx::query("SELECT position, updated_at FROM statistics_cursor WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// The counted events at log positions `from..to`, in log order.
pub async fn events(tx: &mut Tx, from: i64, to: i64) -> StoreResult<Vec<LogEvent>> {
    let sql = format!(
        "SELECT log_index, at, action, object_id, before_summary, after_summary \
         FROM audit_events WHERE log_index >= $1 AND log_index < $2 AND action IN ({}) \
         ORDER BY log_index",
        in_list(ROLLED_UP_ACTIONS.len(), 3)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to);
    for action in ROLLED_UP_ACTIONS {
        query = query.bind(*action);
    }
    query
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| {
            Ok(LogEvent {
                log_index: row.try_get(0)?,
                at: row.try_get(1)?,
                action: row.try_get(2)?,
                object_id: row.try_get(3)?,
                before: row.try_get(4)?,
                after: row.try_get(5)?,
            })
        })
        .collect()
}

/// The checks recorded at log positions `from..to`.
pub async fn checks(tx: &mut Tx, from: i64, to: i64) -> StoreResult<Vec<CheckRow>> {
    sqlx::query(
        "SELECT log_index, pass_id, checkpoint_id, checked_at, outcome FROM checks \
         WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| {
        Ok(CheckRow {
            log_index: row.try_get(0)?,
            pass_id: row.try_get(1)?,
            checkpoint_id: row.try_get(2)?,
            checked_at: row.try_get(3)?,
            outcome: row.try_get(4)?,
        })
    })
    .collect()
}

/// Runs `sql_for(n)` (an IN list of `n` parameters from `$1`) over `keys` in chunks the engine
/// binds comfortably, handing every row to `each`.
async fn in_chunks<K, F>(
    tx: &mut Tx,
    keys: &[K],
    sql_for: impl Fn(usize) -> String,
    mut each: F,
) -> StoreResult<()>
where
    K: Clone + Send + Sync + 'static,
    for<'q> K: sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
    F: FnMut(&sqlx::any::AnyRow) -> StoreResult<()>,
{
    for part in keys.chunks(batch_rows(tx, 1)) {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql_for(part.len())));
        for k in part {
            query = query.bind(k.clone());
        }
        for row in query.fetch_all(&mut **tx).await? {
            each(&row)?;
        }
    }
    Ok(())
}

/// Authority, pass type and organisation of each application.
pub async fn application_dims(tx: &mut Tx, ids: &[i64]) -> StoreResult<HashMap<i64, Dims>> {
    let mut out = HashMap::new();
    in_chunks(
        tx,
        ids,
        |n| {
            format!(
                "SELECT id, authority_id, pass_type_id, org_id FROM applications WHERE id IN ({})",
                in_list(n, 1)
            )
        },
        |row| {
            let org: Option<i64> = row.try_get(3)?;
            out.insert(
                row.try_get(0)?,
                Dims {
                    authority_id: row.try_get(1)?,
                    pass_type_id: row.try_get(2)?,
                    org_id: org.unwrap_or(0),
                },
            );
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

const PASS_FACTS: &str = "SELECT p.pass_number, p.id, a.authority_id, a.pass_type_id, a.org_id, \
     p.status, p.valid_until FROM passes p JOIN applications a ON a.id = p.application_id";

fn pass_facts(row: &sqlx::any::AnyRow) -> StoreResult<(String, i64, PassFacts)> {
    let org: Option<i64> = row.try_get(4)?;
    Ok((
        row.try_get(0)?,
        row.try_get(1)?,
        PassFacts {
            dims: Dims {
                authority_id: row.try_get(2)?,
                pass_type_id: row.try_get(3)?,
                org_id: org.unwrap_or(0),
            },
            status: row.try_get(5)?,
            valid_until: row.try_get(6)?,
        },
    ))
}

/// Each pass by number: its application's dimensions, its status and end of validity now.
pub async fn passes_by_number(
    tx: &mut Tx,
    numbers: &[String],
) -> StoreResult<HashMap<String, PassFacts>> {
    let mut out = HashMap::new();
    in_chunks(
        tx,
        numbers,
        |n| format!("{PASS_FACTS} WHERE p.pass_number IN ({})", in_list(n, 1)),
        |row| {
            let (number, _, facts) = pass_facts(row)?;
            out.insert(number, facts);
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// Each pass by id: its application's dimensions.
pub async fn passes_by_id(tx: &mut Tx, ids: &[i64]) -> StoreResult<HashMap<i64, Dims>> {
    let mut out = HashMap::new();
    in_chunks(
        tx,
        ids,
        |n| format!("{PASS_FACTS} WHERE p.id IN ({})", in_list(n, 1)),
        |row| {
            let (_, id, facts) = pass_facts(row)?;
            out.insert(id, facts.dims);
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// The authority (root organisation) of each checkpoint.
pub async fn checkpoint_authorities(tx: &mut Tx, ids: &[i64]) -> StoreResult<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    in_chunks(
        tx,
        ids,
        |n| {
            format!(
                "SELECT c.id, o.path FROM checkpoints c JOIN orgs o ON o.id = c.org_id \
                 WHERE c.id IN ({})",
                in_list(n, 1)
            )
        },
        |row| {
            let path: String = row.try_get(1)?;
            if let Some(root) = path
                .split('/')
                .find(|s| !s.is_empty())
                .and_then(|s| s.parse().ok())
            {
                out.insert(row.try_get(0)?, root);
            }
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// The level and its start for each of these applications still in review.
pub async fn open_levels(tx: &mut Tx, ids: &[i64]) -> StoreResult<HashMap<i64, (i64, i64)>> {
    let mut out = HashMap::new();
    in_chunks(
        tx,
        ids,
        |n| {
            format!(
                "SELECT application_id, level, since FROM statistics_open \
                 WHERE application_id IN ({})",
                in_list(n, 1)
            )
        },
        |row| {
            out.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// Writes the open levels: `Some((level, since))` sets, `None` removes.
pub async fn save_open_levels(
    tx: &mut Tx,
    levels: &HashMap<i64, Option<(i64, i64)>>,
) -> StoreResult<()> {
    let gone: Vec<i64> = levels
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    for part in gone.chunks(batch_rows(tx, 1)) {
        let sql = format!(
            "DELETE FROM statistics_open WHERE application_id IN ({})",
            in_list(part.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in part {
            query = query.bind(*id);
        }
        query.execute(&mut **tx).await?;
    }
    let set: Vec<(i64, i64, i64)> = levels
        .iter()
        .filter_map(|(k, v)| v.map(|(level, since)| (*k, level, since)))
        .collect();
    for part in set.chunks(batch_rows(tx, 3)) {
        let sql = format!(
            "INSERT INTO statistics_open (application_id, level, since) VALUES {} \
             ON CONFLICT (application_id) DO UPDATE SET level = excluded.level, \
             since = excluded.since",
            value_rows(part.len(), 3, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, level, since) in part {
            query = query.bind(*id).bind(*level).bind(*since);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

mod rollups;
pub use rollups::*;
