//! Statistics for the supervisors' dashboard (SPEC §3.9): applications by state, review times
//! (median and 90th percentile), overdue items, issued and active passes, checks and their
//! outcomes, rejections by reason — by day, pass type, organisation and checkpoint.
//!
//! Nothing is counted over the big tables when the dashboard asks. [`roll_up`] (every minute,
//! `[statistics] interval_s`) reads only the tamper-evident log's leaves since its cursor —
//! audit events and recorded checks share the log's positions, and positions are given in
//! commit order under the log's tail lock, so one cursor over positions misses nothing that
//! commits late, which ids on PostgreSQL would — in bounded batches, looks up what a batch
//! needs with one IN-list query per kind (applications, passes, checkpoints), and adds to
//! the rollups in one transaction that also moves the cursor: a batch counts once, whoever
//! runs it, however often. Each figure goes to a few "cubes" (authority total, per pass type,
//! per organisation, per checkpoint for checks), so a query reads a year's rows of one cube:
//! hundreds to a few thousand rows, not millions.
//!
//! Figures about *now* are levels, kept as follows:
//! - applications by state: a counter per state (`now.applications`), moved by each
//!   transition the events record (submitted: +in_review; decided: −before +after;
//!   resubmitted: −returned +in_review);
//! - active passes: `passes.live_until` counts passes whose status is active by the day their
//!   validity ends (+1 when issued or resumed, −1 when suspended or revoked, moved when
//!   extended); the active passes now are the sum over today and later days, so expiry needs
//!   no event and no sweep;
//! - overdue items: counted at request time from `applications`, reading only the rows in
//!   review through the queue's index (`status` first): the backlog, not the 10 million.
//!
//! Review times are measured from when an application reached a level (submitted, resubmitted
//! or approved at the level below, kept in `statistics_open` while it waits) to the decision,
//! and kept as histograms of fixed log-spaced buckets ([`BUCKET_MINUTES`]); the median and the
//! 90th percentile are the upper edge of the bucket that holds them.
//!
//! Rows written before the log existed (migration 0010) have no position and are not counted.

mod batch;
mod report;

pub use report::{
    By, Count, GroupCount, Now, Overdue, Rejection, ReviewTime, StateCount, Statistics,
    StatisticsQuery, query, reason_label,
};

use std::collections::{HashMap, HashSet};

use super::ActionResult;
use crate::store::statistics::{self as rollups, CountKey, Dims, HistKey};
use crate::store::{Db, StoreError, now_ms};

/// Log leaves read per transaction: bounded, so a backlog is caught up in short steps that
/// hold the SQLite write lock briefly.
pub const BATCH_LEAVES: i64 = 5_000;

/// Upper edges of the review-time buckets in minutes (a decision of exactly an edge counts in
/// that bucket); one more bucket holds everything longer than the last edge.
pub const BUCKET_MINUTES: [i64; 30] = [
    1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960, 1440, 2160, 2880,
    4320, 5760, 7200, 10080, 14400, 20160, 30240, 43200, 86400,
];

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// Days are Beijing calendar days (UTC+8).
const BEIJING_MS: i64 = 8 * 3_600_000;

/// The Beijing calendar day of a time, counted from 1970-01-01.
pub fn day_of(ms: i64) -> i64 {
    (ms + BEIJING_MS).div_euclid(DAY_MS)
}

/// The key standing for a whole month in the `day` column: negative, so day ranges never meet
/// it. Flows are also added to their month, so a year by pass type, organisation or checkpoint
/// reads twelve month rows per figure, plus the days of months it covers in part.
pub fn month_key(day: i64) -> i64 {
    let date = i32::try_from(day + EPOCH_JULIAN)
        .ok()
        .and_then(|j| time::Date::from_julian_day(j).ok());
    match date {
        Some(d) => -(i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1) - 1,
        None => i64::MIN,
    }
}

/// Julian day number of 1970-01-01.
pub(crate) const EPOCH_JULIAN: i64 = 2_440_588;

/// The Beijing hour of a time (0 to 23).
fn hour_of(ms: i64) -> i64 {
    (ms + BEIJING_MS).rem_euclid(DAY_MS) / 3_600_000
}

/// The bucket of a review time.
pub fn bucket_of(duration_ms: i64) -> i64 {
    BUCKET_MINUTES
        .iter()
        .position(|edge| duration_ms <= edge * MINUTE_MS)
        .unwrap_or(BUCKET_MINUTES.len()) as i64
}

/// What one roll-up did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollUp {
    /// Log leaves passed over.
    pub leaves: i64,
    /// Audit events and checks counted among them.
    pub counted: i64,
    /// The cursor afterwards.
    pub position: i64,
}

/// Adds everything new in the log to the rollups, a batch per transaction, until caught up.
pub async fn roll_up(db: &Db) -> ActionResult<RollUp> {
    let mut total = RollUp::default();
    loop {
        let step = roll_up_step(db, BATCH_LEAVES).await?;
        total.leaves += step.leaves;
        total.counted += step.counted;
        total.position = step.position;
        if step.leaves < BATCH_LEAVES {
            return Ok(total);
        }
    }
}

