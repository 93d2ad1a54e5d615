//! The supervisor's dashboard on the landing page: charts drawn by the server as plain SVG (no
//! script) from the statistics action — applications per day by state, review times (median,
//! 90th percentile), overdue items now, checks per checkpoint and per hour, decisions per
//! reviewer, rejections by reason — over the last 7, 30 or 90 days. Pass types, checkpoints and
//! reviewers are labelled by name.

use std::collections::{BTreeMap, HashMap};

use super::format::day;
use super::supervise_svg::{AMBER, BLUE, GREEN, RED, columns, rows};
use crate::actions::statistics::{By, Statistics, StatisticsQuery, query};
use crate::actions::{ActionResult, Caller};
use crate::i18n::Lang;
use crate::store::{Db, checkpoints, now_ms, pass_types, reviewer_counts};

/// The periods a supervisor may choose, in days.
pub const PERIODS: [i64; 3] = [7, 30, 90];
/// The period shown unless another is chosen.
const DEFAULT_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;
/// The most reviewers the decisions chart shows.
const REVIEWERS: i64 = 20;

/// A `?days=` as one of the fixed periods (the default otherwise).
pub fn period(days: Option<i64>) -> i64 {
    days.filter(|d| PERIODS.contains(d)).unwrap_or(DEFAULT_DAYS)
}

