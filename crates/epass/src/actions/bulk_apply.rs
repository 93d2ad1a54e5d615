//! Bulk application from a CSV file, for fleets: all or nothing.
//!
//! An organisation admin sends one file for one pass type: UTF-8 (a byte-order mark is
//! allowed), comma-separated, a header row naming form field keys of the type (any order; every
//! required field; optional ones may be left out), then one application per line. Every line is
//! checked exactly as a single application is (form, period, holder, eligibility), and two lines
//! for the same vehicle over overlapping days are refused. If any line is wrong nothing is
//! filed and the report lists each mistake (line, field, code, Chinese, English); otherwise
//! every application is filed in one transaction, each with its audit event, the organisation
//! applying and doing level 1.

use std::collections::HashMap;

use serde::Serialize;

use super::applications::{Prepared, prepare, require_open};
use super::{ActionError, ActionResult, Caller};
use crate::domain::roles::Role;
use crate::pii::PiiKeys;
use crate::registry::RegistrySource;
use crate::store::applications::{self, Application};
use crate::store::{Db, StoreError, audit, now_ms, orgs, pass_types, users};

/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 2 << 20;
/// Most applications in one file.
pub const MAX_ROWS: usize = 2000;
/// At most this many mistakes are listed; the rest are counted.
pub const MAX_REPORTED: usize = 1000;

/// One mistake in the file. Line 1 is the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    pub line: u64,
    /// The column (form field key or eligibility check), or empty for the whole line.
    pub field: String,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

/// What a bulk application did.
#[derive(Debug)]
pub enum BulkOutcome {
    /// Every line filed, in file order.
    Filed(Vec<Application>),
    /// Nothing filed: the mistakes, and how many more were not listed.
    Refused {
        rows: u64,
        errors: Vec<LineError>,
        omitted: u64,
    },
}

/// Where the applications go.
#[derive(Clone, Copy, Debug)]
pub struct BulkTarget {
    pub pass_type_id: i64,
    /// The organisation applying; the caller's own when absent.
    pub org_id: Option<i64>,
    /// The admin accepted the type's agreement for every line.
    pub agreed: bool,
}

#[derive(Default)]
struct Report {
    errors: Vec<LineError>,
    omitted: u64,
}

impl Report {
    fn push(&mut self, line: u64, field: &str, code: &'static str, zh: String, en: String) {
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(LineError {
                line,
                field: field.to_owned(),
                code,
                zh,
                en,
            });
        } else {
            self.omitted += 1;
        }
    }

    /// A line's refusal by the single-application checks; false for errors that are not about
    /// the line (the database failing), which the caller passes on.
    fn refusal(&mut self, line: u64, e: &ActionError) -> bool {
        match e {
            ActionError::InvalidForm(errors) | ActionError::Ineligible(errors) => {
                for fe in errors {
                    self.push(line, &fe.key, fe.code, fe.zh.clone(), fe.en.clone());
                }
                true
            }
            ActionError::Invalid {
                field,
                code,
                zh,
                en,
                ..
            } => {
                self.push(line, field, code, zh.clone(), en.clone());
                true
            }
            _ => false,
        }
    }

    fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.omitted == 0
    }
}

