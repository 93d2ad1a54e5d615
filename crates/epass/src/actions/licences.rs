//! Electronic driving licences (电子驾驶证): applying (by the holder, or by a clerk at the
//! licensing office's counter), the hooks issuance calls for a licence, what the holder and the
//! office see, keeping the credential in step with the registry ([`sync`]) and relying parties'
//! consented views ([`consent`]).
//!
//! A licence issue is an application of the authority's `driving_licence` pass type with one
//! `e_licences` row beside it; once issued it has one pass (the signed credential). A newer
//! issue of the same licence number (a photo change, a re-application, a registry change)
//! replaces the older: its pass is revoked, so an old QR stops verifying online at once and
//! offline at the next bundle.

pub mod apply;
pub mod consent;
pub mod photos;
pub mod sync;

use epass_credential::Kind;
use serde::Serialize;

use super::{ActionError, ActionResult, Actor, Caller};
use crate::document_store::DocumentStore;
use crate::domain::licences::{Snapshot, class_rule};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::store::applications::Application;
use crate::store::licences::{self as store, LicenceIssue, Photo};
use crate::store::passes::{self, Pass};
use crate::store::{Db, Tx, audit, documents, now_ms, orgs};

pub use apply::{ApplyInput, CounterInput, PhotoChoice, Services, apply, apply_at_counter};

/// Roles of the licensing office that see and manage licences of their authority.
pub const OFFICE_ROLES: [Role; 2] = [Role::AuthorityReviewer, Role::SystemAdmin];

/// The application form of a licence issue: what the credential is signed from.
pub(crate) fn form(snapshot: &Snapshot, photo_source: &str, reason: &str) -> serde_json::Value {
    serde_json::json!({
        "licence_number": snapshot.licence_number,
        "classes": snapshot.classes_text(),
        "points": snapshot.points,
        "issuing_office": snapshot.issuing_office,
        "valid_from": snapshot.valid_from,
        "valid_until": snapshot.valid_until,
        "photo": photo_source,
        "reason": reason,
    })
}

/// Called by issuance right after a licence's pass is stored: ties the issue to its pass and
/// replaces the licence's earlier live issue (its pass revoked, republished for checkpoints).
pub(crate) async fn on_issued(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    app: &Application,
    pass_id: i64,
) -> ActionResult<()> {
    let issue = store::for_application(&mut **tx, app.id)
        .await?
        .ok_or_else(|| {
            ActionError::Internal(format!("licence application {} has no issue row", app.id))
        })?;
    let earlier = store::live(&mut **tx, &issue.licence_number).await?;
    store::set_pass(tx, issue.id, pass_id).await?;
    if let Some(old) = earlier
        && old.id != issue.id
    {
        replace(tx, pii, actor, &old).await?;
    }
    let mut event = actor.event("licence.issued", "licence", &issue.licence_number);
    event.after = Some(serde_json::json!({
        "application_id": app.id, "pass_id": pass_id, "reason": issue.reason,
        "photo": issue.photo_source, "clerk_id": issue.clerk_id,
    }));
    audit::insert(tx, &event).await?;
    Ok(())
}

/// Marks an issue replaced and revokes its pass.
async fn replace(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    old: &LicenceIssue,
) -> ActionResult<()> {
    store::mark_replaced(tx, old.id, now_ms()).await?;
    let Some(pass_id) = old.pass_id else {
        return Ok(());
    };
    let pass = passes::get(&mut **tx, pass_id).await?;
    if pass.status == "revoked" {
        return Ok(());
    }
    passes::set_status(tx, pass.id, &pass.status, "revoked").await?;
    let mut event = actor.event("pass.revoked", "pass", &pass.pass_number);
    event.before = Some(serde_json::json!({ "status": pass.status }));
    event.after = Some(serde_json::json!({
        "status": "revoked", "reason": "licence.replaced",
    }));
    audit::insert(tx, &event).await?;
    let authority = orgs::get(&mut **tx, pass.authority_id).await?;
    crate::actions::keys::publish_bundle(tx, pii, actor, &authority).await?;
    Ok(())
}

/// A licence as its holder (or the office) sees it: the front page and the side page.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LicenceView {
    pub licence_number: String,
    pub holder_name: String,
    pub classes: String,
    pub valid_from: String,
    pub valid_until: String,
    pub issuing_office: String,
    pub points: u32,
    pub address: String,
    /// The registry's status when this issue was signed.
    pub registry_status: String,
    /// What each class code allows, in both languages.
    pub class_rules: Vec<ClassRule>,
    /// `active`, `suspended` or `revoked`; `pending` while a photo is in review.
    pub status: String,
    pub pass_id: Option<i64>,
    pub pass_number: Option<String>,
    /// The credential (the QR's text), once issued.
    pub credential: Option<String>,
    /// When the credential was signed (ms).
    pub issued_at: Option<i64>,
    pub photo_source: String,
    /// Issued at a counter by this clerk on the holder's behalf.
    pub clerk_id: Option<i64>,
    pub issue_id: i64,
    pub application_id: i64,
}

/// One class code and its rule.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ClassRule {
    pub code: String,
    pub zh: String,
    pub en: String,
}

