//! Audit events: who did what to which object, written in the transaction of the change itself.

use serde::Serialize;
use sqlx::Row;

use super::{StoreResult, Tx, now_ms};

/// One state change (or one read of personal data), as recorded.
#[derive(Clone, Debug, Default)]
pub struct NewEvent<'a> {
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client_addr: Option<&'a str>,
}

/// An event as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client_addr: Option<String>,
}

pub async fn insert(tx: &mut Tx, event: &NewEvent<'_>) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO audit_events (at, actor_user_id, actor_role, action, object_type, object_id, \
         before_summary, after_summary, client_addr) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(now_ms())
    .bind(event.actor_user_id)
    .bind(event.actor_role)
    .bind(event.action)
    .bind(event.object_type)
    .bind(&event.object_id)
    .bind(event.before.as_ref().map(|v| v.to_string()))
    .bind(event.after.as_ref().map(|v| v.to_string()))
    .bind(event.client_addr)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get(0)?)
}

/// Filters for the audit search; all optional.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor_user_id: Option<i64>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub action: Option<String>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub async fn list(pool: &sqlx::AnyPool, filter: &Filter) -> StoreResult<Vec<Event>> {
    // Unset filters compare a NULL parameter, so one statement serves every combination.
    let rows = sqlx::query(
        "SELECT id, at, actor_user_id, actor_role, action, object_type, object_id, \
         before_summary, after_summary, client_addr FROM audit_events \
         WHERE id > $1 \
           AND ($2 IS NULL OR actor_user_id = $2) \
           AND ($3 IS NULL OR object_type = $3) \
           AND ($4 IS NULL OR object_id = $4) \
           AND ($5 IS NULL OR action = $5) \
         ORDER BY id LIMIT $6",
    )
    .bind(filter.after_id.unwrap_or(0))
    .bind(filter.actor_user_id)
    .bind(filter.object_type.as_deref())
    .bind(filter.object_id.as_deref())
    .bind(filter.action.as_deref())
    .bind(filter.limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(event_from_row).collect()
}

fn event_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Event> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Event {
        id: row.try_get(0)?,
        at: row.try_get(1)?,
        actor_user_id: row.try_get(2)?,
        actor_role: row.try_get(3)?,
        action: row.try_get(4)?,
        object_type: row.try_get(5)?,
        object_id: row.try_get(6)?,
        before: json(row.try_get(7)?),
        after: json(row.try_get(8)?),
        client_addr: row.try_get(9)?,
    })
}

/// How many events exist (tests and metrics).
pub async fn count(pool: &sqlx::AnyPool) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM audit_events")
        .fetch_one(pool)
        .await?
        .try_get(0)?)
}
