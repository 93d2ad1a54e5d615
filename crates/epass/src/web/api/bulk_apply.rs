//! `POST /applications/bulk`: a fleet's applications from one CSV file, all or nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::actions::Caller;
use crate::actions::bulk_apply::{self, BulkOutcome, BulkTarget, LineError};
use crate::app::AppState;
use crate::store::applications::Application;
use crate::web::error::{ApiResult, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BulkQuery {
    pub pass_type_id: i64,
    /// The organisation applying; the caller's own when absent.
    pub org_id: Option<i64>,
    /// `true`: the admin read the type's instructions and accepts its agreement for every line.
    pub agreed: Option<bool>,
}

/// Every line filed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkFiled {
    pub filed: usize,
    pub applications: Vec<Application>,
}

/// Nothing filed: every mistake found, by line (a problem document with the report).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkReport {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub code: &'static str,
    pub detail: String,
    pub detail_en: String,
    /// Data lines read.
    pub rows: u64,
    /// The mistakes in file order (line 1 is the header).
    pub lines: Vec<LineError>,
    /// Mistakes found beyond those listed.
    pub omitted: u64,
}

/// Files one application per CSV line for an organisation (header: the pass type's field keys).
/// If any line is wrong, nothing is filed and the answer lists each mistake.
#[utoipa::path(post, path = "/api/v1/applications/bulk", tag = "applications", params(BulkQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = BulkFiled), (status = 403, body = Problem),
        (status = 422, body = BulkReport, content_type = "application/problem+json")))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<BulkQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    let target = BulkTarget {
        pass_type_id: q.pass_type_id,
        org_id: q.org_id,
        agreed: q.agreed.unwrap_or(false),
    };
    let outcome = bulk_apply::bulk_apply(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &caller,
        target,
        &body,
    )
    .await?;
    Ok(match outcome {
        BulkOutcome::Filed(applications) => (
            StatusCode::CREATED,
            Json(BulkFiled {
                filed: applications.len(),
                applications,
            }),
        )
            .into_response(),
        BulkOutcome::Refused {
            rows,
            errors,
            omitted,
        } => {
            let count = errors.len() as u64 + omitted;
            let report = BulkReport {
                kind: "urn:epass:problem:bulk.invalid",
                title: "Unprocessable Entity",
                status: 422,
                code: "bulk.invalid",
                detail: format!("文件中有 {count} 处错误，未导入任何申请。"),
                detail_en: format!("The file has {count} mistakes; nothing was filed."),
                rows,
                lines: errors,
                omitted,
            };
            let mut response = (StatusCode::UNPROCESSABLE_ENTITY, Json(report)).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            response
        }
    })
}
