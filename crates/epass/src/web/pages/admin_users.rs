//! The system administrator's users pages: the users of the organisations administered, a page at
//! a time with a search by phone or name and a form to create one; a user with their roles and a
//! form to grant another over an organisation. The same actions as the API.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::admin::{
    PER_PAGE, Tabs, desk, org_choices, pick, refusal_to_show, role_choices, role_label,
};
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::users::{self as user_actions, UserInput};
use crate::actions::{ActionError, ActionResult};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Localized;

/// One user in the list.
#[derive(Debug)]
struct UserRow {
    id: i64,
    name: String,
    phone: String,
    org: String,
}

/// The creation form as filled.
#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    /// The search as typed, and as a query value for the next page's link.
    q: String,
    q_enc: String,
    rows: Vec<UserRow>,
    next: Option<i64>,
    first: bool,
    orgs: Vec<(i64, String)>,
    roles: Vec<(&'static str, String)>,
    form: UserForm,
}

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    after: Option<i64>,
}

/// `q` as a query value.
fn encode_q(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn users_page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    q: &str,
    after: Option<i64>,
    form: UserForm,
) -> ActionResult<UsersPage> {
    let search = Some(q).filter(|q| !q.trim().is_empty());
    let mut found = user_actions::list(
        &state.db,
        &viewer.caller,
        search,
        after.unwrap_or(0),
        PER_PAGE + 1,
    )
    .await?;
    let next = if found.len() as i64 > PER_PAGE {
        found.truncate(PER_PAGE as usize);
        found.last().map(|u| u.id)
    } else {
        None
    };
    let orgs = org_choices(state, &viewer.caller).await?;
    let names: HashMap<i64, String> = orgs
        .iter()
        .map(|(id, name)| (*id, name.trim_start_matches('　').to_owned()))
        .collect();
    let rows = found
        .into_iter()
        .map(|u| UserRow {
            org: u
                .org_id
                .map(|id| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
                .unwrap_or_default(),
            id: u.id,
            name: u.name,
            phone: u.phone,
        })
        .collect();
    Ok(UsersPage {
        tabs: Tabs { active: "users" },
        csrf: viewer.csrf.clone(),
        q: q.trim().to_owned(),
        q_enc: encode_q(q.trim()),
        rows,
        next,
        first: after.is_none(),
        roles: role_choices(viewer.lang),
        orgs,
        form,
        c,
    })
}

/// `GET /admin/users`: the users administered, searched by phone or name, a page at a time.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<UsersQuery>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let search = q.q.unwrap_or_default();
    let form = UserForm::default();
    match users_page(&state, &viewer, c, &search, q.after, form).await {
        Ok(page) => render(&page),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

fn user_input(form: &UserForm) -> ActionResult<UserInput> {
    let org_id = form.org_id.trim().parse::<i64>().map_err(|_| {
        ActionError::invalid_msg(
            "org_id",
            "user.org_required",
            "请选择所属单位。",
            "Choose the user's organisation.",
        )
    })?;
    let roles = match form.role.trim() {
        "" => Vec::new(),
        code => vec![Role::parse(code).ok_or_else(|| {
            ActionError::invalid_msg("role", "user.role_unknown", "角色无效。", "No such role.")
        })?],
    };
    Ok(UserInput {
        phone: form.phone.trim().to_owned(),
        name: form.name.clone(),
        org_id,
        roles,
        password: Some(form.password.clone()).filter(|p| !p.is_empty()),
    })
}

/// `POST /admin/users`: creates a user (the same action as the API), then their page.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<UserForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let result = match user_input(&form) {
        Ok(input) => {
            let actor = viewer.caller.actor(Some(Role::SystemAdmin));
            user_actions::create(&state.db, Some(&viewer.caller), &actor, &input).await
        }
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(user) => {
            return Redirect::to(&format!("/admin/users/{}?done=created", user.id)).into_response();
        }
        Err(e) => e,
    };
    if !refusal_to_show(&e) {
        return action_error(c, &e);
    }
    let message = match e.code() {
        "user.phone_taken" => pick(
            viewer.lang,
            "该手机号已有用户。",
            "A user with this phone number exists.",
        ),
        _ => super::message(&e, viewer.lang),
    };
    let c = c.with_message(Some(message));
    match users_page(&state, &viewer, c, "", None, form).await {
        Ok(page) => render_unprocessable(&page),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    id: i64,
    name: String,
    phone: String,
    org: String,
    id_number: String,
    grants: Vec<(String, String)>,
    orgs: Vec<(i64, String)>,
    roles: Vec<(&'static str, String)>,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /admin/users/{id}`: the user, their roles, and the form to grant another.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let lang = viewer.lang;
    let (user, grants) = match user_actions::get_administered(&state.db, &viewer.caller, id).await {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    let orgs = match org_choices(&state, &viewer.caller).await {
        Ok(o) => o,
        Err(e) => return action_error(c, &e),
    };
    let name_of = |org_id: i64| {
        orgs.iter().find(|(id, _)| *id == org_id).map_or_else(
            || format!("#{org_id}"),
            |(_, n)| n.trim_start_matches('　').to_owned(),
        )
    };
    let notice = match q.done.as_deref() {
        Some("created") => Some(pick(lang, "用户已创建。", "The user was created.")),
        Some("granted") => Some(pick(lang, "角色已授予。", "The role was granted.")),
        _ => None,
    };
    render(&UserPage {
        tabs: Tabs { active: "users" },
        csrf: viewer.csrf.clone(),
        id: user.id,
        org: user.org_id.map(name_of).unwrap_or_default(),
        id_number: user.id_number_masked.clone().unwrap_or_default(),
        grants: grants
            .iter()
            .map(|g| (role_label(g.role, lang), name_of(g.org_id)))
            .collect(),
        roles: role_choices(lang),
        name: user.name,
        phone: user.phone,
        orgs,
        c: c.with_message(notice),
    })
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org_id: String,
}

/// `POST /admin/users/{id}/roles`: grants a role over an organisation (the same action as the
/// API), then the user's page.
pub async fn grant(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<GrantForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let lang = viewer.lang;
    let (Some(role), Ok(org_id)) = (
        Role::parse(form.role.trim()),
        form.org_id.trim().parse::<i64>(),
    ) else {
        let e = ActionError::invalid_msg(
            "role",
            "user.grant_incomplete",
            "请选择角色和单位。",
            "Choose a role and an organisation.",
        );
        return action_error(c, &e);
    };
    match user_actions::grant_role(&state.db, &viewer.caller, id, role, org_id).await {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?done=granted")).into_response(),
        Err(ActionError::Conflict("user.role_exists")) => super::error_page(
            c,
            StatusCode::CONFLICT,
            pick(
                lang,
                "该用户已在此单位拥有这个角色。",
                "The user already holds this role over this organisation.",
            ),
        ),
        Err(e) => action_error(c, &e),
    }
}
