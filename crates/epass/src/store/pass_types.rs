//! Pass types: an authority's kinds of pass, each a versioned JSON definition.

use epass_credential::Kind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};
use crate::domain::pass_type::{PassTypeDefinition, Priority};

/// A pass type as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PassType {
    pub id: i64,
    /// The authority that owns the type.
    pub authority_id: i64,
    /// Unique within the authority, e.g. `personnel_vehicle`.
    pub code: String,
    /// The credential kind: `personnel_vehicle`, `freight`, `truck_entry` or `driving_licence`.
    #[schema(value_type = String)]
    pub kind: Kind,
    pub name_zh: String,
    pub name_en: String,
    pub priority: Priority,
    /// 1 at creation, one more at every edit.
    pub version: i64,
    /// Milliseconds since the Unix epoch; applications are taken from then on.
    pub active_from: i64,
    pub retired_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub definition: PassTypeDefinition,
}

impl PassType {
    /// Open for applications at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.retired_at.is_none() && self.active_from <= now_ms
    }
}

/// What a new pass type or an edit stores; the definition is already parsed.
#[derive(Clone, Debug)]
pub struct PassTypeFields<'a> {
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub active_from: i64,
    pub definition: &'a PassTypeDefinition,
}

const COLUMNS: &str = "id, authority_id, code, kind, name_zh, name_en, priority, version, \
                       active_from, retired_at, created_at, updated_at, definition";

fn corrupt(what: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(what.into()))
}

fn from_row(row: &AnyRow) -> StoreResult<PassType> {
    let id: i64 = row.try_get(0)?;
    let kind: String = row.try_get(3)?;
    let priority: String = row.try_get(6)?;
    let definition: String = row.try_get(12)?;
    Ok(PassType {
        id,
        authority_id: row.try_get(1)?,
        code: row.try_get(2)?,
        kind: Kind::from_name(&kind)
            .ok_or_else(|| corrupt(format!("pass type {id}: unknown kind {kind:?}")))?,
        name_zh: row.try_get(4)?,
        name_en: row.try_get(5)?,
        priority: Priority::parse(&priority)
            .ok_or_else(|| corrupt(format!("pass type {id}: unknown priority {priority:?}")))?,
        version: row.try_get(7)?,
        active_from: row.try_get(8)?,
        retired_at: row.try_get(9)?,
        created_at: row.try_get(10)?,
        updated_at: row.try_get(11)?,
        // Only parsed definitions are ever written, so this fails only if the format changed
        // without a migration of the stored rows.
        definition: PassTypeDefinition::parse(&definition)
            .map_err(|e| corrupt(format!("pass type {id}: stored definition: {e}")))?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    authority_id: i64,
    code: &str,
    kind: Kind,
    fields: &PassTypeFields<'_>,
) -> StoreResult<PassType> {
    let now = now_ms();
    let sql = format!(
        "INSERT INTO pass_types (authority_id, code, kind, name_zh, name_en, priority, definition, \
         version, active_from, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(code)
        .bind(kind.name())
        .bind(fields.name_zh)
        .bind(fields.name_en)
        .bind(fields.definition.priority.as_str())
        .bind(fields.definition.to_json().to_string())
        .bind(fields.active_from)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
    from_row(&row)
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<PassType>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "pass_types", COLUMNS, id, from_row).await
}

/// Replaces the editable fields if the stored version is still `expected_version`; `None` when
/// someone else edited first (or the type is retired).
pub async fn update(
    tx: &mut Tx,
    id: i64,
    expected_version: i64,
    fields: &PassTypeFields<'_>,
) -> StoreResult<Option<PassType>> {
    let sql = format!(
        "UPDATE pass_types SET name_zh = $1, name_en = $2, priority = $3, definition = $4, \
         active_from = $5, version = version + 1, updated_at = $6 \
         WHERE id = $7 AND version = $8 AND retired_at IS NULL RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(fields.name_zh)
        .bind(fields.name_en)
        .bind(fields.definition.priority.as_str())
        .bind(fields.definition.to_json().to_string())
        .bind(fields.active_from)
        .bind(now_ms())
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Retires a type still in use; `None` if it was already retired.
pub async fn retire(tx: &mut Tx, id: i64) -> StoreResult<Option<PassType>> {
    let sql = format!(
        "UPDATE pass_types SET retired_at = $1, updated_at = $1 \
         WHERE id = $2 AND retired_at IS NULL RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now_ms())
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Filters of the list of active types.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub authority_id: Option<i64>,
    pub kind: Option<Kind>,
    pub after_id: i64,
    pub limit: i64,
    /// Types active at this instant (not retired, `active_from` passed).
    pub at_ms: i64,
}

/// Types open for applications, by ascending id.
pub async fn list_active(pool: &sqlx::AnyPool, filter: &Filter) -> StoreResult<Vec<PassType>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM pass_types \
         WHERE id > $1 AND retired_at IS NULL AND active_from <= $2 \
           AND ($3 IS NULL OR authority_id = $3) AND ($4 IS NULL OR kind = $4) \
         ORDER BY id LIMIT $5"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.after_id)
        .bind(filter.at_ms)
        .bind(filter.authority_id)
        .bind(filter.kind.map(Kind::name))
        .bind(filter.limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every type of one authority — active, not yet active and retired — by ascending id after
/// `after_id` (the configuration pages list them all).
pub async fn list_for_authority(
    pool: &sqlx::AnyPool,
    authority_id: i64,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<PassType>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM pass_types WHERE authority_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}
