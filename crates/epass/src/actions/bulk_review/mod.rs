//! Bulk decisions: a reviewer decides many applications at once (approve, reject or return), each
//! checked as a single decision is; the work is done in chunks of one transaction each, and the
//! final approvals of a chunk are issued together (one serial block, one key opening).

use std::collections::hash_map::Entry;
mod issue;

use std::collections::{HashMap, HashSet};

use epass_credential::Approval;
use serde::{Deserialize, Serialize};

use super::review::{Verb, decision_message, reason};
use super::{ActionError, ActionResult, Caller};
use crate::domain::pass_type::LevelScope;
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::store::applications::{self, Application, NewDecision};
use crate::store::orgs::Org;
use crate::store::outbox::Channel;
use crate::store::pass_types::PassType;
use crate::store::{Db, StoreError, audit, orgs, outbox, pass_types, users};

/// At most this many applications in one request.
pub const MAX_BULK: usize = 10_000;
/// Applications per transaction: long enough to amortise the commit, short enough not to hold
/// the write lock for long.
const CHUNK: usize = 1_000;
const DAY_MS: i64 = 86_400_000;

/// Many applications, one decision.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkDecisionInput {
    pub application_ids: Vec<i64>,
    pub action: Verb,
    /// Required to reject.
    pub reason_code: Option<String>,
    /// Required to reject or return.
    pub reason_text: Option<String>,
}

/// One application decided.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BulkDecidedItem {
    pub application_id: i64,
    /// The application's status after the decision.
    pub status: String,
    /// The pass number, when this was the final approval.
    pub pass_number: Option<String>,
}

/// One application left as it was, and why.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BulkSkipped {
    pub application_id: i64,
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct BulkDecided {
    pub decided: Vec<BulkDecidedItem>,
    pub skipped: Vec<BulkSkipped>,
}

type Why = (&'static str, &'static str, &'static str);

const NOT_FOUND: Why = ("not_found", "没有这个申请。", "No such application.");
const NOT_YOURS: Why = (
    "forbidden",
    "您不能审核这一级。",
    "You may not decide this level.",
);
const ALREADY: Why = (
    "review.already_decided",
    "这一级已经有人审核。",
    "This level has already been decided.",
);
const OWN: Why = (
    "review.own_application",
    "不能审核本人提交的申请。",
    "You cannot review your own application.",
);
const SAME: Why = (
    "review.same_reviewer",
    "同一申请的各级审核须由不同人员办理。",
    "Each level of an application must be decided by a different person.",
);
const VEHICLE: Why = (
    "pass.vehicle_has_pass",
    "该车辆在此期间已有同类通行证。",
    "The vehicle already holds a pass of this kind for that period.",
);

/// A decision that passed its checks, waiting for the chunk's transaction.
struct Planned<'a> {
    app: &'a Application,
    pt: &'a PassType,
    role: Role,
    last_level: bool,
}

/// Decides every listed application the caller may decide now; the rest are reported.
pub async fn decide_many(
    db: &Db,
    pii: &PiiKeys,
    link_base: &str,
    caller: &Caller,
    input: &BulkDecisionInput,
) -> ActionResult<BulkDecided> {
    caller.require_scope("reviews:write")?;
    if input.application_ids.is_empty() || input.application_ids.len() > MAX_BULK {
        return Err(ActionError::invalid_msg(
            "application_ids",
            "review.bulk_size",
            "一次可决定 1 至 10000 个申请。",
            "A bulk decision covers 1 to 10,000 applications.",
        ));
    }
    let (reason_code, reason_text) = match input.action {
        Verb::Approve => (None, input.reason_text.as_deref()),
        Verb::Return => (None, Some(reason(&input.reason_text, "reason_text")?)),
        Verb::Reject => (
            Some(reason(&input.reason_code, "reason_code")?),
            Some(reason(&input.reason_text, "reason_text")?),
        ),
    };
    let mut ids = input.application_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let mut out = BulkDecided::default();
    let mut types: HashMap<i64, PassType> = HashMap::new();
    let mut orgs_by_id: HashMap<i64, Org> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let apps = applications::get_many(db.pool(), chunk).await?;
        for id in chunk {
            if !apps.iter().any(|a| a.id == *id) {
                skip(&mut out, *id, NOT_FOUND);
            }
        }
        for app in &apps {
            if !types.contains_key(&app.pass_type_id) {
                let pt = pass_types::get(db.pool(), app.pass_type_id).await?;
                types.insert(pt.id, pt);
            }
            for org_id in [Some(app.authority_id), app.org_id].into_iter().flatten() {
                if let Entry::Vacant(slot) = orgs_by_id.entry(org_id) {
                    slot.insert(orgs::get(db.pool(), org_id).await?);
                }
            }
        }
        let earlier = applications::decisions_for(db.pool(), chunk).await?;
        let mut planned = Vec::new();
        for app in &apps {
            let pt = &types[&app.pass_type_id];
            match plan(caller, app, pt, &orgs_by_id, &earlier) {
                Ok(p) => planned.push(p),
                Err(why) => skip(&mut out, app.id, why),
            }
        }
        let mut people: Vec<i64> = apps.iter().map(|a| a.applicant_id).collect();
        people.extend(earlier.iter().map(|d| d.reviewer_id));
        people.push(caller.user_id);
        people.sort_unstable();
        people.dedup();
        let contacts = users::contacts(db.pool(), &people).await?;
        let ctx = Chunk {
            db,
            pii,
            link_base,
            caller,
            action: input.action,
            reason_code,
            reason_text,
            earlier: &earlier,
            contacts: &contacts,
        };
        ctx.run(&planned, &mut out).await?;
    }
    Ok(out)
}

