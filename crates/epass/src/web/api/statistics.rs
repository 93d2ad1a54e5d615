//! `/statistics`: the supervisors' dashboard figures, read from the rollups (see
//! `actions::statistics`), for supervisors and system administrators of a whole authority.

use axum::Json;
use axum::extract::{Query, State};

use crate::actions::Caller;
use crate::actions::statistics::{self, Statistics, StatisticsQuery};
use crate::app::AppState;
use crate::web::error::{ApiResult, Problem};

/// Applications by state, review times (median, 90th percentile), overdue items, issued and
/// active passes, checks and outcomes, rejections by reason: series by day, pass type,
/// organisation or checkpoint over at most 366 days. As fresh as the last roll-up (every
/// minute; `rolled_up_at`).
#[utoipa::path(get, path = "/api/v1/statistics", tag = "audit", params(StatisticsQuery),
    responses((status = 200, body = Statistics), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatisticsQuery>,
) -> ApiResult<Json<Statistics>> {
    Ok(Json(statistics::query(&state.db, &caller, &q).await?))
}
