//! `/pass-types` and `/holidays`: the kinds of pass an authority offers and its working-day
//! calendar. Reads are open to every logged-in user (applicants read the instructions and the
//! promised time before applying); writes need a system admin over the whole authority.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use epass_credential::Kind;
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery};
use crate::actions::pass_types::{self as actions, HolidayInput, PassTypeInput, PassTypeUpdate};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::domain::pass_type::FieldError;
use crate::store::holidays::Holiday;
use crate::store::now_ms;
use crate::store::pass_types::{self as store, PassType};
use crate::web::error::{ApiResult, Problem};

/// Filters of the pass-type list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PassTypeQuery {
    /// Only this authority's types.
    pub authority: Option<i64>,
    /// Only this kind: `personnel_vehicle`, `freight`, `truck_entry` or `driving_licence`.
    pub kind: Option<String>,
}

/// Which authority's holidays, and optionally which year.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HolidayQuery {
    pub authority: i64,
    pub year: Option<i32>,
}

/// Which authority's table a deletion is for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuthorityQuery {
    pub authority: i64,
}

/// Values of a form to check against a pass type, by field key.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FormInput {
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
}

/// The result of a form check: every bad field at once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FormCheck {
    pub valid: bool,
    pub errors: Vec<FieldError>,
}

/// Pass types open for applications now.
#[utoipa::path(get, path = "/api/v1/pass-types", tag = "pass_types", params(PassTypeQuery, PageQuery),
    responses((status = 200, body = Page<PassType>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(filter): Query<PassTypeQuery>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<PassType>>> {
    let kind = match filter.kind.as_deref() {
        None => None,
        Some(k) => Some(Kind::from_name(k).ok_or_else(|| {
            ActionError::invalid_msg(
                "kind",
                "pass_type.unknown_kind",
                "未知的通行证种类。",
                "Unknown kind of pass.",
            )
        })?),
    };
    let (after_id, limit) = page.bounds()?;
    let rows = store::list_active(
        state.db.pool(),
        &store::Filter {
            authority_id: filter.authority,
            kind,
            after_id,
            limit,
            at_ms: now_ms(),
        },
    )
    .await?;
    Ok(Json(Page::from_rows(rows, limit, |p| p.id)))
}

/// One pass type: an active one for anyone, a retired one for its authority's system admin.
#[utoipa::path(get, path = "/api/v1/pass-types/{id}", tag = "pass_types",
    params(("id" = i64, Path, description = "Pass type id")),
    responses((status = 200, body = PassType), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PassType>> {
    Ok(Json(actions::get(&state.db, &caller, id).await?))
}

/// Creates a pass type for an authority; the definition is checked in full.
#[utoipa::path(post, path = "/api/v1/pass-types", tag = "pass_types", request_body = PassTypeInput,
    responses((status = 201, body = PassType), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PassTypeInput>,
) -> ApiResult<(StatusCode, Json<PassType>)> {
    let pt = actions::create(&state.db, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(pt)))
}

/// Edits a pass type; `version` must be the current one (409 otherwise), and goes up by one.
#[utoipa::path(put, path = "/api/v1/pass-types/{id}", tag = "pass_types", request_body = PassTypeUpdate,
    params(("id" = i64, Path, description = "Pass type id")),
    responses((status = 200, body = PassType), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<PassTypeUpdate>,
) -> ApiResult<Json<PassType>> {
    Ok(Json(actions::update(&state.db, &caller, id, &body).await?))
}

/// Retires a pass type: no new applications; issued passes are not touched.
#[utoipa::path(delete, path = "/api/v1/pass-types/{id}", tag = "pass_types",
    params(("id" = i64, Path, description = "Pass type id")),
    responses((status = 200, body = PassType), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn retire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PassType>> {
    Ok(Json(actions::retire(&state.db, &caller, id).await?))
}

/// Checks filled-in values against the type's form without submitting anything.
#[utoipa::path(post, path = "/api/v1/pass-types/{id}/form-check", tag = "pass_types", request_body = FormInput,
    params(("id" = i64, Path, description = "Pass type id")),
    responses((status = 200, body = FormCheck), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn form_check(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<FormInput>,
) -> ApiResult<Json<FormCheck>> {
    let pt = actions::get(&state.db, &caller, id).await?;
    let errors = pt
        .definition
        .validate_form(&body.values)
        .err()
        .unwrap_or_default();
    Ok(Json(FormCheck {
        valid: errors.is_empty(),
        errors,
    }))
}

/// An authority's holidays and make-up working days, in date order.
#[utoipa::path(get, path = "/api/v1/holidays", tag = "pass_types", params(HolidayQuery),
    responses((status = 200, body = Vec<Holiday>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn holidays(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<HolidayQuery>,
) -> ApiResult<Json<Vec<Holiday>>> {
    Ok(Json(
        actions::list_holidays(&state.db, q.authority, q.year).await?,
    ))
}

/// Sets one day of an authority's table (a holiday, or a make-up working day on a weekend).
#[utoipa::path(put, path = "/api/v1/holidays/{date}", tag = "pass_types", request_body = HolidayInput,
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = Holiday), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_holiday(
    State(state): State<AppState>,
    caller: Caller,
    Path(date): Path<String>,
    Json(body): Json<HolidayInput>,
) -> ApiResult<Json<Holiday>> {
    Ok(Json(
        actions::put_holiday(&state.db, &caller, &date, &body).await?,
    ))
}

/// Removes one day from an authority's table.
#[utoipa::path(delete, path = "/api/v1/holidays/{date}", tag = "pass_types", params(
        ("date" = String, Path, description = "YYYY-MM-DD"), AuthorityQuery),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_holiday(
    State(state): State<AppState>,
    caller: Caller,
    Path(date): Path<String>,
    Query(q): Query<AuthorityQuery>,
) -> ApiResult<StatusCode> {
    actions::delete_holiday(&state.db, &caller, q.authority, &date).await?;
    Ok(StatusCode::NO_CONTENT)
}
