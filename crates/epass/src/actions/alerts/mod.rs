//! Alerts for supervisors (SPEC §3.9), computed continuously from what is new since the last
//! scan: recorded checks (a copied code checked at two places too far apart; checks outside the
//! permitted zone or time; a revoked pass checked; a signed pass its issuer's log never
//! recorded) and audit events (bulk reads of personal data; repeated failed logins; reviewers
//! deciding far more or far faster than their peers).
//!
//! [`scan`] reads at most a batch of checks and events past the cursor, raises what they show
//! and moves the cursor, in one transaction; each alert has a fingerprint, so a scan repeated
//! over the same rows raises nothing twice. Raising writes `alert.raised`, acknowledging
//! `alert.acknowledged`, both audit events (leaves of the tamper-evident log).

mod accounts;
mod checks;
mod reviewers;

use serde::Serialize;

use super::{ActionError, ActionResult, Actor, Caller};
pub use crate::config::AlertConfig;
use crate::domain::roles::Role;
use crate::store::alerts::{self, Alert, NewAlert};
use crate::store::{Db, StoreError, audit};

/// Every kind of alert, with its name in Chinese and English.
pub const KINDS: [(&str, &str, &str); 9] = [
    (
        "impossible_travel",
        "不可能的行程（疑似二维码被复制）",
        "Impossible travel (a copied code?)",
    ),
    (
        "outside_zone",
        "超出许可区域通行",
        "Checked outside the permitted zone",
    ),
    (
        "outside_time",
        "超出许可时段通行",
        "Checked outside the permitted time",
    ),
    (
        "checked_after_revocation",
        "已吊销的通行证被查验",
        "A revoked pass was checked",
    ),
    (
        "unlogged_pass",
        "签名有效但签发日志中无记录的通行证",
        "A validly signed pass its issuer's log never recorded",
    ),
    (
        "reviewer_volume",
        "审核员决定数量远超同侪",
        "A reviewer deciding far more than peers",
    ),
    (
        "reviewer_speed",
        "审核员决定速度远快于同侪",
        "A reviewer deciding far faster than peers",
    ),
    (
        "bulk_personal_data",
        "单一账号大量查看个人信息",
        "Bulk reads of personal data by one account",
    ),
    (
        "failed_logins",
        "账号多次登录失败",
        "Repeated failed logins",
    ),
];

/// The name of an alert kind, `(zh, en)`.
pub fn kind_label(kind: &str) -> (&'static str, &'static str) {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or(("其他告警", "Other alert"), |(_, zh, en)| (zh, en))
}

/// The audit actions the scan reads.
const ACTIONS: [&str; 4] = [
    "pii.id_number_read",
    "document.read",
    "auth.login_failed",
    "application.decided",
];

/// Event ids one scan looks through at most, in batches: the actions it reads are a small
/// share of all events.
const EVENT_SPAN: i64 = 20;

/// What one scan read and raised.
#[derive(Clone, Debug, Default)]
pub struct ScanReport {
    pub checks: usize,
    pub events: usize,
    pub raised: Vec<Alert>,
    /// More rows were waiting than one batch takes: scan again soon.
    pub more: bool,
}

/// Reads what is new since the cursor (at most `config.batch` checks and as many events),
/// raises the alerts it shows and moves the cursor, in one transaction. Safe to run on several
/// nodes at once (the cursor row is locked) and to repeat (fingerprints are unique).
pub async fn scan(db: &Db, config: &AlertConfig) -> ActionResult<ScanReport> {
    let batch = config.batch.max(1);
    let mut tx = db.begin().await?;
    let cursor = alerts::lock_cursor(&mut tx).await?;
    let high = alerts::high_water(&mut tx).await?;
    let new_checks =
        alerts::checks_between(&mut tx, cursor.last_check_id, high.last_check_id, batch).await?;
    // Most events are of other actions: read a bounded range of ids, not the whole backlog.
    let event_upto = high.last_event_id.min(
        cursor
            .last_event_id
            .saturating_add(batch.saturating_mul(EVENT_SPAN)),
    );
    let events =
        alerts::events_between(&mut tx, cursor.last_event_id, event_upto, &ACTIONS, batch).await?;
    let mut found: Vec<NewAlert> = Vec::new();
    checks::scan(&mut tx, config, &new_checks, &mut found).await?;
    accounts::scan(&mut tx, config, &events, &mut found).await?;
    reviewers::scan(&mut tx, config, &events, &mut found).await?;

    let mut raised = Vec::new();
    for alert in &found {
        if let Some(alert) = alerts::insert(&mut tx, alert).await? {
            raised.push(alert);
        }
    }
    let system = Actor::default();
    let audit_events: Vec<_> = raised
        .iter()
        .map(|a| {
            let mut event = system.event("alert.raised", "alert", a.id);
            event.after = Some(serde_json::json!({
                "kind": a.kind, "authority_id": a.authority_id, "pass_id": a.pass_id,
                "user_id": a.user_id, "occurred_at": a.occurred_at,
            }));
            event
        })
        .collect();
    audit::insert_many(&mut tx, &audit_events).await?;

    let full_checks = new_checks.len() as i64 >= batch;
    let full_events = events.len() as i64 >= batch;
    let next = alerts::Cursor {
        last_check_id: match new_checks.last() {
            Some(c) if full_checks => c.id,
            _ => high.last_check_id,
        },
        last_event_id: match events.last() {
            Some(e) if full_events => e.id,
            _ => event_upto,
        },
    };
    alerts::set_cursor(&mut tx, next).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(ScanReport {
        checks: new_checks.len(),
        events: events.len(),
        raised,
        more: full_checks || full_events || event_upto < high.last_event_id,
    })
}

