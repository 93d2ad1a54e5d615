//! Counting one batch of log leaves: what each event and check adds to which cells.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{bucket_of, day_of, month_key};
use crate::store::statistics::{self as rollups, ALL, CountKey, Dims, HistKey};

/// One batch being counted.
pub(super) struct Batch {
    pub(super) apps: HashMap<i64, Dims>,
    pub(super) passes: HashMap<String, rollups::PassFacts>,
    /// Applications waiting at a level: `(level, since)`, `None` once decided.
    pub(super) open: HashMap<i64, Option<(i64, i64)>>,
    pub(super) touched: HashSet<i64>,
    pub(super) counts: HashMap<CountKey, i64>,
    pub(super) hist: HashMap<HistKey, i64>,
}

fn json(text: &Option<String>) -> Value {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

impl Batch {
    /// Adds to a cell and, for flows, to its month's.
    fn cell(&mut self, key: CountKey, delta: i64) {
        if key.day > 0 && key.metric != "passes.live_until" {
            let month = CountKey {
                day: month_key(key.day),
                ..key.clone()
            };
            *self.counts.entry(month).or_default() += delta;
        }
        *self.counts.entry(key).or_default() += delta;
    }

    /// Adds to the authority's total, its pass type's and organisation's, and the checkpoint's.
    pub(super) fn add(
        &mut self,
        d: Dims,
        checkpoint: Option<i64>,
        day: i64,
        metric: &'static str,
        item: &str,
        delta: i64,
    ) {
        self.add_total(d, checkpoint, day, metric, item, delta);
        for (t, o) in [(d.pass_type_id, ALL), (ALL, d.org_id)] {
            self.cell(
                CountKey {
                    authority_id: d.authority_id,
                    pass_type_id: t,
                    org_id: o,
                    checkpoint_id: ALL,
                    day,
                    metric,
                    item: item.to_owned(),
                },
                delta,
            );
        }
    }

    /// Adds to the authority's total and the checkpoint's only.
    pub(super) fn add_total(
        &mut self,
        d: Dims,
        checkpoint: Option<i64>,
        day: i64,
        metric: &'static str,
        item: &str,
        delta: i64,
    ) {
        for c in std::iter::once(ALL).chain(checkpoint) {
            self.cell(
                CountKey {
                    authority_id: d.authority_id,
                    pass_type_id: ALL,
                    org_id: ALL,
                    checkpoint_id: c,
                    day,
                    metric,
                    item: item.to_owned(),
                },
                delta,
            );
        }
    }

    fn review_time(&mut self, d: Dims, day: i64, level: i64, duration_ms: i64) {
        let bucket = bucket_of(duration_ms);
        for (t, o) in [(ALL, ALL), (d.pass_type_id, ALL), (ALL, d.org_id)] {
            let key = HistKey {
                authority_id: d.authority_id,
                pass_type_id: t,
                org_id: o,
                day,
                level,
                bucket,
            };
            *self.hist.entry(key).or_default() += 1;
            let month = HistKey {
                day: month_key(day),
                ..key
            };
            *self.hist.entry(month).or_default() += 1;
        }
    }

    fn set_open(&mut self, app: i64, level: Option<(i64, i64)>) {
        self.open.insert(app, level);
        self.touched.insert(app);
    }

    fn state(&mut self, d: Dims, from: Option<&str>, to: &str) {
        if from == Some(to) {
            return;
        }
        if let Some(from) = from {
            self.add(d, None, 0, "now.applications", from, -1);
        }
        self.add(d, None, 0, "now.applications", to, 1);
    }

    /// Moves a pass's place among the active ones: −1 at one end of validity, +1 at another.
    fn live(&mut self, d: Dims, minus: Option<i64>, plus: Option<i64>) {
        if let Some(until) = minus {
            self.add(d, None, day_of(until), "passes.live_until", "", -1);
        }
        if let Some(until) = plus {
            self.add(d, None, day_of(until), "passes.live_until", "", 1);
        }
    }

    /// Counts one event; false when it is not about anything known.
    pub(super) fn event(&mut self, e: &rollups::LogEvent) -> bool {
        let (before, after) = (json(&e.before), json(&e.after));
        let day = day_of(e.at);
        if let Some(action) = e.action.strip_prefix("application.") {
            let Ok(id) = e.object_id.parse::<i64>() else {
                return false;
            };
            let Some(&d) = self.apps.get(&id) else {
                return false;
            };
            match action {
                "submitted" => {
                    self.add(d, None, day, "applications.submitted", "", 1);
                    self.state(d, None, "in_review");
                    self.set_open(id, Some((1, e.at)));
                }
                "resubmitted" => {
                    self.add(d, None, day, "applications.resubmitted", "", 1);
                    self.state(
                        d,
                        before["status"].as_str().or(Some("returned")),
                        "in_review",
                    );
                    self.set_open(id, Some((1, e.at)));
                }
                "decided" => {
                    let verb = after["action"].as_str().unwrap_or("unknown");
                    self.add(d, None, day, "applications.decided", verb, 1);
                    if verb == "reject" {
                        let code = after["reason_code"].as_str().unwrap_or("unspecified");
                        self.add(d, None, day, "rejections", code, 1);
                    }
                    let level = before["level"].as_i64().unwrap_or(0);
                    if let Some(Some((open_level, since))) = self.open.get(&id).copied()
                        && open_level == level
                    {
                        self.review_time(d, day, level, e.at - since);
                    }
                    let to = after["status"].as_str().unwrap_or("in_review");
                    self.state(d, before["status"].as_str(), to);
                    let next = (to == "in_review")
                        .then(|| (after["level"].as_i64().unwrap_or(level + 1), e.at));
                    self.set_open(id, next);
                }
                _ => return false,
            }
            return true;
        }
        let Some(action) = e.action.strip_prefix("pass.") else {
            return false;
        };
        let Some(facts) = self.passes.get(&e.object_id).cloned() else {
            return false;
        };
        let d = facts.dims;
        // Events record the validity and status at the time; the pass's present ones stand in
        // for events written before they did.
        let until_then = before["valid_until"].as_i64().unwrap_or(facts.valid_until);
        match action {
            "issued" => {
                self.add(d, None, day, "passes.issued", "", 1);
                let until = after["valid_until"].as_i64().unwrap_or(facts.valid_until);
                self.live(d, None, Some(until));
            }
            "suspended" | "resumed" | "revoked" => {
                let metric = match action {
                    "suspended" => "passes.suspended",
                    "resumed" => "passes.resumed",
                    _ => "passes.revoked",
                };
                self.add(d, None, day, metric, "", 1);
                let was = before["status"].as_str() == Some("active");
                let is = after["status"].as_str() == Some("active");
                self.live(d, was.then_some(until_then), is.then_some(until_then));
            }
            "extended" => {
                self.add(d, None, day, "passes.extended", "", 1);
                let status = before["status"].as_str().unwrap_or(&facts.status);
                let until = after["valid_until"].as_i64().unwrap_or(facts.valid_until);
                if status == "active" {
                    self.live(d, Some(until_then), Some(until));
                }
            }
            _ => return false,
        }
        true
    }
}
