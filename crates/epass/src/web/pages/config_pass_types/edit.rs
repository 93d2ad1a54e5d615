//! The pass type forms of `/config/pass-types`: a new type, and an edit of the names and the
//! definition as JSON. A definition with a mistake comes back with where (its JSON path), why (in
//! the reader's language) and what was written there, and nothing is saved.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use epass_credential::Kind;
use serde::Deserialize;

use super::super::config::{self, ConfigQuery, Scope, Tabs, kind_label, over_authority};
use super::super::{Chrome, Viewer, action_error, render, render_unprocessable};
use super::visible;
use crate::actions::ActionError;
use crate::actions::pass_types::{self as actions, PassTypeInput, PassTypeUpdate};
use crate::app::AppState;
use crate::domain::pass_type::{DefinitionError, PassTypeDefinition};
use crate::domain::roles::Role;
use crate::domain::seed_pass_types::standard_pass_types;
use crate::i18n::{Lang, Localized};

/// The fields of the create and edit forms, as posted and shown again.
#[derive(Debug, Default, Deserialize)]
pub struct TypeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    authority_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    definition: String,
    #[serde(default)]
    version: String,
}

/// A refused definition: where, why, and what was written there.
#[derive(Debug)]
struct Problem {
    path: String,
    message: String,
    found: Option<String>,
}

#[derive(Template)]
#[template(path = "config_pass_type_edit.html")]
struct EditPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    /// `None` for a new type.
    id: Option<i64>,
    form: TypeForm,
    kinds: Vec<(&'static str, &'static str)>,
    problem: Option<Problem>,
    /// The other refused field, by name, with the message.
    field_error: Option<(String, String)>,
}

