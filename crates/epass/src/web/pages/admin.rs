//! The system administrator's desk (`/admin/...`): what its pages share (who may open them, the
//! tabs, roles and organisation kinds in words) and the organisations page — the tree a page at
//! a time and a form to add one. Users, keys and registry imports are in their own modules; every
//! page is a thin handler over the same actions as the API and the command line.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::orgs::{self as org_actions, OrgInput};
use crate::actions::{ActionError, ActionResult, Caller};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::store::orgs::{Org, OrgKind};

/// Rows per page of every list on the desk.
pub const PER_PAGE: i64 = 20;
/// Organisations offered in a form's choice (the first in tree order).
const ORG_CHOICES: i64 = 500;

/// Whether the viewer is a system administrator of some organisation.
pub fn may_administer(viewer: &Viewer) -> bool {
    viewer.caller.has_role(Role::SystemAdmin)
}

/// The desk chrome of a system administrator; anyone else gets a 403 page.
pub fn desk(viewer: &Viewer) -> Result<Chrome, Box<Response>> {
    let mut c = viewer.chrome();
    c.wide = true;
    if may_administer(viewer) {
        Ok(c)
    } else {
        Err(Box::new(action_error(c, &ActionError::Forbidden)))
    }
}

/// The desk's tabs: which one is open.
#[derive(Debug)]
pub struct Tabs {
    pub active: &'static str,
}

pub fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// A role in words.
pub fn role_label(role: Role, lang: Lang) -> String {
    const EN: [(Role, &str); 7] = [
        (Role::Applicant, "Applicant"),
        (Role::OrgAdmin, "Organisation admin"),
        (Role::Reviewer, "Reviewer"),
        (Role::AuthorityReviewer, "Authority reviewer"),
        (Role::CheckpointOfficer, "Checkpoint officer"),
        (Role::Supervisor, "Supervisor"),
        (Role::SystemAdmin, "System admin"),
    ];
    let en = EN.iter().find(|(r, _)| *r == role).map_or_else(
        || role.as_str().replace('_', " "),
        |(_, en)| (*en).to_owned(),
    );
    pick(lang, role.label_zh(), &en)
}

/// The roles an administrator grants (applicants need no grant), as `(code, label)`.
pub fn role_choices(lang: Lang) -> Vec<(&'static str, String)> {
    Role::ALL
        .into_iter()
        .filter(|r| r.is_staff())
        .map(|r| (r.as_str(), role_label(r, lang)))
        .collect()
}

/// An organisation's kind in words.
pub fn kind_label(kind: OrgKind, lang: Lang) -> String {
    match kind {
        OrgKind::Authority => pick(lang, "主管机关", "Authority"),
        OrgKind::Department => pick(lang, "部门", "Department"),
        OrgKind::Company => pick(lang, "企业", "Company"),
    }
}

/// The organisations the administrator may choose in a form, as `(id, indented name)`.
pub async fn org_choices(state: &AppState, caller: &Caller) -> ActionResult<Vec<(i64, String)>> {
    let orgs = org_actions::tree(&state.db, caller, None, ORG_CHOICES).await?;
    Ok(orgs
        .iter()
        .map(|o| {
            let indent = "　".repeat(depth(o));
            (o.id, format!("{indent}{} (#{})", o.name, o.id))
        })
        .collect())
}

/// How deep an organisation sits in its tree (an authority is 0).
fn depth(org: &Org) -> usize {
    org.path.matches('/').count().saturating_sub(2)
}

/// One organisation in the tree.
#[derive(Debug)]
struct OrgRow {
    id: i64,
    name: String,
    kind: &'static str,
    kind_label: String,
    depth: usize,
    division_code: String,
    credit_code: String,
    parent_id: String,
}

/// The creation form as filled.
#[derive(Debug, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    override_checksum: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct OrgsPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    rows: Vec<OrgRow>,
    next: Option<i64>,
    first: bool,
    parents: Vec<(i64, String)>,
    form: OrgForm,
}

#[derive(Debug, Deserialize)]
pub struct OrgsQuery {
    after: Option<i64>,
    done: Option<String>,
}

async fn orgs_page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    after: Option<i64>,
    form: OrgForm,
) -> ActionResult<OrgsPage> {
    let lang = viewer.lang;
    let mut found = org_actions::tree(&state.db, &viewer.caller, after, PER_PAGE + 1).await?;
    let next = if found.len() as i64 > PER_PAGE {
        found.truncate(PER_PAGE as usize);
        found.last().map(|o| o.id)
    } else {
        None
    };
    let rows = found
        .iter()
        .map(|o| OrgRow {
            id: o.id,
            name: o.name.clone(),
            kind: o.kind.as_str(),
            kind_label: kind_label(o.kind, lang),
            depth: depth(o).min(5),
            division_code: o.division_code.clone(),
            credit_code: o.credit_code.clone().unwrap_or_default(),
            parent_id: o.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        })
        .collect();
    Ok(OrgsPage {
        tabs: Tabs { active: "orgs" },
        csrf: viewer.csrf.clone(),
        rows,
        next,
        first: after.is_none(),
        parents: org_choices(state, &viewer.caller).await?,
        form,
        c,
    })
}

/// `GET /admin/orgs`: the organisations administered, in tree order, and the form to add one.
pub async fn orgs(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OrgsQuery>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let notice = (q.done.as_deref() == Some("created"))
        .then(|| pick(viewer.lang, "单位已创建。", "The organisation was created."));
    match orgs_page(
        &state,
        &viewer,
        c.with_message(notice),
        q.after,
        OrgForm::default(),
    )
    .await
    {
        Ok(page) => render(&page),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

fn org_input(form: &OrgForm) -> ActionResult<OrgInput> {
    let parent_id = form.parent_id.trim().parse::<i64>().map_err(|_| {
        ActionError::invalid_msg(
            "parent_id",
            "org.parent_required",
            "请选择上级单位。",
            "Choose the parent organisation.",
        )
    })?;
    let kind = OrgKind::parse(form.kind.trim()).ok_or_else(|| {
        ActionError::invalid_msg(
            "kind",
            "org.kind_required",
            "请选择单位类型。",
            "Choose the kind of organisation.",
        )
    })?;
    let credit = form.credit_code.trim();
    Ok(OrgInput {
        parent_id,
        kind,
        name: form.name.clone(),
        division_code: form.division_code.trim().to_owned(),
        credit_code: (!credit.is_empty()).then(|| credit.to_owned()),
        override_checksum: form.override_checksum.is_some(),
    })
}

/// `POST /admin/orgs`: creates an organisation (the same action as the API); the list again
/// with the form as filled and what was wrong when refused.
pub async fn create_org(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<OrgForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let result = match org_input(&form) {
        Ok(input) => org_actions::create(&state.db, &viewer.caller, &input).await,
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(org) => {
            return Redirect::to(&format!("/admin/orgs?done=created#org-{}", org.id))
                .into_response();
        }
        Err(e) => e,
    };
    if !refusal_to_show(&e) {
        return action_error(c, &e);
    }
    let c = c.with_message(Some(super::message(&e, viewer.lang)));
    match orgs_page(&state, &viewer, c, None, form).await {
        Ok(page) => render_unprocessable(&page),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// A refusal the form shows beside what was filled (a mistake or conflict), rather than an
/// error page.
pub fn refusal_to_show(e: &ActionError) -> bool {
    !matches!(
        e,
        ActionError::Store(_)
            | ActionError::Internal(_)
            | ActionError::Unauthenticated
            | ActionError::Forbidden
            | ActionError::NotFound
    )
}
