//! API tokens for machines: the secret is shown once, only its hash is kept.

use super::secrets::{random_token, sha256};
use super::{ActionError, ActionResult, Caller};
use crate::domain::roles::Role;
use crate::store::tokens::ApiToken;
use crate::store::{Db, StoreError, audit, orgs, tokens, users};

/// Every scope a token can carry; a token acts as its owner within these.
pub const SCOPES: [&str; 10] = [
    "orgs:read",
    "orgs:write",
    "users:read",
    "users:write",
    "audit:read",
    "pii:read",
    "checks:write",
    "applications:write",
    "reviews:write",
    "passes:write",
];

/// Creates a token for the caller; returns it with its secret (shown once).
pub async fn create(
    db: &Db,
    caller: &Caller,
    name: &str,
    scopes: &[String],
) -> ActionResult<(ApiToken, String)> {
    // A token cannot mint tokens: only a person in a session can.
    if caller.token_scopes.is_some() {
        return Err(ActionError::Forbidden);
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ActionError::invalid_msg(
            "scopes",
            "token.unknown_scope",
            &format!("未知的权限范围：{bad}"),
            &format!("Unknown scope: {bad}"),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ActionError::invalid_msg(
            "name",
            "token.name_length",
            "令牌名称须为 1 至 100 个字符。",
            "The token name must be 1 to 100 characters.",
        ));
    }
    let secret = format!("ept_{}", random_token());
    let actor = caller.actor(None);
    let mut tx = db.begin().await?;
    let token = tokens::insert(
        &mut tx,
        caller.user_id,
        name,
        &sha256(secret.as_bytes()),
        scopes,
    )
    .await?;
    let mut event = actor.event("token.created", "api_token", token.id);
    event.after = Some(serde_json::json!({ "name": name, "scopes": scopes }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((token, secret))
}

/// Revokes a token: its owner, or a system admin over the owner's organisation.
pub async fn revoke(db: &Db, caller: &Caller, id: i64) -> ActionResult<()> {
    let token = tokens::get(db.pool(), id).await?;
    let role = if token.user_id == caller.user_id {
        None
    } else {
        let owner = users::get(db.pool(), token.user_id).await?;
        let org = orgs::get(db.pool(), owner.org_id.ok_or(ActionError::Forbidden)?).await?;
        Some(caller.require_any(&[Role::SystemAdmin], &org.path)?)
    };
    let actor = caller.actor(role);
    let mut tx = db.begin().await?;
    if !tokens::revoke(&mut tx, id).await? {
        return Err(ActionError::Conflict("token.already_revoked"));
    }
    audit::insert(&mut tx, &actor.event("token.revoked", "api_token", id)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}
