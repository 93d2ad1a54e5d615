//! Signing keys of an authority: created sealed under the master key, rotated, withdrawn; every
//! change publishes a new signed verifier bundle in the same transaction.

use epass_credential::{
    Algorithm, BundleContent, IssuerKeyEntry, KeyPair, Kind, PublicKey, Status, StatusList,
};

use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::store::keys::{self, KeyPurpose, NewKey, StoredKey};
use crate::store::orgs::{Org, OrgKind};
use crate::store::{Db, StoreError, Tx, audit, now_ms, orgs};

/// Binds sealed signing keys to their purpose: they never open as anything else.
const SEAL_LABEL: &[u8] = b"epass/keys/v1/signing";
const DAY_MS: i64 = 86_400_000;
/// Issuer keys sign for two years, then a new one takes over; the root key lasts ten.
const ISSUER_KEY_DAYS: i64 = 2 * 366;
const ROOT_KEY_DAYS: i64 = 10 * 366;
/// How long a checkpoint may rely on a bundle before it must fetch a newer one.
pub const BUNDLE_MAX_AGE_SECONDS: u64 = 24 * 3600;

fn internal(what: &str, e: impl std::fmt::Display) -> ActionError {
    ActionError::Internal(format!("{what}: {e}"))
}

async fn authority(db: &Db, authority_id: i64) -> ActionResult<Org> {
    let org = orgs::get(db.pool(), authority_id).await?;
    if org.kind != OrgKind::Authority {
        return Err(ActionError::invalid_msg(
            "authority",
            "keys.not_an_authority",
            "只有主管部门（机关）持有签名密钥。",
            "Only an authority holds signing keys.",
        ));
    }
    Ok(org)
}

/// Generates and stores a key; returns its row id and kid.
async fn create_key(
    tx: &mut Tx,
    pii: &PiiKeys,
    authority: &Org,
    purpose: KeyPurpose,
    issuer_code: Option<&str>,
    kinds: &[Kind],
) -> ActionResult<(i64, String)> {
    let pair = KeyPair::generate(Algorithm::EdDsa).map_err(|e| internal("key generation", e))?;
    let sealed = pii
        .seal_bytes(SEAL_LABEL, &pair.secret_bytes())
        .map_err(|e| internal("sealing a key", e))?;
    let kid = pair.kid().to_string();
    let now = now_ms();
    let days = match purpose {
        KeyPurpose::Root => ROOT_KEY_DAYS,
        KeyPurpose::Issuer => ISSUER_KEY_DAYS,
    };
    let kind_codes: Vec<u8> = kinds.iter().map(|k| k.code() as u8).collect();
    let id = keys::insert(
        tx,
        &NewKey {
            authority_id: authority.id,
            purpose,
            issuer_code,
            alg: "EdDSA",
            kid: &kid,
            public_key: pair.public().as_bytes(),
            secret_sealed: &sealed,
            kinds: &kind_codes,
            not_before: now,
            not_after: now + days * DAY_MS,
        },
    )
    .await?;
    Ok((id, kid))
}

/// Opens a stored key for signing.
pub fn open_key(pii: &PiiKeys, key: &StoredKey) -> ActionResult<KeyPair> {
    let secret = pii
        .open_bytes(SEAL_LABEL, &key.secret_sealed)
        .map_err(|e| internal("opening a sealed key", e))?;
    let alg = parse_alg(&key.alg)?;
    KeyPair::from_secret(alg, &secret).map_err(|e| internal("loading a key", e))
}

fn parse_alg(alg: &str) -> ActionResult<Algorithm> {
    match alg {
        "EdDSA" => Ok(Algorithm::EdDsa),
        "ES256" => Ok(Algorithm::Es256),
        other => Err(internal("stored key", format!("unknown algorithm {other}"))),
    }
}

