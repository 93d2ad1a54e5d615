//! Dynamic management of issued passes: suspend, resume, revoke — each with a reason, audited,
//! told to the holder, and republished to offline checkpoints in the same transaction.

use serde::Deserialize;

use super::{ActionError, ActionResult, Caller};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::store::outbox::Channel;
use crate::store::passes::{self, Pass};
use crate::store::{Db, StoreError, audit, orgs, outbox, users};

/// What happens to a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusChange {
    Suspend,
    Resume,
    Revoke,
}

impl StatusChange {
    /// `(from, to, audit action, zh, en)`.
    fn spec(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            StatusChange::Suspend => (
                "active",
                "suspended",
                "pass.suspended",
                "已暂停使用",
                "was suspended",
            ),
            StatusChange::Resume => (
                "suspended",
                "active",
                "pass.resumed",
                "已恢复使用",
                "was resumed",
            ),
            StatusChange::Revoke => ("", "revoked", "pass.revoked", "已撤销", "was revoked"),
        }
    }
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct StatusInput {
    pub action: StatusChange,
    /// Why, for the record and the holder.
    pub reason: String,
}

/// Roles that manage passes: the authority's reviewers and admins anywhere in its tree, and an
/// organisation admin for the passes of its own organisation ("ends passes when the task ends").
async fn manager_role(db: &Db, caller: &Caller, pass: &Pass) -> ActionResult<Role> {
    let authority = orgs::get(db.pool(), pass.authority_id).await?;
    if let Ok(role) = caller.require_any(
        &[Role::AuthorityReviewer, Role::SystemAdmin],
        &authority.path,
    ) {
        return Ok(role);
    }
    let holder = users::get(db.pool(), pass.holder_id).await?;
    let app = crate::store::applications::get(db.pool(), pass.application_id).await?;
    let org_id = app.org_id.or(holder.org_id).ok_or(ActionError::Forbidden)?;
    let org = orgs::get(db.pool(), org_id).await?;
    caller.require_any(&[Role::OrgAdmin], &org.path)
}

/// Changes a pass's status. Effective for online checks as soon as it commits.
pub async fn change_status(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    pass_id: i64,
    input: &StatusInput,
) -> ActionResult<Pass> {
    caller.require_scope("passes:write")?;
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ActionError::invalid_msg(
            "reason",
            "pass.reason_required",
            "须填写理由（不超过 500 字）。",
            "A reason is needed (at most 500 characters).",
        ));
    }
    let pass = passes::get(db.pool(), pass_id).await?;
    let role = manager_role(db, caller, &pass).await?;
    let actor = caller.actor(Some(role));
    let mut tx = db.begin().await?;
    let updated = change_status_in(&mut tx, pii, &actor, &pass, input.action, reason).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(updated)
}

/// Changes a pass's status inside `tx` for an actor already authorised (a manager, or the
/// system when documents owed were not supplied in time): audited, republished for offline
/// checkpoints, told to the holder.
pub(crate) async fn change_status_in(
    tx: &mut crate::store::Tx,
    pii: &PiiKeys,
    actor: &super::Actor,
    pass: &Pass,
    change: StatusChange,
    reason: &str,
) -> ActionResult<Pass> {
    let (from, to, action, zh, en) = change.spec();
    let from = if from.is_empty() {
        pass.status.as_str()
    } else {
        from
    };
    if pass.status == "revoked" || pass.status != from {
        return Err(ActionError::Conflict("pass.status_unchanged"));
    }
    let authority = orgs::get(&mut **tx, pass.authority_id).await?;
    if !passes::set_status(tx, pass.id, from, to).await? {
        return Err(ActionError::Conflict("pass.status_unchanged"));
    }
    if to == "revoked" {
        // A revoked pass no longer holds its vehicle: a new pass may be issued.
        crate::store::vehicle_claims::release_vehicle(tx, pass.id).await?;
    }
    let mut event = actor.event(action, "pass", &pass.pass_number);
    event.before = Some(serde_json::json!({
        "status": pass.status, "valid_until": pass.valid_until,
    }));
    event.after = Some(serde_json::json!({ "status": to, "reason": reason }));
    audit::insert(tx, &event).await?;
    crate::actions::keys::publish_bundle(tx, pii, actor, &authority).await?;
    let holder = users::get(&mut **tx, pass.holder_id).await?;
    let body = format!(
        "【epass】您的通行证 {n} {zh}，理由：{reason}。Your pass {n} {en}: {reason}.",
        n = pass.pass_number
    );
    outbox::enqueue(tx, Channel::Sms, &holder.phone, "", &body).await?;
    Ok(passes::get(&mut **tx, pass.id).await?)
}

/// A pass, for its holder or those who manage it.
pub async fn get(db: &Db, caller: &Caller, pass_id: i64) -> ActionResult<Pass> {
    let pass = passes::get(db.pool(), pass_id).await?;
    if pass.holder_id != caller.user_id {
        // Supervisors of the whole authority read every pass it issued (they only read).
        let authority = orgs::get(db.pool(), pass.authority_id).await?;
        if caller
            .require_any(&[Role::Supervisor], &authority.path)
            .is_err()
        {
            manager_role(db, caller, &pass).await?;
        }
    }
    Ok(pass)
}

/// Extending a pass (延期办): how far, and why.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct ExtendInput {
    /// Days added to the end of validity (1 to 366).
    pub days: i64,
    pub reason: String,
}