fn skip(out: &mut BulkDecided, application_id: i64, (code, zh, en): Why) {
    out.skipped.push(BulkSkipped {
        application_id,
        code,
        zh,
        en,
    });
}

/// The checks of a single decision, on data loaded for the whole chunk.
fn plan<'a>(
    caller: &Caller,
    app: &'a Application,
    pt: &'a PassType,
    orgs_by_id: &HashMap<i64, Org>,
    earlier: &[applications::Decision],
) -> Result<Planned<'a>, Why> {
    if app.status != "in_review" {
        return Err(ALREADY);
    }
    let level = pt
        .definition
        .workflow
        .level(usize::try_from(app.level).unwrap_or(0))
        .ok_or(ALREADY)?;
    let org_id = match (level.scope, app.org_id) {
        (LevelScope::ApplicantOrg, Some(org)) => org,
        (LevelScope::ApplicantOrg, None) | (LevelScope::Authority, _) => app.authority_id,
    };
    let org = orgs_by_id.get(&org_id).ok_or(NOT_FOUND)?;
    let role = level
        .roles
        .iter()
        .copied()
        .find(|r| caller.grant_over(*r, &org.path).is_some())
        .ok_or(NOT_YOURS)?;
    if app.applicant_id == caller.user_id {
        return Err(OWN);
    }
    if earlier.iter().any(|d| {
        d.application_id == app.id && d.round == app.round && d.reviewer_id == caller.user_id
    }) {
        return Err(SAME);
    }
    Ok(Planned {
        app,
        pt,
        role,
        last_level: app.level as usize >= pt.definition.workflow.len(),
    })
}

/// What one chunk's transaction needs.
struct Chunk<'a> {
    db: &'a Db,
    pii: &'a PiiKeys,
    link_base: &'a str,
    caller: &'a Caller,
    action: Verb,
    reason_code: Option<&'a str>,
    reason_text: Option<&'a str>,
    earlier: &'a [applications::Decision],
    contacts: &'a HashMap<i64, (String, String)>,
}

