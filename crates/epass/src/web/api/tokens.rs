//! `/tokens`: API tokens of the caller.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery};
use crate::actions::{Caller, tokens as token_actions};
use crate::app::AppState;
use crate::store::tokens::{self as store_tokens, ApiToken};
use crate::web::error::{ApiResult, Problem};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenInput {
    pub name: String,
    /// e.g. `["orgs:read", "checks:write"]`.
    pub scopes: Vec<String>,
}

/// A new token with its secret, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// The caller's tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(PageQuery),
    responses((status = 200, body = Page<ApiToken>), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ApiToken>>> {
    let (after, limit) = page.bounds()?;
    let rows = store_tokens::list_for_user(state.db.pool(), caller.user_id, after, limit).await?;
    Ok(Json(Page::from_rows(rows, limit, |t| t.id)))
}

/// Creates a token for the caller (from a session only).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenInput,
    responses((status = 201, body = NewToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TokenInput>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let (token, secret) =
        token_actions::create(&state.db, &caller, &body.name, &body.scopes).await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, secret })))
}

/// Revokes a token at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    token_actions::revoke(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