/// Adds at most `max_leaves` new log leaves to the rollups, in one transaction with the cursor.
pub async fn roll_up_step(db: &Db, max_leaves: i64) -> ActionResult<RollUp> {
    let mut tx = db.begin().await?;
    let from = rollups::lock_cursor(&mut tx).await?;
    let to = rollups::log_size(&mut tx)
        .await?
        .min(from + max_leaves.max(1));
    if to <= from {
        tx.rollback().await.map_err(StoreError::from)?;
        return Ok(RollUp {
            position: from,
            ..RollUp::default()
        });
    }
    let events = rollups::events(&mut tx, from, to).await?;
    let checks = rollups::checks(&mut tx, from, to).await?;

    let app_ids: Vec<i64> = unique(
        events
            .iter()
            .filter(|e| e.action.starts_with("application."))
            .filter_map(|e| e.object_id.parse().ok()),
    );
    let numbers: Vec<String> = unique(
        events
            .iter()
            .filter(|e| e.action.starts_with("pass."))
            .map(|e| e.object_id.clone()),
    );
    let pass_ids: Vec<i64> = unique(checks.iter().filter_map(|c| c.pass_id));
    let checkpoint_ids: Vec<i64> = unique(checks.iter().filter_map(|c| c.checkpoint_id));
    let mut batch = batch::Batch {
        apps: rollups::application_dims(&mut tx, &app_ids).await?,
        passes: rollups::passes_by_number(&mut tx, &numbers).await?,
        open: rollups::open_levels(&mut tx, &app_ids)
            .await?
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .collect(),
        touched: HashSet::new(),
        counts: HashMap::new(),
        hist: HashMap::new(),
    };
    let mut counted = 0;
    for event in &events {
        if batch.event(event) {
            counted += 1;
        }
    }
    let check_passes = rollups::passes_by_id(&mut tx, &pass_ids).await?;
    let checkpoints = rollups::checkpoint_authorities(&mut tx, &checkpoint_ids).await?;
    for check in &checks {
        let dims = match check.pass_id.and_then(|p| check_passes.get(&p)) {
            Some(d) => *d,
            None => match check.checkpoint_id.and_then(|c| checkpoints.get(&c)) {
                Some(a) => Dims {
                    authority_id: *a,
                    pass_type_id: 0,
                    org_id: 0,
                },
                // Neither a known pass nor a checkpoint: no authority to count it for.
                None => continue,
            },
        };
        let checkpoint = check.checkpoint_id.unwrap_or(0);
        let day = day_of(check.checked_at);
        batch.add(dims, Some(checkpoint), day, "checks", &check.outcome, 1);
        let hour = format!("{:02}", hour_of(check.checked_at));
        batch.add_total(dims, Some(checkpoint), day, "checks.hour", &hour, 1);
        counted += 1;
    }

    let counts: Vec<(CountKey, i64)> = batch.counts.into_iter().filter(|(_, v)| *v != 0).collect();
    let hist: Vec<(HistKey, i64)> = batch.hist.into_iter().collect();
    let open: HashMap<i64, Option<(i64, i64)>> = batch
        .open
        .into_iter()
        .filter(|(k, _)| batch.touched.contains(k))
        .collect();
    rollups::add_counts(&mut tx, &counts).await?;
    rollups::add_review_times(&mut tx, &hist).await?;
    rollups::save_open_levels(&mut tx, &open).await?;
    rollups::advance_cursor(&mut tx, to, now_ms()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(RollUp {
        leaves: to - from,
        counted,
        position: to,
    })
}

fn unique<T: Eq + std::hash::Hash + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let set: HashSet<T> = items.collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_time_on_an_edge_counts_in_that_bucket_and_longer_ones_overflow() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(MINUTE_MS), 0);
        assert_eq!(bucket_of(MINUTE_MS + 1), 1);
        assert_eq!(bucket_of(10 * MINUTE_MS), 4);
        assert_eq!(BUCKET_MINUTES[bucket_of(120 * MINUTE_MS) as usize], 120);
        assert_eq!(bucket_of(86_401 * MINUTE_MS), BUCKET_MINUTES.len() as i64);
    }

    #[test]
    fn months_have_one_negative_key_each_in_order() {
        let nov_1 = 20_758;
        assert_eq!(
            time::Date::from_julian_day((nov_1 + EPOCH_JULIAN) as i32)
                .unwrap()
                .to_string(),
            "2026-11-01"
        );
        assert_eq!(month_key(nov_1), month_key(nov_1 + 29));
        assert_eq!(month_key(nov_1 - 1), month_key(nov_1) + 1);
        assert_eq!(month_key(nov_1 + 30), month_key(nov_1) - 1);
        assert!(month_key(nov_1) < 0);
    }

    #[test]
    fn days_and_hours_are_beijing_ones() {
        // 2026-11-01 16:00 UTC is 2026-11-02 00:00 in Beijing.
        let ms = 1_793_548_800_000;
        assert_eq!(day_of(ms), day_of(ms - 1) + 1);
        assert_eq!(hour_of(ms), 0);
        assert_eq!(hour_of(ms - 1), 23);
    }
}
