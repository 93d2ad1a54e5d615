//! Pass types and the holiday calendar. A system admin of the owning authority (a grant over the
//! authority's root, not over one of its departments) creates, edits and retires them; every
//! logged-in user reads the active ones, since applicants read the instructions before applying.

use epass_credential::Kind;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::calendar::{Calendar, DayKind, parse_date};
use crate::domain::pass_type::PassTypeDefinition;
use crate::domain::roles::Role;
use crate::domain::seed_pass_types::{HOLIDAYS_2026, standard_pass_types};
use crate::store::holidays::{self, Holiday};
use crate::store::orgs::{Org, OrgKind};
use crate::store::pass_types::{self as store, PassType, PassTypeFields};
use crate::store::{Db, StoreError, audit, now_ms, orgs};

/// A new pass type.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct PassTypeInput {
    /// The authority (a root organisation) that will own the type.
    pub authority_id: i64,
    /// `[a-z][a-z0-9_]*`, unique within the authority.
    pub code: String,
    /// `personnel_vehicle`, `freight`, `truck_entry` or `driving_licence`.
    #[schema(value_type = String)]
    pub kind: Kind,
    pub name_zh: String,
    pub name_en: String,
    /// Milliseconds since the Unix epoch; now when absent.
    pub active_from: Option<i64>,
    #[schema(value_type = PassTypeDefinition)]
    pub definition: serde_json::Value,
}

/// An edit of a pass type; `version` is the one the editor started from.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct PassTypeUpdate {
    pub version: i64,
    pub name_zh: String,
    pub name_en: String,
    pub active_from: Option<i64>,
    #[schema(value_type = PassTypeDefinition)]
    pub definition: serde_json::Value,
}

/// One day of an authority's holiday table.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct HolidayInput {
    pub authority_id: i64,
    pub kind: DayKind,
    /// E.g. 国庆节, 国庆节调休上班.
    pub name: String,
}

fn name(field: &'static str, s: &str) -> ActionResult<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 100 {
        return Err(ActionError::invalid_msg(
            field,
            "pass_type.name_length",
            "名称须为 1 至 100 个字符。",
            "The name must be 1 to 100 characters.",
        ));
    }
    Ok(s.to_owned())
}

fn code(s: &str) -> ActionResult<&str> {
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && (2..=40).contains(&s.len());
    if !ok {
        return Err(ActionError::invalid_msg(
            "code",
            "pass_type.code",
            "类型代码须为 2 至 40 个字符，以小写字母开头，只含小写字母、数字和下划线。",
            "The code must be 2 to 40 characters: a lower-case letter, then a-z, 0-9 or _.",
        ));
    }
    Ok(s)
}

fn definition(value: &serde_json::Value) -> ActionResult<PassTypeDefinition> {
    PassTypeDefinition::from_value(value.clone())
        .map_err(|e| ActionError::invalid("definition", &e))
}

/// The root organisation `id`, which must be an authority.
async fn authority(db: &Db, id: i64) -> ActionResult<Org> {
    let org = orgs::get(db.pool(), id).await?;
    if org.kind != OrgKind::Authority || org.parent_id.is_some() {
        return Err(ActionError::invalid_msg(
            "authority_id",
            "pass_type.not_an_authority",
            "通行证类型和节假日表归属于主管机关（最上级单位）。",
            "Pass types and holiday tables belong to an authority (a top-level organisation).",
        ));
    }
    Ok(org)
}

/// The caller administers the whole authority: a department's admin edits nothing of it.
fn require_admin(caller: &Caller, authority: &Org, scope: &str) -> ActionResult<Actor> {
    caller.require_scope(scope)?;
    let role = caller.require_any(&[Role::SystemAdmin], &authority.path)?;
    Ok(caller.actor(Some(role)))
}

fn summary(pt: &PassType) -> serde_json::Value {
    serde_json::json!({
        "authority_id": pt.authority_id,
        "code": pt.code,
        "kind": pt.kind.name(),
        "name_zh": pt.name_zh,
        "name_en": pt.name_en,
        "version": pt.version,
        "active_from": pt.active_from,
        "retired_at": pt.retired_at,
        "definition": pt.definition.to_json(),
    })
}

