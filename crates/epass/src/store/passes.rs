//! Issued passes, their serial numbers, vehicle occupancy, and recorded checks.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreResult, Tx, now_ms};

/// A pass as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Pass {
    pub id: i64,
    pub application_id: i64,
    pub pass_number: String,
    pub authority_id: i64,
    pub kind: String,
    pub issuer_code: String,
    pub kid: String,
    pub status_index: i64,
    /// `active`, `suspended` or `revoked` (expiry follows from `valid_until`).
    pub status: String,
    pub holder_id: i64,
    pub holder_name: String,
    pub holder_id_masked: Option<String>,
    pub plate: Option<String>,
    pub valid_from: i64,
    pub valid_until: i64,
    /// The signed credential text (what the QR code holds).
    pub credential: String,
    pub issued_at: i64,
}

/// A pass to store.
#[derive(Clone, Debug)]
pub struct NewPass<'a> {
    pub application_id: i64,
    pub pass_number: &'a str,
    pub authority_id: i64,
    pub kind: &'a str,
    pub issuer_code: &'a str,
    pub kid: &'a str,
    pub status_index: i64,
    pub holder_id: i64,
    pub holder_name: &'a str,
    pub holder_id_masked: Option<&'a str>,
    pub plate: Option<&'a str>,
    pub valid_from: i64,
    pub valid_until: i64,
    pub credential: &'a str,
}

const COLUMNS: &str = "id, application_id, pass_number, authority_id, kind, issuer_code, kid, \
     status_index, status, holder_id, holder_name, holder_id_masked, plate, valid_from, \
     valid_until, credential, issued_at";

fn from_row(row: &AnyRow) -> StoreResult<Pass> {
    Ok(Pass {
        id: row.try_get(0)?,
        application_id: row.try_get(1)?,
        pass_number: row.try_get(2)?,
        authority_id: row.try_get(3)?,
        kind: row.try_get(4)?,
        issuer_code: row.try_get(5)?,
        kid: row.try_get(6)?,
        status_index: row.try_get(7)?,
        status: row.try_get(8)?,
        holder_id: row.try_get(9)?,
        holder_name: row.try_get(10)?,
        holder_id_masked: row.try_get(11)?,
        plate: row.try_get(12)?,
        valid_from: row.try_get(13)?,
        valid_until: row.try_get(14)?,
        credential: row.try_get(15)?,
        issued_at: row.try_get(16)?,
    })
}

/// Reserves `n` consecutive serials of an issuing office and returns the first (1 first); the
/// row lock serialises issuers, and a batch takes its block in one statement.
pub async fn reserve_serials(tx: &mut Tx, issuer_code: &str, n: i64) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO pass_serials (issuer_code, next_serial) VALUES ($1, 1 + $2) \
         ON CONFLICT (issuer_code) DO UPDATE SET next_serial = pass_serials.next_serial + $2 \
         RETURNING next_serial - $2",
    )
    .bind(issuer_code)
    .bind(n)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

pub async fn insert(tx: &mut Tx, p: &NewPass<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO passes (application_id, pass_number, authority_id, kind, issuer_code, kid, \
         status_index, status, holder_id, holder_name, holder_id_masked, plate, valid_from, \
         valid_until, credential, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $11, $12, $13, $14, $15) \
         RETURNING id",
    )
    .bind(p.application_id)
    .bind(p.pass_number)
    .bind(p.authority_id)
    .bind(p.kind)
    .bind(p.issuer_code)
    .bind(p.kid)
    .bind(p.status_index)
    .bind(p.holder_id)
    .bind(p.holder_name)
    .bind(p.holder_id_masked)
    .bind(p.plate)
    .bind(p.valid_from)
    .bind(p.valid_until)
    .bind(p.credential)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

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

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Pass>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "passes", COLUMNS, id, from_row).await
}

