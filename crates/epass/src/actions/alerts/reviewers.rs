//! Alerts about reviewers: one deciding far more, or far faster, than the other reviewers of the
//! same authority on the same day (China time).
//!
//! How fast a reviewer decides is measured by the median time between their consecutive
//! decisions that day (pauses over an hour left out): no one can read an application and its
//! documents in the seconds a rubber stamp takes. Each day with a new decision is compared
//! again; a reviewer is flagged at most once per rule and day.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{AlertConfig, round1};
use crate::store::alerts::{self, DayDecision, NewAlert, ScannedEvent};
use crate::store::{StoreResult, Tx};

const DAY_MS: i64 = 86_400_000;
/// China Standard Time, UTC+8, all year.
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;
/// A longer time between two decisions is a pause, not time spent on the second.
const PAUSE_MS: i64 = 3_600_000;

/// The China day of a time, as days since the epoch.
fn day_of(ms: i64) -> i64 {
    (ms + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}

fn date_of(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * 86_400)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| day.to_string())
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// One reviewer's day.
#[derive(Debug)]
struct Day {
    reviewer_id: i64,
    ids: Vec<i64>,
    last_at: i64,
    /// Median seconds between consecutive decisions, pauses left out.
    median_gap_s: Option<f64>,
}

impl Day {
    fn new(reviewer_id: i64, decisions: &[&DayDecision]) -> Self {
        let mut gaps: Vec<f64> = decisions
            .windows(2)
            .map(|w| w[1].decided_at - w[0].decided_at)
            .filter(|gap| *gap <= PAUSE_MS)
            .map(|gap| gap as f64 / 1000.0)
            .collect();
        Day {
            reviewer_id,
            ids: decisions.iter().map(|d| d.id).collect(),
            last_at: decisions.last().map_or(0, |d| d.decided_at),
            median_gap_s: median(&mut gaps),
        }
    }

    fn count(&self) -> i64 {
        self.ids.len() as i64
    }
}

pub(super) async fn scan(
    tx: &mut Tx,
    config: &AlertConfig,
    events: &[ScannedEvent],
    out: &mut Vec<NewAlert>,
) -> StoreResult<()> {
    let applications: Vec<i64> = events
        .iter()
        .filter(|e| e.action == "application.decided" && e.object_type == "application")
        .filter_map(|e| e.object_id.parse().ok())
        .collect();
    if applications.is_empty() {
        return Ok(());
    }
    let days: BTreeSet<i64> = alerts::decision_times(tx, &applications)
        .await?
        .into_iter()
        .map(day_of)
        .collect();
    for day in days {
        let start = day * DAY_MS - CHINA_OFFSET_MS;
        let decisions = alerts::decisions_between(tx, start, start + DAY_MS).await?;
        // authority → reviewer → decisions in time order
        let mut by: BTreeMap<i64, BTreeMap<i64, Vec<&DayDecision>>> = BTreeMap::new();
        for d in &decisions {
            by.entry(d.authority_id)
                .or_default()
                .entry(d.reviewer_id)
                .or_default()
                .push(d);
        }
        for (authority_id, reviewers) in by {
            let days: Vec<Day> = reviewers
                .iter()
                .map(|(reviewer, ds)| Day::new(*reviewer, ds))
                .collect();
            for (i, me) in days.iter().enumerate() {
                let peers: Vec<&Day> = days
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, d)| d)
                    .collect();
                compare(config, authority_id, day, me, &peers, out);
            }
        }
    }
    Ok(())
}

