//! Registry imports from the system administrator's pages: an uploaded CSV file is recorded as a
//! run, imported in the background by the same importer as `epass registry import` (all or
//! nothing: a file with one wrong line writes nothing and lists every mistake), and its outcome
//! recorded with the line errors. Progress while it runs is kept in memory on the node running
//! it; the outcome is in the database (`registry_import_runs`). A licence import is followed by a
//! sync of the live electronic licences before the run is marked finished, as the command does.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::registry::{self, ImportReport, Origin, Progress, RegistryKind, RegistrySource};
use crate::store::registries::ImportBatch;
use crate::store::registry_runs::{self, Outcome, Run};
use crate::store::{Db, StoreError, audit, now_ms};

/// How often the node running an import says so, and how long a silence means it was cut off
/// (generous: a beat late under load must not fail an import still running).
const BEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
pub const SILENCE_MS: i64 = 5 * 60 * 1000;

/// The largest file taken from a page (the command line takes any size).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Progress of the imports running on this node, by run id.
static LIVE: LazyLock<Mutex<HashMap<i64, Progress>>> = LazyLock::new(Default::default);

/// The progress of a run on this node, if it is running here.
pub fn live(run_id: i64) -> Option<Progress> {
    LIVE.lock().ok().and_then(|m| m.get(&run_id).copied())
}

fn set_live(run_id: i64, progress: Option<Progress>) {
    if let Ok(mut m) = LIVE.lock() {
        match progress {
            Some(p) => m.insert(run_id, p),
            None => m.remove(&run_id),
        };
    }
}

/// Registries serve every authority in the database: only a system administrator at the root
/// of an authority imports into them or reads their imports.
pub fn require_importer(caller: &Caller) -> ActionResult<()> {
    caller.require_scope("registry:write")?;
    if super::keys::managed_authorities(caller).is_empty() {
        Err(ActionError::Forbidden)
    } else {
        Ok(())
    }
}

/// The kind named in a form (`vehicles`, `licences`, `tests`, `health`).
pub fn parse_kind(s: &str) -> ActionResult<RegistryKind> {
    [
        RegistryKind::Vehicles,
        RegistryKind::Licences,
        RegistryKind::Tests,
        RegistryKind::Health,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
    .ok_or_else(|| {
        ActionError::invalid_msg(
            "kind",
            "registry.kind_unknown",
            "请选择要导入的登记库。",
            "Choose the registry to import into.",
        )
    })
}

/// What a licence import needs to bring the live electronic licences in step afterwards.
#[derive(Clone)]
pub struct LicenceSync {
    pub registry: Arc<dyn RegistrySource>,
    /// Where the re-issued credentials' links point (the service's public URL).
    pub link_base: String,
}

impl std::fmt::Debug for LicenceSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LicenceSync")
            .field("link_base", &self.link_base)
            .finish_non_exhaustive()
    }
}

