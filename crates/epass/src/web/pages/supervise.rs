//! The supervisor's desk: a landing page with a pass-number search, the full trail of a pass
//! (every event and check in log order, with CSV and signed-bundle exports) and the trail of a
//! user a page at a time — thin pages over the same trail actions as the API. Alerts are in
//! [`super::supervise_alerts`].

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::format::minute;
use super::supervise_alerts::{key_label, value_text};
use super::supervise_dashboard::{Chart, PERIODS, charts, period};
use super::{Chrome, Viewer, action_error, error_page, render};
use crate::actions::trails::{self, UserTrailQuery};
use crate::actions::{ActionError, log};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::store::passes;
use crate::store::trails::TrailRow;

/// Lines of a user's trail on one page.
const PER_PAGE: i64 = 50;

/// The desk chrome of a supervisor (or system administrator of a whole authority); anyone else
/// gets a 403 page.
pub fn desk(viewer: &Viewer) -> Result<Chrome, Box<Response>> {
    let mut c = viewer.chrome();
    c.wide = true;
    match log::require_supervisor(&viewer.caller) {
        Ok(()) => Ok(c),
        Err(e) => Err(Box::new(action_error(c, &e))),
    }
}

/// The person may look at trails: a supervisor or system administrator (of some scope).
pub fn may_supervise(viewer: &Viewer) -> bool {
    viewer.caller.has_role(Role::Supervisor) || viewer.caller.has_role(Role::SystemAdmin)
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// An audit action in words (the code itself when it is not one of the common ones).
fn action_label(action: &str, lang: Lang) -> String {
    let (zh, en) = match action {
        "check" => ("查验", "Check"),
        "application.submitted" => ("提交申请", "Application submitted"),
        "application.resubmitted" => ("重新提交申请", "Application resubmitted"),
        "application.decided" => ("审核决定", "Review decision"),
        "application.withdrawn" => ("撤回申请", "Application withdrawn"),
        "pass.issued" => ("签发通行证", "Pass issued"),
        "pass.revoked" => ("撤销通行证", "Pass revoked"),
        "pass.suspended" => ("暂停通行证", "Pass suspended"),
        "pass.resumed" => ("恢复通行证", "Pass resumed"),
        "pass.extended" => ("通行证延期", "Pass extended"),
        "pass.printed" => ("打印通行证", "Pass printed"),
        "pass_request.filed" => ("提交通行需求", "Pass request filed"),
        "pass_request.decided" => ("通行需求审批", "Pass request decided"),
        "pass_request.approved" => ("通行需求获批", "Pass request approved"),
        "pass_request.rejected" => ("通行需求被驳回", "Pass request rejected"),
        "trail.read" => ("查看轨迹", "Trail viewed"),
        "pii.id_number_read" => ("查看身份证号", "ID number read"),
        "document.read" => ("查看材料", "Document read"),
        "alert.acknowledged" => ("确认告警", "Alert acknowledged"),
        "auth.login" => ("登录", "Logged in"),
        "auth.login_failed" => ("登录失败", "Failed login"),
        _ => return action.to_owned(),
    };
    pick(lang, zh, en)
}

/// A check's outcome in words and its colour (`green`, `red`, `amber`).
pub fn outcome_label(outcome: &str, lang: Lang) -> (String, &'static str) {
    let (zh, en, class) = match outcome {
        "valid" => ("有效（绿）", "Valid (green)", "green"),
        "revoked" => ("已撤销（红）", "Revoked (red)", "red"),
        "suspended" => ("已暂停（红）", "Suspended (red)", "red"),
        "expired" => ("已过期（红）", "Expired (red)", "red"),
        "not_yet_valid" => ("尚未生效（红）", "Not yet valid (red)", "red"),
        "not_in_log" => ("日志无签发记录（红）", "Not in the log (red)", "red"),
        o if o.starts_with("invalid") => ("无效（红）", "Invalid (red)", "red"),
        _ => ("无法判定（黄）", "Undetermined (amber)", "amber"),
    };
    (format!("{} · {outcome}", pick(lang, zh, en)), class)
}

/// One line of a trail as the page shows it.
#[derive(Debug)]
pub struct Line {
    pub position: String,
    pub when: String,
    pub check: bool,
    pub what: String,
    pub code: String,
    pub who: String,
    /// For a check: the checkpoint, the place and the outcome; for an event: the object.
    pub checkpoint: String,
    pub place: String,
    pub outcome: String,
    pub outcome_class: &'static str,
    pub object: String,
    /// An event's recorded state after it, as `(key, value)` in words.
    pub detail: Vec<(String, String)>,
}

/// An event's recorded JSON in words: what a reviewer saw (`seen`) and empty values left out,
/// decisions and statuses named.
fn detail(after: Option<&str>, lang: Lang) -> Vec<(String, String)> {
    let Some(after) = after else {
        return Vec::new();
    };
    let value: serde_json::Value = match serde_json::from_str(after) {
        Ok(v) => v,
        Err(_) => return vec![(String::new(), after.to_owned())],
    };
    let Some(map) = value.as_object() else {
        return vec![(String::new(), value_text("", &value, lang))];
    };
    map.iter()
        .filter(|(k, v)| !v.is_null() && k.as_str() != "seen")
        .map(|(k, v)| {
            let shown = match (k.as_str(), v.as_str()) {
                ("action", Some(a)) => super::format::decision(a, lang),
                ("status", Some(st)) => status_label(st, lang),
                _ => value_text(k, v, lang),
            };
            (key_label(k, lang), shown)
        })
        .collect()
}

/// An application's, request's or pass's status in words.
fn status_label(status: &str, lang: Lang) -> String {
    let (zh, en) = match status {
        "active" => ("有效", "Active"),
        "revoked" => ("已撤销", "Revoked"),
        "suspended" => ("已暂停", "Suspended"),
        "approved" => ("已批准", "Approved"),
        _ => return super::format::application_status(status, lang),
    };
    pick(lang, zh, en)
}

/// A role code in words.
fn role_label(role: &str, lang: Lang) -> String {
    match (Role::parse(role), lang) {
        (Some(r), Lang::Zh) => r.label_zh().to_owned(),
        _ => role.replace('_', " "),
    }
}

fn line(r: &TrailRow, lang: Lang) -> Line {
    let check = r.kind == "check";
    let who = match (&r.actor_name, r.actor_user_id) {
        (Some(name), Some(id)) => format!("{name} (#{id})"),
        (None, Some(id)) => format!("#{id}"),
        _ => pick(lang, "系统", "System"),
    };
    let who = match &r.actor_role {
        Some(role) => format!("{who} · {}", role_label(role, lang)),
        None => who,
    };
    let place = match (r.longitude, r.latitude) {
        (Some(lon), Some(lat)) => format!("{lon:.5}, {lat:.5}"),
        _ => String::new(),
    };
    let (outcome, outcome_class) = match (&r.outcome, check) {
        (Some(o), true) => outcome_label(o, lang),
        _ => (String::new(), ""),
    };
    let checkpoint = match (&r.checkpoint_name, r.checkpoint_id) {
        (Some(name), Some(id)) => format!("{name} (#{id})"),
        (None, Some(id)) => format!("#{id}"),
        _ => String::new(),
    };
    let object = match (&r.object_type, &r.object_id) {
        (Some(t), Some(id)) => format!("{t} {id}"),
        _ => String::new(),
    };
    let detail = detail(r.after.as_deref(), lang);
    Line {
        position: r.log_index.map(|i| i.to_string()).unwrap_or_default(),
        when: minute(r.at),
        check,
        what: action_label(&r.action, lang),
        code: r.action.clone(),
        who,
        checkpoint,
        place,
        outcome,
        outcome_class,
        object,
        detail,
    }
}

#[derive(Template)]
#[template(path = "supervise_home.html")]
struct HomePage {
    c: Chrome,
    number: String,
    charts: Vec<Chart>,
    /// The period shown, in days, and those to choose from.
    days: i64,
    periods: [i64; 3],
}

/// The dashboard's charts; a failure is logged and the page shown without them.
async fn dashboard(state: &AppState, viewer: &Viewer, days: i64) -> Vec<Chart> {
    match charts(&state.db, &viewer.caller, viewer.lang, days).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "dashboard statistics failed");
            Vec::new()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pass: Option<String>,
    user: Option<String>,
    /// The dashboard's period: 7, 30 (default) or 90 days.
    days: Option<i64>,
}

