//! Correcting a returned application (`POST /applications/{id}/resubmit`, from the form on its
//! progress page): the corrected values go through the same action as the API's resubmission
//! (a new round at level 1, the earlier round kept), and any new documents through the upload
//! action; mistakes come back beside their fields on the progress page.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::applicant::{Posted, progress_page};
use super::apply::{form_message, parts, unreadable, upload_all};
use super::form_fields as ff;
use super::{Viewer, action_error, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::resubmit::{self, ResubmitInput};
use crate::app::AppState;
use crate::domain::pass_type::FieldError;
use crate::store::applications;
use crate::store::pass_types;

/// The progress page again with the correction as sent and its mistakes.
async fn sent_back(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    posted: &HashMap<String, String>,
    errors: &[FieldError],
    agreed: bool,
    e: Option<&ActionError>,
) -> Response {
    let c = viewer.chrome();
    let c = c.clone().with_message(Some(form_message(&c, e)));
    let shown = Posted {
        values: posted,
        errors,
        agreed,
    };
    match progress_page(state, viewer, id, c.clone(), Some(shown)).await {
        Ok(page) => render_unprocessable(&page),
        Err(e) => action_error(c, &e),
    }
}

/// `POST /applications/{id}/resubmit` (`multipart/form-data`).
pub async fn resubmit(
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
    let found = async {
        let app = applications::get(state.db.pool(), id).await?;
        if app.applicant_id != viewer.caller.user_id {
            return Err(ActionError::Forbidden);
        }
        Ok(pass_types::get(state.db.pool(), app.pass_type_id).await?)
    }
    .await;
    let pt = match found {
        Ok(pt) => pt,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let posted = ff::posted(&parts);
    let agreed = ff::text_of(&parts, "agreed") == "yes";
    let values = ff::values(&pt.definition, &posted);
    let (files, mut errors) = ff::attached(
        &pt.definition,
        &parts,
        state.config.documents.max_bytes,
        false,
    )
    .await;
    if !errors.is_empty() {
        if let Err(form_errors) = pt.definition.validate_form(&values) {
            errors.extend(form_errors);
        }
        return sent_back(&state, &viewer, id, &posted, &errors, agreed, None).await;
    }
    let input = ResubmitInput {
        values: values.clone(),
        agreed,
    };
    let result = resubmit::resubmit(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &viewer.caller,
        id,
        &input,
    )
    .await;
    match result {
        Ok(app) => {
            let done = if upload_all(&state, &viewer, app.id, files).await {
                "resubmitted"
            } else {
                "submitted_documents_failed"
            };
            Redirect::to(&format!("/applications/{}?done={done}", app.id)).into_response()
        }
        Err(e @ (ActionError::Store(_) | ActionError::Internal(_) | ActionError::Forbidden)) => {
            action_error(viewer.chrome(), &e)
        }
        Err(e) => {
            let errors = ff::errors_of(&e);
            let shown = errors.is_empty().then_some(&e);
            sent_back(&state, &viewer, id, &posted, &errors, agreed, shown).await
        }
    }
}