/// Records the upload as a run and starts importing it in the background; returns the run id.
pub async fn start(
    db: &Db,
    pii: Arc<PiiKeys>,
    licence_sync: LicenceSync,
    caller: &Caller,
    kind: RegistryKind,
    file_name: &str,
    bytes: Vec<u8>,
) -> ActionResult<i64> {
    require_importer(caller)?;
    if bytes.is_empty() {
        return Err(ActionError::invalid_msg(
            "file",
            "registry.file_empty",
            "请选择一个 CSV 文件。",
            "Choose a CSV file.",
        ));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ActionError::TooLarge {
            max_bytes: MAX_FILE_BYTES as u64,
        });
    }
    let file_name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let file_name = if file_name.trim().is_empty() {
        format!("{}.csv", kind.as_str())
    } else {
        file_name
    };
    let actor = caller.actor(Some(Role::SystemAdmin));
    let mut tx = db.begin().await?;
    let id =
        registry_runs::insert(&mut tx, kind.as_str(), &file_name, caller.user_id, now_ms()).await?;
    let mut event = actor.event("registry.import_started", "registry_import_run", id);
    event.after = Some(serde_json::json!({ "kind": kind.as_str(), "bytes": bytes.len() }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    set_live(id, Some(Progress::Reading { rows: 0 }));
    let db = db.clone();
    let who = format!("user:{}", caller.user_id);
    tokio::spawn(async move {
        let beating = tokio::spawn(heartbeat(db.clone(), id));
        let input = (kind, file_name.as_str(), who.as_str(), bytes.as_slice());
        run(&db, &pii, &licence_sync, &actor, id, input).await;
        beating.abort();
    });
    Ok(id)
}

/// Beats the run's heartbeat until aborted.
async fn heartbeat(db: Db, id: i64) {
    let mut every = tokio::time::interval(BEAT_EVERY);
    loop {
        every.tick().await;
        if let Err(e) = registry_runs::beat(db.pool(), id, now_ms()).await {
            tracing::warn!(error = %e, run = id, "cannot record a registry import's heartbeat");
        }
    }
}

/// Marks failed the runs whose node stopped beating (stopped or restarted mid-import): nothing
/// of theirs was written, as an import is all or nothing. Returns how many; safe on several
/// nodes at once (a run is ended once).
pub async fn sweep_interrupted(db: &Db, now: i64) -> ActionResult<u64> {
    let system = Actor::default();
    let mut ended = 0;
    for id in registry_runs::silent_since(db.pool(), now - SILENCE_MS).await? {
        let mut tx = db.begin().await?;
        if registry_runs::finish(&mut tx, id, &failed(now)).await? {
            let mut event = system.event("registry.import_interrupted", "registry_import_run", id);
            event.after = Some(serde_json::json!({ "status": "failed" }));
            audit::insert(&mut tx, &event).await?;
            ended += 1;
        }
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok(ended)
}

/// Imports the file and records the outcome; failures are logged and recorded as `failed`.
async fn run(
    db: &Db,
    pii: &PiiKeys,
    licence_sync: &LicenceSync,
    actor: &Actor,
    id: i64,
    (kind, file_name, who, bytes): (RegistryKind, &str, &str, &[u8]),
) {
    let origin = Origin {
        file_name,
        actor: who,
    };
    let result = registry::import(db, pii, kind, &origin, bytes, |p| set_live(id, Some(p))).await;
    if let Ok(report) = &result
        && report.is_ok()
        && kind == RegistryKind::Licences
    {
        // The import stands whatever the sync does; a sync that fails is tried again by the
        // server's periodic one, so it is logged here, not recorded as the run's failure.
        let l = licence_sync;
        match crate::actions::licences::sync::sync(
            db,
            pii,
            l.registry.as_ref(),
            &l.link_base,
            actor,
            None,
        )
        .await
        {
            Ok(synced) => tracing::info!(run = id, ?synced, "licences synced after an import"),
            Err(e) => tracing::error!(error = %e, run = id, "syncing licences after an import"),
        }
    }
    let recorded = match result {
        Ok(report) => finish(db, actor, id, &report).await,
        Err(e) => {
            tracing::error!(error = %e, run = id, "registry import failed");
            fail(db, actor, id).await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(error = %e, run = id, "recording a registry import's outcome failed");
    }
    set_live(id, None);
}

/// One line error as recorded.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RecordedError {
    pub line: u64,
    pub field: String,
    pub code: String,
    pub zh: String,
    pub en: String,
}

async fn finish(db: &Db, actor: &Actor, id: i64, report: &ImportReport) -> ActionResult<()> {
    let errors: Vec<RecordedError> = report
        .errors
        .iter()
        .map(|e| RecordedError {
            line: e.line,
            field: e.field.clone(),
            code: e.code.to_owned(),
            zh: e.zh.clone(),
            en: e.en.clone(),
        })
        .collect();
    let errors = serde_json::to_string(&errors)
        .map_err(|e| ActionError::Internal(format!("line errors: {e}")))?;
    let status = if report.is_ok() {
        "imported"
    } else {
        "rejected"
    };
    let outcome = Outcome {
        status,
        rows_read: i64::try_from(report.rows).unwrap_or(i64::MAX),
        import_id: report.import_id,
        errors: &errors,
        errors_omitted: i64::try_from(report.errors_omitted).unwrap_or(i64::MAX),
        finished_at: now_ms(),
    };
    record(db, actor, id, &outcome, report.error_count()).await
}

async fn fail(db: &Db, actor: &Actor, id: i64) -> ActionResult<()> {
    record(db, actor, id, &failed(now_ms()), 0).await
}

/// The outcome of a run that wrote nothing: an error, or its node cut off.
fn failed(finished_at: i64) -> Outcome<'static> {
    Outcome {
        status: "failed",
        rows_read: 0,
        import_id: None,
        errors: "[]",
        errors_omitted: 0,
        finished_at,
    }
}

async fn record(
    db: &Db,
    actor: &Actor,
    id: i64,
    outcome: &Outcome<'_>,
    mistakes: u64,
) -> ActionResult<()> {
    let mut tx = db.begin().await?;
    registry_runs::finish(&mut tx, id, outcome).await?;
    let mut event = actor.event("registry.import_finished", "registry_import_run", id);
    event.after = Some(serde_json::json!({
        "status": outcome.status, "rows": outcome.rows_read, "import_id": outcome.import_id,
        "mistakes": mistakes,
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A run with its line errors, and its progress if it is running on this node.
pub async fn get(
    db: &Db,
    caller: &Caller,
    id: i64,
) -> ActionResult<(Run, Vec<RecordedError>, Option<Progress>)> {
    require_importer(caller)?;
    let run = registry_runs::get(db.pool(), id).await?;
    let errors = serde_json::from_str(&run.errors)
        .map_err(|e| ActionError::Internal(format!("recorded line errors: {e}")))?;
    Ok((run, errors, live(id)))
}

/// The latest uploads from the pages, newest first.
pub async fn recent(db: &Db, caller: &Caller, limit: i64) -> ActionResult<Vec<Run>> {
    require_importer(caller)?;
    Ok(registry_runs::recent(db.pool(), limit).await?)
}

/// Import batches written (from the pages or the command line), newest first, below `before`;
/// each with the page's run that wrote it, if any.
pub async fn batches(
    db: &Db,
    caller: &Caller,
    before: i64,
    limit: i64,
) -> ActionResult<Vec<(ImportBatch, Option<i64>)>> {
    require_importer(caller)?;
    Ok(registry_runs::batches(db.pool(), before, limit).await?)
}