fn check_extension(input: &ExtendInput) -> ActionResult<&str> {
    if !(1..=366).contains(&input.days) {
        return Err(ActionError::invalid_msg(
            "days",
            "pass.extend_days",
            "延期天数须为 1 至 366 天。",
            "An extension is 1 to 366 days.",
        ));
    }
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ActionError::invalid_msg(
            "reason",
            "pass.reason_required",
            "须填写理由（不超过 500 字）。",
            "A reason is needed (at most 500 characters).",
        ));
    }
    Ok(reason)
}

/// Extends one pass inside `tx`: re-signed with the new end, the vehicle held until then.
async fn extend_in(
    tx: &mut crate::store::Tx,
    pii: &PiiKeys,
    actor: &super::Actor,
    pass: &Pass,
    days: i64,
    reason: &str,
) -> ActionResult<Pass> {
    if pass.status == "revoked" {
        return Err(ActionError::Conflict("pass.status_unchanged"));
    }
    let app = crate::store::applications::get(&mut **tx, pass.application_id).await?;
    let pt = crate::store::pass_types::get(&mut **tx, app.pass_type_id).await?;
    let until = pass.valid_until + days * 86_400_000;
    let (kid, credential) = crate::actions::issuance::sign(
        tx,
        pii,
        &app,
        &pt,
        &pass.pass_number,
        pass.status_index,
        until,
    )
    .await?;
    passes::set_validity(tx, pass.id, until, &kid, &credential).await?;
    if pass.plate.is_some()
        && pt
            .definition
            .checks
            .contains(&crate::domain::pass_type::Check::OnePassPerVehicle)
    {
        crate::store::vehicle_claims::extend_vehicle_claim(tx, pass.id, until)
            .await
            .map_err(crate::actions::issuance::vehicle_conflict)?;
    }
    let mut event = actor.event("pass.extended", "pass", &pass.pass_number);
    event.before = Some(serde_json::json!({
        "valid_until": pass.valid_until, "status": pass.status,
    }));
    event.after = Some(serde_json::json!({ "valid_until": until, "reason": reason }));
    audit::insert(tx, &event).await?;
    let holder = users::get(&mut **tx, pass.holder_id).await?;
    let body = format!(
        "【epass】您的通行证 {n} 已延期 {days} 天，请重新打开以获取新二维码。Your pass {n} is \
         extended by {days} days; open it again for the new QR code.",
        n = pass.pass_number
    );
    outbox::enqueue(tx, Channel::Sms, &holder.phone, "", &body).await?;
    Ok(passes::get(&mut **tx, pass.id).await?)
}

/// Extends one pass.
pub async fn extend(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    pass_id: i64,
    input: &ExtendInput,
) -> ActionResult<Pass> {
    caller.require_scope("passes:write")?;
    let reason = check_extension(input)?;
    let pass = passes::get(db.pool(), pass_id).await?;
    let role = manager_role(db, caller, &pass).await?;
    let actor = caller.actor(Some(role));
    let mut tx = db.begin().await?;
    let pass = extend_in(&mut tx, pii, &actor, &pass, input.days, reason).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(pass)
}

/// "Extend every pass of this type expiring before D by N days".
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkExtendInput {
    pub pass_type_id: i64,
    /// Milliseconds since the Unix epoch.
    pub expiring_before: i64,
    pub days: i64,
    pub reason: String,
}

/// What a bulk extension did.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    pub extended: usize,
    /// Passes left as they were, with why (e.g. the vehicle holds another pass then).
    pub skipped: Vec<(String, String)>,
}

/// Extends, in chunks of one transaction each, every live pass of a type ending before a date.
/// Only the authority's reviewers and admins may.
pub async fn bulk_extend(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    input: &BulkExtendInput,
) -> ActionResult<BulkResult> {
    caller.require_scope("passes:write")?;
    let as_one = ExtendInput {
        days: input.days,
        reason: input.reason.clone(),
    };
    let reason = check_extension(&as_one)?;
    let pt = crate::store::pass_types::get(db.pool(), input.pass_type_id).await?;
    let authority = orgs::get(db.pool(), pt.authority_id).await?;
    let role = caller.require_any(
        &[Role::AuthorityReviewer, Role::SystemAdmin],
        &authority.path,
    )?;
    let actor = caller.actor(Some(role));
    let mut result = BulkResult {
        extended: 0,
        skipped: Vec::new(),
    };
    let mut after = 0;
    loop {
        let ids = passes::expiring(db.pool(), pt.id, input.expiring_before, after, 500).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        for id in ids {
            let pass = passes::get(db.pool(), id).await?;
            // One transaction per pass: a vehicle conflict skips that pass, not the batch.
            let mut tx = db.begin().await?;
            match extend_in(&mut tx, pii, &actor, &pass, input.days, reason).await {
                Ok(_) => {
                    tx.commit().await.map_err(StoreError::from)?;
                    result.extended += 1;
                }
                Err(ActionError::Conflict(code)) => {
                    result.skipped.push((pass.pass_number, code.into()))
                }
                Err(e) => return Err(e),
            }
        }
    }
    let mut tx = db.begin().await?;
    let mut event = actor.event("pass.bulk_extended", "pass_type", pt.id);
    event.after = Some(serde_json::json!({
        "expiring_before": input.expiring_before, "days": input.days, "reason": reason,
        "extended": result.extended, "skipped": result.skipped.len(),
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(result)
}
