//! Online verification at a checkpoint: the credential is verified against every authority's
//! current bundle (mutual recognition), its live status is read from the database, and the check
//! is recorded (pass, checkpoint, officer, place, time, outcome).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use epass_credential::{Claims, Context, Verdict, Verifier};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use super::check_log::{CheckLog, CheckRow};
use super::{ActionError, ActionResult, Caller};
use crate::domain::roles::Role;
use crate::store::{Db, keys, now_ms};
use crate::store::{passes, trails};

/// How long a verifier serves without asking the database whether a bundle changed: bundles
/// published by this process count at once (see [`bundle_published`]), another node's within
/// this. Live status never waits: every check reads the pass's status from the database.
const RECHECK_MS: i64 = 1_000;

/// Bumped whenever this process publishes a bundle.
static PUBLISHED: AtomicU64 = AtomicU64::new(0);

/// Tells online verifiers of this process that a bundle was published.
pub fn bundle_published() {
    PUBLISHED.fetch_add(1, Ordering::Relaxed);
}

/// A verifier over the latest bundles, rebuilt only when a bundle version changes.
#[derive(Debug, Default)]
pub struct OnlineVerifier {
    cached: RwLock<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    /// The bundle versions the verifier was built from, `(authority, version)`.
    versions: Vec<(i64, i64)>,
    verifier: Arc<Verifier>,
    /// When the versions were last compared with the database, and the publication count then.
    checked_at: i64,
    published: u64,
}

impl OnlineVerifier {
    /// The verifier for the bundles published now.
    pub async fn current(&self, db: &Db) -> ActionResult<Arc<Verifier>> {
        let published = PUBLISHED.load(Ordering::Relaxed);
        let now = now_ms();
        if let Some(c) = &*self.cached.read().await
            && c.published == published
            && now - c.checked_at < RECHECK_MS
        {
            return Ok(c.verifier.clone());
        }
        let versions = keys::bundle_versions(db.pool()).await?;
        let mut cached = self.cached.write().await;
        if let Some(c) = cached.as_mut()
            && c.versions == versions
        {
            c.checked_at = now;
            c.published = published;
            return Ok(c.verifier.clone());
        }
        let mut verifier = Verifier::new();
        for (authority, _) in &versions {
            let root = crate::actions::keys::root_public_key(db, *authority).await?;
            verifier.add_trust_anchor(root);
            if let Some((_, bundle)) = keys::latest_bundle(db.pool(), *authority).await? {
                verifier
                    .install(&bundle)
                    .map_err(|e| ActionError::Internal(format!("own bundle refused: {e}")))?;
            }
        }
        let verifier = Arc::new(verifier);
        *cached = Some(Cached {
            versions,
            verifier: verifier.clone(),
            checked_at: now,
            published,
        });
        Ok(verifier)
    }
}

/// One check as an officer (or a device uploading offline checks) sends it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckInput {
    /// The scanned QR text (`EP1:`/`EP2:`…), or
    pub text: Option<String>,
    /// a typed pass number.
    pub pass_number: Option<String>,
    pub checkpoint_id: Option<i64>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    /// When the check was made (milliseconds; offline uploads), default now.
    pub checked_at: Option<i64>,
    /// The device's id for this check: repeating an upload records it once.
    pub client_ref: Option<String>,
}

/// The answer shown to the officer.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CheckResult {
    /// The recorded check; absent when this `client_ref` was recorded before.
    pub check_id: Option<i64>,
    /// Stable reason code, e.g. `valid`, `revoked`, `outside_zone`, `invalid.signature`,
    /// `not_in_log` (validly signed, but the issuer's log never recorded its issuance).
    pub code: &'static str,
    /// `valid`, `invalid`, `revoked`, `suspended`, `expired`, `not_yet_valid`, `outside_zone`,
    /// `outside_time` or `undetermined`.
    pub class: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub pass_number: Option<String>,
    pub plate: Option<String>,
    pub holder_name: Option<String>,
    pub masked_id: Option<String>,
}

/// The answer to a check: the credential's verdict with the pass's live status, or that its
/// signature verifies but the issuer's log never recorded its issuance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Verdict(Verdict),
    /// Validly signed, but no issuance of it in the log: a forgery with the issuer's key (a
    /// stolen signing key shows up this way).
    NotInLog,
}

/// The code, zh and en of [`Answer::NotInLog`].
pub const NOT_IN_LOG: (&str, &str, &str) = (
    "not_in_log",
    "无效：签名有效，但签发机关的日志中没有此通行证的签发记录（签名密钥可能已泄露）。",
    "Invalid: the signature is valid, but the issuer's log has no record of issuing this pass \
     (the signing key may have been stolen).",
);

