//! Relying parties (insurers, car-rental firms) see a licence's data only with its holder's
//! consent: the holder makes a short-lived code for one relying party, to be used once or until
//! it expires; the relying party's staff enter it (or scan its QR) and see the licence. Every
//! view is audited. Without a code a relying party gets only valid or invalid (`/verify`).

use serde::{Deserialize, Serialize};

use super::super::secrets::sha256;
use super::super::{ActionError, ActionResult, Caller};
use super::{LicenceView, store, view};
use crate::domain::roles::Role;
use crate::store::licences::{Consent, NewConsent};
use crate::store::orgs::OrgKind;
use crate::store::{Db, StoreError, audit, now_ms, orgs, passes};

/// Longest a consent may last, in minutes (one day).
pub const MAX_MINUTES: u32 = 24 * 60;
/// How long a consent lasts when the holder does not say, in minutes.
pub const DEFAULT_MINUTES: u32 = 10;
/// Letters of a consent code: no 0/O or 1/I/L, which people misread.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a consent code (31^10 ≈ 8·10^14 codes).
const CODE_LEN: usize = 10;

/// Once, or as often as needed until it expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMode {
    Once,
    UntilExpiry,
}

impl ConsentMode {
    fn as_str(self) -> &'static str {
        match self {
            ConsentMode::Once => "once",
            ConsentMode::UntilExpiry => "until_expiry",
        }
    }
}

/// The holder's consent.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct ConsentInput {
    /// The relying party (an organisation) that may look.
    pub relying_party_id: i64,
    pub mode: ConsentMode,
    /// Minutes until the code expires: 1 to 1440, 10 if not given.
    #[serde(default)]
    pub minutes: Option<u32>,
}

/// A consent just made, with its code: shown to the holder this once.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedConsent {
    pub code: String,
    pub consent: Consent,
    pub relying_party_name: String,
}

/// What a relying party sees with a consent code.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentedView {
    pub licence: LicenceView,
    /// The licence's standing now: `valid`, `suspended`, `revoked` or `expired`.
    pub standing: String,
    pub consent: Consent,
}

/// A consent code typed or scanned: upper-cased, spaces and dashes dropped.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

fn new_code() -> String {
    (0..CODE_LEN)
        .map(|_| {
            // An index below the alphabet's length: never out of range.
            let i = rand::random::<u32>() as usize % ALPHABET.len();
            char::from(ALPHABET[i])
        })
        .collect()
}

