//! Applying directly (`/apply`): the pass types open for applications, then one type's
//! instructions, its form rendered from the definition with the documents it asks for, and the
//! agreement; the submission (multipart, so a phone can attach photos) goes through the same
//! action as `POST /api/v1/applications`, then the documents through the upload action. Every
//! mistake is shown beside its field, and nothing is submitted while a document is wrong.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::applicant::AfterQuery;
use super::form_fields::{self as ff, DocView, FieldView};
use super::multipart::{self, Part};
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::applications::{self as app_actions, SubmitInput};
use crate::actions::documents::{self as doc_actions, Upload};
use crate::app::AppState;
use crate::domain::pass_type::{FieldError, Priority};
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::store::now_ms;
use crate::store::pass_types::{self, PassType};

const PER_PAGE: i64 = 20;

/// One pass type in the list.
#[derive(Debug)]
struct TypeRow {
    id: i64,
    name: String,
    promised_days: u32,
    priority: String,
}

#[derive(Template)]
#[template(path = "apply_types.html")]
struct TypesPage {
    c: Chrome,
    rows: Vec<TypeRow>,
    next: Option<i64>,
    org_admin: bool,
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    c: Chrome,
    csrf: String,
    type_id: i64,
    type_name: String,
    promised_days: u32,
    instructions: String,
    agreement: String,
    fields: Vec<FieldView>,
    docs: Vec<DocView>,
    docs_optional: bool,
    others: Vec<String>,
    agreed: bool,
}

/// A pass type's name in the reader's language.
pub(super) fn type_name(pt: &PassType, lang: Lang) -> String {
    match lang {
        Lang::Zh => pt.name_zh.clone(),
        Lang::En => pt.name_en.clone(),
    }
}

fn priority(p: Priority, lang: Lang) -> String {
    let (zh, en) = match p {
        Priority::GreenChannel => ("绿色通道", "green channel"),
        Priority::Urgent => ("加急", "urgent"),
        _ => return String::new(),
    };
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// `GET /apply`: the pass types taking applications, a page at a time.
pub async fn types(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AfterQuery>,
) -> Response {
    let lang = viewer.lang;
    let filter = pass_types::Filter {
        authority_id: None,
        kind: None,
        after_id: q.after.unwrap_or(0).max(0),
        limit: PER_PAGE + 1,
        at_ms: now_ms(),
    };
    let mut found = match pass_types::list_active(state.db.pool(), &filter).await {
        Ok(rows) => rows,
        Err(e) => return action_error(viewer.chrome(), &e.into()),
    };
    let next = (found.len() > PER_PAGE as usize).then(|| {
        found.truncate(PER_PAGE as usize);
        found.last().map_or(0, |t| t.id)
    });
    let rows = found
        .iter()
        .map(|t| TypeRow {
            id: t.id,
            name: type_name(t, lang),
            promised_days: t.definition.promised_working_days,
            priority: priority(t.priority, lang),
        })
        .collect();
    render(&TypesPage {
        c: viewer.chrome(),
        rows,
        next,
        org_admin: viewer.caller.has_role(Role::OrgAdmin),
    })
}

/// An open pass type, or the page saying why not.
pub(super) async fn open_type(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<PassType, Response> {
    let pt = pass_types::get(state.db.pool(), id)
        .await
        .map_err(|e| action_error(viewer.chrome(), &e.into()))?;
    if !pt.is_active(now_ms()) {
        return Err(action_error(
            viewer.chrome(),
            &ActionError::invalid_msg(
                "pass_type_id",
                "application.pass_type_closed",
                "该类通行证目前不受理申请。",
                "This pass type is not open for applications.",
            ),
        ));
    }
    Ok(pt)
}

fn apply_page(
    c: Chrome,
    viewer: &Viewer,
    pt: &PassType,
    posted: &HashMap<String, String>,
    errors: &[FieldError],
    agreed: bool,
) -> ApplyPage {
    let lang = c.lang();
    let def = &pt.definition;
    ApplyPage {
        csrf: viewer.csrf.clone(),
        type_id: pt.id,
        type_name: type_name(pt, lang),
        promised_days: def.promised_working_days,
        instructions: def.instructions.get(lang).to_owned(),
        agreement: def.agreement.get(lang).to_owned(),
        fields: ff::views(def, posted, &HashMap::new(), errors, lang),
        docs: ff::doc_views(def, errors, lang),
        docs_optional: false,
        others: ff::other_errors(def, errors, lang),
        agreed,
        c,
    }
}

/// `GET /apply/{id}`: the type's instructions, form, documents and agreement.
pub async fn form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    let pt = match open_type(&state, &viewer, id).await {
        Ok(pt) => pt,
        Err(page) => return page,
    };
    render(&apply_page(
        viewer.chrome(),
        &viewer,
        &pt,
        &HashMap::new(),
        &[],
        false,
    ))
}

/// The parts of a multipart form body, or `None` when it cannot be read.
pub(super) fn parts(headers: &HeaderMap, body: &Bytes) -> Option<Vec<Part>> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary)
        .and_then(|b| multipart::parse(body, &b))
}

