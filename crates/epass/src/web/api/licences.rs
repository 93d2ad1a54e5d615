//! `/licences` and `/consents`: electronic driving licences — apply (holder) or at the counter
//! (clerk), read, the photo, the registry's stored photos, the registry sync, and relying
//! parties' consented views.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;

use crate::actions::licences::consent::{self, ConsentInput, ConsentedView, IssuedConsent};
use crate::actions::licences::sync::{self, SyncReport};
use crate::actions::licences::{
    self as actions, ApplyInput, CounterInput, LicenceView, PhotoChoice, Services,
};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::store::licences::Consent;
use crate::web::error::{ApiResult, Problem};

/// Where the photo comes from.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhotoSource {
    /// The registry's stored photo.
    Registry,
    /// A new photo in `photo_base64`.
    Upload,
}

/// A holder's application for an electronic licence.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApplyBody {
    /// The authority's `driving_licence` pass type.
    pub pass_type_id: i64,
    /// The licence file number, if the holder gives it (checked against the registry).
    #[serde(default)]
    pub licence_number: Option<String>,
    pub photo: PhotoSource,
    /// A JPEG or PNG, base64, when `photo` is `upload`.
    #[serde(default)]
    pub photo_base64: Option<String>,
    /// The instructions were read and the agreement accepted.
    #[serde(default)]
    pub agreed: bool,
}

/// A clerk's application at the counter on someone's behalf.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CounterBody {
    pub pass_type_id: i64,
    /// The holder's ID number (from their ID card).
    pub id_number: String,
    /// The holder's mobile number.
    pub phone: String,
    pub photo: PhotoSource,
    /// The photo taken at the counter, base64, when `photo` is `upload`.
    #[serde(default)]
    pub photo_base64: Option<String>,
}

/// A consent code, typed or scanned by the relying party.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeBody {
    pub code: String,
}

fn photo_choice(source: PhotoSource, data: Option<&str>) -> ApiResult<PhotoChoice> {
    Ok(match source {
        PhotoSource::Registry => PhotoChoice::Registry,
        PhotoSource::Upload => {
            let text = data.unwrap_or_default().trim();
            // A data URL from a browser's canvas is fine too.
            let text = text.split_once(',').map_or(text, |(_, b)| b);
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| {
                    ActionError::invalid_msg(
                        "photo_base64",
                        "licence.photo_base64",
                        "照片须为 base64 编码的 JPEG 或 PNG 图片。",
                        "The photo must be a base64-encoded JPEG or PNG image.",
                    )
                })?;
            PhotoChoice::Upload(bytes)
        }
    })
}

fn services<'a>(state: &'a AppState, link_base: &'a str) -> Services<'a> {
    Services {
        pii: &state.pii,
        registry: state.registry.as_ref(),
        files: &state.documents,
        link_base,
    }
}

