//! The holder's electronic driving licences (`/licences`): the licences in force and any photo
//! waiting for review (with its deadline), or the application form — the authority's licence
//! type, its instructions and agreement, and the photo: the registry's, or a new one taken with
//! the phone's front camera or chosen from the album (multipart, so it works without script).
//! A refusal says which rule in both languages. Also the photo route the licence pages show.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use epass_credential::Kind;
use serde::Deserialize;

use super::apply::{parts, type_name, unreadable};
use super::form_fields as ff;
use super::format::minute;
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::ActionError;
use crate::actions::licences::{self as actions, ApplyInput, LicenceView, PhotoChoice, Services};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::store::{applications, now_ms, pass_types};

/// A licence (or a photo in review) in the holder's list.
#[derive(Debug)]
struct Row {
    number: String,
    classes: String,
    status: String,
    state: String,
    /// The photo review's deadline, while it waits.
    deadline: Option<String>,
}

/// A licence type open for applications, with what the holder reads before applying.
#[derive(Debug)]
pub(super) struct TypeOption {
    pub(super) id: i64,
    pub(super) name: String,
    instructions: String,
    agreement: String,
}

#[derive(Template)]
#[template(path = "licences.html")]
struct LicencesPage {
    c: Chrome,
    csrf: String,
    rows: Vec<Row>,
    show_form: bool,
    types: Vec<TypeOption>,
    /// The upload is chosen (changing the photo).
    new_photo: bool,
    licence_number: String,
    /// A refusal, in both languages: `(zh, en)`.
    refusal: Option<(String, String)>,
}

/// `?done=` after a redirect, `?photo=new` to change the photo.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
    photo: Option<String>,
}

/// The state of a licence in the reader's language.
pub(super) fn state_label(status: &str, lang: Lang) -> String {
    let (zh, en) = match status {
        "active" => ("有效", "Valid"),
        "suspended" => ("已暂停使用", "Suspended"),
        "revoked" => ("已注销", "Revoked"),
        "pending" => ("照片审核中", "Photo in review"),
        _ => ("无效", "Not valid"),
    };
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// What the services for issuing need from the state.
pub(super) fn services<'a>(state: &'a AppState, link_base: &'a str) -> Services<'a> {
    Services {
        pii: &state.pii,
        registry: state.registry.as_ref(),
        files: &state.documents,
        link_base,
    }
}

/// The authorities' licence types open now (the first page: one per authority in practice).
pub(super) async fn licence_types(
    state: &AppState,
    lang: Lang,
) -> Result<Vec<TypeOption>, ActionError> {
    let filter = pass_types::Filter {
        authority_id: None,
        kind: Some(Kind::DrivingLicence),
        after_id: 0,
        limit: 50,
        at_ms: now_ms(),
    };
    let types = pass_types::list_active(state.db.pool(), &filter).await?;
    Ok(types
        .iter()
        .map(|t| TypeOption {
            id: t.id,
            name: type_name(t, lang),
            instructions: t.definition.instructions.get(lang).to_owned(),
            agreement: t.definition.agreement.get(lang).to_owned(),
        })
        .collect())
}

async fn rows(state: &AppState, mine: &[LicenceView], lang: Lang) -> Result<Vec<Row>, ActionError> {
    let mut rows = Vec::new();
    for l in mine {
        let deadline = if l.status == "pending" {
            applications::get(state.db.pool(), l.application_id)
                .await?
                .level_due_at
                .map(minute)
        } else {
            None
        };
        rows.push(Row {
            number: l.licence_number.clone(),
            classes: l.classes.clone(),
            state: state_label(&l.status, lang),
            status: l.status.clone(),
            deadline,
        });
    }
    Ok(rows)
}

fn notice(done: Option<&str>, c: &Chrome) -> Option<String> {
    let msg = match done? {
        "photo_review" => c.t(
            "已提交。新照片将在一个工作日内审核，结果会通知您。",
            "Submitted. The new photo is reviewed within one working day; you will be told the decision.",
        ),
        "issued" => c.t("电子驾驶证已签发。", "Your electronic licence was issued."),
        _ => return None,
    };
    Some(msg.to_owned())
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    new_photo: bool,
    licence_number: String,
    refusal: Option<(String, String)>,
) -> Result<LicencesPage, ActionError> {
    let lang = c.lang();
    let mine = actions::mine(&state.db, &viewer.caller).await?;
    let show_form = mine.is_empty() || new_photo || refusal.is_some();
    let types = if show_form {
        licence_types(state, lang).await?
    } else {
        Vec::new()
    };
    Ok(LicencesPage {
        csrf: viewer.csrf.clone(),
        rows: rows(state, &mine, lang).await?,
        show_form,
        types,
        new_photo,
        licence_number,
        refusal,
        c,
    })
}

/// `GET /licences`: the holder's licences, or the application form.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    let c = viewer.chrome();
    let c = c.clone().with_message(notice(q.done.as_deref(), &c));
    let new_photo = q.photo.as_deref() == Some("new");
    match page(&state, &viewer, c.clone(), new_photo, String::new(), None).await {
        Ok(p) => render(&p),
        Err(e) => action_error(c, &e),
    }
}

