//! Issuance: on final approval the pass gets its number (issuer division code + serial), is
//! signed with the issuing office's key, holds its vehicle's days, and the holder is told.

use epass_credential::{Approval, Claims, Freight, Kind, Licence};

use super::{ActionError, ActionResult, Actor};
use crate::domain::pass_type::Check;
use crate::pii::PiiKeys;
use crate::store::applications::{self, Application};
use crate::store::keys::{self, KeyPurpose};
use crate::store::orgs::Org;
use crate::store::outbox::Channel;
use crate::store::pass_types::PassType;
use crate::store::passes::{self, NewPass, Pass};
use crate::store::{StoreError, Tx, audit, orgs, outbox, users};

const DAY_MS: i64 = 86_400_000;

/// The pass number: the issuer's 6-digit division code and a serial of at least 6 digits.
pub fn pass_number(issuer_code: &str, serial: i64) -> String {
    format!("{issuer_code}{serial:06}")
}

fn form_ids(form: &serde_json::Value, key: &str) -> Vec<u32> {
    form.get(key)
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|v| match v {
                    serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                    serde_json::Value::String(s) => s.parse().ok(),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn form_text(form: &serde_json::Value, key: &str) -> Option<String> {
    form.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

/// The claims of the credential for an approved application.
fn claims(
    app: &Application,
    pt: &PassType,
    number: &str,
    issuer: &str,
    serial: u32,
    approvals: Vec<Approval>,
    now_s: i64,
) -> Claims {
    let form = &app.form;
    let time_windows = form_text(form, "daily_window")
        .and_then(|w| crate::domain::pass_type::DailyWindow::parse(&w).ok())
        .map(|w| vec![w.to_credential()])
        .unwrap_or_default();
    let freight = (pt.kind == Kind::Freight).then(|| Freight {
        origin: form_text(form, "origin_division")
            .and_then(|d| d.parse().ok())
            .unwrap_or_default(),
        destination: form_text(form, "destination_division")
            .and_then(|d| d.parse().ok())
            .unwrap_or_default(),
        cargo: form_text(form, "cargo_type"),
        test_at: None,
    });
    let rules = pt
        .definition
        .printed_rules
        .iter()
        .map(|r| r.zh.clone())
        .collect::<Vec<_>>()
        .join("");
    Claims {
        pass_number: number.to_owned(),
        kind: pt.kind,
        issuer: issuer.to_owned(),
        holder_name: app.holder_name.clone(),
        masked_id: app.holder_id_masked.clone(),
        plate: app.plate.clone(),
        // A truck code names the restriction class of its vehicle.
        vehicle_type: form_text(form, "vehicle_type").or_else(|| form_text(form, "vehicle_class")),
        holder_category: None,
        zones: form_ids(form, "zones"),
        road_sections: form_ids(form, "road_sections"),
        time_windows,
        utc_offset_minutes: 480,
        not_before: app.valid_from / 1000,
        expires: app.valid_until / 1000,
        issued_at: now_s,
        approvals,
        status_index: Some(serial),
        freight,
        // A licence's classes and points are those the registry gave when it was applied for.
        licence: (pt.kind == Kind::DrivingLicence).then(|| Licence {
            classes: form_text(form, "classes").unwrap_or_default(),
            points: form
                .get("points")
                .and_then(serde_json::Value::as_u64)
                .map_or(0, |p| u8::try_from(p).unwrap_or(u8::MAX)),
        }),
        rules: (!rules.is_empty()).then_some(rules),
    }
}

/// What issuing needs of an issuing office and a kind of pass, loaded once for a batch: the
/// office, and its active issuer key opened (decrypted) once.
pub struct Issuer {
    pub authority: Org,
    kid: String,
    pair: epass_credential::KeyPair,
    /// For what issuing a licence changes besides its own pass (an older one revoked).
    pii: PiiKeys,
}

impl std::fmt::Debug for Issuer {
    // The key pair stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("authority", &self.authority.id)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// The active issuer key of the office that issues for `authority_id`, for `kind`.
    pub async fn load(
        tx: &mut Tx,
        pii: &PiiKeys,
        authority_id: i64,
        kind: Kind,
    ) -> ActionResult<Self> {
        let authority = orgs::get(&mut **tx, authority_id).await?;
        let issuer = authority.division_code.as_str();
        let kind_code = kind.code() as u8;
        let stored = keys::for_authority(&mut **tx, authority_id).await?;
        let key = stored
            .iter()
            .rev()
            .find(|k| {
                k.purpose == KeyPurpose::Issuer
                    && k.issuer_code.as_deref() == Some(issuer)
                    && k.retired_at.is_none()
                    && k.withdrawn_at.is_none()
                    && k.kinds.contains(&kind_code)
            })
            .ok_or_else(|| {
                ActionError::Internal(format!("authority {authority_id} has no active issuer key"))
            })?;
        let pair = crate::actions::keys::open_key(pii, key)?;
        Ok(Self {
            kid: key.kid.clone(),
            pair,
            authority,
            pii: pii.clone(),
        })
    }

    /// Signs the credential of a pass: `(kid, credential text)`.
    pub fn sign(
        &self,
        app: &Application,
        pt: &PassType,
        number: &str,
        serial: i64,
        valid_until: i64,
        approvals: Vec<Approval>,
    ) -> ActionResult<(String, String)> {
        let issuer = &self.authority.division_code;
        let serial = u32::try_from(serial)
            .map_err(|_| ActionError::Internal(format!("issuer {issuer} ran out of serials")))?;
        let now = crate::store::now_ms();
        let mut claims = claims(app, pt, number, issuer, serial, approvals, now / 1000);
        claims.expires = valid_until / 1000;
        let credential = epass_credential::issue(&claims, &self.pair)
            .map_err(|e| ActionError::Internal(format!("signing pass {number}: {e}")))?;
        Ok((self.kid.clone(), credential))
    }
}

/// The approval trail in short: who approved at each level of the last round, and when.
async fn approvals(tx: &mut Tx, app: &Application) -> ActionResult<Vec<Approval>> {
    let mut trail = Vec::new();
    for d in applications::decisions(&mut **tx, app.id).await? {
        if d.round == app.round && d.action == "approve" {
            let reviewer = users::get(&mut **tx, d.reviewer_id).await?;
            trail.push(Approval {
                reviewer: reviewer.name,
                date: d.decided_at.div_euclid(DAY_MS),
            });
        }
    }
    Ok(trail)
}

/// Signs the credential of a pass again (an extension): `(kid, credential text)`.
pub async fn sign(
    tx: &mut Tx,
    pii: &PiiKeys,
    app: &Application,
    pt: &PassType,
    number: &str,
    serial: i64,
    valid_until: i64,
) -> ActionResult<(String, String)> {
    let issuer = Issuer::load(tx, pii, app.authority_id, pt.kind).await?;
    let trail = approvals(tx, app).await?;
    issuer.sign(app, pt, number, serial, valid_until, trail)
}

/// One approved application to issue, with what the batch loaded for it.
#[derive(Debug)]
pub struct ToIssue<'a> {
    pub app: &'a Application,
    pub pt: &'a PassType,
    pub approvals: Vec<Approval>,
    /// Where the holder is told (their phone).
    pub holder_phone: &'a str,
    pub serial: i64,
}

/// Issues one pass inside the approving transaction: number, signature, the vehicle held, the
/// audit event and the holder's message. Returns the pass id and number.
pub async fn issue_one(
    tx: &mut Tx,
    issuer: &Issuer,
    actor: &Actor,
    item: ToIssue<'_>,
    link_base: &str,
) -> ActionResult<(i64, String)> {
    let ToIssue {
        app,
        pt,
        approvals,
        holder_phone,
        serial,
    } = item;
    let code = issuer.authority.division_code.as_str();
    let number = pass_number(code, serial);
    let (kid, credential) = issuer.sign(app, pt, &number, serial, app.valid_until, approvals)?;
    let pass_id = passes::insert(
        tx,
        &NewPass {
            application_id: app.id,
            pass_number: &number,
            authority_id: issuer.authority.id,
            kind: pt.kind.name(),
            issuer_code: code,
            kid: &kid,
            status_index: serial,
            holder_id: app.applicant_id,
            holder_name: &app.holder_name,
            holder_id_masked: app.holder_id_masked.as_deref(),
            plate: app.plate.as_deref(),
            valid_from: app.valid_from,
            valid_until: app.valid_until,
            credential: &credential,
        },
    )
    .await?;
    if let Some(plate) = &app.plate
        && pt.definition.checks.contains(&Check::OnePassPerVehicle)
    {
        let period = (app.valid_from, app.valid_until);
        crate::store::vehicle_claims::claim_vehicle(tx, pt.kind.name(), plate, period, pass_id)
            .await
            .map_err(vehicle_conflict)?;
    }
    if pt.kind == Kind::DrivingLicence {
        crate::actions::licences::on_issued(tx, &issuer.pii, actor, app, pass_id).await?;
    }
    audit::insert(tx, &issued_event(actor, app, &number, &kid)).await?;
    let body = issued_message(&number, link_base);
    outbox::enqueue(tx, Channel::Sms, holder_phone, "", &body).await?;
    Ok((pass_id, number))
}

/// The audit event of an issued pass.
pub fn issued_event<'a>(
    actor: &'a Actor,
    app: &Application,
    number: &str,
    kid: &str,
) -> audit::NewEvent<'a> {
    let mut event = actor.event("pass.issued", "pass", number);
    event.after = Some(serde_json::json!({
        "application_id": app.id, "kid": kid, "plate": app.plate,
        "valid_from": app.valid_from, "valid_until": app.valid_until,
    }));
    event
}

