//! The invitation flow (SPEC §3.2), the organisation's and the authority's side: an
//! organisation admin files a pass request with N places, the authority approves it (an
//! invitation code) or rejects it, and the admin may close it. Drivers look the code up and
//! apply with it in [`super::join`].

use serde::Deserialize;
use time::OffsetDateTime;

use super::applications::require_open;
use super::{ActionError, ActionResult, Caller};
use crate::domain::pass_type::PassTypeDefinition;
use crate::domain::roles::Role;
use crate::store::invitations::{self, NewPassRequest, PassRequest};
use crate::store::outbox::Channel;
use crate::store::{Db, StoreError, audit, now_ms, orgs, outbox, pass_types, users};

pub use super::invitation_codes::{display_code, join_link, new_code, normalise_code};
pub use super::join::{Invitation, JoinInput, apply, lookup, state, values_for};

/// Who may read pass requests of an organisation (over its subtree).
pub const READERS: &[Role] = &[
    Role::OrgAdmin,
    Role::Reviewer,
    Role::AuthorityReviewer,
    Role::Supervisor,
    Role::SystemAdmin,
];
/// Most places one request may offer.
pub const MAX_PLACES: i64 = 10_000;

/// A pass request as filed.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    pub pass_type_id: i64,
    /// The organisation filing it; the caller's own when absent.
    pub org_id: Option<i64>,
    /// How many drivers may apply with its code (1 to 10,000).
    pub places: i64,
    /// The task, as the authority reads it.
    pub purpose: String,
    /// First day of the period the passes may cover, `YYYY-MM-DD` (China time).
    pub valid_from: String,
    /// Last day of that period, `YYYY-MM-DD`; the code expires at its end.
    pub valid_to: String,
    /// Form values every application gets, e.g. `{"road_sections": ["12"]}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub preset: serde_json::Map<String, serde_json::Value>,
}

/// What the authority decides about a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestVerb {
    Approve,
    Reject,
}

/// A decision about a request.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct RequestDecision {
    pub action: RequestVerb,
    /// Required to reject, e.g. `not_needed`, `too_many_places`.
    pub reason_code: Option<String>,
    /// Required to reject: why, for the organisation.
    pub reason_text: Option<String>,
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A date `YYYY-MM-DD` as the start of that day (or, with `end`, the start of the next) in China
/// time, in milliseconds.
fn day_bound(field: &'static str, s: &str, end: bool) -> ActionResult<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s.trim(), format).map_err(|_| {
        ActionError::invalid_msg(
            field,
            "form.date",
            "日期格式应为 YYYY-MM-DD。",
            "A date reads YYYY-MM-DD.",
        )
    })?;
    let day = if end {
        date.next_day().unwrap_or(date)
    } else {
        date
    };
    let beijing = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    Ok(ms(day
        .with_time(time::Time::MIDNIGHT)
        .assume_offset(beijing)))
}

/// The preset values: form fields of the type, each value valid (fields left out are the
/// drivers' to fill in).
fn check_preset(
    def: &PassTypeDefinition,
    preset: &serde_json::Map<String, serde_json::Value>,
) -> ActionResult<()> {
    let errors: Vec<_> = match def.validate_form(preset) {
        Ok(_) => return Ok(()),
        Err(errors) => errors
            .into_iter()
            .filter(|e| !matches!(e.code, "form.required" | "form.places_required"))
            .collect(),
    };
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ActionError::InvalidForm(errors))
    }
}

