//! The system administrator's keys pages (SPEC §4): the authority's signing keys (root and
//! issuer) and the log's, with their state; rotating an issuing office's key and withdrawing an
//! issuer key, each after a confirmation page. The same actions as `epass keys rotate|withdraw`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use epass_credential::Kind;
use serde::Deserialize;

use super::admin::{Tabs, desk, pick};
use super::format::{day, minute};
use super::{Chrome, Viewer, action_error, render};
use crate::actions::{ActionError, ActionResult, keys};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::store::keys::{KeyPurpose, StoredKey, log_keys_listed};
use crate::store::orgs::Org;

/// One key as listed.
#[derive(Debug)]
struct KeyRow {
    kid: String,
    purpose: String,
    issuer: String,
    kinds: String,
    created: String,
    valid_until: String,
    /// `active`, `retired` or `withdrawn`, and in words with the date.
    state: &'static str,
    state_label: String,
    withdrawable: bool,
}

fn kind_name(kind: Kind, lang: Lang) -> String {
    match kind {
        Kind::PersonnelVehicle => pick(lang, "人员车辆通行证", "Personnel and vehicle pass"),
        Kind::Freight => pick(lang, "点对点运输通行证", "Freight pass"),
        Kind::TruckEntry => pick(lang, "货车通行码", "Truck entry code"),
        Kind::DrivingLicence => pick(lang, "电子驾驶证", "Driving licence"),
    }
}

fn row(k: &StoredKey, lang: Lang) -> KeyRow {
    let (state, state_label) = match (k.withdrawn_at, k.retired_at) {
        (Some(at), _) => (
            "withdrawn",
            format!("{} {}", pick(lang, "已撤回", "Withdrawn"), minute(at)),
        ),
        (None, Some(at)) => (
            "retired",
            format!("{} {}", pick(lang, "已轮换停用", "Retired"), minute(at)),
        ),
        (None, None) => ("active", pick(lang, "使用中", "Active")),
    };
    let kinds = k
        .kinds
        .iter()
        .filter_map(|c| Kind::from_code(u64::from(*c)))
        .map(|kind| kind_name(kind, lang))
        .collect::<Vec<_>>()
        .join(if lang == Lang::Zh { "、" } else { ", " });
    KeyRow {
        kid: k.kid.clone(),
        purpose: match k.purpose {
            KeyPurpose::Root => pick(
                lang,
                "根密钥（签署信任清单）",
                "Root (signs the trust bundle)",
            ),
            KeyPurpose::Issuer => pick(lang, "签发密钥", "Issuer"),
        },
        issuer: k.issuer_code.clone().unwrap_or_default(),
        kinds,
        created: minute(k.not_before),
        valid_until: day(k.not_after),
        state,
        state_label,
        withdrawable: k.purpose == KeyPurpose::Issuer && k.withdrawn_at.is_none(),
    }
}

