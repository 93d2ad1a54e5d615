//! Consent codes (`/licences/{number}/consent`): the holder picks a relying party (a company
//! with relying-party staff), once or until it expires, and for how many minutes; the code is
//! then shown large with its QR (the QR holds the code) and its expiry, this once. Below, the
//! holder's consents with their views, each withdrawable while in force.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::format::minute;
use super::{Chrome, Viewer, action_error, render};
use crate::actions::ActionError;
use crate::actions::licences::consent::{self, ConsentInput, ConsentMode, DEFAULT_MINUTES};
use crate::actions::licences::consent::{IssuedConsent, MAX_MINUTES};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::store::licences::Consent;
use crate::store::{now_ms, relying_parties};

/// The relying parties the holder may choose from (the first page of them).
const PARTIES: i64 = 200;

/// A consent in the holder's list.
#[derive(Debug)]
struct ConsentRow {
    id: i64,
    party: String,
    mode: String,
    created: String,
    expires: String,
    views: i64,
    state: String,
    /// Still in force: it may be withdrawn.
    live: bool,
}

/// A code just made, shown this once.
#[derive(Debug)]
struct Made {
    code: String,
    qr_svg: String,
    party: String,
    expires: String,
    mode: String,
}

#[derive(Template)]
#[template(path = "licence_consent.html")]
struct ConsentPage {
    c: Chrome,
    csrf: String,
    number: String,
    parties: Vec<(i64, String)>,
    minutes: u32,
    max_minutes: u32,
    made: Option<Made>,
    consents: Vec<ConsentRow>,
    error: Option<String>,
}

fn mode_label(mode: &str, lang: Lang) -> String {
    let (zh, en) = if mode == "once" {
        ("仅可查看一次", "One view")
    } else {
        ("有效期内可多次查看", "Until it expires")
    };
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn row(c: &Consent, parties: &[(i64, String)], now: i64, lang: Lang) -> ConsentRow {
    let used_up = c.mode == "once" && c.views > 0;
    let (zh, en) = if c.withdrawn_at.is_some() {
        ("已撤回", "Withdrawn")
    } else if c.expires_at <= now {
        ("已过期", "Expired")
    } else if used_up {
        ("已使用", "Used")
    } else {
        ("有效", "In force")
    };
    ConsentRow {
        id: c.id,
        party: parties
            .iter()
            .find(|(id, _)| *id == c.relying_party_id)
            .map_or_else(|| format!("#{}", c.relying_party_id), |(_, n)| n.clone()),
        mode: mode_label(&c.mode, lang),
        created: minute(c.created_at),
        expires: minute(c.expires_at),
        views: c.views,
        state: if lang == Lang::Zh { zh } else { en }.to_owned(),
        live: c.withdrawn_at.is_none() && c.expires_at > now && !used_up,
    }
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    c: Chrome,
    number: &str,
    made: Option<IssuedConsent>,
    error: Option<String>,
) -> Result<ConsentPage, ActionError> {
    let lang = c.lang();
    // The licence must be the viewer's (or readable by them) before anything is shown.
    crate::actions::licences::get(&state.db, &viewer.caller, number).await?;
    let parties: Vec<(i64, String)> = relying_parties::list(state.db.pool(), 0, PARTIES)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let now = now_ms();
    let consents = consent::list(&state.db, &viewer.caller)
        .await?
        .iter()
        .filter(|k| k.licence_number == number)
        .map(|k| row(k, &parties, now, lang))
        .collect();
    let made = made.map(|m| Made {
        qr_svg: epass_credential::qr::render_svg(&m.code)
            .ok()
            .and_then(|svg| svg.find("<svg").map(|at| svg[at..].to_owned()))
            .unwrap_or_default(),
        party: m.relying_party_name,
        expires: minute(m.consent.expires_at),
        mode: mode_label(&m.consent.mode, lang),
        code: m.code,
    });
    Ok(ConsentPage {
        csrf: viewer.csrf.clone(),
        number: number.to_owned(),
        parties,
        minutes: DEFAULT_MINUTES,
        max_minutes: MAX_MINUTES,
        made,
        consents,
        error,
        c,
    })
}

/// `GET /licences/{number}/consent`: the form and the holder's consents.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(number): Path<String>,
) -> Response {
    let c = viewer.chrome();
    match page(&state, &viewer, c.clone(), &number, None, None).await {
        Ok(p) => render(&p),
        Err(e) => action_error(c, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    csrf: String,
    #[serde(default)]
    relying_party_id: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    minutes: String,
}

/// `POST /licences/{number}/consent`: makes the code and shows it.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(number): Path<String>,
    Form(form): Form<ConsentForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let input = ConsentInput {
        relying_party_id: form.relying_party_id.trim().parse().unwrap_or(0),
        mode: if form.mode == "once" {
            ConsentMode::Once
        } else {
            ConsentMode::UntilExpiry
        },
        minutes: Some(form.minutes.trim().parse().unwrap_or(0)),
    };
    let c = viewer.chrome();
    let (made, error) = match consent::create(&state.db, &viewer.caller, &number, &input).await {
        Ok(made) => (Some(made), None),
        Err(e @ (ActionError::Invalid { .. } | ActionError::InvalidForm(_))) => {
            (None, Some(super::message(&e, viewer.lang)))
        }
        Err(e) => return action_error(c, &e),
    };
    let failed = error.is_some();
    match page(&state, &viewer, c.clone(), &number, made, error).await {
        Ok(p) => {
            let mut response = render(&p);
            if failed {
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            response
        }
        Err(e) => action_error(c, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    csrf: String,
    #[serde(default)]
    number: String,
}

/// `POST /licences/consents/{id}/withdraw`: the holder withdraws a consent.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<WithdrawForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    match consent::withdraw(&state.db, &viewer.caller, id).await {
        Ok(()) => {
            let number: String = form.number.chars().filter(char::is_ascii_digit).collect();
            let to = if number.is_empty() {
                "/licences".to_owned()
            } else {
                format!("/licences/{number}/consent")
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => action_error(viewer.chrome(), &e),
    }
}
