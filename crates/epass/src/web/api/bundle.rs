//! The signed verifier bundle and the trust anchors, public so checkpoints can sync offline data.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::actions::{ActionError, keys as key_actions};
use crate::app::AppState;
use crate::store::keys;
use crate::web::error::{ApiResult, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BundleQuery {
    /// The authority (organisation id) whose bundle to fetch.
    pub authority: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BundleSince {
    /// The authority (organisation id) whose bundle to fetch.
    pub authority: i64,
    /// The bundle version the checkpoint holds: answered with a signed delta from it when one
    /// can be made (`Epass-Bundle-Delta` names its base), else with the full bundle.
    pub since: Option<i64>,
}

/// Names the base version of a delta answer; absent on a full bundle.
pub const DELTA_HEADER: &str = "epass-bundle-delta";

/// An authority's root public key: install it once, then accept only bundles it signed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrustAnchor {
    pub authority_id: i64,
    pub alg: String,
    pub kid: String,
    /// Raw public key bytes, base64url.
    pub public_key: String,
}

/// The newest signed verifier bundle (COSE_Sign1 over JSON) of an authority, or with `since`
/// the signed delta from that version (status-list changes, keys and catalogue when changed),
/// the full bundle when no delta can be made (a version unknown or no longer kept). Answers 304
/// when `If-None-Match` names the current version, or `since` is the current version.
#[utoipa::path(get, path = "/api/v1/bundle", tag = "verification", params(BundleSince),
    responses((status = 200, description = "The signed bundle, or a signed delta (header Epass-Bundle-Delta)", content_type = "application/cose"),
              (status = 304, description = "Unchanged"), (status = 404, body = Problem)))]
pub async fn bundle(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BundleSince>,
) -> ApiResult<Response> {
    let (version, signed) = keys::latest_bundle(state.db.pool(), q.authority)
        .await?
        .ok_or(ActionError::NotFound)?;
    let etag = format!("\"v{version}\"");
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    // The ETag is ASCII digits and quotes, always a valid header value.
    let etag = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    if unchanged || q.since == Some(version) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    if let Some(since) = q.since.filter(|s| *s < version)
        && let Some(delta) =
            crate::actions::bundle_delta::since(&state.db, &state.pii, q.authority, since, &signed)
                .await?
    {
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/cose"),
                ),
                (header::ETAG, etag),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                (
                    header::HeaderName::from_static(DELTA_HEADER),
                    HeaderValue::from(since),
                ),
            ],
            delta,
        )
            .into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/cose"),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        signed,
    )
        .into_response())
}

/// The root public key of an authority.
#[utoipa::path(get, path = "/api/v1/trust-anchor", tag = "verification", params(BundleQuery),
    responses((status = 200, body = TrustAnchor), (status = 404, body = Problem)))]
pub async fn trust_anchor(
    State(state): State<AppState>,
    Query(q): Query<BundleQuery>,
) -> ApiResult<Json<TrustAnchor>> {
    let key = key_actions::root_public_key(&state.db, q.authority).await?;
    Ok(Json(TrustAnchor {
        authority_id: q.authority,
        alg: match key.alg() {
            epass_credential::Algorithm::EdDsa => "EdDSA".into(),
            epass_credential::Algorithm::Es256 => "ES256".into(),
        },
        kid: key.kid().to_string(),
        public_key: URL_SAFE_NO_PAD.encode(key.as_bytes()),
    }))
}
