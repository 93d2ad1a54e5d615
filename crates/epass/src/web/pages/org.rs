//! The organisation admin's pages of the invitation flow (SPEC §3.2): the organisation's pass
//! requests a page at a time with a form to file one, and one request with its invitation code,
//! QR and share link once approved, and a button to close it. The same actions as the JSON API.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::DoneQuery;

use super::format::{day, last_day, minute};
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::invitations::{self as inv, RequestInput, display_code, join_link};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::store::invitations::PassRequest;
use crate::store::{now_ms, pass_types};

const PER_PAGE: i64 = 20;

/// A request's state as the admin reads it.
fn state_label(req: &PassRequest, now: i64, lang: Lang) -> (&'static str, &'static str) {
    let code = match req.status.as_str() {
        "approved" => inv::state(req, now),
        "pending" => "pending",
        "rejected" => "rejected",
        _ => "closed",
    };
    let (zh, en) = match code {
        "pending" => ("待审批", "Awaiting approval"),
        "rejected" => ("未获批准", "Rejected"),
        "open" => ("已批准，受理中", "Approved, taking applications"),
        "expired" => ("已过期", "Expired"),
        "used_up" => ("名额已用完", "Every place taken"),
        _ => ("已关闭", "Closed"),
    };
    (
        code,
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
    )
}

/// One request in the list.
#[derive(Debug)]
struct Row {
    id: i64,
    type_name: String,
    purpose: String,
    state: &'static str,
    state_label: &'static str,
    places_used: i64,
    places: i64,
    period: String,
    code: String,
}

/// What the filing form shows again after a refusal.
#[derive(Debug, Default, Deserialize)]
pub struct FileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pass_type_id: String,
    #[serde(default)]
    places: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    purpose: String,
    /// Road section ids, separated by commas or spaces (optional preset).
    #[serde(default)]
    road_sections: String,
    /// Daily hours, e.g. `06:00-22:00` (optional preset).
    #[serde(default)]
    daily_window: String,
}

#[derive(Template)]
#[template(path = "org_requests.html")]
struct ListPage {
    c: Chrome,
    csrf: String,
    rows: Vec<Row>,
    next: Option<i64>,
    types: Vec<(i64, String)>,
    form: FileForm,
}

#[derive(Template)]
#[template(path = "org_request.html")]
struct RequestPage {
    c: Chrome,
    csrf: String,
    id: i64,
    type_name: String,
    purpose: String,
    state: &'static str,
    state_label: &'static str,
    places_used: i64,
    places: i64,
    period: String,
    filed: String,
    presets: Vec<(String, String)>,
    reason: String,
    code: String,
    link: String,
    closable: bool,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    after: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The types open for applications, as `(id, name)`.
async fn open_types(state: &AppState, lang: Lang) -> Result<Vec<(i64, String)>, ActionError> {
    let filter = pass_types::Filter {
        limit: 200,
        at_ms: now_ms(),
        ..pass_types::Filter::default()
    };
    Ok(pass_types::list_active(state.db.pool(), &filter)
        .await?
        .into_iter()
        .map(|pt| {
            let name = match lang {
                Lang::Zh => pt.name_zh,
                Lang::En => pt.name_en,
            };
            (pt.id, name)
        })
        .collect())
}

/// The list page, with `form` shown again and `c`'s message.
async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    after: i64,
    form: FileForm,
) -> Result<ListPage, ActionError> {
    let lang = viewer.lang;
    let mut found = inv::list(&state.db, &viewer.caller, None, after, PER_PAGE + 1).await?;
    let next = if found.len() > PER_PAGE as usize {
        found.truncate(PER_PAGE as usize);
        found.last().map(|r| r.id)
    } else {
        None
    };
    let names =
        super::applicant::type_names(state, found.iter().map(|r| r.pass_type_id), lang).await?;
    let now = now_ms();
    let rows = found
        .into_iter()
        .map(|r| {
            let (state, state_label) = state_label(&r, now, lang);
            Row {
                id: r.id,
                type_name: names.get(&r.pass_type_id).cloned().unwrap_or_default(),
                purpose: r.purpose.clone(),
                state,
                state_label,
                places_used: r.places_used,
                places: r.places,
                period: format!("{} – {}", day(r.valid_from), last_day(r.valid_until)),
                code: r.code.as_deref().map(display_code).unwrap_or_default(),
            }
        })
        .collect();
    Ok(ListPage {
        csrf: viewer.csrf.clone(),
        rows,
        next,
        types: open_types(state, lang).await?,
        form,
        c,
    })
}

