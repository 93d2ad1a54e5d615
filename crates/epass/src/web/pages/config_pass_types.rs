//! `/config/pass-types`: an authority's pass types, a page at a time with kind, version and
//! status; one type read in words (form, documents, checks, workflow levels, validity); the
//! definition edited as JSON in a textarea, a mistake shown at its path in the reader's language
//! with nothing changed; a new type; retiring one after ticking a confirmation. The same actions
//! as `/api/v1/pass-types`.

mod edit;

pub use edit::{create, edit_form, new_form, update};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::config::{self, ConfigQuery, RetireForm, Scope, Tabs, kind_label, over_authority};
use super::config_pass_type_view::{Details, details};
use super::format::minute;
use super::{Chrome, Viewer, action_error, render};
use crate::actions::pass_types as actions;
use crate::actions::{ActionError, ActionResult};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::store::now_ms;
use crate::store::pass_types::PassType;

#[derive(Debug)]
struct Row {
    id: i64,
    code: String,
    name: String,
    kind: &'static str,
    version: i64,
    status: &'static str,
    status_label: &'static str,
    active_from: String,
}

#[derive(Template)]
#[template(path = "config_pass_types.html")]
struct ListPage {
    c: Chrome,
    tabs: Tabs,
    rows: Vec<Row>,
    next: Option<i64>,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "config_pass_type.html")]
struct ShowPage {
    c: Chrome,
    tabs: Tabs,
    id: i64,
    code: String,
    name: String,
    kind: &'static str,
    version: i64,
    status: &'static str,
    status_label: &'static str,
    active_from: String,
    d: Details,
    can_write: bool,
    csrf: String,
}

fn status(pt: &PassType, lang: Lang) -> (&'static str, &'static str) {
    if pt.retired_at.is_some() {
        ("retired", config::pick(lang, "已停用", "Retired"))
    } else if pt.active_from > now_ms() {
        ("scheduled", config::pick(lang, "待生效", "Not yet active"))
    } else {
        ("active", config::pick(lang, "受理中", "Active"))
    }
}

fn name(pt: &PassType, lang: Lang) -> String {
    match lang {
        Lang::Zh => pt.name_zh.clone(),
        Lang::En => pt.name_en.clone(),
    }
}

/// `GET /config/pass-types`: every type of the authority, a page at a time.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ConfigQuery>,
) -> Response {
    let lang = viewer.lang;
    let after = q.after.unwrap_or(0).max(0);
    let scope = match config::scope(&state, &viewer, q.authority).await {
        Ok(s) => s,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let limit = i64::try_from(config::PER_PAGE).unwrap_or(20) + 1;
    let found = actions::list_all(&state.db, &viewer.caller, scope.authority.id, after, limit);
    let (rows, next) = match found.await {
        Ok(rows) => config::page_of(rows, after, |p| p.id),
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let rows = rows
        .iter()
        .map(|pt| {
            let (status, status_label) = status(pt, lang);
            Row {
                id: pt.id,
                code: pt.code.clone(),
                name: name(pt, lang),
                kind: kind_label(pt.kind, lang),
                version: pt.version,
                status,
                status_label,
                active_from: minute(pt.active_from),
            }
        })
        .collect();
    render(&ListPage {
        c: config::chrome(&viewer, config::notice(q.done.as_deref(), lang)),
        can_write: over_authority(&viewer, &scope.authority, &[Role::SystemAdmin]),
        tabs: Tabs::new("pass-types", scope),
        rows,
        next,
    })
}

/// The type `id` if it belongs to one of the viewer's authorities, with that authority.
async fn visible(state: &AppState, viewer: &Viewer, id: i64) -> ActionResult<(PassType, Scope)> {
    if !config::may_configure(viewer) {
        return Err(ActionError::Forbidden);
    }
    let pt = actions::get(&state.db, &viewer.caller, id).await?;
    if !config::authority_ids(viewer).contains(&pt.authority_id) {
        return Err(ActionError::Forbidden);
    }
    let scope = config::scope(state, viewer, Some(pt.authority_id)).await?;
    Ok((pt, scope))
}

/// `GET /config/pass-types/{id}`: the type in words.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<ConfigQuery>,
) -> Response {
    let lang = viewer.lang;
    let (pt, scope) = match visible(&state, &viewer, id).await {
        Ok(found) => found,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let (status, status_label) = status(&pt, lang);
    render(&ShowPage {
        c: config::chrome(&viewer, config::notice(q.done.as_deref(), lang)),
        can_write: pt.retired_at.is_none()
            && over_authority(&viewer, &scope.authority, &[Role::SystemAdmin]),
        tabs: Tabs::new("pass-types", scope),
        id: pt.id,
        code: pt.code.clone(),
        name: name(&pt, lang),
        kind: kind_label(pt.kind, lang),
        version: pt.version,
        status,
        status_label,
        active_from: minute(pt.active_from),
        d: details(&pt.definition, lang),
        csrf: viewer.csrf.clone(),
    })
}

/// `POST /config/pass-types/{id}/retire`: retires the type once the box is ticked.
pub async fn retire(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RetireForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    if !config::confirmed(&form.confirm) {
        let c = config::chrome(&viewer, None);
        return action_error(c, &config::unconfirmed());
    }
    match actions::retire(&state.db, &viewer.caller, id).await {
        Ok(_) => Redirect::to(&format!("/config/pass-types/{id}?done=retired")).into_response(),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}
