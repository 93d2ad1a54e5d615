//! Real-name registration after a phone login: the person's name, their ID number (GB 11643:
//! length, characters, province, birth date, check digit) stored sealed as
//! [`super::users::register_id_number`] stores it, and photos of both sides of the ID card in
//! the document store. Every field is checked first and every mistake reported at once; nothing
//! is kept unless all pass, and everything is recorded in one transaction with its audit event.

use super::secrets::{random_token, sha256};
use super::{ActionError, ActionResult, Caller};
use crate::document_store::DocumentStore;
use crate::domain::documents::{self, ContentType};
use crate::domain::ids::IdNumber;
use crate::domain::pass_type::FieldError;
use crate::i18n::{Lang, Localized};
use crate::pii::PiiKeys;
use crate::store::user_documents::{self as store, NewUserDocument, UserDocument};
use crate::store::users::{self, User};
use crate::store::{Db, StoreError, audit};

/// The sides of the ID card asked for, by field key.
pub const PHOTO_KINDS: [&str; 2] = ["id_card_front", "id_card_back"];

/// A registration as the person sent it.
#[derive(Debug)]
pub struct RealNameInput {
    pub name: String,
    pub id_number: String,
    /// `(kind, bytes)`: photos of the ID card's sides; an empty one is not sent.
    pub photos: Vec<(String, Vec<u8>)>,
    /// The configured size limit of one photo.
    pub max_bytes: u64,
}

/// What the registration recorded.
#[derive(Debug)]
pub struct Registered {
    pub user: User,
    pub photos: Vec<UserDocument>,
}

fn field_error(key: &str, e: &impl Localized) -> FieldError {
    FieldError {
        key: key.to_owned(),
        code: e.code(),
        zh: e.message(Lang::Zh),
        en: e.message(Lang::En),
    }
}

fn error(key: &str, code: &'static str, zh: &str, en: &str) -> FieldError {
    FieldError {
        key: key.to_owned(),
        code,
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A photo checked: its kind, type and bytes.
struct Photo {
    kind: &'static str,
    content_type: ContentType,
    bytes: Vec<u8>,
}

/// Checks every field; the photos decoded off the async threads.
async fn checked(
    db: &Db,
    caller: &Caller,
    input: RealNameInput,
) -> ActionResult<(String, IdNumber, Vec<Photo>)> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        errors.push(error(
            "name",
            "user.name_length",
            "请填写姓名（1 至 50 个字符）。",
            "Enter your name (1 to 50 characters).",
        ));
    }
    let id = match IdNumber::parse(&input.id_number) {
        Ok(id) => Some(id),
        Err(e) => {
            errors.push(field_error("id_number", &e));
            None
        }
    };
    let on_record = store::for_user(db.pool(), caller.user_id).await?;
    let max = input.max_bytes;
    let mut photos = Vec::new();
    for kind in PHOTO_KINDS {
        let bytes = input
            .photos
            .iter()
            .find(|(k, b)| k == kind && !b.is_empty())
            .map(|(_, b)| b.clone());
        let Some(bytes) = bytes else {
            if !on_record.iter().any(|d| d.kind == kind) {
                errors.push(error(
                    kind,
                    "real_name.photo_required",
                    "请拍摄或选择身份证照片。",
                    "Take or choose a photo of the ID card.",
                ));
            }
            continue;
        };
        if bytes.len() as u64 > max {
            errors.push(error(
                kind,
                "document.too_large",
                &format!("照片不得超过 {} MB。", max >> 20),
                &format!("The photo may be at most {} MB.", max >> 20),
            ));
            continue;
        }
        let inspected = tokio::task::spawn_blocking(move || {
            let t = documents::inspect(&bytes);
            (t, bytes)
        })
        .await
        .map_err(|e| ActionError::Internal(format!("inspecting a photo: {e}")))?;
        match inspected {
            (Ok(ContentType::Pdf), _) => errors.push(error(
                kind,
                "real_name.photo_not_image",
                "请上传 JPEG 或 PNG 照片。",
                "Upload a JPEG or PNG photo.",
            )),
            (Ok(content_type), bytes) => photos.push(Photo {
                kind,
                content_type,
                bytes,
            }),
            (Err(e), _) => errors.push(field_error(kind, &e)),
        }
    }
    match id {
        Some(id) if errors.is_empty() => Ok((name, id, photos)),
        _ => Err(ActionError::InvalidForm(errors)),
    }
}

