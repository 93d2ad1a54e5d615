//! Checkpoints (卡口): a named position owned by an organisation, optionally guarding zones.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};

/// A checkpoint as stored.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Checkpoint {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub longitude: f64,
    pub latitude: f64,
    /// Ids of the zones and road sections it guards.
    pub guards: Vec<i64>,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// What is needed to store a checkpoint; values are already checked.
#[derive(Clone, Debug)]
pub struct NewCheckpoint<'a> {
    pub org_id: i64,
    pub name: &'a str,
    pub longitude: f64,
    pub latitude: f64,
    pub guards: &'a [i64],
}

const COLUMNS: &str = "id, org_id, name, longitude, latitude, guards, created_at, retired_at";
/// The same, qualified for queries that join `orgs`.
const C_COLUMNS: &str = "c.id, c.org_id, c.name, c.longitude, c.latitude, c.guards, c.created_at, \
     c.retired_at";

fn from_row(row: &AnyRow) -> StoreResult<Checkpoint> {
    let guards: Option<String> = row.try_get(5)?;
    Ok(Checkpoint {
        id: row.try_get(0)?,
        org_id: row.try_get(1)?,
        name: row.try_get(2)?,
        longitude: row.try_get(3)?,
        latitude: row.try_get(4)?,
        // Written by `insert` from ids; anything else was not ours and guards nothing.
        guards: guards
            .unwrap_or_default()
            .split(',')
            .filter_map(|g| g.parse().ok())
            .collect(),
        created_at: row.try_get(6)?,
        retired_at: row.try_get(7)?,
    })
}

pub async fn insert(tx: &mut Tx, new: &NewCheckpoint<'_>) -> StoreResult<Checkpoint> {
    let guards = (!new.guards.is_empty()).then(|| {
        new.guards
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    let sql = format!(
        "INSERT INTO checkpoints (org_id, name, longitude, latitude, guards, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(new.org_id)
        .bind(new.name)
        .bind(new.longitude)
        .bind(new.latitude)
        .bind(guards)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
    from_row(&row)
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Checkpoint>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "checkpoints", COLUMNS, id, from_row).await
}

/// Retires a live checkpoint; `NotFound` when it is retired already or absent.
pub async fn retire(tx: &mut Tx, id: i64) -> StoreResult<Checkpoint> {
    let sql = format!(
        "UPDATE checkpoints SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL \
         RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now_ms())
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Live checkpoints of organisations in the given subtrees, by id after `after_id`.
pub async fn list_in_subtrees(
    pool: &sqlx::AnyPool,
    paths: &[String],
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<Checkpoint>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {C_COLUMNS} FROM checkpoints c JOIN orgs o ON o.id = c.org_id \
         WHERE c.id > $1 AND c.retired_at IS NULL AND {} ORDER BY c.id LIMIT $2",
        super::subtree_clause("o.path", paths.len(), 3)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(limit);
    for path in paths {
        query = query.bind(super::subtree_pattern(path));
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}
