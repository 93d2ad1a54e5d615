//! The delivery worker: leases due messages, sends them, records each attempt, and schedules
//! retries with exponential back-off and jitter until the message is sent or given up.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::{DEFAULT_SEND_TIMEOUT, SendError, Sender, SenderConfigError};
use crate::config::OutboxConfig;
use crate::store::outbox::{self as store, Claim, Outcome};
use crate::store::{Db, StoreError, now_ms};

/// How the worker paces itself. Every field is public; [`Default`] suits production.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Attempts (including the first) before a message is marked failed.
    pub max_attempts: i64,
    /// Delay before the first retry; doubles with each further attempt.
    pub base_delay: Duration,
    /// Upper bound for the delay between two attempts.
    pub max_delay: Duration,
    /// How long a claimed message stays reserved for this worker. Kept above `send_timeout`.
    pub lease: Duration,
    /// A send that takes longer counts as a transient failure.
    pub send_timeout: Duration,
    /// Messages claimed (and sent concurrently) per round.
    pub batch_size: i64,
    /// Pause between rounds when nothing was due.
    pub poll_interval: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
            send_timeout: DEFAULT_SEND_TIMEOUT,
            batch_size: 16,
            poll_interval: Duration::from_millis(500),
        }
    }
}

/// Why a worker round did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    #[error("outbox store: {0}")]
    Store(#[from] StoreError),
    #[error("outbox sender configuration: {0}")]
    Config(#[from] SenderConfigError),
}

/// Drains the outbox. Any number of workers, in one process or many, may run over one database.
#[derive(Clone, Debug)]
pub struct Worker {
    db: Db,
    sender: Arc<dyn Sender>,
    settings: WorkerSettings,
}

impl Worker {
    pub fn new(db: Db, sender: Arc<dyn Sender>, settings: WorkerSettings) -> Self {
        Self {
            db,
            sender,
            settings,
        }
    }

    /// The sender and attempt limit from the configuration, default pacing otherwise.
    pub fn from_config(db: Db, config: &OutboxConfig) -> Result<Self, WorkerError> {
        let settings = WorkerSettings {
            max_attempts: i64::from(config.max_attempts.max(1)),
            ..WorkerSettings::default()
        };
        Ok(Self::new(db, super::sender_from_config(config)?, settings))
    }

    pub fn settings(&self) -> &WorkerSettings {
        &self.settings
    }

    /// One round: claims up to `batch_size` due messages, sends them concurrently and records
    /// each outcome. Returns how many messages were claimed.
    pub async fn run_once(&self) -> Result<usize, WorkerError> {
        let s = &self.settings;
        // The lease must outlast the send, or a second worker could pick the message up while
        // the first is still sending it.
        let lease = s.lease.max(s.send_timeout + Duration::from_secs(30));
        let claims =
            store::claim_due(self.db.pool(), now_ms(), millis(lease), s.batch_size.max(1)).await?;
        let count = claims.len();
        let mut tasks = JoinSet::new();
        for claim in claims {
            let worker = self.clone();
            tasks.spawn(async move { worker.deliver(claim).await });
        }
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                // A panicking sender leaves its message leased; it is retried when the lease ends.
                Err(e) => tracing::error!(target: "epass::outbox", error = %e, "send task failed"),
            }
        }
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(count),
        }
    }

    /// Sends one claimed message and records the outcome.
    async fn deliver(&self, claim: Claim) -> Result<(), StoreError> {
        let s = &self.settings;
        let msg = &claim.message;
        let result = match tokio::time::timeout(s.send_timeout, self.sender.send(msg)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Transient(format!(
                "no answer within {} ms",
                s.send_timeout.as_millis()
            ))),
        };
        let now = now_ms();
        let error = result.as_ref().err().map(ToString::to_string);
        let outcome = match &result {
            Ok(()) => Outcome::Sent,
            Err(e) if e.is_permanent() || msg.attempt >= s.max_attempts => Outcome::Failed {
                error: error.as_deref().unwrap_or_default(),
            },
            Err(_) => Outcome::Retry {
                at: now + millis(backoff(msg.attempt, s.base_delay, s.max_delay)),
                error: error.as_deref().unwrap_or_default(),
            },
        };
        match &outcome {
            Outcome::Sent => {
                tracing::info!(target: "epass::outbox", id = msg.id, attempt = msg.attempt, "sent")
            }
            Outcome::Retry { at, error } => tracing::warn!(
                target: "epass::outbox", id = msg.id, attempt = msg.attempt,
                retry_in_ms = at - now, error, "send failed, will retry"
            ),
            Outcome::Failed { error } => tracing::error!(
                target: "epass::outbox", id = msg.id, attempt = msg.attempt, error,
                "send failed, giving up"
            ),
        }
        self.record(&claim, now, outcome).await
    }

    /// Records an outcome, retrying briefly: after a successful send, failing to record it is
    /// what would make the message go out twice.
    async fn record(&self, claim: &Claim, at: i64, outcome: Outcome<'_>) -> Result<(), StoreError> {
        let mut pause = Duration::from_millis(50);
        let mut tries = 0;
        loop {
            match store::record_attempt(&self.db, claim, at, outcome).await {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    tracing::warn!(
                        target: "epass::outbox", id = claim.message.id,
                        "lease lost before the outcome was recorded; attempt logged only"
                    );
                    return Ok(());
                }
                Err(e) if tries < 5 => {
                    tracing::warn!(target: "epass::outbox", id = claim.message.id, error = %e,
                        "cannot record the outcome yet");
                    tries += 1;
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs rounds until `shutdown` turns true (or its sender is dropped), pausing
    /// `poll_interval` whenever a round found less than a full batch. A round in progress is
    /// finished, not cut short.
    pub fn spawn(self, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if *shutdown.borrow_and_update() {
                    break;
                }
                let full = match self.run_once().await {
                    Ok(n) => n as i64 >= self.settings.batch_size.max(1),
                    Err(e) => {
                        tracing::error!(target: "epass::outbox", error = %e, "outbox round failed");
                        false
                    }
                };
                if full {
                    continue;
                }
                tokio::select! {
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                    changed = shutdown.changed() => if changed.is_err() { break },
                }
            }
        })
    }
}

/// The wait before the attempt after `attempt` (1-based): `base * 2^(attempt-1)`, capped at
/// `max`, then "equal jitter" — a uniformly random point in its upper half — so workers that
/// failed together do not retry together.
pub fn backoff(attempt: i64, base: Duration, max: Duration) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let full = base.saturating_mul(1 << exp).min(max);
    let half = full / 2;
    let jitter_ms = rand::random_range(0..=millis(half).max(0));
    half + Duration::from_millis(u64::try_from(jitter_ms).unwrap_or(0))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(3600);
        for attempt in 1..=40 {
            let full = base.saturating_mul(1 << (attempt - 1).min(30)).min(max);
            let d = backoff(attempt, base, max);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
}
