//! The relying party's desk (`/relying-party`): staff of an insurer or car-rental firm enter
//! (or scan) a holder's consent code and see the licence's data — once, or until the code
//! expires, every view audited — or are told plainly why not (used, expired, withdrawn, given
//! to another organisation, unknown). Without a code they may check a licence's QR and learn
//! only whether it is valid.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::format::minute;
use super::licences::state_label;
use super::{Chrome, Viewer, action_error, render};
use crate::actions::checks::{self, VerifyInput};
use crate::actions::licences::consent::{self, ConsentedView};
use crate::actions::{ActionError, ActionResult};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;

/// The answer to a QR checked without consent.
#[derive(Debug)]
struct Verdict {
    valid: bool,
    text: String,
}

#[derive(Template)]
#[template(path = "relying_party.html")]
struct DeskPage {
    c: Chrome,
    csrf: String,
    seen: Option<ConsentedView>,
    standing: String,
    standing_class: &'static str,
    /// `(code, rule)` of each class in the reader's language.
    rules: Vec<(String, String)>,
    viewed_at: String,
    /// A refused code, in both languages.
    refusal: Option<(String, String)>,
    verdict: Option<Verdict>,
}

/// The page chrome for relying-party staff; others are refused.
fn desk(viewer: &Viewer) -> Option<Chrome> {
    viewer
        .caller
        .has_role(Role::RelyingParty)
        .then(|| viewer.chrome())
}

fn forbidden(viewer: &Viewer) -> Response {
    action_error(viewer.chrome(), &ActionError::Forbidden)
}

fn empty(c: Chrome, viewer: &Viewer) -> DeskPage {
    DeskPage {
        c,
        csrf: viewer.csrf.clone(),
        seen: None,
        standing: String::new(),
        standing_class: "",
        rules: Vec::new(),
        viewed_at: String::new(),
        refusal: None,
        verdict: None,
    }
}

/// `GET /relying-party`: the code form and the QR check.
pub async fn home(viewer: Viewer) -> Response {
    match desk(&viewer) {
        Some(c) => render(&empty(c, &viewer)),
        None => forbidden(&viewer),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: String,
    #[serde(default)]
    code: String,
}

fn standing_label(standing: &str, lang: Lang) -> String {
    match standing {
        "valid" => state_label("active", lang),
        "expired" => match lang {
            Lang::Zh => "已过期".to_owned(),
            Lang::En => "Expired".to_owned(),
        },
        other => state_label(other, lang),
    }
}

/// `POST /relying-party/view`: the licence with the holder's code, or why not.
pub async fn view(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let c = viewer.chrome();
    let lang = c.lang();
    let result: ActionResult<ConsentedView> =
        consent::view_with_code(&state.db, &viewer.caller, &form.code).await;
    let mut page = empty(c.clone(), &viewer);
    match result {
        Ok(seen) => {
            page.standing = standing_label(&seen.standing, lang);
            page.standing_class = if seen.standing == "valid" {
                "valid"
            } else {
                "revoked"
            };
            page.rules = seen
                .licence
                .class_rules
                .iter()
                .map(|r| {
                    let text = if lang == Lang::Zh { &r.zh } else { &r.en };
                    (r.code.clone(), text.clone())
                })
                .collect();
            page.viewed_at = minute(crate::store::now_ms());
            page.seen = Some(seen);
            render(&page)
        }
        Err(e @ ActionError::Refused { .. }) => {
            page.refusal = Some(super::licences::both(&e));
            let mut response = render(&page);
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
        Err(e) => action_error(c, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct QrForm {
    csrf: String,
    #[serde(default)]
    text: String,
}

/// `POST /relying-party/verify`: a licence's QR text checked without consent: valid or not.
pub async fn verify(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<QrForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let Some(c) = desk(&viewer) else {
        return forbidden(&viewer);
    };
    let input = VerifyInput { text: form.text };
    match checks::verify(&state.db, &state.verifier, &input).await {
        Ok(result) => {
            let valid = result.code == "valid";
            let text = if valid {
                c.t("有效", "Valid")
            } else {
                c.t("无效", "Not valid")
            }
            .to_owned();
            let mut page = empty(c, &viewer);
            page.verdict = Some(Verdict { valid, text });
            render(&page)
        }
        Err(e) => action_error(c, &e),
    }
}
