//! Login endpoints: request a code, log in by code or password, log out.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::actions::auth::{self, NewSession};
use crate::actions::{ActionError, Actor};
use crate::app::AppState;
use crate::web::auth::{ClientAddr, SESSION_COOKIE, cookie, session_cookie};
use crate::web::error::{ApiError, ApiResult};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeRequest {
    /// Mainland mobile number; `+86`, spaces and dashes are accepted.
    pub phone: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeLogin {
    pub phone: String,
    /// The 6-digit code received by SMS.
    pub code: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordLogin {
    pub phone: String,
    pub password: String,
}

/// The answer to a login; the session itself travels in an HttpOnly cookie.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub user_id: i64,
    /// Send back in the `X-CSRF-Token` header with every state-changing request.
    pub csrf_token: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

fn throttle(
    state: &AppState,
    bucket: &'static str,
    addr: &ClientAddr,
    limit: u32,
) -> ApiResult<()> {
    let client = addr.0.as_deref().unwrap_or("unknown");
    state
        .limiter
        .check(bucket, client, limit, Duration::from_secs(60))
        .map_err(|wait| {
            ApiError(ActionError::Throttled {
                retry_after_secs: i64::try_from(wait).unwrap_or(60),
            })
        })
}

fn anonymous(addr: ClientAddr) -> Actor {
    Actor {
        user_id: None,
        role: None,
        client_addr: addr.0,
    }
}

fn logged_in(state: &AppState, session: NewSession) -> Response {
    let max_age = state.auth.session_absolute_ms / 1000;
    let cookie = session_cookie(state, &session.token, max_age);
    let body = LoginResponse {
        user_id: session.user_id,
        csrf_token: session.csrf_token,
        expires_at: session.expires_at,
    };
    ([(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

/// Sends a one-time login code by SMS.
#[utoipa::path(post, path = "/api/v1/auth/code", tag = "auth", request_body = CodeRequest,
    responses((status = 202, description = "Code sent"),
              (status = 422, body = crate::web::error::Problem), (status = 429, body = crate::web::error::Problem)))]
pub async fn request_code(
    State(state): State<AppState>,
    addr: ClientAddr,
    Json(body): Json<CodeRequest>,
) -> ApiResult<StatusCode> {
    throttle(&state, "code", &addr, 10)?;
    auth::request_code(&state.db, &state.auth, &body.phone, &anonymous(addr)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Logs in with a one-time code; an unknown number registers a new applicant.
#[utoipa::path(post, path = "/api/v1/auth/login/code", tag = "auth", request_body = CodeLogin,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::web::error::Problem)))]
pub async fn login_code(
    State(state): State<AppState>,
    addr: ClientAddr,
    Json(body): Json<CodeLogin>,
) -> ApiResult<Response> {
    throttle(&state, "login", &addr, 20)?;
    let session = auth::login_with_code(
        &state.db,
        &state.auth,
        &body.phone,
        &body.code,
        &anonymous(addr),
    )
    .await?;
    Ok(logged_in(&state, session))
}

/// Logs a staff member in with a password.
#[utoipa::path(post, path = "/api/v1/auth/login/password", tag = "auth", request_body = PasswordLogin,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::web::error::Problem),
              (status = 423, body = crate::web::error::Problem)))]
pub async fn login_password(
    State(state): State<AppState>,
    addr: ClientAddr,
    Json(body): Json<PasswordLogin>,
) -> ApiResult<Response> {
    throttle(&state, "login", &addr, 20)?;
    let session = auth::login_with_password(
        &state.db,
        &state.auth,
        &body.phone,
        &body.password,
        &anonymous(addr),
    )
    .await?;
    Ok(logged_in(&state, session))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out"), (status = 401, body = crate::web::error::Problem)))]
pub async fn logout(
    State(state): State<AppState>,
    caller: crate::actions::Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = cookie(&headers, SESSION_COOKIE).ok_or(ActionError::Unauthenticated)?;
    auth::logout(&state.db, token, &caller.actor(None)).await?;
    let cookie = session_cookie(&state, "", 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
