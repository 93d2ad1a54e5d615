//! Reading a registry file: the header, then every line through the field parsers, collecting
//! each mistake with its line and column.

use std::collections::HashMap;
use std::io::Read;

use time::OffsetDateTime;

use super::{Errors, ImportError, Progress, Rows, columns, problem};
use crate::domain::eligibility::{
    HealthColour, HealthRecord, LicenceRecord, LicenceStatus, TestRecord, TestResult,
    VehicleRecord, VehicleStatus,
};
use crate::pii::PiiKeys;
use crate::registry::RegistryKind;
use crate::registry::fields::{self, FieldError};
use crate::store::registries::{NewHealth, NewLicence, NewTest};

/// The columns' positions in the file, in [`columns`] order; or the header's mistakes.
fn header_positions(
    kind: RegistryKind,
    header: &csv::StringRecord,
    errors: &mut Errors,
) -> Vec<usize> {
    let expected = columns(kind);
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_ascii_lowercase()
        })
        .collect();
    for (i, name) in names.iter().enumerate() {
        if !expected.contains(&name.as_str()) {
            errors.at(
                1,
                name,
                problem(
                    "csv.unknown_column",
                    format!(
                        "表头第 {} 列“{name}”不是 {} 的列（应为 {}）",
                        i + 1,
                        kind.as_str(),
                        expected.join(", ")
                    ),
                    format!(
                        "header column {} {name:?} is not a {} column (expected {})",
                        i + 1,
                        kind.as_str(),
                        expected.join(", ")
                    ),
                ),
            );
        } else if names[..i].contains(name) {
            errors.at(
                1,
                name,
                problem(
                    "csv.duplicate_column",
                    format!("表头中“{name}”出现了两次"),
                    format!("header names {name:?} twice"),
                ),
            );
        }
    }
    let mut positions = Vec::with_capacity(expected.len());
    for col in expected {
        match names.iter().position(|n| n == col) {
            Some(p) => positions.push(p),
            None => errors.at(
                1,
                col,
                problem(
                    "csv.missing_column",
                    format!("表头缺少“{col}”列"),
                    format!("the header lacks the column {col:?}"),
                ),
            ),
        }
    }
    positions
}

/// One data line being parsed; mistakes go straight to the report.
struct Line<'a> {
    record: &'a csv::StringRecord,
    names: &'static [&'static str],
    positions: &'a [usize],
    line: u64,
    errors: &'a mut Errors,
}

impl Line<'_> {
    fn parse<T>(
        &mut self,
        col: &'static str,
        f: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<T> {
        // `col` is always one of `names`: the parse functions below name their own columns.
        let i = self.names.iter().position(|n| *n == col).unwrap_or(0);
        let raw = self.record.get(self.positions[i]).unwrap_or_default();
        match f(raw) {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.at(self.line, col, e);
                None
            }
        }
    }
}