/// The holder's message when their pass is issued, with its link.
pub fn issued_message(number: &str, link_base: &str) -> String {
    format!(
        "【epass】您的通行证 {number} 已签发，查看：{link_base}/passes/{number} 。Your pass {number} \
         is issued: {link_base}/passes/{number}"
    )
}

/// A vehicle claim the database refused: the vehicle holds another pass then.
pub fn vehicle_conflict(e: StoreError) -> ActionError {
    match e {
        StoreError::Conflict => ActionError::Conflict("pass.vehicle_has_pass"),
        other => other.into(),
    }
}

/// Republishes the bundle when serials `first..=last` crossed into a part of the status list
/// the published one does not cover yet (see `keys::STATUS_HEADROOM`).
pub async fn keep_status_list_ahead(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    authority: &Org,
    first: i64,
    last: i64,
) -> ActionResult<()> {
    let headroom = crate::actions::keys::STATUS_HEADROOM;
    if last.div_euclid(headroom) > (first - 1).div_euclid(headroom) {
        crate::actions::keys::publish_bundle(tx, pii, actor, authority).await?;
    }
    Ok(())
}

/// Issues the pass inside the approving transaction.
pub async fn issue(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    app: &Application,
    pt: &PassType,
    link_base: &str,
) -> ActionResult<Pass> {
    let issuer = Issuer::load(tx, pii, app.authority_id, pt.kind).await?;
    let serial = passes::reserve_serials(tx, &issuer.authority.division_code, 1).await?;
    let approvals = approvals(tx, app).await?;
    let holder = users::get(&mut **tx, app.applicant_id).await?;
    let item = ToIssue {
        app,
        pt,
        approvals,
        holder_phone: &holder.phone,
        serial,
    };
    let (pass_id, _) = issue_one(tx, &issuer, actor, item, link_base).await?;
    keep_status_list_ahead(tx, pii, actor, &issuer.authority, serial, serial).await?;
    Ok(passes::get(&mut **tx, pass_id).await?)
}
