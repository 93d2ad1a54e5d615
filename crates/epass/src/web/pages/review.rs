//! The reviewer's desk: the queue (priority first, overdue marked, a page at a time) and one
//! application with its data, eligibility results, documents and history, to approve, reject
//! with a reason or return — the same action as the API.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::format::{self, REJECT_REASONS, day, last_day, minute};
use super::{Chrome, Viewer, action_error, done_notice, render};
use crate::actions::ActionError;
use crate::actions::applications as app_actions;
use crate::actions::review::{self, DecisionInput, Verb};
use crate::app::AppState;
use crate::domain::pass_type::Priority;
use crate::i18n::Lang;
use crate::store::applications::Application;
use crate::store::{applications, pass_types};

const PER_PAGE: usize = 20;
/// How many of the most urgent applications a queue looks at (as the API's).
const SCAN: i64 = 500;

#[derive(Debug)]
struct QueueRow {
    id: i64,
    type_name: String,
    holder: String,
    plate: String,
    level: i64,
    submitted: String,
    due: String,
    overdue: bool,
    /// `urgent`, `green_channel` or empty.
    priority: &'static str,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<QueueRow>,
    page: usize,
    pages: usize,
    total: usize,
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    page: Option<usize>,
    done: Option<String>,
}

fn priority(rank: i64) -> &'static str {
    match rank {
        r if r == i64::from(Priority::Urgent.rank()) => "urgent",
        r if r == i64::from(Priority::GreenChannel.rank()) => "green_channel",
        _ => "",
    }
}

/// `GET /reviews`: what the person may decide now, most urgent first.
pub async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Response {
    let lang = viewer.lang;
    let mut c = viewer
        .chrome()
        .with_message(done_notice(q.done.as_deref(), lang));
    c.wide = true;
    let items = match review::queue(&state.db, &viewer.caller, SCAN).await {
        Ok(items) => items,
        Err(e) => return action_error(c, &e),
    };
    let total = items.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let items: Vec<_> = items
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let ids = items.iter().map(|i| i.application.pass_type_id);
    let names = match super::applicant::type_names(&state, ids, lang).await {
        Ok(n) => n,
        Err(e) => return action_error(c, &e),
    };
    let mut rows = Vec::new();
    for item in items {
        let a = item.application;
        rows.push(QueueRow {
            id: a.id,
            type_name: names.get(&a.pass_type_id).cloned().unwrap_or_default(),
            holder: a.holder_name,
            plate: a.plate.unwrap_or_default(),
            level: a.level,
            submitted: minute(a.submitted_at),
            due: a.level_due_at.map(day).unwrap_or_default(),
            overdue: item.overdue,
            priority: priority(a.priority),
        });
    }
    render(&QueuePage {
        c,
        rows,
        page,
        pages,
        total,
    })
}

/// One eligibility check's result.
#[derive(Debug)]
struct CheckRow {
    name: String,
    /// `passed`, `failed` or `could_not_check`.
    outcome: String,
    detail: String,
}

#[derive(Debug)]
struct HistoryRow {
    when: String,
    level: i64,
    action: String,
    why: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    c: Chrome,
    id: i64,
    version: i64,
    type_name: String,
    status: String,
    in_review: bool,
    level: i64,
    level_name: String,
    holder: String,
    masked_id: String,
    plate: String,
    period: String,
    submitted: String,
    due: String,
    overdue: bool,
    rows: Vec<(String, String)>,
    checks: Vec<CheckRow>,
    documents: Vec<(i64, String, String)>,
    history: Vec<HistoryRow>,
    reasons: Vec<(String, String)>,
    reason_text: String,
    csrf: String,
}

/// The eligibility results stored with the application, in words.
fn check_rows(
    app: &Application,
    def: &crate::domain::pass_type::PassTypeDefinition,
    lang: Lang,
) -> Vec<CheckRow> {
    let Some(items) = app.eligibility.as_ref().and_then(|e| e.as_array()) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let name = item["check"].as_str().unwrap_or_default();
            let result = &item["result"];
            let outcome = result["outcome"].as_str().unwrap_or_default().to_owned();
            let detail = result[lang.tag()].as_str().unwrap_or_default().to_owned();
            let label = def.checks.iter().find(|c| c.name() == name).map_or_else(
                || name.to_owned(),
                |c| match lang {
                    Lang::Zh => c.zh(),
                    Lang::En => c.en(),
                },
            );
            CheckRow {
                name: label,
                outcome,
                detail,
            }
        })
        .collect()
}

