//! Trails: the audit events and recorded checks of one pass (from its application on), or of
//! one user (as the actor or the checking officer), with names, in order; and what an online
//! check needs to know of the log (whether a pass's issuance was recorded).

use epass_credential::merkle::{CheckLeaf, EventLeaf, Hash};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::passes::{self, Pass};
use super::{StoreError, StoreResult, Tx};

/// A pass by number, and the log position of its `pass.issued` event: `None` when the log never
/// recorded the issuance; `Some(-1)` for an event older than the log (a legacy row). One query.
pub async fn pass_for_check<'e, E>(
    executor: E,
    number: &str,
) -> StoreResult<Option<(Pass, Option<i64>)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {}, (SELECT MIN(CASE WHEN e.log_index IS NOT NULL THEN e.log_index \
         WHEN e.id <= m.legacy_event_id THEN -1 END) \
         FROM audit_events e, merkle_log m \
         WHERE e.object_type = 'pass' AND e.object_id = passes.pass_number \
         AND e.action = 'pass.issued') \
         FROM passes WHERE pass_number = $1",
        passes::COLUMNS
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(number)
        .fetch_optional(executor)
        .await?
    else {
        return Ok(None);
    };
    let pass = passes::from_row(&row)?;
    let logged: Option<i64> = row.try_get(17)?;
    Ok(Some((pass, logged)))
}

/// One line of a trail as stored: an audit event (`kind` = `event`) or a recorded check
/// (`check`; its officer is the actor, `at` is when it was made).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrailRow {
    pub kind: &'static str,
    pub id: i64,
    pub log_index: Option<i64>,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    /// The event's action; `check` for a check.
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub client_addr: Option<String>,
    pub pass_id: Option<i64>,
    pub pass_number: Option<String>,
    pub checkpoint_id: Option<i64>,
    pub checkpoint_name: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub outcome: Option<String>,
    pub client_ref: Option<String>,
    pub recorded_at: Option<i64>,
}

impl TrailRow {
    /// The exact leaf data of this row in the log (at its position; `None` outside the log).
    pub fn leaf(&self) -> Option<Vec<u8>> {
        let index = u64::try_from(self.log_index?).ok()?;
        Some(if self.kind == "check" {
            CheckLeaf {
                index,
                pass_id: self.pass_id,
                pass_number: self.pass_number.as_deref(),
                checkpoint_id: self.checkpoint_id,
                officer_id: self.actor_user_id.unwrap_or_default(),
                longitude: self.longitude,
                latitude: self.latitude,
                checked_at: self.at,
                outcome: self.outcome.as_deref().unwrap_or_default(),
                client_ref: self.client_ref.as_deref(),
                recorded_at: self.recorded_at.unwrap_or_default(),
            }
            .encode()
        } else {
            EventLeaf {
                index,
                at: self.at,
                actor_user_id: self.actor_user_id,
                actor_role: self.actor_role.as_deref(),
                action: &self.action,
                object_type: self.object_type.as_deref().unwrap_or_default(),
                object_id: self.object_id.as_deref().unwrap_or_default(),
                before: self.before.as_deref(),
                after: self.after.as_deref(),
                client_addr: self.client_addr.as_deref(),
            }
            .encode()
        })
    }
}

const EVENT_COLUMNS: &str = "e.id, e.at, e.actor_user_id, u.name, e.actor_role, e.action, \
     e.object_type, e.object_id, e.before_summary, e.after_summary, e.client_addr, e.log_index";

fn event_row(r: &AnyRow) -> StoreResult<TrailRow> {
    Ok(TrailRow {
        kind: "event",
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor_user_id: r.try_get(2)?,
        actor_name: r.try_get(3)?,
        actor_role: r.try_get(4)?,
        action: r.try_get(5)?,
        object_type: Some(r.try_get(6)?),
        object_id: Some(r.try_get(7)?),
        before: r.try_get(8)?,
        after: r.try_get(9)?,
        client_addr: r.try_get(10)?,
        log_index: r.try_get(11)?,
        ..TrailRow::default()
    })
}

const CHECK_COLUMNS: &str = "c.id, c.checked_at, c.officer_id, u.name, c.pass_id, \
     c.pass_number, c.checkpoint_id, k.name, c.longitude, c.latitude, c.outcome, c.client_ref, \
     c.recorded_at, c.log_index";

