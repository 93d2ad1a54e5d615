//! `/log`: the tamper-evident log's signed tree heads and proofs, for supervisors and system
//! administrators of a whole authority.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery};
use crate::actions::{ActionError, Caller, log};
use crate::app::AppState;
use crate::store::merkle_heads::{self, HeadJson, hex};
use crate::web::error::{ApiResult, Problem};

/// The newest signed tree head.
#[utoipa::path(get, path = "/api/v1/log/tree-heads/latest", tag = "audit",
    responses((status = 200, body = HeadJson), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn latest(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<HeadJson>> {
    log::require_supervisor(&caller)?;
    let head = merkle_heads::latest_head(state.db.pool())
        .await?
        .ok_or(ActionError::NotFound)?;
    Ok(Json(HeadJson::from(&head)))
}

/// Every signed tree head, oldest first.
#[utoipa::path(get, path = "/api/v1/log/tree-heads", tag = "audit", params(PageQuery),
    responses((status = 200, body = Page<HeadJson>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<HeadJson>>> {
    log::require_supervisor(&caller)?;
    let (after, limit) = page.bounds()?;
    let heads = merkle_heads::heads(state.db.pool(), after, limit).await?;
    let rows = heads.iter().map(HeadJson::from).collect();
    Ok(Json(Page::from_rows(rows, limit, |h: &HeadJson| h.id)))
}

/// Signs and publishes a tree head of the log as it is now.
#[utoipa::path(post, path = "/api/v1/log/tree-heads", tag = "audit",
    responses((status = 201, body = HeadJson), (status = 403, body = Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<HeadJson>)> {
    log::require_supervisor(&caller)?;
    let head = log::publish(&state.db, &state.pii, false)
        .await?
        .ok_or_else(|| ActionError::Internal("no tree head".into()))?;
    Ok((StatusCode::CREATED, Json(HeadJson::from(&head))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InclusionQuery {
    /// The leaf's position (0 first).
    pub leaf: Option<u64>,
    /// The tree size the proof is for.
    pub size: Option<u64>,
}

/// An inclusion proof (RFC 9162 §2.1.3), hashes in hex.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root: String,
    pub hashes: Vec<String>,
}

fn required(field: &'static str, v: Option<u64>) -> Result<u64, ActionError> {
    v.ok_or_else(|| {
        ActionError::invalid_msg(
            field,
            "log.parameter_missing",
            "缺少参数。",
            "A parameter is missing.",
        )
    })
}

/// The proof that leaf `leaf` is in the tree of `size` leaves.
#[utoipa::path(get, path = "/api/v1/log/proofs/inclusion", tag = "audit", params(InclusionQuery),
    responses((status = 200, body = InclusionProof), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn inclusion(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<InclusionQuery>,
) -> ApiResult<Json<InclusionProof>> {
    log::require_supervisor(&caller)?;
    let (index, size) = (required("leaf", q.leaf)?, required("size", q.size)?);
    let (leaf, proof, root) = log::inclusion(&state.db, index, size).await?;
    Ok(Json(InclusionProof {
        leaf_index: index,
        tree_size: size,
        leaf_hash: hex(&leaf),
        root: hex(&root),
        hashes: proof.iter().map(|h| hex(h)).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ConsistencyQuery {
    /// The smaller tree size.
    pub from: Option<u64>,
    /// The larger tree size.
    pub to: Option<u64>,
}

/// A consistency proof (RFC 9162 §2.1.4), hashes in hex.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub from_root: String,
    pub to_root: String,
    pub hashes: Vec<String>,
}

/// The proof that the tree of `to` leaves extends the tree of `from` leaves.
#[utoipa::path(get, path = "/api/v1/log/proofs/consistency", tag = "audit", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn consistency(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProof>> {
    log::require_supervisor(&caller)?;
    let (from, to) = (required("from", q.from)?, required("to", q.to)?);
    let (proof, root1, root2) = log::consistency(&state.db, from, to).await?;
    Ok(Json(ConsistencyProof {
        from,
        to,
        from_root: hex(&root1),
        to_root: hex(&root2),
        hashes: proof.iter().map(|h| hex(h)).collect(),
    }))
}
