//! Real-name registration (`/register`) after a phone login: name, ID number and photos of both
//! sides of the ID card (a phone offers its camera or album), through
//! [`crate::actions::real_name::register`]. A wrong ID number is refused beside its field with
//! the reason (length, character, province, date, check digit), and nothing is kept.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::apply::{parts, unreadable};
use super::form_fields::{self as ff, FieldView};
use super::format::minute;
use super::{Chrome, DoneQuery, Viewer, action_error, done_notice, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::real_name::{self, PHOTO_KINDS, RealNameInput};
use crate::app::AppState;
use crate::domain::pass_type::FieldError;
use crate::i18n::Lang;
use crate::store::{user_documents, users};

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    c: Chrome,
    csrf: String,
    registered: Option<String>,
    current_name: String,
    /// `(label, uploaded)` of the photos in force.
    photos: Vec<(String, String)>,
    fields: Vec<FieldView>,
}

fn photo_label(kind: &str, lang: Lang) -> &'static str {
    match (kind, lang) {
        ("id_card_front", Lang::Zh) => "身份证人像面照片",
        ("id_card_front", Lang::En) => "ID card, photo side",
        (_, Lang::Zh) => "身份证国徽面照片",
        (_, Lang::En) => "ID card, emblem side",
    }
}

#[allow(clippy::too_many_arguments)]
fn field(
    key: &str,
    label: &str,
    input: &'static str,
    required: bool,
    value: String,
    help: &str,
    errors: &[FieldError],
    lang: Lang,
) -> FieldView {
    FieldView {
        key: key.to_owned(),
        label: label.to_owned(),
        input,
        inputmode: "",
        placeholder: if key == "id_number" {
            "11010519491231002X"
        } else {
            ""
        },
        required,
        value,
        options: Vec::new(),
        help: help.to_owned(),
        error: errors
            .iter()
            .filter(|e| e.key == key)
            .map(|e| crate::i18n::Localized::message(e, lang))
            .collect::<Vec<_>>()
            .join(" "),
        preset: false,
    }
}

/// The page with what is on record, and the form (with what was typed and its errors).
async fn page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    posted: &HashMap<String, String>,
    errors: &[FieldError],
) -> Result<RegisterPage, ActionError> {
    let lang = c.lang();
    let user = users::get(state.db.pool(), viewer.caller.user_id).await?;
    let on_record = user_documents::for_user(state.db.pool(), user.id).await?;
    let mut photos = Vec::new();
    for kind in PHOTO_KINDS {
        if let Some(d) = on_record.iter().find(|d| d.kind == kind) {
            photos.push((photo_label(kind, lang).to_owned(), minute(d.uploaded_at)));
        }
    }
    let has = |kind: &str| on_record.iter().any(|d| d.kind == kind);
    let name = posted
        .get("name")
        .cloned()
        .unwrap_or_else(|| user.name.clone());
    let id_help = c.t(
        "18 位居民身份证号码，末位可为 X；系统会核对校验位和出生日期。",
        "The 18-character resident ID number (the last may be X); its check digit and birth date are checked.",
    );
    let photo_help = c.t(
        "可拍照或从相册选择（JPEG 或 PNG）。",
        "Take a photo or choose one from the album (JPEG or PNG).",
    );
    let kept = c.t(
        "已上传；如需更换，请重新拍摄或选择。",
        "On record; take or choose another to replace it.",
    );
    let fields = vec![
        field(
            "name",
            c.t("姓名", "Name"),
            "text",
            true,
            name,
            "",
            errors,
            lang,
        ),
        field(
            "id_number",
            c.t("身份证号", "ID number"),
            "text",
            true,
            posted.get("id_number").cloned().unwrap_or_default(),
            id_help,
            errors,
            lang,
        ),
        field(
            "id_card_front",
            photo_label("id_card_front", lang),
            "file",
            !has("id_card_front"),
            String::new(),
            if has("id_card_front") {
                kept
            } else {
                photo_help
            },
            errors,
            lang,
        ),
        field(
            "id_card_back",
            photo_label("id_card_back", lang),
            "file",
            !has("id_card_back"),
            String::new(),
            if has("id_card_back") {
                kept
            } else {
                photo_help
            },
            errors,
            lang,
        ),
    ];
    Ok(RegisterPage {
        csrf: viewer.csrf.clone(),
        registered: user.id_number_masked.clone(),
        current_name: user.name,
        photos,
        fields,
        c,
    })
}

/// `GET /register`: what is registered, and the form.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<DoneQuery>,
) -> Response {
    let c = viewer
        .chrome()
        .with_message(done_notice(q.done.as_deref(), viewer.lang));
    match page(&state, &viewer, c.clone(), &HashMap::new(), &[]).await {
        Ok(p) => render(&p),
        Err(e) => action_error(c, &e),
    }
}

/// `POST /register` (`multipart/form-data`): registers, or the form again with every mistake.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(parts) = parts(&headers, &body) else {
        return unreadable(viewer.chrome());
    };
    if let Err(refusal) = viewer.own_form(&headers, &ff::text_of(&parts, "csrf")) {
        return refusal.into_response();
    }
    let posted: HashMap<String, String> = ["name", "id_number"]
        .into_iter()
        .map(|k| (k.to_owned(), ff::text_of(&parts, k)))
        .collect();
    let photos = parts
        .iter()
        .filter(|p| PHOTO_KINDS.contains(&p.name.as_str()))
        .map(|p| (p.name.clone(), p.data.clone()))
        .collect();
    let input = RealNameInput {
        name: posted.get("name").cloned().unwrap_or_default(),
        id_number: posted.get("id_number").cloned().unwrap_or_default(),
        photos,
        max_bytes: state.config.documents.max_bytes,
    };
    let result = real_name::register(
        &state.db,
        &state.pii,
        &state.documents,
        &viewer.caller,
        input,
    )
    .await;
    match result {
        Ok(_) => Redirect::to("/register?done=registered").into_response(),
        Err(e @ (ActionError::Store(_) | ActionError::Internal(_))) => {
            action_error(viewer.chrome(), &e)
        }
        Err(e) => {
            let errors = ff::errors_of(&e);
            let c = viewer.chrome();
            let lead = if errors.is_empty() {
                super::message(&e, viewer.lang)
            } else {
                c.t(
                    "未登记：请按提示修改后重新提交，照片需重新选择。",
                    "Nothing was registered: correct what is marked and send it again, choosing the photos again.",
                )
                .to_owned()
            };
            let c = c.with_message(Some(lead));
            match page(&state, &viewer, c.clone(), &posted, &errors).await {
                Ok(p) => render_unprocessable(&p),
                Err(e) => action_error(c, &e),
            }
        }
    }
}
