//! Applying for an electronic licence: by the holder in the app, or by a licensing-office
//! clerk at the counter on behalf of someone who cannot use the app. The registry decides
//! eligibility (a refusal says which rule); with the registry's stored photo, or a photo taken
//! at the counter, the licence is issued at once; an uploaded photo waits for a reviewer (one
//! working day, the deadline in the queue).

use time::OffsetDateTime;

use super::super::secrets::{random_token, sha256};
use super::super::{ActionError, ActionResult, Actor, Caller};
use super::{LicenceView, form, is_licence, store, view};
use crate::document_store::DocumentStore;
use crate::domain::documents::{self as docs, ContentType};
use crate::domain::eligibility::{LicenceRecord, china_date};
use crate::domain::ids::{IdNumber, Phone};
use crate::domain::licences::{Snapshot, eligible};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::registry::RegistrySource;
use crate::store::applications::{self, NewApplication};
use crate::store::documents::NewDocument;
use crate::store::licences::NewIssue;
use crate::store::pass_types::PassType;
use crate::store::users::User;
use crate::store::{Db, StoreError, audit, now_ms, orgs, pass_types, passes, users};

/// Where the licence's photo comes from.
#[derive(Clone, Debug)]
pub enum PhotoChoice {
    /// The photo the registry holds.
    Registry,
    /// A new photo (JPEG or PNG), taken or chosen from the album.
    Upload(Vec<u8>),
}

/// The holder's application.
#[derive(Clone, Debug)]
pub struct ApplyInput {
    /// The authority's `driving_licence` pass type.
    pub pass_type_id: i64,
    /// The licence file number, when the holder gives it (checked against the registry).
    pub licence_number: Option<String>,
    pub photo: PhotoChoice,
    /// The instructions were read and the agreement accepted.
    pub agreed: bool,
    /// The configured upload limit.
    pub max_bytes: u64,
}

/// A clerk's application at the counter for someone else.
#[derive(Clone, Debug)]
pub struct CounterInput {
    pub pass_type_id: i64,
    /// The holder's ID number, read from their ID card.
    pub id_number: String,
    /// The holder's mobile number, where they are told.
    pub phone: String,
    pub photo: PhotoChoice,
    pub max_bytes: u64,
}

/// What the service needs to issue: keys, registry, document store and the link base.
#[derive(Clone, Copy, Debug)]
pub struct Services<'a> {
    pub pii: &'a PiiKeys,
    pub registry: &'a dyn RegistrySource,
    pub files: &'a DocumentStore,
    pub link_base: &'a str,
}

fn invalid(code: &'static str, zh: &str, en: &str) -> ActionError {
    ActionError::invalid_msg("licence", code, zh, en)
}

async fn licence_pass_type(db: &Db, pass_type_id: i64, now: i64) -> ActionResult<PassType> {
    let pt = pass_types::get(db.pool(), pass_type_id).await?;
    if !is_licence(pt.kind) {
        return Err(ActionError::invalid_msg(
            "pass_type_id",
            "licence.not_a_licence_type",
            "所选类型不是电子驾驶证。",
            "The pass type chosen is not the electronic driving licence.",
        ));
    }
    if !pt.is_active(now) {
        return Err(ActionError::invalid_msg(
            "pass_type_id",
            "application.pass_type_closed",
            "该类通行证目前不受理申请。",
            "This pass type is not open for applications.",
        ));
    }
    Ok(pt)
}

