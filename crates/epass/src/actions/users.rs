//! Users: creation by an administrator, role grants, real-name ID numbers and their guarded reads.

use super::auth::{check_password_strength, hash_password};
use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::ids::{IdNumber, Phone};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::store::users::User;
use crate::store::{Db, StoreError, audit, orgs, users};

/// A user as created by an administrator.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct UserInput {
    pub phone: String,
    pub name: String,
    pub org_id: i64,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Staff log in on the desktop console with this password.
    pub password: Option<String>,
}

/// Creates a user in an organisation the caller administers, with roles over that organisation.
pub async fn create(
    db: &Db,
    caller: Option<&Caller>,
    actor: &Actor,
    input: &UserInput,
) -> ActionResult<User> {
    let phone = Phone::parse(&input.phone).map_err(|e| ActionError::invalid("phone", &e))?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(ActionError::invalid_msg(
            "name",
            "user.name_length",
            "姓名须为 1 至 50 个字符。",
            "The name must be 1 to 50 characters.",
        ));
    }
    let org = orgs::get(db.pool(), input.org_id).await?;
    // The CLI and the demo seed act without a caller; everyone else must administer the org.
    if let Some(caller) = caller {
        caller.require_scope("users:write")?;
        caller.require_any(&[Role::SystemAdmin], &org.path)?;
    }
    let hash = match &input.password {
        Some(pw) => {
            check_password_strength(pw)?;
            Some(hash_password(pw).await?)
        }
        None => None,
    };
    let mut tx = db.begin().await?;
    let user = users::insert(&mut tx, phone.as_str(), name, Some(org.id), hash.as_deref())
        .await
        .map_err(|e| match e {
            StoreError::Conflict => ActionError::Conflict("user.phone_taken"),
            other => other.into(),
        })?;
    for role in &input.roles {
        users::add_grant(&mut tx, user.id, *role, org.id).await?;
    }
    let mut event = actor.event("user.created", "user", user.id);
    event.after = Some(serde_json::json!({
        "phone": phone.masked(), "name": name, "org_id": org.id, "roles": input.roles,
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(user)
}

/// Grants `role` over organisation `org_id` to a user.
pub async fn grant_role(
    db: &Db,
    caller: &Caller,
    user_id: i64,
    role: Role,
    org_id: i64,
) -> ActionResult<()> {
    caller.require_scope("users:write")?;
    let org = orgs::get(db.pool(), org_id).await?;
    let acting = caller.require_any(&[Role::SystemAdmin], &org.path)?;
    // A system admin may not hand out a grant wider than their own: the org check above.
    let target = users::get(db.pool(), user_id).await?;
    let actor = caller.actor(Some(acting));
    let mut tx = db.begin().await?;
    users::add_grant(&mut tx, target.id, role, org.id)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => ActionError::Conflict("user.role_exists"),
            other => other.into(),
        })?;
    let mut event = actor.event("user.role_granted", "user", target.id);
    event.after = Some(serde_json::json!({ "role": role, "org_id": org.id }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Users of the organisations the caller administers (system administrator), whose phone or
/// name contains `search` when given, by ascending id after `after`.
pub async fn list(
    db: &Db,
    caller: &Caller,
    search: Option<&str>,
    after: i64,
    limit: i64,
) -> ActionResult<Vec<User>> {
    caller.require_scope("users:read")?;
    let paths = caller.paths_for(&[Role::SystemAdmin]);
    if paths.is_empty() {
        return Err(ActionError::Forbidden);
    }
    Ok(users::search_in_subtrees(db.pool(), &paths, search, after, limit).await?)
}

/// A user of an organisation the caller administers, with their role grants.
pub async fn get_administered(
    db: &Db,
    caller: &Caller,
    user_id: i64,
) -> ActionResult<(User, Vec<crate::domain::roles::Grant>)> {
    caller.require_scope("users:read")?;
    let user = users::get(db.pool(), user_id).await?;
    let org_id = user.org_id.ok_or(ActionError::Forbidden)?;
    let org = orgs::get(db.pool(), org_id).await?;
    caller.require_any(&[Role::SystemAdmin], &org.path)?;
    let grants = users::grants(db.pool(), user.id).await?;
    Ok((user, grants))
}

/// Real-name registration of the caller's own ID number: stored sealed, with a keyed hash.
pub async fn register_id_number(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    raw: &str,
) -> ActionResult<User> {
    let id = IdNumber::parse(raw).map_err(|e| ActionError::invalid("id_number", &e))?;
    let sealed = pii
        .seal(&id)
        .map_err(|e| ActionError::Internal(format!("cannot seal ID number: {e}")))?;
    let hash = pii.lookup_hash(&id);
    let masked = id.masked();
    let actor = caller.actor(None);
    let mut tx = db.begin().await?;
    users::set_id_number(&mut tx, caller.user_id, &sealed, &hash, masked.as_str())
        .await
        .map_err(|e| match e {
            StoreError::Conflict => ActionError::Conflict("id_number.already_registered"),
            other => other.into(),
        })?;
    let mut event = actor.event("user.id_number_registered", "user", caller.user_id);
    event.after = Some(serde_json::json!({ "id_number": masked.as_str() }));
    audit::insert(&mut tx, &event).await?;
    let user = users::get(&mut *tx, caller.user_id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(user)
}

/// Roles that may read a full ID number of someone in their subtree.
pub const ID_NUMBER_READERS: [Role; 3] =
    [Role::AuthorityReviewer, Role::Supervisor, Role::SystemAdmin];

/// The full ID number of a user; every read is recorded in the same transaction.
pub async fn reveal_id_number(
    db: &Db,
    pii: &PiiKeys,
    caller: &Caller,
    user_id: i64,
) -> ActionResult<IdNumber> {
    caller.require_scope("pii:read")?;
    let target = users::get(db.pool(), user_id).await?;
    let role = if target.id == caller.user_id {
        None
    } else {
        let org_id = target.org_id.ok_or(ActionError::Forbidden)?;
        let org = orgs::get(db.pool(), org_id).await?;
        Some(caller.require_any(&ID_NUMBER_READERS, &org.path)?)
    };
    let actor = caller.actor(role);
    let mut tx = db.begin().await?;
    let sealed = users::sealed_id_number(&mut tx, target.id)
        .await?
        .ok_or(ActionError::NotFound)?;
    let id = pii
        .open(&sealed)
        .map_err(|e| ActionError::Internal(format!("cannot open sealed ID number: {e}")))?;
    audit::insert(
        &mut tx,
        &actor.event("pii.id_number_read", "user", target.id),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}
