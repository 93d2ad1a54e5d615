//! Audit events: who did what to which object, written in the transaction of the change itself.

use serde::Serialize;
use sqlx::Row;

use super::{StoreError, StoreResult, Tx, merkle_log, now_ms};

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

const INSERT: &str = "INSERT INTO audit_events (at, actor_user_id, actor_role, action, \
     object_type, object_id, before_summary, after_summary, client_addr, log_index) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";

/// On PostgreSQL the tail update and the insert are one statement (one round trip): the
/// insert happens only if the tail is still the guessed one.
const INSERT_FOLDED: &str = "WITH tail AS (UPDATE merkle_log SET size = $10, root = $11, \
     frontier = $12, tail = $13 WHERE id = 1 AND size = $14 AND root = $15 RETURNING size) \
     INSERT INTO audit_events (at, actor_user_id, actor_role, action, object_type, object_id, \
     before_summary, after_summary, client_addr, log_index) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $14 FROM tail RETURNING id";

/// Records an event and appends it to the tamper-evident log, in the caller's transaction.
pub async fn insert(tx: &mut Tx, event: &NewEvent<'_>) -> StoreResult<i64> {
    let at = now_ms();
    let before = event.before.as_ref().map(|v| v.to_string());
    let after = event.after.as_ref().map(|v| v.to_string());
    let leaf_at = |index: u64| {
        merkle_log::EventLeaf {
            index,
            at,
            actor_user_id: event.actor_user_id,
            actor_role: event.actor_role,
            action: event.action,
            object_type: event.object_type,
            object_id: &event.object_id,
            before: before.as_deref(),
            after: after.as_deref(),
            client_addr: event.client_addr,
        }
        .hash()
    };
    let bind = |sql: &'static str| {
        sqlx::query(sql)
            .bind(at)
            .bind(event.actor_user_id)
            .bind(event.actor_role)
            .bind(event.action)
            .bind(event.object_type)
            .bind(event.object_id.clone())
            .bind(before.clone())
            .bind(after.clone())
            .bind(event.client_addr)
    };
    if merkle_log::pending_index(tx).is_none() {
        let guess = merkle_log::guess();
        if !merkle_log::is_postgres(tx) {
            // SQLite: the row at the guessed position, then the tail moved if the guess holds.
            let index = guess.as_ref().and_then(|t| i64::try_from(t.size()).ok());
            let id: i64 = bind(INSERT)
                .bind(index.unwrap_or(-1))
                .fetch_one(&mut **tx)
                .await?
                .try_get(0)?;
            merkle_log::append(tx, "audit_events", id, guess, leaf_at).await?;
            return Ok(id);
        }
        if let Some(old) = guess {
            let leaf = leaf_at(old.size());
            let new = merkle_log::advance(&old, leaf);
            let (size, root, frontier, tail, old_size, old_root) =
                merkle_log::update_values(&old, &new)?;
            let row = bind(INSERT_FOLDED)
                .bind(size)
                .bind(root)
                .bind(frontier)
                .bind(tail)
                .bind(old_size)
                .bind(old_root)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(row) = row {
                merkle_log::finish(tx, &old, &new, leaf).await?;
                return Ok(row.try_get(0)?);
            }
        }
        // No guess, or a stale one: lock the tail; this transaction holds it from now on.
        merkle_log::lock_tail(tx).await?;
    }
    // The transaction holds the tail: the row at the next position, its leaf owed until commit.
    let index = merkle_log::pending_index(tx).ok_or_else(|| {
        StoreError::Database(sqlx::Error::Protocol("merkle log: tail not held".into()))
    })?;
    let id: i64 = bind(INSERT)
        // Sizes are stored as BIGINT, so they fit.
        .bind(i64::try_from(index).unwrap_or(i64::MAX))
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    merkle_log::push(tx, leaf_at(index))?;
    Ok(id)
}

/// Records a batch of events in order (bulk decisions): the log's tail is locked once, the rows
/// written a statement per thousand at the positions that follow it, and the leaves appended
/// with one tail update.
pub async fn insert_many(tx: &mut Tx, events: &[NewEvent<'_>]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let old = merkle_log::lock_tail(tx).await?;
    let at = now_ms();
    let summaries: Vec<(Option<String>, Option<String>)> = events
        .iter()
        .map(|e| {
            (
                e.before.as_ref().map(|v| v.to_string()),
                e.after.as_ref().map(|v| v.to_string()),
            )
        })
        .collect();
    let start = old.size();
    let rows = super::batch_rows(tx, 10);
    for (n, part) in events.chunks(rows).enumerate() {
        let sql = format!(
            "INSERT INTO audit_events (at, actor_user_id, actor_role, action, object_type, \
             object_id, before_summary, after_summary, client_addr, log_index) VALUES {}",
            super::value_rows(part.len(), 10, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, event) in part.iter().enumerate() {
            let k = n * rows + i;
            let index = i64::try_from(start + k as u64)
                .map_err(|_| StoreError::Database(sqlx::Error::Protocol("log full".into())))?;
            query = query
                .bind(at)
                .bind(event.actor_user_id)
                .bind(event.actor_role)
                .bind(event.action)
                .bind(event.object_type)
                .bind(event.object_id.clone())
                .bind(summaries[k].0.clone())
                .bind(summaries[k].1.clone())
                .bind(event.client_addr)
                .bind(index);
        }
        query.execute(&mut **tx).await?;
    }
    let leaves: Vec<_> = events
        .iter()
        .zip(&summaries)
        .enumerate()
        .map(|(k, (event, (before, after)))| {
            merkle_log::EventLeaf {
                index: start + k as u64,
                at,
                actor_user_id: event.actor_user_id,
                actor_role: event.actor_role,
                action: event.action,
                object_type: event.object_type,
                object_id: &event.object_id,
                before: before.as_deref(),
                after: after.as_deref(),
                client_addr: event.client_addr,
            }
            .hash()
        })
        .collect();
    merkle_log::append_many_locked(tx, &old, &leaves).await
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
