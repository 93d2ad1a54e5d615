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
    let (from, to, action, zh, en) = input.action.spec();
    let from = if from.is_empty() {
        pass.status.as_str()
    } else {
        from
    };
    if pass.status == "revoked" || pass.status != from {
        return Err(ActionError::Conflict("pass.status_unchanged"));
    }
    let actor = caller.actor(Some(role));
    let authority = orgs::get(db.pool(), pass.authority_id).await?;
    let mut tx = db.begin().await?;
    if !passes::set_status(&mut tx, pass.id, from, to).await? {
        return Err(ActionError::Conflict("pass.status_unchanged"));
    }
    if to == "revoked" {
        // A revoked pass no longer holds its vehicle's days: a new pass may be issued.
        passes::release_vehicle_days(&mut tx, pass.id).await?;
    }
    let mut event = actor.event(action, "pass", &pass.pass_number);
    event.before = Some(serde_json::json!({ "status": pass.status }));
    event.after = Some(serde_json::json!({ "status": to, "reason": reason }));
    audit::insert(&mut tx, &event).await?;
    crate::actions::keys::publish_bundle(&mut tx, pii, &actor, &authority).await?;
    let holder = users::get(&mut *tx, pass.holder_id).await?;
    let body = format!(
        "【epass】您的通行证 {n} {zh}，理由：{reason}。Your pass {n} {en}: {reason}.",
        n = pass.pass_number
    );
    outbox::enqueue(&mut tx, Channel::Sms, &holder.phone, "", &body).await?;
    let updated = passes::get(&mut *tx, pass.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(updated)
}

/// A pass, for its holder or those who manage it.
pub async fn get(db: &Db, caller: &Caller, pass_id: i64) -> ActionResult<Pass> {
    let pass = passes::get(db.pool(), pass_id).await?;
    if pass.holder_id != caller.user_id {
        manager_role(db, caller, &pass).await?;
    }
    Ok(pass)
}
