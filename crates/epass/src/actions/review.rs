//! Review: approve, reject with a reason, or return for correction, level by level. Each level is
//! decided once, by someone who holds the level's role in its scope, who is not the applicant and
//! who decided no earlier level of the same round. The last approval issues the pass.

use serde::Deserialize;

use super::applications::reviewer_role;
use super::{ActionError, ActionResult, Caller};
use crate::pii::PiiKeys;
use crate::store::applications::{self, Application, NewDecision};
use crate::store::outbox::Channel;
use crate::store::passes::Pass;
use crate::store::{Db, StoreError, audit, outbox, pass_types, users};

/// What a reviewer decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    Approve,
    Reject,
    Return,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Approve => "approve",
            Verb::Reject => "reject",
            Verb::Return => "return",
        }
    }
}

/// A decision as submitted.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    pub action: Verb,
    /// Required to reject, optional to return, e.g. `documents_missing`, `not_eligible`,
    /// `false_information`.
    pub reason_code: Option<String>,
    /// Required to reject or return: what is wrong, for the applicant.
    pub reason_text: Option<String>,
    /// The application version the reviewer looked at; a newer one means someone else acted.
    pub version: i64,
}

/// A decision as the API takes it: with a final approval, the documents still owed (容缺受理).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    #[serde(flatten)]
    pub decision: DecisionInput,
    #[serde(flatten)]
    pub owed: super::owed::OwedInput,
}

/// The result of a decision.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Decided {
    pub application: Application,
    /// The pass, when this decision was the final approval.
    pub pass: Option<Pass>,
}

const ALREADY: ActionError = ActionError::Conflict("review.already_decided");

/// The applicant's message when their application is rejected or returned (none on approval).
pub(super) fn decision_message(
    application_id: i64,
    verb: Verb,
    why: Option<&str>,
) -> Option<String> {
    let (zh, en) = match verb {
        Verb::Reject => ("未通过审核", "was rejected"),
        Verb::Return => ("被退回修改", "was returned for correction"),
        Verb::Approve => return None,
    };
    Some(format!(
        "【epass】您的通行证申请（编号 {application_id}）{zh}：{why}。Your pass application \
         {application_id} {en}: {why}.",
        why = why.unwrap_or_default(),
    ))
}

pub(super) fn reason<'a>(text: &'a Option<String>, field: &'static str) -> ActionResult<&'a str> {
    match text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() && t.chars().count() <= 500 => Ok(t),
        _ => Err(ActionError::invalid_msg(
            field,
            "review.reason_required",
            "驳回或退回须填写理由（不超过 500 字）。",
            "Rejecting or returning needs a reason (at most 500 characters).",
        )),
    }
}

/// Decides the current level of an application.
pub async fn decide(
    db: &Db,
    pii: &PiiKeys,
    link_base: &str,
    caller: &Caller,
    application_id: i64,
    input: &DecisionInput,
) -> ActionResult<Decided> {
    let none = super::owed::OwedInput::default();
    decide_owing(db, pii, link_base, caller, application_id, input, &none, 0).await
}

