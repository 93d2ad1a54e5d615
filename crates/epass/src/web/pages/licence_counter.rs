//! The licensing office's counter (`/licences/counter`): a clerk (authority reviewer) issues an
//! electronic licence for someone who cannot use the app — their ID number, mobile number and
//! a photo taken at the counter (the device's camera through a file input) — and sees the
//! licence issued, recorded as the clerk's doing.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::apply::{parts, unreadable};
use super::form_fields as ff;
use super::licences::{both, licence_types, services, state_label, uploaded};
use super::{Chrome, Viewer, action_error, render};
use crate::actions::ActionError;
use crate::actions::licences::{self as actions, CounterInput, LicenceView, PhotoChoice};
use crate::app::AppState;
use crate::domain::roles::Role;

/// A licence type as the clerk chooses it: `(id, name)`.
type TypeChoice = (i64, String);

#[derive(Template)]
#[template(path = "licence_counter.html")]
struct CounterPage {
    c: Chrome,
    csrf: String,
    types: Vec<TypeChoice>,
    id_number: String,
    phone: String,
    issued: Option<LicenceView>,
    issued_state: String,
    refusal: Option<(String, String)>,
}

/// The page chrome for the office's clerks; others are refused.
fn clerk(viewer: &Viewer) -> Option<Chrome> {
    viewer
        .caller
        .has_role(Role::AuthorityReviewer)
        .then(|| viewer.chrome())
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    typed: (String, String),
    issued: Option<LicenceView>,
    refusal: Option<(String, String)>,
) -> Result<CounterPage, ActionError> {
    let lang = c.lang();
    let types = licence_types(state, lang)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(CounterPage {
        csrf: viewer.csrf.clone(),
        types,
        id_number: typed.0,
        phone: typed.1,
        issued_state: issued
            .as_ref()
            .map(|l| state_label(&l.status, lang))
            .unwrap_or_default(),
        issued,
        refusal,
        c,
    })
}

/// `GET /licences/counter`: the clerk's form.
pub async fn form(State(state): State<AppState>, viewer: Viewer) -> Response {
    let Some(c) = clerk(&viewer) else {
        return action_error(viewer.chrome(), &ActionError::Forbidden);
    };
    let typed = (String::new(), String::new());
    match page(&state, &viewer, c.clone(), typed, None, None).await {
        Ok(p) => render(&p),
        Err(e) => action_error(c, &e),
    }
}

/// `POST /licences/counter` (`multipart/form-data`): issues, or the form with the reason.
pub async fn issue(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(parts) = parts(&headers, &body) else {
        return unreadable(viewer.chrome());
    };
    if let Err(refusal) = viewer.own_form(&headers, &ff::text_of(&parts, "csrf")) {
        return refusal.into_response();
    }
    let c = viewer.chrome();
    let typed = (
        ff::text_of(&parts, "id_number"),
        ff::text_of(&parts, "phone"),
    );
    let photo = match uploaded(&parts) {
        Some(bytes) => PhotoChoice::Upload(bytes),
        None => PhotoChoice::Registry,
    };
    let link_base = state.config.public_url();
    let input = CounterInput {
        pass_type_id: ff::text_of(&parts, "pass_type_id").parse().unwrap_or(0),
        id_number: typed.0.clone(),
        phone: typed.1.clone(),
        photo,
        max_bytes: state.config.documents.max_bytes,
    };
    let services = services(&state, &link_base);
    let (issued, refusal) =
        match actions::apply_at_counter(&state.db, services, &viewer.caller, input).await {
            Ok(view) => (Some(view), None),
            Err(
                e @ (ActionError::Store(_) | ActionError::Internal(_) | ActionError::Forbidden),
            ) => {
                return action_error(c, &e);
            }
            Err(e) => (None, Some(both(&e))),
        };
    let failed = refusal.is_some();
    let typed = if failed {
        typed
    } else {
        (String::new(), String::new())
    };
    match page(&state, &viewer, c.clone(), typed, issued, refusal).await {
        Ok(p) => {
            let mut response = render(&p);
            *response.status_mut() = if failed {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            response
        }
        Err(e) => action_error(c, &e),
    }
}
