//! A pass: its QR code large enough to scan from the screen, a link to save the image and one to
//! print it; for those who manage it, suspend, resume or revoke with a reason.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::DoneQuery;

use super::format::{self, day, last_day, minute};
use super::{Chrome, Viewer, action_error, done_notice, render};
use crate::actions::ActionError;
use crate::actions::passes::{self as pass_actions, StatusChange, StatusInput};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::store::now_ms;

#[derive(Template)]
#[template(path = "pass.html")]
struct PassPage {
    c: Chrome,
    id: i64,
    application_id: i64,
    number: String,
    state: String,
    /// `valid`, `revoked`, `suspended` or `expired`: the colour of the state.
    state_class: &'static str,
    status: String,
    holder: String,
    masked_id: String,
    plate: String,
    valid: String,
    issued: String,
    /// The person may suspend, resume or revoke it.
    manager: bool,
    /// A supervisor or system administrator: a link to the pass's trail.
    supervisor: bool,
    csrf: String,
}

/// `GET /passes/{id}`: the pass, for its holder and those who manage it.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let lang = viewer.lang;
    let c = viewer
        .chrome()
        .with_message(done_notice(q.done.as_deref(), lang));
    let pass = match pass_actions::get(&state.db, &viewer.caller, id).await {
        Ok(p) => p,
        Err(e) => return action_error(c, &e),
    };
    let now = now_ms();
    let state_class = match pass.status.as_str() {
        "revoked" => "revoked",
        "suspended" => "suspended",
        _ if now >= pass.valid_until || now < pass.valid_from => "expired",
        _ => "valid",
    };
    let manager = [Role::AuthorityReviewer, Role::SystemAdmin, Role::OrgAdmin]
        .iter()
        .any(|r| viewer.caller.has_role(*r))
        && pass.status != "revoked";
    render(&PassPage {
        id: pass.id,
        application_id: pass.application_id,
        state: format::pass_state(&pass.status, pass.valid_from, pass.valid_until, now, lang),
        state_class,
        status: pass.status.clone(),
        holder: pass.holder_name.clone(),
        masked_id: pass.holder_id_masked.clone().unwrap_or_default(),
        plate: pass.plate.clone().unwrap_or_default(),
        valid: format!("{} – {}", day(pass.valid_from), last_day(pass.valid_until)),
        issued: minute(pass.issued_at),
        number: pass.pass_number,
        manager,
        supervisor: super::supervise::may_supervise(&viewer),
        csrf: viewer.csrf.clone(),
        c,
    })
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
}

/// `POST /passes/{id}/status`: suspend, resume or revoke (the same action as the API).
pub async fn change_status(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let action = match form.action.as_str() {
        "suspend" => StatusChange::Suspend,
        "resume" => StatusChange::Resume,
        "revoke" => StatusChange::Revoke,
        _ => return action_error(viewer.chrome(), &ActionError::NotFound),
    };
    let input = StatusInput {
        action,
        reason: form.reason,
    };
    match pass_actions::change_status(&state.db, &state.pii, &viewer.caller, id, &input).await {
        Ok(_) => Redirect::to(&format!("/passes/{id}?done={}", form.action)).into_response(),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}
