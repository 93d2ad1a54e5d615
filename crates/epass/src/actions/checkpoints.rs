//! Checkpoints (卡口) are data: a name, a position and an owning organisation, optionally the
//! zones and road sections they guard. A system admin over the owning organisation creates and
//! retires them; staff in scope (and checkpoint officers) read them.

use serde::Deserialize;
use serde_json::json;

use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::roles::Role;
use crate::store::checkpoints::{self, Checkpoint, NewCheckpoint};
use crate::store::orgs::Org;
use crate::store::{Db, StoreError, audit, orgs, zones};

/// Roles that read the checkpoints of their subtree.
pub const READERS: [Role; 6] = [
    Role::OrgAdmin,
    Role::Reviewer,
    Role::AuthorityReviewer,
    Role::CheckpointOfficer,
    Role::Supervisor,
    Role::SystemAdmin,
];
/// Most zones one checkpoint may guard.
const MAX_GUARDS: usize = 50;

/// A checkpoint as submitted.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckpointInput {
    pub org_id: i64,
    pub name: String,
    /// Degrees east, −180 to 180 (WGS 84).
    pub longitude: f64,
    /// Degrees north, −90 to 90 (WGS 84).
    pub latitude: f64,
    /// Ids of live zones or road sections of the organisation's authority.
    #[serde(default)]
    pub guards: Vec<i64>,
}

/// The authority (root organisation) of an organisation, from its materialised path `/1/4/`.
fn root_id(org: &Org) -> i64 {
    org.path
        .trim_matches('/')
        .split('/')
        .next()
        .and_then(|s| s.parse().ok())
        // A path always starts with the root's id; an organisation without one is its own root.
        .unwrap_or(org.id)
}

fn summary(c: &Checkpoint) -> serde_json::Value {
    json!({
        "org_id": c.org_id,
        "name": c.name,
        "longitude": c.longitude,
        "latitude": c.latitude,
        "guards": c.guards,
    })
}

/// Creates a checkpoint in an organisation the caller administers.
pub async fn create(db: &Db, caller: &Caller, input: &CheckpointInput) -> ActionResult<Checkpoint> {
    caller.require_scope("orgs:write")?;
    let org = orgs::get(db.pool(), input.org_id).await?;
    let role = caller.require_any(&[Role::SystemAdmin], &org.path)?;
    create_as(db, &caller.actor(Some(role)), &org, input).await
}

/// [`create`] without the authorisation check, for trusted callers (the demo seed, the CLI).
pub async fn create_as(
    db: &Db,
    actor: &Actor,
    org: &Org,
    input: &CheckpointInput,
) -> ActionResult<Checkpoint> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ActionError::invalid_msg(
            "name",
            "checkpoint.name_length",
            "卡口名称须为 1 至 100 个字符。",
            "The checkpoint name must be 1 to 100 characters.",
        ));
    }
    if !(-180.0..=180.0).contains(&input.longitude) {
        return Err(ActionError::invalid_msg(
            "longitude",
            "checkpoint.longitude_range",
            "经度须在 −180 至 180 之间。",
            "The longitude must be between −180 and 180.",
        ));
    }
    if !(-90.0..=90.0).contains(&input.latitude) {
        return Err(ActionError::invalid_msg(
            "latitude",
            "checkpoint.latitude_range",
            "纬度须在 −90 至 90 之间（是否把经纬度写反了？）。",
            "The latitude must be between −90 and 90 (longitude and latitude swapped?).",
        ));
    }
    let mut guards = input.guards.clone();
    guards.sort_unstable();
    guards.dedup();
    if guards.len() > MAX_GUARDS {
        return Err(ActionError::invalid_msg(
            "guards",
            "checkpoint.too_many_guards",
            &format!("一个卡口最多关联 {MAX_GUARDS} 个区域或路段。"),
            &format!("A checkpoint guards at most {MAX_GUARDS} zones or road sections."),
        ));
    }
    let authority = root_id(org);
    let mut tx = db.begin().await?;
    for &id in &guards {
        let ok = match zones::get(&mut *tx, id).await {
            Ok(z) => z.authority_id == authority && z.retired_at.is_none(),
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !ok {
            return Err(ActionError::invalid_msg(
                "guards",
                "checkpoint.unknown_zone",
                &format!("本机关没有编号为 {id} 的有效区域或路段。"),
                &format!("This authority has no live zone or road section {id}."),
            ));
        }
    }
    let checkpoint = checkpoints::insert(
        &mut tx,
        &NewCheckpoint {
            org_id: org.id,
            name,
            longitude: input.longitude,
            latitude: input.latitude,
            guards: &guards,
        },
    )
    .await?;
    let mut event = actor.event("checkpoint.created", "checkpoint", checkpoint.id);
    event.after = Some(summary(&checkpoint));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(checkpoint)
}

/// Retires a checkpoint of an organisation the caller administers.
pub async fn retire(db: &Db, caller: &Caller, id: i64) -> ActionResult<Checkpoint> {
    caller.require_scope("orgs:write")?;
    let before = checkpoints::get(db.pool(), id).await?;
    let org = orgs::get(db.pool(), before.org_id).await?;
    let role = caller.require_any(&[Role::SystemAdmin], &org.path)?;
    let mut tx = db.begin().await?;
    let checkpoint = checkpoints::retire(&mut tx, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ActionError::Conflict("checkpoint.already_retired"),
            other => other.into(),
        })?;
    let actor = caller.actor(Some(role));
    let mut event = actor.event("checkpoint.retired", "checkpoint", id);
    event.before = Some(summary(&before));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(checkpoint)
}

/// Live checkpoints in the caller's subtrees, a page at a time.
pub async fn list(
    db: &Db,
    caller: &Caller,
    after_id: i64,
    limit: i64,
) -> ActionResult<Vec<Checkpoint>> {
    caller.require_scope("orgs:read")?;
    let paths = caller.paths_for(&READERS);
    if paths.is_empty() {
        return Err(ActionError::Forbidden);
    }
    Ok(checkpoints::list_in_subtrees(db.pool(), &paths, after_id, limit).await?)
}