fn check_row(r: &AnyRow) -> StoreResult<TrailRow> {
    Ok(TrailRow {
        kind: "check",
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor_user_id: Some(r.try_get(2)?),
        actor_name: r.try_get(3)?,
        actor_role: Some("checkpoint_officer".to_owned()),
        action: "check".to_owned(),
        pass_id: r.try_get(4)?,
        pass_number: r.try_get(5)?,
        checkpoint_id: r.try_get(6)?,
        checkpoint_name: r.try_get(7)?,
        longitude: r.try_get(8)?,
        latitude: r.try_get(9)?,
        outcome: Some(r.try_get(10)?),
        client_ref: r.try_get(11)?,
        recorded_at: Some(r.try_get(12)?),
        log_index: r.try_get(13)?,
        ..TrailRow::default()
    })
}

/// In the order things happened: by time, then by log position.
fn in_order(rows: &mut [TrailRow]) {
    rows.sort_by_key(|r| (r.at, r.log_index.unwrap_or(i64::MAX), r.id));
}

/// Everything about one pass: the events of its application (submission, rounds, decisions,
/// owed documents), of its documents (uploads, reads), of the pass request it answered, of the
/// pass itself (issuance, status changes, extensions, printing), and every recorded check.
pub async fn pass_trail(
    pool: &sqlx::AnyPool,
    pass: &Pass,
    request_id: Option<i64>,
) -> StoreResult<Vec<TrailRow>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE (e.object_type = 'application' AND e.object_id = $1) \
         OR (e.object_type = 'pass' AND e.object_id = $2) \
         OR (e.object_type = 'pass_request' AND e.object_id = $3) \
         OR (e.object_type = 'document' AND e.object_id IN \
             (SELECT CAST(d.id AS TEXT) FROM documents d WHERE d.application_id = $4))"
    );
    let events = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(pass.application_id.to_string())
        .bind(pass.pass_number.clone())
        .bind(request_id.map_or_else(String::new, |r| r.to_string()))
        .bind(pass.application_id)
        .fetch_all(pool)
        .await?;
    let sql = format!(
        "SELECT {CHECK_COLUMNS} FROM checks c LEFT JOIN users u ON u.id = c.officer_id \
         LEFT JOIN checkpoints k ON k.id = c.checkpoint_id WHERE c.pass_id = $1"
    );
    let checks = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(pass.id)
        .fetch_all(pool)
        .await?;
    let mut rows = events
        .iter()
        .map(event_row)
        .collect::<StoreResult<Vec<_>>>()?;
    for r in &checks {
        rows.push(check_row(r)?);
    }
    in_order(&mut rows);
    Ok(rows)
}

/// One page of what a user did: the events they are the actor of (decisions, reads of personal
/// data, …) and the checks they made, between `from` and `to` (milliseconds, `to` excluded), in
/// log order after position `after` (rows older than the log are not listed), at most `limit`.
pub async fn user_trail(
    pool: &sqlx::AnyPool,
    user_id: i64,
    (from, to): (i64, i64),
    after: i64,
    limit: i64,
) -> StoreResult<Vec<TrailRow>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE e.actor_user_id = $1 AND e.log_index > $2 AND e.at >= $3 AND e.at < $4 \
         ORDER BY e.log_index LIMIT $5"
    );
    let events = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(after)
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    let sql = format!(
        "SELECT {CHECK_COLUMNS} FROM checks c LEFT JOIN users u ON u.id = c.officer_id \
         LEFT JOIN checkpoints k ON k.id = c.checkpoint_id \
         WHERE c.officer_id = $1 AND c.log_index > $2 AND c.checked_at >= $3 \
         AND c.checked_at < $4 ORDER BY c.log_index LIMIT $5"
    );
    let checks = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(after)
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    let mut rows = events
        .iter()
        .map(event_row)
        .collect::<StoreResult<Vec<_>>>()?;
    for r in &checks {
        rows.push(check_row(r)?);
    }
    rows.sort_by_key(|r| r.log_index);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}

/// The leaf hashes of the log's unfinished block, read without locking the tail: proofs inside
/// a published tree head need nothing an append can change (blocks and nodes, once written,
/// never change, and a block completed meanwhile is read from its row).
pub async fn unfinished_block(tx: &mut Tx) -> StoreResult<Vec<Hash>> {
    let row = sqlx::query("SELECT tail FROM merkle_log WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let bytes: Vec<u8> = row.try_get(0)?;
    bytes
        .chunks_exact(32)
        .map(|c| {
            c.try_into().map_err(|_| {
                StoreError::Database(sqlx::Error::Protocol("merkle log: a bad tail".into()))
            })
        })
        .collect()
}
