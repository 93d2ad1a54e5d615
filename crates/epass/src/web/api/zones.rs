//! `/zones`: an authority's zones and road sections as GeoJSON. Reading is public (the signed
//! bundle carries them anyway); changes need a system admin or an authority reviewer over the
//! whole authority, and each publishes the authority's next bundle.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::actions::Caller;
use crate::actions::zones::{self as actions, FeatureError, ImportOutcome, Imported};
use crate::app::AppState;
use crate::domain::zones::{ZoneKind, catalogue_json};
use crate::web::error::{ApiResult, Problem};

/// Which authority.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuthorityQuery {
    /// The authority (organisation id).
    pub authority: i64,
}

/// The properties of a zone feature.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ZoneProperties {
    /// The zone id credentials carry; on upload, names the zone to replace.
    pub id: Option<i64>,
    /// Inferred from the geometry when absent on upload.
    pub kind: Option<ZoneKind>,
    /// Chinese name (`name` is accepted instead on upload).
    pub name_zh: String,
    pub name_en: Option<String>,
    /// Road sections only: the full corridor width, 1 to 5000 metres.
    pub corridor_width_m: Option<f64>,
}

/// A GeoJSON Feature: a zone ((Multi)Polygon) or a road section ((Multi)LineString), WGS 84.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ZoneFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A GeoJSON geometry object.
    #[schema(value_type = Object)]
    pub geometry: Value,
    pub properties: ZoneProperties,
}

/// A GeoJSON FeatureCollection of zone features.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ZoneCollection {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    pub features: Vec<ZoneFeature>,
}

/// A changed zone and the bundle version that carries the change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ZoneReply {
    #[schema(value_type = ZoneFeature)]
    pub zone: Value,
    /// Absent while the authority has no signing keys (nothing is published yet).
    pub bundle_version: Option<i64>,
}

/// A refused upload: the problem document with every refused feature.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub detail_en: String,
    pub code: String,
    pub errors: Vec<FeatureError>,
}

fn reply((zone, bundle_version): actions::ZoneChange) -> ZoneReply {
    ZoneReply {
        zone: zone.to_feature(),
        bundle_version,
    }
}

/// The live zones and road sections of an authority, as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/api/v1/zones", tag = "zones", params(AuthorityQuery),
    responses((status = 200, body = ZoneCollection), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<AuthorityQuery>,
) -> ApiResult<Json<Value>> {
    let zones = actions::list(&state.db, q.authority).await?;
    Ok(Json(catalogue_json(&zones)))
}

/// Creates a zone or road section from one GeoJSON Feature.
#[utoipa::path(post, path = "/api/v1/zones", tag = "zones", params(AuthorityQuery),
    request_body = ZoneFeature,
    responses((status = 201, body = ZoneReply), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuthorityQuery>,
    Json(feature): Json<Value>,
) -> ApiResult<(StatusCode, Json<ZoneReply>)> {
    let change = actions::create(&state.db, &state.pii, &caller, q.authority, &feature).await?;
    Ok((StatusCode::CREATED, Json(reply(change))))
}

/// Replaces a zone's names and geometry (its kind stays).
#[utoipa::path(put, path = "/api/v1/zones/{id}", tag = "zones",
    params(("id" = i64, Path, description = "Zone id")), request_body = ZoneFeature,
    responses((status = 200, body = ZoneReply), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(feature): Json<Value>,
) -> ApiResult<Json<ZoneReply>> {
    let change = actions::update(&state.db, &state.pii, &caller, id, &feature).await?;
    Ok(Json(reply(change)))
}

/// Retires a zone: it leaves the next bundle's catalogue.
#[utoipa::path(delete, path = "/api/v1/zones/{id}", tag = "zones",
    params(("id" = i64, Path, description = "Zone id")),
    responses((status = 200, body = ZoneReply), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn retire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ZoneReply>> {
    let change = actions::retire(&state.db, &state.pii, &caller, id).await?;
    Ok(Json(reply(change)))
}

/// Uploads a GeoJSON FeatureCollection (up to 8 MiB): features with an id replace that zone,
/// the others are created. All or nothing: one bad feature and nothing is written, and the
/// answer lists every refused feature by index with the reason.
#[utoipa::path(post, path = "/api/v1/zones/import", tag = "zones", params(AuthorityQuery),
    request_body = ZoneCollection,
    responses((status = 200, body = Imported), (status = 403, body = Problem),
              (status = 422, description = "Refused features", body = ImportProblem)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuthorityQuery>,
    Json(collection): Json<Value>,
) -> ApiResult<Response> {
    match actions::import(&state.db, &state.pii, &caller, q.authority, &collection).await? {
        ImportOutcome::Imported(done) => Ok(Json(done).into_response()),
        ImportOutcome::Rejected(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let problem = ImportProblem {
                kind: "urn:epass:problem:zone.import_rejected".into(),
                title: "Unprocessable Entity".into(),
                status: status.as_u16(),
                detail: format!("{} 个要素有误，未导入任何内容。", errors.len()),
                detail_en: format!("{} features are wrong; nothing was imported.", errors.len()),
                code: "zone.import_rejected".into(),
                errors,
            };
            let mut response = (status, Json(problem)).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            Ok(response)
        }
    }
}