fn compare(
    config: &AlertConfig,
    authority_id: i64,
    day: i64,
    me: &Day,
    peers: &[&Day],
    out: &mut Vec<NewAlert>,
) {
    if me.count() < config.reviewer_min_decisions.max(1)
        || (peers.len() as i64) < config.reviewer_min_peers.max(1)
    {
        return;
    }
    let date = date_of(day);
    let reviewer = me.reviewer_id;
    let peer_rows: Vec<_> = peers
        .iter()
        .map(|p| {
            json!({ "reviewer_id": p.reviewer_id, "decisions": p.count(),
                    "median_gap_s": p.median_gap_s.map(round1) })
        })
        .collect();
    let mut ids = me.ids.clone();
    ids.truncate(alerts::EVIDENCE_IDS as usize);
    let base = |rule: &str| {
        json!({
            "day": date,
            "reviewer_id": reviewer,
            "decisions": me.count(),
            "median_gap_s": me.median_gap_s.map(round1),
            "decision_ids": ids,
            "decision_ids_truncated": me.ids.len() > ids.len(),
            "peers": peer_rows,
            "min_decisions": config.reviewer_min_decisions,
            "min_peers": config.reviewer_min_peers,
            "rule": rule,
        })
    };
    let mut counts: Vec<f64> = peers.iter().map(|p| p.count() as f64).collect();
    let peers_count = median(&mut counts).unwrap_or(0.0);
    let factor = config.reviewer_volume_factor;
    let n = me.count();
    if peers_count > 0.0 && n as f64 >= factor * peers_count {
        let times = n as f64 / peers_count;
        let mut evidence = base("decisions ≥ volume_factor × the peers' median count");
        evidence["peers_median_decisions"] = json!(round1(peers_count));
        evidence["ratio"] = json!(round1(times));
        evidence["volume_factor"] = json!(factor);
        out.push(NewAlert {
            kind: "reviewer_volume",
            authority_id: Some(authority_id),
            pass_id: None,
            pass_number: None,
            user_id: Some(reviewer),
            summary_zh: format!(
                "审核员 {reviewer} 于 {date} 作出 {n} 项审核决定，是同日其他审核员中位数 \
                 {peers_count:.1} 项的 {times:.1} 倍（阈值 {factor} 倍）。"
            ),
            summary_en: format!(
                "Reviewer {reviewer} made {n} decisions on {date}, {times:.1} times the other \
                 reviewers' median of {peers_count:.1} (threshold {factor}×)."
            ),
            evidence,
            fingerprint: format!("reviewer_volume:{authority_id}:{reviewer}:{date}"),
            occurred_at: me.last_at,
        });
    }
    let mut gaps: Vec<f64> = peers.iter().filter_map(|p| p.median_gap_s).collect();
    let enough_peers = gaps.len() as i64 >= config.reviewer_min_peers.max(1);
    let speed = config.reviewer_speed_factor;
    if let (Some(mine), Some(theirs), true) = (me.median_gap_s, median(&mut gaps), enough_peers)
        && mine * speed < theirs
    {
        let mut evidence = base("median time between decisions < the peers' median / speed_factor");
        evidence["peers_median_gap_s"] = json!(round1(theirs));
        evidence["speed_factor"] = json!(speed);
        out.push(NewAlert {
            kind: "reviewer_speed",
            authority_id: Some(authority_id),
            pass_id: None,
            pass_number: None,
            user_id: Some(reviewer),
            summary_zh: format!(
                "审核员 {reviewer} 于 {date} 两次审核决定之间的中位间隔仅 {mine:.0} 秒，\
                 同日其他审核员为 {theirs:.0} 秒（阈值：不足其 1/{speed}）。"
            ),
            summary_en: format!(
                "Reviewer {reviewer}'s median time between decisions on {date} was {mine:.0} s, \
                 against {theirs:.0} s for the other reviewers (threshold: under 1/{speed} of it)."
            ),
            evidence,
            fingerprint: format!("reviewer_speed:{authority_id}:{reviewer}:{date}"),
            occurred_at: me.last_at,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_days_start_at_midnight_utc_plus_8() {
        // 2026-01-05 00:00 in China is 2026-01-04 16:00 UTC.
        let midnight = 1_767_542_400_000;
        assert_eq!(date_of(day_of(midnight)), "2026-01-05");
        assert_eq!(date_of(day_of(midnight - 1)), "2026-01-04");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