/// The holder applies in the app.
pub async fn apply(
    db: &Db,
    services: Services<'_>,
    caller: &Caller,
    input: ApplyInput,
) -> ActionResult<LicenceView> {
    caller.require_scope("applications:write")?;
    let now = now_ms();
    let pt = licence_pass_type(db, input.pass_type_id, now).await?;
    super::super::applications::require_open(&pt, input.agreed, now)?;
    let holder = users::get(db.pool(), caller.user_id).await?;
    let id = {
        let mut tx = db.begin().await?;
        let sealed = users::sealed_id_number(&mut tx, holder.id).await?;
        tx.commit().await.map_err(StoreError::from)?;
        let sealed = sealed.ok_or_else(|| {
            invalid(
                "licence.real_name_required",
                "请先完成实名登记（姓名和身份证号码）。",
                "Register your name and ID number first.",
            )
        })?;
        services
            .pii
            .open(&sealed)
            .map_err(|e| ActionError::Internal(format!("opening an ID number: {e}")))?
    };
    let actor = caller.actor(Some(Role::Applicant));
    open_issue(
        db,
        services,
        &pt,
        &holder,
        &id,
        input.licence_number.as_deref(),
        input.photo,
        input.max_bytes,
        None,
        &actor,
    )
    .await
}

/// A clerk of the licensing office applies at the counter on someone's behalf; the holder's
/// account is made from the registry when they have none. Recorded as the clerk's doing.
pub async fn apply_at_counter(
    db: &Db,
    services: Services<'_>,
    caller: &Caller,
    input: CounterInput,
) -> ActionResult<LicenceView> {
    caller.require_scope("applications:write")?;
    let now = now_ms();
    let pt = licence_pass_type(db, input.pass_type_id, now).await?;
    let office = orgs::get(db.pool(), pt.authority_id).await?;
    let role = caller.require_any(&[Role::AuthorityReviewer], &office.path)?;
    let id =
        IdNumber::parse(&input.id_number).map_err(|e| ActionError::invalid("id_number", &e))?;
    let phone = Phone::parse(&input.phone).map_err(|e| ActionError::invalid("phone", &e))?;
    let record = registry_record(services.registry, &id).await?;
    let holder = holder_account(db, services.pii, &id, &phone, &record, caller).await?;
    let actor = caller.actor(Some(role));
    open_issue(
        db,
        services,
        &pt,
        &holder,
        &id,
        None,
        input.photo,
        input.max_bytes,
        Some(caller.user_id),
        &actor,
    )
    .await
}

