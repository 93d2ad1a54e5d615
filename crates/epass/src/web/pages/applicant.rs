//! The applicant's pages: my applications, and one application's progress as a timeline with
//! its promised date and decisions.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::DoneQuery;

use super::format::{self, day, minute};
use super::{Chrome, Viewer, action_error, done_notice, render};
use crate::actions::ActionError;
use crate::actions::applications as app_actions;
use crate::app::AppState;
use crate::i18n::Lang;
use crate::store::{applications, pass_types, passes, rounds};

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
    after: Option<i64>,
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

#[derive(Template)]
#[template(path = "application.html")]
struct ProgressPage {
    c: Chrome,
    id: i64,
    type_name: String,
    status: String,
    status_code: String,
    promised: String,
    rows: Vec<(String, String)>,
    steps: Vec<Step>,
    pass_id: Option<i64>,
}

/// `GET /applications/{id}`: the application's progress, as its applicant, reviewers and
/// supervisors may read it.
pub async fn progress(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let lang = viewer.lang;
    let c = viewer
        .chrome()
        .with_message(done_notice(q.done.as_deref(), lang));
    let app = match app_actions::get(&state.db, &viewer.caller, id).await {
        Ok(app) => app,
        Err(e) => return action_error(c, &e),
    };
    let loaded = async {
        Ok::<_, ActionError>((
            applications::decisions(state.db.pool(), id).await?,
            rounds::list(state.db.pool(), id).await?,
            pass_types::get(state.db.pool(), app.pass_type_id).await?,
            passes::by_application(state.db.pool(), id).await?,
        ))
    }
    .await;
    let (decisions, earlier_rounds, pt, pass) = match loaded {
        Ok(x) => x,
        Err(e) => return action_error(c, &e),
    };
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
    let mut steps = vec![Step {
        when: minute(
            earlier_rounds
                .first()
                .map_or(app.submitted_at, |r| r.submitted_at),
        ),
        what: c.t("提交申请", "Application submitted").to_owned(),
        why: String::new(),
        kind: "done",
    }];
    for d in &decisions {
        let why = match (&d.reason_code, &d.reason_text) {
            (Some(code), Some(text)) => format!("{}：{text}", format::reject_reason(code, lang)),
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
    let rows = format::form_rows(&pt.definition, &app.form, lang);
    render(&ProgressPage {
        id: app.id,
        type_name: match lang {
            Lang::Zh => pt.name_zh.clone(),
            Lang::En => pt.name_en.clone(),
        },
        status: format::application_status(&app.status, lang),
        status_code: app.status.clone(),
        promised: day(app.promised_at),
        rows,
        steps,
        pass_id: pass.map(|p| p.id),
        c,
    })
}
