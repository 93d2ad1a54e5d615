//! The applicant's pages: my applications, and one application's progress as a timeline with
//! its promised date and decisions.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::DoneQuery;

use super::form_fields::{self as ff, DocView, FieldView};
use super::format::{self, day, minute};
use super::{Chrome, Viewer, action_error, done_notice, render};
use crate::actions::ActionError;
use crate::actions::applications as app_actions;
use crate::app::AppState;
use crate::domain::pass_type::FieldError;
use crate::i18n::Lang;
use crate::store::{applications, documents, invitations, pass_types, passes, rounds};

/// One application in a list.
#[derive(Debug)]
struct Row {
    id: i64,
    type_name: String,
    plate: String,
    status: String,
    status_code: String,
    submitted: String,
    promised: String,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct MinePage {
    c: Chrome,
    rows: Vec<Row>,
    next: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct AfterQuery {
    pub after: Option<i64>,
}

/// Pass type names by id, read once per page.
pub(super) async fn type_names(
    state: &AppState,
    ids: impl Iterator<Item = i64>,
    lang: Lang,
) -> Result<HashMap<i64, String>, ActionError> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            let pt = pass_types::get(state.db.pool(), id).await?;
            e.insert(match lang {
                Lang::Zh => pt.name_zh,
                Lang::En => pt.name_en,
            });
        }
    }
    Ok(names)
}

const PER_PAGE: i64 = 20;

/// `GET /applications`: the person's own applications, a page at a time.
pub async fn mine(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AfterQuery>,
) -> Response {
    let lang = viewer.lang;
    let after = q.after.unwrap_or(0).max(0);
    let mut rows = match applications::for_applicant(
        state.db.pool(),
        viewer.caller.user_id,
        after,
        PER_PAGE + 1,
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return action_error(viewer.chrome(), &e.into()),
    };
    let next = (rows.len() > PER_PAGE as usize).then(|| {
        rows.truncate(PER_PAGE as usize);
        rows.last().map_or(0, |a| a.id)
    });
    let names = match type_names(&state, rows.iter().map(|a| a.pass_type_id), lang).await {
        Ok(n) => n,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let rows = rows
        .into_iter()
        .map(|a| Row {
            id: a.id,
            type_name: names.get(&a.pass_type_id).cloned().unwrap_or_default(),
            plate: a.plate.unwrap_or_default(),
            status: format::application_status(&a.status, lang),
            status_code: a.status,
            submitted: minute(a.submitted_at),
            promised: day(a.promised_at),
        })
        .collect();
    render(&MinePage {
        c: viewer.chrome(),
        rows,
        next,
    })
}

/// One step of the timeline.
#[derive(Debug)]
struct Step {
    when: String,
    what: String,
    why: String,
    /// `done`, `current`, `bad` or `later`.
    kind: &'static str,
}

/// An earlier round of a corrected application: what was sent then.
#[derive(Debug)]
struct EarlierRound {
    round: i64,
    submitted: String,
    rows: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "application.html")]
pub(super) struct ProgressPage {
    c: Chrome,
    id: i64,
    type_name: String,
    status: String,
    status_code: String,
    promised: String,
    rows: Vec<(String, String)>,
    steps: Vec<Step>,
    pass_id: Option<i64>,
    /// The documents on record: `(label, uploaded)`.
    documents: Vec<(String, String)>,
    earlier: Vec<EarlierRound>,
    /// Why the reviewer returned it (a returned application of the viewer's own).
    return_reason: Option<String>,
    /// The correction form, on a returned application of the viewer's own.
    correctable: bool,
    csrf: String,
    agreement: String,
    agreed: bool,
    fields: Vec<FieldView>,
    docs: Vec<DocView>,
    docs_optional: bool,
    others: Vec<String>,
}

/// What was posted to correct the application, shown again with its errors.
pub(super) struct Posted<'a> {
    pub values: &'a HashMap<String, String>,
    pub errors: &'a [FieldError],
    pub agreed: bool,
}

/// `GET /applications/{id}`: the application's progress, as its applicant, reviewers and
/// supervisors may read it; a returned one of the viewer's own with the form to correct it.
pub async fn progress(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let c = viewer
        .chrome()
        .with_message(done_notice(q.done.as_deref(), viewer.lang));
    match progress_page(&state, &viewer, id, c.clone(), None).await {
        Ok(page) => render(&page),
        Err(e) => action_error(c, &e),
    }
}

