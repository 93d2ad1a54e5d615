//! Reading the rollups back for the dashboard: who may, for which authority and days, and the
//! figures in series grouped by day, pass type, organisation or checkpoint.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{BUCKET_MINUTES, EPOCH_JULIAN, day_of, month_key};
use crate::actions::{ActionError, ActionResult, Caller};
use crate::domain::roles::Role;
use crate::store::statistics::{self as rollups, Cube};
use crate::store::{Db, now_ms};

/// The longest span one query covers, in days.
pub const MAX_DAYS: i64 = 366;

/// What the series are grouped by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum By {
    #[default]
    Day,
    PassType,
    Org,
    Checkpoint,
}

/// A statistics request.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct StatisticsQuery {
    /// The authority (root organisation); default: the first the caller supervises.
    pub authority: Option<i64>,
    /// First day, `YYYY-MM-DD` (Beijing time); default: 29 days before `to`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`; default: today. At most 366 days from `from`.
    pub to: Option<String>,
    /// `day` (default), `pass_type`, `org` or `checkpoint`.
    pub by: Option<By>,
    /// Only this counter, e.g. `checks` or `applications.submitted`.
    pub metric: Option<String>,
}

/// One summed counter of a group. Metrics: `applications.submitted`, `applications.resubmitted`,
/// `applications.decided` (item: approve, reject, return), `rejections` (item: reason code),
/// `passes.issued`, `passes.suspended`, `passes.resumed`, `passes.revoked`, `passes.extended`,
/// `checks` (item: outcome), `checks.hour` (item: Beijing hour `00`–`23`; by day and checkpoint).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    /// The day (`YYYY-MM-DD`), pass type id, organisation id or checkpoint id (`0`: none).
    pub group: String,
    pub metric: String,
    pub item: String,
    pub value: i64,
}

/// Review times of one group and level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReviewTime {
    pub group: String,
    pub level: i64,
    pub decisions: i64,
    /// The median, as the upper edge (minutes) of the bucket holding it; absent when longer
    /// than the last edge (60 days).
    pub median_minutes: Option<i64>,
    /// The 90th percentile, likewise.
    pub p90_minutes: Option<i64>,
}

/// Rejections of one group for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rejection {
    pub group: String,
    pub reason_code: String,
    pub zh: String,
    pub en: String,
    pub count: i64,
}

/// Applications in one state now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StateCount {
    /// The pass type or organisation id with `by=pass_type|org`, otherwise `all`.
    pub group: String,
    /// `in_review`, `returned`, `rejected`, `issued`.
    pub state: String,
    pub count: i64,
}

/// Applications past their level's deadline now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Overdue {
    pub group: String,
    pub level: i64,
    pub count: i64,
}

/// A count of one group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GroupCount {
    pub group: String,
    pub count: i64,
}

/// Figures about now (not limited to the days asked for).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Now {
    pub applications: Vec<StateCount>,
    pub overdue: Vec<Overdue>,
    /// Passes whose status is active and whose validity has not ended before today.
    pub active_passes: Vec<GroupCount>,
}

/// The dashboard's figures.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    pub authority_id: i64,
    pub from: String,
    pub to: String,
    pub by: By,
    /// Log leaves counted so far, and when the roll-up last moved (ms since the epoch; 0: never).
    pub rolled_up_to: i64,
    pub rolled_up_at: i64,
    pub counts: Vec<Count>,
    pub review_times: Vec<ReviewTime>,
    pub rejections: Vec<Rejection>,
    pub now: Now,
}

/// The zh and en label of a rejection reason code (unknown codes read as themselves).
pub fn reason_label(code: &str) -> (String, String) {
    let (zh, en) = match code {
        "documents_missing" => ("材料不全", "Documents missing"),
        "not_eligible" => ("不符合条件", "Not eligible"),
        "false_information" => ("信息不实", "False information"),
        "vehicle_not_allowed" => ("车辆不符合要求", "Vehicle not allowed"),
        "unspecified" => ("未注明理由", "No reason code given"),
        other => (other, other),
    };
    (zh.to_owned(), en.to_owned())
}

