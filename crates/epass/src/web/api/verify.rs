//! `/verify`: is this credential valid now, and why not — without recording a check and without
//! showing the holder's data (what a relying party sees without the holder's consent).

use axum::Json;
use axum::extract::State;

use crate::actions::Caller;
use crate::actions::checks::{self, VerifyInput, VerifyResult};
use crate::app::AppState;
use crate::web::error::{ApiResult, Problem};

/// Verifies a scanned credential with its live status; nothing is recorded.
#[utoipa::path(post, path = "/api/v1/verify", tag = "checks", request_body = VerifyInput,
    responses((status = 200, body = VerifyResult), (status = 401, body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    _caller: Caller,
    Json(body): Json<VerifyInput>,
) -> ApiResult<Json<VerifyResult>> {
    Ok(Json(
        checks::verify(&state.db, &state.verifier, &body).await?,
    ))
}