pub(super) fn parse<R: Read>(
    pii: &PiiKeys,
    kind: RegistryKind,
    reader: R,
    progress: &mut impl FnMut(Progress),
) -> Result<(Rows, u64, Errors), ImportError> {
    let mut errors = Errors::default();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut records = csv.records();
    let names = columns(kind);
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            record_error(e, names, &[], &mut errors)?;
            return Ok((empty(kind), 0, errors));
        }
        None => {
            errors.at(
                1,
                "",
                problem(
                    "csv.empty",
                    "文件为空，缺少表头行".into(),
                    "the file is empty: the header row is missing".into(),
                ),
            );
            return Ok((empty(kind), 0, errors));
        }
    };
    let positions = header_positions(kind, &header, &mut errors);
    if !errors.is_empty() {
        return Ok((empty(kind), 0, errors));
    }
    let now = OffsetDateTime::now_utc();
    let mut rows = empty(kind);
    let mut keys: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut read = 0u64;
    for record in records {
        read += 1;
        if read.is_multiple_of(1000) {
            progress(Progress::Reading { rows: read });
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                record_error(e, names, &positions, &mut errors)?;
                continue;
            }
        };
        let line_no = record.position().map_or(read + 1, csv::Position::line);
        if record.len() != header.len() {
            let (code, zh, en) = if record.len() < header.len() {
                ("csv.missing_field", "缺少", "fewer")
            } else {
                ("csv.extra_field", "多出", "more")
            };
            let missing = names
                .iter()
                .zip(&positions)
                .find(|(_, p)| **p >= record.len())
                .map_or("", |(n, _)| *n);
            errors.at(
                line_no,
                missing,
                problem(
                    code,
                    format!(
                        "本行有 {} 列，表头有 {} 列（{zh}字段）",
                        record.len(),
                        header.len()
                    ),
                    format!(
                        "the line has {} fields, {en} than the header's {}",
                        record.len(),
                        header.len()
                    ),
                ),
            );
            continue;
        }
        let mut line = Line {
            record: &record,
            names,
            positions: &positions,
            line: line_no,
            errors: &mut errors,
        };
        let parsed = parse_line(&mut line, &mut rows, pii, now);
        if let Some((key_field, key)) = parsed
            && let Some(first) = keys.insert(key, line_no)
        {
            errors.at(
                line_no,
                key_field,
                problem(
                    "csv.duplicate_key",
                    format!("与第 {first} 行重复"),
                    format!("duplicates line {first}"),
                ),
            );
        }
    }
    progress(Progress::Reading { rows: read });
    if read == 0 && errors.is_empty() {
        errors.at(
            1,
            "",
            problem(
                "csv.no_rows",
                "文件只有表头，没有数据行".into(),
                "the file has a header but no rows".into(),
            ),
        );
    }
    Ok((rows, read, errors))
}

fn empty(kind: RegistryKind) -> Rows {
    match kind {
        RegistryKind::Vehicles => Rows::Vehicles(Vec::new()),
        RegistryKind::Licences => Rows::Licences(Vec::new()),
        RegistryKind::Tests => Rows::Tests(Vec::new()),
        RegistryKind::Health => Rows::Health(Vec::new()),
    }
}

/// A record the CSV reader could not give: an I/O failure stops the import, anything else
/// (text that is not UTF-8, a broken quote) is a mistake on that line.
fn record_error(
    e: csv::Error,
    names: &[&str],
    positions: &[usize],
    errors: &mut Errors,
) -> Result<(), ImportError> {
    let line = e.position().map_or(0, csv::Position::line);
    match e.kind() {
        csv::ErrorKind::Io(io) => Err(ImportError::Read(io.to_string())),
        csv::ErrorKind::Utf8 { err, .. } => {
            let field = positions
                .iter()
                .position(|p| *p == err.field())
                .map_or("", |i| names[i]);
            errors.at(
                line,
                field,
                problem(
                    "csv.not_utf8",
                    "不是 UTF-8 编码的文本；请将文件另存为 UTF-8".into(),
                    "the text is not UTF-8; save the file as UTF-8".into(),
                ),
            );
            Ok(())
        }
        _ => {
            errors.at(
                line,
                "",
                problem(
                    "csv.malformed",
                    format!("CSV 格式错误：{e}"),
                    format!("malformed CSV: {e}"),
                ),
            );
            Ok(())
        }
    }
}