/// Gives an authority its root key and one issuer key (for its own division code, every kind)
/// if it has none yet, and publishes its first bundle. Returns whether keys were created.
pub async fn ensure_authority_keys(
    db: &Db,
    pii: &PiiKeys,
    actor: &Actor,
    authority_id: i64,
) -> ActionResult<bool> {
    let org = authority(db, authority_id).await?;
    let mut tx = db.begin().await?;
    if !keys::for_authority(&mut *tx, org.id).await?.is_empty() {
        return Ok(false);
    }
    let (_, root_kid) = create_key(&mut tx, pii, &org, KeyPurpose::Root, None, &[]).await?;
    let (_, issuer_kid) = create_key(
        &mut tx,
        pii,
        &org,
        KeyPurpose::Issuer,
        Some(&org.division_code),
        &Kind::ALL,
    )
    .await?;
    let mut event = actor.event("keys.created", "org", org.id);
    event.after = Some(serde_json::json!({ "root": root_kid, "issuer": issuer_kid }));
    audit::insert(&mut tx, &event).await?;
    publish_bundle(&mut tx, pii, actor, &org).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(true)
}

/// Replaces the active issuer key(s) of `issuer_code` by a new one. The old key signs nothing
/// more but keeps verifying what it signed until its validity ends.
pub async fn rotate(
    db: &Db,
    pii: &PiiKeys,
    actor: &Actor,
    authority_id: i64,
    issuer_code: &str,
) -> ActionResult<String> {
    let org = authority(db, authority_id).await?;
    let code = crate::domain::ids::DivisionCode::parse(issuer_code)
        .map_err(|e| ActionError::invalid("issuer_code", &e))?;
    let mut tx = db.begin().await?;
    let now = now_ms();
    let mut retired = Vec::new();
    for key in keys::for_authority(&mut *tx, org.id).await? {
        if key.purpose == KeyPurpose::Issuer
            && key.issuer_code.as_deref() == Some(code.as_str())
            && key.retired_at.is_none()
        {
            keys::retire(&mut tx, key.id, now).await?;
            retired.push(key.kid);
        }
    }
    let (_, kid) = create_key(
        &mut tx,
        pii,
        &org,
        KeyPurpose::Issuer,
        Some(code.as_str()),
        &Kind::ALL,
    )
    .await?;
    let mut event = actor.event("keys.rotated", "org", org.id);
    event.before = Some(serde_json::json!({ "active": retired }));
    event.after = Some(serde_json::json!({ "active": [kid.clone()], "issuer": code.as_str() }));
    audit::insert(&mut tx, &event).await?;
    publish_bundle(&mut tx, pii, actor, &org).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(kid)
}

