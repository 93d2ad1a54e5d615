//! The outbox: messages written in the transaction of the change that causes them.

use sqlx::Row;

use super::{StoreResult, Tx, now_ms};

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Channel::Sms),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// Queues a message; it is sent only if the surrounding transaction commits.
pub async fn enqueue(
    tx: &mut Tx,
    channel: Channel,
    recipient: &str,
    subject: &str,
    body: &str,
) -> StoreResult<i64> {
    let now = now_ms();
    Ok(sqlx::query(
        "INSERT INTO outbox (channel, recipient, subject, body, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(channel.as_str())
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

/// Queues a batch of messages of one channel, `(recipient, subject, body)`, in one statement.
pub async fn enqueue_many(
    tx: &mut Tx,
    channel: Channel,
    messages: &[(&str, &str, &str)],
) -> StoreResult<()> {
    let now = now_ms();
    for part in messages.chunks(super::batch_rows(tx, 6)) {
        let sql = format!(
            "INSERT INTO outbox (channel, recipient, subject, body, next_attempt_at, created_at) \
             VALUES {}",
            super::value_rows(part.len(), 6, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (recipient, subject, body) in part {
            query = query
                .bind(channel.as_str())
                .bind(*recipient)
                .bind(*subject)
                .bind(*body)
                .bind(now)
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Messages not yet delivered nor given up (the depth shown in metrics).
pub async fn depth(pool: &sqlx::AnyPool) -> StoreResult<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
            .fetch_one(pool)
            .await?
            .try_get(0)?,
    )
}

/// A message handed to a sender. `attempt` counts from 1 and includes this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempt: i64,
}

/// A message leased to one worker until `lease_until` (ms). The lease value doubles as a fencing
/// token: a later claim of the same message always sets a strictly larger one, so a worker whose
/// lease ran out cannot overwrite the newer claim's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub message: Message,
    pub lease_until: i64,
}

/// What became of one delivery attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Delivered; never attempted again.
    Sent,
    /// Failed for now; due again at `at` (ms).
    Retry { at: i64, error: &'a str },
    /// Given up for good: a permanent failure or the last allowed attempt.
    Failed { error: &'a str },
}

/// One row of `outbox_attempts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub at: i64,
    pub ok: bool,
    pub error: Option<String>,
}

/// Where a message stands: status (`pending`, `sending`, `sent`, `failed`), attempts started,
/// the last error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

/// Leases up to `limit` due messages to the caller until `now + lease_ms`, counting the attempt.
///
/// Due means pending with `next_attempt_at <= now`, or sending with an expired lease (its worker
/// died). One statement does the choosing and the leasing, so it is atomic on both engines. The
/// outer `WHERE` repeats the due condition on purpose: under PostgreSQL's READ COMMITTED a
/// concurrent claimer's subquery may pick a row we just leased; after waiting for our row lock it
/// re-checks the outer condition against the new row version, finds the lease taken, and skips
/// the row. SQLite runs one writer at a time. So no message is ever leased to two workers at once.
pub async fn claim_due(
    pool: &sqlx::AnyPool,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> StoreResult<Vec<Claim>> {
    let rows = sqlx::query(
        "UPDATE outbox SET status = 'sending', lease_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE (status = 'pending' AND next_attempt_at <= $1) \
                         OR (status = 'sending' AND lease_until < $1) \
                      ORDER BY id LIMIT $3) \
           AND ((status = 'pending' AND next_attempt_at <= $1) \
                OR (status = 'sending' AND lease_until < $1)) \
         RETURNING id, channel, recipient, subject, body, attempts, lease_until",
    )
    .bind(now)
    .bind(now + lease_ms.max(1))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut claims = Vec::with_capacity(rows.len());
    for row in rows {
        let channel: String = row.try_get(1)?;
        let channel = Channel::parse(&channel).ok_or_else(|| {
            sqlx::Error::Protocol(format!("outbox channel {channel:?} is not known"))
        })?;
        claims.push(Claim {
            message: Message {
                id: row.try_get(0)?,
                channel,
                recipient: row.try_get(2)?,
                subject: row.try_get(3)?,
                body: row.try_get(4)?,
                attempt: row.try_get(5)?,
            },
            lease_until: row.try_get(6)?,
        });
    }
    // RETURNING gives no order guarantee.
    claims.sort_by_key(|c| c.message.id);
    Ok(claims)
}

/// Records one attempt in `outbox_attempts` and moves the message on, in one short transaction.
///
/// A success is recorded whatever became of the lease (the message did go out, so it must never
/// go out again); a failure only while the caller still holds its lease. Returns whether the
/// message's status was changed.
pub async fn record_attempt(
    db: &super::Db,
    claim: &Claim,
    at: i64,
    outcome: Outcome<'_>,
) -> StoreResult<bool> {
    let id = claim.message.id;
    let mut tx = db.begin().await?;
    let (ok, error) = match outcome {
        Outcome::Sent => (1_i64, None),
        Outcome::Retry { error, .. } | Outcome::Failed { error } => (0, Some(error)),
    };
    sqlx::query("INSERT INTO outbox_attempts (message_id, at, ok, error) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(at)
        .bind(ok)
        .bind(error)
        .execute(&mut *tx)
        .await?;
    let update = match outcome {
        Outcome::Sent => sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $2, lease_until = NULL, \
             last_error = NULL WHERE id = $1 AND status <> 'sent'",
        )
        .bind(id)
        .bind(at),
        Outcome::Retry { at: next, error } => sqlx::query(
            "UPDATE outbox SET status = 'pending', next_attempt_at = $3, lease_until = NULL, \
             last_error = $4 WHERE id = $1 AND status = 'sending' AND lease_until = $2",
        )
        .bind(id)
        .bind(claim.lease_until)
        .bind(next)
        .bind(error),
        Outcome::Failed { error } => sqlx::query(
            "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = $3 \
             WHERE id = $1 AND status = 'sending' AND lease_until = $2",
        )
        .bind(id)
        .bind(claim.lease_until)
        .bind(error),
    };
    let done = update.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Where one message stands.
pub async fn state(pool: &sqlx::AnyPool, id: i64) -> StoreResult<State> {
    let row = sqlx::query("SELECT status, attempts, last_error, sent_at FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok(State {
        status: row.try_get(0)?,
        attempts: row.try_get(1)?,
        last_error: row.try_get(2)?,
        sent_at: row.try_get(3)?,
    })
}

/// Every recorded attempt at one message, oldest first.
pub async fn attempts(pool: &sqlx::AnyPool, id: i64) -> StoreResult<Vec<Attempt>> {
    let rows =
        sqlx::query("SELECT at, ok, error FROM outbox_attempts WHERE message_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(Attempt {
                at: row.try_get(0)?,
                ok: row.try_get::<i64, _>(1)? != 0,
                error: row.try_get(2)?,
            })
        })
        .collect()
}
