//! `/supervise/alerts`: the alerts of the supervisor's authorities with kind and status filters,
//! a page at a time, each with its evidence in words, and a form to acknowledge one with a
//! note — the same actions as the API's `/alerts`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::format::minute;
use super::supervise::desk;
use super::{Chrome, Viewer, action_error, render};
use crate::actions::alerts::{self, AlertView, KINDS, ListInput};
use crate::app::AppState;
use crate::i18n::Lang;

const PER_PAGE: i64 = 20;

/// One alert as shown.
#[derive(Debug)]
struct AlertRow {
    id: i64,
    kind: String,
    summary: String,
    pass: Option<(i64, String)>,
    user_id: Option<i64>,
    occurred: String,
    raised: String,
    open: bool,
    acknowledged: String,
    note: String,
    evidence: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "supervise_alerts.html")]
struct AlertsPage {
    c: Chrome,
    csrf: String,
    rows: Vec<AlertRow>,
    /// `(code, name)` of every kind, for the filter.
    kinds: Vec<(&'static str, String)>,
    kind: String,
    status: String,
    next: Option<i64>,
    first: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    kind: Option<String>,
    status: Option<String>,
    before: Option<i64>,
    done: Option<String>,
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// An evidence (or trail detail) key in words.
pub(super) fn key_label(key: &str, lang: Lang) -> String {
    let (zh, en) = match key {
        "check_ids" => ("查验记录编号", "Check ids"),
        "checks" => ("查验", "Checks"),
        "check_id" => ("查验编号", "Check"),
        "checked_at" => ("查验时间", "Checked at"),
        "checkpoint_id" => ("卡口编号", "Checkpoint"),
        "longitude" => ("经度", "Longitude"),
        "latitude" => ("纬度", "Latitude"),
        "distance_km" => ("距离（公里）", "Distance (km)"),
        "minutes" => ("间隔（分钟）", "Minutes apart"),
        "implied_speed_kmh" => ("所需时速（公里）", "Implied speed (km/h)"),
        "top_speed_kmh" => ("时速上限（公里）", "Top speed (km/h)"),
        "min_distance_km" => ("最小距离（公里）", "Least distance (km)"),
        "rule" => ("规则", "Rule"),
        "event_ids" => ("审计事件编号", "Audit event ids"),
        "event_ids_truncated" => ("事件编号已截断", "Event ids truncated"),
        "count" => ("次数", "Count"),
        "threshold" => ("阈值", "Threshold"),
        "window" | "window_minutes" => ("时间窗（分钟）", "Window (minutes)"),
        "from" => ("起", "From"),
        "to" => ("止", "To"),
        "account" => ("账号", "Account"),
        "actions" => ("操作", "Actions"),
        "officer_id" => ("查验员", "Officer"),
        "outcome" => ("查验结果", "Outcome"),
        "revoked_at" => ("撤销时间", "Revoked at"),
        "holder" => ("持证人", "Holder"),
        "id_number" => ("身份证号", "ID number"),
        "plate" => ("车牌", "Plate"),
        "pass_type" => ("通行证类型", "Pass type"),
        "valid_from" => ("生效", "Valid from"),
        "valid_until" => ("失效", "Valid until"),
        "level" => ("级别", "Level"),
        "action" => ("决定", "Decision"),
        "status" => ("状态", "Status"),
        "reason" | "reason_text" => ("理由", "Reason"),
        "reason_code" => ("理由代码", "Reason code"),
        "version" => ("版本", "Version"),
        "places" => ("名额", "Places"),
        "purpose" => ("用途", "Purpose"),
        "format" => ("格式", "Format"),
        "lines" => ("行数", "Lines"),
        "note" => ("说明", "Note"),
        "code" => ("邀请码", "Code"),
        "application_id" => ("申请编号", "Application"),
        "request_id" => ("需求编号", "Request"),
        "kid" => ("签名密钥", "Signing key"),
        other => (other, other),
    };
    pick(lang, zh, en)
}

/// A value in words: times as China time, lists and objects flattened.
pub(super) fn value_text(key: &str, v: &serde_json::Value, lang: Lang) -> String {
    use serde_json::Value;
    match v {
        Value::Number(n)
            if (key.ends_with("_at")
                || matches!(key, "from" | "to" | "valid_from" | "valid_until")) =>
        {
            n.as_i64().map_or_else(|| n.to_string(), minute)
        }
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| value_text(key, i, lang))
            .collect::<Vec<_>>()
            .join(if items.iter().any(Value::is_object) {
                "\n"
            } else {
                ", "
            }),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{} {}", key_label(k, lang), value_text(k, v, lang)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn evidence(v: &serde_json::Value, lang: Lang) -> Vec<(String, String)> {
    match v.as_object() {
        Some(map) => map
            .iter()
            .map(|(k, v)| (key_label(k, lang), value_text(k, v, lang)))
            .collect(),
        None => vec![(String::new(), value_text("", v, lang))],
    }
}

fn row(a: AlertView, lang: Lang) -> AlertRow {
    let a = a.alert;
    let (kind_zh, kind_en) = alerts::kind_label(&a.kind);
    AlertRow {
        id: a.id,
        kind: pick(lang, kind_zh, kind_en),
        summary: pick(lang, &a.summary_zh, &a.summary_en),
        pass: a.pass_id.zip(a.pass_number.clone()),
        user_id: a.user_id,
        occurred: minute(a.occurred_at),
        raised: minute(a.raised_at),
        open: a.status == "open",
        acknowledged: match (a.acknowledged_by, a.acknowledged_at) {
            (Some(by), Some(at)) => format!("#{by} · {}", minute(at)),
            _ => String::new(),
        },
        note: a.note.unwrap_or_default(),
        evidence: evidence(&a.evidence, lang),
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// `GET /supervise/alerts`: newest first, filtered by kind and status.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AlertsQuery>,
) -> Response {
    let lang = viewer.lang;
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let c = c.with_message(
        (q.done.as_deref() == Some("acknowledged"))
            .then(|| pick(lang, "告警已确认。", "The alert was acknowledged.")),
    );
    let (kind, status) = (nonempty(q.kind), nonempty(q.status));
    let input = ListInput {
        kind: kind.clone(),
        status: status.clone(),
        from: None,
        to: None,
        before_id: q.before.unwrap_or(0),
        limit: PER_PAGE + 1,
    };
    let mut found = match alerts::list(&state.db, &viewer.caller, input).await {
        Ok(f) => f,
        Err(e) => return action_error(c, &e),
    };
    let more = found.len() as i64 > PER_PAGE;
    found.truncate(usize::try_from(PER_PAGE).unwrap_or(20));
    let next = if more {
        found.last().map(|a| a.alert.id)
    } else {
        None
    };
    render(&AlertsPage {
        csrf: viewer.csrf.clone(),
        rows: found.into_iter().map(|a| row(a, lang)).collect(),
        kinds: KINDS
            .iter()
            .map(|(k, zh, en)| (*k, pick(lang, zh, en)))
            .collect(),
        kind: kind.unwrap_or_default(),
        status: status.unwrap_or_default(),
        next,
        first: q.before.is_none(),
        c,
    })
}

#[derive(Debug, Deserialize)]
pub struct AcknowledgeForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

/// `POST /supervise/alerts/{id}/acknowledge`: with the supervisor's note.
pub async fn acknowledge(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<AcknowledgeForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    match alerts::acknowledge(&state.db, &viewer.caller, id, &form.note).await {
        Ok(_) => Redirect::to("/supervise/alerts?done=acknowledged").into_response(),
        Err(e) => action_error(c, &e),
    }
}
