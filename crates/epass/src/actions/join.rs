//! The driver's side of the invitation flow: look a code up, and apply with it. The application
//! is tied to the pass request and its organisation, and takes one of the request's places in
//! the transaction that files it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::applications::{prepare, require_open};
use super::invitation_codes::{display_code, join_link, normalise_code};
use super::{ActionError, ActionResult, Caller};
use crate::domain::pass_type::{FieldType, PassTypeDefinition};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::registry::RegistrySource;
use crate::store::applications::{self, Application};
use crate::store::invitations::{self, PassRequest};
use crate::store::outbox::Channel;
use crate::store::{Db, StoreError, audit, now_ms, orgs, outbox, pass_types, users};

/// What a driver sees before applying with a code.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    /// The code as printed, e.g. `ABCD-EFGH`.
    pub code: String,
    pub join_link: String,
    pub request_id: i64,
    pub pass_type_id: i64,
    pub pass_type_name_zh: String,
    pub pass_type_name_en: String,
    #[schema(value_type = Object)]
    pub instructions: crate::domain::pass_type::Text,
    #[schema(value_type = Object)]
    pub agreement: crate::domain::pass_type::Text,
    pub org_id: i64,
    pub org_name: String,
    pub purpose: String,
    pub places: i64,
    pub places_left: i64,
    pub valid_from: i64,
    pub valid_until: i64,
    #[schema(value_type = Object)]
    pub preset: serde_json::Value,
    /// `open`, `closed`, `expired` or `used_up`.
    pub state: &'static str,
}

/// Whether a request takes applications now, and if not, why.
pub fn state(req: &PassRequest, now: i64) -> &'static str {
    if req.status != "approved" {
        "closed"
    } else if req.valid_until <= now {
        "expired"
    } else if req.places_used >= req.places {
        "used_up"
    } else {
        "open"
    }
}

/// The error a driver gets for a code that takes no applications.
fn not_open(state: &str) -> ActionError {
    let (code, zh, en) = match state {
        "expired" => (
            "invitation.expired",
            "该邀请码已过期，请联系发码单位。",
            "This invitation code has expired; ask the organisation that sent it.",
        ),
        "used_up" => (
            "invitation.used_up",
            "该邀请码的名额已用完，请联系发码单位。",
            "Every place of this invitation is taken; ask the organisation that sent it.",
        ),
        _ => (
            "invitation.closed",
            "该邀请码已关闭，不再受理申请。",
            "This invitation code is closed and takes no more applications.",
        ),
    };
    ActionError::invalid_msg("code", code, zh, en)
}

fn unknown_code() -> ActionError {
    ActionError::invalid_msg(
        "code",
        "invitation.unknown",
        "邀请码不存在，请核对后重新输入。",
        "No invitation has this code; check it and try again.",
    )
}

async fn by_code(db: &Db, code: &str) -> ActionResult<PassRequest> {
    let code = normalise_code(code).ok_or_else(unknown_code)?;
    invitations::by_code(db.pool(), &code)
        .await?
        .ok_or_else(unknown_code)
}

/// What a code offers, for any logged-in user holding it.
pub async fn lookup(db: &Db, link_base: &str, code: &str) -> ActionResult<Invitation> {
    let req = by_code(db, code).await?;
    let pt = pass_types::get(db.pool(), req.pass_type_id).await?;
    let org = orgs::get(db.pool(), req.org_id).await?;
    let code = req.code.clone().unwrap_or_default();
    Ok(Invitation {
        join_link: join_link(link_base, &code),
        code: display_code(&code),
        request_id: req.id,
        pass_type_id: pt.id,
        pass_type_name_zh: pt.name_zh,
        pass_type_name_en: pt.name_en,
        instructions: pt.definition.instructions.clone(),
        agreement: pt.definition.agreement.clone(),
        org_id: org.id,
        org_name: org.name,
        purpose: req.purpose.clone(),
        places: req.places,
        places_left: (req.places - req.places_used).max(0),
        valid_from: req.valid_from,
        valid_until: req.valid_until,
        preset: req.preset.clone(),
        state: state(&req, now_ms()),
    })
}