impl Chunk<'_> {
    /// Decides the planned applications in one transaction, with one statement per table for
    /// the whole chunk rather than one per application.
    async fn run(&self, planned: &[Planned<'_>], out: &mut BulkDecided) -> ActionResult<()> {
        let now = crate::store::now_ms();
        let issuing = self.action == Verb::Approve;
        let mut tx = self.db.begin().await?;
        let blocked = self.vehicles_taken(&mut tx, planned).await?;
        let calendars = self.calendars(planned).await?;
        let mut moves = Vec::new();
        let mut candidates = Vec::new();
        for p in planned {
            if blocked.contains(&p.app.id) {
                skip(out, p.app.id, VEHICLE);
                continue;
            }
            let app = p.app;
            let (status, level) = match self.action {
                Verb::Approve if p.last_level => ("issued", app.level),
                Verb::Approve => ("in_review", app.level + 1),
                Verb::Reject => ("rejected", app.level),
                Verb::Return => ("returned", app.level),
            };
            let level_due_at = match p.pt.definition.workflow.level(level as usize) {
                Some(next) if issuing && !p.last_level => {
                    let due = calendars[&app.authority_id].add_working_days(
                        time::OffsetDateTime::now_utc(),
                        next.time_limit_working_days,
                    );
                    Some((due.unix_timestamp_nanos() / 1_000_000) as i64)
                }
                _ => None,
            };
            moves.push(applications::Advance {
                id: app.id,
                version: app.version,
                status,
                level,
                level_due_at,
            });
            candidates.push((p, status, level));
        }
        // The version check makes concurrent reviewers race per row: the losers' rows stay put.
        let moved: HashSet<i64> = applications::advance_many(&mut tx, &moves)
            .await?
            .into_iter()
            .collect();
        let mut done = Vec::new();
        for (p, status, level) in candidates {
            if moved.contains(&p.app.id) {
                done.push((p, status, level));
            } else {
                skip(out, p.app.id, ALREADY);
            }
        }
        let seen: Vec<serde_json::Value> = done
            .iter()
            .map(|(p, _, _)| {
                serde_json::json!({ "version": p.app.version, "eligibility": p.app.eligibility })
            })
            .collect();
        let decisions: Vec<NewDecision> = done
            .iter()
            .zip(&seen)
            .map(|((p, _, _), seen)| NewDecision {
                application_id: p.app.id,
                round: p.app.round,
                level: p.app.level,
                reviewer_id: self.caller.user_id,
                reviewer_role: p.role.as_str(),
                action: self.action.as_str(),
                reason_code: self.reason_code,
                reason_text: self.reason_text,
                seen,
            })
            .collect();
        applications::insert_decisions(&mut tx, &decisions)
            .await
            .map_err(|e| match e {
                StoreError::Conflict => ActionError::Conflict("review.already_decided"),
                other => other.into(),
            })?;
        // Rejected invited applications free their places, a statement per request.
        if matches!(self.action, Verb::Reject) {
            let mut freed: std::collections::BTreeMap<i64, i64> = Default::default();
            for (p, _, _) in &done {
                if let Some(request) = p.app.request_id {
                    *freed.entry(request).or_default() += 1;
                }
            }
            let now = crate::store::now_ms();
            for (request, n) in freed {
                crate::store::invitations::give_back_places(&mut tx, request, n, now).await?;
            }
        }
        let actors: Vec<_> = done
            .iter()
            .map(|(p, _, _)| self.caller.actor(Some(p.role)))
            .collect();
        let events: Vec<_> = done
            .iter()
            .zip(&seen)
            .zip(&actors)
            .map(|(((p, status, level), seen), actor)| {
                let mut event = actor.event("application.decided", "application", p.app.id);
                event.before =
                    Some(serde_json::json!({ "status": p.app.status, "level": p.app.level }));
                event.after = Some(serde_json::json!({
                    "action": self.action.as_str(), "status": status, "level": level,
                    "reason_code": self.reason_code, "reason_text": self.reason_text,
                    "seen": seen, "bulk": true,
                }));
                event
            })
            .collect();
        audit::insert_many(&mut tx, &events).await?;

        let finals: Vec<&Planned> = done
            .iter()
            .filter(|(_, status, _)| *status == "issued")
            .map(|(p, _, _)| *p)
            .collect();
        let numbers = self.issue_all(&mut tx, &finals, now).await?;
        let bodies: Vec<(i64, String)> = done
            .iter()
            .filter_map(|(p, _, _)| {
                let body = decision_message(p.app.id, self.action, self.reason_text)?;
                Some((p.app.applicant_id, body))
            })
            .collect();
        let messages: Vec<(&str, &str, &str)> = bodies
            .iter()
            .map(|(applicant, body)| (self.phone(*applicant), "", body.as_str()))
            .collect();
        outbox::enqueue_many(&mut tx, Channel::Sms, &messages).await?;
        tx.commit().await.map_err(StoreError::from)?;
        for (p, status, _) in &done {
            out.decided.push(BulkDecidedItem {
                application_id: p.app.id,
                status: (*status).to_owned(),
                pass_number: numbers.get(&p.app.id).cloned(),
            });
        }
        Ok(())
    }

    fn phone(&self, user_id: i64) -> &str {
        self.contacts
            .get(&user_id)
            .map(|(_, phone)| phone.as_str())
            .unwrap_or_default()
    }

    /// The approval trail printed on the pass: earlier approvals of this round, then this one.
    fn approvals(&self, app: &Application, now: i64) -> Vec<Approval> {
        let name = |id: i64| {
            self.contacts
                .get(&id)
                .map(|(name, _)| name.clone())
                .unwrap_or_default()
        };
        let mut trail: Vec<Approval> = self
            .earlier
            .iter()
            .filter(|d| d.application_id == app.id && d.round == app.round && d.action == "approve")
            .map(|d| Approval {
                reviewer: name(d.reviewer_id),
                date: d.decided_at.div_euclid(DAY_MS),
            })
            .collect();
        trail.push(Approval {
            reviewer: name(self.caller.user_id),
            date: now.div_euclid(DAY_MS),
        });
        trail
    }

    /// The holiday calendars of the authorities whose applications move to a next level.
    async fn calendars(
        &self,
        planned: &[Planned<'_>],
    ) -> ActionResult<HashMap<i64, crate::domain::calendar::Calendar>> {
        let mut calendars = HashMap::new();
        if self.action != Verb::Approve {
            return Ok(calendars);
        }
        for p in planned.iter().filter(|p| !p.last_level) {
            if let Entry::Vacant(slot) = calendars.entry(p.app.authority_id) {
                slot.insert(
                    crate::actions::pass_types::calendar(self.db, p.app.authority_id).await?,
                );
            }
        }
        Ok(calendars)
    }
}