async fn review_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    c: Chrome,
    reason_text: String,
) -> Result<ReviewPage, Response> {
    let lang = viewer.lang;
    let fail = |c: &Chrome, e: ActionError| action_error(c.clone(), &e);
    let app = app_actions::get(&state.db, &viewer.caller, id)
        .await
        .map_err(|e| fail(&c, e))?;
    let loaded = async {
        Ok::<_, ActionError>((
            pass_types::get(state.db.pool(), app.pass_type_id).await?,
            applications::decisions(state.db.pool(), id).await?,
            crate::actions::documents::list(&state.db, &viewer.caller, id).await?,
        ))
    }
    .await;
    let (pt, decisions, documents) = loaded.map_err(|e| fail(&c, e))?;
    let level_name = pt
        .definition
        .workflow
        .level(usize::try_from(app.level).unwrap_or(0))
        .and_then(|l| l.name.as_ref())
        .map(|n| n.get(lang).to_owned())
        .unwrap_or_default();
    let now = crate::store::now_ms();
    Ok(ReviewPage {
        id: app.id,
        version: app.version,
        type_name: match lang {
            Lang::Zh => pt.name_zh.clone(),
            Lang::En => pt.name_en.clone(),
        },
        status: format::application_status(&app.status, lang),
        in_review: app.status == "in_review",
        level: app.level,
        level_name,
        holder: app.holder_name.clone(),
        masked_id: app.holder_id_masked.clone().unwrap_or_default(),
        plate: app.plate.clone().unwrap_or_default(),
        period: format!("{} – {}", day(app.valid_from), last_day(app.valid_until)),
        submitted: minute(app.submitted_at),
        due: app.level_due_at.map(day).unwrap_or_default(),
        overdue: app.level_due_at.is_some_and(|d| d < now),
        rows: format::form_rows(&pt.definition, &app.form, lang),
        checks: check_rows(&app, &pt.definition, lang),
        documents: documents
            .documents
            .iter()
            .map(|d| (d.id, d.kind.clone(), minute(d.uploaded_at)))
            .collect(),
        history: decisions
            .iter()
            .map(|d| HistoryRow {
                when: minute(d.decided_at),
                level: d.level,
                action: format::decision(&d.action, lang),
                why: match (&d.reason_code, &d.reason_text) {
                    (Some(code), Some(t)) => format!("{}：{t}", format::reject_reason(code, lang)),
                    (None, Some(t)) => t.clone(),
                    _ => String::new(),
                },
            })
            .collect(),
        reasons: REJECT_REASONS
            .iter()
            .map(|(code, zh, en)| {
                (
                    (*code).to_owned(),
                    match lang {
                        Lang::Zh => (*zh).to_owned(),
                        Lang::En => (*en).to_owned(),
                    },
                )
            })
            .collect(),
        reason_text,
        csrf: viewer.csrf.clone(),
        c,
    })
}

/// `GET /reviews/{id}`: the application beside its checks and documents, and the decision.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    let mut c = viewer.chrome();
    c.wide = true;
    match review_page(&state, &viewer, id, c, String::new()).await {
        Ok(page) => render(&page),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    action: String,
    version: i64,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reason_text: String,
}

/// `POST /reviews/{id}`: decides the current level; back to the queue, or to the page with
/// what was wrong.
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
        "approve" => Verb::Approve,
        "reject" => Verb::Reject,
        "return" => Verb::Return,
        _ => return action_error(viewer.chrome(), &ActionError::NotFound),
    };
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let input = DecisionInput {
        action,
        reason_code: some(&form.reason_code),
        reason_text: some(&form.reason_text),
        version: form.version,
    };
    let link_base = state.config.public_url();
    match review::decide(
        &state.db,
        &state.pii,
        &link_base,
        &viewer.caller,
        id,
        &input,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/reviews?done={}", action.as_str())).into_response(),
        Err(
            e @ (ActionError::Invalid { .. }
            | ActionError::Refused { .. }
            | ActionError::Conflict(_)),
        ) => {
            let mut c = viewer
                .chrome()
                .with_message(Some(super::message(&e, viewer.lang)));
            c.wide = true;
            match review_page(&state, &viewer, id, c, form.reason_text).await {
                Ok(page) => {
                    let mut response = render(&page);
                    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    response
                }
                Err(response) => response,
            }
        }
        Err(e) => action_error(viewer.chrome(), &e),
    }
}