/// `GET /org/requests`: the organisation's requests, a page at a time, and the filing form.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    let mut c = viewer.chrome();
    c.wide = true;
    match list_page(
        &state,
        &viewer,
        c,
        q.after.unwrap_or(0).max(0),
        FileForm::default(),
    )
    .await
    {
        Ok(page) => render(&page),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// The form's values as the action takes them; `None` with a field's message when not a number.
fn input(form: &FileForm) -> Result<RequestInput, ActionError> {
    let number = |field: &'static str, s: &str| {
        s.trim().parse::<i64>().map_err(|_| {
            ActionError::invalid_msg(field, "form.number", "请填写数字。", "Enter a number.")
        })
    };
    let mut preset = serde_json::Map::new();
    let sections: Vec<serde_json::Value> = form
        .road_sections
        .split([',', '，', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| serde_json::Value::String(s.to_owned()))
        .collect();
    if !sections.is_empty() {
        preset.insert("road_sections".into(), serde_json::Value::Array(sections));
    }
    let window = form.daily_window.trim();
    if !window.is_empty() {
        preset.insert("daily_window".into(), window.into());
    }
    Ok(RequestInput {
        pass_type_id: number("pass_type_id", &form.pass_type_id)?,
        org_id: None,
        places: number("places", &form.places)?,
        purpose: form.purpose.clone(),
        valid_from: form.valid_from.clone(),
        valid_to: form.valid_to.clone(),
        preset,
    })
}

/// `POST /org/requests`: files a request (the same action as the API); on to its page, or the
/// list again with the form as filled and what was wrong.
pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<FileForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let result = match input(&form) {
        Ok(input) => inv::file(&state.db, &viewer.caller, &input).await,
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(req) => {
            return Redirect::to(&format!("/org/requests/{}?done=filed", req.id)).into_response();
        }
        Err(e) => e,
    };
    if matches!(
        e,
        ActionError::Store(_)
            | ActionError::Internal(_)
            | ActionError::Unauthenticated
            | ActionError::Forbidden
    ) {
        return action_error(viewer.chrome(), &e);
    }
    let mut c = viewer
        .chrome()
        .with_message(Some(super::message(&e, viewer.lang)));
    c.wide = true;
    match list_page(&state, &viewer, c, 0, form).await {
        Ok(page) => render_unprocessable(&page),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

fn notice(done: Option<&str>, lang: Lang) -> Option<String> {
    let (zh, en) = match done? {
        "filed" => (
            "申报单已提交，等待主管部门审批。",
            "The request was filed; it awaits the authority's approval.",
        ),
        "closed" => (
            "申报单已关闭，邀请码不再受理申请。",
            "The request is closed; its code takes no more applications.",
        ),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    })
}

/// A preset value in words.
fn preset_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(preset_value)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// `GET /org/requests/{id}`: the request's state; once approved, its code large, the QR and the
/// link to send to drivers, and the button to close it.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let lang = viewer.lang;
    let req = match inv::get(&state.db, &viewer.caller, id).await {
        Ok(r) => r,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let pt = match pass_types::get(state.db.pool(), req.pass_type_id).await {
        Ok(pt) => pt,
        Err(e) => return action_error(viewer.chrome(), &e.into()),
    };
    let label = |key: &str| {
        pt.definition
            .field(key)
            .map_or_else(|| key.to_owned(), |f| f.label.get(lang).to_owned())
    };
    let (code_state, state_text) = state_label(&req, now_ms(), lang);
    let presets = req
        .preset
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (label(k), preset_value(v))).collect())
        .unwrap_or_default();
    let reason = match (&req.reason_code, &req.reason_text) {
        (Some(code), Some(text)) if req.status == "rejected" => format!("{text} ({code})"),
        _ => String::new(),
    };
    let c = viewer
        .chrome()
        .with_message(notice(q.done.as_deref(), lang));
    let type_name = match lang {
        Lang::Zh => pt.name_zh.clone(),
        Lang::En => pt.name_en.clone(),
    };
    render(&RequestPage {
        csrf: viewer.csrf.clone(),
        id: req.id,
        type_name,
        purpose: req.purpose.clone(),
        state: code_state,
        state_label: state_text,
        places_used: req.places_used,
        places: req.places,
        period: format!("{} – {}", day(req.valid_from), last_day(req.valid_until)),
        filed: minute(req.created_at),
        presets,
        reason,
        code: req.code.as_deref().map(display_code).unwrap_or_default(),
        link: req
            .code
            .as_deref()
            .map(|code| join_link(&state.config.public_url(), code))
            .unwrap_or_default(),
        closable: matches!(req.status.as_str(), "pending" | "approved"),
        c,
    })
}

/// `POST /org/requests/{id}/close`: closes the request (the same action as the API).
pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    match inv::close(&state.db, &viewer.caller, id).await {
        Ok(_) => Redirect::to(&format!("/org/requests/{id}?done=closed")).into_response(),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}