/// Files a pass request for the caller's organisation (or one under their admin grant).
pub async fn file(db: &Db, caller: &Caller, input: &RequestInput) -> ActionResult<PassRequest> {
    caller.require_scope("applications:write")?;
    let org_id = match input.org_id {
        Some(id) => id,
        None => users::get(db.pool(), caller.user_id)
            .await?
            .org_id
            .ok_or(ActionError::Forbidden)?,
    };
    let org = orgs::get(db.pool(), org_id).await?;
    let role = caller.require_any(&[Role::OrgAdmin], &org.path)?;
    let pt = pass_types::get(db.pool(), input.pass_type_id).await?;
    let now = now_ms();
    require_open(&pt, true, now)?;
    if !(1..=MAX_PLACES).contains(&input.places) {
        return Err(ActionError::invalid_msg(
            "places",
            "pass_request.places",
            &format!("名额须为 1 至 {MAX_PLACES} 个。"),
            &format!("Places must be 1 to {MAX_PLACES}."),
        ));
    }
    let purpose = input.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 500 {
        return Err(ActionError::invalid_msg(
            "purpose",
            "pass_request.purpose",
            "请填写申报事由（不超过 500 字）。",
            "Enter the purpose (at most 500 characters).",
        ));
    }
    let from = day_bound("valid_from", &input.valid_from, false)?;
    let until = day_bound("valid_to", &input.valid_to, true)?;
    let max_days = i64::from(pt.definition.validity.max_days);
    if until <= from || until <= now || until - from > max_days * 86_400_000 {
        return Err(ActionError::invalid_msg(
            "valid_to",
            "pass_request.period",
            &format!("有效期须未结束、止日不早于起日，且最长 {max_days} 天。"),
            &format!(
                "The period must not be over, must end after it starts and last at most {max_days} days."
            ),
        ));
    }
    check_preset(&pt.definition, &input.preset)?;
    let preset = serde_json::Value::Object(input.preset.clone());

    let mut tx = db.begin().await?;
    let req = invitations::insert(
        &mut tx,
        &NewPassRequest {
            pass_type_id: pt.id,
            authority_id: pt.authority_id,
            org_id: org.id,
            requested_by: caller.user_id,
            purpose,
            places: input.places,
            preset: &preset,
            valid_from: from,
            valid_until: until,
        },
    )
    .await?;
    let actor = caller.actor(Some(role));
    let mut event = actor.event("pass_request.filed", "pass_request", req.id);
    event.after = Some(serde_json::json!({
        "pass_type": pt.code, "org_id": org.id, "places": req.places, "purpose": purpose,
        "valid_from": from, "valid_until": until, "preset": preset,
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(req)
}

fn reason<'a>(text: &'a Option<String>, field: &'static str) -> ActionResult<&'a str> {
    match text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() && t.chars().count() <= 500 => Ok(t),
        _ => Err(ActionError::invalid_msg(
            field,
            "review.reason_required",
            "驳回须填写理由代码和理由（不超过 500 字）。",
            "Rejecting needs a reason code and a reason (at most 500 characters).",
        )),
    }
}

/// The authority approves a request (creating its invitation code, sent to the admin who filed
/// it) or rejects it with a reason.
pub async fn decide(
    db: &Db,
    caller: &Caller,
    link_base: &str,
    id: i64,
    input: &RequestDecision,
) -> ActionResult<PassRequest> {
    caller.require_scope("reviews:write")?;
    let req = invitations::get(db.pool(), id).await?;
    let authority = orgs::get(db.pool(), req.authority_id).await?;
    let role = caller.require_any(&[Role::AuthorityReviewer], &authority.path)?;
    if req.requested_by == caller.user_id {
        return Err(ActionError::Refused {
            code: "pass_request.own_request",
            zh: "不能审批本人提交的申报单。",
            en: "You cannot decide your own pass request.",
        });
    }
    if req.status != "pending" {
        return Err(ActionError::Conflict("pass_request.already_decided"));
    }
    let requester = users::get(db.pool(), req.requested_by).await?;
    let actor = caller.actor(Some(role));
    // A fresh code that happens to be taken violates the unique index; draw again.
    for _ in 0..5 {
        let mut tx = db.begin().await?;
        let (done, action, body) = match input.action {
            RequestVerb::Approve => {
                let code = new_code();
                let note = input.reason_text.as_deref().map(str::trim);
                let done =
                    match invitations::approve(&mut tx, id, caller.user_id, &code, note).await {
                        Err(StoreError::Conflict) => continue,
                        other => other?,
                    };
                let link = join_link(link_base, &code);
                let body = format!(
                    "【epass】您的通行申报单（编号 {id}）已获批准：邀请码 {shown}，名额 {n} 个，司机可通过 {link} 申请。\
                     Your pass request {id} is approved: invitation code {shown}, {n} places; drivers apply at {link}.",
                    shown = display_code(&code),
                    n = req.places,
                );
                (done, "pass_request.approved", body)
            }
            RequestVerb::Reject => {
                let code = reason(&input.reason_code, "reason_code")?;
                let text = reason(&input.reason_text, "reason_text")?;
                let done = invitations::reject(&mut tx, id, caller.user_id, code, text).await?;
                let body = format!(
                    "【epass】您的通行申报单（编号 {id}）未获批准：{text}。Your pass request {id} was rejected: {text}."
                );
                (done, "pass_request.rejected", body)
            }
        };
        if !done {
            return Err(ActionError::Conflict("pass_request.already_decided"));
        }
        let after = invitations::get(&mut *tx, id).await?;
        let mut event = actor.event(action, "pass_request", id);
        event.before = Some(serde_json::json!({ "status": req.status }));
        event.after = Some(serde_json::json!({
            "status": after.status, "code": after.code, "reason_code": after.reason_code,
            "reason_text": after.reason_text,
        }));
        audit::insert(&mut tx, &event).await?;
        outbox::enqueue(&mut tx, Channel::Sms, &requester.phone, "", &body).await?;
        tx.commit().await.map_err(StoreError::from)?;
        return Ok(after);
    }
    Err(ActionError::Internal(
        "no free invitation code after 5 draws".into(),
    ))
}

/// Closes a request: its code takes no more applications (those filed stay in review).
pub async fn close(db: &Db, caller: &Caller, id: i64) -> ActionResult<PassRequest> {
    caller.require_scope("applications:write")?;
    let req = invitations::get(db.pool(), id).await?;
    let org = orgs::get(db.pool(), req.org_id).await?;
    let role = caller.require_any(&[Role::OrgAdmin, Role::AuthorityReviewer], &org.path)?;
    let mut tx = db.begin().await?;
    if !invitations::close(&mut tx, id).await? {
        return Err(ActionError::Conflict("pass_request.not_open"));
    }
    let after = invitations::get(&mut *tx, id).await?;
    let actor = caller.actor(Some(role));
    let mut event = actor.event("pass_request.closed", "pass_request", id);
    event.before =
        Some(serde_json::json!({ "status": req.status, "places_used": req.places_used }));
    event.after = Some(serde_json::json!({ "status": after.status }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(after)
}

/// One request, for staff over its organisation (the authority's staff included).
pub async fn get(db: &Db, caller: &Caller, id: i64) -> ActionResult<PassRequest> {
    let req = invitations::get(db.pool(), id).await?;
    let org = orgs::get(db.pool(), req.org_id).await?;
    caller.require_any(READERS, &org.path)?;
    Ok(req)
}

/// Requests of the organisations under the caller's staff grants (the authority reviewer's
/// queue with `status = pending`).
pub async fn list(
    db: &Db,
    caller: &Caller,
    status: Option<&str>,
    after_id: i64,
    limit: i64,
) -> ActionResult<Vec<PassRequest>> {
    let paths = caller.paths_for(READERS);
    if paths.is_empty() {
        return Err(ActionError::Forbidden);
    }
    Ok(invitations::list_in_subtrees(db.pool(), &paths, status, after_id, limit).await?)
}
