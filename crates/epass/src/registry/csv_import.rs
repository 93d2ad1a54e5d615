//! `epass registry import KIND FILE.csv`: all or nothing.
//!
//! Every line is parsed first, with the same field parsers as the rest of epass (plates, ID
//! numbers, dates; see [`super::fields`]). If any line is wrong, nothing is written and the
//! report lists every mistake found (line, column, what is wrong in Chinese and English).
//! Otherwise all rows are upserted in one transaction, stamped with a new `registry_imports`
//! batch, with one `registry.imported` audit event. Rows already present (same key) are
//! replaced; rows absent from the file are kept.
//!
//! Files are UTF-8 CSV (a byte-order mark is allowed), comma-separated, with a header row
//! naming the columns (any order, lower case, no extras). Keys must be unique within a file.
//!
//! | KIND       | columns (key in bold) | values |
//! |------------|-----------------------|--------|
//! | `vehicles` | **`plate`**, `vehicle_type`, `owner_name`, `unresolved_violations`, `legal_status`, `updated_at` | plate as on the vehicle (`蒙K12345`); violations a whole number ≥ 0; status `normal`, `inspection_overdue`, `scrapped`, `stolen`, `seized`, `deregistered`; time (not in the future) |
//! | `licences` | **`licence_number`**, `holder_id_number`, `holder_name`, `classes`, `valid_from`, `valid_until`, `issuing_office`, `points`, `status`, `address` | file number (档案编号, 6–32 letters/digits, not the ID number); 18-character ID number (stored only as its keyed hash); classes like `A2 C1`; dates; points ≥ 0; status `valid`, `detained`, `suspended`, `overdue_exam`, `overdue_review`, `cancelled`; address may be empty |
//! | `tests`    | **`holder_id_number`**, **`sampled_at`**, `result`, `institution` | ID number; sample time (not in the future); `negative` or `positive` |
//! | `health`   | **`holder_id_number`**, `colour`, `updated_at` | ID number; `green`, `yellow` or `red`; time (not in the future) |
//!
//! Times: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DD` (the last two in China time).
//! Dates: `YYYY-MM-DD`. Text values are trimmed and at most 200 characters.

mod parse;

use std::io::Read;

use super::RegistryKind;
use super::fields::FieldError;
use crate::domain::eligibility::VehicleRecord;
use crate::pii::PiiKeys;
use crate::store::audit::{self, NewEvent};
use crate::store::registries::{self, NewHealth, NewLicence, NewTest};
use crate::store::{Db, StoreError, now_ms};

/// At most this many line errors are kept in a report; the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = 1000;
/// Rows per store call while writing, i.e. how often progress is reported.
const WRITE_CHUNK: usize = 5000;

/// The columns of each kind, key columns first.
#[must_use]
pub fn columns(kind: RegistryKind) -> &'static [&'static str] {
    match kind {
        RegistryKind::Vehicles => &[
            "plate",
            "vehicle_type",
            "owner_name",
            "unresolved_violations",
            "legal_status",
            "updated_at",
        ],
        RegistryKind::Licences => &[
            "licence_number",
            "holder_id_number",
            "holder_name",
            "classes",
            "valid_from",
            "valid_until",
            "issuing_office",
            "points",
            "status",
            "address",
        ],
        RegistryKind::Tests => &["holder_id_number", "sampled_at", "result", "institution"],
        RegistryKind::Health => &["holder_id_number", "colour", "updated_at"],
    }
}

/// Where the file came from, for the batch record and the audit event.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    pub file_name: &'a str,
    /// Who ran the import (the operator's name on the command line).
    pub actor: &'a str,
}

/// Reported while an import runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Lines parsed so far.
    Reading { rows: u64 },
    /// Rows written so far, of `total`.
    Writing { rows: u64, total: u64 },
}

/// One mistake in the file. Line 1 is the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    /// The column, or empty when the mistake is not about one column.
    pub field: String,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

