//! Zones and road sections of an authority: create, replace, retire, and bulk upload of a
//! GeoJSON FeatureCollection. Every change publishes the authority's next verifier bundle,
//! carrying the new catalogue, in the same transaction.
//!
//! Who may change them: zones belong to the authority as a whole (every department's passes
//! name them), so only a system admin or an authority reviewer whose grant covers the
//! authority's root may; a grant over one department is not enough. Reading them is public:
//! the bundle every checkpoint downloads carries them anyway.

use serde::Serialize;
use serde_json::{Value, json};

use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::roles::Role;
use crate::domain::zones::{Zone, ZoneFeature};
use crate::i18n::{Lang, Localized};
use crate::pii::PiiKeys;
use crate::store::keys::KeyPurpose;
use crate::store::orgs::{Org, OrgKind};
use crate::store::{Db, StoreError, Tx, audit, keys, orgs, zones};

/// Roles that may change an authority's zones (over its root).
pub const WRITE_ROLES: [Role; 2] = [Role::SystemAdmin, Role::AuthorityReviewer];
/// Most features one upload may carry.
pub const MAX_FEATURES: usize = 5000;
/// Most feature errors reported for one upload.
pub const MAX_REPORTED_ERRORS: usize = 200;

/// One feature of an upload that was refused, by its position (0-based) in `features`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FeatureError {
    pub index: usize,
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl FeatureError {
    fn new(index: usize, e: &impl Localized) -> Self {
        Self {
            index,
            code: e.code().to_owned(),
            zh: e.message(Lang::Zh),
            en: e.message(Lang::En),
        }
    }

    fn msg(index: usize, code: &str, zh: String, en: String) -> Self {
        Self {
            index,
            code: code.to_owned(),
            zh,
            en,
        }
    }
}

/// What an accepted upload did.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Ids of the new zones, in feature order.
    pub created: Vec<i64>,
    /// Ids of the replaced zones, in feature order.
    pub updated: Vec<i64>,
    /// The bundle version that carries the change (absent while the authority has no keys).
    pub bundle_version: Option<i64>,
}

/// An upload is written whole or not at all.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportOutcome {
    Imported(Imported),
    /// Nothing was written; each refused feature with why.
    Rejected(Vec<FeatureError>),
}

/// A changed zone and the bundle version that carries the change.
pub type ZoneChange = (Zone, Option<i64>);

async fn authority(db: &Db, id: i64) -> ActionResult<Org> {
    let org = orgs::get(db.pool(), id).await?;
    if org.kind != OrgKind::Authority {
        return Err(ActionError::invalid_msg(
            "authority",
            "zone.not_an_authority",
            "区域和路段归属于主管机关（最上级单位）。",
            "Zones and road sections belong to an authority (a top-level organisation).",
        ));
    }
    Ok(org)
}

fn require_writer(caller: &Caller, authority: &Org) -> ActionResult<Actor> {
    caller.require_scope("zones:write")?;
    let role = caller.require_any(&WRITE_ROLES, &authority.path)?;
    Ok(caller.actor(Some(role)))
}

