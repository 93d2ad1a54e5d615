//! `/truck-restrictions`: each city's truck city-entry restrictions (货车限行) as versioned data,
//! and the public lookup. Reading the version in force and the lookup need no login (the
//! lookup is rate-limited per client); publishing and the list of versions are for the city's
//! admins.

use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::actions::truck_restrictions::{
    self as actions, LookupAnswer, LookupInput, PublishInput, Version,
};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::web::auth::ClientAddr;
use crate::web::error::{ApiError, ApiResult, Problem};

/// Lookups one client may make per minute (API and page together).
pub const LOOKUPS_PER_MINUTE: u32 = 300;

/// Which city.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CityQuery {
    /// The city: its authority's id or administrative division code (e.g. `150621`).
    pub city: String,
}

/// The questions of a lookup.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct LookupQuery {
    /// The city: its authority's id or administrative division code.
    pub city: Option<String>,
    /// `heavy`, `medium`, `light`, `mini` or `dangerous_goods`.
    pub class: Option<String>,
    /// Gross weight in kilograms (rules with a weight threshold use it).
    pub weight_kg: Option<String>,
    /// RFC 3339; absent means now.
    pub at: Option<String>,
    /// A place: longitude (WGS 84), with `lat`.
    pub lon: Option<String>,
    pub lat: Option<String>,
    /// Or a road section: its id or name.
    pub road: Option<String>,
}

impl From<LookupQuery> for LookupInput {
    fn from(q: LookupQuery) -> Self {
        LookupInput {
            city: q.city,
            class: q.class,
            weight_kg: q.weight_kg,
            at: q.at,
            lon: q.lon,
            lat: q.lat,
            road: q.road,
        }
    }
}

/// A new version: the document, the city, and when it takes effect.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PublishBody {
    /// The city: its authority's id or administrative division code.
    #[serde(default)]
    pub city: String,
    /// RFC 3339; absent means now; never in the past.
    pub effective_from: Option<String>,
    pub note: Option<String>,
    /// Zones (Polygon) and road sections (LineString with `corridor_width_m`), each with a
    /// numeric `properties.id` the rules name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub areas: Value,
    /// `[{ "id", "name_zh", "name_en", "areas": [ids], "classes": [...], "over_weight_kg",
    /// "hours": { "workday": ["07:00-09:00"], "weekend": [...], "holiday": [...] },
    /// "pass_lifts": bool }]`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub rules: Value,
}

/// Counts one lookup for the client.
pub fn throttle(state: &AppState, addr: &ClientAddr) -> Result<(), ActionError> {
    let client = addr.0.as_deref().unwrap_or("unknown");
    state
        .limiter
        .check(
            "truck_lookup",
            client,
            LOOKUPS_PER_MINUTE,
            Duration::from_secs(60),
        )
        .map_err(|wait| ActionError::Throttled {
            retry_after_secs: i64::try_from(wait).unwrap_or(60),
        })
}

/// Which restrictions apply to a vehicle of a class in a city at a time, at a place or on a
/// road section, each explained in zh and en. No login.
#[utoipa::path(get, path = "/api/v1/truck-restrictions/lookup", tag = "truck-restrictions",
    params(LookupQuery),
    responses((status = 200, body = LookupAnswer), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
pub async fn lookup(
    State(state): State<AppState>,
    addr: ClientAddr,
    Query(q): Query<LookupQuery>,
) -> ApiResult<Json<LookupAnswer>> {
    throttle(&state, &addr).map_err(ApiError)?;
    Ok(Json(actions::lookup(&state.db, &q.into()).await?))
}

/// The city's restrictions in force now. No login.
#[utoipa::path(get, path = "/api/v1/truck-restrictions", tag = "truck-restrictions",
    params(CityQuery),
    responses((status = 200, body = Version), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn current(
    State(state): State<AppState>,
    Query(q): Query<CityQuery>,
) -> ApiResult<Json<Version>> {
    Ok(Json(actions::current(&state.db, &q.city).await?))
}

/// Publishes a new version of a city's restrictions (the city's system admin or authority
/// reviewer). Nothing is written when any part is wrong.
#[utoipa::path(post, path = "/api/v1/truck-restrictions", tag = "truck-restrictions",
    request_body = PublishBody,
    responses((status = 201, body = Version), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PublishBody>,
) -> ApiResult<(StatusCode, Json<Version>)> {
    let input = PublishInput {
        city: body.city,
        effective_from: body.effective_from,
        note: body.note,
        document: serde_json::json!({ "areas": body.areas, "rules": body.rules }),
    };
    let v = actions::publish(&state.db, &caller, &input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Every version of a city's restrictions, newest first, including those not yet in force.
#[utoipa::path(get, path = "/api/v1/truck-restrictions/versions", tag = "truck-restrictions",
    params(CityQuery),
    responses((status = 200, body = Vec<Version>), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CityQuery>,
) -> ApiResult<Json<Vec<Version>>> {
    Ok(Json(actions::versions(&state.db, &caller, &q.city).await?))
}
