//! Applications and their review decisions.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// An application as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    pub pass_type_id: i64,
    pub pass_type_version: i64,
    pub authority_id: i64,
    pub applicant_id: i64,
    pub org_id: Option<i64>,
    /// The pass request (invitation) it was filed against, if any.
    pub request_id: Option<i64>,
    /// The submitted values; ID numbers appear masked.
    pub form: serde_json::Value,
    pub holder_name: String,
    pub holder_id_masked: Option<String>,
    pub plate: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub valid_from: i64,
    pub valid_until: i64,
    /// `in_review`, `returned`, `rejected`, `issued` or `withdrawn`.
    pub status: String,
    /// The level under review (1 first).
    pub level: i64,
    pub priority: i64,
    /// When the current level must be decided.
    pub level_due_at: Option<i64>,
    /// The date promised to the applicant.
    pub promised_at: i64,
    /// Eligibility results as the reviewer sees them.
    pub eligibility: Option<serde_json::Value>,
    pub round: i64,
    pub version: i64,
    pub submitted_at: i64,
    pub updated_at: i64,
    #[serde(skip)]
    pub holder_id_sealed: Option<Vec<u8>>,
}

/// What submitting writes.
#[derive(Clone, Debug)]
pub struct NewApplication<'a> {
    pub pass_type_id: i64,
    pub pass_type_version: i64,
    pub authority_id: i64,
    pub applicant_id: i64,
    pub org_id: Option<i64>,
    pub request_id: Option<i64>,
    pub form: &'a serde_json::Value,
    pub holder_name: &'a str,
    pub holder_id_sealed: Option<&'a [u8]>,
    pub holder_id_masked: Option<&'a str>,
    pub plate: Option<&'a str>,
    pub valid_from: i64,
    pub valid_until: i64,
    pub priority: i64,
    pub level_due_at: i64,
    pub promised_at: i64,
    pub eligibility: &'a serde_json::Value,
}

const COLUMNS: &str = "id, pass_type_id, pass_type_version, authority_id, applicant_id, org_id, \
     form, holder_name, holder_id_masked, plate, valid_from, valid_until, status, level, priority, \
     level_due_at, promised_at, eligibility, round, version, submitted_at, updated_at, \
     holder_id_sealed, request_id";

fn from_row(row: &AnyRow) -> StoreResult<Application> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Application {
        id: row.try_get(0)?,
        pass_type_id: row.try_get(1)?,
        pass_type_version: row.try_get(2)?,
        authority_id: row.try_get(3)?,
        applicant_id: row.try_get(4)?,
        org_id: row.try_get(5)?,
        form: json(row.try_get(6)?).unwrap_or_default(),
        holder_name: row.try_get(7)?,
        holder_id_masked: row.try_get(8)?,
        plate: row.try_get(9)?,
        valid_from: row.try_get(10)?,
        valid_until: row.try_get(11)?,
        status: row.try_get(12)?,
        level: row.try_get(13)?,
        priority: row.try_get(14)?,
        level_due_at: row.try_get(15)?,
        promised_at: row.try_get(16)?,
        eligibility: json(row.try_get(17)?),
        round: row.try_get(18)?,
        version: row.try_get(19)?,
        submitted_at: row.try_get(20)?,
        updated_at: row.try_get(21)?,
        holder_id_sealed: row.try_get(22)?,
        request_id: row.try_get(23)?,
    })
}

pub async fn insert(tx: &mut Tx, new: &NewApplication<'_>) -> StoreResult<Application> {
    let now = now_ms();
    let id: i64 = sqlx::query(
        "INSERT INTO applications (pass_type_id, pass_type_version, authority_id, applicant_id, \
         org_id, form, holder_name, holder_id_sealed, holder_id_masked, plate, valid_from, \
         valid_until, status, level, priority, level_due_at, promised_at, eligibility, \
         submitted_at, updated_at, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'in_review', 1, $13, $14, \
         $15, $16, $17, $17, $18) RETURNING id",
    )
    .bind(new.pass_type_id)
    .bind(new.pass_type_version)
    .bind(new.authority_id)
    .bind(new.applicant_id)
    .bind(new.org_id)
    .bind(new.form.to_string())
    .bind(new.holder_name)
    .bind(new.holder_id_sealed)
    .bind(new.holder_id_masked)
    .bind(new.plate)
    .bind(new.valid_from)
    .bind(new.valid_until)
    .bind(new.priority)
    .bind(new.level_due_at)
    .bind(new.promised_at)
    .bind(new.eligibility.to_string())
    .bind(now)
    .bind(new.request_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    get(&mut **tx, id).await
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Application>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "applications", COLUMNS, id, from_row).await
}

