//! The authority reviewer's pages of the invitation flow (SPEC §3.2 step 2): the organisations'
//! pass requests awaiting approval, a page at a time, and one request with a form to approve it
//! (its invitation code goes to the admin who filed it) or reject it with a reason — the same
//! action as `POST /api/v1/pass-requests/{id}/decision`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::format::{day, last_day, minute};
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::invitations::{self as inv, RequestDecision, RequestVerb, display_code};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::store::invitations::PassRequest;
use crate::store::{orgs, pass_types};

const PER_PAGE: i64 = 20;

/// The reasons an authority gives for refusing a request, as `(code, zh, en)`.
const REASONS: &[(&str, &str, &str)] = &[
    ("not_needed", "无通行必要", "No need to travel"),
    ("too_many_places", "名额过多", "Too many places"),
    ("period_too_long", "期限过长", "The period is too long"),
    ("other", "其他", "Other"),
];

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// One request, as the lists and the decision page show it.
#[derive(Debug)]
struct Row {
    id: i64,
    org_name: String,
    type_name: String,
    purpose: String,
    places: i64,
    period: String,
    filed: String,
}

#[derive(Template)]
#[template(path = "authority_requests.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    next: Option<i64>,
}

#[derive(Template)]
#[template(path = "authority_request.html")]
struct RequestPage {
    c: Chrome,
    csrf: String,
    r: Row,
    /// `pending`, `approved`, `rejected` or `closed`.
    status: String,
    status_label: String,
    presets: Vec<(String, String)>,
    code: String,
    reason: String,
    reasons: Vec<(String, String)>,
    reason_text: String,
}

/// Only authority reviewers decide requests; others are told so.
fn desk(viewer: &Viewer) -> Result<Chrome, Box<Response>> {
    let mut c = viewer.chrome();
    c.wide = true;
    if viewer.caller.has_role(Role::AuthorityReviewer) {
        Ok(c)
    } else {
        Err(Box::new(action_error(c, &ActionError::Forbidden)))
    }
}

/// The rows of `found`, with their organisation and type in words.
async fn rows(
    state: &AppState,
    found: &[PassRequest],
    lang: Lang,
) -> Result<Vec<Row>, ActionError> {
    let names =
        super::applicant::type_names(state, found.iter().map(|r| r.pass_type_id), lang).await?;
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        out.push(Row {
            id: r.id,
            org_name: orgs::get(state.db.pool(), r.org_id).await?.name,
            type_name: names.get(&r.pass_type_id).cloned().unwrap_or_default(),
            purpose: r.purpose.clone(),
            places: r.places,
            period: format!("{} – {}", day(r.valid_from), last_day(r.valid_until)),
            filed: minute(r.created_at),
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    after: Option<i64>,
    done: Option<String>,
}

/// `GET /authority/requests`: requests awaiting approval in the reviewer's organisations.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let lang = viewer.lang;
    let after = q.after.unwrap_or(0).max(0);
    let result = inv::list(
        &state.db,
        &viewer.caller,
        Some("pending"),
        after,
        PER_PAGE + 1,
    )
    .await;
    let mut found = match result {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    let next = if found.len() > PER_PAGE as usize {
        found.truncate(PER_PAGE as usize);
        found.last().map(|r| r.id)
    } else {
        None
    };
    let message = match q.done.as_deref() {
        Some("approve") => Some(pick(
            lang,
            "申报单已批准，邀请码已发送给申报人。",
            "The request is approved; its invitation code was sent to whoever filed it.",
        )),
        Some("reject") => Some(pick(
            lang,
            "申报单未获批准，理由已告知申报人。",
            "The request was rejected; whoever filed it is told why.",
        )),
        _ => None,
    };
    match rows(&state, &found, lang).await {
        Ok(rows) => render(&ListPage {
            c: c.with_message(message),
            rows,
            next,
        }),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// The decision page of request `id`.
async fn request_page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    id: i64,
    reason_text: String,
) -> Result<RequestPage, ActionError> {
    let lang = viewer.lang;
    let req = inv::get(&state.db, &viewer.caller, id).await?;
    let pt = pass_types::get(state.db.pool(), req.pass_type_id).await?;
    let presets = req
        .preset
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let label = pt
                        .definition
                        .field(k)
                        .map_or_else(|| k.clone(), |f| f.label.get(lang).to_owned());
                    (label, super::format::value(v))
                })
                .collect()
        })
        .unwrap_or_default();
    let status_label = match req.status.as_str() {
        "pending" => pick(lang, "待审批", "Awaiting approval"),
        "approved" => pick(lang, "已批准", "Approved"),
        "rejected" => pick(lang, "未获批准", "Rejected"),
        _ => pick(lang, "已关闭", "Closed"),
    };
    let reason = match (&req.reason_code, &req.reason_text) {
        (Some(code), Some(text)) if req.status == "rejected" => {
            let label = REASONS
                .iter()
                .find(|(c, ..)| c == code)
                .map_or_else(|| code.clone(), |(_, zh, en)| pick(lang, zh, en));
            format!("{label}：{text}")
        }
        _ => String::new(),
    };
    let mut row = rows(state, std::slice::from_ref(&req), lang).await?;
    let r = row.pop().ok_or(ActionError::NotFound)?;
    Ok(RequestPage {
        c,
        csrf: viewer.csrf.clone(),
        r,
        status: req.status.clone(),
        status_label,
        presets,
        code: req.code.as_deref().map(display_code).unwrap_or_default(),
        reason,
        reasons: REASONS
            .iter()
            .map(|(code, zh, en)| ((*code).to_owned(), pick(lang, zh, en)))
            .collect(),
        reason_text,
    })
}

/// `GET /authority/requests/{id}`: the request and, while pending, the decision.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    match request_page(&state, &viewer, c, id, String::new()).await {
        Ok(page) => render(&page),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reason_text: String,
}

/// `POST /authority/requests/{id}/decision`: approves or rejects (the same action as the API);
/// back to the list, or to the request with what was wrong.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let action = match form.action.as_str() {
        "approve" => RequestVerb::Approve,
        "reject" => RequestVerb::Reject,
        _ => return action_error(viewer.chrome(), &ActionError::NotFound),
    };
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let input = RequestDecision {
        action,
        reason_code: some(&form.reason_code),
        reason_text: some(&form.reason_text),
    };
    let link_base = state.config.public_url();
    match inv::decide(&state.db, &viewer.caller, &link_base, id, &input).await {
        Ok(_) => Redirect::to(&format!("/authority/requests?done={}", form.action)).into_response(),
        Err(
            e @ (ActionError::Invalid { .. }
            | ActionError::Refused { .. }
            | ActionError::Conflict(_)),
        ) => {
            let mut c = viewer
                .chrome()
                .with_message(Some(super::message(&e, viewer.lang)));
            c.wide = true;
            match request_page(&state, &viewer, c, id, form.reason_text).await {
                Ok(page) => render_unprocessable(&page),
                Err(e) => action_error(viewer.chrome(), &e),
            }
        }
        Err(e) => action_error(viewer.chrome(), &e),
    }
}
