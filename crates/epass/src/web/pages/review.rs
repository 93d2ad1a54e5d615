//! The reviewer's desk: one application with its data and eligibility results beside its
//! documents (images shown, PDFs linked) and history, to approve, approve with documents owed
//! (容缺受理, at the final level), reject with a reason or return — the same action as the API.
//! Once the pass is issued the page shows its number and the documents still owed.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::format::{self, REJECT_REASONS, day, last_day, minute};
use super::review_queue::field;
use super::{Chrome, DoneQuery, Viewer, action_error, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::applications as app_actions;
use crate::actions::owed::OwedInput;
use crate::actions::review::{self, DecisionInput, Verb};
use crate::app::AppState;
use crate::domain::documents::{kind_code, parse_kind};
use crate::i18n::Lang;
use crate::store::applications::Application;
use crate::store::pass_types::PassType;
use crate::store::{applications, pass_types, passes};

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
    documents: Vec<DocumentView>,
    /// The applicant's registered ID card photos: `(side, label, when)`.
    id_card: Vec<(String, String, String)>,
    history: Vec<HistoryRow>,
    reasons: Vec<(String, String)>,
    reason_text: String,
    csrf: String,
    /// At the last level: the approval may leave documents owed.
    final_level: bool,
    /// The required kinds, as `(code, label, not yet uploaded)`.
    owable: Vec<(String, String, bool)>,
    /// The default and latest deadline for owed documents, `YYYY-MM-DD`.
    owed_until: String,
    owed_latest: String,
    /// The pass issued, and the documents owed with it.
    pass: Option<(i64, String)>,
    owed: Vec<OwedRow>,
}

/// One uploaded document, shown inline when it is an image.
#[derive(Debug)]
struct DocumentView {
    id: i64,
    label: String,
    when: String,
    image: bool,
}

/// One document owed with the pass.
#[derive(Debug)]
struct OwedRow {
    label: String,
    until: String,
    supplied: bool,
}

/// The label of a document kind in the pass type's words.
fn kind_label(pt: &PassType, code: &str, lang: Lang) -> String {
    pt.definition
        .documents
        .iter()
        .find(|d| kind_code(d.kind) == code)
        .map_or_else(|| code.to_owned(), |d| d.label.get(lang).to_owned())
}

/// Today plus `days`, `YYYY-MM-DD` in China time.
fn day_from_now(days: i64) -> String {
    day(crate::store::now_ms() + days * 86_400_000)
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
            crate::actions::real_name::on_record_for_application(&state.db, &viewer.caller, id)
                .await?,
        ))
    }
    .await;
    let (pt, decisions, documents, id_card) = loaded.map_err(|e| fail(&c, e))?;
    let pass = passes::by_application(state.db.pool(), id)
        .await
        .map_err(|e| fail(&c, e.into()))?;
    let uploaded = |code: &str| documents.documents.iter().any(|d| d.kind == code);
    let owable = pt
        .definition
        .documents
        .iter()
        .filter(|d| d.required)
        .map(|d| {
            let code = kind_code(d.kind);
            (
                code.to_owned(),
                d.label.get(lang).to_owned(),
                !uploaded(code),
            )
        })
        .collect();
    let max_days = state.config.documents.owed_max_days;
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
            .map(|d| DocumentView {
                id: d.id,
                label: kind_label(&pt, &d.kind, lang),
                when: minute(d.uploaded_at),
                image: d.content_type.starts_with("image/"),
            })
            .collect(),
        id_card: id_card
            .iter()
            .map(|d| {
                let (side, zh, en) = if d.kind == "id_card_back" {
                    ("back", "身份证国徽面", "ID card, back")
                } else {
                    ("front", "身份证人像面", "ID card, front")
                };
                let label = match lang {
                    Lang::Zh => zh,
                    Lang::En => en,
                };
                (side.to_owned(), label.to_owned(), minute(d.uploaded_at))
            })
            .collect(),
        owed: documents
            .owed
            .iter()
            .map(|o| OwedRow {
                label: kind_label(&pt, &o.kind, lang),
                until: last_day(o.due_at),
                supplied: o.fulfilled_at.is_some(),
            })
            .collect(),
        final_level: usize::try_from(app.level).unwrap_or(0) == pt.definition.workflow.len(),
        owable,
        owed_until: day_from_now(7.min(max_days)),
        owed_latest: day_from_now(max_days),
        pass: pass.map(|p| (p.id, p.pass_number)),
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
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let mut c = viewer
        .chrome()
        .with_message(super::done_notice(q.done.as_deref(), viewer.lang));
    c.wide = true;
    match review_page(&state, &viewer, id, c, String::new()).await {
        Ok(page) => render(&page),
        Err(response) => response,
    }
}

/// `POST /reviews/{id}`: decides the current level (`action`: `approve`, `approve_owed` with the
/// ticked `owed` kinds and `owed_until`, `reject` or `return`); back to the queue — or, with
/// documents owed, to this page showing the pass and what is owed — or to the page with what
/// was wrong.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, field(&pairs, "csrf")) {
        return refusal.into_response();
    }
    let verb = field(&pairs, "action");
    let action = match verb {
        "approve" | "approve_owed" => Verb::Approve,
        "reject" => Verb::Reject,
        "return" => Verb::Return,
        _ => return action_error(viewer.chrome(), &ActionError::NotFound),
    };
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let reason_text = field(&pairs, "reason_text").to_owned();
    let input = DecisionInput {
        action,
        reason_code: some(field(&pairs, "reason_code")),
        reason_text: some(&reason_text),
        version: field(&pairs, "version").trim().parse().unwrap_or(0),
    };
    let owed = if verb == "approve_owed" {
        let mut kinds = Vec::new();
        for (_, code) in pairs.iter().filter(|(k, _)| k == "owed") {
            match parse_kind(code) {
                Some(kind) => kinds.push(kind),
                None => return action_error(viewer.chrome(), &ActionError::NotFound),
            }
        }
        OwedInput {
            owed_documents: kinds,
            owed_until: some(field(&pairs, "owed_until")),
        }
    } else {
        OwedInput::default()
    };
    if verb == "approve_owed" && owed.owed_documents.is_empty() {
        let e = ActionError::invalid_msg(
            "owed_documents",
            "review.owed_documents_missing",
            "容缺受理须勾选欠缺的材料。",
            "Tick the documents that are owed.",
        );
        return again(&state, &viewer, id, &e, reason_text).await;
    }
    let link_base = state.config.public_url();
    match review::decide_owing(
        &state.db,
        &state.pii,
        &link_base,
        &viewer.caller,
        id,
        &input,
        &owed,
        state.config.documents.owed_max_days,
    )
    .await
    {
        Ok(_) if verb == "approve_owed" => {
            Redirect::to(&format!("/reviews/{id}?done=approve_owed")).into_response()
        }
        Ok(_) => Redirect::to(&format!("/reviews?done={}", action.as_str())).into_response(),
        Err(
            e @ (ActionError::Invalid { .. }
            | ActionError::InvalidForm(_)
            | ActionError::Refused { .. }
            | ActionError::Conflict(_)),
        ) => again(&state, &viewer, id, &e, reason_text).await,
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// The application's page again with what was wrong.
async fn again(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    e: &ActionError,
    reason_text: String,
) -> Response {
    let mut c = viewer
        .chrome()
        .with_message(Some(super::message(e, viewer.lang)));
    c.wide = true;
    match review_page(state, viewer, id, c, reason_text).await {
        Ok(page) => render_unprocessable(&page),
        Err(response) => response,
    }
}