impl Answer {
    /// The stable code, e.g. `valid`, `revoked`, `invalid.signature`, `not_in_log`.
    pub fn code(self) -> &'static str {
        match self {
            Answer::Verdict(v) => v.code(),
            Answer::NotInLog => NOT_IN_LOG.0,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Answer::Verdict(v) => v.class(),
            Answer::NotInLog => "invalid",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Answer::Verdict(v) => v.zh(),
            Answer::NotInLog => NOT_IN_LOG.1,
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Answer::Verdict(v) => v.en(),
            Answer::NotInLog => NOT_IN_LOG.2,
        }
    }
}

/// A typed number that no pass carries.
const UNKNOWN: (&str, &str, &str) = (
    "invalid.unknown_pass_number",
    "无效：没有这个编号的通行证。",
    "Invalid: no pass has this number.",
);

/// The row recording a check.
fn row(
    caller: &Caller,
    input: &CheckInput,
    (pass_id, pass_number): (Option<i64>, Option<String>),
    place: Option<(f64, f64)>,
    at: i64,
    outcome: &str,
) -> CheckRow {
    CheckRow {
        pass_id,
        pass_number,
        checkpoint_id: input.checkpoint_id,
        officer_id: caller.user_id,
        longitude: place.map(|p| p.0),
        latitude: place.map(|p| p.1),
        checked_at: at,
        outcome: outcome.to_owned(),
        client_ref: input.client_ref.clone(),
    }
}

fn place(input: &CheckInput) -> ActionResult<Option<(f64, f64)>> {
    match (input.longitude, input.latitude) {
        (Some(lon), Some(lat))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Ok(Some((lon, lat)))
        }
        (None, None) => Ok(None),
        _ => Err(ActionError::invalid_msg(
            "longitude",
            "check.bad_position",
            "位置须同时给出经度（-180 至 180）和纬度（-90 至 90）。",
            "Give both longitude (-180 to 180) and latitude (-90 to 90).",
        )),
    }
}

/// Verifies and records one check.
pub async fn check(
    db: &Db,
    online: &OnlineVerifier,
    log: &CheckLog,
    caller: &Caller,
    input: &CheckInput,
) -> ActionResult<CheckResult> {
    let (mut result, row) = assess(db, online, caller, input).await?;
    result.check_id = log.record(row).await?;
    Ok(result)
}

/// Verifies and records checks uploaded together (made offline); they share their commits.
pub async fn check_many(
    db: &Db,
    online: &OnlineVerifier,
    log: &CheckLog,
    caller: &Caller,
    inputs: &[CheckInput],
) -> ActionResult<Vec<CheckResult>> {
    let mut results = Vec::with_capacity(inputs.len());
    let mut rows = Vec::with_capacity(inputs.len());
    for input in inputs {
        let (result, row) = assess(db, online, caller, input).await?;
        results.push(result);
        rows.push(row);
    }
    for (result, id) in results.iter_mut().zip(log.record_many(rows).await?) {
        result.check_id = id;
    }
    Ok(results)
}

/// The answer to a check and the row that records it.
async fn assess(
    db: &Db,
    online: &OnlineVerifier,
    caller: &Caller,
    input: &CheckInput,
) -> ActionResult<(CheckResult, CheckRow)> {
    caller.require_scope("checks:write")?;
    if !caller.has_role(Role::CheckpointOfficer) {
        return Err(ActionError::Forbidden);
    }
    let at = input.checked_at.unwrap_or_else(now_ms);
    let place = place(input)?;
    let text = match (&input.text, &input.pass_number) {
        (Some(text), _) => text.trim().to_owned(),
        (None, Some(number)) => match passes::by_number(db.pool(), number.trim()).await? {
            Some(pass) => pass.credential,
            None => {
                let number = number.trim().to_owned();
                let row = row(
                    caller,
                    input,
                    (None, Some(number.clone())),
                    place,
                    at,
                    UNKNOWN.0,
                );
                let result = CheckResult {
                    check_id: None,
                    code: UNKNOWN.0,
                    class: "invalid",
                    zh: UNKNOWN.1,
                    en: UNKNOWN.2,
                    pass_number: Some(number),
                    plate: None,
                    holder_name: None,
                    masked_id: None,
                };
                return Ok((result, row));
            }
        },
        (None, None) => {
            return Err(ActionError::invalid_msg(
                "text",
                "check.nothing_to_check",
                "请扫描二维码或输入通行证编号。",
                "Scan the QR code or type the pass number.",
            ));
        }
    };
    let (verdict, claims, pass) = evaluate(db, online, &text, at, place).await?;
    let claims = claims.as_ref();
    let pass_number = claims.map(|c| c.pass_number.clone());
    let row = row(
        caller,
        input,
        (pass.as_ref().map(|p| p.id), pass_number.clone()),
        place,
        at,
        verdict.code(),
    );
    let result = CheckResult {
        check_id: None,
        code: verdict.code(),
        class: verdict.class(),
        zh: verdict.zh(),
        en: verdict.en(),
        pass_number,
        plate: claims.and_then(|c| c.plate.clone()),
        holder_name: claims.map(|c| c.holder_name.clone()),
        masked_id: claims.and_then(|c| c.masked_id.clone()),
    };
    Ok((result, row))
}

