//! Earlier rounds of an application: what it said before it was returned, corrected and
//! resubmitted, and the resubmission itself.

use serde::Serialize;
use sqlx::Row;

use super::applications::Application;
use super::{StoreResult, Tx, now_ms};

/// One earlier round of an application, as it was submitted.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Round {
    pub round: i64,
    pub pass_type_version: i64,
    /// The values of that round; ID numbers appear masked.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub holder_name: String,
    pub holder_id_masked: Option<String>,
    pub plate: Option<String>,
    pub valid_from: i64,
    pub valid_until: i64,
    #[schema(value_type = Object)]
    pub eligibility: Option<serde_json::Value>,
    pub promised_at: i64,
    pub submitted_at: i64,
}

/// Keeps the application's current round before it is replaced.
pub async fn keep(tx: &mut Tx, app: &Application) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO application_rounds (application_id, round, pass_type_version, form, \
         holder_name, holder_id_masked, plate, valid_from, valid_until, eligibility, promised_at, \
         submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(app.id)
    .bind(app.round)
    .bind(app.pass_type_version)
    .bind(app.form.to_string())
    .bind(&app.holder_name)
    .bind(app.holder_id_masked.as_deref())
    .bind(app.plate.as_deref())
    .bind(app.valid_from)
    .bind(app.valid_until)
    .bind(app.eligibility.as_ref().map(ToString::to_string))
    .bind(app.promised_at)
    .bind(app.submitted_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The earlier rounds, oldest first.
pub async fn list<'e, E>(executor: E, application_id: i64) -> StoreResult<Vec<Round>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    sqlx::query(
        "SELECT round, pass_type_version, form, holder_name, holder_id_masked, plate, \
         valid_from, valid_until, eligibility, promised_at, submitted_at \
         FROM application_rounds WHERE application_id = $1 ORDER BY round",
    )
    .bind(application_id)
    .fetch_all(executor)
    .await?
    .iter()
    .map(|r| {
        Ok(Round {
            round: r.try_get(0)?,
            pass_type_version: r.try_get(1)?,
            form: json(r.try_get(2)?).unwrap_or_default(),
            holder_name: r.try_get(3)?,
            holder_id_masked: r.try_get(4)?,
            plate: r.try_get(5)?,
            valid_from: r.try_get(6)?,
            valid_until: r.try_get(7)?,
            eligibility: json(r.try_get(8)?),
            promised_at: r.try_get(9)?,
            submitted_at: r.try_get(10)?,
        })
    })
    .collect()
}

/// The corrected values of a resubmission.
#[derive(Clone, Debug)]
pub struct Corrected<'a> {
    pub pass_type_version: i64,
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

/// Starts the next round at level 1 with the corrected values, only if the application is
/// still returned at `version`: false when someone (or a second click) got there first.
pub async fn resubmit(tx: &mut Tx, id: i64, version: i64, c: &Corrected<'_>) -> StoreResult<bool> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE applications SET pass_type_version = $1, form = $2, holder_name = $3, \
         holder_id_sealed = $4, holder_id_masked = $5, plate = $6, valid_from = $7, \
         valid_until = $8, priority = $9, level_due_at = $10, promised_at = $11, \
         eligibility = $12, status = 'in_review', level = 1, round = round + 1, \
         version = version + 1, submitted_at = $13, updated_at = $13 \
         WHERE id = $14 AND version = $15 AND status = 'returned'",
    )
    .bind(c.pass_type_version)
    .bind(c.form.to_string())
    .bind(c.holder_name)
    .bind(c.holder_id_sealed)
    .bind(c.holder_id_masked)
    .bind(c.plate)
    .bind(c.valid_from)
    .bind(c.valid_until)
    .bind(c.priority)
    .bind(c.level_due_at)
    .bind(c.promised_at)
    .bind(c.eligibility.to_string())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
