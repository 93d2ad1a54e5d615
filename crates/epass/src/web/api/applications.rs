//! `/applications` and `/reviews`: apply, follow progress, review.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::{Page, PageQuery};
use crate::actions::Caller;
use crate::actions::applications::{self as app_actions, SubmitInput};
use crate::actions::resubmit::ResubmitInput;
use crate::actions::review::{self, Decided, DecisionRequest, QueueItem};
use crate::app::AppState;
use crate::store::applications::{self, Application, Decision};
use crate::store::rounds::{self, Round};
use crate::web::error::{ApiResult, Problem};

/// Submits an application (the direct flow).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = SubmitInput,
    responses((status = 201, body = Application), (status = 422, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<SubmitInput>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let app = app_actions::submit(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &caller,
        &body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(app)))
}

/// The caller's own applications.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(PageQuery),
    responses((status = 200, body = Page<Application>)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Application>>> {
    let (after, limit) = page.bounds()?;
    let rows = applications::for_applicant(state.db.pool(), caller.user_id, after, limit).await?;
    Ok(Json(Page::from_rows(rows, limit, |a| a.id)))
}

/// An application with its decisions so far (its progress).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub application: Application,
    /// Every decision, of every round.
    pub decisions: Vec<Decision>,
    /// The earlier rounds' forms, when it was returned and resubmitted (oldest first).
    pub rounds: Vec<Round>,
}

/// One application: its applicant, its reviewers and supervisors may read it.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ApplicationView>> {
    let application = app_actions::get(&state.db, &caller, id).await?;
    let decisions = applications::decisions(state.db.pool(), id).await?;
    let rounds = rounds::list(state.db.pool(), id).await?;
    Ok(Json(ApplicationView {
        application,
        decisions,
        rounds,
    }))
}

/// Corrects and resubmits a returned application (its applicant only): checked again, a new
/// round at level 1 with a new promised date; earlier rounds stay in its history.
#[utoipa::path(post, path = "/api/v1/applications/{id}/resubmit", tag = "applications",
    request_body = ResubmitInput, params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = Application), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn resubmit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ResubmitInput>,
) -> ApiResult<Json<Application>> {
    let app = crate::actions::resubmit::resubmit(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &caller,
        id,
        &body,
    )
    .await?;
    Ok(Json(app))
}

/// Decides the current review level: approve, reject (reason code and text) or return. A final
/// approval may name documents still owed and a deadline (容缺受理).
#[utoipa::path(post, path = "/api/v1/applications/{id}/decisions", tag = "reviews",
    request_body = DecisionRequest, params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = Decided), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<DecisionRequest>,
) -> ApiResult<Json<Decided>> {
    let link_base = state.config.public_url();
    let decided = review::decide_owing(
        &state.db,
        &state.pii,
        &link_base,
        &caller,
        id,
        &body.decision,
        &body.owed,
        state.config.documents.owed_max_days,
    )
    .await?;
    Ok(Json(decided))
}

/// The caller's review queue: priority first, then deadline; overdue items marked. The queue is
/// ordered by urgency, not by id, so its cursor counts positions.
#[utoipa::path(get, path = "/api/v1/reviews/queue", tag = "reviews", params(PageQuery),
    responses((status = 200, body = Page<QueueItem>)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<QueueItem>>> {
    let (skip, limit) = page.bounds()?;
    let items = review::queue(&state.db, &caller, 500).await?;
    let rows: Vec<(i64, QueueItem)> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| (i as i64 + 1, item))
        .skip(usize::try_from(skip).unwrap_or(0))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let page = Page::from_rows(rows, limit, |(position, _)| *position);
    Ok(Json(Page {
        items: page.items.into_iter().map(|(_, item)| item).collect(),
        next_cursor: page.next_cursor,
    }))
}
