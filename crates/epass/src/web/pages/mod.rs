//! Server-rendered pages (askama) for every role, on the same actions as the JSON API. They work
//! without JavaScript: plain forms and redirects. Every state-changing form is checked for its
//! origin and, once logged in, for the session's CSRF token. Chinese by default; `?lang=en` (or
//! `zh`) switches and is remembered in a cookie.

mod admin;
mod admin_keys;
mod admin_registry;
mod admin_users;
mod applicant;
mod apply;
mod apply_csv;
mod authority;
mod checkpoint;
mod config;
mod config_checkpoints;
mod config_pass_type_view;
mod config_pass_types;
mod config_trucks;
mod config_zones;
mod correct;
mod form_fields;
mod format;
mod join;
mod licence_consent;
mod licence_counter;
mod licence_view;
mod licences;
mod map_svg;
mod multipart;
mod org;
mod pass;
mod register;
mod relying_party;
mod review;
mod review_queue;
mod session;
mod supervise;
mod supervise_alerts;
mod supervise_dashboard;
mod supervise_svg;
mod trucks;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::auth::{ClientAddr, SESSION_COOKIE, cookie};
use crate::actions::{ActionError, Caller, secrets};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::{Lang, Localized};
use crate::store::users;

const LANG_COOKIE: &str = "epass_lang";
/// The largest photo the checkpoint page takes (a phone camera's JPEG).
const PHOTO_LIMIT: usize = 12 * 1024 * 1024;
/// The largest GeoJSON or truck restrictions upload the configuration pages take (as the API).
const GEOJSON_LIMIT: usize = 8 * 1024 * 1024;
/// The largest form with files an applicant sends (the form and several photos or PDFs; each
/// file is held to the documents' own limit).
const UPLOAD_LIMIT: usize = 40 * 1024 * 1024;
/// The largest fleet CSV form (the file itself is held to the bulk action's limit).
const CSV_LIMIT: usize = 3 * 1024 * 1024;

