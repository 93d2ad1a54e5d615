//! `/reviews/bulk`: one decision over many applications.

use axum::Json;
use axum::extract::State;

use crate::actions::Caller;
use crate::actions::bulk_review::{self, BulkDecided, BulkDecisionInput};
use crate::app::AppState;
use crate::web::error::{ApiResult, Problem};

/// Decides many applications at once; those the caller may not decide now are listed with why.
#[utoipa::path(post, path = "/api/v1/reviews/bulk", tag = "applications",
    request_body = BulkDecisionInput,
    responses((status = 200, body = BulkDecided), (status = 422, body = Problem)))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<BulkDecisionInput>,
) -> ApiResult<Json<BulkDecided>> {
    let link_base = state.config.public_url();
    Ok(Json(
        bulk_review::decide_many(&state.db, &state.pii, &link_base, &caller, &body).await?,
    ))
}
