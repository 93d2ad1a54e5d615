//! The system administrator's registry imports (SPEC §3.4): upload a CSV file for a registry, see
//! the import run (the page refreshes itself while it does, without a script) and then its
//! report — rows imported, or every wrong line with its number and what is wrong in both
//! languages (a file with a wrong line imports nothing); the batches imported so far, a page at
//! a time. The same importer as `epass registry import`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::admin::{PER_PAGE, Tabs, desk, pick};
use super::format::minute;
use super::multipart;
use super::{Chrome, Viewer, action_error, error_page, render};
use crate::actions::registry_imports::{self as imports, RecordedError};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::registry::Progress;
use crate::registry::csv_import::columns;

/// Uploads listed above the batches.
const RECENT: i64 = 10;

/// The registries, as `(code, label, columns)`.
fn kinds(lang: Lang) -> Vec<(&'static str, String, String)> {
    use crate::registry::RegistryKind as K;
    [
        (K::Vehicles, "机动车登记库", "Vehicles"),
        (K::Licences, "驾驶证登记库", "Driving licences"),
        (K::Tests, "核酸检测结果", "Nucleic-acid tests"),
        (K::Health, "健康码", "Health codes"),
    ]
    .into_iter()
    .map(|(k, zh, en)| (k.as_str(), pick(lang, zh, en), columns(k).join(",")))
    .collect()
}

fn kind_label(code: &str, lang: Lang) -> String {
    kinds(lang)
        .into_iter()
        .find(|(c, ..)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, label, _)| label)
}

fn status_label(status: &str, lang: Lang) -> String {
    match status {
        "running" => pick(lang, "导入中", "Running"),
        "imported" => pick(lang, "已导入", "Imported"),
        "rejected" => pick(lang, "有错误，未导入", "Mistakes found, nothing imported"),
        _ => pick(lang, "失败", "Failed"),
    }
}

/// One upload in the recent list.
#[derive(Debug)]
struct RunRow {
    id: i64,
    kind: String,
    file_name: String,
    status: String,
    status_label: String,
    started: String,
}

/// One imported batch.
#[derive(Debug)]
struct BatchRow {
    id: i64,
    kind: String,
    file_name: String,
    rows: i64,
    finished: String,
    actor: String,
    run: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin_registry.html")]
struct ListPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    kinds: Vec<(&'static str, String, String)>,
    runs: Vec<RunRow>,
    batches: Vec<BatchRow>,
    next: Option<i64>,
    first: bool,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    before: Option<i64>,
}

/// `GET /admin/registry-imports`: the upload form, the latest uploads, the batches imported.
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
    let runs = match imports::recent(&state.db, &viewer.caller, RECENT).await {
        Ok(r) => r,
        Err(e) => return action_error(c, &e),
    };
    let before = q.before.unwrap_or(i64::MAX);
    let mut batches = match imports::batches(&state.db, &viewer.caller, before, PER_PAGE + 1).await
    {
        Ok(b) => b,
        Err(e) => return action_error(c, &e),
    };
    let next = if batches.len() as i64 > PER_PAGE {
        batches.truncate(PER_PAGE as usize);
        batches.last().map(|(b, _)| b.id)
    } else {
        None
    };
    render(&ListPage {
        tabs: Tabs { active: "registry" },
        csrf: viewer.csrf.clone(),
        kinds: kinds(lang),
        runs: runs
            .into_iter()
            .map(|r| RunRow {
                id: r.id,
                kind: kind_label(&r.kind, lang),
                status_label: status_label(&r.status, lang),
                status: r.status,
                file_name: r.file_name,
                started: minute(r.started_at),
            })
            .collect(),
        batches: batches
            .into_iter()
            .map(|(b, run)| BatchRow {
                id: b.id,
                kind: kind_label(&b.kind, lang),
                file_name: b.file_name,
                rows: b.row_count,
                finished: b.finished_at.map(minute).unwrap_or_default(),
                actor: b.actor,
                run,
            })
            .collect(),
        next,
        first: q.before.is_none(),
        c,
    })
}

/// The file name a browser sent with the part named `file`, if any.
fn sent_file_name(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    text.split("\r\n")
        .filter(|line| {
            line.to_ascii_lowercase()
                .starts_with("content-disposition:")
        })
        .find(|line| line.contains("name=\"file\""))
        .and_then(|line| line.split("filename=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// `POST /admin/registry-imports` (`multipart/form-data`: `csrf`, `kind`, `file`): starts the
/// import and shows its page.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let parts = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary)
        .and_then(|b| multipart::parse(&body, &b));
    let Some(parts) = parts else {
        let msg = pick(
            viewer.lang,
            "表单格式不正确，请重试。",
            "The form could not be read; try again.",
        );
        return error_page(c, StatusCode::BAD_REQUEST, msg);
    };
    let text = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.data).trim().to_owned())
            .unwrap_or_default()
    };
    if let Err(refusal) = viewer.own_form(&headers, &text("csrf")) {
        return refusal.into_response();
    }
    let kind = match imports::parse_kind(&text("kind")) {
        Ok(k) => k,
        Err(e) => return action_error(c, &e),
    };
    let file = parts
        .iter()
        .find(|p| p.name == "file")
        .map(|p| p.data.clone())
        .unwrap_or_default();
    let name = sent_file_name(&body);
    let licence_sync = imports::LicenceSync {
        registry: state.registry.clone(),
        link_base: state.config.public_url(),
    };
    match imports::start(
        &state.db,
        state.pii.clone(),
        licence_sync,
        &viewer.caller,
        kind,
        &name,
        file,
    )
    .await
    {
        Ok(id) => Redirect::to(&format!("/admin/registry-imports/{id}")).into_response(),
        Err(e) => action_error(c, &e),
    }
}

#[derive(Template)]
#[template(path = "admin_registry_run.html")]
struct RunPage {
    c: Chrome,
    tabs: Tabs,
    id: i64,
    kind: String,
    file_name: String,
    status: String,
    status_label: String,
    started: String,
    finished: String,
    /// While running: what it is doing, and `(done, total)` once writing.
    phase: String,
    writing: Option<(u64, u64)>,
    rows: i64,
    import_id: Option<i64>,
    errors: Vec<RecordedError>,
    omitted: i64,
}

/// `GET /admin/registry-imports/{id}`: the import's progress (refreshing itself every two
/// seconds while it runs), then its report.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let lang = viewer.lang;
    let (run, errors, live) = match imports::get(&state.db, &viewer.caller, id).await {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    let (phase, writing) = match live {
        Some(Progress::Reading { rows }) => (
            format!(
                "{} {rows}",
                pick(lang, "正在检查，已读行数：", "Checking; lines read:")
            ),
            None,
        ),
        Some(Progress::Writing { rows, total }) => {
            (pick(lang, "正在写入", "Writing"), Some((rows, total)))
        }
        None => (
            pick(
                lang,
                "正在导入（进度在另一台服务器上）。",
                "Importing (its progress is on another server).",
            ),
            None,
        ),
    };
    render(&RunPage {
        tabs: Tabs { active: "registry" },
        id: run.id,
        kind: kind_label(&run.kind, lang),
        status_label: status_label(&run.status, lang),
        started: minute(run.started_at),
        finished: run.finished_at.map(minute).unwrap_or_default(),
        phase,
        writing,
        rows: run.rows_read,
        import_id: run.import_id,
        omitted: run.errors_omitted,
        status: run.status,
        file_name: run.file_name,
        errors,
        c,
    })
}
