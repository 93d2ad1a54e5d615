//! Approval with documents owed (容缺受理): the final approver may issue the pass while some
//! documents the type requires are still missing, with a deadline. The holder is reminded three
//! days and one day before it (each once); when it passes with documents still owed the pass is
//! suspended by the system. Uploading an owed document fulfils it; a reviewer may then resume.

use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use super::passes::{StatusChange, change_status_in};
use super::{ActionError, ActionResult, Actor};
use crate::domain::documents::kind_code;
use crate::domain::pass_type::DocumentKind;
use crate::pii::PiiKeys;
use crate::store::applications::Application;
use crate::store::documents::{self as store, Owed, Reminder};
use crate::store::outbox::Channel;
use crate::store::pass_types::PassType;
use crate::store::passes::Pass;
use crate::store::{Db, StoreError, Tx, applications, audit, outbox, pass_types, passes, users};

const DAY_MS: i64 = 86_400_000;
/// Deadlines are whole days in Beijing time (UTC+8, no summer time).
const BEIJING: UtcOffset = time::macros::offset!(+8);

/// Documents owed with a final approval; both empty for a plain approval.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OwedInput {
    /// Kinds the pass type requires that may follow after issuance.
    pub owed_documents: Vec<DocumentKind>,
    /// The last day to supply them, `YYYY-MM-DD` (Beijing time); the pass is suspended after it.
    pub owed_until: Option<String>,
}

/// A validated debt: what, and until when (the end of the deadline day, in ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwedPlan {
    pub kinds: Vec<DocumentKind>,
    pub due_at: i64,
    pub until: Date,
}

fn local_date(ms: i64) -> Date {
    let utc = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    utc.to_offset(BEIJING).date()
}

/// Checks the debt against the pass type and the clock: only kinds the type requires, each
/// once, a deadline from today to `max_days` ahead. `None` for a plain approval.
pub fn plan(
    input: &OwedInput,
    pt: &PassType,
    now_ms: i64,
    max_days: i64,
) -> ActionResult<Option<OwedPlan>> {
    if input.owed_documents.is_empty() {
        if input.owed_until.is_some() {
            return Err(ActionError::invalid_msg(
                "owed_documents",
                "review.owed_documents_missing",
                "设置了补交期限，但未列出欠缺的材料。",
                "A deadline was given but no owed documents were named.",
            ));
        }
        return Ok(None);
    }
    let mut kinds = Vec::new();
    for kind in &input.owed_documents {
        let required = pt
            .definition
            .documents
            .iter()
            .any(|d| d.kind == *kind && d.required);
        if !required {
            return Err(ActionError::invalid_msg(
                "owed_documents",
                "review.owed_not_required",
                &format!("“{}”不是该类通行证要求的材料，不能容缺。", kind_code(*kind)),
                &format!(
                    "{} is not a document this pass type requires; it cannot be owed.",
                    kind_code(*kind)
                ),
            ));
        }
        if !kinds.contains(kind) {
            kinds.push(*kind);
        }
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let until = input
        .owed_until
        .as_deref()
        .and_then(|d| Date::parse(d.trim(), &format).ok())
        .ok_or_else(|| {
            ActionError::invalid_msg(
                "owed_until",
                "review.owed_until",
                "容缺受理须给出补交期限（YYYY-MM-DD）。",
                "Owed documents need a deadline (YYYY-MM-DD).",
            )
        })?;
    let today = local_date(now_ms);
    if until < today || until > today + Duration::days(max_days) {
        return Err(ActionError::invalid_msg(
            "owed_until",
            "review.owed_until_range",
            &format!("补交期限须在今天至 {max_days} 天之内。"),
            &format!("The deadline must be between today and {max_days} days from now."),
        ));
    }
    let next_midnight = (until + Duration::days(1))
        .midnight()
        .assume_offset(BEIJING);
    let due_at = (next_midnight.unix_timestamp_nanos() / 1_000_000) as i64;
    Ok(Some(OwedPlan {
        kinds,
        due_at,
        until,
    }))
}

fn labels(pt: &PassType, kinds: &[&str]) -> (String, String) {
    let label = |code: &str| {
        pt.definition
            .documents
            .iter()
            .find(|d| kind_code(d.kind) == code)
            .map(|d| (d.label.zh.clone(), d.label.en.clone()))
            .unwrap_or_else(|| (code.to_owned(), code.to_owned()))
    };
    let (zh, en): (Vec<_>, Vec<_>) = kinds.iter().copied().map(label).unzip();
    (zh.join("、"), en.join(", "))
}

fn day_text(due_at: i64) -> String {
    local_date(due_at - 1).to_string()
}

/// Records the debt with the pass just issued, in the approving transaction; the holder is told.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    app: &Application,
    pt: &PassType,
    pass: &Pass,
    plan: &OwedPlan,
    reviewer_id: i64,
) -> ActionResult<()> {
    let codes: Vec<&str> = plan.kinds.iter().map(|k| kind_code(*k)).collect();
    for code in &codes {
        store::insert_owed(tx, app.id, pass.id, code, plan.due_at, reviewer_id).await?;
    }
    let mut event = actor.event("document.owed", "application", app.id);
    event.after = Some(serde_json::json!({
        "pass": pass.pass_number, "kinds": codes, "until": plan.until.to_string(),
        "due_at": plan.due_at,
    }));
    audit::insert(tx, &event).await?;
    let holder = users::get(&mut **tx, app.applicant_id).await?;
    let (zh, en) = labels(pt, &codes);
    let body = format!(
        "【epass】您的通行证 {n} 为容缺办理，请于 {d} 前补交：{zh}，逾期通行证将暂停使用。Pass {n} was \
         issued with documents owed: {en}. Upload them by {d} or the pass will be suspended.",
        n = pass.pass_number,
        d = plan.until,
    );
    outbox::enqueue(tx, Channel::Sms, &holder.phone, "", &body).await?;
    Ok(())
}