fn kinds(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Kind::ALL
        .iter()
        .map(|k| (k.name(), kind_label(*k, lang)))
        .collect()
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The edit page (or the new-type page when `id` is `None`), answered with `status`.
fn edit_page(viewer: &Viewer, scope: Scope, id: Option<i64>, form: TypeForm) -> EditPage {
    EditPage {
        c: config::chrome(viewer, None),
        tabs: Tabs::new("pass-types", scope),
        csrf: viewer.csrf.clone(),
        id,
        form,
        kinds: kinds(viewer.lang),
        problem: None,
        field_error: None,
    }
}

/// `GET /config/pass-types/new`: the form for a new type, its definition started from a type of
/// the authority (`?from=`) or the standard personnel and vehicle pass.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ConfigQuery>,
) -> Response {
    let scope = match config::scope(&state, &viewer, q.authority).await {
        Ok(s) => s,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    if !over_authority(&viewer, &scope.authority, &[Role::SystemAdmin]) {
        return action_error(viewer.chrome(), &ActionError::Forbidden);
    }
    let start = match q.from {
        Some(id) => match visible(&state, &viewer, id).await {
            Ok((pt, _)) => Some(pt),
            Err(e) => return action_error(viewer.chrome(), &e),
        },
        None => None,
    };
    let form = match start {
        Some(pt) => TypeForm {
            kind: pt.kind.name().to_owned(),
            definition: pretty(&pt.definition.to_json()),
            ..TypeForm::default()
        },
        None => {
            let seed = standard_pass_types().into_iter().next();
            TypeForm {
                kind: Kind::PersonnelVehicle.name().to_owned(),
                definition: seed.map(|s| pretty(&s.definition)).unwrap_or_default(),
                ..TypeForm::default()
            }
        }
    };
    let form = TypeForm {
        authority_id: scope.authority.id.to_string(),
        ..form
    };
    render(&edit_page(&viewer, scope, None, form))
}

/// `GET /config/pass-types/{id}/edit`: the names and the definition as JSON.
pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let (pt, scope) = match visible(&state, &viewer, id).await {
        Ok(found) => found,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    if !over_authority(&viewer, &scope.authority, &[Role::SystemAdmin]) {
        return action_error(viewer.chrome(), &ActionError::Forbidden);
    }
    if pt.retired_at.is_some() {
        return action_error(viewer.chrome(), &ActionError::Conflict("pass_type.retired"));
    }
    let form = TypeForm {
        name_zh: pt.name_zh.clone(),
        name_en: pt.name_en.clone(),
        definition: pretty(&pt.definition.to_json()),
        version: pt.version.to_string(),
        ..TypeForm::default()
    };
    render(&edit_page(&viewer, scope, Some(id), form))
}

/// A JSON path `workflow.levels[0].roles` as a JSON pointer `/workflow/levels/0/roles`.
fn pointer(path: &str) -> String {
    if path == "$" {
        return String::new();
    }
    let mut out = String::from("/");
    for ch in path.chars() {
        match ch {
            '.' | '[' => {
                if !out.ends_with('/') {
                    out.push('/');
                }
            }
            ']' => {}
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// The refused definition as the page shows it.
fn problem(e: &DefinitionError, text: &str, lang: Lang) -> Problem {
    let found = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(|_| e.path() != "$")
        .and_then(|v| v.pointer(&pointer(e.path())).cloned())
        .map(|v| {
            let s = v.to_string();
            if s.chars().count() > 300 {
                format!("{}…", s.chars().take(300).collect::<String>())
            } else {
                s
            }
        });
    Problem {
        path: e.path().to_owned(),
        message: e.message(lang),
        found,
    }
}

/// The form again with what was refused: the definition at its path, another field by name,
/// or anything else as the page's message.
fn refused(viewer: &Viewer, mut page: EditPage, e: &ActionError) -> Response {
    match e {
        ActionError::Invalid { field, .. } => {
            page.field_error = Some(((*field).to_owned(), super::super::message(e, viewer.lang)));
        }
        ActionError::Conflict(_) | ActionError::Refused { .. } => {
            page.c.message = Some(conflict_message(e, viewer.lang));
        }
        _ => return action_error(viewer.chrome(), e),
    }
    let mut response = render(&page);
    *response.status_mut() = match e {
        ActionError::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    response
}

fn conflict_message(e: &ActionError, lang: Lang) -> String {
    let (zh, en) = match e.code() {
        "pass_type.version_conflict" => (
            "保存前已有他人修改了此类型：请重新打开编辑页，在最新版本上修改。",
            "Someone else changed this type first: open the edit page again and edit the latest version.",
        ),
        "pass_type.code_taken" => (
            "本机关已有这个类型代码，请换一个。",
            "The authority already has a type with this code; choose another.",
        ),
        "pass_type.retired" => ("该类型已停用。", "This type is retired."),
        _ => return super::super::message(e, lang),
    };
    config::pick(lang, zh, en).to_owned()
}

/// The posted definition, or the page showing where it is wrong.
fn parsed_definition(form: &TypeForm, lang: Lang) -> Result<serde_json::Value, Problem> {
    match PassTypeDefinition::parse(&form.definition) {
        // A definition that parsed is JSON.
        Ok(_) => serde_json::from_str(&form.definition).map_err(|e| Problem {
            path: "$".into(),
            message: e.to_string(),
            found: None,
        }),
        Err(e) => Err(problem(&e, &form.definition, lang)),
    }
}

fn with_problem(mut page: EditPage, problem: Problem) -> Response {
    page.problem = Some(problem);
    render_unprocessable(&page)
}

/// `POST /config/pass-types`: creates a type; on to its page.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<TypeForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let asked = form.authority_id.trim().parse::<i64>().ok();
    let scope = match config::scope(&state, &viewer, asked).await {
        Ok(s) => s,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let authority_id = scope.authority.id;
    let definition = parsed_definition(&form, viewer.lang);
    let kind = Kind::from_name(form.kind.trim());
    let input = match (definition, kind) {
        (Err(p), _) => return with_problem(edit_page(&viewer, scope, None, form), p),
        (Ok(_), None) => {
            let e = ActionError::invalid_msg(
                "kind",
                "pass_type.unknown_kind",
                "请选择通行证种类。",
                "Choose the kind of pass.",
            );
            return refused(&viewer, edit_page(&viewer, scope, None, form), &e);
        }
        (Ok(definition), Some(kind)) => PassTypeInput {
            authority_id,
            code: form.code.trim().to_owned(),
            kind,
            name_zh: form.name_zh.clone(),
            name_en: form.name_en.clone(),
            active_from: None,
            definition,
        },
    };
    match actions::create(&state.db, &viewer.caller, &input).await {
        Ok(pt) => {
            Redirect::to(&format!("/config/pass-types/{}?done=created", pt.id)).into_response()
        }
        Err(e) => refused(&viewer, edit_page(&viewer, scope, None, form), &e),
    }
}

/// `POST /config/pass-types/{id}`: saves an edit; a definition with a mistake changes nothing.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TypeForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let (_, scope) = match visible(&state, &viewer, id).await {
        Ok(found) => found,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    if !over_authority(&viewer, &scope.authority, &[Role::SystemAdmin]) {
        return action_error(viewer.chrome(), &ActionError::Forbidden);
    }
    let definition = match parsed_definition(&form, viewer.lang) {
        Ok(d) => d,
        Err(p) => return with_problem(edit_page(&viewer, scope, Some(id), form), p),
    };
    let input = PassTypeUpdate {
        version: form.version.trim().parse().unwrap_or(0),
        name_zh: form.name_zh.clone(),
        name_en: form.name_en.clone(),
        active_from: None,
        definition,
    };
    match actions::update(&state.db, &viewer.caller, id, &input).await {
        Ok(_) => Redirect::to(&format!("/config/pass-types/{id}?done=saved")).into_response(),
        Err(e) => refused(&viewer, edit_page(&viewer, scope, Some(id), form), &e),
    }
}
