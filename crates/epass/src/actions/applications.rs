//! Applying for a pass (the direct flow): the form is checked against its pass type, the holder's
//! ID number is sealed, and the application enters level 1 of the type's review workflow.

use serde::Deserialize;
use time::OffsetDateTime;

use super::{ActionError, ActionResult, Caller};
use crate::domain::calendar::Calendar;
use crate::domain::eligibility::{CheckOutcome, Facts, TravelWindow};
use crate::domain::pass_type::{FieldError, FieldValue, LevelScope, Priority, ValidatedForm};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::registry::RegistrySource;
use crate::store::applications::{self, Application, NewApplication};
use crate::store::pass_types::{self, PassType};
use crate::store::{Db, StoreError, audit, now_ms, orgs, users};

/// An application as submitted.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct SubmitInput {
    pub pass_type_id: i64,
    /// The form values by field key, as the pass type defines them.
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
    /// The applicant read the instructions and accepts the agreement.
    pub agreed: bool,
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn datetime(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn priority_rank(p: Priority) -> i64 {
    i64::from(p.rank())
}

/// The form as stored: every value as the applicant gave it, except ID numbers, masked.
fn stored_form(
    form: &ValidatedForm,
    raw: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (key, value) in raw {
        let shown = match form.get(key) {
            Some(FieldValue::IdNumber(id)) => serde_json::Value::String(id.masked().to_string()),
            Some(FieldValue::Plate(p)) => serde_json::Value::String(p.as_str().to_owned()),
            Some(FieldValue::Phone(p)) => serde_json::Value::String(p.as_str().to_owned()),
            Some(_) => value.clone(),
            None => continue,
        };
        out.insert(key.clone(), shown);
    }
    serde_json::Value::Object(out)
}

/// Runs the pass type's eligibility checks. A check the facts fail refuses the application, saying
/// which and why; a registry that could not be asked leaves the question to the reviewer, who
/// sees it marked (never a silent pass).
async fn eligibility(
    registry: &dyn RegistrySource,
    pt: &PassType,
    form: &ValidatedForm,
    from: i64,
    until: i64,
) -> ActionResult<serde_json::Value> {
    let licence_number = match form.get("licence_number") {
        Some(FieldValue::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let facts = Facts {
        id_number: form.id_number().cloned(),
        id_card_valid_until: None,
        plate: form.plate().cloned(),
        licence_number,
        travel: TravelWindow {
            start: datetime(from),
            end: datetime(until),
        },
    };
    let results = crate::registry::evaluate(registry, &pt.definition.checks, &facts).await;
    let failed: Vec<FieldError> = results
        .iter()
        .filter_map(|(check, outcome)| match outcome {
            CheckOutcome::Failed { code, zh, en } => Some(FieldError {
                key: check.name().to_owned(),
                code: "application.ineligible",
                zh: format!("{}：{zh}", check.zh()),
                en: format!("{}: {en} ({code})", check.en()),
            }),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        return Err(ActionError::Ineligible(failed));
    }
    Ok(serde_json::Value::Array(
        results
            .iter()
            .map(|(check, outcome)| serde_json::json!({ "check": check.name(), "result": outcome }))
            .collect(),
    ))
}

/// An application checked and ready to store: everything the insert (or a resubmission) needs.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    pub form: serde_json::Value,
    pub holder_name: String,
    pub holder_id_sealed: Option<Vec<u8>>,
    pub holder_id_masked: Option<String>,
    pub plate: Option<String>,
    pub valid_from: i64,
    pub valid_until: i64,
    pub eligibility: serde_json::Value,
    pub level_due_at: i64,
    pub promised_at: i64,
}

impl Prepared {
    /// The row to insert for `applicant` (with `org_id` doing level 1).
    pub(crate) fn new_application(
        &self,
        pt: &PassType,
        applicant_id: i64,
        org_id: Option<i64>,
        request_id: Option<i64>,
    ) -> NewApplication<'_> {
        NewApplication {
            pass_type_id: pt.id,
            pass_type_version: pt.version,
            authority_id: pt.authority_id,
            applicant_id,
            org_id,
            request_id,
            form: &self.form,
            holder_name: &self.holder_name,
            holder_id_sealed: self.holder_id_sealed.as_deref(),
            holder_id_masked: self.holder_id_masked.as_deref(),
            plate: self.plate.as_deref(),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            priority: priority_rank(pt.priority),
            level_due_at: self.level_due_at,
            promised_at: self.promised_at,
            eligibility: &self.eligibility,
        }
    }

    /// What the audit event of a submission records.
    pub(crate) fn audited(&self, pt: &PassType) -> serde_json::Value {
        serde_json::json!({
            "pass_type": pt.code, "plate": self.plate, "holder": self.holder_name,
            "id_number": self.holder_id_masked, "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        })
    }
}

/// Refuses a pass type that takes no applications, or an applicant who did not accept the
/// agreement.
pub(crate) fn require_open(pt: &PassType, agreed: bool, now: i64) -> ActionResult<()> {
    if !pt.is_active(now) {
        return Err(ActionError::invalid_msg(
            "pass_type_id",
            "application.pass_type_closed",
            "该类通行证目前不受理申请。",
            "This pass type is not open for applications.",
        ));
    }
    if !agreed {
        return Err(ActionError::invalid_msg(
            "agreed",
            "application.agreement_required",
            "请先阅读申请须知并同意承诺书。",
            "Read the instructions and accept the agreement first.",
        ));
    }
    Ok(())
}

/// Checks a form against its pass type (fields, period, holder, eligibility), seals the ID
/// number and dates the first level and the promise. `within` bounds the period (an invitation's).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn prepare(
    db: &Db,
    pii: &PiiKeys,
    registry: &dyn RegistrySource,
    pt: &PassType,
    calendar: &Calendar,
    values: &serde_json::Map<String, serde_json::Value>,
    within: Option<(i64, i64)>,
    now: i64,
) -> ActionResult<Prepared> {
    let form = pt
        .definition
        .validate_form(values)
        .map_err(ActionError::InvalidForm)?;
    let (from, until) = validity(pt, &form, now)?;
    if let Some((start, end)) = within
        && (from < start || until > end)
    {
        return Err(ActionError::invalid_msg(
            "valid_to",
            "application.outside_request_period",
            "有效期须在申报单的有效期之内。",
            "The period must lie within the pass request's period.",
        ));
    }
    if pt.kind == epass_credential::Kind::TruckEntry {
        super::truck_codes::check(db, pt, calendar, &form, (from, until), now).await?;
    }
    let holder_name = holder_name(&form).ok_or_else(|| {
        ActionError::invalid_msg(
            "driver_name",
            "application.holder_name_required",
            "请填写持证人姓名。",
            "Enter the holder's name.",
        )
    })?;
    let id = form.id_number();
    let sealed = id
        .map(|id| pii.seal(id))
        .transpose()
        .map_err(|e| ActionError::Internal(format!("sealing an ID number: {e}")))?;
    let submitted = datetime(now);
    let promised = calendar.add_working_days(submitted, pt.definition.promised_working_days);
    let first =
        pt.definition.workflow.level(1).ok_or_else(|| {
            ActionError::Internal(format!("pass type {} has no review level", pt.id))
        })?;
    let due = calendar.add_working_days(submitted, first.time_limit_working_days);
    let eligibility = eligibility(registry, pt, &form, from, until).await?;
    Ok(Prepared {
        form: stored_form(&form, values),
        holder_name,
        holder_id_sealed: sealed,
        holder_id_masked: id.map(|id| id.masked().to_string()),
        plate: form.plate().map(|p| p.as_str().to_owned()),
        valid_from: from,
        valid_until: until,
        eligibility,
        level_due_at: ms(due),
        promised_at: ms(promised),
    })
}

/// Submits an application; it waits at level 1 with its deadline and promised date.
pub async fn submit(
    db: &Db,
    pii: &PiiKeys,
    registry: &dyn RegistrySource,
    caller: &Caller,
    input: &SubmitInput,
) -> ActionResult<Application> {
    caller.require_scope("applications:write")?;
    let pt = pass_types::get(db.pool(), input.pass_type_id).await?;
    let now = now_ms();
    require_open(&pt, input.agreed, now)?;
    let applicant = users::get(db.pool(), caller.user_id).await?;
    let calendar = crate::actions::pass_types::calendar(db, pt.authority_id).await?;
    let prepared = prepare(db, pii, registry, &pt, &calendar, &input.values, None, now).await?;

    let mut tx = db.begin().await?;
    let app = applications::insert(
        &mut tx,
        &prepared.new_application(&pt, applicant.id, applicant.org_id, None),
    )
    .await?;
    let actor = caller.actor(Some(Role::Applicant));
    let mut event = actor.event("application.submitted", "application", app.id);
    event.after = Some(prepared.audited(&pt));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(app)
}

fn holder_name(form: &ValidatedForm) -> Option<String> {
    ["holder_name", "driver_name", "name"]
        .into_iter()
        .find_map(|key| match form.get(key) {
            Some(FieldValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
            _ => None,
        })
}

/// The validity asked for, within the type's rules: the form's period, or the default length
/// from today.
fn validity(pt: &PassType, form: &ValidatedForm, now: i64) -> ActionResult<(i64, i64)> {
    let day = 86_400_000;
    let rules = &pt.definition.validity;
    let (from, until) = match form.period() {
        Some((from, until)) => (ms(from), ms(until)),
        None => (now, now + i64::from(rules.default_days) * day),
    };
    if until <= from {
        return Err(ActionError::invalid_msg(
            "valid_to",
            "application.period_reversed",
            "有效期止须晚于有效期起。",
            "The end of the period must come after its start.",
        ));
    }
    if until - from > i64::from(rules.max_days) * day {
        return Err(ActionError::invalid_msg(
            "valid_to",
            "application.period_too_long",
            &format!("有效期最长 {} 天。", rules.max_days),
            &format!("The period may be at most {} days.", rules.max_days),
        ));
    }
    if until <= now {
        return Err(ActionError::invalid_msg(
            "valid_to",
            "application.period_past",
            "有效期已过，请重新选择日期。",
            "The period is over; choose other dates.",
        ));
    }
    Ok((from, until))
}

/// Who may read an application: its applicant, and the reviewers of its type's levels.
pub async fn get(db: &Db, caller: &Caller, id: i64) -> ActionResult<Application> {
    let app = applications::get(db.pool(), id).await?;
    if app.applicant_id == caller.user_id {
        return Ok(app);
    }
    let pt = pass_types::get(db.pool(), app.pass_type_id).await?;
    for n in 1..=pt.definition.workflow.len() {
        if let Some(level) = pt.definition.workflow.level(n)
            && reviewer_role(db, caller, &app, level.scope, &level.roles)
                .await?
                .is_some()
        {
            return Ok(app);
        }
    }
    let authority = orgs::get(db.pool(), app.authority_id).await?;
    caller.require_any(&[Role::Supervisor], &authority.path)?;
    Ok(app)
}

/// The role with which the caller may act at a level of this application, if any.
pub async fn reviewer_role(
    db: &Db,
    caller: &Caller,
    app: &Application,
    scope: LevelScope,
    roles: &[Role],
) -> ActionResult<Option<Role>> {
    let org_id = match (scope, app.org_id) {
        (LevelScope::ApplicantOrg, Some(org)) => org,
        // An applicant without an organisation is reviewed by the authority's staff.
        (LevelScope::ApplicantOrg, None) | (LevelScope::Authority, _) => app.authority_id,
    };
    let org = orgs::get(db.pool(), org_id).await?;
    Ok(roles
        .iter()
        .copied()
        .find(|r| caller.grant_over(*r, &org.path).is_some()))
}