/// The page routes, merged into the service's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(session::index))
        .route("/login", post(session::login))
        .route("/login/code/send", post(session::send_code))
        .route("/login/code", post(session::login_code))
        .route("/logout", post(session::logout))
        .route("/join", get(join::join_by_code))
        .route("/join/{code}", get(join::join_form).post(join::join))
        .route("/applications", get(applicant::mine))
        .route("/applications/{id}", get(applicant::progress))
        .route(
            "/applications/{id}/resubmit",
            post(correct::resubmit).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/register",
            get(register::form)
                .post(register::register)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/apply", get(apply::types))
        .route(
            "/apply/{id}",
            get(apply::form)
                .post(apply::submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/apply/{id}/csv",
            get(apply_csv::form)
                .post(apply_csv::upload)
                .layer(DefaultBodyLimit::max(CSV_LIMIT)),
        )
        .route("/apply/{id}/template.csv", get(apply_csv::template))
        .route("/org/requests", get(org::list).post(org::file))
        .route("/org/requests/{id}", get(org::show))
        .route("/org/requests/{id}/close", post(org::close))
        .route("/passes/{id}", get(pass::show))
        .route("/passes/{id}/status", post(pass::change_status))
        .route(
            "/licences",
            get(licences::list)
                .post(licences::apply)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/licences/counter",
            get(licence_counter::form)
                .post(licence_counter::issue)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/licences/issues/{id}/photo", get(licences::photo))
        .route(
            "/licences/consents/{id}/withdraw",
            post(licence_consent::withdraw),
        )
        .route("/licences/{number}", get(licence_view::show))
        .route("/licences/{number}/pdf", get(licence_view::pdf))
        .route(
            "/licences/{number}/consent",
            get(licence_consent::form).post(licence_consent::create),
        )
        .route("/relying-party", get(relying_party::home))
        .route("/relying-party/view", post(relying_party::view))
        .route("/relying-party/verify", post(relying_party::verify))
        .route("/reviews", get(review_queue::queue))
        .route("/reviews/bulk", post(review_queue::bulk))
        .route("/reviews/{id}", get(review::show).post(review::decide))
        .route("/authority/requests", get(authority::list))
        .route("/authority/requests/{id}", get(authority::show))
        .route("/authority/requests/{id}/decision", post(authority::decide))
        .route(
            "/check",
            get(checkpoint::form)
                .post(checkpoint::check)
                .layer(DefaultBodyLimit::max(PHOTO_LIMIT)),
        )
        .route("/check/checkpoint", post(checkpoint::choose))
        .route("/trucks/lookup", get(trucks::lookup))
        .route("/supervise", get(supervise::home))
        .route("/supervise/passes/{id}/trail", get(supervise::pass_trail))
        .route("/supervise/users/{id}/trail", get(supervise::user_trail))
        .route("/supervise/alerts", get(supervise_alerts::list))
        .route(
            "/supervise/alerts/{id}/acknowledge",
            post(supervise_alerts::acknowledge),
        )
        .route(
            "/config/pass-types",
            get(config_pass_types::list).post(config_pass_types::create),
        )
        .route("/config/pass-types/new", get(config_pass_types::new_form))
        .route(
            "/config/pass-types/{id}",
            get(config_pass_types::show).post(config_pass_types::update),
        )
        .route(
            "/config/pass-types/{id}/edit",
            get(config_pass_types::edit_form),
        )
        .route(
            "/config/pass-types/{id}/retire",
            post(config_pass_types::retire),
        )
        .route("/config/zones", get(config_zones::list))
        .route(
            "/config/zones/import",
            post(config_zones::import).layer(DefaultBodyLimit::max(GEOJSON_LIMIT)),
        )
        .route("/config/zones/{id}/retire", post(config_zones::retire))
        .route(
            "/config/checkpoints",
            get(config_checkpoints::list).post(config_checkpoints::create),
        )
        .route(
            "/config/checkpoints/{id}/retire",
            post(config_checkpoints::retire),
        )
        .route(
            "/config/truck-restrictions",
            get(config_trucks::show)
                .post(config_trucks::publish)
                .layer(DefaultBodyLimit::max(GEOJSON_LIMIT)),
        )
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route("/admin/users/{id}", get(admin_users::show))
        .route("/admin/users/{id}/roles", post(admin_users::grant))
        .route("/admin/orgs", get(admin::orgs).post(admin::create_org))
        .route("/admin/keys", get(admin_keys::list))
        .route(
            "/admin/keys/rotate",
            get(admin_keys::confirm_rotate).post(admin_keys::rotate),
        )
        .route(
            "/admin/keys/{kid}/withdraw",
            get(admin_keys::confirm_withdraw).post(admin_keys::withdraw),
        )
        .route(
            "/admin/registry-imports",
            get(admin_registry::list)
                .post(admin_registry::upload)
                .layer(DefaultBodyLimit::max(
                    crate::actions::registry_imports::MAX_FILE_BYTES + 64 * 1024,
                )),
        )
        .route("/admin/registry-imports/{id}", get(admin_registry::show))
        .route("/static/app.css", get(session::stylesheet))
        .route("/static/check.js", get(session::check_script))
        .layer(middleware::from_fn(remember_lang))
}

/// What every page shows around its content: language, a message, the menu of the logged-in.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    pub en: bool,
    pub message: Option<String>,
    pub nav: Option<Nav>,
    /// The desk layout (reviewers' pages): wider content.
    pub wide: bool,
}

impl Chrome {
    pub fn new(lang: Lang) -> Self {
        Chrome {
            en: lang == Lang::En,
            ..Chrome::default()
        }
    }

    /// The sentence in the page's language.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { zh }
    }

    pub fn lang(&self) -> Lang {
        if self.en { Lang::En } else { Lang::Zh }
    }

    pub fn with_message(mut self, message: Option<String>) -> Self {
        self.message = message;
        self
    }
}