/// `GET /supervise`: find a pass's trail by its number, a user's by id; the alerts.
pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let lang = viewer.lang;
    if let Some(user) = q.user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        return match user.parse::<i64>() {
            Ok(id) => Redirect::to(&format!("/supervise/users/{id}/trail")).into_response(),
            Err(_) => error_page(
                c,
                StatusCode::UNPROCESSABLE_ENTITY,
                pick(lang, "用户编号须为数字。", "A user id is a number."),
            ),
        };
    }
    let days = period(q.days);
    let number = q.pass.as_deref().map(str::trim).unwrap_or_default();
    if number.is_empty() {
        return render(&HomePage {
            charts: dashboard(&state, &viewer, days).await,
            c,
            number: String::new(),
            days,
            periods: PERIODS,
        });
    }
    match passes::by_number(state.db.pool(), number).await {
        Ok(Some(p)) => Redirect::to(&format!("/supervise/passes/{}/trail", p.id)).into_response(),
        Ok(None) => render(&HomePage {
            c: c.with_message(Some(pick(
                lang,
                "没有这个编号的通行证。",
                "There is no pass with this number.",
            ))),
            number: number.to_owned(),
            charts: dashboard(&state, &viewer, days).await,
            days,
            periods: PERIODS,
        }),
        Err(e) => action_error(c, &ActionError::from(e)),
    }
}

