//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document generated from the code.

pub mod alerts;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod bulk_apply;
pub mod bundle;
pub mod checkpoints;
pub mod documents;
pub mod invitations;
pub mod licences;
pub mod log;
pub mod orgs;
pub mod pass_pdf;
pub mod pass_types;
pub mod passes;
pub mod reviews;
pub mod statistics;
pub mod tokens;
pub mod trails;
pub mod truck_restrictions;
pub mod users;
pub mod verify;
pub mod zones;

use axum::Router;
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::app::AppState;
use crate::store::cursor;

/// One page of a list, with the cursor of the next page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Cursor pagination parameters of every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

impl PageQuery {
    /// `(after_id, limit + 1)`: one extra row tells whether another page follows.
    pub fn bounds(&self) -> Result<(i64, i64), crate::actions::ActionError> {
        let after = match &self.cursor {
            None => 0,
            Some(c) => cursor::decode(c).ok_or_else(|| {
                crate::actions::ActionError::invalid_msg(
                    "cursor",
                    "page.bad_cursor",
                    "分页游标无效。",
                    "The page cursor is not valid.",
                )
            })?,
        };
        Ok((after, self.limit.unwrap_or(50).clamp(1, 200) + 1))
    }
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows.
    pub fn from_rows(mut rows: Vec<T>, fetch_limit: i64, id: impl Fn(&T) -> i64) -> Self {
        let limit = usize::try_from(fetch_limit - 1).unwrap_or(0);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| cursor::encode(id(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "epass API",
        version = "1",
        description = "Electronic passes for people and vehicles."
    ),
    paths(
        openapi,
        auth::request_code,
        auth::login_code,
        auth::login_password,
        auth::logout,
        users::me,
        users::register_id_number,
        users::list,
        users::create,
        users::grant_role,
        users::reveal_id_number,
        orgs::list,
        orgs::create,
        orgs::get_one,
        tokens::list,
        tokens::create,
        tokens::revoke,
        audit::list,
        alerts::list,
        alerts::get_one,
        alerts::acknowledge,
        log::latest,
        log::list,
        log::publish,
        log::inclusion,
        log::consistency,
        trails::pass_trail,
        trails::user_trail,
        pass_types::list,
        pass_types::get_one,
        pass_types::create,
        pass_types::update,
        pass_types::retire,
        pass_types::form_check,
        pass_types::holidays,
        pass_types::put_holiday,
        pass_types::delete_holiday,
        bundle::bundle,
        bundle::trust_anchor,
        zones::list,
        zones::create,
        zones::update,
        zones::retire,
        zones::import,
        truck_restrictions::lookup,
        truck_restrictions::current,
        truck_restrictions::publish,
        truck_restrictions::versions,
        checkpoints::list,
        checkpoints::create,
        checkpoints::retire,
        applications::submit,
        applications::mine,
        applications::get_one,
        applications::decide,
        applications::queue,
        documents::upload,
        documents::list,
        documents::download,
        documents::id_card,
        applications::resubmit,
        bulk_apply::bulk,
        invitations::file,
        invitations::list,
        invitations::get_one,
        invitations::decide,
        invitations::close,
        invitations::qr,
        invitations::lookup,
        invitations::apply,
        reviews::bulk,
        verify::verify,
        passes::get_one,
        passes::qr,
        pass_pdf::pdf,
        passes::change_status,
        passes::check,
        passes::check_batch,
        passes::extend,
        passes::bulk_extend,
        statistics::get,
        licences::apply,
        licences::counter,
        licences::mine,
        licences::get_one,
        licences::photo,
        licences::put_registry_photo,
        licences::sync,
        licences::give_consent,
        licences::consents,
        licences::withdraw_consent,
        licences::view_with_code,
    ),
    components(schemas(crate::web::error::Problem))
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document")))]
pub async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// A licence application carries its photo as base64: room for the largest accepted upload.
const LICENCE_BODY_MAX: usize = 8 << 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/auth/code", post(auth::request_code))
        .route("/auth/login/code", post(auth::login_code))
        .route("/auth/login/password", post(auth::login_password))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(users::me))
        .route("/me/id-number", put(users::register_id_number))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}/roles", post(users::grant_role))
        .route("/users/{id}/id-number", get(users::reveal_id_number))
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route("/orgs/{id}", get(orgs::get_one))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route("/audit", get(audit::list))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}", get(alerts::get_one))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/statistics", get(statistics::get))
        .route("/log/tree-heads/latest", get(log::latest))
        .route("/log/tree-heads", get(log::list).post(log::publish))
        .route("/log/proofs/inclusion", get(log::inclusion))
        .route("/log/proofs/consistency", get(log::consistency))
        .route("/passes/{id}/trail", get(trails::pass_trail))
        .route("/users/{id}/trail", get(trails::user_trail))
        .route(
            "/pass-types",
            get(pass_types::list).post(pass_types::create),
        )
        .route(
            "/pass-types/{id}",
            get(pass_types::get_one)
                .put(pass_types::update)
                .delete(pass_types::retire),
        )
        .route("/pass-types/{id}/form-check", post(pass_types::form_check))
        .route("/holidays", get(pass_types::holidays))
        .route(
            "/holidays/{date}",
            put(pass_types::put_holiday).delete(pass_types::delete_holiday),
        )
        .route(
            "/applications",
            get(applications::mine).post(applications::submit),
        )
        .route("/applications/{id}", get(applications::get_one))
        .route("/applications/{id}/decisions", post(applications::decide))
        .route("/reviews/queue", get(applications::queue))
        .route(
            "/applications/{id}/documents",
            get(documents::list).post(documents::upload),
        )
        .route("/documents/{id}", get(documents::download))
        .route("/applications/{id}/id-card/{side}", get(documents::id_card))
        .route("/applications/{id}/resubmit", post(applications::resubmit))
        .route(
            "/applications/bulk",
            post(bulk_apply::bulk).layer(axum::extract::DefaultBodyLimit::max(
                crate::actions::bulk_apply::MAX_BYTES,
            )),
        )
        .route(
            "/pass-requests",
            get(invitations::list).post(invitations::file),
        )
        .route("/pass-requests/{id}", get(invitations::get_one))
        .route("/pass-requests/{id}/decision", post(invitations::decide))
        .route("/pass-requests/{id}/close", post(invitations::close))
        .route("/pass-requests/{id}/qr", get(invitations::qr))
        .route("/invitations/{code}", get(invitations::lookup))
        .route(
            "/licences",
            get(licences::mine)
                .post(licences::apply)
                .layer(axum::extract::DefaultBodyLimit::max(LICENCE_BODY_MAX)),
        )
        .route(
            "/licences/counter",
            post(licences::counter).layer(axum::extract::DefaultBodyLimit::max(LICENCE_BODY_MAX)),
        )
        .route("/licences/sync", post(licences::sync))
        .route("/licences/issues/{id}/photo", get(licences::photo))
        .route(
            "/licences/registry-photos/{number}",
            put(licences::put_registry_photo),
        )
        .route("/licences/{number}", get(licences::get_one))
        .route("/licences/{number}/consents", post(licences::give_consent))
        .route("/consents", get(licences::consents))
        .route("/consents/view", post(licences::view_with_code))
        .route("/consents/{id}", delete(licences::withdraw_consent))
        .route("/invitations/{code}/applications", post(invitations::apply))
        .route("/reviews/bulk", post(reviews::bulk))
        .route("/passes/{id}", get(passes::get_one))
        .route("/passes/{id}/qr", get(passes::qr))
        .route("/passes/{id}/pdf", get(pass_pdf::pdf))
        .route("/passes/{id}/status", post(passes::change_status))
        .route("/passes/{id}/extend", post(passes::extend))
        .route("/passes/extend", post(passes::bulk_extend))
        .route("/checks", post(passes::check))
        .route("/checks/batch", post(passes::check_batch))
        .route("/verify", post(verify::verify))
        .route("/bundle", get(bundle::bundle))
        .route("/trust-anchor", get(bundle::trust_anchor))
        .route("/zones", get(zones::list).post(zones::create))
        .route("/zones/{id}", put(zones::update).delete(zones::retire))
        .route(
            "/zones/import",
            post(zones::import).layer(axum::extract::DefaultBodyLimit::max(8 << 20)),
        )
        .route(
            "/truck-restrictions",
            get(truck_restrictions::current).post(truck_restrictions::publish),
        )
        .route(
            "/truck-restrictions/lookup",
            get(truck_restrictions::lookup),
        )
        .route(
            "/truck-restrictions/versions",
            get(truck_restrictions::versions),
        )
        .route(
            "/checkpoints",
            get(checkpoints::list).post(checkpoints::create),
        )
        .route("/checkpoints/{id}", delete(checkpoints::retire))
}
