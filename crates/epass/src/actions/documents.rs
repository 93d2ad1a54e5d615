//! Documents of an application: uploaded by its applicant (type decided by the content, images
//! decoded to prove they are images), listed and read by the applicant and the application's
//! reviewers — every read of the bytes recorded in the audit log before the bytes leave.

use super::secrets::{random_token, sha256};
use super::{ActionError, ActionResult, Caller};
use crate::document_store::DocumentStore;
use crate::domain::documents::{self, ContentType, DocumentError};
use crate::domain::pass_type::DocumentKind;
use crate::domain::roles::Role;
use crate::i18n::{Lang, Localized};
use crate::store::documents::{self as store, Document, NewDocument, Owed};
use crate::store::{Db, StoreError, applications, audit, pass_types};

/// An upload as the applicant sent it.
#[derive(Debug)]
pub struct Upload<'a> {
    pub application_id: i64,
    /// The kind's code: `id_card`, `driving_licence`, `vehicle_licence`, `test_report`, `other`.
    pub kind: &'a str,
    pub bytes: Vec<u8>,
    /// The configured size limit.
    pub max_bytes: u64,
}

/// What an upload recorded.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub document: Document,
    /// The owed document this upload supplied, if one was owed.
    pub fulfilled: Option<Owed>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn refused(e: &DocumentError) -> ActionError {
    match e {
        DocumentError::UnsupportedType => ActionError::UnsupportedContent {
            code: e.code(),
            zh: e.message(Lang::Zh),
            en: e.message(Lang::En),
        },
        DocumentError::Empty | DocumentError::Corrupt(..) => ActionError::invalid("file", e),
    }
}

/// Stores a document of the caller's own application. Nothing is kept unless every check passes.
pub async fn upload(
    db: &Db,
    files: &DocumentStore,
    caller: &Caller,
    upload: Upload<'_>,
) -> ActionResult<Uploaded> {
    caller.require_scope("applications:write")?;
    let app = applications::get(db.pool(), upload.application_id).await?;
    if app.applicant_id != caller.user_id {
        return Err(ActionError::Forbidden);
    }
    let kind = documents::parse_kind(upload.kind).ok_or_else(|| {
        ActionError::invalid_msg(
            "kind",
            "document.kind",
            "材料类别须为 id_card、driving_licence、vehicle_licence、test_report 或 other。",
            "The kind must be id_card, driving_licence, vehicle_licence, test_report or other.",
        )
    })?;
    if upload.bytes.len() as u64 > upload.max_bytes {
        return Err(ActionError::TooLarge {
            max_bytes: upload.max_bytes,
        });
    }
    let pt = pass_types::get(db.pool(), app.pass_type_id).await?;
    if kind != DocumentKind::Other && !pt.definition.documents.iter().any(|d| d.kind == kind) {
        return Err(ActionError::invalid_msg(
            "kind",
            "document.kind_not_asked",
            "该类通行证不要求此类材料。",
            "This pass type does not ask for documents of this kind.",
        ));
    }
    let code = documents::kind_code(kind);
    match app.status.as_str() {
        "rejected" | "withdrawn" => {
            return Err(ActionError::Conflict("document.application_closed"));
        }
        // After issuance only what is owed may still come.
        "issued" => {
            let owed = store::owed_for_application(db.pool(), app.id).await?;
            if !owed
                .iter()
                .any(|o| o.kind == code && o.fulfilled_at.is_none())
            {
                return Err(ActionError::Conflict("document.not_owed"));
            }
        }
        _ => {}
    }
    // Decoding an image is CPU work: off the async threads.
    let bytes = upload.bytes;
    let (content_type, bytes) = tokio::task::spawn_blocking(move || {
        let t = documents::inspect(&bytes);
        (t, bytes)
    })
    .await
    .map_err(|e| ActionError::Internal(format!("inspecting an upload: {e}")))?;
    let content_type: ContentType = content_type.map_err(|e| refused(&e))?;
    let digest = hex(&sha256(&bytes));
    let size = bytes.len() as i64;
    let key = format!(
        "applications/{}/{}.{}",
        app.id,
        random_token(),
        content_type.extension()
    );
    files
        .put(&key, bytes)
        .await
        .map_err(|e| ActionError::Internal(e.to_string()))?;
    match record(db, caller, &app, code, content_type, size, &digest, &key).await {
        Ok(done) => Ok(done),
        Err(e) => {
            // The record was not written: the bytes must not linger unaccounted for.
            if let Err(cleanup) = files.delete(&key).await {
                tracing::warn!(key, error = %cleanup, "cannot remove an unrecorded upload");
            }
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn record(
    db: &Db,
    caller: &Caller,
    app: &applications::Application,
    kind: &str,
    content_type: ContentType,
    size: i64,
    digest: &str,
    key: &str,
) -> ActionResult<Uploaded> {
    let actor = caller.actor(Some(Role::Applicant));
    let mut tx = db.begin().await?;
    let document = store::insert(
        &mut tx,
        &NewDocument {
            application_id: app.id,
            uploader_id: caller.user_id,
            kind,
            content_type: content_type.mime(),
            size_bytes: size,
            sha256: digest,
            object_key: key,
        },
    )
    .await?;
    let mut event = actor.event("document.uploaded", "document", document.id);
    event.after = Some(serde_json::json!({
        "application_id": app.id, "kind": kind, "content_type": content_type.mime(),
        "size_bytes": size, "sha256": digest,
    }));
    audit::insert(&mut tx, &event).await?;
    let fulfilled = store::fulfil(&mut tx, app.id, kind, document.id).await?;
    if let Some(owed) = &fulfilled {
        let mut event = actor.event("document.owed_fulfilled", "application", app.id);
        event.after = Some(serde_json::json!({
            "kind": kind, "document_id": document.id, "due_at": owed.due_at,
            "late": owed.lapsed_at.is_some(),
        }));
        audit::insert(&mut tx, &event).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Uploaded {
        document,
        fulfilled,
    })
}

/// The documents of an application and what it owes, for those who may read the application.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    pub documents: Vec<Document>,
    pub owed: Vec<Owed>,
}

pub async fn list(db: &Db, caller: &Caller, application_id: i64) -> ActionResult<DocumentList> {
    let app = super::applications::get(db, caller, application_id).await?;
    Ok(DocumentList {
        documents: store::for_application(db.pool(), app.id).await?,
        owed: store::owed_for_application(db.pool(), app.id).await?,
    })
}

/// The bytes of a document, after recording who read them. Readable by whoever may read its
/// application: the applicant, its reviewers, the authority's supervisors.
pub async fn read(
    db: &Db,
    files: &DocumentStore,
    caller: &Caller,
    document_id: i64,
) -> ActionResult<(Document, Vec<u8>)> {
    let document = store::get(db.pool(), document_id).await?;
    let app = super::applications::get(db, caller, document.application_id).await?;
    let bytes = files
        .get(&document.object_key)
        .await
        .map_err(|e| ActionError::Internal(e.to_string()))?;
    // What was stored is what is served: a changed object is an incident, not a document.
    if hex(&sha256(&bytes)) != document.sha256 {
        return Err(ActionError::Internal(format!(
            "document {} does not match its recorded SHA-256",
            document.id
        )));
    }
    let role = (app.applicant_id == caller.user_id).then_some(Role::Applicant);
    let actor = caller.actor(role);
    let mut tx = db.begin().await?;
    let mut event = actor.event("document.read", "document", document.id);
    event.after = Some(serde_json::json!({
        "application_id": app.id, "kind": document.kind, "sha256": document.sha256,
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((document, bytes))
}