/// The account of the person with this ID number, made (with the registry's name and the
/// phone given) when they have none.
async fn holder_account(
    db: &Db,
    pii: &PiiKeys,
    id: &IdNumber,
    phone: &Phone,
    record: &LicenceRecord,
    clerk: &Caller,
) -> ActionResult<User> {
    let hash = pii.lookup_hash(id);
    if let Some(user) = users::find_by_id_number_hash(db.pool(), &hash).await? {
        return Ok(user);
    }
    if users::find_by_phone(db.pool(), phone.as_str())
        .await?
        .is_some()
    {
        return Err(ActionError::invalid_msg(
            "phone",
            "licence.phone_taken",
            "该手机号码已属于另一位实名用户。",
            "This mobile number belongs to another registered person.",
        ));
    }
    let sealed = pii
        .seal(id)
        .map_err(|e| ActionError::Internal(format!("sealing an ID number: {e}")))?;
    let masked = id.masked();
    let mut tx = db.begin().await?;
    let user = users::insert(&mut tx, phone.as_str(), &record.holder_name, None, None).await?;
    users::set_id_number(&mut tx, user.id, &sealed, &hash, masked.as_str()).await?;
    let actor = clerk.actor(Some(Role::AuthorityReviewer));
    let mut event = actor.event("user.created_at_counter", "user", user.id);
    event.after = Some(serde_json::json!({
        "phone": phone.masked(), "id_number": masked.as_str(),
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(users::get(db.pool(), user.id).await?)
}

async fn registry_record(
    registry: &dyn RegistrySource,
    id: &IdNumber,
) -> ActionResult<LicenceRecord> {
    match registry.licence_by_holder(id).await {
        Ok(Some(record)) => Ok(record),
        Ok(None) => Err(invalid(
            "licence.no_record",
            "驾驶证登记系统中没有您的驾驶证。",
            "The licence registry holds no driving licence of yours.",
        )),
        Err(e) => {
            tracing::warn!(error = %e, "licence registry could not answer");
            Err(invalid(
                "licence.registry_unavailable",
                "驾驶证登记系统暂时无法查询，请稍后再试。",
                "The licence registry cannot be asked right now; try again later.",
            ))
        }
    }
}

/// A photo checked to be a JPEG or PNG image within the size limit.
pub(crate) async fn checked_photo(
    bytes: Vec<u8>,
    max_bytes: u64,
) -> ActionResult<(ContentType, Vec<u8>)> {
    if bytes.len() as u64 > max_bytes {
        return Err(ActionError::TooLarge { max_bytes });
    }
    // Decoding an image is CPU work: off the async threads.
    let (kind, bytes) = tokio::task::spawn_blocking(move || (docs::inspect(&bytes), bytes))
        .await
        .map_err(|e| ActionError::Internal(format!("inspecting a photo: {e}")))?;
    match kind.map_err(|e| super::super::documents::refused(&e))? {
        ContentType::Pdf => Err(ActionError::UnsupportedContent {
            code: "licence.photo_not_image",
            zh: "照片须为 JPEG 或 PNG 图片。".to_owned(),
            en: "The photo must be a JPEG or PNG image.".to_owned(),
        }),
        image => Ok((image, bytes)),
    }
}

/// Checks eligibility and stores the application with its issue row; issues at once unless an
/// uploaded photo needs review.
#[allow(clippy::too_many_arguments)]
async fn open_issue(
    db: &Db,
    services: Services<'_>,
    pt: &PassType,
    holder: &User,
    id: &IdNumber,
    given_number: Option<&str>,
    photo: PhotoChoice,
    max_bytes: u64,
    clerk_id: Option<i64>,
    actor: &Actor,
) -> ActionResult<LicenceView> {
    let record = registry_record(services.registry, id).await?;
    if let Some(given) = given_number.map(str::trim).filter(|g| !g.is_empty())
        && given != record.licence_number
    {
        return Err(invalid(
            "licence.number_mismatch",
            &format!("填写的驾驶证档案编号 {given} 与登记的不一致。"),
            &format!("The licence number given ({given}) is not the one on record."),
        ));
    }
    let now = now_ms();
    let today = china_date(OffsetDateTime::now_utc());
    eligible(&record, today).map_err(|r| {
        invalid(
            r.code,
            &format!("不能申领电子驾驶证：{}。", r.zh),
            &format!("No electronic licence can be issued: {}.", r.en),
        )
    })?;
    let number = record.licence_number.clone();
    if !store::pending(db.pool(), &number).await?.is_empty() {
        return Err(ActionError::Conflict("licence.application_pending"));
    }
    let live = store::live(db.pool(), &number).await?;
    let photo = match photo {
        PhotoChoice::Registry => {
            if store::registry_photo(db.pool(), &number).await?.is_none() {
                return Err(invalid(
                    "licence.no_stored_photo",
                    "登记系统中没有您的照片，请拍摄或上传一张。",
                    "The registry holds no photo of yours; take or upload one.",
                ));
            }
            None
        }
        PhotoChoice::Upload(bytes) => Some(checked_photo(bytes, max_bytes).await?),
    };
    let photo_source = match (&photo, clerk_id) {
        (None, _) => "registry",
        (Some(_), Some(_)) => "counter",
        (Some(_), None) => "upload",
    };
    let reason = match (&live, photo_source) {
        (None, _) => "first",
        (Some(_), "upload" | "counter") => "photo_change",
        (Some(_), _) => "reapply",
    };
    let snapshot = Snapshot::from(&record);
    let (valid_from, valid_until) = snapshot
        .validity_ms()
        .ok_or_else(|| ActionError::Internal(format!("licence {number} has dates out of range")))?;
    let calendar = crate::actions::pass_types::calendar(db, pt.authority_id).await?;
    let submitted = OffsetDateTime::from_unix_timestamp(now / 1000)
        .map_err(|e| ActionError::Internal(format!("clock: {e}")))?;
    let limit = pt
        .definition
        .workflow
        .level(1)
        .map_or(1, |l| l.time_limit_working_days);
    let ms = |t: OffsetDateTime| t.unix_timestamp() * 1000;
    let due = ms(calendar.add_working_days(submitted, limit));
    let promised = ms(calendar.add_working_days(submitted, pt.definition.promised_working_days));
    let sealed = services
        .pii
        .seal(id)
        .map_err(|e| ActionError::Internal(format!("sealing an ID number: {e}")))?;
    let masked = id.masked();
    let form = form(&snapshot, photo_source, reason);
    let eligibility = serde_json::json!([{ "check": "licence_valid", "result": "passed" }]);

    let mut tx = db.begin().await?;
    // The check above spares the photo's work in the usual case; this one, under the number's
    // lock, is the one that holds when two applications arrive at the same instant.
    store::lock_number(&mut tx, &number, now).await?;
    if !store::pending(&mut *tx, &number).await?.is_empty() {
        return Err(ActionError::Conflict("licence.application_pending"));
    }
    let app = applications::insert(
        &mut tx,
        &NewApplication {
            pass_type_id: pt.id,
            pass_type_version: pt.version,
            authority_id: pt.authority_id,
            applicant_id: holder.id,
            org_id: None,
            request_id: None,
            form: &form,
            holder_name: &record.holder_name,
            holder_id_sealed: Some(&sealed),
            holder_id_masked: Some(masked.as_str()),
            plate: None,
            valid_from,
            valid_until,
            priority: super::super::applications::priority_rank(pt.priority),
            level_due_at: due,
            promised_at: promised,
            eligibility: &eligibility,
        },
    )
    .await?;
    let photo_document_id = match photo {
        Some((kind, bytes)) => {
            let digest: String = sha256(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            let size = bytes.len() as i64;
            let key = format!(
                "applications/{}/{}.{}",
                app.id,
                random_token(),
                kind.extension()
            );
            services
                .files
                .put(&key, bytes)
                .await
                .map_err(|e| ActionError::Internal(e.to_string()))?;
            let doc = crate::store::documents::insert(
                &mut tx,
                &NewDocument {
                    application_id: app.id,
                    uploader_id: actor.user_id.unwrap_or(holder.id),
                    kind: "other",
                    content_type: kind.mime(),
                    size_bytes: size,
                    sha256: &digest,
                    object_key: &key,
                },
            )
            .await?;
            Some(doc.id)
        }
        None => None,
    };
    store::insert(
        &mut tx,
        &NewIssue {
            licence_number: &number,
            holder_id: holder.id,
            authority_id: pt.authority_id,
            application_id: app.id,
            reason,
            record: &snapshot,
            photo_source,
            photo_document_id,
            clerk_id,
            created_at: now,
        },
    )
    .await?;
    let mut event = actor.event("application.submitted", "application", app.id);
    event.after = Some(serde_json::json!({
        "pass_type": pt.code, "licence_number": number, "holder": record.holder_name,
        "id_number": masked.as_str(), "photo": photo_source, "reason": reason,
        "on_behalf_of": clerk_id.map(|_| holder.id),
    }));
    audit::insert(&mut tx, &event).await?;
    if photo_source != "upload" {
        if !applications::advance(&mut tx, app.id, app.version, "issued", app.level, None).await? {
            return Err(ActionError::Conflict("application.changed"));
        }
        crate::actions::issuance::issue(&mut tx, services.pii, actor, &app, pt, services.link_base)
            .await?;
    }
    let issue = store::for_application(&mut *tx, app.id)
        .await?
        .ok_or_else(|| ActionError::Internal("licence issue vanished".to_owned()))?;
    let pass = match issue.pass_id {
        Some(id) => Some(passes::get(&mut *tx, id).await?),
        None => None,
    };
    tx.commit().await.map_err(StoreError::from)?;
    Ok(view(&issue, pass.as_ref()))
}
