//! Applying with an invitation code (`/join/{code}`): what the code offers, the form with the
//! invitation's preset values shown and the rest asked, the agreement, and the submission.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::format::{self, day, last_day};
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::invitations::{self as inv, Invitation, JoinInput};
use crate::app::AppState;
use crate::domain::pass_type::{FieldType, PassTypeDefinition};
use crate::i18n::{Lang, Localized};
use crate::store::pass_types;

/// One field of the form as the page shows it.
#[derive(Debug)]
struct FieldView {
    key: String,
    label: String,
    /// `text`, `tel`, `date`, `datetime-local`, `number` or `select`.
    input: &'static str,
    inputmode: &'static str,
    placeholder: &'static str,
    required: bool,
    value: String,
    options: Vec<(String, String)>,
    help: String,
    error: String,
    /// Given by the invitation: shown, not asked.
    preset: bool,
}

#[derive(Template)]
#[template(path = "join.html")]
struct JoinPage {
    c: Chrome,
    code: String,
    type_name: String,
    org_name: String,
    purpose: String,
    places_left: i64,
    period: String,
    instructions: String,
    agreement: String,
    open: bool,
    fields: Vec<FieldView>,
    agreed: bool,
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// `GET /join?code=…`: the code typed on the home page.
pub async fn join_by_code(Query(q): Query<CodeQuery>) -> Response {
    let code: String = q
        .code
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    Redirect::to(&format!("/join/{code}")).into_response()
}

/// The form's fields: the invitation's preset values shown, the rest asked, the period
/// defaulting to the request's.
fn fields(
    def: &PassTypeDefinition,
    inv: &Invitation,
    posted: &HashMap<String, String>,
    errors: &[crate::domain::pass_type::FieldError],
    lang: Lang,
) -> Vec<FieldView> {
    def.form
        .iter()
        .map(|f| {
            let preset = inv.preset.get(&f.key);
            let (input, inputmode, placeholder) = match f.field_type {
                FieldType::Phone => ("tel", "tel", ""),
                FieldType::Date => ("date", "", "YYYY-MM-DD"),
                FieldType::Datetime => ("datetime-local", "", ""),
                FieldType::Number => ("number", "decimal", ""),
                FieldType::Choice => ("select", "", ""),
                FieldType::DivisionCode => ("text", "numeric", "150621"),
                FieldType::TimeWindow => ("text", "", "06:00-22:00"),
                FieldType::IdNumber => ("text", "", ""),
                FieldType::Plate => ("text", "", "蒙K12345"),
                _ => ("text", "", ""),
            };
            let period_default = def.validity.period.as_ref().and_then(|p| {
                if p.from == f.key {
                    Some(day(inv.valid_from))
                } else if p.to == f.key {
                    Some(last_day(inv.valid_until))
                } else {
                    None
                }
            });
            let value = match (preset, posted.get(&f.key)) {
                (Some(v), _) => match v.as_str() {
                    Some(s) if !f.options.is_empty() => f
                        .options
                        .iter()
                        .find(|o| o.value == s)
                        .map_or_else(|| s.to_owned(), |o| o.label.get(lang).to_owned()),
                    _ => format::value(v),
                },
                (None, Some(v)) => v.clone(),
                (None, None) => period_default.unwrap_or_default(),
            };
            FieldView {
                key: f.key.clone(),
                label: f.label.get(lang).to_owned(),
                input,
                inputmode,
                placeholder,
                required: f.required,
                value,
                options: f
                    .options
                    .iter()
                    .map(|o| (o.value.clone(), o.label.get(lang).to_owned()))
                    .collect(),
                help: f
                    .help
                    .as_ref()
                    .map(|h| h.get(lang).to_owned())
                    .unwrap_or_default(),
                error: errors
                    .iter()
                    .filter(|e| e.key == f.key)
                    .map(|e| e.message(lang))
                    .collect::<Vec<_>>()
                    .join(" "),
                preset: preset.is_some(),
            }
        })
        .collect()
}

/// The invitation and its pass type's definition, or the page saying why not.
async fn invitation(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<(Invitation, PassTypeDefinition), Response> {
    let fail = |e: ActionError| action_error(viewer.chrome(), &e);
    crate::web::api::invitations::throttle(state, &viewer.caller).map_err(fail)?;
    let found = inv::lookup(&state.db, &state.config.public_url(), code)
        .await
        .map_err(fail)?;
    let pt = pass_types::get(state.db.pool(), found.pass_type_id)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok((found, pt.definition))
}

#[allow(clippy::too_many_arguments)]
fn join_page(
    c: Chrome,
    inv: &Invitation,
    def: &PassTypeDefinition,
    posted: &HashMap<String, String>,
    errors: &[crate::domain::pass_type::FieldError],
    agreed: bool,
) -> JoinPage {
    let lang = c.lang();
    let open = inv.state == "open";
    let c = if open || c.message.is_some() {
        c
    } else {
        let msg = match inv.state {
            "expired" => c.t(
                "该邀请码已过期，请联系发码单位。",
                "This invitation code has expired; ask the organisation that sent it.",
            ),
            "used_up" => c.t(
                "该邀请码的名额已用完，请联系发码单位。",
                "Every place of this invitation is taken; ask the organisation that sent it.",
            ),
            _ => c.t(
                "该邀请码已关闭，不再受理申请。",
                "This invitation code is closed and takes no more applications.",
            ),
        }
        .to_owned();
        c.with_message(Some(msg))
    };
    JoinPage {
        code: inv.code.clone(),
        type_name: match lang {
            Lang::Zh => inv.pass_type_name_zh.clone(),
            Lang::En => inv.pass_type_name_en.clone(),
        },
        org_name: inv.org_name.clone(),
        purpose: inv.purpose.clone(),
        places_left: inv.places_left,
        period: format!("{} – {}", day(inv.valid_from), last_day(inv.valid_until)),
        instructions: inv.instructions.get(lang).to_owned(),
        agreement: inv.agreement.get(lang).to_owned(),
        open,
        fields: fields(def, inv, posted, errors, lang),
        agreed,
        csrf: c.nav.as_ref().map(|n| n.csrf.clone()).unwrap_or_default(),
        c,
    }
}

/// `GET /join/{code}`: what the invitation offers, and the form to apply with it.
pub async fn join_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Response {
    let (found, def) = match invitation(&state, &viewer, &code).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    render(&join_page(
        viewer.chrome(),
        &found,
        &def,
        &HashMap::new(),
        &[],
        false,
    ))
}

/// A `datetime-local` value (`2026-11-22T08:00`) as the RFC 3339 time in China the form takes.
fn form_value(def: &PassTypeDefinition, key: &str, raw: &str) -> Value {
    let raw = raw.trim();
    let is_local = raw.len() == 16 && raw.as_bytes().get(10) == Some(&b'T');
    match def.field(key).map(|f| f.field_type) {
        Some(FieldType::Datetime) if is_local => Value::String(format!("{raw}:00+08:00")),
        _ => Value::String(raw.to_owned()),
    }
}

/// `POST /join/{code}`: applies with the code (the same action as the API); back to the form
/// with every problem beside its field, or on to the new application's progress.
pub async fn join(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Err(refusal) = viewer.own_form(&headers, field("csrf").unwrap_or_default()) {
        return refusal.into_response();
    }
    let (found, def) = match invitation(&state, &viewer, &code).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let posted: HashMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("v.")?.to_owned(), v.clone())))
        .collect();
    let values: serde_json::Map<String, Value> = posted
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), form_value(&def, k, v)))
        .collect();
    let agreed = field("agreed") == Some("yes");
    let input = JoinInput { values, agreed };
    let result = inv::apply(
        &state.db,
        &state.pii,
        state.registry.as_ref(),
        &viewer.caller,
        &code,
        &input,
    )
    .await;
    match result {
        Ok(app) => {
            Redirect::to(&format!("/applications/{}?done=submitted", app.id)).into_response()
        }
        Err(e) => {
            let errors = match &e {
                ActionError::InvalidForm(errors) | ActionError::Ineligible(errors) => {
                    errors.clone()
                }
                _ => Vec::new(),
            };
            if matches!(e, ActionError::Store(_) | ActionError::Internal(_)) {
                return action_error(viewer.chrome(), &e);
            }
            let c = viewer
                .chrome()
                .with_message(Some(super::message(&e, viewer.lang)));
            render_unprocessable(&join_page(c, &found, &def, &posted, &errors, agreed))
        }
    }
}