/// The menu of a logged-in person: what their roles let them reach.
#[derive(Clone, Debug)]
pub struct Nav {
    pub name: String,
    pub csrf: String,
    pub reviews: bool,
    pub check: bool,
    /// The system administrator's desk: users, organisations, keys, registry imports.
    pub admin: bool,
    /// The authority's configuration pages (system admins, authority reviewers).
    pub config: bool,
    /// Authority reviewers decide organisations' pass requests.
    pub authority: bool,
}

/// The language: `?lang=`, else the cookie, else `Accept-Language`, else Chinese.
fn lang(headers: &HeaderMap, query: Option<&str>) -> Lang {
    if let Some(tag) = query.and_then(query_lang).and_then(Lang::from_tag) {
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

fn query_lang(query: &str) -> Option<&str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v)
}

/// A `?lang=` on any page is remembered for a year.
async fn remember_lang(request: Request, next: Next) -> Response {
    let chosen = request
        .uri()
        .query()
        .and_then(query_lang)
        .and_then(Lang::from_tag);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.tag()
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The page's HTML, or a 500 (logged) when the template fails.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The page again with what was wrong in the form: 422, or a 500 (logged) when the template
/// fails.
pub fn render_unprocessable(page: &impl Template) -> Response {
    let mut response = render(page);
    if response.status().is_success() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// A page saying what went wrong, with a way back.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
}

/// The error page with `status` and the message in the reader's language.
pub fn error_page(c: Chrome, status: StatusCode, message: String) -> Response {
    let mut response = render(&ErrorPage {
        c: c.with_message(Some(message)),
    });
    *response.status_mut() = status;
    response
}

/// An action's refusal as a page: logged in again when the session ended, internal errors
/// logged and never shown.
pub fn action_error(c: Chrome, e: &ActionError) -> Response {
    let status = match e {
        ActionError::Unauthenticated => return Redirect::to("/").into_response(),
        ActionError::Forbidden => StatusCode::FORBIDDEN,
        ActionError::NotFound => StatusCode::NOT_FOUND,
        ActionError::Conflict(_) => StatusCode::CONFLICT,
        ActionError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        ActionError::Store(_) | ActionError::Internal(_) => {
            tracing::error!(error = %e, "page action failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let lang = c.lang();
    error_page(c, status, message(e, lang))
}

/// The message of an action's error, with the conflicts a person can meet said plainly.
pub fn message(e: &ActionError, lang: Lang) -> String {
    let plain = match e.code() {
        "review.already_decided" => Some((
            "该申请已由他人处理或已更新，请刷新后查看。",
            "Someone else already decided this application, or it changed; reload it.",
        )),
        "pass.status_unchanged" => Some((
            "通行证当前状态不允许此操作。",
            "The pass's present status does not allow this.",
        )),
        _ => None,
    };
    match plain {
        Some((zh, en)) => match lang {
            Lang::Zh => zh.to_owned(),
            Lang::En => en.to_owned(),
        },
        None => e.message(lang),
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

/// A form posted from another site (or with a stale token), refused in the reader's language.
#[derive(Debug)]
pub struct Refused(pub Lang);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let msg = match self.0 {
            Lang::Zh => "页面已过期或请求来源不明，已拒绝。请返回刷新后重试。",
            Lang::En => {
                "The page expired or the request did not come from this site; reload and try again."
            }
        };
        (StatusCode::FORBIDDEN, msg).into_response()
    }
}

/// A relative path on this site to go to after logging in; anything else is home.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains(['\\', '\r', '\n']) {
        next
    } else {
        "/"
    }
}

/// Percent-encodes a path for a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The logged-in person looking at a page: their caller (as the actions know it), their
/// session's CSRF token and language. Without a session, the login page, then back here.
#[derive(Debug)]
pub struct Viewer {
    pub caller: Caller,
    pub csrf: String,
    pub lang: Lang,
    pub name: String,
    pub phone: String,
}

impl Viewer {
    /// The page chrome with this person's menu.
    pub fn chrome(&self) -> Chrome {
        let reviews = [Role::OrgAdmin, Role::Reviewer, Role::AuthorityReviewer]
            .iter()
            .any(|r| self.caller.has_role(*r));
        Chrome {
            en: self.lang == Lang::En,
            message: None,
            nav: Some(Nav {
                name: self.name.clone(),
                csrf: self.csrf.clone(),
                reviews,
                check: self.caller.has_role(Role::CheckpointOfficer),
                admin: admin::may_administer(self),
                config: config::may_configure(self),
                authority: self.caller.has_role(Role::AuthorityReviewer),
            }),
            wide: false,
        }
    }

    /// A posted form is ours: same origin and this session's token.
    pub fn own_form(&self, headers: &HeaderMap, csrf: &str) -> Result<(), Refused> {
        if same_origin(headers) && secrets::constant_time_eq(csrf.as_bytes(), self.csrf.as_bytes())
        {
            Ok(())
        } else {
            Err(Refused(self.lang))
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = lang(&parts.headers, parts.uri.query());
        let to_login = || {
            let here = parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            Redirect::to(&format!("/?next={}", encode(&here))).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let internal = |e: &dyn std::fmt::Display| {
            tracing::error!(error = %e, "page session lookup failed");
            error_page(
                Chrome::new(lang),
                StatusCode::INTERNAL_SERVER_ERROR,
                ActionError::Internal(String::new()).message(lang),
            )
        };
        let session =
            match crate::actions::auth::session_for_token(&state.db, &state.auth, token).await {
                Ok(Some(s)) => s,
                Ok(None) => return Err(to_login()),
                Err(e) => return Err(internal(&e)),
            };
        let (user, grants) = match (
            users::get(state.db.pool(), session.user_id).await,
            users::grants(state.db.pool(), session.user_id).await,
        ) {
            (Ok(u), Ok(g)) => (u, g),
            (Err(e), _) | (_, Err(e)) => return Err(internal(&e)),
        };
        let ClientAddr(client_addr) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientAddr(None));
        Ok(Viewer {
            caller: Caller {
                user_id: user.id,
                grants,
                token_scopes: None,
                client_addr,
            },
            csrf: session.csrf_token,
            lang,
            name: user.name,
            phone: user.phone,
        })
    }
}

/// The `?done=` of a page reached by redirect after a change (see [`done_notice`]).
#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// A `?done=` notice after a redirect, in the reader's language.
pub fn done_notice(done: Option<&str>, lang: Lang) -> Option<String> {
    let (zh, en) = match done? {
        "submitted" => (
            "申请已提交，请留意审核进度。",
            "The application was submitted; follow its progress here.",
        ),
        "resubmitted" => (
            "已修改并重新提交，请留意审核进度。",
            "The corrected application was resubmitted; follow its progress here.",
        ),
        "submitted_documents_failed" => (
            "申请已提交，但有材料未能保存，请联系审核人员补交。",
            "The application was submitted, but a document could not be saved; ask the reviewer how to supply it.",
        ),
        "registered" => ("实名登记已保存。", "Your real-name registration was saved."),
        "approve" => ("已审核通过。", "Approved."),
        "approve_owed" => (
            "已容缺通过并发证，请督促申请人按期补交材料。",
            "Approved with documents owed: the pass is issued; the applicant must supply them in time.",
        ),
        "reject" => ("已驳回。", "Rejected."),
        "return" => ("已退回修改。", "Returned for correction."),
        "revoke" => ("通行证已撤销。", "The pass was revoked."),
        "suspend" => ("通行证已暂停。", "The pass was suspended."),
        "resume" => ("通行证已恢复。", "The pass was resumed."),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    })
}
