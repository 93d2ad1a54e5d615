//! `/orgs`: the organisation tree within the caller's scope.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::{Page, PageQuery};
use crate::actions::orgs::{self as org_actions, OrgInput};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::store::orgs::{self as store_orgs, Org};
use crate::web::error::{ApiResult, Problem};

/// Staff roles that may read the organisations of their subtree.
const READERS: [Role; 5] = [
    Role::OrgAdmin,
    Role::Reviewer,
    Role::AuthorityReviewer,
    Role::Supervisor,
    Role::SystemAdmin,
];

/// Organisations in the caller's subtrees.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(PageQuery),
    responses((status = 200, body = Page<Org>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Org>>> {
    caller.require_scope("orgs:read")?;
    let paths = caller.paths_for(&READERS);
    if paths.is_empty() {
        return Err(ActionError::Forbidden.into());
    }
    let (after, limit) = page.bounds()?;
    let rows = store_orgs::list_in_subtrees(state.db.pool(), &paths, after, limit).await?;
    Ok(Json(Page::from_rows(rows, limit, |o| o.id)))
}

/// Creates an organisation under a parent the caller administers.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgInput,
    responses((status = 201, body = Org), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<OrgInput>,
) -> ApiResult<(StatusCode, Json<Org>)> {
    let org = org_actions::create(&state.db, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// One organisation in the caller's scope.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs",
    params(("id" = i64, Path, description = "Organisation id")),
    responses((status = 200, body = Org), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Org>> {
    Ok(Json(org_actions::get(&state.db, &caller, id).await?))
}