#[derive(Template)]
#[template(path = "supervise_pass_trail.html")]
struct PassTrailPage {
    c: Chrome,
    pass_id: i64,
    number: String,
    lines: Vec<Line>,
    checks: usize,
}

/// `GET /supervise/passes/{id}/trail`: everything about a pass, in log order. The view is
/// recorded, as the API's.
pub async fn pass_trail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let (trail, rows) = match trails::pass_trail(&state.db, &viewer.caller, id, "page").await {
        Ok(t) => t,
        Err(e) => return action_error(c, &e),
    };
    let lines: Vec<Line> = rows.iter().map(|r| line(r, viewer.lang)).collect();
    render(&PassTrailPage {
        checks: lines.iter().filter(|l| l.check).count(),
        pass_id: trail.pass_id,
        number: trail.pass_number,
        lines,
        c,
    })
}

#[derive(Template)]
#[template(path = "supervise_user_trail.html")]
struct UserTrailPage {
    c: Chrome,
    user_id: i64,
    lines: Vec<Line>,
    /// The cursor of the next page, if one follows.
    next: Option<i64>,
    first: bool,
}

#[derive(Debug, Deserialize)]
pub struct UserTrailParams {
    after: Option<i64>,
}

/// `GET /supervise/users/{id}/trail`: what a user decided, viewed or checked, in log order, a
/// page at a time.
pub async fn user_trail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<UserTrailParams>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let query = UserTrailQuery {
        from: None,
        to: None,
        after: q.after,
        limit: PER_PAGE + 1,
    };
    let mut rows = match trails::user_trail(&state.db, &viewer.caller, id, query, "page").await {
        Ok(r) => r,
        Err(e) => return action_error(c, &e),
    };
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(usize::try_from(PER_PAGE).unwrap_or(50));
    let next = if more {
        rows.last().and_then(|r| r.log_index)
    } else {
        None
    };
    render(&UserTrailPage {
        lines: rows.iter().map(|r| line(r, viewer.lang)).collect(),
        user_id: id,
        next,
        first: q.after.is_none(),
        c,
    })
}
