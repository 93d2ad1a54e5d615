//! `/me` and `/users`: the caller's account, user administration, guarded ID-number reads.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery};
use crate::actions::users::{self as user_actions, UserInput};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::store::users::{self as store_users, User};
use crate::web::error::{ApiResult, Problem};

/// One role grant as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    pub role: Role,
    pub org_id: i64,
}

/// The caller's account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: User,
    pub roles: Vec<GrantView>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IdNumberInput {
    /// 18-character resident identity number (GB 11643).
    pub id_number: String,
}

/// A full ID number, returned only to roles that need it; the read is recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IdNumberView {
    pub id_number: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct GrantInput {
    pub role: Role,
    pub org_id: i64,
}

/// The logged-in account and its roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let user = store_users::get(state.db.pool(), caller.user_id).await?;
    let roles = caller
        .grants
        .iter()
        .map(|g| GrantView {
            role: g.role,
            org_id: g.org_id,
        })
        .collect();
    Ok(Json(Me { user, roles }))
}

/// Real-name registration: records the caller's ID number (stored encrypted, shown masked).
#[utoipa::path(put, path = "/api/v1/me/id-number", tag = "users", request_body = IdNumberInput,
    responses((status = 200, body = User), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn register_id_number(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<IdNumberInput>,
) -> ApiResult<Json<User>> {
    let user =
        user_actions::register_id_number(&state.db, &state.pii, &caller, &body.id_number).await?;
    Ok(Json(user))
}

/// Users in the organisations the caller administers or supervises.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = Page<User>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<User>>> {
    caller.require_scope("users:read")?;
    let paths = caller.paths_for(&[Role::SystemAdmin, Role::Supervisor]);
    if paths.is_empty() {
        return Err(ActionError::Forbidden.into());
    }
    let (after, limit) = page.bounds()?;
    let rows = store_users::list_in_subtrees(state.db.pool(), &paths, after, limit).await?;
    Ok(Json(Page::from_rows(rows, limit, |u| u.id)))
}

/// Creates a user in an organisation the caller administers.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserInput,
    responses((status = 201, body = User), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<UserInput>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let actor = caller.actor(Some(Role::SystemAdmin));
    let user = user_actions::create(&state.db, Some(&caller), &actor, &body).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Grants a role over an organisation to a user.
#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", request_body = GrantInput,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "Granted"), (status = 403, body = Problem)))]
pub async fn grant_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<GrantInput>,
) -> ApiResult<StatusCode> {
    user_actions::grant_role(&state.db, &caller, id, body.role, body.org_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The full ID number of a user, for roles that need it; every read is audited.
#[utoipa::path(get, path = "/api/v1/users/{id}/id-number", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = IdNumberView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reveal_id_number(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<IdNumberView>> {
    let id = user_actions::reveal_id_number(&state.db, &state.pii, &caller, id).await?;
    Ok(Json(IdNumberView {
        id_number: id.expose().to_owned(),
    }))
}
