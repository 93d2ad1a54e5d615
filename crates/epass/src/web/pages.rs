//! Server-rendered pages (askama): log in by password or SMS code, see who you are, log out.
//! They work without JavaScript; every state-changing form is checked for its origin and, once
//! logged in, for the session's CSRF token.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{ClientAddr, SESSION_COOKIE, cookie, session_cookie};
use crate::actions::auth::{self, NewSession};
use crate::actions::{Actor, secrets};
use crate::app::AppState;
use crate::i18n::{Lang, Localized};
use crate::store::users;

const LANG_COOKIE: &str = "epass_lang";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    en: bool,
    message: Option<String>,
    phone: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    en: bool,
    message: Option<String>,
    name: String,
    phone: String,
    roles: Vec<String>,
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PhoneForm {
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// The language: `?lang=` (remembered in a cookie), else the cookie, else `Accept-Language`.
fn lang(headers: &HeaderMap, query: Option<&str>) -> Lang {
    if let Some(tag) = query.and_then(Lang::from_tag) {
        return tag;
    }
    if let Some(tag) = cookie(headers, LANG_COOKIE).and_then(Lang::from_tag) {
        return tag;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::Zh, Lang::parse)
}

fn render(page: &impl Template, lang_cookie: Option<Lang>) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            if let Some(lang) = lang_cookie
                && let Ok(v) = HeaderValue::from_str(&format!(
                    "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    lang.tag()
                ))
            {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A form post must come from our own pages: browsers send `Origin` on every POST.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
    }
}

fn with_session(session: &NewSession, state: &AppState) -> Response {
    let max_age = state.auth.session_absolute_ms / 1000;
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(state, &session.token, max_age),
    );
    response
}

fn login_page(lang: Lang, message: Option<String>, phone: String) -> Response {
    render(
        &LoginPage {
            en: lang == Lang::En,
            message,
            phone,
        },
        None,
    )
}

/// `/`: the home page when logged in, the login page otherwise.
pub async fn index(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = lang(&headers, q.lang.as_deref());
    let remember = q.lang.as_deref().and_then(Lang::from_tag);
    let session = match cookie(&headers, SESSION_COOKIE) {
        Some(token) => auth::session_for_token(&state.db, &state.auth, token)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let Some(session) = session else {
        return render(
            &LoginPage {
                en: lang == Lang::En,
                message: None,
                phone: String::new(),
            },
            remember,
        );
    };
    let (user, grants) = match (
        users::get(state.db.pool(), session.user_id).await,
        users::grants(state.db.pool(), session.user_id).await,
    ) {
        (Ok(user), Ok(grants)) => (user, grants),
        _ => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let mut roles: Vec<String> = grants
        .iter()
        .map(|g| match lang {
            Lang::Zh => g.role.label_zh().to_owned(),
            Lang::En => g.role.as_str().replace('_', " "),
        })
        .collect();
    if roles.is_empty() {
        roles.push(
            if lang == Lang::En {
                "applicant"
            } else {
                "申请人"
            }
            .to_owned(),
        );
    }
    render(
        &HomePage {
            en: lang == Lang::En,
            message: None,
            name: user.name,
            phone: user.phone,
            roles,
            csrf: session.csrf_token,
        },
        remember,
    )
}

fn anonymous(addr: ClientAddr) -> Actor {
    Actor {
        user_id: None,
        role: None,
        client_addr: addr.0,
    }
}

/// A form posted from another site, refused in the reader's language.
struct Refused(Lang);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let msg = match self.0 {
            Lang::Zh => "请求来源不明，已拒绝。",
            Lang::En => "The request did not come from this site and was refused.",
        };
        (StatusCode::FORBIDDEN, msg).into_response()
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

/// Home with the new session, or the login page again saying what went wrong.
fn after_login(
    state: &AppState,
    lang: Lang,
    phone: String,
    result: crate::actions::ActionResult<NewSession>,
) -> Response {
    match result {
        Ok(session) => with_session(&session, state),
        Err(e) => login_page(lang, Some(e.message(lang)), phone),
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
    after_login(&state, lang, form.phone, result)
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
            Err(e) => e.message(lang),
        };
    login_page(lang, Some(message), form.phone)
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
    after_login(&state, lang, form.phone, result)
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
        include_str!("../../static/app.css"),
    )
        .into_response()
}
