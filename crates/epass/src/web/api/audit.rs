//! `/audit`: the audit events, for supervisors and system administrators of an authority.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::{Page, PageQuery};
use crate::actions::{ActionError, Caller};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::store::audit::{self, Event, Filter};
use crate::web::error::{ApiResult, Problem};

/// Audit search filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    pub actor_user_id: Option<i64>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub action: Option<String>,
}

/// Audit events, oldest first. Events are not tied to one organisation, so only supervisors and
/// system administrators of a whole authority (a root of the tree) may read them.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(PageQuery, AuditQuery),
    responses((status = 200, body = Page<Event>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Page<Event>>> {
    caller.require_scope("audit:read")?;
    let at_root = caller
        .paths_for(&[Role::Supervisor, Role::SystemAdmin])
        .iter()
        .any(|p| p.matches('/').count() == 2);
    if !at_root {
        return Err(ActionError::Forbidden.into());
    }
    let (after, limit) = page.bounds()?;
    let rows = audit::list(
        state.db.pool(),
        &Filter {
            actor_user_id: q.actor_user_id,
            object_type: q.object_type,
            object_id: q.object_id,
            action: q.action,
            after_id: Some(after),
            limit,
        },
    )
    .await?;
    Ok(Json(Page::from_rows(rows, limit, |e| e.id)))
}