pub async fn by_number<'e, E>(executor: E, number: &str) -> StoreResult<Option<Pass>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM passes WHERE pass_number = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(number)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn by_application<'e, E>(executor: E, application_id: i64) -> StoreResult<Option<Pass>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM passes WHERE application_id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(application_id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Changes a pass's status if it is `from`; false when it was not.
pub async fn set_status(tx: &mut Tx, id: i64, from: &str, to: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE passes SET status = $1, status_changed_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(now_ms())
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `(status_index, status)` of every non-active pass of an issuing office, and the highest
/// index used: what its status list publishes.
pub async fn status_entries(
    tx: &mut Tx,
    issuer_code: &str,
) -> StoreResult<(i64, Vec<(i64, String)>)> {
    let max: i64 =
        sqlx::query("SELECT COALESCE(MAX(status_index), 0) FROM passes WHERE issuer_code = $1")
            .bind(issuer_code)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    let rows = sqlx::query(
        "SELECT status_index, status FROM passes WHERE issuer_code = $1 AND status <> 'active'",
    )
    .bind(issuer_code)
    .fetch_all(&mut **tx)
    .await?;
    let entries = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<StoreResult<_>>()?;
    Ok((max, entries))
}

/// The issuing offices that have issued passes for an authority.
pub async fn issuer_codes(tx: &mut Tx, authority_id: i64) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT issuer_code FROM passes WHERE authority_id = $1")
        .bind(authority_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// A check to record.
#[derive(Clone, Debug)]
pub struct NewCheck<'a> {
    pub pass_id: Option<i64>,
    pub pass_number: Option<&'a str>,
    pub checkpoint_id: Option<i64>,
    pub officer_id: i64,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub checked_at: i64,
    pub outcome: &'a str,
    pub client_ref: Option<&'a str>,
}

/// Records a check; `Ok(None)` when a check with the same `client_ref` was recorded before.
pub async fn insert_check(tx: &mut Tx, c: &NewCheck<'_>) -> StoreResult<Option<i64>> {
    // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a failed
    // statement would abort the whole transaction. A missing position is written as a literal
    // NULL: through `sqlx::Any` a NULL f64 parameter is typed float4 on PostgreSQL, and the
    // cached statement would then refuse real coordinates.
    let position = match (c.longitude, c.latitude) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        _ => None,
    };
    let values = if position.is_some() {
        "$10, $11"
    } else {
        "NULL, NULL"
    };
    let sql = format!(
        "INSERT INTO checks (pass_id, pass_number, checkpoint_id, officer_id, checked_at, \
         outcome, client_ref, recorded_at, log_index, longitude, latitude) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {values}) \
         ON CONFLICT (client_ref) DO NOTHING RETURNING id"
    );
    // Every recorded check is a leaf of the tamper-evident log, appended in this transaction.
    let recorded_at = now_ms();
    let guess = super::merkle_log::guess();
    let log_index = guess.as_ref().and_then(|t| i64::try_from(t.size()).ok());
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(c.pass_id)
        .bind(c.pass_number)
        .bind(c.checkpoint_id)
        .bind(c.officer_id)
        .bind(c.checked_at)
        .bind(c.outcome)
        .bind(c.client_ref)
        .bind(recorded_at)
        .bind(log_index.unwrap_or(-1));
    if let Some((lon, lat)) = position {
        query = query.bind(lon).bind(lat);
    }
    let Some(row) = query.fetch_optional(&mut **tx).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get(0)?;
    let leaf_at = |index: u64| {
        super::merkle_log::CheckLeaf {
            index,
            pass_id: c.pass_id,
            pass_number: c.pass_number,
            checkpoint_id: c.checkpoint_id,
            officer_id: c.officer_id,
            longitude: position.map(|p| p.0),
            latitude: position.map(|p| p.1),
            checked_at: c.checked_at,
            outcome: c.outcome,
            client_ref: c.client_ref,
            recorded_at,
        }
        .hash()
    };
    super::merkle_log::append(tx, "checks", id, guess, leaf_at).await?;
    Ok(Some(id))
}

/// Records a group of checks (the check writer's group commit): the log's tail is locked once,
/// the new rows take the next positions and are written a statement per kind (with and without
/// a position), and their leaves appended with one tail update. A check whose `client_ref` was
/// recorded before (or earlier in the group) takes no position and gives `None`; holding the
/// tail lock, nobody else records a check meanwhile.
pub async fn insert_checks(tx: &mut Tx, checks: &[NewCheck<'_>]) -> StoreResult<Vec<Option<i64>>> {
    use std::collections::{HashMap, HashSet};
    let old = super::merkle_log::lock_tail(tx).await?;
    let recorded_at = now_ms();
    let refs: Vec<&str> = checks.iter().filter_map(|c| c.client_ref).collect();
    let mut seen: HashSet<String> = HashSet::new();
    for part in refs.chunks(super::batch_rows(tx, 1)) {
        let sql = format!(
            "SELECT client_ref FROM checks WHERE client_ref IN ({})",
            super::applications::placeholders(part.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in part {
            query = query.bind(*r);
        }
        for row in query.fetch_all(&mut **tx).await? {
            seen.insert(row.try_get(0)?);
        }
    }
    // (position in the log, the check) for each new row.
    let mut new: Vec<(u64, &NewCheck)> = Vec::new();
    let mut index_of: Vec<Option<u64>> = Vec::with_capacity(checks.len());
    for c in checks {
        if let Some(r) = c.client_ref
            && !seen.insert(r.to_owned())
        {
            index_of.push(None);
            continue;
        }
        let index = old.size() + new.len() as u64;
        new.push((index, c));
        index_of.push(Some(index));
    }
    let mut ids: HashMap<i64, i64> = HashMap::new();
    for placed in [true, false] {
        let rows: Vec<&(u64, &NewCheck)> = new
            .iter()
            .filter(|(_, c)| c.longitude.zip(c.latitude).is_some() == placed)
            .collect();
        for part in rows.chunks(super::batch_rows(tx, 11)) {
            // A missing position is a literal NULL (see `insert_check`).
            let cols = if placed { 11 } else { 9 };
            let values: Vec<String> = (0..part.len())
                .map(|i| {
                    let p = |k: usize| format!("${}", i * cols + k);
                    let position = if placed {
                        format!("{}, {}", p(10), p(11))
                    } else {
                        "NULL, NULL".to_owned()
                    };
                    format!(
                        "({}, {}, {}, {}, {}, {}, {}, {}, {}, {position})",
                        p(1),
                        p(2),
                        p(3),
                        p(4),
                        p(5),
                        p(6),
                        p(7),
                        p(8),
                        p(9)
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO checks (pass_id, pass_number, checkpoint_id, officer_id, \
                 checked_at, outcome, client_ref, recorded_at, log_index, longitude, latitude) \
                 VALUES {} RETURNING log_index, id",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (index, c) in part {
                let index = i64::try_from(*index).map_err(|_| {
                    super::StoreError::Database(sqlx::Error::Protocol("log full".into()))
                })?;
                query = query
                    .bind(c.pass_id)
                    .bind(c.pass_number)
                    .bind(c.checkpoint_id)
                    .bind(c.officer_id)
                    .bind(c.checked_at)
                    .bind(c.outcome)
                    .bind(c.client_ref)
                    .bind(recorded_at)
                    .bind(index);
                if let Some((lon, lat)) = c.longitude.zip(c.latitude) {
                    query = query.bind(lon).bind(lat);
                }
            }
            for row in query.fetch_all(&mut **tx).await? {
                ids.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
    }
    let leaves: Vec<_> = new
        .iter()
        .map(|(index, c)| {
            super::merkle_log::CheckLeaf {
                index: *index,
                pass_id: c.pass_id,
                pass_number: c.pass_number,
                checkpoint_id: c.checkpoint_id,
                officer_id: c.officer_id,
                longitude: c.longitude.zip(c.latitude).map(|p| p.0),
                latitude: c.longitude.zip(c.latitude).map(|p| p.1),
                checked_at: c.checked_at,
                outcome: c.outcome,
                client_ref: c.client_ref,
                recorded_at,
            }
            .hash()
        })
        .collect();
    super::merkle_log::append_many_locked(tx, &old, &leaves).await?;
    index_of
        .into_iter()
        .map(|index| match index {
            None => Ok(None),
            Some(index) => {
                let index = i64::try_from(index).unwrap_or(i64::MAX);
                ids.get(&index).copied().map(Some).ok_or_else(|| {
                    super::StoreError::Database(sqlx::Error::Protocol(
                        "a recorded check did not come back".into(),
                    ))
                })
            }
        })
        .collect()
}

/// A pass's new validity end and the credential re-signed for it.
pub async fn set_validity(
    tx: &mut Tx,
    id: i64,
    valid_until: i64,
    kid: &str,
    credential: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE passes SET valid_until = $1, kid = $2, credential = $3, status_changed_at = $4 \
         WHERE id = $5",
    )
    .bind(valid_until)
    .bind(kid)
    .bind(credential)
    .bind(now_ms())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ids of the live passes of a pass type ending before `before`, after `after_id`, by id.
pub async fn expiring(
    pool: &sqlx::AnyPool,
    pass_type_id: i64,
    before: i64,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT p.id FROM passes p JOIN applications a ON a.id = p.application_id \
         WHERE a.pass_type_id = $1 AND p.valid_until < $2 AND p.status <> 'revoked' AND p.id > $3 \
         ORDER BY p.id LIMIT $4",
    )
    .bind(pass_type_id)
    .bind(before)
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
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

/// Stores a batch of passes in one statement per thousand; returns `(pass number, id)` pairs.
pub async fn insert_many(tx: &mut Tx, new: &[NewPass<'_>]) -> StoreResult<Vec<(String, i64)>> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(new.len());
    for part in new.chunks(super::batch_rows(tx, 16)) {
        let sql = format!(
            "INSERT INTO passes (application_id, pass_number, authority_id, kind, issuer_code, \
             kid, status_index, status, holder_id, holder_name, holder_id_masked, plate, \
             valid_from, valid_until, credential, issued_at) VALUES {} RETURNING pass_number, id",
            super::value_rows(part.len(), 16, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in part {
            query = query
                .bind(p.application_id)
                .bind(p.pass_number)
                .bind(p.authority_id)
                .bind(p.kind)
                .bind(p.issuer_code)
                .bind(p.kid)
                .bind(p.status_index)
                .bind("active")
                .bind(p.holder_id)
                .bind(p.holder_name)
                .bind(p.holder_id_masked)
                .bind(p.plate)
                .bind(p.valid_from)
                .bind(p.valid_until)
                .bind(p.credential)
                .bind(now);
        }
        for row in query.fetch_all(&mut **tx).await? {
            ids.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(ids)
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
            super::applications::placeholders(part.len(), 2)
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
