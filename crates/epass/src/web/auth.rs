//! Who is calling: a session cookie (with its CSRF token on every state change) or an API token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};

use super::error::ApiError;
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::store::{now_ms, tokens, users};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "epass_session";
/// The header that must carry the session's CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The `Set-Cookie` value of a session (an empty value with max age 0 ends it): HttpOnly,
/// SameSite=Lax, and Secure when the service is reached over https.
pub fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.public_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    );
    // Tokens are base64url, so the header value is always visible ASCII.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The peer address, as the audit log records it.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string()),
        ))
    }
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ClientAddr(client_addr) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientAddr(None));
        if let Some(secret) = bearer(parts) {
            let hash = crate::actions::secrets::sha256(secret.as_bytes());
            let token = tokens::find_live(state.db.pool(), &hash)
                .await?
                .ok_or(ActionError::Unauthenticated)?;
            let owner = users::get(state.db.pool(), token.user_id).await?;
            if owner.disabled_at.is_some() {
                return Err(ActionError::Unauthenticated.into());
            }
            // A write per request would queue every check behind the database's one writer:
            // the last use is kept to the minute, so most requests only read.
            let now = now_ms();
            if token
                .last_used_at
                .is_none_or(|at| at < now - tokens::TOUCH_EVERY_MS)
            {
                tokens::touch(state.db.pool(), token.id, now).await?;
            }
            return Ok(Caller {
                user_id: owner.id,
                grants: users::grants(state.db.pool(), owner.id).await?,
                token_scopes: Some(token.scopes),
                client_addr,
            });
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(ActionError::Unauthenticated)?;
        let session = crate::actions::auth::session_for_token(&state.db, &state.auth, token)
            .await?
            .ok_or(ActionError::Unauthenticated)?;
        if changes_state(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !crate::actions::secrets::constant_time_eq(
                sent.as_bytes(),
                session.csrf_token.as_bytes(),
            ) {
                return Err(ActionError::invalid_msg(
                    "csrf",
                    "csrf.mismatch",
                    "页面已过期或请求来源不明，请刷新后重试。",
                    "The page expired or the request did not come from it; reload and try again.",
                )
                .into());
            }
        }
        Ok(Caller {
            user_id: session.user_id,
            grants: users::grants(state.db.pool(), session.user_id).await?,
            token_scopes: None,
            client_addr,
        })
    }
}