/// What one sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub reminded: usize,
    pub suspended: usize,
    /// Debts that lapsed on a pass no longer active (already suspended or revoked).
    pub lapsed: usize,
}

/// Applications per sweep; the rest wait for the next minute.
const BATCH: i64 = 500;

/// Sends the reminders due at `now_ms` and suspends the passes whose deadline passed with
/// documents still owed. Safe to run on several nodes at once and to repeat: each reminder and
/// each lapse is marked in the transaction that acts on it, and acts only if it marked.
pub async fn sweep(db: &Db, pii: &PiiKeys, now_ms: i64) -> ActionResult<SweepReport> {
    let mut report = SweepReport::default();
    let items = store::needing_action(db.pool(), now_ms, 3 * DAY_MS, DAY_MS, BATCH).await?;
    let mut by_app: Vec<(i64, Vec<Owed>)> = Vec::new();
    for item in items {
        match by_app.last_mut() {
            Some((id, list)) if *id == item.application_id => list.push(item),
            _ => by_app.push((item.application_id, vec![item])),
        }
    }
    for (application_id, items) in by_app {
        let due_at = items.iter().map(|o| o.due_at).min().unwrap_or(i64::MAX);
        let result = if due_at <= now_ms {
            lapse(db, pii, application_id, &items, now_ms, &mut report).await
        } else {
            let reminder = if due_at - DAY_MS <= now_ms {
                Reminder::OneDay
            } else {
                Reminder::ThreeDays
            };
            remind(db, application_id, &items, reminder, now_ms, &mut report).await
        };
        // One application's trouble must not stop the others' reminders and suspensions.
        if let Err(e) = result {
            tracing::warn!(application_id, error = %e, "owed documents sweep");
        }
    }
    Ok(report)
}

fn open_codes(items: &[Owed]) -> Vec<&str> {
    items.iter().map(|o| o.kind.as_str()).collect()
}

async fn remind(
    db: &Db,
    application_id: i64,
    items: &[Owed],
    reminder: Reminder,
    now_ms: i64,
    report: &mut SweepReport,
) -> ActionResult<()> {
    let app = applications::get(db.pool(), application_id).await?;
    let pt = pass_types::get(db.pool(), app.pass_type_id).await?;
    let pass = passes::get(db.pool(), items[0].pass_id).await?;
    let mut tx = db.begin().await?;
    if store::mark_reminded(&mut tx, application_id, reminder, now_ms).await? == 0 {
        return Ok(());
    }
    let codes = open_codes(items);
    let due_at = items.iter().map(|o| o.due_at).min().unwrap_or(now_ms);
    let system = Actor::default();
    let which = match reminder {
        Reminder::ThreeDays => "3d",
        Reminder::OneDay => "1d",
    };
    let mut event = system.event("document.owed_reminded", "application", app.id);
    event.after = Some(serde_json::json!({
        "pass": pass.pass_number, "kinds": codes, "reminder": which,
    }));
    audit::insert(&mut tx, &event).await?;
    let holder = users::get(&mut *tx, app.applicant_id).await?;
    let (zh, en) = labels(&pt, &codes);
    let body = format!(
        "【epass】提醒：您的通行证 {n} 尚欠材料：{zh}，请于 {d} 前上传，逾期通行证将暂停使用。Reminder: \
         pass {n} still owes {en}; upload by {d} or the pass will be suspended.",
        n = pass.pass_number,
        d = day_text(due_at),
    );
    outbox::enqueue(&mut tx, Channel::Sms, &holder.phone, "", &body).await?;
    tx.commit().await.map_err(StoreError::from)?;
    report.reminded += 1;
    Ok(())
}

async fn lapse(
    db: &Db,
    pii: &PiiKeys,
    application_id: i64,
    items: &[Owed],
    now_ms: i64,
    report: &mut SweepReport,
) -> ActionResult<()> {
    let pass = passes::get(db.pool(), items[0].pass_id).await?;
    let system = Actor::default();
    let mut tx = db.begin().await?;
    if store::mark_lapsed(&mut tx, application_id, now_ms).await? == 0 {
        return Ok(());
    }
    let codes = open_codes(items);
    let mut event = system.event("document.owed_lapsed", "application", application_id);
    event.after = Some(serde_json::json!({ "pass": pass.pass_number, "kinds": codes }));
    audit::insert(&mut tx, &event).await?;
    if pass.status == "active" {
        let reason = format!(
            "容缺材料逾期未补交 / owed documents not supplied in time: {}",
            codes.join(", ")
        );
        change_status_in(&mut tx, pii, &system, &pass, StatusChange::Suspend, &reason).await?;
        report.suspended += 1;
    } else {
        report.lapsed += 1;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}
