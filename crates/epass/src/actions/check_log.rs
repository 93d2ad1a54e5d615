//! Durable recording of checks with group commit. Every request waits until its check is
//! committed, but the checks that arrive while a commit is under way share the next one: one
//! commit per check would cap a checkpoint's rate at the disk's durable writes per second.

use std::sync::OnceLock;

use tokio::sync::{mpsc, oneshot};

use crate::store::checks::{self, NewCheck};
use crate::store::{Db, StoreError, StoreResult};

/// Checks written in one transaction at most; a larger backlog takes several.
const MAX_GROUP: usize = 512;
/// Checks waiting for the writer at most; past that, requests wait to hand theirs over.
const QUEUE: usize = 4096;

/// One check to record, owned so that it can wait in the queue.
#[derive(Clone, Debug)]
pub struct CheckRow {
    pub pass_id: Option<i64>,
    pub pass_number: Option<String>,
    pub checkpoint_id: Option<i64>,
    pub officer_id: i64,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub checked_at: i64,
    pub outcome: String,
    pub client_ref: Option<String>,
}

impl CheckRow {
    fn as_new(&self) -> NewCheck<'_> {
        NewCheck {
            pass_id: self.pass_id,
            pass_number: self.pass_number.as_deref(),
            checkpoint_id: self.checkpoint_id,
            officer_id: self.officer_id,
            longitude: self.longitude,
            latitude: self.latitude,
            checked_at: self.checked_at,
            outcome: &self.outcome,
            client_ref: self.client_ref.as_deref(),
        }
    }
}

struct Pending {
    row: CheckRow,
    /// The check's id, or `None` when its `client_ref` was recorded before.
    reply: oneshot::Sender<StoreResult<Option<i64>>>,
}

/// The writer of recorded checks, started on first use (inside the server's runtime).
#[derive(Debug)]
pub struct CheckLog {
    db: Db,
    sender: OnceLock<mpsc::Sender<Pending>>,
}

impl CheckLog {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            sender: OnceLock::new(),
        }
    }

    fn sender(&self) -> &mpsc::Sender<Pending> {
        self.sender.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(write_groups(self.db.clone(), receiver));
            sender
        })
    }

    /// Records one check; returns once it is committed.
    pub async fn record(&self, row: CheckRow) -> StoreResult<Option<i64>> {
        let mut ids = self.record_many(vec![row]).await?;
        Ok(ids.pop().flatten())
    }

    /// Records checks that arrived together (an offline upload): all are queued before any
    /// answer is awaited, so they share commits. Returns once all are committed.
    pub async fn record_many(&self, rows: Vec<CheckRow>) -> StoreResult<Vec<Option<i64>>> {
        // The writer stops only when the server does.
        let stopped = || StoreError::Database(sqlx::Error::PoolClosed);
        let mut answers = Vec::with_capacity(rows.len());
        for row in rows {
            let (reply, answer) = oneshot::channel();
            self.sender()
                .send(Pending { row, reply })
                .await
                .map_err(|_| stopped())?;
            answers.push(answer);
        }
        let mut ids = Vec::with_capacity(answers.len());
        for answer in answers {
            ids.push(answer.await.map_err(|_| stopped())??);
        }
        Ok(ids)
    }
}

/// Writes whatever is waiting, in one transaction, until every sender is gone.
async fn write_groups(db: Db, mut receiver: mpsc::Receiver<Pending>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while receiver.recv_many(&mut group, MAX_GROUP).await > 0 {
        let rows: Vec<&CheckRow> = group.iter().map(|p| &p.row).collect();
        match write(&db, &rows).await {
            Ok(ids) => {
                for (pending, id) in group.drain(..).zip(ids) {
                    // A requester that went away no longer needs the answer.
                    let _ = pending.reply.send(Ok(id));
                }
            }
            Err(e) => {
                // One bad row must not fail the others: write them one by one.
                tracing::warn!(error = %e, size = group.len(), "check group failed; retrying singly");
                for pending in group.drain(..) {
                    let one = write(&db, &[&pending.row])
                        .await
                        .map(|ids| ids.into_iter().next().flatten());
                    let _ = pending.reply.send(one);
                }
            }
        }
    }
}

async fn write(db: &Db, rows: &[&CheckRow]) -> StoreResult<Vec<Option<i64>>> {
    let mut tx = db.begin().await?;
    let new: Vec<_> = rows.iter().map(|row| row.as_new()).collect();
    let ids = checks::insert_checks(&mut tx, &new).await?;
    tx.commit().await?;
    Ok(ids)
}