fn summary(zone: &Zone) -> Value {
    let geometry = zone.geometry.to_string();
    json!({
        "authority_id": zone.authority_id,
        "kind": zone.kind.as_str(),
        "name_zh": zone.name_zh,
        "name_en": zone.name_en,
        "corridor_m": zone.corridor_m,
        "geometry_sha256": super::secrets::sha256(geometry.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    })
}

/// Publishes the authority's next bundle if it has a usable root key. An authority that has
/// no keys yet has nothing to publish: its first bundle will carry the zones.
async fn republish(
    tx: &mut Tx,
    pii: &PiiKeys,
    actor: &Actor,
    authority: &Org,
) -> ActionResult<Option<i64>> {
    let stored = keys::for_authority(&mut **tx, authority.id).await?;
    if !stored
        .iter()
        .any(|k| k.purpose == KeyPurpose::Root && k.withdrawn_at.is_none())
    {
        return Ok(None);
    }
    super::keys::publish_bundle(tx, pii, actor, authority)
        .await
        .map(Some)
}

fn parse_feature(feature: &Value) -> ActionResult<ZoneFeature> {
    ZoneFeature::parse(feature).map_err(|e| ActionError::invalid("feature", &e))
}

/// The live zones of an authority (public).
pub async fn list(db: &Db, authority_id: i64) -> ActionResult<Vec<Zone>> {
    let org = authority(db, authority_id).await?;
    Ok(zones::live_for_authority(db.pool(), org.id).await?)
}

/// Creates a zone or road section from one GeoJSON Feature.
pub async fn create(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    authority_id: i64,
    feature: &Value,
) -> ActionResult<ZoneChange> {
    let org = authority(db, authority_id).await?;
    let actor = require_writer(caller, &org)?;
    let parsed = parse_feature(feature)?;
    if parsed.id.is_some() {
        return Err(ActionError::invalid_msg(
            "id",
            "zone.id_on_create",
            "新建区域不能指定编号；修改已有区域请用 PUT /api/v1/zones/{id}。",
            "A new zone cannot name an id; replace an existing one with PUT /api/v1/zones/{id}.",
        ));
    }
    let mut tx = db.begin().await?;
    let zone = zones::insert(
        &mut tx,
        org.id,
        &parsed.name_zh,
        parsed.name_en.as_deref(),
        &parsed.geometry,
    )
    .await?;
    let mut event = actor.event("zone.created", "zone", zone.id);
    event.after = Some(summary(&zone));
    audit::insert(&mut tx, &event).await?;
    let version = republish(&mut tx, pii, &actor, &org).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((zone, version))
}

fn kind_change() -> ActionError {
    ActionError::invalid_msg(
        "kind",
        "zone.kind_change",
        "区域不能改为路段（反之亦然）：请新建一个，再停用旧的。",
        "A zone cannot become a road section or the reverse: create a new one and retire the old.",
    )
}

/// Replaces a live zone's names and geometry (its kind stays).
pub async fn update(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    zone_id: i64,
    feature: &Value,
) -> ActionResult<ZoneChange> {
    let before = zones::get(db.pool(), zone_id).await?;
    let org = authority(db, before.authority_id).await?;
    let actor = require_writer(caller, &org)?;
    let parsed = parse_feature(feature)?;
    if parsed.id.is_some_and(|id| id != zone_id) {
        return Err(ActionError::invalid_msg(
            "id",
            "zone.id_mismatch",
            "要素中的编号与地址中的不一致。",
            "The feature's id differs from the one in the address.",
        ));
    }
    if parsed.geometry.kind() != before.kind {
        return Err(kind_change());
    }
    let mut tx = db.begin().await?;
    let zone = zones::update(
        &mut tx,
        zone_id,
        &parsed.name_zh,
        parsed.name_en.as_deref(),
        &parsed.geometry,
    )
    .await?;
    let mut event = actor.event("zone.updated", "zone", zone.id);
    event.before = Some(summary(&before));
    event.after = Some(summary(&zone));
    audit::insert(&mut tx, &event).await?;
    let version = republish(&mut tx, pii, &actor, &org).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((zone, version))
}

/// Retires a zone: it leaves the catalogue of the next bundle, so passes naming it no longer
/// verify inside it.
pub async fn retire(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    zone_id: i64,
) -> ActionResult<ZoneChange> {
    let before = zones::get(db.pool(), zone_id).await?;
    let org = authority(db, before.authority_id).await?;
    let actor = require_writer(caller, &org)?;
    if before.retired_at.is_some() {
        return Err(ActionError::Conflict("zone.already_retired"));
    }
    let mut tx = db.begin().await?;
    let zone = zones::retire(&mut tx, zone_id).await.map_err(|e| match e {
        StoreError::NotFound => ActionError::Conflict("zone.already_retired"),
        other => other.into(),
    })?;
    let mut event = actor.event("zone.retired", "zone", zone.id);
    event.before = Some(summary(&before));
    audit::insert(&mut tx, &event).await?;
    let version = republish(&mut tx, pii, &actor, &org).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((zone, version))
}

/// Uploads a FeatureCollection into an authority: features with an id replace that zone,
/// the others are created. All or nothing.
pub async fn import(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    authority_id: i64,
    collection: &Value,
) -> ActionResult<ImportOutcome> {
    let org = authority(db, authority_id).await?;
    let actor = require_writer(caller, &org)?;
    import_as(db, pii, &actor, &org, collection).await
}

fn collection_error(zh: &str, en: &str) -> ActionError {
    ActionError::invalid_msg("features", "zone.collection", zh, en)
}

/// [`import`] without the authorisation check, for trusted callers (the demo seed, the CLI).
pub async fn import_as(
    db: &Db,
    pii: &PiiKeys,
    actor: &Actor,
    authority: &Org,
    collection: &Value,
) -> ActionResult<ImportOutcome> {
    let features = match collection.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => collection.get("features").and_then(Value::as_array),
        _ => None,
    }
    .ok_or_else(|| {
        collection_error(
            "须上传 GeoJSON FeatureCollection（含 features 数组）。",
            "Upload a GeoJSON FeatureCollection (with a features array).",
        )
    })?;
    if features.is_empty() || features.len() > MAX_FEATURES {
        return Err(collection_error(
            &format!("要素数量须为 1 至 {MAX_FEATURES} 个。"),
            &format!("The collection must hold 1 to {MAX_FEATURES} features."),
        ));
    }
    let mut errors = Vec::new();
    let mut parsed = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        match ZoneFeature::parse(f) {
            Ok(p) => parsed.push((i, p)),
            Err(e) => errors.push(FeatureError::new(i, &e)),
        }
    }
    let mut tx = db.begin().await?;
    // Replacements are checked inside the transaction, so what is checked is what is written.
    let mut seen = std::collections::HashSet::new();
    for (i, p) in &parsed {
        let Some(id) = p.id else { continue };
        if !seen.insert(id) {
            errors.push(FeatureError::msg(
                *i,
                "zone.duplicate_id",
                format!("编号 {id} 在上传中出现了不止一次。"),
                format!("Id {id} appears more than once in the upload."),
            ));
            continue;
        }
        match zones::get(&mut *tx, id).await {
            Ok(z) if z.authority_id == authority.id && z.retired_at.is_none() => {
                if z.kind != p.geometry.kind() {
                    errors.push(FeatureError::new(*i, &kind_change()));
                }
            }
            Ok(_) | Err(StoreError::NotFound) => errors.push(FeatureError::msg(
                *i,
                "zone.unknown_id",
                format!("本机关没有编号为 {id} 的有效区域；新建区域请不要填写编号。"),
                format!("This authority has no live zone {id}; leave the id out to create one."),
            )),
            Err(e) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.index);
        errors.truncate(MAX_REPORTED_ERRORS);
        return Ok(ImportOutcome::Rejected(errors));
    }
    let (mut created, mut updated) = (Vec::new(), Vec::new());
    for (_, p) in &parsed {
        let (name_zh, name_en) = (p.name_zh.as_str(), p.name_en.as_deref());
        let (zone, action) = match p.id {
            Some(id) => {
                let z = zones::update(&mut tx, id, name_zh, name_en, &p.geometry).await?;
                updated.push(z.id);
                (z, "zone.updated")
            }
            None => {
                let z = zones::insert(&mut tx, authority.id, name_zh, name_en, &p.geometry).await?;
                created.push(z.id);
                (z, "zone.created")
            }
        };
        let mut event = actor.event(action, "zone", zone.id);
        let mut after = summary(&zone);
        after["import"] = json!(true);
        event.after = Some(after);
        audit::insert(&mut tx, &event).await?;
    }
    let bundle_version = republish(&mut tx, pii, actor, authority).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(ImportOutcome::Imported(Imported {
        created,
        updated,
        bundle_version,
    }))
}
