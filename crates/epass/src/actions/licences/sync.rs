//! Keeping licences in step with the registry. For each live licence the registry is asked
//! again: a change of what the credential or its pages carry (name, classes, validity, issuing
//! office, points, address) issues it again; 12 points, suspension, detention or an overdue
//! exam or review suspend it (online at once, offline with the bundle republished in the same
//! transaction); a cleared record resumes it; cancellation revokes it. Each licence is one
//! transaction; the holder is told of every change.

use serde::Serialize;
use time::OffsetDateTime;

use super::super::passes::{StatusChange, change_status_in};
use super::super::{ActionResult, Actor, Caller};
use super::{OFFICE_ROLES, form, store};
use crate::domain::eligibility::china_date;
use crate::domain::licences::{Snapshot, Standing, standing};
use crate::pii::PiiKeys;
use crate::registry::RegistrySource;
use crate::store::applications::{self, NewApplication};
use crate::store::licences::{LicenceIssue, NewIssue};
use crate::store::{Db, StoreError, Tx, audit, now_ms, orgs, pass_types, passes};

/// Licences walked per page.
const PAGE: i64 = 200;

/// What one sync did.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq, Eq)]
pub struct SyncReport {
    /// Live licences looked at.
    pub checked: u64,
    pub reissued: u64,
    pub suspended: u64,
    pub resumed: u64,
    pub revoked: u64,
    /// The registry no longer knows the licence (left as it is, logged).
    pub missing: u64,
    /// The registry could not be asked for the licence (tried again next time).
    pub failed: u64,
}

/// A sync asked for by the licensing office (after an import, say).
pub async fn sync_for(
    db: &Db,
    pii: &PiiKeys,
    registry: &dyn RegistrySource,
    link_base: &str,
    caller: &Caller,
) -> ActionResult<SyncReport> {
    caller.require_scope("passes:write")?;
    let role = OFFICE_ROLES
        .into_iter()
        .find(|r| caller.has_role(*r))
        .ok_or(super::super::ActionError::Forbidden)?;
    let paths = caller.paths_for(&OFFICE_ROLES);
    let actor = caller.actor(Some(role));
    sync(db, pii, registry, link_base, &actor, Some(&paths)).await
}