fn view(issue: &LicenceIssue, pass: Option<&Pass>) -> LicenceView {
    let s = &issue.record;
    LicenceView {
        licence_number: s.licence_number.clone(),
        holder_name: s.holder_name.clone(),
        classes: s.classes_text(),
        valid_from: s.valid_from.clone(),
        valid_until: s.valid_until.clone(),
        issuing_office: s.issuing_office.clone(),
        points: s.points,
        address: s.address.clone(),
        registry_status: s.status.clone(),
        class_rules: s
            .classes
            .iter()
            .map(|c| {
                let (zh, en) = class_rule(c).unwrap_or(("", ""));
                ClassRule {
                    code: c.clone(),
                    zh: zh.to_owned(),
                    en: en.to_owned(),
                }
            })
            .collect(),
        status: pass.map_or_else(|| "pending".to_owned(), |p| p.status.clone()),
        pass_id: pass.map(|p| p.id),
        pass_number: pass.map(|p| p.pass_number.clone()),
        credential: pass.map(|p| p.credential.clone()),
        issued_at: pass.map(|p| p.issued_at),
        photo_source: issue.photo_source.clone(),
        clerk_id: issue.clerk_id,
        issue_id: issue.id,
        application_id: issue.application_id,
    }
}

/// Whether the caller is the holder or staff of the licence's office; the role used.
fn may_read(
    caller: &Caller,
    issue: &LicenceIssue,
    office_path: &str,
) -> ActionResult<Option<Role>> {
    if issue.holder_id == caller.user_id {
        return Ok(None);
    }
    caller.require_any(&OFFICE_ROLES, office_path).map(Some)
}

/// The caller's licences: the live issue of each licence number first, then issues waiting for
/// their photo review.
pub async fn mine(db: &Db, caller: &Caller) -> ActionResult<Vec<LicenceView>> {
    let issues = store::for_holder(db.pool(), caller.user_id).await?;
    let mut out = Vec::new();
    for issue in &issues {
        if issue.replaced_at.is_some() {
            continue;
        }
        let pass = match issue.pass_id {
            Some(id) => Some(passes::get(db.pool(), id).await?),
            None => {
                let app = crate::store::applications::get(db.pool(), issue.application_id).await?;
                if !matches!(app.status.as_str(), "in_review" | "returned") {
                    continue;
                }
                None
            }
        };
        out.push(view(issue, pass.as_ref()));
    }
    Ok(out)
}

/// The live licence of a number, for its holder or the office.
pub async fn get(db: &Db, caller: &Caller, licence_number: &str) -> ActionResult<LicenceView> {
    let issue = store::live(db.pool(), licence_number)
        .await?
        .ok_or(ActionError::NotFound)?;
    let office = orgs::get(db.pool(), issue.authority_id).await?;
    may_read(caller, &issue, &office.path)?;
    let pass = match issue.pass_id {
        Some(id) => Some(passes::get(db.pool(), id).await?),
        None => None,
    };
    Ok(view(&issue, pass.as_ref()))
}

/// The photo printed on a licence issue: the registry's, or the one uploaded or taken at the
/// counter. The caller must be allowed to read the issue.
pub async fn photo(
    db: &Db,
    files: &DocumentStore,
    caller: &Caller,
    issue_id: i64,
) -> ActionResult<Photo> {
    let issue = store::get(db.pool(), issue_id).await?;
    let office = orgs::get(db.pool(), issue.authority_id).await?;
    may_read(caller, &issue, &office.path)?;
    photo_of(db, files, &issue).await
}

/// The photo of an issue, without an access check (callers have made theirs).
pub(crate) async fn photo_of(
    db: &Db,
    files: &DocumentStore,
    issue: &LicenceIssue,
) -> ActionResult<Photo> {
    match issue.photo_document_id {
        Some(doc_id) => {
            let doc = documents::get(db.pool(), doc_id).await?;
            let bytes = files
                .get(&doc.object_key)
                .await
                .map_err(|e| ActionError::Internal(format!("reading photo {doc_id}: {e}")))?;
            Ok(Photo {
                content_type: doc.content_type,
                bytes,
            })
        }
        None => store::registry_photo(db.pool(), &issue.licence_number)
            .await?
            .ok_or(ActionError::NotFound),
    }
}

/// Whether a pass type issues driving licences.
pub(crate) fn is_licence(kind: Kind) -> bool {
    kind == Kind::DrivingLicence
}

/// A system administrator stores the registry's photo of a licence (JPEG or PNG), as a
/// licensing system hands them over; the `epass registry import-photos` command does the same
/// for a folder.
pub async fn put_registry_photo(
    db: &Db,
    caller: &Caller,
    licence_number: &str,
    bytes: Vec<u8>,
    max_bytes: u64,
) -> ActionResult<()> {
    caller.require_scope("passes:write")?;
    // The registry serves the whole authority: only its system administrators (at the root).
    let at_root = caller
        .paths_for(&[Role::SystemAdmin])
        .iter()
        .any(|p| p.matches('/').count() == 2);
    if !at_root {
        return Err(ActionError::Forbidden);
    }
    let number = crate::registry::fields::licence_number(licence_number)
        .map_err(|e| ActionError::invalid_msg("licence_number", "licence.number", &e.zh, &e.en))?;
    let (kind, bytes) = apply::checked_photo(bytes, max_bytes).await?;
    let actor = caller.actor(Some(Role::SystemAdmin));
    let mut tx = db.begin().await?;
    store::put_registry_photo(
        &mut tx,
        &number,
        &Photo {
            content_type: kind.mime().to_owned(),
            bytes,
        },
        now_ms(),
    )
    .await?;
    let mut event = actor.event("registry.licence_photo_stored", "licence", &number);
    event.after = Some(serde_json::json!({ "content_type": kind.mime() }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}
