//! Where eligibility facts come from, and the checks run against them (SPEC §3.4).
//!
//! A [`RegistrySource`] answers "what does the registry know about this plate / person":
//! [`LocalRegistry`] reads the tables the authority fills with `epass registry import`
//! ([`csv_import`]), [`HttpRegistry`] asks an external system (its JSON contract is in
//! [`http`]). [`evaluate`] runs a pass type's checks and gives one outcome per check. A source
//! that cannot answer (timeout, HTTP error, malformed answer, database error) gives
//! [`CheckOutcome::CouldNotCheck`] with the reason in both languages — never a pass.

pub mod csv_import;
pub mod fields;
pub mod http;
pub mod local;

use std::time::Duration;

pub use csv_import::{ImportError, ImportReport, LineError, Origin, Progress, import};
pub use http::HttpRegistry;
pub use local::LocalRegistry;

use crate::domain::eligibility::{
    self, Check, CheckOutcome, Facts, HealthRecord, LicenceRecord, TestRecord, VehicleRecord,
};
use crate::domain::ids::{IdNumber, Plate};
use crate::store::StoreError;

/// The four registries, as named on the command line and in `registry_imports.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum RegistryKind {
    /// Vehicles: legal status and unresolved violations.
    Vehicles,
    /// Driving licences.
    Licences,
    /// Nucleic-acid test results.
    Tests,
    /// Health codes.
    Health,
}

impl RegistryKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryKind::Vehicles => "vehicles",
            RegistryKind::Licences => "licences",
            RegistryKind::Tests => "tests",
            RegistryKind::Health => "health",
        }
    }
}

/// Why a registry could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    #[error("the registry did not answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error("cannot reach the registry: {0}")]
    Unreachable(String),
    #[error("the registry answered with HTTP status {0}")]
    Status(u16),
    #[error("the registry's answer is malformed: {0}")]
    Malformed(String),
    #[error("the registry tables cannot be read: {0}")]
    Store(#[from] StoreError),
}

impl RegistryError {
    /// The reviewer-facing outcome for `check`: which check could not be made, and why.
    #[must_use]
    pub fn outcome(&self, check: Check) -> CheckOutcome {
        let (code, zh, en) = match self {
            RegistryError::Timeout(t) => (
                "registry.timeout",
                format!("外部登记系统在 {} 毫秒内没有应答", t.as_millis()),
                format!(
                    "the external registry did not answer within {} ms",
                    t.as_millis()
                ),
            ),
            RegistryError::Unreachable(why) => (
                "registry.unreachable",
                format!("无法连接外部登记系统（{why}）"),
                format!("the external registry cannot be reached ({why})"),
            ),
            RegistryError::Status(status) => (
                "registry.status",
                format!("外部登记系统返回错误状态 HTTP {status}"),
                format!("the external registry answered with HTTP status {status}"),
            ),
            RegistryError::Malformed(why) => (
                "registry.malformed",
                format!("外部登记系统的应答格式不正确（{why}）"),
                format!("the external registry's answer is malformed ({why})"),
            ),
            RegistryError::Store(_) => (
                "registry.database",
                "登记数据暂时无法读取".to_owned(),
                "the registry tables cannot be read right now".to_owned(),
            ),
        };
        CheckOutcome::could_not_check(check, code, &zh, &en)
    }
}

/// A registry the checks can ask. `Ok(None)` means "no record", which fails the check; `Err`
/// means the registry could not be asked, which makes the check "could not check".
#[async_trait::async_trait]
pub trait RegistrySource: Send + Sync + std::fmt::Debug {
    async fn vehicle(&self, plate: &Plate) -> Result<Option<VehicleRecord>, RegistryError>;
    /// A licence by its file number (档案编号).
    async fn licence(&self, number: &str) -> Result<Option<LicenceRecord>, RegistryError>;
    /// The licence of the person with this ID number.
    async fn licence_by_holder(
        &self,
        id: &IdNumber,
    ) -> Result<Option<LicenceRecord>, RegistryError>;
    /// The person's most recently sampled nucleic-acid test.
    async fn latest_test(&self, id: &IdNumber) -> Result<Option<TestRecord>, RegistryError>;
    async fn health_code(&self, id: &IdNumber) -> Result<Option<HealthRecord>, RegistryError>;
}

/// Runs `checks` against `source` for the subject of an application, one outcome per check in
/// the order given. [`Check::OnePassPerVehicle`] is left out: the database enforces it when a
/// pass is issued. Look-ups run one after the other, so with an HTTP source the worst case is
/// one time-out per check.
pub async fn evaluate<S: RegistrySource + ?Sized>(
    source: &S,
    checks: &[Check],
    facts: &Facts,
) -> Vec<(Check, CheckOutcome)> {
    let mut outcomes = Vec::with_capacity(checks.len());
    for &check in checks {
        let outcome = match check {
            Check::OnePassPerVehicle => continue,
            Check::IdValid => eligibility::id_valid(
                facts.id_number.as_ref(),
                facts.id_card_valid_until,
                facts.travel,
            ),
            Check::VehicleLegal => match &facts.plate {
                None => eligibility::not_given(check, "车牌号码", "plate"),
                Some(plate) => match source.vehicle(plate).await {
                    Ok(record) => eligibility::vehicle_legal(plate, record.as_ref()),
                    Err(e) => could_not(check, &e),
                },
            },
            Check::LicenceValid => match &facts.id_number {
                None => eligibility::not_given(check, "身份证号码", "ID number"),
                Some(id) => match source.licence_by_holder(id).await {
                    Ok(record) => eligibility::licence_valid(
                        record.as_ref(),
                        facts.licence_number.as_deref(),
                        facts.travel,
                    ),
                    Err(e) => could_not(check, &e),
                },
            },
            Check::NegativeTestWithinHours { hours } => match &facts.id_number {
                None => eligibility::not_given(check, "身份证号码", "ID number"),
                Some(id) => match source.latest_test(id).await {
                    Ok(record) => eligibility::negative_test_within(
                        record.as_ref(),
                        hours,
                        facts.travel.start,
                    ),
                    Err(e) => could_not(check, &e),
                },
            },
            Check::HealthCodeGreen => match &facts.id_number {
                None => eligibility::not_given(check, "身份证号码", "ID number"),
                Some(id) => match source.health_code(id).await {
                    Ok(record) => eligibility::health_code_green(record.as_ref()),
                    Err(e) => could_not(check, &e),
                },
            },
        };
        outcomes.push((check, outcome));
    }
    outcomes
}

fn could_not(check: Check, e: &RegistryError) -> CheckOutcome {
    tracing::warn!(check = check.code(), error = %e, "eligibility check could not be made");
    e.outcome(check)
}
