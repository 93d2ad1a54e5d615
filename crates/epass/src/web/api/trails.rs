//! `/passes/{id}/trail` and `/users/{id}/trail`: accountability trails, for supervisors and
//! system administrators of the authority; as JSON, CSV or a signed bundle for offline audit.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Page, PageQuery};
use crate::actions::trails::{self, PassTrail, TrailItem, UserTrailQuery};
use crate::actions::{ActionError, Caller, trail_bundle};
use crate::app::AppState;
use crate::web::error::{ApiResult, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TrailFormat {
    /// `json` (default), `csv` (UTF-8 with BOM) or `bundle` (signed JSON with inclusion proofs,
    /// checked offline by `epass audit check-trail`).
    pub format: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Bundle,
}

fn format_of(q: &TrailFormat) -> Result<Format, ActionError> {
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        "bundle" => Ok(Format::Bundle),
        _ => Err(ActionError::invalid_msg(
            "format",
            "trail.format",
            "格式须为 json、csv 或 bundle。",
            "The format must be json, csv or bundle.",
        )),
    }
}

fn name(f: Format) -> &'static str {
    match f {
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Bundle => "bundle",
    }
}

fn csv_response(file: &str, items: &[TrailItem]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.csv\""),
            ),
        ],
        trails::csv(items),
    )
        .into_response()
}

/// Everything about a pass, from its application to every check, in order: who did what, when,
/// and each line's position in the tamper-evident log. The view is recorded.
#[utoipa::path(get, path = "/api/v1/passes/{id}/trail", tag = "audit",
    params(("id" = i64, Path, description = "Pass id"), TrailFormat),
    responses((status = 200, body = PassTrail, description = "JSON; or CSV (`text/csv`), or a signed bundle"),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn pass_trail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<TrailFormat>,
) -> ApiResult<Response> {
    let format = format_of(&q)?;
    let (trail, rows) = trails::pass_trail(&state.db, &caller, id, name(format)).await?;
    Ok(match format {
        Format::Json => Json(trail).into_response(),
        Format::Csv => csv_response(&format!("trail-pass-{}", trail.pass_number), &trail.items),
        Format::Bundle => {
            let subject = format!("pass {}", trail.pass_number);
            Json(trail_bundle::bundle(&state.db, &state.pii, &subject, &rows).await?)
                .into_response()
        }
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserTrailParams {
    /// From this time (milliseconds since the Unix epoch, included).
    pub from: Option<i64>,
    /// Until this time (milliseconds since the Unix epoch, excluded).
    pub to: Option<i64>,
}

/// Everything a user decided, viewed or checked (events they are the actor of, including reads
/// of personal data, and checks they made), in log order, a page at a time; CSV and bundle
/// exports hold the whole period (at most 10,000 lines). The view is recorded.
#[utoipa::path(get, path = "/api/v1/users/{id}/trail", tag = "audit",
    params(("id" = i64, Path, description = "User id"), UserTrailParams, PageQuery, TrailFormat),
    responses((status = 200, body = Page<TrailItem>, description = "JSON; or CSV (`text/csv`), or a signed bundle"),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn user_trail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(period): Query<UserTrailParams>,
    Query(page): Query<PageQuery>,
    Query(q): Query<TrailFormat>,
) -> ApiResult<Response> {
    let format = format_of(&q)?;
    let (after, limit) = page.bounds()?;
    let (after, limit) = match format {
        Format::Json => (page.cursor.is_some().then_some(after), limit),
        _ => (None, trails::MAX_EXPORT + 1),
    };
    let query = UserTrailQuery {
        from: period.from,
        to: period.to,
        after,
        limit,
    };
    let rows = trails::user_trail(&state.db, &caller, id, query, name(format)).await?;
    if format != Format::Json && rows.len() as i64 > trails::MAX_EXPORT {
        return Err(ActionError::invalid_msg(
            "to",
            "trail.too_long",
            "该时段的记录超过 10000 条，请缩短时段后分段导出。",
            "The period holds more than 10,000 lines: export a shorter period at a time.",
        )
        .into());
    }
    let items: Vec<TrailItem> = rows.iter().map(TrailItem::from).collect();
    Ok(match format {
        Format::Json => {
            let page = Page::from_rows(items, limit, |i: &TrailItem| {
                i.log_index.unwrap_or_default()
            });
            Json(page).into_response()
        }
        Format::Csv => csv_response(&format!("trail-user-{id}"), &items),
        Format::Bundle => {
            let subject = format!("user {id}");
            Json(trail_bundle::bundle(&state.db, &state.pii, &subject, &rows).await?)
                .into_response()
        }
    })
}