/// The verdict on a credential text now: its signature, validity, zone and time against the
/// published bundles, then its live status from the database (a revocation counts from its
/// commit, whatever the bundle says) and, in the same read, whether the issuer's log recorded
/// its issuance: a validly signed credential it did not is [`Answer::NotInLog`].
async fn evaluate(
    db: &Db,
    online: &OnlineVerifier,
    text: &str,
    at: i64,
    place: Option<(f64, f64)>,
) -> ActionResult<(Answer, Option<Claims>, Option<passes::Pass>)> {
    let verifier = online.current(db).await?;
    let outcome = verifier.verify(
        text,
        &Context {
            at: at / 1000,
            place,
        },
    );
    // Claims are present only when the signature verified.
    let (pass, logged) = match &outcome.claims {
        Some(c) => match trails::pass_for_check(db.pool(), &c.pass_number).await? {
            Some((pass, logged)) => {
                // The credential as issued (the usual case) needs no decoding.
                let recorded =
                    logged.is_some() && (pass.credential == text || as_recorded(c, &pass));
                (Some(pass), recorded)
            }
            None => (None, false),
        },
        None => (None, true),
    };
    if !logged {
        return Ok((Answer::NotInLog, outcome.claims, pass));
    }
    let verdict = match (&pass, outcome.verdict) {
        (Some(p), Verdict::Valid | Verdict::OutsideZone | Verdict::OutsideTime)
            if p.status == "revoked" =>
        {
            Verdict::Revoked
        }
        (Some(p), Verdict::Valid | Verdict::OutsideZone | Verdict::OutsideTime)
            if p.status == "suspended" =>
        {
            Verdict::Suspended
        }
        (_, v) => v,
    };
    Ok((Answer::Verdict(verdict), outcome.claims, pass))
}

/// Whether a verified credential is the one recorded for its pass number, or an earlier
/// signing of it (an extension re-signs with a later end): the same holder, vehicle, places,
/// hours and start, ending no later. A credential signed with the issuer's key that reuses a
/// logged number but changes any of those was never issued.
fn as_recorded(scanned: &Claims, pass: &passes::Pass) -> bool {
    let Some(stored) = epass_credential::read_claims_unverified(&pass.credential) else {
        return false;
    };
    scanned.kind == stored.kind
        && scanned.issuer == stored.issuer
        && scanned.holder_name == stored.holder_name
        && scanned.masked_id == stored.masked_id
        && scanned.plate == stored.plate
        && scanned.vehicle_type == stored.vehicle_type
        && scanned.holder_category == stored.holder_category
        && scanned.zones == stored.zones
        && scanned.road_sections == stored.road_sections
        && scanned.time_windows == stored.time_windows
        && scanned.status_index == stored.status_index
        && scanned.freight == stored.freight
        && scanned.licence == stored.licence
        && scanned.not_before == stored.not_before
        && scanned.expires <= stored.expires
}

/// A credential to verify without recording a check (a relying party, or anyone logged in).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyInput {
    /// The scanned QR text (`EP1:`/`EP2:`…).
    pub text: String,
}

/// Valid or not, and why, without the holder's data: what a relying party sees without the
/// holder's consent.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyResult {
    pub code: &'static str,
    pub class: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// Verifies a credential now, with its live status; nothing is recorded and nothing personal
/// is shown.
pub async fn verify(
    db: &Db,
    online: &OnlineVerifier,
    input: &VerifyInput,
) -> ActionResult<VerifyResult> {
    let (verdict, _, _) = evaluate(db, online, input.text.trim(), now_ms(), None).await?;
    Ok(VerifyResult {
        code: verdict.code(),
        class: verdict.class(),
        zh: verdict.zh(),
        en: verdict.en(),
    })
}
