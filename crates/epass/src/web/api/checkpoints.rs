//! `/checkpoints`: the checkpoints (卡口) of the caller's organisations.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::{Page, PageQuery};
use crate::actions::Caller;
use crate::actions::checkpoints::{self as actions, CheckpointInput};
use crate::app::AppState;
use crate::store::checkpoints::Checkpoint;
use crate::web::error::{ApiResult, Problem};

/// Live checkpoints of the organisations in the caller's subtrees.
#[utoipa::path(get, path = "/api/v1/checkpoints", tag = "checkpoints", params(PageQuery),
    responses((status = 200, body = Page<Checkpoint>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Checkpoint>>> {
    let (after, limit) = page.bounds()?;
    let rows = actions::list(&state.db, &caller, after, limit).await?;
    Ok(Json(Page::from_rows(rows, limit, |c| c.id)))
}

/// Creates a checkpoint in an organisation the caller administers.
#[utoipa::path(post, path = "/api/v1/checkpoints", tag = "checkpoints", request_body = CheckpointInput,
    responses((status = 201, body = Checkpoint), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CheckpointInput>,
) -> ApiResult<(StatusCode, Json<Checkpoint>)> {
    let checkpoint = actions::create(&state.db, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(checkpoint)))
}

/// Retires a checkpoint.
#[utoipa::path(delete, path = "/api/v1/checkpoints/{id}", tag = "checkpoints",
    params(("id" = i64, Path, description = "Checkpoint id")),
    responses((status = 200, body = Checkpoint), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn retire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Checkpoint>> {
    Ok(Json(actions::retire(&state.db, &caller, id).await?))
}