/// Decides the current level; a final approval may name documents owed and their deadline, at
/// most `owed_max_days` ahead.
#[allow(clippy::too_many_arguments)]
pub async fn decide_owing(
    db: &Db,
    pii: &PiiKeys,
    link_base: &str,
    caller: &Caller,
    application_id: i64,
    input: &DecisionInput,
    owed: &super::owed::OwedInput,
    owed_max_days: i64,
) -> ActionResult<Decided> {
    caller.require_scope("reviews:write")?;
    let app = applications::get(db.pool(), application_id).await?;
    let pt = pass_types::get(db.pool(), app.pass_type_id).await?;
    let level = pt
        .definition
        .workflow
        .level(usize::try_from(app.level).unwrap_or(0))
        .ok_or(ActionError::Conflict("review.not_in_review"))?;
    let Some(role) = reviewer_role(db, caller, &app, level.scope, &level.roles).await? else {
        // A reviewer of another level who looked at an older version lost a race: say so.
        let stale = app.version != input.version || app.status != "in_review";
        for other in &pt.definition.workflow.levels {
            if stale
                && reviewer_role(db, caller, &app, other.scope, &other.roles)
                    .await?
                    .is_some()
            {
                return Err(ALREADY);
            }
        }
        return Err(ActionError::Forbidden);
    };
    if app.applicant_id == caller.user_id {
        return Err(ActionError::Refused {
            code: "review.own_application",
            zh: "不能审核本人提交的申请。",
            en: "You cannot review your own application.",
        });
    }
    if app.status != "in_review" || app.version != input.version {
        return Err(ALREADY);
    }
    let earlier = applications::decisions(db.pool(), app.id).await?;
    if earlier
        .iter()
        .any(|d| d.round == app.round && d.reviewer_id == caller.user_id)
    {
        return Err(ActionError::Refused {
            code: "review.same_reviewer",
            zh: "同一申请的各级审核须由不同人员办理。",
            en: "Each level of an application must be decided by a different person.",
        });
    }
    let (reason_code, reason_text) = match input.action {
        Verb::Approve => (None, input.reason_text.as_deref()),
        Verb::Return => {
            // A return may name its reason code too, for the applicant to correct.
            let code = match input.reason_code.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(_) => Some(reason(&input.reason_code, "reason_code")?),
            };
            (code, Some(reason(&input.reason_text, "reason_text")?))
        }
        Verb::Reject => {
            let code = reason(&input.reason_code, "reason_code")?;
            (Some(code), Some(reason(&input.reason_text, "reason_text")?))
        }
    };
    let last_level = app.level as usize >= pt.definition.workflow.len();
    let owed_plan = if owed.owed_documents.is_empty() && owed.owed_until.is_none() {
        None
    } else if input.action == Verb::Approve && last_level {
        super::owed::plan(owed, &pt, crate::store::now_ms(), owed_max_days)?
    } else {
        return Err(ActionError::invalid_msg(
            "owed_documents",
            "review.owed_only_final_approval",
            "只有最终审批通过时才能容缺受理。",
            "Documents can be owed only with the final approval.",
        ));
    };
    let calendar = crate::actions::pass_types::calendar(db, app.authority_id).await?;
    let next_due = match (
        input.action,
        pt.definition.workflow.level(app.level as usize + 1),
    ) {
        (Verb::Approve, Some(next)) => {
            let now = time::OffsetDateTime::now_utc();
            let due = calendar.add_working_days(now, next.time_limit_working_days);
            Some((due.unix_timestamp_nanos() / 1_000_000) as i64)
        }
        _ => None,
    };
    let actor = caller.actor(Some(role));
    let seen = serde_json::json!({ "version": app.version, "eligibility": app.eligibility });

    let mut tx = db.begin().await?;
    let (status, level_no) = match input.action {
        Verb::Approve if last_level => ("issued", app.level),
        Verb::Approve => ("in_review", app.level + 1),
        Verb::Reject => ("rejected", app.level),
        Verb::Return => ("returned", app.level),
    };
    // The version check makes concurrent reviewers race on one row: one wins, the rest see 0.
    if !applications::advance(&mut tx, app.id, app.version, status, level_no, next_due).await? {
        return Err(ALREADY);
    }
    applications::insert_decision(
        &mut tx,
        &NewDecision {
            application_id: app.id,
            round: app.round,
            level: app.level,
            reviewer_id: caller.user_id,
            reviewer_role: role.as_str(),
            action: input.action.as_str(),
            reason_code,
            reason_text,
            seen: &seen,
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict => ALREADY,
        other => other.into(),
    })?;
    let mut event = actor.event("application.decided", "application", app.id);
    event.before = Some(serde_json::json!({ "status": app.status, "level": app.level }));
    event.after = Some(serde_json::json!({
        "action": input.action.as_str(), "status": status, "level": level_no,
        "reason_code": reason_code, "reason_text": reason_text, "seen": seen,
        "owed": owed_plan.as_ref().map(|p| serde_json::json!({
            "kinds": p.kinds.iter().map(|k| crate::domain::documents::kind_code(*k)).collect::<Vec<_>>(),
            "until": p.until.to_string(),
        })),
    }));
    audit::insert(&mut tx, &event).await?;
    // A rejected invited application frees its place for another driver.
    if let (Verb::Reject, Some(request)) = (input.action, app.request_id) {
        crate::store::invitations::give_back_places(&mut tx, request, 1, crate::store::now_ms())
            .await?;
    }

    let applicant = users::get(&mut *tx, app.applicant_id).await?;
    let pass = if status == "issued" {
        let pass =
            crate::actions::issuance::issue(&mut tx, pii, &actor, &app, &pt, link_base).await?;
        if let Some(plan) = &owed_plan {
            super::owed::record(&mut tx, &actor, &app, &pt, &pass, plan, caller.user_id).await?;
        }
        Some(pass)
    } else {
        if let Some(body) = decision_message(app.id, input.action, reason_text) {
            outbox::enqueue(&mut tx, Channel::Sms, &applicant.phone, "", &body).await?;
        }
        None
    };
    let application = applications::get(&mut *tx, app.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Decided { application, pass })
}

/// One application waiting for the caller.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    pub application: Application,
    /// Past its level's deadline.
    pub overdue: bool,
}

/// The applications the caller may decide now, most urgent first (priority, then deadline), with
/// overdue ones marked. Looks at the `scan` most urgent applications overall.
pub async fn queue(db: &Db, caller: &Caller, scan: i64) -> ActionResult<Vec<QueueItem>> {
    let now = crate::store::now_ms();
    let mut types = std::collections::HashMap::new();
    let mut items = Vec::new();
    for app in applications::queue(db.pool(), scan).await? {
        if app.applicant_id == caller.user_id {
            continue;
        }
        let pt = match types.entry(app.pass_type_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(pass_types::get(db.pool(), app.pass_type_id).await?)
            }
        };
        let Some(level) = pt
            .definition
            .workflow
            .level(usize::try_from(app.level).unwrap_or(0))
        else {
            continue;
        };
        if reviewer_role(db, caller, &app, level.scope, &level.roles)
            .await?
            .is_some()
        {
            let overdue = app.level_due_at.is_some_and(|due| due < now);
            items.push(QueueItem {
                application: app,
                overdue,
            });
        }
    }
    Ok(items)
}
