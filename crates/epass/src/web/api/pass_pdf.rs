//! `/passes/{id}/pdf`: the pass to print, on A4 or on a card.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::actions::{ActionError, Caller, printing};
use crate::app::AppState;
use crate::pdf::{FontError, PaperSize};
use crate::web::error::{ApiResult, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PdfQuery {
    /// `a4` (default) or `card` (ID-1, 85.6 × 54 mm).
    pub size: Option<String>,
}

/// 503: printing needs a CJK font and none is installed or configured; never a broken PDF.
fn no_font(e: &FontError) -> Response {
    tracing::error!(error = %e, "cannot print a pass");
    let problem = Problem {
        kind: "urn:epass:problem:pdf.no_font".into(),
        title: "Service Unavailable".into(),
        status: 503,
        detail: "未配置中文字体（no CJK font configured），暂时无法打印通行证；请管理员安装中文字体或设置 pdf.font_path。".into(),
        detail_en: "No CJK font configured: passes cannot be printed until the administrator installs a Chinese font or sets pdf.font_path.".into(),
        code: "pdf.no_font".into(),
        field: None,
        errors: Vec::new(),
    };
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The pass as a one-page PDF: title, QR code, pass number, plate, holder (masked ID), zones and
/// road sections, daily times, validity, the printed rules and the issuer, in Chinese and English.
#[utoipa::path(get, path = "/api/v1/passes/{id}/pdf", tag = "passes",
    params(("id" = i64, Path, description = "Pass id"), PdfQuery),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 503, description = "No CJK font configured", body = Problem)))]
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<PdfQuery>,
) -> ApiResult<Response> {
    let Some(size) = PaperSize::parse(q.size.as_deref().unwrap_or("a4")) else {
        return Err(ActionError::invalid_msg(
            "size",
            "pdf.size",
            "纸张尺寸须为 a4 或 card。",
            "The size must be a4 or card.",
        )
        .into());
    };
    let sheet = printing::pass_sheet(&state.db, &caller, id).await?;
    let number = sheet.pass_number.clone();
    let fonts = state.fonts.clone();
    // Reading the font (first time only) and subsetting it are blocking work of a few
    // milliseconds: off the async workers.
    let rendered = tokio::task::spawn_blocking(move || {
        fonts
            .get()
            .map(|font| crate::pdf::render(&sheet, size, &font))
    })
    .await
    .map_err(|e| ActionError::Internal(format!("PDF of pass {number}: {e}")))?;
    let bytes = match rendered {
        // No font, or one that is not a usable CJK font: the administrator's to fix.
        Err(e) => return Ok(no_font(&e)),
        Ok(Err(e)) => {
            return Err(ActionError::Internal(format!("PDF of pass {number}: {e}")).into());
        }
        Ok(Ok(bytes)) => bytes,
    };
    let paper = if size == PaperSize::A4 { "a4" } else { "card" };
    printing::record_printed(&state.db, &caller, &number, paper).await?;
    let disposition = format!("inline; filename=\"pass-{number}-{paper}.pdf\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                // Pass numbers are digits: always a valid header value.
                HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("inline")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response())
}