/// Registers the caller's real name, ID number and ID card photos. A later registration
/// replaces the name and number, and any photo sent.
pub async fn register(
    db: &Db,
    pii: &PiiKeys,
    files: &DocumentStore,
    caller: &Caller,
    input: RealNameInput,
) -> ActionResult<Registered> {
    caller.require_scope("applications:write")?;
    let (name, id, photos) = checked(db, caller, input).await?;
    let sealed = pii
        .seal(&id)
        .map_err(|e| ActionError::Internal(format!("cannot seal ID number: {e}")))?;
    let hash = pii.lookup_hash(&id);
    let masked = id.masked();
    let mut stored: Vec<(String, &Photo)> = Vec::new();
    for photo in &photos {
        let key = format!(
            "users/{}/{}.{}",
            caller.user_id,
            random_token(),
            photo.content_type.extension()
        );
        if let Err(e) = files.put(&key, photo.bytes.clone()).await {
            discard(files, &stored).await;
            return Err(ActionError::Internal(e.to_string()));
        }
        stored.push((key, photo));
    }
    let recorded = async {
        let actor = caller.actor(None);
        let mut tx = db.begin().await?;
        store::set_name(&mut tx, caller.user_id, &name).await?;
        users::set_id_number(&mut tx, caller.user_id, &sealed, &hash, masked.as_str())
            .await
            .map_err(|e| match e {
                StoreError::Conflict => ActionError::Conflict("id_number.already_registered"),
                other => other.into(),
            })?;
        let mut saved = Vec::new();
        for (key, photo) in &stored {
            let digest = hex(&sha256(&photo.bytes));
            saved.push(
                store::insert(
                    &mut tx,
                    &NewUserDocument {
                        user_id: caller.user_id,
                        kind: photo.kind,
                        content_type: photo.content_type.mime(),
                        size_bytes: photo.bytes.len() as i64,
                        sha256: &digest,
                        object_key: key,
                    },
                )
                .await?,
            );
        }
        let mut event = actor.event("user.real_name_registered", "user", caller.user_id);
        event.after = Some(serde_json::json!({
            "name": name, "id_number": masked.as_str(),
            "photos": saved.iter().map(|d| serde_json::json!({
                "kind": d.kind, "sha256": d.sha256, "size_bytes": d.size_bytes,
            })).collect::<Vec<_>>(),
        }));
        audit::insert(&mut tx, &event).await?;
        let user = users::get(&mut *tx, caller.user_id).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok::<_, ActionError>(Registered {
            user,
            photos: saved,
        })
    }
    .await;
    if recorded.is_err() {
        // Nothing was recorded: the bytes must not linger unaccounted for.
        discard(files, &stored).await;
    }
    recorded
}

/// The registration photo of `kind` (a side of the ID card) of an application's applicant, for
/// whoever may read the application: the applicant, its reviewers and the authority's
/// supervisors. Every read by someone other than the applicant is recorded, as an ID card is
/// personal data.
pub async fn read_for_application(
    db: &Db,
    files: &DocumentStore,
    caller: &Caller,
    application_id: i64,
    kind: &str,
) -> ActionResult<(UserDocument, Vec<u8>)> {
    if !PHOTO_KINDS.contains(&kind) {
        return Err(ActionError::NotFound);
    }
    let app = super::applications::get(db, caller, application_id).await?;
    // Newest first: the photo in force is the latest of its kind.
    let photo = store::for_user(db.pool(), app.applicant_id)
        .await?
        .into_iter()
        .find(|d| d.kind == kind)
        .ok_or(ActionError::NotFound)?;
    let bytes = files
        .get(&photo.object_key)
        .await
        .map_err(|e| ActionError::Internal(e.to_string()))?;
    // What was stored is what is served: a changed object is an incident, not a photo.
    if hex(&sha256(&bytes)) != photo.sha256 {
        return Err(ActionError::Internal(format!(
            "registration photo {} does not match its recorded SHA-256",
            photo.id
        )));
    }
    if app.applicant_id != caller.user_id {
        let actor = caller.actor(None);
        let mut tx = db.begin().await?;
        let mut event = actor.event("user_document.read", "user_document", photo.id);
        event.after = Some(serde_json::json!({
            "application_id": app.id, "user_id": app.applicant_id, "kind": photo.kind,
            "sha256": photo.sha256,
        }));
        audit::insert(&mut tx, &event).await?;
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok((photo, bytes))
}

/// The sides of the ID card an application's applicant registered, newest of each kind, in the
/// order of [`PHOTO_KINDS`]; for a caller who may read the application.
pub async fn on_record_for_application(
    db: &Db,
    caller: &Caller,
    application_id: i64,
) -> ActionResult<Vec<UserDocument>> {
    let app = super::applications::get(db, caller, application_id).await?;
    let all = store::for_user(db.pool(), app.applicant_id).await?;
    Ok(PHOTO_KINDS
        .iter()
        .filter_map(|kind| all.iter().find(|d| d.kind == *kind).cloned())
        .collect())
}

async fn discard(files: &DocumentStore, stored: &[(String, &Photo)]) {
    for (key, _) in stored {
        if let Err(e) = files.delete(key).await {
            tracing::warn!(key, error = %e, "cannot remove an unrecorded registration photo");
        }
    }
}
