//! The HTTP surface: thin handlers over the actions, plus operations endpoints and layers.

pub mod api;
pub mod auth;
pub mod error;
pub mod ops;
pub mod pages;
pub mod security;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use tower_http::trace::TraceLayer;

use crate::actions::ActionError;
use crate::app::AppState;
use error::ApiError;

/// Largest request body accepted by default (uploads get their own, larger limit).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", api::routes())
        .merge(pages::routes())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(|| async { ApiError(ActionError::NotFound) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), ops::track))
        .layer(middleware::map_response(security::headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