/// Files every line of `csv` as an application of the caller's organisation, or none.
pub async fn bulk_apply(
    db: &Db,
    pii: &PiiKeys,
    registry: &dyn RegistrySource,
    caller: &Caller,
    target: BulkTarget,
    csv: &[u8],
) -> ActionResult<BulkOutcome> {
    caller.require_scope("applications:write")?;
    let org_id = match target.org_id {
        Some(id) => id,
        None => users::get(db.pool(), caller.user_id)
            .await?
            .org_id
            .ok_or(ActionError::Forbidden)?,
    };
    let org = orgs::get(db.pool(), org_id).await?;
    let role = caller.require_any(&[Role::OrgAdmin], &org.path)?;
    let pt = pass_types::get(db.pool(), target.pass_type_id).await?;
    let now = now_ms();
    require_open(&pt, target.agreed, now)?;
    if csv.len() > MAX_BYTES {
        return Err(ActionError::invalid_msg(
            "file",
            "bulk.too_large",
            &format!("文件不得超过 {} KB。", MAX_BYTES >> 10),
            &format!("The file may be at most {} KB.", MAX_BYTES >> 10),
        ));
    }
    let calendar = crate::actions::pass_types::calendar(db, pt.authority_id).await?;

    let mut report = Report::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h
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
            .collect(),
        Some(Err(e)) => {
            report.push(
                1,
                "",
                "csv.malformed",
                format!("CSV 格式错误：{e}"),
                format!("malformed CSV: {e}"),
            );
            Vec::new()
        }
        None => {
            report.push(
                1,
                "",
                "csv.empty",
                "文件为空，缺少表头行".into(),
                "the file is empty: the header row is missing".into(),
            );
            Vec::new()
        }
    };
    for (i, name) in header.iter().enumerate() {
        if pt.definition.field(name).is_none() {
            let keys: Vec<&str> = pt.definition.form.iter().map(|f| f.key.as_str()).collect();
            report.push(
                1,
                name,
                "csv.unknown_column",
                format!(
                    "表头第 {} 列“{name}”不是该类通行证的字段（应为 {}）",
                    i + 1,
                    keys.join(", ")
                ),
                format!(
                    "header column {} {name:?} is not a field of this pass type (expected {})",
                    i + 1,
                    keys.join(", ")
                ),
            );
        } else if header[..i].contains(name) {
            report.push(
                1,
                name,
                "csv.duplicate_column",
                format!("表头中“{name}”出现了两次"),
                format!("header names {name:?} twice"),
            );
        }
    }
    if !header.is_empty() {
        for f in pt.definition.form.iter().filter(|f| f.required) {
            if !header.contains(&f.key) {
                report.push(
                    1,
                    &f.key,
                    "csv.missing_column",
                    format!("表头缺少必填字段“{}”列", f.key),
                    format!("the header lacks the required column {:?}", f.key),
                );
            }
        }
    }
    if !report.is_empty() {
        return Ok(BulkOutcome::Refused {
            rows: 0,
            errors: report.errors,
            omitted: report.omitted,
        });
    }

    let mut prepared: Vec<Prepared> = Vec::new();
    // plate → (line, from, until) of the lines so far, to refuse a vehicle twice at once.
    let mut vehicles: HashMap<String, Vec<(u64, i64, i64)>> = HashMap::new();
    let mut rows = 0u64;
    for record in records {
        rows += 1;
        if rows as usize > MAX_ROWS {
            report.push(
                rows + 1,
                "",
                "bulk.too_many_rows",
                format!("一个文件最多 {MAX_ROWS} 行申请"),
                format!("a file may hold at most {MAX_ROWS} applications"),
            );
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(rows + 1, csv::Position::line);
                report.push(
                    line,
                    "",
                    "csv.malformed",
                    format!("CSV 格式错误：{e}"),
                    format!("malformed CSV: {e}"),
                );
                continue;
            }
        };
        let line = record.position().map_or(rows + 1, csv::Position::line);
        if record.len() != header.len() {
            report.push(
                line,
                "",
                "csv.field_count",
                format!("本行有 {} 列，表头有 {} 列", record.len(), header.len()),
                format!(
                    "the line has {} fields, the header {}",
                    record.len(),
                    header.len()
                ),
            );
            continue;
        }
        let values: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.trim().to_owned())))
            .collect();
        match prepare(db, pii, registry, &pt, &calendar, &values, None, now).await {
            Ok(p) => {
                if let Some(plate) = &p.plate {
                    let seen = vehicles.entry(plate.clone()).or_default();
                    if let Some((first, ..)) = seen
                        .iter()
                        .find(|(_, from, until)| *from < p.valid_until && p.valid_from < *until)
                    {
                        report.push(
                            line,
                            "plate",
                            "bulk.duplicate_vehicle",
                            format!("车辆 {plate} 与第 {first} 行的有效期重叠（一车一证）"),
                            format!(
                                "vehicle {plate} overlaps line {first} (one vehicle, one pass)"
                            ),
                        );
                    }
                    seen.push((line, p.valid_from, p.valid_until));
                }
                prepared.push(p);
            }
            Err(e) => {
                if !report.refusal(line, &e) {
                    return Err(e);
                }
            }
        }
    }
    if rows == 0 {
        report.push(
            1,
            "",
            "csv.no_rows",
            "文件只有表头，没有数据行".into(),
            "the file has a header but no rows".into(),
        );
    }
    if !report.is_empty() {
        return Ok(BulkOutcome::Refused {
            rows,
            errors: report.errors,
            omitted: report.omitted,
        });
    }

    let actor = caller.actor(Some(role));
    let mut tx = db.begin().await?;
    let mut filed = Vec::with_capacity(prepared.len());
    for p in &prepared {
        let app = applications::insert(
            &mut tx,
            &p.new_application(&pt, caller.user_id, Some(org.id), None),
        )
        .await?;
        let mut event = actor.event("application.submitted", "application", app.id);
        let mut after = p.audited(&pt);
        after["bulk"] = serde_json::json!(true);
        event.after = Some(after);
        audit::insert(&mut tx, &event).await?;
        filed.push(app);
    }
    let mut event = actor.event("applications.bulk_submitted", "org", org.id);
    event.after = Some(serde_json::json!({
        "pass_type": pt.code, "rows": filed.len(),
        "first_id": filed.first().map(|a| a.id), "last_id": filed.last().map(|a| a.id),
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(BulkOutcome::Filed(filed))
}
