//! `/passes`: a pass, its QR code, and its status changes; `/checks`: online verification.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::actions::checks::{self, CheckInput, CheckResult};
use crate::actions::passes::{self as pass_actions, StatusInput};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::store::passes::Pass;
use crate::web::error::{ApiResult, Problem};

/// A pass, for its holder and those who manage it.
#[utoipa::path(get, path = "/api/v1/passes/{id}", tag = "passes",
    params(("id" = i64, Path, description = "Pass id")),
    responses((status = 200, body = Pass), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Pass>> {
    Ok(Json(pass_actions::get(&state.db, &caller, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QrQuery {
    /// `svg` (default) or `png`.
    pub format: Option<String>,
}

/// The pass's QR code, to show on screen, save or print.
#[utoipa::path(get, path = "/api/v1/passes/{id}/qr", tag = "passes",
    params(("id" = i64, Path, description = "Pass id"), QrQuery),
    responses((status = 200, description = "SVG or PNG image"), (status = 403, body = Problem)))]
pub async fn qr(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<QrQuery>,
) -> ApiResult<Response> {
    let pass = pass_actions::get(&state.db, &caller, id).await?;
    let internal =
        |e: String| ActionError::Internal(format!("QR of pass {}: {e}", pass.pass_number));
    Ok(match q.format.as_deref().unwrap_or("svg") {
        "png" => {
            let png = epass_credential::qr::render_png(&pass.credential, 8)
                .map_err(|e| internal(e.to_string()))?;
            ([(header::CONTENT_TYPE, "image/png")], png).into_response()
        }
        "svg" => {
            let svg = epass_credential::qr::render_svg(&pass.credential)
                .map_err(|e| internal(e.to_string()))?;
            ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
        }
        _ => {
            return Err(ActionError::invalid_msg(
                "format",
                "qr.format",
                "格式须为 svg 或 png。",
                "The format must be svg or png.",
            )
            .into());
        }
    })
}

/// Suspends, resumes or revokes a pass, with a reason; effective online at once.
#[utoipa::path(post, path = "/api/v1/passes/{id}/status", tag = "passes", request_body = StatusInput,
    params(("id" = i64, Path, description = "Pass id")),
    responses((status = 200, body = Pass), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<StatusInput>,
) -> ApiResult<Json<Pass>> {
    Ok(Json(
        pass_actions::change_status(&state.db, &state.pii, &caller, id, &body).await?,
    ))
}

/// Verifies a scanned QR text or a typed pass number at a checkpoint and records the check.
#[utoipa::path(post, path = "/api/v1/checks", tag = "checks", request_body = CheckInput,
    responses((status = 200, body = CheckResult), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CheckInput>,
) -> ApiResult<Json<CheckResult>> {
    Ok(Json(
        checks::check(&state.db, &state.verifier, &state.check_log, &caller, &body).await?,
    ))
}

/// Checks made offline, uploaded when the device reconnects; each needs its `client_ref` and
/// `checked_at`, and an upload repeated records nothing twice.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckBatch {
    pub checks: Vec<CheckInput>,
}

#[utoipa::path(post, path = "/api/v1/checks/batch", tag = "checks", request_body = CheckBatch,
    responses((status = 200, body = Vec<CheckResult>), (status = 422, body = Problem)))]
pub async fn check_batch(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CheckBatch>,
) -> ApiResult<Json<Vec<CheckResult>>> {
    if body.checks.len() > 1000 {
        return Err(ActionError::invalid_msg(
            "checks",
            "check.batch_too_large",
            "每批最多 1000 条检查记录。",
            "At most 1000 checks per upload.",
        )
        .into());
    }
    if body
        .checks
        .iter()
        .any(|c| c.client_ref.is_none() || c.checked_at.is_none())
    {
        return Err(ActionError::invalid_msg(
            "checks",
            "check.batch_needs_ref",
            "离线检查记录须带设备编号（client_ref）和检查时间（checked_at）。",
            "Offline checks need their client_ref and checked_at.",
        )
        .into());
    }
    let results = checks::check_many(
        &state.db,
        &state.verifier,
        &state.check_log,
        &caller,
        &body.checks,
    )
    .await?;
    Ok(Json(results))
}

/// Extends a pass; it is re-signed, so the holder gets a new QR code.
#[utoipa::path(post, path = "/api/v1/passes/{id}/extend", tag = "passes",
    request_body = pass_actions::ExtendInput, params(("id" = i64, Path, description = "Pass id")),
    responses((status = 200, body = Pass), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn extend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<pass_actions::ExtendInput>,
) -> ApiResult<Json<Pass>> {
    Ok(Json(
        pass_actions::extend(&state.db, &state.pii, &caller, id, &body).await?,
    ))
}

/// Extends every live pass of a type ending before a date (延期办).
#[utoipa::path(post, path = "/api/v1/passes/extend", tag = "passes",
    request_body = pass_actions::BulkExtendInput,
    responses((status = 200, body = pass_actions::BulkResult), (status = 403, body = Problem)))]
pub async fn bulk_extend(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<pass_actions::BulkExtendInput>,
) -> ApiResult<Json<pass_actions::BulkResult>> {
    Ok(Json(
        pass_actions::bulk_extend(&state.db, &state.pii, &caller, &body).await?,
    ))
}