/// Applies for an electronic licence. With the registry's photo it is issued at once (201 with
/// the credential); with a new photo it waits for the photo review (201, `status` `pending`).
/// A licence that is not valid (detained, suspended, overdue, cancelled, 12 points, expired) is
/// refused with a reason that says which.
#[utoipa::path(post, path = "/api/v1/licences", tag = "licences", request_body = ApplyBody,
    responses((status = 201, body = LicenceView), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ApplyBody>,
) -> ApiResult<(StatusCode, Json<LicenceView>)> {
    let photo = photo_choice(body.photo, body.photo_base64.as_deref())?;
    let link_base = state.config.public_url();
    let services = services(&state, &link_base);
    let input = ApplyInput {
        pass_type_id: body.pass_type_id,
        licence_number: body.licence_number,
        photo,
        agreed: body.agreed,
        max_bytes: state.config.documents.max_bytes,
    };
    let view = actions::apply(&state.db, services, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A licensing-office clerk (authority reviewer) applies at the counter for someone who cannot
/// use the app; the holder's account is made from the registry if needed. Issued at once.
#[utoipa::path(post, path = "/api/v1/licences/counter", tag = "licences", request_body = CounterBody,
    responses((status = 201, body = LicenceView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn counter(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CounterBody>,
) -> ApiResult<(StatusCode, Json<LicenceView>)> {
    let photo = photo_choice(body.photo, body.photo_base64.as_deref())?;
    let link_base = state.config.public_url();
    let services = services(&state, &link_base);
    let input = CounterInput {
        pass_type_id: body.pass_type_id,
        id_number: body.id_number,
        phone: body.phone,
        photo,
        max_bytes: state.config.documents.max_bytes,
    };
    let view = actions::apply_at_counter(&state.db, services, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The caller's licences (live, and any waiting for their photo review).
#[utoipa::path(get, path = "/api/v1/licences", tag = "licences",
    responses((status = 200, body = Vec<LicenceView>)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<LicenceView>>> {
    Ok(Json(actions::mine(&state.db, &caller).await?))
}

/// A live licence, for its holder or the licensing office.
#[utoipa::path(get, path = "/api/v1/licences/{number}", tag = "licences",
    params(("number" = String, Path, description = "Licence file number")),
    responses((status = 200, body = LicenceView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<LicenceView>> {
    Ok(Json(actions::get(&state.db, &caller, &number).await?))
}

/// The photo of a licence issue (the `issue_id` of a licence view).
#[utoipa::path(get, path = "/api/v1/licences/issues/{id}/photo", tag = "licences",
    params(("id" = i64, Path, description = "Licence issue id")),
    responses((status = 200, description = "The JPEG or PNG photo"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let photo = actions::photo(&state.db, &state.documents, &caller, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, photo.content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        photo.bytes,
    )
        .into_response())
}

/// Stores the registry's photo of a licence (system administrators): the raw JPEG or PNG.
#[utoipa::path(put, path = "/api/v1/licences/registry-photos/{number}", tag = "licences",
    params(("number" = String, Path, description = "Licence file number")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 204), (status = 403, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
pub async fn put_registry_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<StatusCode> {
    let max = state.config.documents.max_bytes;
    let bytes = super::documents::read_limited(&headers, body, max).await?;
    actions::put_registry_photo(&state.db, &caller, &number, bytes, max).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks the registry again about every live licence of the caller's offices: changes re-issue,
/// 12 points / suspension / overdue suspend, cancellation revokes. The server also does this on
/// its own every few minutes.
#[utoipa::path(post, path = "/api/v1/licences/sync", tag = "licences",
    responses((status = 200, body = SyncReport), (status = 403, body = Problem)))]
pub async fn sync(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SyncReport>> {
    let link_base = state.config.public_url();
    let report = sync::sync_for(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &link_base,
        &caller,
    )
    .await?;
    Ok(Json(report))
}

/// The holder makes a short-lived consent code for one relying party; the code is in this
/// answer only.
#[utoipa::path(post, path = "/api/v1/licences/{number}/consents", tag = "licences",
    params(("number" = String, Path, description = "Licence file number")), request_body = ConsentInput,
    responses((status = 201, body = IssuedConsent), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn give_consent(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    Json(body): Json<ConsentInput>,
) -> ApiResult<(StatusCode, Json<IssuedConsent>)> {
    let issued = consent::create(&state.db, &caller, &number, &body).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// The holder's consents (the last 50), with how often each was used.
#[utoipa::path(get, path = "/api/v1/consents", tag = "licences",
    responses((status = 200, body = Vec<Consent>)))]
pub async fn consents(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Consent>>> {
    Ok(Json(consent::list(&state.db, &caller).await?))
}

/// The holder withdraws a consent.
#[utoipa::path(delete, path = "/api/v1/consents/{id}", tag = "licences",
    params(("id" = i64, Path, description = "Consent id")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    consent::withdraw(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A relying party's staff see a licence with the holder's code; every view is audited. A used
/// (`once`), withdrawn, expired or other party's code is refused with the reason.
#[utoipa::path(post, path = "/api/v1/consents/view", tag = "licences", request_body = CodeBody,
    responses((status = 200, body = ConsentedView), (status = 403, body = Problem)))]
pub async fn view_with_code(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CodeBody>,
) -> ApiResult<Json<ConsentedView>> {
    Ok(Json(
        consent::view_with_code(&state.db, &caller, &body.code).await?,
    ))
}