/// Withdraws a key: every credential it signed verifies as invalid from the next bundle on.
pub async fn withdraw(
    db: &Db,
    pii: &PiiKeys,
    actor: &Actor,
    kid: &str,
    reason: &str,
) -> ActionResult<()> {
    if reason.trim().is_empty() {
        return Err(ActionError::invalid_msg(
            "reason",
            "keys.reason_required",
            "撤回密钥须说明理由。",
            "Withdrawing a key needs a reason.",
        ));
    }
    let key = keys::by_kid(db.pool(), kid).await?;
    let org = authority(db, key.authority_id).await?;
    let mut tx = db.begin().await?;
    if !keys::withdraw(&mut tx, key.id, now_ms()).await? {
        return Err(ActionError::Conflict("keys.already_withdrawn"));
    }
    let mut event = actor.event("keys.withdrawn", "signing_key", &key.kid);
    event.after = Some(serde_json::json!({ "reason": reason.trim(), "purpose": key.purpose }));
    audit::insert(&mut tx, &event).await?;
    publish_bundle(&mut tx, pii, actor, &org).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The authorities whose keys the caller manages: those where they are a system administrator
/// at the root, by id.
pub fn managed_authorities(caller: &Caller) -> Vec<i64> {
    let mut ids: Vec<i64> = caller
        .paths_for(&[Role::SystemAdmin])
        .iter()
        .filter(|p| p.matches('/').count() == 2)
        .filter_map(|p| p.trim_matches('/').parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The authority, if the caller is its system administrator at the root.
async fn managed(db: &Db, caller: &Caller, authority_id: i64) -> ActionResult<Org> {
    caller.require_scope("keys:write")?;
    let org = authority(db, authority_id).await?;
    caller.require_any(&[Role::SystemAdmin], &org.path)?;
    Ok(org)
}

/// Every key of an authority (no secrets are shown from these), for its system administrator.
pub async fn list_managed(
    db: &Db,
    caller: &Caller,
    authority_id: i64,
) -> ActionResult<(Org, Vec<StoredKey>)> {
    let org = managed(db, caller, authority_id).await?;
    let stored = keys::for_authority(db.pool(), org.id).await?;
    Ok((org, stored))
}

/// [`rotate`], by the authority's system administrator (the same action as the command line).
pub async fn rotate_by(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    authority_id: i64,
    issuer_code: &str,
) -> ActionResult<String> {
    let org = managed(db, caller, authority_id).await?;
    rotate(
        db,
        pii,
        &caller.actor(Some(Role::SystemAdmin)),
        org.id,
        issuer_code,
    )
    .await
}

/// [`withdraw`] of an issuer key, by its authority's system administrator. The root key signs
/// the bundle that announces a withdrawal, so it is not withdrawn here.
pub async fn withdraw_by(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    kid: &str,
    reason: &str,
) -> ActionResult<()> {
    let key = keys::by_kid(db.pool(), kid).await?;
    managed(db, caller, key.authority_id).await?;
    if key.purpose == KeyPurpose::Root {
        return Err(ActionError::Refused {
            code: "keys.root_not_withdrawable",
            zh: "根密钥签署撤回公告，不能在此撤回。",
            en: "The root key signs the bundle announcing a withdrawal; it cannot be withdrawn here.",
        });
    }
    withdraw(db, pii, &caller.actor(Some(Role::SystemAdmin)), kid, reason).await
}

/// The issuer entries of an authority's trust list: every issuer key still within its
/// validity, withdrawn ones flagged so verifiers refuse what they signed.
fn trust_list(stored: &[StoredKey], now: i64) -> ActionResult<Vec<IssuerKeyEntry>> {
    let mut entries = Vec::new();
    for key in stored {
        if key.purpose != KeyPurpose::Issuer || key.not_after <= now {
            continue;
        }
        let public = PublicKey::from_bytes(parse_alg(&key.alg)?, &key.public_key)
            .map_err(|e| internal("stored public key", e))?;
        let kinds: Vec<Kind> = key
            .kinds
            .iter()
            .filter_map(|c| Kind::from_code(u64::from(*c)))
            .collect();
        let mut entry = IssuerKeyEntry::new(
            &public,
            key.issuer_code.as_deref().unwrap_or_default(),
            &kinds,
            key.not_before / 1000,
            key.not_after / 1000,
        );
        entry.withdrawn = key.withdrawn_at.is_some();
        entries.push(entry);
    }
    Ok(entries)
}

/// Signs and stores the next bundle version of an authority inside the caller's transaction.
pub async fn publish_bundle(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    authority: &Org,
) -> ActionResult<i64> {
    let stored = keys::for_authority(&mut **tx, authority.id).await?;
    let root = stored
        .iter()
        .find(|k| k.purpose == KeyPurpose::Root && k.withdrawn_at.is_none())
        .ok_or_else(|| internal("bundle", "the authority has no usable root key"))?;
    let now = now_ms();
    let version = keys::latest_bundle_version(tx, authority.id).await? + 1;
    let mut content = BundleContent {
        authority: format!("{} {}", authority.division_code, authority.name),
        version: u64::try_from(version).map_err(|e| internal("bundle version", e))?,
        issued_at: now / 1000,
        max_age_seconds: BUNDLE_MAX_AGE_SECONDS,
        issuer_keys: trust_list(&stored, now)?,
        status_lists: Vec::new(),
        catalogue: crate::store::zones::catalogue_for(&mut **tx, authority.id).await?,
    };
    let issuers: Vec<&str> = stored
        .iter()
        .filter(|k| k.purpose == KeyPurpose::Issuer)
        .filter_map(|k| k.issuer_code.as_deref())
        .collect();
    for list in status_lists(tx, authority.id, &issuers, version).await? {
        content.add_status_list(&list);
    }
    let signed = content
        .sign(&open_key(pii, root)?)
        .map_err(|e| internal("signing the bundle", e))?;
    keys::insert_bundle(tx, authority.id, version, now, &signed).await?;
    crate::actions::checks::bundle_published();
    let mut event = actor.event("bundle.published", "org", authority.id);
    event.after =
        Some(serde_json::json!({ "version": version, "keys": content.issuer_keys.len() }));
    audit::insert(tx, &event).await?;
    Ok(version)
}

/// Status lists run this far past the highest index issued, so passes issued after a bundle are
/// covered (as valid) until the next one; issuance publishes a new bundle before the headroom
/// runs out. Unused entries cost next to nothing once compressed.
pub const STATUS_HEADROOM: i64 = 4096;

/// The length of a status list whose highest issued index is `max`.
pub fn status_list_len(max: i64) -> i64 {
    (max / STATUS_HEADROOM + 2) * STATUS_HEADROOM
}

/// Each issuing office's status list: two bits per pass it issued, set for the suspended and
/// revoked ones (SPEC §3.8: offline checkpoints learn of revocations at their next sync).
/// Every issuing office with a key gets a list, so passes it issues are covered from the start.
async fn status_lists(
    tx: &mut Tx,
    authority_id: i64,
    key_issuers: &[&str],
    version: i64,
) -> ActionResult<Vec<StatusList>> {
    let mut issuers = crate::store::passes::issuer_codes(tx, authority_id).await?;
    issuers.extend(key_issuers.iter().map(|s| (*s).to_owned()));
    issuers.sort();
    issuers.dedup();
    let mut lists = Vec::new();
    for issuer in issuers {
        let (max, entries) = crate::store::passes::status_entries(tx, &issuer).await?;
        let len =
            u32::try_from(status_list_len(max)).map_err(|e| internal("status list length", e))?;
        let mut list = StatusList::new(&issuer, len).map_err(|e| internal("status list", e))?;
        list.set_version(u64::try_from(version).unwrap_or_default());
        for (index, status) in entries {
            let status = match status.as_str() {
                "suspended" => Status::Suspended,
                "revoked" => Status::Revoked,
                _ => continue,
            };
            let index = u32::try_from(index).map_err(|e| internal("status index", e))?;
            list.set(index, status)
                .map_err(|e| internal("status list", e))?;
        }
        lists.push(list);
    }
    Ok(lists)
}

/// The root public key of an authority, which checkpoints install as their trust anchor.
pub async fn root_public_key(db: &Db, authority_id: i64) -> ActionResult<PublicKey> {
    let stored = keys::for_authority(db.pool(), authority_id).await?;
    let root = stored
        .iter()
        .find(|k| k.purpose == KeyPurpose::Root && k.withdrawn_at.is_none())
        .ok_or(ActionError::NotFound)?;
    PublicKey::from_bytes(parse_alg(&root.alg)?, &root.public_key)
        .map_err(|e| internal("stored public key", e))
}

/// Publishes a new bundle for every authority whose newest one is older than half its max age,
/// so checkpoints (and online checks) never hold a stale bundle while the server runs. Returns
/// how many were published.
pub async fn refresh_bundles(db: &Db, pii: &PiiKeys) -> ActionResult<usize> {
    let half_age_ms = i64::try_from(BUNDLE_MAX_AGE_SECONDS).unwrap_or(i64::MAX) * 500;
    let now = now_ms();
    let mut published = 0;
    for authority in orgs::authorities(db.pool()).await? {
        let Some(issued_at) = keys::latest_bundle_issued_at(db.pool(), authority.id).await? else {
            continue;
        };
        if now - issued_at < half_age_ms {
            continue;
        }
        let mut tx = db.begin().await?;
        publish_bundle(&mut tx, pii, &Actor::default(), &authority).await?;
        tx.commit().await.map_err(StoreError::from)?;
        published += 1;
    }
    Ok(published)
}