/// The uploaded photo, when one was sent.
pub(super) fn uploaded(parts: &[super::multipart::Part]) -> Option<Vec<u8>> {
    parts
        .iter()
        .find(|p| p.name == "photo" && !p.data.is_empty())
        .map(|p| p.data.clone())
}

/// A refusal in both languages (internal errors are never shown).
pub(super) fn both(e: &ActionError) -> (String, String) {
    (super::message(e, Lang::Zh), super::message(e, Lang::En))
}

fn no_photo() -> ActionError {
    ActionError::invalid_msg(
        "photo",
        "licence.photo_missing",
        "请拍摄或选择一张照片。",
        "Take or choose a photo.",
    )
}

/// `POST /licences` (`multipart/form-data`): applies; the licence, or the form with the reason.
pub async fn apply(
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
    let new_photo = ff::text_of(&parts, "photo_source") == "upload";
    let number = ff::text_of(&parts, "licence_number");
    let photo = if new_photo {
        uploaded(&parts)
            .map(PhotoChoice::Upload)
            .ok_or_else(no_photo)
    } else {
        Ok(PhotoChoice::Registry)
    };
    let result = match photo {
        Ok(photo) => {
            let link_base = state.config.public_url();
            let input = ApplyInput {
                pass_type_id: ff::text_of(&parts, "pass_type_id").parse().unwrap_or(0),
                licence_number: Some(number.clone()).filter(|n| !n.is_empty()),
                photo,
                agreed: ff::text_of(&parts, "agreed") == "yes",
                max_bytes: state.config.documents.max_bytes,
            };
            actions::apply(
                &state.db,
                services(&state, &link_base),
                &viewer.caller,
                input,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(view) if view.status == "pending" => {
            Redirect::to("/licences?done=photo_review").into_response()
        }
        Ok(view) => {
            Redirect::to(&format!("/licences/{}?done=issued", view.licence_number)).into_response()
        }
        Err(
            e @ (ActionError::Store(_) | ActionError::Internal(_) | ActionError::Unauthenticated),
        ) => action_error(viewer.chrome(), &e),
        Err(e) => {
            let c = viewer.chrome();
            let lead = c.t(
                "未能申领，原因见下。",
                "No licence was issued; the reason is below.",
            );
            let c = c.clone().with_message(Some(lead.to_owned()));
            match page(
                &state,
                &viewer,
                c.clone(),
                new_photo,
                number,
                Some(both(&e)),
            )
            .await
            {
                Ok(p) => render_unprocessable(&p),
                Err(e) => action_error(c, &e),
            }
        }
    }
}

/// `GET /licences/issues/{id}/photo`: the photo printed on a licence issue (holder or office).
pub async fn photo(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    match actions::photo(&state.db, &state.documents, &viewer.caller, id).await {
        Ok(p) => (
            [
                (header::CONTENT_TYPE, p.content_type),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            p.bytes,
        )
            .into_response(),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}