pub async fn create(db: &Db, caller: &Caller, input: &PassTypeInput) -> ActionResult<PassType> {
    let org = authority(db, input.authority_id).await?;
    let actor = require_admin(caller, &org, "pass_types:write")?;
    let code = code(&input.code)?;
    let (name_zh, name_en) = (
        name("name_zh", &input.name_zh)?,
        name("name_en", &input.name_en)?,
    );
    let def = definition(&input.definition)?;
    let fields = PassTypeFields {
        name_zh: &name_zh,
        name_en: &name_en,
        active_from: input.active_from.unwrap_or_else(now_ms),
        definition: &def,
    };
    let mut tx = db.begin().await?;
    let pt = store::insert(&mut tx, org.id, code, input.kind, &fields)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => ActionError::Conflict("pass_type.code_taken"),
            other => other.into(),
        })?;
    let mut event = actor.event("pass_type.created", "pass_type", pt.id);
    event.after = Some(summary(&pt));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(pt)
}

/// Replaces the names and definition; the version goes up by one and the audit event keeps the
/// previous definition in `before`.
pub async fn update(
    db: &Db,
    caller: &Caller,
    id: i64,
    input: &PassTypeUpdate,
) -> ActionResult<PassType> {
    let old = store::get(db.pool(), id).await?;
    let org = orgs::get(db.pool(), old.authority_id).await?;
    let actor = require_admin(caller, &org, "pass_types:write")?;
    let (name_zh, name_en) = (
        name("name_zh", &input.name_zh)?,
        name("name_en", &input.name_en)?,
    );
    let def = definition(&input.definition)?;
    let fields = PassTypeFields {
        name_zh: &name_zh,
        name_en: &name_en,
        active_from: input.active_from.unwrap_or(old.active_from),
        definition: &def,
    };
    let mut tx = db.begin().await?;
    // Read again inside the transaction: `before` must be the row this edit replaces.
    let before = store::get(&mut *tx, id).await?;
    if before.retired_at.is_some() {
        return Err(ActionError::Conflict("pass_type.retired"));
    }
    let pt = store::update(&mut tx, id, input.version, &fields)
        .await?
        .ok_or(ActionError::Conflict("pass_type.version_conflict"))?;
    let mut event = actor.event("pass_type.updated", "pass_type", pt.id);
    event.before = Some(summary(&before));
    event.after = Some(summary(&pt));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(pt)
}