/// The page refusing a body it cannot read.
pub(super) fn unreadable(c: Chrome) -> Response {
    let msg = c
        .t(
            "表单格式不正确，请返回重试。",
            "The form could not be read; go back and try again.",
        )
        .to_owned();
    super::error_page(c, StatusCode::BAD_REQUEST, msg)
}

/// The message above a form sent back with mistakes: the files must be chosen again.
pub(super) fn form_message(c: &Chrome, e: Option<&ActionError>) -> String {
    let lead = match e {
        Some(e) => super::message(e, c.lang()),
        None => c
            .t(
                "申请未提交：请按提示修改后重新提交。",
                "Nothing was submitted: correct what is marked and send it again.",
            )
            .to_owned(),
    };
    format!(
        "{lead} {}",
        c.t("所选文件需重新选择。", "Choose the files again.")
    )
}

/// Uploads checked documents to an application; a failure is logged (the application stands,
/// and the applicant can add the document when it is returned or owed).
pub(super) async fn upload_all(
    state: &AppState,
    viewer: &Viewer,
    application_id: i64,
    files: Vec<ff::Attached>,
) -> bool {
    let mut all = true;
    for file in files {
        let upload = Upload {
            application_id,
            kind: &file.kind,
            bytes: file.bytes,
            max_bytes: state.config.documents.max_bytes,
        };
        if let Err(e) =
            doc_actions::upload(&state.db, &state.documents, &viewer.caller, upload).await
        {
            tracing::error!(application_id, kind = file.kind, error = %e, "document upload failed");
            all = false;
        }
    }
    all
}

/// `POST /apply/{id}` (`multipart/form-data`): submits the application and its documents, or
/// shows the form again with every mistake beside its field.
pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let Some(parts) = parts(&headers, &body) else {
        return unreadable(viewer.chrome());
    };
    if let Err(refusal) = viewer.own_form(&headers, &ff::text_of(&parts, "csrf")) {
        return refusal.into_response();
    }
    let pt = match open_type(&state, &viewer, id).await {
        Ok(pt) => pt,
        Err(page) => return page,
    };
    let posted = ff::posted(&parts);
    let agreed = ff::text_of(&parts, "agreed") == "yes";
    let values = ff::values(&pt.definition, &posted);
    let (files, mut errors) = ff::attached(
        &pt.definition,
        &parts,
        state.config.documents.max_bytes,
        true,
    )
    .await;
    let again = |errors: &[FieldError], e: Option<&ActionError>| {
        let c = viewer.chrome();
        let c = c.clone().with_message(Some(form_message(&c, e)));
        render_unprocessable(&apply_page(c, &viewer, &pt, &posted, errors, agreed))
    };
    if !errors.is_empty() {
        // Every mistake at once: the form's own, beside the documents'.
        if let Err(form_errors) = pt.definition.validate_form(&values) {
            errors.extend(form_errors);
        }
        return again(&errors, None);
    }
    let input = SubmitInput {
        pass_type_id: pt.id,
        values,
        agreed,
    };
    let submitted = app_actions::submit(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &viewer.caller,
        &input,
    )
    .await;
    match submitted {
        Ok(app) => {
            let done = if upload_all(&state, &viewer, app.id, files).await {
                "submitted"
            } else {
                "submitted_documents_failed"
            };
            Redirect::to(&format!("/applications/{}?done={done}", app.id)).into_response()
        }
        Err(e @ (ActionError::Store(_) | ActionError::Internal(_))) => {
            action_error(viewer.chrome(), &e)
        }
        Err(e) => {
            let errors = ff::errors_of(&e);
            let shown = if errors.is_empty() { Some(&e) } else { None };
            again(&errors, shown)
        }
    }
}