/// Walks every live licence (of the offices under `within`, or all) against the registry.
pub async fn sync(
    db: &Db,
    pii: &PiiKeys,
    registry: &dyn RegistrySource,
    link_base: &str,
    actor: &Actor,
    within: Option<&[String]>,
) -> ActionResult<SyncReport> {
    let mut report = SyncReport::default();
    // Issues made by this walk (re-issues) are already in step: the walk stops before them.
    let last_before = store::last_id(db.pool()).await?;
    let mut after = 0;
    loop {
        let page = store::live_page(db.pool(), after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for issue in page.iter().filter(|i| i.id <= last_before) {
            if let Some(paths) = within {
                let office = orgs::get(db.pool(), issue.authority_id).await?;
                if !paths.iter().any(|p| office.path.starts_with(p.as_str())) {
                    continue;
                }
            }
            report.checked += 1;
            let record = match registry.licence(&issue.licence_number).await {
                Ok(Some(record)) => record,
                Ok(None) => {
                    tracing::warn!(licence = %issue.licence_number, "registry no longer holds a live licence");
                    report.missing += 1;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(licence = %issue.licence_number, error = %e, "licence sync could not ask the registry");
                    report.failed += 1;
                    continue;
                }
            };
            let today = china_date(OffsetDateTime::now_utc());
            let (standing, refusal) = standing(&record, today);
            let newer = Snapshot::from(&record);
            let mut tx = db.begin().await?;
            let reason = refusal.map_or_else(String::new, |r| format!("{}（{}）", r.zh, r.en));
            follow(
                &mut tx,
                pii,
                actor,
                link_base,
                issue,
                &newer,
                standing,
                &reason,
                &mut report,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
        }
        if after >= last_before {
            break;
        }
    }
    Ok(report)
}

/// Brings one licence in line with its registry record.
#[allow(clippy::too_many_arguments)]
async fn follow(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    link_base: &str,
    issue: &LicenceIssue,
    newer: &Snapshot,
    standing: Standing,
    reason: &str,
    report: &mut SyncReport,
) -> ActionResult<()> {
    let Some(pass_id) = issue.pass_id else {
        return Ok(());
    };
    let mut pass = passes::get(&mut **tx, pass_id).await?;
    if pass.status == "revoked" {
        return Ok(());
    }
    if standing == Standing::Cancelled {
        change_status_in(tx, pii, actor, &pass, StatusChange::Revoke, reason).await?;
        report.revoked += 1;
        return Ok(());
    }
    let changed = issue.record.changed_fields(newer);
    if !changed.is_empty() {
        pass = reissue(tx, pii, actor, link_base, issue, newer, &changed).await?;
        report.reissued += 1;
    }
    match (standing, pass.status.as_str()) {
        (Standing::Suspended, "active") => {
            change_status_in(tx, pii, actor, &pass, StatusChange::Suspend, reason).await?;
            report.suspended += 1;
        }
        (Standing::Good, "suspended") => {
            let why = "驾驶证状态已恢复正常（the licence is in good standing again）";
            change_status_in(tx, pii, actor, &pass, StatusChange::Resume, why).await?;
            report.resumed += 1;
        }
        _ => {}
    }
    Ok(())
}

/// Issues the licence again from the newer record: a new application (issued at once, by the
/// system) and issue row carrying the same photo; the old pass is revoked by issuance.
async fn reissue(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    link_base: &str,
    old: &LicenceIssue,
    newer: &Snapshot,
    changed: &[&str],
) -> ActionResult<passes::Pass> {
    let old_app = applications::get(&mut **tx, old.application_id).await?;
    let pt = pass_types::get(&mut **tx, old_app.pass_type_id).await?;
    let now = now_ms();
    let (valid_from, valid_until) = newer.validity_ms().ok_or_else(|| {
        super::super::ActionError::Internal(format!(
            "licence {} has dates out of range",
            newer.licence_number
        ))
    })?;
    let form = form(newer, &old.photo_source, "registry_change");
    let app = applications::insert(
        tx,
        &NewApplication {
            pass_type_id: pt.id,
            pass_type_version: pt.version,
            authority_id: pt.authority_id,
            applicant_id: old.holder_id,
            org_id: None,
            request_id: None,
            form: &form,
            holder_name: &newer.holder_name,
            holder_id_sealed: old_app.holder_id_sealed.as_deref(),
            holder_id_masked: old_app.holder_id_masked.as_deref(),
            plate: None,
            valid_from,
            valid_until,
            priority: old_app.priority,
            level_due_at: now,
            promised_at: now,
            eligibility: &serde_json::json!([]),
        },
    )
    .await?;
    store::insert(
        tx,
        &NewIssue {
            licence_number: &newer.licence_number,
            holder_id: old.holder_id,
            authority_id: old.authority_id,
            application_id: app.id,
            reason: "registry_change",
            record: newer,
            photo_source: &old.photo_source,
            photo_document_id: old.photo_document_id,
            clerk_id: None,
            created_at: now,
        },
    )
    .await?;
    let mut event = actor.event("licence.reissued", "licence", &newer.licence_number);
    event.before = Some(serde_json::to_value(&old.record).unwrap_or_default());
    event.after = Some(serde_json::json!({
        "changed": changed, "record": newer, "application_id": app.id,
    }));
    audit::insert(tx, &event).await?;
    if !applications::advance(tx, app.id, app.version, "issued", app.level, None).await? {
        return Err(super::super::ActionError::Conflict("application.changed"));
    }
    let pass = crate::actions::issuance::issue(tx, pii, actor, &app, &pt, link_base).await?;
    Ok(pass)
}
