//! The rollups themselves: adding to the counters and review-time histograms, and reading
//! them back by cube, day and month.

use super::*;

/// The cube a cell belongs to: 0 the authority's totals, 1 per pass type, 2 per organisation,
/// 3 per checkpoint.
fn cube_of(pass_type_id: i64, org_id: i64, checkpoint_id: i64) -> i64 {
    if pass_type_id != ALL {
        1
    } else if org_id != ALL {
        2
    } else if checkpoint_id != ALL {
        3
    } else {
        0
    }
}

/// Adds to the counters.
pub async fn add_counts(tx: &mut Tx, deltas: &[(CountKey, i64)]) -> StoreResult<()> {
    for part in deltas.chunks(batch_rows(tx, 9)) {
        let sql = format!(
            "INSERT INTO statistics_counts (authority_id, cube, pass_type_id, org_id, \
             checkpoint_id, day, metric, item, value) VALUES {} \
             ON CONFLICT (authority_id, cube, day, pass_type_id, org_id, checkpoint_id, metric, \
             item) DO UPDATE SET value = statistics_counts.value + excluded.value",
            value_rows(part.len(), 9, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (k, v) in part {
            query = query
                .bind(k.authority_id)
                .bind(cube_of(k.pass_type_id, k.org_id, k.checkpoint_id))
                .bind(k.pass_type_id)
                .bind(k.org_id)
                .bind(k.checkpoint_id)
                .bind(k.day)
                .bind(k.metric)
                .bind(k.item.clone())
                .bind(*v);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds decisions to the review-time histograms.
pub async fn add_review_times(tx: &mut Tx, deltas: &[(HistKey, i64)]) -> StoreResult<()> {
    for part in deltas.chunks(batch_rows(tx, 8)) {
        let sql = format!(
            "INSERT INTO statistics_review_times (authority_id, cube, pass_type_id, org_id, \
             day, level, bucket, decisions) VALUES {} \
             ON CONFLICT (authority_id, cube, day, pass_type_id, org_id, level, bucket) \
             DO UPDATE SET decisions = statistics_review_times.decisions + excluded.decisions",
            value_rows(part.len(), 8, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (k, v) in part {
            query = query
                .bind(k.authority_id)
                .bind(cube_of(k.pass_type_id, k.org_id, ALL))
                .bind(k.pass_type_id)
                .bind(k.org_id)
                .bind(k.day)
                .bind(k.level)
                .bind(k.bucket)
                .bind(*v);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Which cube a query reads, and so what its rows are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cube {
    /// The authority's totals, one group per day.
    Day,
    /// Per pass type.
    PassType,
    /// Per organisation (0: none).
    Org,
    /// Per checkpoint (0: none; checks only).
    Checkpoint,
    /// The authority's totals, one group (-1) in all.
    Total,
}

impl Cube {
    /// `(group column, condition)`: the condition picks the cube's rows (the key's prefix). The
    /// review-time table has no checkpoint cube (`with_checkpoint` false): it gives the total.
    fn sql(self, with_checkpoint: bool) -> (&'static str, &'static str) {
        match self {
            Cube::Day => ("day", "cube = 0"),
            Cube::PassType => ("pass_type_id", "cube = 1"),
            Cube::Org => ("org_id", "cube = 2"),
            Cube::Checkpoint if with_checkpoint => ("checkpoint_id", "cube = 3"),
            Cube::Checkpoint | Cube::Total => ("-1", "cube = 0"),
        }
    }
}

/// One summed counter: `(group, metric, item, value)`.
pub type CountRow = (i64, String, String, i64);

/// Sums the counters of days `from..=to` in a cube, by group, metric and item (the levels
/// `now.applications` and `passes.live_until` excluded); `metric` narrows to one.
pub async fn counts(
    pool: &sqlx::AnyPool,
    authority_id: i64,
    cube: Cube,
    days: (i64, i64),
    metric: Option<&str>,
) -> StoreResult<Vec<CountRow>> {
    let (group, cond) = cube.sql(true);
    let only = if metric.is_some() {
        "AND metric = $4"
    } else {
        "AND metric <> $4"
    };
    let sql = format!(
        "SELECT {group}, metric, item, CAST(SUM(value) AS BIGINT) FROM statistics_counts \
         WHERE authority_id = $1 AND {cond} AND day >= $2 AND day <= $3 {only} \
         AND metric <> 'now.applications' \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(days.0)
        .bind(days.1)
        .bind(metric.unwrap_or("passes.live_until"))
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
}

/// Sums one level metric over days `from..=to` of a cube (checkpoints are not a dimension of
/// levels): `(group, item, value)`.
pub async fn levels(
    pool: &sqlx::AnyPool,
    authority_id: i64,
    cube: Cube,
    metric: &str,
    days: (i64, i64),
) -> StoreResult<Vec<(i64, String, i64)>> {
    let (group, cond) = cube.sql(true);
    let sql = format!(
        "SELECT {group}, item, CAST(SUM(value) AS BIGINT) FROM statistics_counts \
         WHERE authority_id = $1 AND {cond} AND metric = $2 AND day >= $3 AND day <= $4 \
         GROUP BY 1, 2 ORDER BY 1, 2"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(metric)
        .bind(days.0)
        .bind(days.1)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Review-time histograms of days `from..=to` in a cube: `(group, level, bucket, decisions)`.
pub async fn review_times(
    pool: &sqlx::AnyPool,
    authority_id: i64,
    cube: Cube,
    days: (i64, i64),
) -> StoreResult<Vec<(i64, i64, i64, i64)>> {
    let (group, cond) = cube.sql(false);
    let sql = format!(
        "SELECT {group}, level, bucket, CAST(SUM(decisions) AS BIGINT) FROM statistics_review_times \
         WHERE authority_id = $1 AND {cond} AND day >= $2 AND day <= $3 \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(days.0)
        .bind(days.1)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
}

/// Applications in review past their level's deadline now: `(group, level, count)`. Reads only
/// the rows in review, through the queue's index (status first).
pub async fn overdue(
    pool: &sqlx::AnyPool,
    authority_id: i64,
    cube: Cube,
    now: i64,
) -> StoreResult<Vec<(i64, i64, i64)>> {
    let group = match cube {
        Cube::PassType => "pass_type_id",
        Cube::Org => "COALESCE(org_id, 0)",
        _ => "-1",
    };
    let sql = format!(
        "SELECT {group}, level, COUNT(*) FROM applications \
         WHERE status = 'in_review' AND level_due_at < $1 AND authority_id = $2 \
         GROUP BY 1, 2 ORDER BY 1, 2"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(authority_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}
