//! Vehicle claims: a live pass holds its vehicle for its period, and the database refuses an
//! overlapping claim of the same kind (migration 0007).

use sqlx::Row;

use super::{StoreResult, Tx};

/// Claims the vehicle for `[from, until)`; `Conflict` when another live pass of the same kind
/// holds any part of it (the database refuses the overlap, see migration 0007).
pub async fn claim_vehicle(
    tx: &mut Tx,
    kind: &str,
    plate: &str,
    (from, until): (i64, i64),
    pass_id: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO vehicle_claims (pass_id, kind, plate, valid_from, valid_until) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(pass_id)
    .bind(kind)
    .bind(plate)
    .bind(from)
    .bind(until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves the end of a pass's vehicle claim (an extension); `Conflict` on overlap.
pub async fn extend_vehicle_claim(tx: &mut Tx, pass_id: i64, until: i64) -> StoreResult<()> {
    sqlx::query("UPDATE vehicle_claims SET valid_until = $2 WHERE pass_id = $1")
        .bind(pass_id)
        .bind(until)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Frees the vehicle held by a pass (revoked passes hold nothing).
pub async fn release_vehicle(tx: &mut Tx, pass_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM vehicle_claims WHERE pass_id = $1")
        .bind(pass_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether a live pass of `kind` holds the vehicle at any time of `[from, until)`.
pub async fn vehicle_claimed(
    tx: &mut Tx,
    kind: &str,
    plate: &str,
    (from, until): (i64, i64),
) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM vehicle_claims \
         WHERE kind = $1 AND plate = $2 AND valid_from < $3 AND $4 < valid_until",
    )
    .bind(kind)
    .bind(plate)
    .bind(until)
    .bind(from)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// A vehicle held by a pass for `[valid_from, valid_until)`.
#[derive(Clone, Debug)]
pub struct VehicleClaim<'a> {
    pub pass_id: i64,
    pub kind: &'a str,
    pub plate: &'a str,
    pub valid_from: i64,
    pub valid_until: i64,
}

/// Claims a batch of vehicles; `Conflict` when any overlaps a live claim (the database refuses).
pub async fn claim_vehicles(tx: &mut Tx, claims: &[VehicleClaim<'_>]) -> StoreResult<()> {
    for part in claims.chunks(super::batch_rows(tx, 5)) {
        let sql = format!(
            "INSERT INTO vehicle_claims (pass_id, kind, plate, valid_from, valid_until) VALUES {}",
            super::value_rows(part.len(), 5, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in part {
            query = query
                .bind(c.pass_id)
                .bind(c.kind)
                .bind(c.plate)
                .bind(c.valid_from)
                .bind(c.valid_until);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The live claims of `kind` on any of `plates`: `(plate, valid_from, valid_until)`.
pub async fn claims_on(
    tx: &mut Tx,
    kind: &str,
    plates: &[&str],
) -> StoreResult<Vec<(String, i64, i64)>> {
    let mut found = Vec::new();
    for part in plates.chunks(super::batch_rows(tx, 1)) {
        let sql = format!(
            "SELECT plate, valid_from, valid_until FROM vehicle_claims \
             WHERE kind = $1 AND plate IN ({})",
            super::in_list(part.len(), 2)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
        for plate in part {
            query = query.bind(*plate);
        }
        for row in query.fetch_all(&mut **tx).await? {
            found.push((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
        }
    }
    Ok(found)
}