fn date_of(day: i64) -> String {
    time::Date::from_julian_day((day + EPOCH_JULIAN) as i32)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn parse_day(field: &'static str, text: &str) -> ActionResult<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format)
        .map(|d| i64::from(d.to_julian_day()) - EPOCH_JULIAN)
        .map_err(|_| {
            ActionError::invalid_msg(
                field,
                "statistics.bad_date",
                "日期格式应为 YYYY-MM-DD。",
                "A date is written YYYY-MM-DD.",
            )
        })
}

/// The authority the caller may see: supervisors and system admins of a whole authority.
fn authority(caller: &Caller, asked: Option<i64>) -> ActionResult<i64> {
    caller.require_scope("audit:read")?;
    let roots: Vec<i64> = caller
        .paths_for(&[Role::Supervisor, Role::SystemAdmin])
        .iter()
        .filter(|p| p.matches('/').count() == 2)
        .filter_map(|p| p.trim_matches('/').parse().ok())
        .collect();
    match asked {
        Some(a) if roots.contains(&a) => Ok(a),
        Some(_) => Err(ActionError::Forbidden),
        None => roots.into_iter().min().ok_or(ActionError::Forbidden),
    }
}

/// The `day` ranges that sum to days `from..=to`: the days themselves by day; otherwise the
/// days of months covered in part, and one range of keys for the whole months between.
fn spans(by: By, from: i64, to: i64) -> Vec<(i64, i64)> {
    if by == By::Day {
        return vec![(from, to)];
    }
    let mut spans = Vec::new();
    let mut months: Option<(i64, i64)> = None;
    let mut day = from;
    while day <= to {
        let key = month_key(day);
        let mut last = day;
        while month_key(last + 1) == key {
            last += 1;
        }
        let first_of_month = month_key(day - 1) != key;
        if first_of_month && last <= to {
            months = Some(months.map_or((key, key), |(hi, _)| (hi, key)));
        } else {
            spans.push((day, last.min(to)));
        }
        day = last + 1;
    }
    // Keys fall as months advance: the range is (latest, earliest).
    if let Some((earliest, latest)) = months {
        spans.push((latest, earliest));
    }
    spans
}

/// The median (`p` = 0.5) or another percentile of a histogram: the upper edge of its bucket.
fn percentile(buckets: &BTreeMap<i64, i64>, total: i64, p: f64) -> Option<i64> {
    let rank = ((total as f64) * p).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (bucket, n) in buckets {
        seen += n;
        if seen >= rank {
            return usize::try_from(*bucket)
                .ok()
                .and_then(|b| BUCKET_MINUTES.get(b))
                .copied();
        }
    }
    None
}

/// The dashboard's figures for one authority and span of days.
pub async fn query(db: &Db, caller: &Caller, q: &StatisticsQuery) -> ActionResult<Statistics> {
    let authority_id = authority(caller, q.authority)?;
    let now = now_ms();
    let to = match &q.to {
        Some(t) => parse_day("to", t)?,
        None => day_of(now),
    };
    let from = match &q.from {
        Some(f) => parse_day("from", f)?,
        None => to - 29,
    };
    if from > to || to - from >= MAX_DAYS || from < 1 {
        return Err(ActionError::invalid_msg(
            "from",
            "statistics.bad_span",
            "起止日期有误：起始不晚于截止，且最多 366 天。",
            "The span is wrong: from is not after to, and at most 366 days.",
        ));
    }
    let by = q.by.unwrap_or_default();
    let cube = match by {
        By::Day => Cube::Day,
        By::PassType => Cube::PassType,
        By::Org => Cube::Org,
        By::Checkpoint => Cube::Checkpoint,
    };
    let group = |g: i64| match by {
        By::Day => date_of(g),
        _ if g == rollups::ALL => "all".to_owned(),
        _ => g.to_string(),
    };
    let pool = db.pool();
    let spans = spans(by, from, to);
    let mut sums: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
    for span in &spans {
        for (g, metric, item, value) in
            rollups::counts(pool, authority_id, cube, *span, q.metric.as_deref()).await?
        {
            *sums.entry((g, metric, item)).or_default() += value;
        }
    }
    let mut counts = Vec::with_capacity(sums.len());
    let mut rejections = Vec::new();
    for ((g, metric, item), value) in sums {
        if metric == "rejections" {
            let (zh, en) = reason_label(&item);
            rejections.push(Rejection {
                group: group(g),
                reason_code: item.clone(),
                zh,
                en,
                count: value,
            });
        }
        counts.push(Count {
            group: group(g),
            metric,
            item,
            value,
        });
    }

    let mut histograms: BTreeMap<(i64, i64), BTreeMap<i64, i64>> = BTreeMap::new();
    for span in &spans {
        for (g, level, bucket, n) in rollups::review_times(pool, authority_id, cube, *span).await? {
            *histograms
                .entry((g, level))
                .or_default()
                .entry(bucket)
                .or_default() += n;
        }
    }
    let review_times = histograms
        .into_iter()
        .map(|((g, level), buckets)| {
            let decisions = buckets.values().sum();
            ReviewTime {
                group: group(g),
                level,
                decisions,
                median_minutes: percentile(&buckets, decisions, 0.5),
                p90_minutes: percentile(&buckets, decisions, 0.9),
            }
        })
        .collect();

    // Levels are not kept per day or checkpoint: those views get the authority's totals.
    let level_cube = match by {
        By::PassType => Cube::PassType,
        By::Org => Cube::Org,
        By::Day | By::Checkpoint => Cube::Total,
    };
    let level_group = |g: i64| {
        if g == rollups::ALL {
            "all".to_owned()
        } else {
            g.to_string()
        }
    };
    let applications = rollups::levels(pool, authority_id, level_cube, "now.applications", (0, 0))
        .await?
        .into_iter()
        .filter(|(_, _, n)| *n != 0)
        .map(|(g, state, count)| StateCount {
            group: level_group(g),
            state,
            count,
        })
        .collect();
    let today = day_of(now);
    let active_passes = rollups::levels(
        pool,
        authority_id,
        level_cube,
        "passes.live_until",
        (today, i64::MAX),
    )
    .await?
    .into_iter()
    .map(|(g, _, count)| GroupCount {
        group: level_group(g),
        count,
    })
    .collect();
    let overdue = rollups::overdue(pool, authority_id, level_cube, now)
        .await?
        .into_iter()
        .map(|(g, level, count)| Overdue {
            group: level_group(g),
            level,
            count,
        })
        .collect();
    let (rolled_up_to, rolled_up_at) = rollups::cursor(pool).await?;
    Ok(Statistics {
        authority_id,
        from: date_of(from),
        to: date_of(to),
        by,
        rolled_up_to,
        rolled_up_at,
        counts,
        review_times,
        rejections,
        now: Now {
            applications,
            overdue,
            active_passes,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_the_upper_edge_of_the_bucket_holding_the_rank() {
        // 5, 10, 30 and 60 minutes
        let buckets: BTreeMap<i64, i64> = [(3, 1), (4, 1), (7, 1), (9, 1)].into();
        assert_eq!(percentile(&buckets, 4, 0.5), Some(10));
        assert_eq!(percentile(&buckets, 4, 0.9), Some(60));
        let over: BTreeMap<i64, i64> = [(BUCKET_MINUTES.len() as i64, 1)].into();
        assert_eq!(percentile(&over, 1, 0.5), None);
    }

    #[test]
    fn a_span_reads_whole_months_by_their_keys_and_the_rest_by_day() {
        let day = |d: &str| parse_day("from", d).unwrap();
        assert_eq!(
            spans(By::Day, day("2026-01-15"), day("2026-03-02")),
            vec![(day("2026-01-15"), day("2026-03-02"))]
        );
        assert_eq!(
            spans(By::Org, day("2026-01-15"), day("2026-03-02")),
            vec![
                (day("2026-01-15"), day("2026-01-31")),
                (day("2026-03-01"), day("2026-03-02")),
                (month_key(day("2026-02-01")), month_key(day("2026-02-01"))),
            ]
        );
        assert_eq!(
            spans(By::PassType, day("2026-01-01"), day("2026-12-31")),
            vec![(month_key(day("2026-12-01")), month_key(day("2026-01-01")))]
        );
        assert_eq!(
            spans(By::Org, day("2026-11-02"), day("2026-11-02")),
            vec![(day("2026-11-02"), day("2026-11-02"))]
        );
    }

    #[test]
    fn dates_round_trip_through_day_numbers() {
        let day = parse_day("from", "2026-11-02").unwrap();
        assert_eq!(date_of(day), "2026-11-02");
        assert!(parse_day("from", "2026-02-30").is_err());
    }
}
