//! The supervisor's dashboard on the landing page: charts drawn by the server as plain SVG (no
//! script) from the statistics action — applications per day by state, review times (median,
//! 90th percentile), overdue items now, checks per checkpoint and per hour, rejections by reason.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::actions::statistics::{By, Statistics, StatisticsQuery, query};
use crate::actions::{ActionResult, Caller};
use crate::i18n::Lang;
use crate::store::Db;

const BLUE: &str = "#0b3d91";
const GREEN: &str = "#17692f";
const RED: &str = "#b3261e";
const AMBER: &str = "#b58100";
const GREY: &str = "#6b7280";

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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn legend(out: &mut String, series: &[(&str, String)], y: i64) {
    let mut x = 10;
    for (colour, name) in series {
        let _ = write!(
            out,
            r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}" font-size="16">{}</text>"#,
            x + 16,
            y + 11,
            esc(name)
        );
        x += 28 + 16 * i64::try_from(name.chars().count()).unwrap_or(8);
    }
}

/// Grouped columns: one group per category, one column per series.
fn columns(categories: &[String], series: &[(&str, String, Vec<i64>)], title: &str) -> String {
    let (w, h, left, top, bottom) = (760_i64, 260_i64, 40_i64, 30_i64, 40_i64);
    let max = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = i64::try_from(categories.len()).unwrap_or(1).max(1);
    let k = i64::try_from(series.len()).unwrap_or(1).max(1);
    let slot = (w - left - 10) / n;
    let bar = ((slot - 4) / k).max(1);
    let plot = h - top - bottom;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title)
    );
    let legend_series: Vec<(&str, String)> = series.iter().map(|s| (s.0, s.1.clone())).collect();
    legend(&mut out, &legend_series, 4);
    let _ = write!(
        out,
        r#"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="{GREY}"/><text x="{}" y="{}" font-size="15" text-anchor="end">{max}</text><text x="{}" y="{}" font-size="15" text-anchor="end">0</text>"#,
        top + plot,
        w - 10,
        top + plot,
        left - 4,
        top + 10,
        left - 4,
        top + plot
    );
    let label_every = (n / 10).max(1);
    for (i, cat) in categories.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let x0 = left + i * slot + 2;
        for (j, (colour, name, values)) in series.iter().enumerate() {
            let v = values
                .get(usize::try_from(i).unwrap_or(0))
                .copied()
                .unwrap_or(0);
            let bh = v * plot / max;
            let j = i64::try_from(j).unwrap_or(0);
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{bar}" height="{bh}" fill="{colour}"><title>{} · {}: {v}</title></rect>"#,
                x0 + j * bar,
                top + plot - bh,
                esc(cat),
                esc(name)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-size="15" text-anchor="middle">{}</text>"#,
                x0 + slot / 2,
                h - bottom + 16,
                esc(cat)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars: one row per label, one bar per series, the value written at its end.
fn rows(rows: &[(String, Vec<i64>)], series: &[(&str, String)], title: &str, unit: &str) -> String {
    let per_row = 20 * i64::try_from(series.len()).unwrap_or(1).max(1) + 10;
    let (w, left, top) = (760_i64, 250_i64, 30_i64);
    let h = top + per_row * i64::try_from(rows.len()).unwrap_or(0).max(1) + 6;
    let max = rows
        .iter()
        .flat_map(|r| r.1.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let span = w - left - 90;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title)
    );
    legend(&mut out, series, 4);
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = top + per_row * i64::try_from(i).unwrap_or(0);
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="16" text-anchor="end">{}</text>"#,
            left - 8,
            y + 14,
            esc(label)
        );
        for (j, v) in values.iter().enumerate() {
            let colour = series.get(j).map_or(BLUE, |s| s.0);
            let bw = (v * span / max).max(1);
            let by = y + 20 * i64::try_from(j).unwrap_or(0);
            let _ = write!(
                out,
                r#"<rect x="{left}" y="{by}" width="{bw}" height="14" fill="{colour}"/><text x="{}" y="{}" font-size="15">{v}{}</text>"#,
                left + bw + 4,
                by + 12,
                esc(unit)
            );
        }
    }
    out.push_str("</svg>");
    out
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

fn stats(db: &Db, caller: &Caller, by: By) -> impl Future<Output = ActionResult<Statistics>> {
    let q = StatisticsQuery {
        by: Some(by),
        ..StatisticsQuery::default()
    };
    async move { query(db, caller, &q).await }
}

/// The dashboard's charts over the last 30 days (as of the last roll-up).
pub async fn charts(db: &Db, caller: &Caller, lang: Lang) -> ActionResult<Vec<Chart>> {
    let by_day = stats(db, caller, By::Day).await?;
    let by_type = stats(db, caller, By::PassType).await?;
    let by_checkpoint = stats(db, caller, By::Checkpoint).await?;
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
            let label = match lang {
                Lang::Zh => format!(
                    "类型 #{} · 第 {} 级（{} 件）",
                    t.group, t.level, t.decisions
                ),
                Lang::En => format!("type #{} · level {} ({})", t.group, t.level, t.decisions),
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
            let label = if g == "0" {
                pick(lang, "未指定卡口", "No checkpoint")
            } else {
                pick(lang, &format!("卡口 #{g}"), &format!("Checkpoint #{g}"))
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