/// The holder makes a consent code for one relying party.
pub async fn create(
    db: &Db,
    caller: &Caller,
    licence_number: &str,
    input: &ConsentInput,
) -> ActionResult<IssuedConsent> {
    caller.require_scope("applications:write")?;
    let minutes = input.minutes.unwrap_or(DEFAULT_MINUTES);
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(ActionError::invalid_msg(
            "minutes",
            "consent.minutes",
            &format!("有效时长须在 1 到 {MAX_MINUTES} 分钟之间。"),
            &format!("The code must last 1 to {MAX_MINUTES} minutes."),
        ));
    }
    let issue = store::live(db.pool(), licence_number)
        .await?
        .ok_or(ActionError::NotFound)?;
    if issue.holder_id != caller.user_id {
        return Err(ActionError::Forbidden);
    }
    let party = match orgs::get(db.pool(), input.relying_party_id).await {
        Ok(org) if org.kind == OrgKind::Company => org,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(ActionError::invalid_msg(
                "relying_party_id",
                "consent.relying_party",
                "所选单位不是可核验驾驶证的单位。",
                "The organisation chosen is not a relying party.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let code = new_code();
    let now = now_ms();
    let mut tx = db.begin().await?;
    let consent = store::insert_consent(
        &mut tx,
        &NewConsent {
            licence_number,
            holder_id: caller.user_id,
            relying_party_id: party.id,
            code_hash: &sha256(code.as_bytes()),
            mode: input.mode.as_str(),
            created_at: now,
            expires_at: now + i64::from(minutes) * 60_000,
        },
    )
    .await?;
    let actor = caller.actor(None);
    let mut event = actor.event("licence.consent_given", "licence", licence_number);
    event.after = Some(serde_json::json!({
        "consent_id": consent.id, "relying_party_id": party.id, "mode": consent.mode,
        "expires_at": consent.expires_at,
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(IssuedConsent {
        code,
        consent,
        relying_party_name: party.name,
    })
}

/// The holder's consents, newest first (the last 50).
pub async fn list(db: &Db, caller: &Caller) -> ActionResult<Vec<Consent>> {
    Ok(store::consents_for_holder(db.pool(), caller.user_id, 50).await?)
}

/// The holder withdraws a consent before it expires.
pub async fn withdraw(db: &Db, caller: &Caller, consent_id: i64) -> ActionResult<()> {
    caller.require_scope("applications:write")?;
    let actor = caller.actor(None);
    let mut tx = db.begin().await?;
    if !store::withdraw_consent(&mut tx, consent_id, caller.user_id, now_ms()).await? {
        return Err(ActionError::NotFound);
    }
    let mut event = actor.event("licence.consent_withdrawn", "consent", consent_id);
    event.after = Some(serde_json::json!({ "withdrawn": true }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

fn refused(code: &'static str, zh: &'static str, en: &'static str) -> ActionError {
    ActionError::Refused { code, zh, en }
}

/// A relying party's staff member looks at a licence with the holder's code. The view is
/// counted and audited in one transaction; a used, withdrawn or expired code says which.
pub async fn view_with_code(db: &Db, caller: &Caller, code: &str) -> ActionResult<ConsentedView> {
    caller.require_scope("checks:write")?;
    if !caller.has_role(Role::RelyingParty) {
        return Err(ActionError::Forbidden);
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let consent = store::consent_by_hash(&mut tx, &sha256(normalise(code).as_bytes()))
        .await?
        .ok_or_else(|| {
            refused(
                "consent.unknown",
                "授权码不正确。",
                "The consent code is not right.",
            )
        })?;
    let party = orgs::get(&mut *tx, consent.relying_party_id).await?;
    let role = caller
        .require_any(&[Role::RelyingParty], &party.path)
        .map_err(|_| {
            refused(
                "consent.other_party",
                "该授权码不是授予本单位的。",
                "This consent code was given to another organisation.",
            )
        })?;
    if consent.withdrawn_at.is_some() {
        return Err(refused(
            "consent.withdrawn",
            "持证人已撤回授权。",
            "The holder has withdrawn this consent.",
        ));
    }
    if consent.expires_at <= now {
        return Err(refused(
            "consent.expired",
            "授权码已过期。",
            "The consent code has expired.",
        ));
    }
    if !store::record_view(&mut tx, consent.id, now).await? {
        return Err(refused(
            "consent.used",
            "该授权码仅可查看一次，已被使用。",
            "This consent code was for one view and has been used.",
        ));
    }
    let issue = store::live(&mut *tx, &consent.licence_number)
        .await?
        .ok_or(ActionError::NotFound)?;
    let pass = match issue.pass_id {
        Some(id) => Some(passes::get(&mut *tx, id).await?),
        None => None,
    };
    let standing = match &pass {
        Some(p) if p.status != "active" => p.status.clone(),
        Some(p) if p.valid_until <= now => "expired".to_owned(),
        Some(_) => "valid".to_owned(),
        None => "pending".to_owned(),
    };
    let actor = caller.actor(Some(role));
    let mut event = actor.event(
        "licence.viewed_with_consent",
        "licence",
        &consent.licence_number,
    );
    event.after = Some(serde_json::json!({
        "consent_id": consent.id, "relying_party_id": party.id, "standing": standing,
    }));
    audit::insert(&mut tx, &event).await?;
    let consent = store::consents_for_holder(&mut *tx, consent.holder_id, 50)
        .await?
        .into_iter()
        .find(|c| c.id == consent.id)
        .unwrap_or(consent);
    tx.commit().await.map_err(StoreError::from)?;
    let mut licence = view(&issue, pass.as_ref());
    // The relying party sees the data, not the credential to copy.
    licence.credential = None;
    Ok(ConsentedView {
        licence,
        standing,
        consent,
    })
}