/// Parses one line into `rows`; gives the key (column, bytes) when the line is good.
fn parse_line(
    line: &mut Line<'_>,
    rows: &mut Rows,
    pii: &PiiKeys,
    now: OffsetDateTime,
) -> Option<(&'static str, Vec<u8>)> {
    match rows {
        Rows::Vehicles(out) => {
            let plate = line.parse("plate", fields::plate);
            let vehicle_type = line.parse("vehicle_type", fields::text);
            let owner_name = line.parse("owner_name", fields::text);
            let violations = line.parse("unresolved_violations", fields::count);
            let status = line.parse("legal_status", |s| {
                fields::status(s, VehicleStatus::parse, &VehicleStatus::codes())
            });
            let updated_at = line.parse("updated_at", |s| fields::past_timestamp(s, now));
            let (
                Some(plate),
                Some(vehicle_type),
                Some(owner_name),
                Some(unresolved_violations),
                Some(legal_status),
                Some(updated_at),
            ) = (
                plate,
                vehicle_type,
                owner_name,
                violations,
                status,
                updated_at,
            )
            else {
                return None;
            };
            let key = plate.as_str().as_bytes().to_vec();
            out.push(VehicleRecord {
                plate,
                vehicle_type,
                owner_name,
                unresolved_violations,
                legal_status,
                updated_at,
            });
            Some(("plate", key))
        }
        Rows::Licences(out) => {
            let number = line.parse("licence_number", fields::licence_number);
            let holder = line.parse("holder_id_number", fields::id_number);
            let holder_name = line.parse("holder_name", fields::text);
            let classes = line.parse("classes", fields::licence_classes);
            let valid_from = line.parse("valid_from", fields::date);
            let valid_until = line.parse("valid_until", fields::date);
            let office = line.parse("issuing_office", fields::text);
            let points = line.parse("points", fields::count);
            let status = line.parse("status", |s| {
                fields::status(s, LicenceStatus::parse, &LicenceStatus::codes())
            });
            let address = line.parse("address", fields::optional_text);
            let (
                Some(licence_number),
                Some(holder),
                Some(holder_name),
                Some(classes),
                Some(valid_from),
                Some(valid_until),
                Some(issuing_office),
                Some(points),
                Some(status),
                Some(address),
            ) = (
                number,
                holder,
                holder_name,
                classes,
                valid_from,
                valid_until,
                office,
                points,
                status,
                address,
            )
            else {
                return None;
            };
            if valid_until < valid_from {
                line.parse("valid_until", |_| -> Result<(), FieldError> {
                    Err(problem(
                        "licence.until_before_from",
                        format!("有效期止 {valid_until} 早于有效期起 {valid_from}"),
                        format!("valid until {valid_until} is before valid from {valid_from}"),
                    ))
                });
                return None;
            }
            let key = licence_number.as_bytes().to_vec();
            out.push(NewLicence {
                holder_id_hash: pii.lookup_hash(&holder),
                record: LicenceRecord {
                    licence_number,
                    holder_name,
                    classes,
                    valid_from,
                    valid_until,
                    issuing_office,
                    points,
                    status,
                    address,
                },
            });
            Some(("licence_number", key))
        }
        Rows::Tests(out) => {
            let holder = line.parse("holder_id_number", fields::id_number);
            let sampled_at = line.parse("sampled_at", |s| fields::past_timestamp(s, now));
            let result = line.parse("result", |s| {
                fields::status(s, TestResult::parse, &TestResult::codes())
            });
            let institution = line.parse("institution", fields::text);
            let (Some(holder), Some(sampled_at), Some(result), Some(institution)) =
                (holder, sampled_at, result, institution)
            else {
                return None;
            };
            let hash = pii.lookup_hash(&holder);
            let mut key = hash.to_vec();
            // Milliseconds, the precision stored: two samples in one millisecond are one row.
            key.extend_from_slice(&(sampled_at.unix_timestamp_nanos() / 1_000_000).to_be_bytes());
            out.push(NewTest {
                holder_id_hash: hash,
                record: TestRecord {
                    sampled_at,
                    result,
                    institution,
                },
            });
            Some(("sampled_at", key))
        }
        Rows::Health(out) => {
            let holder = line.parse("holder_id_number", fields::id_number);
            let colour = line.parse("colour", |s| {
                fields::status(s, HealthColour::parse, &HealthColour::codes())
            });
            let updated_at = line.parse("updated_at", |s| fields::past_timestamp(s, now));
            let (Some(holder), Some(colour), Some(updated_at)) = (holder, colour, updated_at)
            else {
                return None;
            };
            let hash = pii.lookup_hash(&holder);
            out.push(NewHealth {
                holder_id_hash: hash,
                record: HealthRecord { colour, updated_at },
            });
            Some(("holder_id_number", hash.to_vec()))
        }
    }
}
