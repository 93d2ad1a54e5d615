//! Zones and road sections of each authority, and the catalogue the verifier bundle carries.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};
use crate::domain::zones::{Zone, ZoneGeometry, ZoneKind, catalogue_json};

const COLUMNS: &str = "id, authority_id, kind, name_zh, name_en, geometry, corridor_m, \
     created_at, updated_at, retired_at";

fn from_row(row: &AnyRow) -> StoreResult<Zone> {
    let kind: String = row.try_get(2)?;
    let geometry: String = row.try_get(5)?;
    Ok(Zone {
        id: row.try_get(0)?,
        authority_id: row.try_get(1)?,
        // The CHECK constraint admits only these two.
        kind: ZoneKind::parse(&kind).ok_or(StoreError::NotFound)?,
        name_zh: row.try_get(3)?,
        name_en: row.try_get(4)?,
        // Written by `insert`/`update` from a parsed geometry; unreadable means not ours.
        geometry: serde_json::from_str(&geometry)
            .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?,
        corridor_m: row.try_get(6)?,
        created_at: row.try_get(7)?,
        updated_at: row.try_get(8)?,
        retired_at: row.try_get(9)?,
    })
}

/// The SQL for the corridor width: a parameter, or a literal NULL for zones. Binding a NULL
/// float through `sqlx::Any` declares the PostgreSQL parameter as `float4`, and the statement
/// cached that way then refuses a later `float8` width ("incorrect binary data format"), so a
/// NULL width is never bound.
fn corridor_sql(geometry: &ZoneGeometry, param: &'static str) -> &'static str {
    if geometry.corridor_m().is_some() {
        param
    } else {
        "NULL"
    }
}

/// Stores a new zone of `authority_id`.
pub async fn insert(
    tx: &mut Tx,
    authority_id: i64,
    name_zh: &str,
    name_en: Option<&str>,
    geometry: &ZoneGeometry,
) -> StoreResult<Zone> {
    let sql = format!(
        "INSERT INTO zones (authority_id, kind, name_zh, name_en, geometry, created_at, \
         updated_at, corridor_m) VALUES ($1, $2, $3, $4, $5, $6, $6, {}) RETURNING {COLUMNS}",
        corridor_sql(geometry, "$7")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .bind(geometry.kind().as_str())
        .bind(name_zh)
        .bind(name_en)
        .bind(geometry.to_geojson().to_string())
        .bind(now_ms());
    if let Some(w) = geometry.corridor_m() {
        query = query.bind(w);
    }
    from_row(&query.fetch_one(&mut **tx).await?)
}

/// Replaces a live zone's names and geometry; `NotFound` when it is retired or absent.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    name_zh: &str,
    name_en: Option<&str>,
    geometry: &ZoneGeometry,
) -> StoreResult<Zone> {
    let sql = format!(
        "UPDATE zones SET kind = $1, name_zh = $2, name_en = $3, geometry = $4, updated_at = $5, \
         corridor_m = {} WHERE id = $6 AND retired_at IS NULL RETURNING {COLUMNS}",
        corridor_sql(geometry, "$7")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(geometry.kind().as_str())
        .bind(name_zh)
        .bind(name_en)
        .bind(geometry.to_geojson().to_string())
        .bind(now_ms())
        .bind(id);
    if let Some(w) = geometry.corridor_m() {
        query = query.bind(w);
    }
    let row = query
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Retires a live zone; `NotFound` when it is retired already or absent.
pub async fn retire(tx: &mut Tx, id: i64) -> StoreResult<Zone> {
    let now = now_ms();
    let sql = format!(
        "UPDATE zones SET retired_at = $1, updated_at = $1 WHERE id = $2 AND retired_at IS NULL \
         RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Zone>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "zones", COLUMNS, id, from_row).await
}

/// The live (not retired) zones of an authority, by id.
pub async fn live_for_authority<'e, E>(executor: E, authority_id: i64) -> StoreResult<Vec<Zone>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM zones WHERE authority_id = $1 AND retired_at IS NULL ORDER BY id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(authority_id)
        .fetch_all(executor)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The catalogue of an authority's verifier bundle: its live zones as a GeoJSON
/// FeatureCollection, or `None` when it has none.
pub async fn catalogue_for<'e, E>(
    executor: E,
    authority_id: i64,
) -> StoreResult<Option<serde_json::Value>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let zones = live_for_authority(executor, authority_id).await?;
    Ok((!zones.is_empty()).then(|| catalogue_json(&zones)))
}
