//! The reviewer's queue: priority first, overdue rows marked, a page at a time, with a box on
//! each row to decide the ticked ones together (approve, reject with a reason, return) through
//! the same bulk action as `POST /api/v1/reviews/bulk`, and a summary of what was decided.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::format::{self, REJECT_REASONS, day, minute};
use super::{Chrome, Viewer, action_error, done_notice, render};
use crate::actions::ActionError;
use crate::actions::bulk_review::{self, BulkDecided, BulkDecisionInput};
use crate::actions::review::{self, Verb};
use crate::app::AppState;
use crate::domain::pass_type::Priority;
use crate::i18n::Lang;

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

/// What a bulk decision did, in words.
#[derive(Debug, Default)]
struct Summary {
    action: String,
    decided: Vec<(i64, String, String)>,
    skipped: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct QueuePage {
    c: Chrome,
    csrf: String,
    rows: Vec<QueueRow>,
    page: usize,
    pages: usize,
    total: usize,
    overdue: usize,
    reasons: Vec<(String, String)>,
    summary: Option<Summary>,
    /// The bulk form's reason text, shown again after a refusal.
    reason_text: String,
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

fn reasons(lang: Lang) -> Vec<(String, String)> {
    REJECT_REASONS
        .iter()
        .map(|(code, zh, en)| {
            let label = match lang {
                Lang::Zh => zh,
                Lang::En => en,
            };
            ((*code).to_owned(), (*label).to_owned())
        })
        .collect()
}

/// The queue's page `page`, with `c`'s message and a bulk decision's summary.
async fn queue_page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    page: usize,
    summary: Option<Summary>,
    reason_text: String,
) -> Result<QueuePage, ActionError> {
    let lang = viewer.lang;
    let items = review::queue(&state.db, &viewer.caller, SCAN).await?;
    let total = items.len();
    let overdue = items.iter().filter(|i| i.overdue).count();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let items: Vec<_> = items
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let ids = items.iter().map(|i| i.application.pass_type_id);
    let names = super::applicant::type_names(state, ids, lang).await?;
    let rows = items
        .into_iter()
        .map(|item| {
            let a = item.application;
            QueueRow {
                id: a.id,
                type_name: names.get(&a.pass_type_id).cloned().unwrap_or_default(),
                holder: a.holder_name,
                plate: a.plate.unwrap_or_default(),
                level: a.level,
                submitted: minute(a.submitted_at),
                due: a.level_due_at.map(day).unwrap_or_default(),
                overdue: item.overdue,
                priority: priority(a.priority),
            }
        })
        .collect();
    Ok(QueuePage {
        c,
        csrf: viewer.csrf.clone(),
        rows,
        page,
        pages,
        total,
        overdue,
        reasons: reasons(lang),
        summary,
        reason_text,
    })
}

/// `GET /reviews`: what the person may decide now, most urgent first.
pub async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Response {
    let mut c = viewer
        .chrome()
        .with_message(done_notice(q.done.as_deref(), viewer.lang));
    c.wide = true;
    let page = q.page.unwrap_or(1);
    match queue_page(&state, &viewer, c, page, None, String::new()).await {
        Ok(p) => render(&p),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// The value of `name` in a posted form (the first one).
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /reviews/bulk`: the ticked applications (`pick`, repeated) decided together; the queue
/// again with what was decided and what was left, and why.
pub async fn bulk(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, field(&pairs, "csrf")) {
        return refusal.into_response();
    }
    let lang = viewer.lang;
    let action = match field(&pairs, "action") {
        "approve" => Verb::Approve,
        "reject" => Verb::Reject,
        "return" => Verb::Return,
        _ => return action_error(viewer.chrome(), &ActionError::NotFound),
    };
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "pick")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let reason_text = field(&pairs, "reason_text").to_owned();
    let input = BulkDecisionInput {
        application_ids: ids,
        action,
        // A reason code only rejects; approving or returning ignores the chosen one.
        reason_code: (action == Verb::Reject)
            .then(|| some(field(&pairs, "reason_code")))
            .flatten(),
        reason_text: some(&reason_text),
    };
    let page = field(&pairs, "page").parse().unwrap_or(1);
    let link_base = state.config.public_url();
    let result =
        bulk_review::decide_many(&state.db, &state.pii, &link_base, &viewer.caller, &input).await;
    let mut c = viewer.chrome();
    c.wide = true;
    let (c, summary, status, keep) = match result {
        Ok(done) => (
            c,
            Some(summary(&done, action, lang)),
            StatusCode::OK,
            String::new(),
        ),
        Err(e @ (ActionError::Invalid { .. } | ActionError::Refused { .. })) => (
            c.with_message(Some(super::message(&e, lang))),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            reason_text,
        ),
        Err(e) => return action_error(c, &e),
    };
    match queue_page(&state, &viewer, c, page, summary, keep).await {
        Ok(p) => {
            let mut response = render(&p);
            *response.status_mut() = status;
            response
        }
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

fn summary(done: &BulkDecided, action: Verb, lang: Lang) -> Summary {
    Summary {
        action: format::decision(action.as_str(), lang),
        decided: done
            .decided
            .iter()
            .map(|d| {
                (
                    d.application_id,
                    format::application_status(&d.status, lang),
                    d.pass_number.clone().unwrap_or_default(),
                )
            })
            .collect(),
        skipped: done
            .skipped
            .iter()
            .map(|s| {
                let why = match lang {
                    Lang::Zh => s.zh,
                    Lang::En => s.en,
                };
                (s.application_id, why.to_owned())
            })
            .collect(),
    }
}
