//! Logging in by password or SMS code, the home page with what each role can reach, logging out.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, Refused, Viewer, lang, render, safe_next, same_origin};
use crate::actions::auth::{self, NewSession};
use crate::actions::{Actor, secrets};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::web::auth::{ClientAddr, SESSION_COOKIE, cookie, session_cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    phone: String,
    next: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    name: String,
    phone: String,
    roles: Vec<String>,
    reviewer: bool,
    officer: bool,
    supervisor: bool,
    org_admin: bool,
    configure: bool,
    /// Staff of a relying party: the consent-code desk.
    relying_party: bool,
    /// Licensing-office clerks: issue at the counter.
    clerk: bool,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PhoneForm {
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

fn login_page(lang: Lang, message: Option<String>, phone: String, next: String) -> Response {
    render(&LoginPage {
        c: Chrome::new(lang).with_message(message),
        phone,
        next,
    })
}

/// `/`: the home page when logged in, the login page otherwise.
pub async fn index(
    viewer: Result<Viewer, Response>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
    uri: axum::http::Uri,
) -> Response {
    let Ok(viewer) = viewer else {
        let lang = lang(&headers, uri.query());
        return login_page(lang, None, String::new(), q.next.unwrap_or_default());
    };
    let lang = viewer.lang;
    let mut roles: Vec<String> = viewer
        .caller
        .grants
        .iter()
        .map(|g| match lang {
            Lang::Zh => g.role.label_zh().to_owned(),
            Lang::En => g.role.as_str().replace('_', " "),
        })
        .collect();
    if roles.is_empty() {
        roles.push(viewer.chrome().t("申请人", "applicant").to_owned());
    }
    let c = viewer.chrome();
    render(&HomePage {
        reviewer: c.nav.as_ref().is_some_and(|n| n.reviews),
        officer: viewer.caller.has_role(Role::CheckpointOfficer),
        supervisor: super::supervise::may_supervise(&viewer),
        org_admin: viewer.caller.has_role(Role::OrgAdmin),
        configure: super::config::may_configure(&viewer),
        relying_party: viewer.caller.has_role(Role::RelyingParty),
        clerk: viewer.caller.has_role(Role::AuthorityReviewer),
        name: viewer.name,
        phone: viewer.phone,
        roles,
        c,
    })
}

fn anonymous(addr: ClientAddr) -> Actor {
    Actor {
        user_id: None,
        role: None,
        client_addr: addr.0,
    }
}

/// The language of a form posted from our own pages, or the refusal of one posted from elsewhere.
fn own_form(headers: &HeaderMap) -> Result<Lang, Refused> {
    let lang = lang(headers, None);
    if same_origin(headers) {
        Ok(lang)
    } else {
        Err(Refused(lang))
    }
}

/// Where the login was headed, with the new session; or the login page again saying why not.
fn after_login(
    state: &AppState,
    lang: Lang,
    form: PhoneForm,
    result: crate::actions::ActionResult<NewSession>,
) -> Response {
    match result {
        Ok(session) => {
            let max_age = state.auth.session_absolute_ms / 1000;
            let mut response = Redirect::to(safe_next(&form.next)).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(state, &session.token, max_age),
            );
            response
        }
        Err(e) => login_page(lang, Some(super::message(&e, lang)), form.phone, form.next),
    }
}

/// `POST /login`: password login from the form.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    addr: ClientAddr,
    Form(form): Form<PhoneForm>,
) -> Response {
    let lang = match own_form(&headers) {
        Ok(lang) => lang,
        Err(refusal) => return refusal.into_response(),
    };
    let result = auth::login_with_password(
        &state.db,
        &state.auth,
        &form.phone,
        &form.password,
        &anonymous(addr),
    )
    .await;
    after_login(&state, lang, form, result)
}

/// `POST /login/code/send`: sends a one-time code.
pub async fn send_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    addr: ClientAddr,
    Form(form): Form<PhoneForm>,
) -> Response {
    let lang = match own_form(&headers) {
        Ok(lang) => lang,
        Err(refusal) => return refusal.into_response(),
    };
    let message =
        match auth::request_code(&state.db, &state.auth, &form.phone, &anonymous(addr)).await {
            Ok(()) => match lang {
                Lang::Zh => "验证码已发送，5 分钟内有效。".to_owned(),
                Lang::En => "The code was sent; it is valid for 5 minutes.".to_owned(),
            },
            Err(e) => super::message(&e, lang),
        };
    login_page(lang, Some(message), form.phone, form.next)
}

/// `POST /login/code`: logs in with the code.
pub async fn login_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    addr: ClientAddr,
    Form(form): Form<PhoneForm>,
) -> Response {
    let lang = match own_form(&headers) {
        Ok(lang) => lang,
        Err(refusal) => return refusal.into_response(),
    };
    let result = auth::login_with_code(
        &state.db,
        &state.auth,
        &form.phone,
        &form.code,
        &anonymous(addr),
    )
    .await;
    after_login(&state, lang, form, result)
}

/// `POST /logout`: needs the session's CSRF token from the form.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    addr: ClientAddr,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = lang(&headers, None);
    let Some(token) = cookie(&headers, SESSION_COOKIE) else {
        return Redirect::to("/").into_response();
    };
    let Ok(Some(session)) = auth::session_for_token(&state.db, &state.auth, token).await else {
        return Redirect::to("/").into_response();
    };
    if !same_origin(&headers)
        || !secrets::constant_time_eq(form.csrf.as_bytes(), session.csrf_token.as_bytes())
    {
        return Refused(lang).into_response();
    }
    let actor = Actor {
        user_id: Some(session.user_id),
        role: None,
        client_addr: addr.0,
    };
    if let Err(e) = auth::logout(&state.db, token, &actor).await {
        tracing::error!(error = %e, "logout failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    response
}

/// The one stylesheet, compiled in: no build step, no CDN.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/app.css"),
    )
        .into_response()
}

/// The checkpoint page's scanning script (an enhancement; the page works without it).
pub async fn check_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/check.js"),
    )
        .into_response()
}
