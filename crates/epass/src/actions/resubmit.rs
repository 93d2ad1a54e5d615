//! Correcting a returned application: its applicant sends new values, which are checked like a
//! new application (form and eligibility); the application starts a new round at level 1 with a
//! new promised date, and the earlier round's form and decisions stay on record.

use serde::Deserialize;

use super::applications::{prepare, priority_rank, require_open};
use super::{ActionError, ActionResult, Caller};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::registry::RegistrySource;
use crate::store::applications::{self, Application};
use crate::store::rounds::{self, Corrected};
use crate::store::{Db, StoreError, audit, invitations, now_ms, pass_types};

/// The corrected application.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct ResubmitInput {
    /// The whole form again, corrected.
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
    pub agreed: bool,
}

const NOT_RETURNED: ActionError = ActionError::Conflict("application.not_returned");

/// Resubmits a returned application; only its applicant may.
pub async fn resubmit(
    db: &Db,
    pii: &PiiKeys,
    registry: &dyn RegistrySource,
    caller: &Caller,
    id: i64,
    input: &ResubmitInput,
) -> ActionResult<Application> {
    caller.require_scope("applications:write")?;
    let app = applications::get(db.pool(), id).await?;
    if app.applicant_id != caller.user_id {
        return Err(ActionError::Forbidden);
    }
    if app.status != "returned" {
        return Err(NOT_RETURNED);
    }
    let pt = pass_types::get(db.pool(), app.pass_type_id).await?;
    let now = now_ms();
    require_open(&pt, input.agreed, now)?;
    // An application of an invitation keeps its request's preset values and period.
    let (values, within) = match app.request_id {
        Some(request_id) => {
            let req = invitations::get(db.pool(), request_id).await?;
            let values = super::invitations::values_for(&req, &pt.definition, &input.values);
            (values, Some((req.valid_from, req.valid_until)))
        }
        None => (input.values.clone(), None),
    };
    let calendar = crate::actions::pass_types::calendar(db, pt.authority_id).await?;
    let p = prepare(db, pii, registry, &pt, &calendar, &values, within, now).await?;

    let mut tx = db.begin().await?;
    // Two resubmissions of one round: the round's key lets only one keep its history.
    rounds::keep(&mut tx, &app).await.map_err(|e| match e {
        StoreError::Conflict => NOT_RETURNED,
        other => other.into(),
    })?;
    let corrected = Corrected {
        pass_type_version: pt.version,
        form: &p.form,
        holder_name: &p.holder_name,
        holder_id_sealed: p.holder_id_sealed.as_deref(),
        holder_id_masked: p.holder_id_masked.as_deref(),
        plate: p.plate.as_deref(),
        valid_from: p.valid_from,
        valid_until: p.valid_until,
        priority: priority_rank(pt.priority),
        level_due_at: p.level_due_at,
        promised_at: p.promised_at,
        eligibility: &p.eligibility,
    };
    if !rounds::resubmit(&mut tx, app.id, app.version, &corrected).await? {
        return Err(NOT_RETURNED);
    }
    let after = applications::get(&mut *tx, app.id).await?;
    let actor = caller.actor(Some(Role::Applicant));
    let mut event = actor.event("application.resubmitted", "application", app.id);
    event.before = Some(serde_json::json!({
        "round": app.round, "status": app.status, "form": app.form,
    }));
    let mut audited = p.audited(&pt);
    audited["round"] = serde_json::json!(after.round);
    audited["form"] = after.form.clone();
    audited["promised_at"] = serde_json::json!(after.promised_at);
    event.after = Some(audited);
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(after)
}