/// The progress page; `posted` is a correction sent back with its mistakes.
pub(super) async fn progress_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    c: Chrome,
    posted: Option<Posted<'_>>,
) -> Result<ProgressPage, ActionError> {
    let lang = viewer.lang;
    let app = app_actions::get(&state.db, &viewer.caller, id).await?;
    let pool = state.db.pool();
    let decisions = applications::decisions(pool, id).await?;
    let earlier_rounds = rounds::list(pool, id).await?;
    let pt = pass_types::get(pool, app.pass_type_id).await?;
    let pass = passes::by_application(pool, id).await?;
    let stored_docs = documents::for_application(pool, id).await?;
    let level_name = |level: i64| {
        pt.definition
            .workflow
            .level(usize::try_from(level).unwrap_or(0))
            .and_then(|l| l.name.as_ref())
            .map(|n| n.get(lang).to_owned())
            .unwrap_or_else(|| match lang {
                Lang::Zh => format!("第 {level} 级审核"),
                Lang::En => format!("Review level {level}"),
            })
    };
    let mut steps = Vec::new();
    for round in 1..=app.round.max(1) {
        let submitted = earlier_rounds
            .iter()
            .find(|r| r.round == round)
            .map_or(app.submitted_at, |r| r.submitted_at);
        let what = if round == 1 {
            c.t("提交申请", "Application submitted").to_owned()
        } else {
            match lang {
                Lang::Zh => format!("修改后重新提交（第 {round} 轮）"),
                Lang::En => format!("Corrected and resubmitted (round {round})"),
            }
        };
        steps.push(Step {
            when: minute(submitted),
            what,
            why: String::new(),
            kind: "done",
        });
        for d in decisions.iter().filter(|d| d.round == round) {
            let why = match (&d.reason_code, &d.reason_text) {
                (Some(code), Some(text)) => {
                    format!("{}：{text}", format::reject_reason(code, lang))
                }
                (Some(code), None) => format::reject_reason(code, lang),
                (None, Some(text)) => text.clone(),
                _ => String::new(),
            };
            steps.push(Step {
                when: minute(d.decided_at),
                what: format!(
                    "{} · {}",
                    level_name(d.level),
                    format::decision(&d.action, lang)
                ),
                why,
                kind: if d.action == "approve" { "done" } else { "bad" },
            });
        }
    }
    if app.status == "in_review" {
        let due = app
            .level_due_at
            .map(|d| format!("{} {}", c.t("本级办理时限", "due by"), day(d)))
            .unwrap_or_default();
        steps.push(Step {
            when: String::new(),
            what: format!("{} · {}", level_name(app.level), c.t("审核中", "in review")),
            why: due,
            kind: "current",
        });
        steps.push(Step {
            when: day(app.promised_at),
            what: c.t("承诺办结日期", "Promised completion date").to_owned(),
            why: String::new(),
            kind: "later",
        });
    }
    if let Some(p) = &pass {
        steps.push(Step {
            when: minute(p.issued_at),
            what: format!(
                "{} {}",
                c.t("已发证，通行证编号", "Pass issued, number"),
                p.pass_number
            ),
            why: String::new(),
            kind: "done",
        });
    }
    let own = app.applicant_id == viewer.caller.user_id;
    let correctable = own && app.status == "returned";
    let return_reason = correctable
        .then(|| {
            decisions
                .iter()
                .rev()
                .find(|d| d.action == "return" && d.round == app.round)
                .map(|d| match (&d.reason_code, &d.reason_text) {
                    (Some(code), Some(text)) => {
                        format!("{}：{text}", format::reject_reason(code, lang))
                    }
                    (Some(code), None) => format::reject_reason(code, lang),
                    (None, Some(text)) => text.clone(),
                    _ => String::new(),
                })
        })
        .flatten();
    let def = &pt.definition;
    let preset = match (correctable, app.request_id) {
        (true, Some(request_id)) => {
            let req = invitations::get(pool, request_id).await?;
            req.preset
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| {
                            let f = def.field(k)?;
                            let shown = match v.as_str() {
                                Some(s) if !f.options.is_empty() => f
                                    .options
                                    .iter()
                                    .find(|o| o.value == s)
                                    .map_or_else(|| s.to_owned(), |o| o.label.get(lang).to_owned()),
                                _ => format::value(v),
                            };
                            Some((k.clone(), shown))
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        _ => HashMap::new(),
    };
    let (values, errors, agreed) = match posted {
        Some(p) => (p.values.clone(), p.errors.to_vec(), p.agreed),
        None => (ff::prefill(def, &app.form), Vec::new(), false),
    };
    let (fields, docs, others) = if correctable {
        (
            ff::views(def, &values, &preset, &errors, lang),
            ff::doc_views(def, &errors, lang),
            ff::other_errors(def, &errors, lang),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(ProgressPage {
        id: app.id,
        type_name: match lang {
            Lang::Zh => pt.name_zh.clone(),
            Lang::En => pt.name_en.clone(),
        },
        status: format::application_status(&app.status, lang),
        status_code: app.status.clone(),
        promised: day(app.promised_at),
        rows: format::form_rows(def, &app.form, lang),
        steps,
        pass_id: pass.map(|p| p.id),
        documents: stored_docs
            .iter()
            .map(|d| (ff::doc_label(def, &d.kind, lang), minute(d.uploaded_at)))
            .collect(),
        earlier: earlier_rounds
            .iter()
            .filter(|r| r.round < app.round)
            .map(|r| EarlierRound {
                round: r.round,
                submitted: minute(r.submitted_at),
                rows: format::form_rows(def, &r.form, lang),
            })
            .collect(),
        return_reason,
        correctable,
        csrf: viewer.csrf.clone(),
        agreement: def.agreement.get(lang).to_owned(),
        agreed,
        fields,
        docs,
        docs_optional: true,
        others,
        c,
    })
}