/// What an import did: either rows written under `import_id`, or errors and nothing written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub kind: RegistryKind,
    /// Data lines read.
    pub rows: u64,
    /// The batch id when the rows were written.
    pub import_id: Option<i64>,
    /// The first [`MAX_REPORTED_ERRORS`] mistakes, in file order.
    pub errors: Vec<LineError>,
    /// Mistakes found beyond those listed.
    pub errors_omitted: u64,
}

impl ImportReport {
    /// True when the rows were written.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.import_id.is_some()
    }

    /// Every mistake found, listed or not.
    #[must_use]
    pub fn error_count(&self) -> u64 {
        self.errors.len() as u64 + self.errors_omitted
    }
}

/// Why an import could not be carried out at all (the file's content is never the reason:
/// that gives a report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("cannot read the file: {0}")]
    Read(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parsed rows of one kind.
enum Rows {
    Vehicles(Vec<VehicleRecord>),
    Licences(Vec<NewLicence>),
    Tests(Vec<NewTest>),
    Health(Vec<NewHealth>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Vehicles(v) => v.len(),
            Rows::Licences(v) => v.len(),
            Rows::Tests(v) => v.len(),
            Rows::Health(v) => v.len(),
        }
    }
}

#[derive(Default)]
struct Errors {
    kept: Vec<LineError>,
    omitted: u64,
}

impl Errors {
    fn push(&mut self, e: LineError) {
        if self.kept.len() < MAX_REPORTED_ERRORS {
            self.kept.push(e);
        } else {
            self.omitted += 1;
        }
    }

    fn at(&mut self, line: u64, field: &str, e: FieldError) {
        self.push(LineError {
            line,
            field: field.to_owned(),
            code: e.code,
            zh: e.zh,
            en: e.en,
        });
    }

    fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.omitted == 0
    }
}

fn problem(code: &'static str, zh: String, en: String) -> FieldError {
    FieldError { code, zh, en }
}

/// Imports one registry file; see the module documentation for the rules.
///
/// # Errors
/// [`ImportError::Read`] when the reader fails, [`ImportError::Store`] when the database does;
/// in both cases nothing was written.
pub async fn import<R: Read>(
    db: &Db,
    pii: &PiiKeys,
    kind: RegistryKind,
    origin: &Origin<'_>,
    reader: R,
    mut progress: impl FnMut(Progress),
) -> Result<ImportReport, ImportError> {
    let started_at = now_ms();
    let (rows, read, errors) = parse::parse(pii, kind, reader, &mut progress)?;
    let mut report = ImportReport {
        kind,
        rows: read,
        import_id: None,
        errors: errors.kept,
        errors_omitted: errors.omitted,
    };
    if !report.errors.is_empty() || report.errors_omitted > 0 {
        return Ok(report);
    }
    let total = rows.len() as u64;
    let mut tx = db.begin().await?;
    let id = registries::begin_import(
        &mut tx,
        kind.as_str(),
        origin.file_name,
        origin.actor,
        started_at,
    )
    .await?;
    let at = now_ms();
    let mut written = 0u64;
    macro_rules! write_chunks {
        ($rows:expr, $upsert:path) => {
            for chunk in $rows.chunks(WRITE_CHUNK) {
                $upsert(&mut tx, id, at, chunk).await?;
                written += chunk.len() as u64;
                progress(Progress::Writing {
                    rows: written,
                    total,
                });
            }
        };
    }
    match &rows {
        Rows::Vehicles(v) => write_chunks!(v, registries::upsert_vehicles),
        Rows::Licences(v) => write_chunks!(v, registries::upsert_licences),
        Rows::Tests(v) => write_chunks!(v, registries::upsert_tests),
        Rows::Health(v) => write_chunks!(v, registries::upsert_health),
    }
    let count = i64::try_from(total).unwrap_or(i64::MAX);
    registries::finish_import(&mut tx, id, count, now_ms()).await?;
    let event = NewEvent {
        action: "registry.imported",
        object_type: "registry_import",
        object_id: id.to_string(),
        after: Some(serde_json::json!({
            "kind": kind.as_str(),
            "rows": total,
            "file": origin.file_name,
            "actor": origin.actor,
        })),
        ..NewEvent::default()
    };
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    report.import_id = Some(id);
    Ok(report)
}