/// Moves an application on, only if nobody else did since `version` was read: false when the
/// caller lost the race.
pub async fn advance(
    tx: &mut Tx,
    id: i64,
    version: i64,
    status: &str,
    level: i64,
    level_due_at: Option<i64>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE applications SET status = $1, level = $2, level_due_at = $3, \
         version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6",
    )
    .bind(status)
    .bind(level)
    .bind(level_due_at)
    .bind(now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The applicant's own applications, newest first after `before_id`.
pub async fn for_applicant(
    pool: &sqlx::AnyPool,
    applicant_id: i64,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<Application>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE applicant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(applicant_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Applications waiting at a level, most urgent first: priority, then deadline, then age.
/// The caller filters by scope; `limit` bounds the work.
pub async fn queue(pool: &sqlx::AnyPool, limit: i64) -> StoreResult<Vec<Application>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE status = 'in_review' \
         ORDER BY priority DESC, level_due_at, id LIMIT $1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// One recorded decision.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub id: i64,
    pub application_id: i64,
    pub round: i64,
    pub level: i64,
    pub reviewer_id: i64,
    pub reviewer_role: String,
    pub action: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
    pub decided_at: i64,
}

/// What a decision writes.
#[derive(Clone, Debug)]
pub struct NewDecision<'a> {
    pub application_id: i64,
    pub round: i64,
    pub level: i64,
    pub reviewer_id: i64,
    pub reviewer_role: &'a str,
    pub action: &'a str,
    pub reason_code: Option<&'a str>,
    pub reason_text: Option<&'a str>,
    pub seen: &'a serde_json::Value,
}

pub async fn insert_decision(tx: &mut Tx, d: &NewDecision<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO decisions (application_id, round, level, reviewer_id, reviewer_role, action, \
         reason_code, reason_text, seen, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(d.application_id)
    .bind(d.round)
    .bind(d.level)
    .bind(d.reviewer_id)
    .bind(d.reviewer_role)
    .bind(d.action)
    .bind(d.reason_code)
    .bind(d.reason_text)
    .bind(d.seen.to_string())
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

const DECISION_COLUMNS: &str = "id, application_id, round, level, reviewer_id, reviewer_role, \
     action, reason_code, reason_text, decided_at";

fn decision_from_row(r: &AnyRow) -> StoreResult<Decision> {
    Ok(Decision {
        id: r.try_get(0)?,
        application_id: r.try_get(1)?,
        round: r.try_get(2)?,
        level: r.try_get(3)?,
        reviewer_id: r.try_get(4)?,
        reviewer_role: r.try_get(5)?,
        action: r.try_get(6)?,
        reason_code: r.try_get(7)?,
        reason_text: r.try_get(8)?,
        decided_at: r.try_get(9)?,
    })
}

pub async fn decisions<'e, E>(executor: E, application_id: i64) -> StoreResult<Vec<Decision>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql =
        format!("SELECT {DECISION_COLUMNS} FROM decisions WHERE application_id = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(application_id)
        .fetch_all(executor)
        .await?;
    rows.iter().map(decision_from_row).collect()
}

/// The applications with these ids (a batch; missing ids are left out), in id order.
pub async fn get_many<'e, E>(executor: E, ids: &[i64]) -> StoreResult<Vec<Application>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE id IN ({}) ORDER BY id",
        super::in_list(ids.len(), 1)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(executor)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The decisions of a batch of applications, in the order they were made.
pub async fn decisions_for<'e, E>(executor: E, ids: &[i64]) -> StoreResult<Vec<Decision>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE application_id IN ({}) ORDER BY id",
        super::in_list(ids.len(), 1)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(executor).await?;
    rows.iter().map(decision_from_row).collect()
}

/// One application moving on in a batch, if still at `version`.
#[derive(Clone, Debug)]
pub struct Advance<'a> {
    pub id: i64,
    pub version: i64,
    pub status: &'a str,
    pub level: i64,
    pub level_due_at: Option<i64>,
}

/// Moves a batch of applications on, each only if nobody else did since its version was read;
/// returns the ids that moved. Rows sharing status, level and deadline take one statement.
pub async fn advance_many(tx: &mut Tx, moves: &[Advance<'_>]) -> StoreResult<Vec<i64>> {
    /// Status, level and deadline shared by the rows `(id, version)`.
    type Group<'s> = (&'s str, i64, Option<i64>, Vec<(i64, i64)>);
    let mut groups: Vec<Group> = Vec::new();
    for m in moves {
        match groups
            .iter_mut()
            .find(|g| g.0 == m.status && g.1 == m.level && g.2 == m.level_due_at)
        {
            Some(g) => g.3.push((m.id, m.version)),
            None => groups.push((m.status, m.level, m.level_due_at, vec![(m.id, m.version)])),
        }
    }
    let mut moved = Vec::with_capacity(moves.len());
    for (status, level, due, rows) in groups {
        for part in rows.chunks(super::batch_rows(tx, 2)) {
            // A join with the listed rows, not `(id, version) IN (VALUES …)`: SQLite would scan
            // the whole table and compare each row with the list.
            let sql = format!(
                "UPDATE applications SET status = $1, level = $2, level_due_at = $3, \
                 version = applications.version + 1, updated_at = $4 \
                 FROM (VALUES {}) AS listed \
                 WHERE applications.id = listed.column1 AND applications.version = listed.column2 \
                 RETURNING applications.id",
                super::value_rows(part.len(), 2, 5)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(status)
                .bind(level)
                .bind(due)
                .bind(now_ms());
            for (id, version) in part {
                query = query.bind(*id).bind(*version);
            }
            for row in query.fetch_all(&mut **tx).await? {
                moved.push(row.try_get(0)?);
            }
        }
    }
    Ok(moved)
}

/// Records a batch of decisions in one statement.
pub async fn insert_decisions(tx: &mut Tx, decisions: &[NewDecision<'_>]) -> StoreResult<()> {
    if decisions.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    for part in decisions.chunks(super::batch_rows(tx, 10)) {
        let sql = format!(
            "INSERT INTO decisions (application_id, round, level, reviewer_id, reviewer_role, \
             action, reason_code, reason_text, seen, decided_at) VALUES {}",
            super::value_rows(part.len(), 10, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in part {
            query = query
                .bind(d.application_id)
                .bind(d.round)
                .bind(d.level)
                .bind(d.reviewer_id)
                .bind(d.reviewer_role)
                .bind(d.action)
                .bind(d.reason_code)
                .bind(d.reason_text)
                .bind(d.seen.to_string())
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