/// Closes a type to new applications; passes already issued under it stay as they are.
pub async fn retire(db: &Db, caller: &Caller, id: i64) -> ActionResult<PassType> {
    let old = store::get(db.pool(), id).await?;
    let org = orgs::get(db.pool(), old.authority_id).await?;
    let actor = require_admin(caller, &org, "pass_types:write")?;
    let mut tx = db.begin().await?;
    let pt = store::retire(&mut tx, id)
        .await?
        .ok_or(ActionError::Conflict("pass_type.retired"))?;
    let mut event = actor.event("pass_type.retired", "pass_type", pt.id);
    event.before = Some(serde_json::json!({ "version": old.version, "retired_at": null }));
    event.after = Some(serde_json::json!({ "version": pt.version, "retired_at": pt.retired_at }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(pt)
}

/// An active type for anyone logged in; a retired or future one only for its authority's admin.
pub async fn get(db: &Db, caller: &Caller, id: i64) -> ActionResult<PassType> {
    let pt = store::get(db.pool(), id).await?;
    if !pt.is_active(now_ms()) {
        let org = orgs::get(db.pool(), pt.authority_id).await?;
        caller
            .require_any(&[Role::SystemAdmin], &org.path)
            .map_err(|_| ActionError::NotFound)?;
    }
    Ok(pt)
}

/// Roles that read every type of their authority, retired ones included (the configuration
/// pages); only [`Role::SystemAdmin`] over the authority's root changes them.
pub const CONFIG_READERS: [Role; 2] = [Role::SystemAdmin, Role::AuthorityReviewer];

/// Every type of an authority, a page at a time, for a system admin or authority reviewer
/// whose grant lies anywhere in that authority.
pub async fn list_all(
    db: &Db,
    caller: &Caller,
    authority_id: i64,
    after_id: i64,
    limit: i64,
) -> ActionResult<Vec<PassType>> {
    let org = authority(db, authority_id).await?;
    let inside = caller
        .grants
        .iter()
        .any(|g| CONFIG_READERS.contains(&g.role) && g.org_path.starts_with(&org.path));
    if !inside {
        return Err(ActionError::Forbidden);
    }
    Ok(store::list_for_authority(db.pool(), org.id, after_id, limit).await?)
}

/// The authority's holiday table (of one year if given); readable by anyone logged in.
pub async fn list_holidays(
    db: &Db,
    authority_id: i64,
    year: Option<i32>,
) -> ActionResult<Vec<Holiday>> {
    let org = authority(db, authority_id).await?;
    Ok(holidays::list(db.pool(), org.id, year).await?)
}

fn holiday_date(date: &str) -> ActionResult<String> {
    parse_date(date).map(|d| d.to_string()).ok_or_else(|| {
        ActionError::invalid_msg(
            "date",
            "holiday.date",
            "日期格式应为 YYYY-MM-DD。",
            "A date reads YYYY-MM-DD.",
        )
    })
}

/// Adds or replaces one day of the authority's table.
pub async fn put_holiday(
    db: &Db,
    caller: &Caller,
    date: &str,
    input: &HolidayInput,
) -> ActionResult<Holiday> {
    let org = authority(db, input.authority_id).await?;
    let actor = require_admin(caller, &org, "pass_types:write")?;
    let date = holiday_date(date)?;
    let label = input.name.trim();
    if label.is_empty() || label.chars().count() > 50 {
        return Err(ActionError::invalid_msg(
            "name",
            "holiday.name_length",
            "名称须为 1 至 50 个字符。",
            "The name must be 1 to 50 characters.",
        ));
    }
    let holiday = Holiday {
        authority_id: org.id,
        date,
        kind: input.kind,
        name: label.to_owned(),
    };
    let mut tx = db.begin().await?;
    let before = holidays::get(&mut *tx, org.id, &holiday.date).await?;
    holidays::upsert(&mut tx, &holiday).await?;
    let object = format!("{}:{}", org.id, holiday.date);
    let mut event = actor.event("holiday.set", "holiday", object);
    event.before = before.map(|b| serde_json::to_value(b).unwrap_or_default());
    event.after = Some(serde_json::to_value(&holiday).unwrap_or_default());
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(holiday)
}

/// Removes one day from the authority's table; the day falls back to its weekday rule.
pub async fn delete_holiday(
    db: &Db,
    caller: &Caller,
    authority_id: i64,
    date: &str,
) -> ActionResult<()> {
    let org = authority(db, authority_id).await?;
    let actor = require_admin(caller, &org, "pass_types:write")?;
    let date = holiday_date(date)?;
    let mut tx = db.begin().await?;
    let before = holidays::get(&mut *tx, org.id, &date)
        .await?
        .ok_or(ActionError::NotFound)?;
    holidays::delete(&mut tx, org.id, &date).await?;
    let mut event = actor.event("holiday.deleted", "holiday", format!("{}:{date}", org.id));
    event.before = Some(serde_json::to_value(before).unwrap_or_default());
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The authority's working-day calendar.
pub async fn calendar(db: &Db, authority_id: i64) -> ActionResult<Calendar> {
    Ok(holidays::calendar(db.pool(), authority_id).await?)
}

/// When an application of `pt` submitted at `submitted` is promised to be decided.
pub async fn promised_by(
    db: &Db,
    pt: &PassType,
    submitted: OffsetDateTime,
) -> ActionResult<OffsetDateTime> {
    let cal = calendar(db, pt.authority_id).await?;
    Ok(cal.add_working_days(submitted, pt.definition.promised_working_days))
}

/// Seeds the four standard pass types and the 2026 holiday table for an authority, in one
/// transaction (demo data and new installations).
pub async fn seed_standard(
    db: &Db,
    actor: &Actor,
    authority_id: i64,
) -> ActionResult<Vec<PassType>> {
    let org = authority(db, authority_id).await?;
    let mut seeded = Vec::new();
    let mut tx = db.begin().await?;
    for seed in standard_pass_types() {
        let def = PassTypeDefinition::from_value(seed.definition)
            .map_err(|e| ActionError::Internal(format!("seed {}: {e}", seed.code)))?;
        let fields = PassTypeFields {
            name_zh: seed.name_zh,
            name_en: seed.name_en,
            active_from: now_ms(),
            definition: &def,
        };
        let pt = store::insert(&mut tx, org.id, seed.code, seed.kind, &fields).await?;
        let mut event = actor.event("pass_type.created", "pass_type", pt.id);
        event.after = Some(summary(&pt));
        audit::insert(&mut tx, &event).await?;
        seeded.push(pt);
    }
    for (date, kind, name) in HOLIDAYS_2026 {
        let holiday = Holiday {
            authority_id: org.id,
            date: (*date).to_owned(),
            kind: *kind,
            name: (*name).to_owned(),
        };
        holidays::upsert(&mut tx, &holiday).await?;
    }
    let mut event = actor.event("holiday.seeded", "org", org.id);
    event.after = Some(serde_json::json!({ "year": 2026, "days": HOLIDAYS_2026.len() }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(seeded)
}