#[derive(Template)]
#[template(path = "admin_keys.html")]
struct KeysPage {
    c: Chrome,
    tabs: Tabs,
    authority_id: i64,
    authority_name: String,
    others: Vec<(i64, String)>,
    keys: Vec<KeyRow>,
    log_keys: Vec<(String, String, String)>,
    issuers: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct KeysQuery {
    authority: Option<i64>,
    issuer: Option<String>,
    done: Option<String>,
}

/// The authority asked for (one the viewer manages) or the first; `Forbidden` for anyone who
/// manages none.
fn chosen(viewer: &Viewer, asked: Option<i64>) -> ActionResult<i64> {
    let ids = keys::managed_authorities(&viewer.caller);
    match asked {
        Some(id) if ids.contains(&id) => Ok(id),
        Some(_) => Err(ActionError::Forbidden),
        None => ids.first().copied().ok_or(ActionError::Forbidden),
    }
}

async fn load(
    state: &AppState,
    viewer: &Viewer,
    asked: Option<i64>,
) -> ActionResult<(Org, Vec<StoredKey>)> {
    let id = chosen(viewer, asked)?;
    keys::list_managed(&state.db, &viewer.caller, id).await
}

/// The issuing offices with keys, the authority's own first.
fn issuers(org: &Org, stored: &[StoredKey]) -> Vec<String> {
    let mut codes = vec![org.division_code.clone()];
    for code in stored.iter().filter_map(|k| k.issuer_code.clone()) {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// `GET /admin/keys`: the authority's keys and the log's, with rotate and withdraw.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<KeysQuery>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let lang = viewer.lang;
    let (org, stored) = match load(&state, &viewer, q.authority).await {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    let log_keys = match log_keys_listed(state.db.pool()).await {
        Ok(l) => l,
        Err(e) => return action_error(c, &e.into()),
    };
    let mut others = Vec::new();
    for id in keys::managed_authorities(&viewer.caller) {
        if id != org.id
            && let Ok(o) = crate::store::orgs::get(state.db.pool(), id).await
        {
            others.push((o.id, o.name));
        }
    }
    let notice = match q.done.as_deref() {
        Some("rotated") => Some(pick(
            lang,
            "已轮换签发密钥，并已发布新的信任清单。",
            "The issuer key was rotated and a new trust bundle published.",
        )),
        Some("withdrawn") => Some(pick(
            lang,
            "密钥已撤回，并已发布新的信任清单；它签发的凭证均已失效。",
            "The key was withdrawn and a new trust bundle published; what it signed is invalid.",
        )),
        _ => None,
    };
    render(&KeysPage {
        tabs: Tabs { active: "keys" },
        authority_id: org.id,
        authority_name: org.name.clone(),
        others,
        keys: stored.iter().rev().map(|k| row(k, lang)).collect(),
        log_keys: log_keys
            .into_iter()
            .map(|(kid, alg, at)| (kid, alg, minute(at)))
            .collect(),
        issuers: issuers(&org, &stored),
        c: c.with_message(notice),
    })
}

#[derive(Template)]
#[template(path = "admin_key_confirm.html")]
struct ConfirmPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    authority_id: i64,
    authority_name: String,
    /// `rotate` or `withdraw`.
    action: &'static str,
    issuer: String,
    /// The keys affected: those retired by a rotation, or the one withdrawn.
    affected: Vec<KeyRow>,
    kid: String,
}

/// `GET /admin/keys/rotate?authority=&issuer=`: what rotating will do, and the button to do it.
pub async fn confirm_rotate(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<KeysQuery>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let (org, stored) = match load(&state, &viewer, q.authority).await {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    let issuer = q.issuer.unwrap_or_else(|| org.division_code.clone());
    let affected = stored
        .iter()
        .filter(|k| {
            k.purpose == KeyPurpose::Issuer
                && k.issuer_code.as_deref() == Some(issuer.as_str())
                && k.retired_at.is_none()
        })
        .map(|k| row(k, viewer.lang))
        .collect();
    render(&ConfirmPage {
        tabs: Tabs { active: "keys" },
        csrf: viewer.csrf.clone(),
        authority_id: org.id,
        authority_name: org.name,
        action: "rotate",
        issuer,
        affected,
        kid: String::new(),
        c,
    })
}

#[derive(Debug, Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    authority: String,
    #[serde(default)]
    issuer: String,
}

/// `POST /admin/keys/rotate`: rotates the issuing office's key (one transaction with its audit
/// event and the new bundle), then the list.
pub async fn rotate(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<RotateForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let result = match chosen(&viewer, form.authority.trim().parse().ok()) {
        Ok(id) => keys::rotate_by(
            &state.db,
            &state.pii,
            &viewer.caller,
            id,
            form.issuer.trim(),
        )
        .await
        .map(|_| id),
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/admin/keys?authority={id}&done=rotated")).into_response(),
        Err(e) => action_error(c, &e),
    }
}

/// `GET /admin/keys/{kid}/withdraw`: what withdrawing the key will do, a reason to give, and the
/// button to do it.
pub async fn confirm_withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(kid): Path<String>,
) -> Response {
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let key = match crate::store::keys::by_kid(state.db.pool(), &kid).await {
        Ok(k) => k,
        Err(e) => return action_error(c, &e.into()),
    };
    let (org, _) = match load(&state, &viewer, Some(key.authority_id)).await {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    render(&ConfirmPage {
        tabs: Tabs { active: "keys" },
        csrf: viewer.csrf.clone(),
        authority_id: org.id,
        authority_name: org.name,
        action: "withdraw",
        issuer: key.issuer_code.clone().unwrap_or_default(),
        affected: vec![row(&key, viewer.lang)],
        kid: key.kid,
        c,
    })
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /admin/keys/{kid}/withdraw`: withdraws the key (one transaction with its audit event
/// and the new bundle), then the list.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(kid): Path<String>,
    Form(form): Form<WithdrawForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    let c = match desk(&viewer) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let authority = match crate::store::keys::by_kid(state.db.pool(), &kid).await {
        Ok(k) => k.authority_id,
        Err(e) => return action_error(c, &e.into()),
    };
    match keys::withdraw_by(&state.db, &state.pii, &viewer.caller, &kid, &form.reason).await {
        Ok(()) => Redirect::to(&format!("/admin/keys?authority={authority}&done=withdrawn"))
            .into_response(),
        Err(e) => action_error(c, &e),
    }
}
