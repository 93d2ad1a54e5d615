//! `/applications/{id}/documents` and `/documents/{id}`: upload (raw body), list, read; and
//! `/applications/{id}/id-card/{side}`: the applicant's registered ID card photos.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use serde::Deserialize;

use crate::actions::documents::{self as doc_actions, DocumentList, Upload, Uploaded};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::web::error::{ApiResult, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct KindQuery {
    /// `id_card`, `driving_licence`, `vehicle_licence`, `test_report` or `other` (required).
    pub kind: Option<String>,
}

/// The request body, read up to `max` bytes: more is refused without keeping any of it.
pub(crate) async fn read_limited(headers: &HeaderMap, body: Body, max: u64) -> ApiResult<Vec<u8>> {
    let too_large = || ActionError::TooLarge { max_bytes: max };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large().into());
    }
    let mut body = body;
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ActionError::invalid_msg(
                "body",
                "document.body",
                &format!("上传中断：{e}"),
                &format!("The upload was interrupted: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if (bytes.len() + data.len()) as u64 > max {
                return Err(too_large().into());
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// Uploads a document of the caller's own application: the raw file as the body (JPEG, PNG or
/// PDF, decided by the content; images must decode). Supplies an owed document of that kind.
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", tag = "documents",
    params(("id" = i64, Path, description = "Application id"), KindQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file's bytes"),
    responses((status = 201, body = Uploaded), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<KindQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Uploaded>)> {
    let max_bytes = state.config.documents.max_bytes;
    let bytes = read_limited(&headers, body, max_bytes).await?;
    let upload = Upload {
        application_id: id,
        kind: q.kind.as_deref().unwrap_or_default(),
        bytes,
        max_bytes,
    };
    let done = doc_actions::upload(&state.db, &state.documents, &caller, upload).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// The documents of an application and those it owes: for its applicant and reviewers.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents", tag = "documents",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = DocumentList), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<DocumentList>> {
    Ok(Json(doc_actions::list(&state.db, &caller, id).await?))
}

/// A document's bytes, with its content type; every read is recorded with its reader.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The file (JPEG, PNG or PDF)"),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (document, bytes) = doc_actions::read(&state.db, &state.documents, &caller, id).await?;
    let extension = match document.content_type.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "pdf",
    };
    let disposition = format!(
        "attachment; filename=\"{}-{}.{extension}\"",
        document.kind, document.id
    );
    Ok(file_response(&document.content_type, &disposition, bytes))
}

/// A side of the applicant's ID card as registered, beside the application for its reviewers;
/// every read by someone other than the applicant is recorded.
#[utoipa::path(get, path = "/api/v1/applications/{id}/id-card/{side}", tag = "documents",
    params(("id" = i64, Path, description = "Application id"),
        ("side" = String, Path, description = "`front` or `back`")),
    responses((status = 200, description = "The photo (JPEG or PNG)"),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn id_card(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, side)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let kind = match side.as_str() {
        "front" => "id_card_front",
        "back" => "id_card_back",
        _ => return Err(ActionError::NotFound.into()),
    };
    let (photo, bytes) = crate::actions::real_name::read_for_application(
        &state.db,
        &state.documents,
        &caller,
        id,
        kind,
    )
    .await?;
    let extension = if photo.content_type == "image/png" {
        "png"
    } else {
        "jpg"
    };
    let disposition = format!("inline; filename=\"{kind}-{id}.{extension}\"");
    Ok(file_response(&photo.content_type, &disposition, bytes))
}

/// Stored bytes as a private, uncached file of the type recorded for them.
fn file_response(content_type: &str, disposition: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    // Both come from values this service wrote (a fixed list and digits), never from input.
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}
