//! The eligibility registries kept in epass: batched upserts for imports, look-ups for checks.
//!
//! People are keyed by the look-up hash of their ID number (`PiiKeys::lookup_hash`), never by
//! the number. Upserts write many rows per statement; a statement must not name the same key
//! twice (PostgreSQL refuses to update one row twice in one `ON CONFLICT`), which the importer
//! guarantees by rejecting files with duplicate keys.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::{Date, OffsetDateTime};

use super::{StoreError, StoreResult, Tx};
use crate::domain::eligibility::{
    HealthColour, HealthRecord, LicenceRecord, LicenceStatus, TestRecord, TestResult,
    VehicleRecord, VehicleStatus,
};
use crate::domain::ids::Plate;

/// A licence with the look-up hash of its holder's ID number.
#[derive(Clone, Debug)]
pub struct NewLicence {
    pub holder_id_hash: [u8; 32],
    pub record: LicenceRecord,
}

/// A test result with the look-up hash of the tested person's ID number.
#[derive(Clone, Debug)]
pub struct NewTest {
    pub holder_id_hash: [u8; 32],
    pub record: TestRecord,
}

/// A health code with the look-up hash of its holder's ID number.
#[derive(Clone, Debug)]
pub struct NewHealth {
    pub holder_id_hash: [u8; 32],
    pub record: HealthRecord,
}

/// One import batch as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportBatch {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub row_count: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub actor: String,
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_ms(ms: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| corrupt(format!("timestamp {ms}: {e}")))
}

fn corrupt(what: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(what.into()))
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn date_text(d: Date) -> String {
    // The format has no component that can fail for a valid date.
    d.format(DATE).unwrap_or_default()
}

fn parse_date(s: &str) -> StoreResult<Date> {
    Date::parse(s, DATE).map_err(|e| corrupt(format!("date {s:?}: {e}")))
}

fn count(n: i64) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| corrupt(format!("count {n}")))
}

/// Opens an import batch; its id stamps every row written by the import.
pub async fn begin_import(
    tx: &mut Tx,
    kind: &str,
    file_name: &str,
    actor: &str,
    started_at: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO registry_imports (kind, file_name, row_count, started_at, actor) \
         VALUES ($1, $2, 0, $3, $4) RETURNING id",
    )
    .bind(kind)
    .bind(file_name)
    .bind(started_at)
    .bind(actor)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

/// Records how many rows the batch wrote and when it finished.
pub async fn finish_import(tx: &mut Tx, id: i64, rows: i64, finished_at: i64) -> StoreResult<()> {
    sqlx::query("UPDATE registry_imports SET row_count = $1, finished_at = $2 WHERE id = $3")
        .bind(rows)
        .bind(finished_at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn import_batch(pool: &sqlx::AnyPool, id: i64) -> StoreResult<Option<ImportBatch>> {
    let row = sqlx::query(
        "SELECT id, kind, file_name, row_count, started_at, finished_at, actor \
         FROM registry_imports WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(ImportBatch {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            file_name: r.try_get(2)?,
            row_count: r.try_get(3)?,
            started_at: r.try_get(4)?,
            finished_at: r.try_get(5)?,
            actor: r.try_get(6)?,
        })
    })
    .transpose()
}