/// An alert as listed: the stored alert with its kind's name.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    #[serde(flatten)]
    pub alert: Alert,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
}

impl From<Alert> for AlertView {
    fn from(alert: Alert) -> Self {
        let (kind_zh, kind_en) = kind_label(&alert.kind);
        AlertView {
            alert,
            kind_zh,
            kind_en,
        }
    }
}

/// The authorities whose alerts the caller reads: those at whose root they are a supervisor or
/// a system administrator (alerts span the whole authority, as audit events do).
fn authorities(caller: &Caller) -> ActionResult<Vec<i64>> {
    caller.require_scope("audit:read")?;
    let mut ids: Vec<i64> = caller
        .paths_for(&[Role::Supervisor, Role::SystemAdmin])
        .iter()
        .filter(|p| p.matches('/').count() == 2)
        .filter_map(|p| alerts::root_of(p))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(ActionError::Forbidden);
    }
    Ok(ids)
}

fn visible(alert: &Alert, authorities: &[i64]) -> bool {
    alert.authority_id.is_none_or(|a| authorities.contains(&a))
}

/// List filters as given.
#[derive(Clone, Debug, Default)]
pub struct ListInput {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Newest first: ids below this (0: from the newest).
    pub before_id: i64,
    pub limit: i64,
}

/// The caller's authorities' alerts, newest first.
pub async fn list(db: &Db, caller: &Caller, input: ListInput) -> ActionResult<Vec<AlertView>> {
    let authorities = authorities(caller)?;
    if let Some(kind) = &input.kind
        && !KINDS.iter().any(|(k, _, _)| k == kind)
    {
        return Err(ActionError::invalid_msg(
            "kind",
            "alert.unknown_kind",
            "没有这种告警类型。",
            "There is no such kind of alert.",
        ));
    }
    if let Some(status) = &input.status
        && status != "open"
        && status != "acknowledged"
    {
        return Err(ActionError::invalid_msg(
            "status",
            "alert.unknown_status",
            "告警状态须为 open（未处理）或 acknowledged（已确认）。",
            "The status is open or acknowledged.",
        ));
    }
    let rows = alerts::list(
        db.pool(),
        &alerts::Filter {
            authorities,
            kind: input.kind,
            status: input.status,
            from: input.from,
            to: input.to,
            before_id: if input.before_id > 0 {
                input.before_id
            } else {
                i64::MAX
            },
            limit: input.limit,
        },
    )
    .await?;
    Ok(rows.into_iter().map(AlertView::from).collect())
}

/// One alert of the caller's authorities.
pub async fn get(db: &Db, caller: &Caller, id: i64) -> ActionResult<AlertView> {
    let authorities = authorities(caller)?;
    let alert = alerts::get(db.pool(), id).await?;
    if !visible(&alert, &authorities) {
        return Err(ActionError::NotFound);
    }
    Ok(alert.into())
}

/// Longest acknowledgement note, in characters.
pub const MAX_NOTE: usize = 2000;

/// Marks an open alert acknowledged, with what the supervisor found or did. A person's
/// judgement: API tokens may read alerts but not acknowledge them.
pub async fn acknowledge(db: &Db, caller: &Caller, id: i64, note: &str) -> ActionResult<AlertView> {
    let authorities = authorities(caller)?;
    if caller.token_scopes.is_some() {
        return Err(ActionError::Forbidden);
    }
    let note = note.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE {
        return Err(ActionError::invalid_msg(
            "note",
            "alert.note_required",
            "请填写处理说明（不超过 2000 字）。",
            "Write a note of what was found or done (at most 2,000 characters).",
        ));
    }
    let mut tx = db.begin().await?;
    let alert = alerts::get(&mut *tx, id).await?;
    if !visible(&alert, &authorities) {
        return Err(ActionError::NotFound);
    }
    if !alerts::acknowledge(&mut tx, id, caller.user_id, note).await? {
        return Err(ActionError::Refused {
            code: "alert.already_acknowledged",
            zh: "该告警已被确认。",
            en: "This alert was already acknowledged.",
        });
    }
    let role = if caller.has_role(Role::Supervisor) {
        Role::Supervisor
    } else {
        Role::SystemAdmin
    };
    let actor = caller.actor(Some(role));
    let mut event = actor.event("alert.acknowledged", "alert", id);
    event.before = Some(serde_json::json!({ "status": alert.status }));
    event.after = Some(serde_json::json!({ "status": "acknowledged", "note": note }));
    audit::insert(&mut tx, &event).await?;
    let alert = alerts::get(&mut *tx, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(alert.into())
}

/// Rounds for display in evidence: one decimal.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
