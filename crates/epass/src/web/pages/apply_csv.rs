//! Applying by CSV for a fleet (`/apply/{id}/csv`), for organisation admins: the columns the
//! type takes and a template to download, the upload (the same all-or-nothing action as
//! `POST /api/v1/applications/bulk`), and the report: how many were filed, or every mistake by
//! line with nothing filed.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::apply::{open_type, parts, type_name, unreadable};
use super::form_fields as ff;
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::bulk_apply::{self, BulkOutcome, BulkTarget};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::store::pass_types::PassType;

/// One mistake of the report, in the reader's language.
#[derive(Debug)]
struct LineView {
    line: u64,
    field: String,
    message: String,
}

#[derive(Template)]
#[template(path = "apply_csv.html")]
struct CsvPage {
    c: Chrome,
    csrf: String,
    type_id: i64,
    type_code: String,
    type_name: String,
    instructions: String,
    agreement: String,
    /// `(key, label, required)` of each column.
    columns: Vec<(String, String, bool)>,
    filed: Option<usize>,
    rows: u64,
    lines: Vec<LineView>,
    omitted: u64,
}

fn page(c: Chrome, viewer: &Viewer, pt: &PassType) -> CsvPage {
    let lang = c.lang();
    let def = &pt.definition;
    CsvPage {
        csrf: viewer.csrf.clone(),
        type_id: pt.id,
        type_code: pt.code.clone(),
        type_name: type_name(pt, lang),
        instructions: def.instructions.get(lang).to_owned(),
        agreement: def.agreement.get(lang).to_owned(),
        columns: def
            .form
            .iter()
            .map(|f| {
                let mut label = f.label.get(lang).to_owned();
                if !f.options.is_empty() {
                    let choices: Vec<String> = f
                        .options
                        .iter()
                        .map(|o| format!("{}={}", o.value, o.label.get(lang)))
                        .collect();
                    label = format!("{label} ({})", choices.join(", "));
                }
                (f.key.clone(), label, f.required)
            })
            .collect(),
        filed: None,
        rows: 0,
        lines: Vec::new(),
        omitted: 0,
        c,
    }
}

/// The type, for an organisation admin; the page refusing anyone else.
async fn for_admin(state: &AppState, viewer: &Viewer, id: i64) -> Result<PassType, Response> {
    if !viewer.caller.has_role(Role::OrgAdmin) {
        return Err(action_error(viewer.chrome(), &ActionError::Forbidden));
    }
    open_type(state, viewer, id).await
}

/// `GET /apply/{id}/csv`: the columns, the template link and the upload form.
pub async fn form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    match for_admin(&state, &viewer, id).await {
        Ok(pt) => render(&page(viewer.chrome(), &viewer, &pt)),
        Err(page) => page,
    }
}

/// `GET /apply/{id}/template.csv`: the header row (with a byte-order mark, so spreadsheet
/// programs read it as UTF-8).
pub async fn template(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let pt = match for_admin(&state, &viewer, id).await {
        Ok(pt) => pt,
        Err(page) => return page,
    };
    let header: Vec<&str> = pt.definition.form.iter().map(|f| f.key.as_str()).collect();
    let body = format!("\u{feff}{}\r\n", header.join(","));
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    // The code is `[a-z0-9_]` (checked when the type was made); a bad one falls back.
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-template.csv\"",
        pt.code
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"template.csv\""));
    h.insert(header::CONTENT_DISPOSITION, disposition);
    response
}

/// `POST /apply/{id}/csv` (`multipart/form-data`): files every line or none, and says which.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let lang = viewer.lang;
    let Some(parts) = parts(&headers, &body) else {
        return unreadable(viewer.chrome());
    };
    if let Err(refusal) = viewer.own_form(&headers, &ff::text_of(&parts, "csrf")) {
        return refusal.into_response();
    }
    let pt = match for_admin(&state, &viewer, id).await {
        Ok(pt) => pt,
        Err(page) => return page,
    };
    let file = parts
        .iter()
        .find(|p| p.name == "file")
        .map(|p| p.data.as_slice())
        .unwrap_or_default();
    let target = BulkTarget {
        pass_type_id: pt.id,
        org_id: None,
        agreed: ff::text_of(&parts, "agreed") == "yes",
    };
    let outcome = bulk_apply::bulk_apply(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &viewer.caller,
        target,
        file,
    )
    .await;
    let c = viewer.chrome();
    match outcome {
        Ok(BulkOutcome::Filed(apps)) => {
            let msg = match lang {
                Lang::Zh => format!("已提交 {} 份申请。", apps.len()),
                Lang::En => format!("{} applications were filed.", apps.len()),
            };
            let mut p = page(c.with_message(Some(msg)), &viewer, &pt);
            p.filed = Some(apps.len());
            render(&p)
        }
        Ok(BulkOutcome::Refused {
            rows,
            errors,
            omitted,
        }) => {
            let count = errors.len() as u64 + omitted;
            let msg = match lang {
                Lang::Zh => format!("文件中有 {count} 处错误，未导入任何申请。"),
                Lang::En => format!("The file has {count} mistakes; nothing was filed."),
            };
            let mut p = page(c.with_message(Some(msg)), &viewer, &pt);
            p.rows = rows;
            p.omitted = omitted;
            p.lines = errors
                .into_iter()
                .map(|e| LineView {
                    line: e.line,
                    field: e.field,
                    message: match lang {
                        Lang::Zh => e.zh,
                        Lang::En => e.en,
                    },
                })
                .collect();
            render_unprocessable(&p)
        }
        Err(e @ (ActionError::Invalid { .. } | ActionError::InvalidForm(_))) => {
            let msg = super::message(&e, lang);
            render_unprocessable(&page(c.with_message(Some(msg)), &viewer, &pt))
        }
        Err(e) => action_error(c, &e),
    }
}