pub async fn upsert_vehicles(
    tx: &mut Tx,
    import_id: i64,
    imported_at: i64,
    rows: &[VehicleRecord],
) -> StoreResult<()> {
    for chunk in rows.chunks(super::batch_rows(tx, 8)) {
        let sql = format!(
            "INSERT INTO registry_vehicles (plate, vehicle_type, owner_name, \
             unresolved_violations, legal_status, updated_at, imported_at, import_id) VALUES {} \
             ON CONFLICT (plate) DO UPDATE SET vehicle_type = excluded.vehicle_type, \
             owner_name = excluded.owner_name, \
             unresolved_violations = excluded.unresolved_violations, \
             legal_status = excluded.legal_status, updated_at = excluded.updated_at, \
             imported_at = excluded.imported_at, import_id = excluded.import_id",
            super::value_rows(chunk.len(), 8, 1)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk {
            q = q
                .bind(v.plate.as_str())
                .bind(v.vehicle_type.as_str())
                .bind(v.owner_name.as_str())
                .bind(i64::from(v.unresolved_violations))
                .bind(v.legal_status.as_str())
                .bind(ms(v.updated_at))
                .bind(imported_at)
                .bind(import_id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn upsert_licences(
    tx: &mut Tx,
    import_id: i64,
    imported_at: i64,
    rows: &[NewLicence],
) -> StoreResult<()> {
    for chunk in rows.chunks(super::batch_rows(tx, 12)) {
        let sql = format!(
            "INSERT INTO registry_licences (licence_number, holder_id_hash, holder_name, \
             class_codes, valid_from, valid_until, issuing_office, points, status, address, \
             imported_at, import_id) VALUES {} \
             ON CONFLICT (licence_number) DO UPDATE SET holder_id_hash = excluded.holder_id_hash, \
             holder_name = excluded.holder_name, class_codes = excluded.class_codes, \
             valid_from = excluded.valid_from, valid_until = excluded.valid_until, \
             issuing_office = excluded.issuing_office, points = excluded.points, \
             status = excluded.status, address = excluded.address, \
             imported_at = excluded.imported_at, import_id = excluded.import_id",
            super::value_rows(chunk.len(), 12, 1)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in chunk {
            let l = &n.record;
            q = q
                .bind(l.licence_number.as_str())
                .bind(&n.holder_id_hash[..])
                .bind(l.holder_name.as_str())
                .bind(l.classes.join(" "))
                .bind(date_text(l.valid_from))
                .bind(date_text(l.valid_until))
                .bind(l.issuing_office.as_str())
                .bind(i64::from(l.points))
                .bind(l.status.as_str())
                .bind(l.address.as_str())
                .bind(imported_at)
                .bind(import_id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn upsert_tests(
    tx: &mut Tx,
    import_id: i64,
    imported_at: i64,
    rows: &[NewTest],
) -> StoreResult<()> {
    for chunk in rows.chunks(super::batch_rows(tx, 6)) {
        let sql = format!(
            "INSERT INTO registry_tests (holder_id_hash, sampled_at, result, institution, \
             imported_at, import_id) VALUES {} \
             ON CONFLICT (holder_id_hash, sampled_at) DO UPDATE SET result = excluded.result, \
             institution = excluded.institution, imported_at = excluded.imported_at, \
             import_id = excluded.import_id",
            super::value_rows(chunk.len(), 6, 1)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in chunk {
            q = q
                .bind(&n.holder_id_hash[..])
                .bind(ms(n.record.sampled_at))
                .bind(n.record.result.as_str())
                .bind(n.record.institution.as_str())
                .bind(imported_at)
                .bind(import_id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn upsert_health(
    tx: &mut Tx,
    import_id: i64,
    imported_at: i64,
    rows: &[NewHealth],
) -> StoreResult<()> {
    for chunk in rows.chunks(super::batch_rows(tx, 5)) {
        let sql = format!(
            "INSERT INTO registry_health_codes (holder_id_hash, colour, updated_at, imported_at, \
             import_id) VALUES {} \
             ON CONFLICT (holder_id_hash) DO UPDATE SET colour = excluded.colour, \
             updated_at = excluded.updated_at, imported_at = excluded.imported_at, \
             import_id = excluded.import_id",
            super::value_rows(chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in chunk {
            q = q
                .bind(&n.holder_id_hash[..])
                .bind(n.record.colour.as_str())
                .bind(ms(n.record.updated_at))
                .bind(imported_at)
                .bind(import_id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn vehicle(pool: &sqlx::AnyPool, plate: &Plate) -> StoreResult<Option<VehicleRecord>> {
    let row = sqlx::query(
        "SELECT vehicle_type, owner_name, unresolved_violations, legal_status, updated_at \
         FROM registry_vehicles WHERE plate = $1",
    )
    .bind(plate.as_str())
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let status: String = r.try_get(3)?;
    Ok(Some(VehicleRecord {
        plate: plate.clone(),
        vehicle_type: r.try_get(0)?,
        owner_name: r.try_get(1)?,
        unresolved_violations: count(r.try_get(2)?)?,
        legal_status: VehicleStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("vehicle status {status:?}")))?,
        updated_at: from_ms(r.try_get(4)?)?,
    }))
}

const LICENCE_COLUMNS: &str = "licence_number, holder_name, class_codes, valid_from, \
     valid_until, issuing_office, points, status, address";

fn licence_from_row(r: &AnyRow) -> StoreResult<LicenceRecord> {
    let classes: String = r.try_get(2)?;
    let status: String = r.try_get(7)?;
    Ok(LicenceRecord {
        licence_number: r.try_get(0)?,
        holder_name: r.try_get(1)?,
        classes: classes.split_whitespace().map(str::to_owned).collect(),
        valid_from: parse_date(&r.try_get::<String, _>(3)?)?,
        valid_until: parse_date(&r.try_get::<String, _>(4)?)?,
        issuing_office: r.try_get(5)?,
        points: count(r.try_get(6)?)?,
        status: LicenceStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("licence status {status:?}")))?,
        address: r.try_get(8)?,
    })
}

pub async fn licence(pool: &sqlx::AnyPool, number: &str) -> StoreResult<Option<LicenceRecord>> {
    let sql = format!("SELECT {LICENCE_COLUMNS} FROM registry_licences WHERE licence_number = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(number)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(licence_from_row)
        .transpose()
}

/// The holder's licence; should the registry hold several, the one valid longest.
pub async fn licence_by_holder(
    pool: &sqlx::AnyPool,
    holder_id_hash: &[u8],
) -> StoreResult<Option<LicenceRecord>> {
    let sql = format!(
        "SELECT {LICENCE_COLUMNS} FROM registry_licences WHERE holder_id_hash = $1 \
         ORDER BY valid_until DESC, licence_number LIMIT 1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(holder_id_hash)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(licence_from_row)
        .transpose()
}

/// The most recently sampled test of a person.
pub async fn latest_test(
    pool: &sqlx::AnyPool,
    holder_id_hash: &[u8],
) -> StoreResult<Option<TestRecord>> {
    let row = sqlx::query(
        "SELECT sampled_at, result, institution FROM registry_tests \
         WHERE holder_id_hash = $1 ORDER BY sampled_at DESC LIMIT 1",
    )
    .bind(holder_id_hash)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let result: String = r.try_get(1)?;
    Ok(Some(TestRecord {
        sampled_at: from_ms(r.try_get(0)?)?,
        result: TestResult::parse(&result)
            .ok_or_else(|| corrupt(format!("test result {result:?}")))?,
        institution: r.try_get(2)?,
    }))
}

pub async fn health_code(
    pool: &sqlx::AnyPool,
    holder_id_hash: &[u8],
) -> StoreResult<Option<HealthRecord>> {
    let row = sqlx::query(
        "SELECT colour, updated_at FROM registry_health_codes WHERE holder_id_hash = $1",
    )
    .bind(holder_id_hash)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let colour: String = r.try_get(0)?;
    Ok(Some(HealthRecord {
        colour: HealthColour::parse(&colour)
            .ok_or_else(|| corrupt(format!("health colour {colour:?}")))?,
        updated_at: from_ms(r.try_get(1)?)?,
    }))
}

/// Rows in one registry table (tests and the CLI summary). `table` is one of ours.
pub async fn count_rows(pool: &sqlx::AnyPool, kind: RegistryTable) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) FROM {}", kind.table());
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(pool)
        .await?
        .try_get(0)?)
}

/// The registry tables, so table names in SQL never come from input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryTable {
    Vehicles,
    Licences,
    Tests,
    Health,
    Imports,
}

impl RegistryTable {
    fn table(self) -> &'static str {
        match self {
            RegistryTable::Vehicles => "registry_vehicles",
            RegistryTable::Licences => "registry_licences",
            RegistryTable::Tests => "registry_tests",
            RegistryTable::Health => "registry_health_codes",
            RegistryTable::Imports => "registry_imports",
        }
    }
}