/// A driver's application with a code.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct JoinInput {
    /// The driver's form values; the request's preset values replace any given, and the
    /// period defaults to the request's.
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
    pub agreed: bool,
}

/// The values an application of `req` is checked with: the driver's, the request's preset
/// over them, and the request's period where the driver gave none.
pub fn values_for(
    req: &PassRequest,
    def: &PassTypeDefinition,
    values: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut merged = values.clone();
    if let Some(preset) = req.preset.as_object() {
        for (k, v) in preset {
            merged.insert(k.clone(), v.clone());
        }
    }
    if let Some(period) = &def.validity.period {
        let beijing = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
        let at = |ms: i64| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
                .to_offset(beijing)
        };
        for (key, instant) in [
            (&period.from, at(req.valid_from)),
            (&period.to, at(req.valid_until - 1)),
        ] {
            let shown = match def.field(key).map(|f| f.field_type) {
                Some(FieldType::Date) => instant.date().to_string(),
                Some(FieldType::Datetime) => instant
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                _ => continue,
            };
            merged
                .entry(key.clone())
                .or_insert(serde_json::Value::String(shown));
        }
    }
    merged
}

/// A driver applies with a code: the application is tied to the request, reviewed at level 1
/// by the request's organisation, and takes one of its places.
pub async fn apply(
    db: &Db,
    pii: &PiiKeys,
    registry: &dyn RegistrySource,
    caller: &Caller,
    code: &str,
    input: &JoinInput,
) -> ActionResult<Application> {
    caller.require_scope("applications:write")?;
    let req = by_code(db, code).await?;
    let now = now_ms();
    match state(&req, now) {
        "open" => {}
        other => return Err(not_open(other)),
    }
    let already = ActionError::invalid_msg(
        "code",
        "invitation.already_applied",
        "您已用此邀请码提交过申请。",
        "You have already applied with this invitation code.",
    );
    let pt = pass_types::get(db.pool(), req.pass_type_id).await?;
    require_open(&pt, input.agreed, now)?;
    let applicant = users::get(db.pool(), caller.user_id).await?;
    let calendar = crate::actions::pass_types::calendar(db, pt.authority_id).await?;
    let values = values_for(&req, &pt.definition, &input.values);
    let within = Some((req.valid_from, req.valid_until));
    let prepared = prepare(db, pii, registry, &pt, &calendar, &values, within, now).await?;

    let mut tx = db.begin().await?;
    if !invitations::take_place(&mut tx, req.id, now_ms()).await? {
        drop(tx);
        let fresh = invitations::get(db.pool(), req.id).await?;
        return Err(match state(&fresh, now_ms()) {
            "open" => ActionError::Internal("a place of an open request was refused".into()),
            other => not_open(other),
        });
    }
    let new = prepared.new_application(&pt, applicant.id, Some(req.org_id), Some(req.id));
    let app = match applications::insert(&mut tx, &new).await {
        Err(StoreError::Conflict) => return Err(already),
        other => other?,
    };
    let actor = caller.actor(Some(Role::Applicant));
    let mut event = actor.event("application.submitted", "application", app.id);
    let mut after = prepared.audited(&pt);
    after["request_id"] = serde_json::json!(req.id);
    event.after = Some(after);
    audit::insert(&mut tx, &event).await?;
    let taken = invitations::get(&mut *tx, req.id).await?;
    if taken.places_used >= taken.places {
        // The admin who filed the request expects to hear when every place is taken.
        let requester = users::get(&mut *tx, req.requested_by).await?;
        let body = format!(
            "【epass】通行申报单（编号 {id}）的 {n} 个名额已全部用完。All {n} places of pass request {id} are taken.",
            id = req.id,
            n = req.places,
        );
        outbox::enqueue(&mut tx, Channel::Sms, &requester.phone, "", &body).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(app)
}