/// One chart: a title, an id for tests and the SVG markup (built here, text escaped).
#[derive(Debug)]
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    pub empty: bool,
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// `YYYY-MM-DD` as a date.
fn date(s: &str) -> Option<time::Date> {
    let mut parts = s.split('-').map(str::parse::<i64>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
}

/// Every day from `from` to `to`, both included (at most a year's).
fn every_day(from: &str, to: &str) -> Vec<String> {
    let (Some(mut d), Some(end)) = (date(from), date(to)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while d <= end && out.len() < 400 {
        out.push(d.to_string());
        match d.next_day() {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

fn stats(
    db: &Db,
    caller: &Caller,
    by: By,
    days: i64,
) -> impl Future<Output = ActionResult<Statistics>> {
    let now = now_ms();
    let q = StatisticsQuery {
        by: Some(by),
        from: Some(day(now - (days - 1) * DAY_MS)),
        to: Some(day(now)),
        ..StatisticsQuery::default()
    };
    async move { query(db, caller, &q).await }
}

/// Names of the groups (ids) of a statistics answer, looked up once each; a group not found
/// (or `0`) keeps no name.
async fn names<F, Fut>(groups: impl Iterator<Item = String>, lookup: F) -> HashMap<String, String>
where
    F: Fn(i64) -> Fut,
    Fut: Future<Output = Option<String>>,
{
    let mut out = HashMap::new();
    for g in groups {
        if out.contains_key(&g) {
            continue;
        }
        if let Ok(id) = g.parse::<i64>()
            && id > 0
            && let Some(name) = lookup(id).await
        {
            out.insert(g, name);
        }
    }
    out
}

/// Midnight (China time) at the start of the day `YYYY-MM-DD`, in ms.
fn start_of(d: &str) -> Option<i64> {
    let offset = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    let t = date(d)?.midnight().assume_offset(offset);
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The dashboard's charts over the last `days` days (as of the last roll-up).
pub async fn charts(db: &Db, caller: &Caller, lang: Lang, days: i64) -> ActionResult<Vec<Chart>> {
    let days = period(Some(days));
    let by_day = stats(db, caller, By::Day, days).await?;
    let by_type = stats(db, caller, By::PassType, days).await?;
    let by_checkpoint = stats(db, caller, By::Checkpoint, days).await?;
    let pool = db.pool();
    let type_names = names(
        by_type.review_times.iter().map(|t| t.group.clone()),
        |id| async move {
            pass_types::get(pool, id).await.ok().map(|pt| match lang {
                Lang::Zh => pt.name_zh,
                Lang::En => pt.name_en,
            })
        },
    )
    .await;
    let checkpoint_names = names(
        by_checkpoint.counts.iter().map(|c| c.group.clone()),
        |id| async move { checkpoints::get(pool, id).await.ok().map(|c| c.name) },
    )
    .await;
    let mut out = Vec::new();

    // Applications per day by state.
    let mut days: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for c in &by_day.counts {
        let slot = match (c.metric.as_str(), c.item.as_str()) {
            ("applications.submitted" | "applications.resubmitted", _) => 0,
            ("applications.decided", "approve") => 1,
            ("applications.decided", "return") => 2,
            ("applications.decided", "reject") => 3,
            _ => continue,
        };
        days.entry(c.group.clone()).or_default()[slot] += c.value;
    }
    let title = pick(lang, "每日申请（按状态）", "Applications per day by state");
    // Every day of the span, those without applications too.
    for d in every_day(&by_day.from, &by_day.to) {
        days.entry(d).or_default();
    }
    let cats: Vec<String> = days
        .keys()
        .map(|d| d.get(5..).unwrap_or(d).to_owned())
        .collect();
    let series = [
        (BLUE, pick(lang, "提交", "Submitted"), 0),
        (GREEN, pick(lang, "通过", "Approved"), 1),
        (AMBER, pick(lang, "退回", "Returned"), 2),
        (RED, pick(lang, "驳回", "Rejected"), 3),
    ]
    .map(|(c, n, i)| (c, n, days.values().map(|v| v[i]).collect::<Vec<_>>()));
    out.push(Chart {
        id: "chart-applications",
        svg: columns(&cats, &series, &title),
        title,
        empty: days.values().all(|v| v.iter().all(|n| *n == 0)),
    });

    // Review times by pass type and level.
    let title = pick(
        lang,
        "审核用时（分钟：中位数、90 分位）",
        "Review times (minutes: median, 90th percentile)",
    );
    let times: Vec<(String, Vec<i64>)> = by_type
        .review_times
        .iter()
        .filter(|t| t.group != "all")
        .map(|t| {
            let name = type_names
                .get(&t.group)
                .cloned()
                .unwrap_or_else(|| format!("#{}", t.group));
            let label = match lang {
                Lang::Zh => format!("{name} · 第 {} 级（{} 件）", t.level, t.decisions),
                Lang::En => format!("{name} · level {} ({})", t.level, t.decisions),
            };
            (
                label,
                vec![t.median_minutes.unwrap_or(0), t.p90_minutes.unwrap_or(0)],
            )
        })
        .collect();
    let series = [
        (BLUE, pick(lang, "中位数", "Median")),
        (AMBER, pick(lang, "90 分位", "90th percentile")),
    ];
    out.push(Chart {
        id: "chart-review-times",
        svg: rows(&times, &series, &title, ""),
        title,
        empty: times.is_empty(),
    });

    // Overdue items now, by level.
    let title = pick(
        lang,
        "当前超期件（按审核级别）",
        "Overdue now, by review level",
    );
    let overdue: Vec<(String, Vec<i64>)> = by_day
        .now
        .overdue
        .iter()
        .map(|o| {
            (
                pick(
                    lang,
                    &format!("第 {} 级", o.level),
                    &format!("Level {}", o.level),
                ),
                vec![o.count],
            )
        })
        .collect();
    out.push(Chart {
        id: "chart-overdue",
        svg: rows(
            &overdue,
            &[(RED, pick(lang, "超期", "Overdue"))],
            &title,
            "",
        ),
        title,
        empty: overdue.is_empty(),
    });

    // Checks per checkpoint (green valid, red otherwise) and per hour.
    let mut per_checkpoint: BTreeMap<String, [i64; 2]> = BTreeMap::new();
    for c in by_checkpoint
        .counts
        .iter()
        .filter(|c| c.metric == "checks" && c.group != "all")
    {
        let slot = usize::from(c.item != "valid");
        per_checkpoint.entry(c.group.clone()).or_default()[slot] += c.value;
    }
    let title = pick(lang, "各卡口查验次数", "Checks per checkpoint");
    let checkpoints: Vec<(String, Vec<i64>)> = per_checkpoint
        .iter()
        .map(|(g, v)| {
            let label = match checkpoint_names.get(g) {
                Some(name) => name.clone(),
                None if g == "0" => pick(lang, "未指定卡口", "No checkpoint"),
                None => pick(lang, &format!("卡口 #{g}"), &format!("Checkpoint #{g}")),
            };
            (label, v.to_vec())
        })
        .collect();
    let series = [
        (GREEN, pick(lang, "有效", "Valid")),
        (RED, pick(lang, "无效/其他", "Not valid")),
    ];
    out.push(Chart {
        id: "chart-checkpoints",
        svg: rows(&checkpoints, &series, &title, ""),
        title,
        empty: checkpoints.is_empty(),
    });
    let mut hours = [0_i64; 24];
    for c in by_day.counts.iter().filter(|c| c.metric == "checks.hour") {
        if let Some(slot) = c.item.parse::<usize>().ok().and_then(|h| hours.get_mut(h)) {
            *slot += c.value;
        }
    }
    let title = pick(
        lang,
        "各时段查验次数（北京时间）",
        "Checks per hour (UTC+8)",
    );
    let cats: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    out.push(Chart {
        id: "chart-hours",
        svg: columns(
            &cats,
            &[(BLUE, pick(lang, "查验", "Checks"), hours.to_vec())],
            &title,
        ),
        title,
        empty: hours.iter().all(|h| *h == 0),
    });

    // Decisions per reviewer, by name.
    let from = start_of(&by_day.from).unwrap_or(0);
    let to = start_of(&by_day.to).map_or(i64::MAX, |d| d + DAY_MS);
    let per_reviewer =
        reviewer_counts::by_reviewer(pool, by_day.authority_id, from, to, REVIEWERS).await?;
    let title = pick(lang, "各审核人员的决定", "Decisions per reviewer");
    let reviewers: Vec<(String, Vec<i64>)> = per_reviewer
        .iter()
        .map(|r| (r.name.clone(), vec![r.approved, r.rejected, r.returned]))
        .collect();
    let series = [
        (GREEN, pick(lang, "通过", "Approved")),
        (RED, pick(lang, "驳回", "Rejected")),
        (AMBER, pick(lang, "退回", "Returned")),
    ];
    out.push(Chart {
        id: "chart-reviewers",
        svg: rows(&reviewers, &series, &title, ""),
        title,
        empty: reviewers.is_empty(),
    });

    // Rejections by reason.
    let mut reasons: BTreeMap<String, i64> = BTreeMap::new();
    for r in &by_day.rejections {
        let label = if lang == Lang::Zh { &r.zh } else { &r.en };
        *reasons.entry(label.clone()).or_default() += r.count;
    }
    let title = pick(lang, "驳回原因", "Rejections by reason");
    let reasons: Vec<(String, Vec<i64>)> = reasons.into_iter().map(|(k, v)| (k, vec![v])).collect();
    out.push(Chart {
        id: "chart-rejections",
        svg: rows(
            &reasons,
            &[(RED, pick(lang, "驳回", "Rejected"))],
            &title,
            "",
        ),
        title,
        empty: reasons.is_empty(),
    });
    Ok(out)
}
