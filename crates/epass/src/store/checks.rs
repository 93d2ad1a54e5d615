//! Recorded checks: one at a time or a group at once, each a leaf of the tamper-evident log.

use sqlx::Row;

use super::{StoreResult, Tx, now_ms};

/// A check to record.
#[derive(Clone, Debug)]
pub struct NewCheck<'a> {
    pub pass_id: Option<i64>,
    pub pass_number: Option<&'a str>,
    pub checkpoint_id: Option<i64>,
    pub officer_id: i64,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub checked_at: i64,
    pub outcome: &'a str,
    pub client_ref: Option<&'a str>,
}

/// Records a check; `Ok(None)` when a check with the same `client_ref` was recorded before.
pub async fn insert_check(tx: &mut Tx, c: &NewCheck<'_>) -> StoreResult<Option<i64>> {
    Ok(insert_checks(tx, std::slice::from_ref(c))
        .await?
        .pop()
        .flatten())
}

/// Records a group of checks (the check writer's group commit): the log's tail is locked once,
/// the new rows take the next positions and are written a statement per kind (with and without
/// a position), and their leaves appended with one tail update. A check whose `client_ref` was
/// recorded before (or earlier in the group) takes no position and gives `None`; holding the
/// tail lock, nobody else records a check meanwhile.
pub async fn insert_checks(tx: &mut Tx, checks: &[NewCheck<'_>]) -> StoreResult<Vec<Option<i64>>> {
    use std::collections::{HashMap, HashSet};
    let old = super::merkle_log::lock_tail(tx).await?;
    let recorded_at = now_ms();
    let refs: Vec<&str> = checks.iter().filter_map(|c| c.client_ref).collect();
    let mut seen: HashSet<String> = HashSet::new();
    for part in refs.chunks(super::batch_rows(tx, 1)) {
        let sql = format!(
            "SELECT client_ref FROM checks WHERE client_ref IN ({})",
            super::in_list(part.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in part {
            query = query.bind(*r);
        }
        for row in query.fetch_all(&mut **tx).await? {
            seen.insert(row.try_get(0)?);
        }
    }
    // (position in the log, the check) for each new row.
    let mut new: Vec<(u64, &NewCheck)> = Vec::new();
    let mut index_of: Vec<Option<u64>> = Vec::with_capacity(checks.len());
    for c in checks {
        if let Some(r) = c.client_ref
            && !seen.insert(r.to_owned())
        {
            index_of.push(None);
            continue;
        }
        let index = old.size() + new.len() as u64;
        new.push((index, c));
        index_of.push(Some(index));
    }
    let mut ids: HashMap<i64, i64> = HashMap::new();
    for placed in [true, false] {
        let rows: Vec<&(u64, &NewCheck)> = new
            .iter()
            .filter(|(_, c)| c.longitude.zip(c.latitude).is_some() == placed)
            .collect();
        for part in rows.chunks(super::batch_rows(tx, 11)) {
            // A missing position is a literal NULL: through `sqlx::Any` a NULL f64 parameter is
            // typed float4 on PostgreSQL, and the cached statement would then refuse real
            // coordinates.
            let cols = if placed { 11 } else { 9 };
            let values: Vec<String> = (0..part.len())
                .map(|i| {
                    let p = |k: usize| format!("${}", i * cols + k);
                    let position = if placed {
                        format!("{}, {}", p(10), p(11))
                    } else {
                        "NULL, NULL".to_owned()
                    };
                    format!(
                        "({}, {}, {}, {}, {}, {}, {}, {}, {}, {position})",
                        p(1),
                        p(2),
                        p(3),
                        p(4),
                        p(5),
                        p(6),
                        p(7),
                        p(8),
                        p(9)
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO checks (pass_id, pass_number, checkpoint_id, officer_id, \
                 checked_at, outcome, client_ref, recorded_at, log_index, longitude, latitude) \
                 VALUES {} RETURNING log_index, id",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (index, c) in part {
                let index = i64::try_from(*index).map_err(|_| {
                    super::StoreError::Database(sqlx::Error::Protocol("log full".into()))
                })?;
                query = query
                    .bind(c.pass_id)
                    .bind(c.pass_number)
                    .bind(c.checkpoint_id)
                    .bind(c.officer_id)
                    .bind(c.checked_at)
                    .bind(c.outcome)
                    .bind(c.client_ref)
                    .bind(recorded_at)
                    .bind(index);
                if let Some((lon, lat)) = c.longitude.zip(c.latitude) {
                    query = query.bind(lon).bind(lat);
                }
            }
            for row in query.fetch_all(&mut **tx).await? {
                ids.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
    }
    let leaves: Vec<_> = new
        .iter()
        .map(|(index, c)| {
            super::merkle_log::CheckLeaf {
                index: *index,
                pass_id: c.pass_id,
                pass_number: c.pass_number,
                checkpoint_id: c.checkpoint_id,
                officer_id: c.officer_id,
                longitude: c.longitude.zip(c.latitude).map(|p| p.0),
                latitude: c.longitude.zip(c.latitude).map(|p| p.1),
                checked_at: c.checked_at,
                outcome: c.outcome,
                client_ref: c.client_ref,
                recorded_at,
            }
            .hash()
        })
        .collect();
    super::merkle_log::append_many_locked(tx, &old, &leaves).await?;
    index_of
        .into_iter()
        .map(|index| match index {
            None => Ok(None),
            Some(index) => {
                let index = i64::try_from(index).unwrap_or(i64::MAX);
                ids.get(&index).copied().map(Some).ok_or_else(|| {
                    super::StoreError::Database(sqlx::Error::Protocol(
                        "a recorded check did not come back".into(),
                    ))
                })
            }
        })
        .collect()
}
