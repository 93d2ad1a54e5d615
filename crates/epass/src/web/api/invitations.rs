//! `/pass-requests` and `/invitations`: the invitation flow (SPEC §3.2) — file a request with
//! places, the authority decides, the code and its QR go to drivers, who look it up and apply.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery};
use crate::actions::invitations::{
    self as inv, Invitation, JoinInput, RequestDecision, RequestInput, display_code, join_link,
};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::store::applications::Application;
use crate::store::invitations::PassRequest;
use crate::web::error::{ApiResult, Problem};

/// A request with its code as printed and its join link, once approved.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PassRequestView {
    #[serde(flatten)]
    pub request: PassRequest,
    /// The code as printed, e.g. `ABCD-EFGH`.
    pub printed_code: Option<String>,
    pub join_link: Option<String>,
    /// `open`, `closed`, `expired` or `used_up`.
    pub state: &'static str,
}

fn view(state: &AppState, request: PassRequest) -> PassRequestView {
    let link_base = state.config.public_url();
    PassRequestView {
        printed_code: request.code.as_deref().map(display_code),
        join_link: request.code.as_deref().map(|c| join_link(&link_base, c)),
        state: inv::state(&request, crate::store::now_ms()),
        request,
    }
}

/// Files a pass request (通行申报单) for an organisation: pass type, places, period, purpose and
/// the values every application gets.
#[utoipa::path(post, path = "/api/v1/pass-requests", tag = "invitations", request_body = RequestInput,
    responses((status = 201, body = PassRequestView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<RequestInput>,
) -> ApiResult<(StatusCode, Json<PassRequestView>)> {
    let req = inv::file(&state.db, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(view(&state, req))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only requests in this status: `pending`, `approved`, `rejected` or `closed`.
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Pass requests of the organisations under the caller's staff grants; the authority's
/// reviewers find theirs to decide with `status=pending`.
#[utoipa::path(get, path = "/api/v1/pass-requests", tag = "invitations", params(ListQuery),
    responses((status = 200, body = Page<PassRequestView>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<PassRequestView>>> {
    let (after, limit) = PageQuery {
        cursor: q.cursor,
        limit: q.limit,
    }
    .bounds()?;
    let rows = inv::list(&state.db, &caller, q.status.as_deref(), after, limit).await?;
    let page = Page::from_rows(rows, limit, |r| r.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(|r| view(&state, r)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One pass request.
#[utoipa::path(get, path = "/api/v1/pass-requests/{id}", tag = "invitations",
    params(("id" = i64, Path, description = "Pass request id")),
    responses((status = 200, body = PassRequestView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PassRequestView>> {
    let req = inv::get(&state.db, &caller, id).await?;
    Ok(Json(view(&state, req)))
}

/// The authority approves (an invitation code is made and sent to the admin) or rejects.
#[utoipa::path(post, path = "/api/v1/pass-requests/{id}/decision", tag = "invitations",
    request_body = RequestDecision, params(("id" = i64, Path, description = "Pass request id")),
    responses((status = 200, body = PassRequestView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<RequestDecision>,
) -> ApiResult<Json<PassRequestView>> {
    let link_base = state.config.public_url();
    let req = inv::decide(&state.db, &caller, &link_base, id, &body).await?;
    Ok(Json(view(&state, req)))
}

/// Closes a request: its code takes no more applications.
#[utoipa::path(post, path = "/api/v1/pass-requests/{id}/close", tag = "invitations",
    params(("id" = i64, Path, description = "Pass request id")),
    responses((status = 200, body = PassRequestView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PassRequestView>> {
    let req = inv::close(&state.db, &caller, id).await?;
    Ok(Json(view(&state, req)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QrQuery {
    /// `svg` (default) or `png`.
    pub format: Option<String>,
}

/// The invitation's QR code (提货单码): the join link, to print or send to drivers.
#[utoipa::path(get, path = "/api/v1/pass-requests/{id}/qr", tag = "invitations",
    params(("id" = i64, Path, description = "Pass request id"), QrQuery),
    responses((status = 200, description = "SVG or PNG image"), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn qr(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<QrQuery>,
) -> ApiResult<Response> {
    let req = inv::get(&state.db, &caller, id).await?;
    let code = req
        .code
        .as_deref()
        .ok_or(ActionError::Conflict("pass_request.no_code"))?;
    let link = join_link(&state.config.public_url(), code);
    let internal = |e: String| ActionError::Internal(format!("QR of pass request {id}: {e}"));
    Ok(match q.format.as_deref().unwrap_or("svg") {
        "png" => {
            let png =
                epass_credential::qr::render_png(&link, 8).map_err(|e| internal(e.to_string()))?;
            ([(header::CONTENT_TYPE, "image/png")], png).into_response()
        }
        "svg" => {
            let svg =
                epass_credential::qr::render_svg(&link).map_err(|e| internal(e.to_string()))?;
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

/// Counts a code lookup or use per user: codes are short, so guessing must be slow.
pub(crate) fn throttle(state: &AppState, caller: &Caller) -> Result<(), ActionError> {
    state
        .limiter
        .check(
            "invitation",
            &caller.user_id.to_string(),
            30,
            Duration::from_secs(60),
        )
        .map_err(|secs| ActionError::Throttled {
            retry_after_secs: i64::try_from(secs).unwrap_or(60),
        })
}

/// What an invitation code offers: pass type, organisation, places left, period, and whether
/// it still takes applications.
#[utoipa::path(get, path = "/api/v1/invitations/{code}", tag = "invitations",
    params(("code" = String, Path, description = "Invitation code, e.g. ABCD-EFGH")),
    responses((status = 200, body = Invitation), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn lookup(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<Invitation>> {
    throttle(&state, &caller)?;
    let link_base = state.config.public_url();
    Ok(Json(inv::lookup(&state.db, &link_base, &code).await?))
}

/// A driver applies with an invitation code; the application takes one of its places.
#[utoipa::path(post, path = "/api/v1/invitations/{code}/applications", tag = "invitations",
    request_body = JoinInput, params(("code" = String, Path, description = "Invitation code")),
    responses((status = 201, body = Application), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(body): Json<JoinInput>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    throttle(&state, &caller)?;
    let app = inv::apply(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &caller,
        &code,
        &body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(app)))
}
