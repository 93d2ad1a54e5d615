//! `/alerts`: alerts with their evidence, for supervisors and system administrators of a whole
//! authority; acknowledging one records who did and why.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::{Page, PageQuery};
use crate::actions::Caller;
use crate::actions::alerts::{self, AlertView, ListInput};
use crate::app::AppState;
use crate::web::error::{ApiResult, Problem};

/// Alert filters; all optional.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    /// `impossible_travel`, `outside_zone`, `outside_time`, `checked_after_revocation`,
    /// `unlogged_pass`, `reviewer_volume`, `reviewer_speed`, `bulk_personal_data` or
    /// `failed_logins`.
    pub kind: Option<String>,
    /// `open` or `acknowledged`.
    pub status: Option<String>,
    /// What raised it happened at or after this time (milliseconds since the Unix epoch).
    pub from: Option<i64>,
    /// … and before this time.
    pub to: Option<i64>,
}

/// The caller's authorities' alerts, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "audit", params(PageQuery, AlertQuery),
    responses((status = 200, body = Page<AlertView>), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
    Query(q): Query<AlertQuery>,
) -> ApiResult<Json<Page<AlertView>>> {
    // Newest first: the cursor is the last id shown, and the next page lies below it.
    let (before_id, limit) = page.bounds()?;
    let rows = alerts::list(
        &state.db,
        &caller,
        ListInput {
            kind: q.kind,
            status: q.status,
            from: q.from,
            to: q.to,
            before_id,
            limit,
        },
    )
    .await?;
    Ok(Json(Page::from_rows(rows, limit, |a| a.alert.id)))
}

/// One alert with its evidence.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "audit",
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertView), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(alerts::get(&state.db, &caller, id).await?))
}

/// What the supervisor found or did.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AcknowledgeInput {
    pub note: String,
}

/// Acknowledges an open alert with a note (a person in a session, not an API token).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "audit",
    params(("id" = i64, Path, description = "Alert id")), request_body = AcknowledgeInput,
    responses((status = 200, body = AlertView), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<AcknowledgeInput>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(
        alerts::acknowledge(&state.db, &caller, id, &input.note).await?,
    ))
}
