//! Eligibility checks (SPEC §3.4): the vocabulary a pass type names, and the pure rules that
//! turn registry facts and the time of travel into an outcome saying which check and why.
//!
//! Reading the registries is elsewhere (`crate::registry`); here nothing does I/O, so every
//! rule is tested with plain values. A missing registry record is a failure ("no record"), never
//! a pass; a registry that could not be asked is [`CheckOutcome::CouldNotCheck`], built by the
//! caller with [`CheckOutcome::could_not_check`].

mod records;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, UtcOffset};

pub use records::{
    FULL_POINTS, HealthColour, HealthRecord, LICENCE_CLASSES, LicenceRecord, LicenceStatus,
    TestRecord, TestResult, VehicleRecord, VehicleStatus,
};

use crate::domain::ids::{IdNumber, Plate};

/// The checks are the ones pass types name (see [`crate::domain::pass_type::Check`]).
pub use crate::domain::pass_type::Check;

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CheckOutcome {
    Passed,
    /// The facts rule the applicant out; the sentences say which check and why.
    Failed {
        code: String,
        zh: String,
        en: String,
    },
    /// The registry could not be asked (timeout, error, malformed answer). The reviewer
    /// decides; this is never treated as a pass.
    CouldNotCheck {
        code: String,
        zh: String,
        en: String,
    },
}

impl CheckOutcome {
    fn failed(code: &str, zh: String, en: String) -> Self {
        CheckOutcome::Failed {
            code: code.to_owned(),
            zh,
            en,
        }
    }

    /// "Could not check X: reason", from a reason in both languages.
    #[must_use]
    pub fn could_not_check(check: Check, code: &str, zh_reason: &str, en_reason: &str) -> Self {
        CheckOutcome::CouldNotCheck {
            code: code.to_owned(),
            zh: format!("无法核验“{}”：{zh_reason}", check.zh()),
            en: format!("could not check \"{}\": {en_reason}", check.en()),
        }
    }

    #[must_use]
    pub fn is_passed(&self) -> bool {
        matches!(self, CheckOutcome::Passed)
    }

    /// The stable code, if not passed.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            CheckOutcome::Passed => None,
            CheckOutcome::Failed { code, .. } | CheckOutcome::CouldNotCheck { code, .. } => {
                Some(code)
            }
        }
    }
}

/// The period a pass is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TravelWindow {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

/// What an application says about its subject, which the checks compare with the registries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub id_number: Option<IdNumber>,
    /// Expiry of the ID card, when the applicant gave it.
    pub id_card_valid_until: Option<Date>,
    pub plate: Option<Plate>,
    /// The licence file number the applicant gave, if any; it must match the registry's.
    pub licence_number: Option<String>,
    pub travel: TravelWindow,
}

const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+8 is a valid offset"),
};

/// A time as people in China read it: `2026-11-19 08:30`.
#[must_use]
pub fn china_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(CHINA);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The calendar date in China at an instant.
#[must_use]
pub fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// The application lacks the fact a check needs (e.g. no plate for a vehicle check).
#[must_use]
pub fn not_given(check: Check, zh_what: &str, en_what: &str) -> CheckOutcome {
    CheckOutcome::failed(
        &format!("{}.not_given", check.code()),
        format!("{}：申请中没有填写{zh_what}", check.zh()),
        format!("{}: the application gives no {en_what}", check.en()),
    )
}

/// No registry record for the subject.
#[must_use]
pub fn no_record(check: Check, zh_what: &str, en_what: &str) -> CheckOutcome {
    CheckOutcome::failed(
        &format!("{}.no_record", check.code()),
        format!("{}：登记系统中没有{zh_what}的记录", check.zh()),
        format!("{}: no record of {en_what} in the registry", check.en()),
    )
}

/// [`Check::IdValid`].
#[must_use]
pub fn id_valid(
    id: Option<&IdNumber>,
    card_valid_until: Option<Date>,
    travel: TravelWindow,
) -> CheckOutcome {
    let check = Check::IdValid;
    if id.is_none() {
        return not_given(check, "身份证号码", "ID number");
    }
    match card_valid_until {
        Some(until) if until < china_date(travel.start) => CheckOutcome::failed(
            "id_valid.card_expired",
            format!("身份证件有效期至 {until}，早于出行开始日期"),
            format!("the ID card expired on {until}, before travel starts"),
        ),
        _ => CheckOutcome::Passed,
    }
}

/// [`Check::VehicleLegal`].
#[must_use]
pub fn vehicle_legal(plate: &Plate, record: Option<&VehicleRecord>) -> CheckOutcome {
    let Some(v) = record else {
        return no_record(
            Check::VehicleLegal,
            &format!("车辆 {}", plate.as_str()),
            &format!("vehicle {}", plate.as_str()),
        );
    };
    if v.legal_status != VehicleStatus::Normal {
        return CheckOutcome::failed(
            "vehicle_legal.status",
            format!("车辆 {} 状态为“{}”", plate.as_str(), v.legal_status.zh()),
            format!("vehicle {} is {}", plate.as_str(), v.legal_status.en()),
        );
    }
    match v.unresolved_violations {
        0 => CheckOutcome::Passed,
        n => CheckOutcome::failed(
            "vehicle_legal.violations",
            format!("车辆有 {n} 条未处理的交通违法记录"),
            format!(
                "the vehicle has {n} unresolved traffic violation{}",
                if n == 1 { "" } else { "s" }
            ),
        ),
    }
}

/// [`Check::LicenceValid`]: status valid, points below [`FULL_POINTS`], valid over the whole
/// travel window, and the number the applicant gave (if any) is the registry's.
#[must_use]
pub fn licence_valid(
    record: Option<&LicenceRecord>,
    given_number: Option<&str>,
    travel: TravelWindow,
) -> CheckOutcome {
    let Some(l) = record else {
        return no_record(
            Check::LicenceValid,
            "申请人驾驶证",
            "the applicant's driving licence",
        );
    };
    if let Some(given) = given_number
        && given.trim() != l.licence_number
    {
        return CheckOutcome::failed(
            "licence_valid.number_mismatch",
            format!("填写的驾驶证档案编号 {given} 与登记的不一致"),
            format!("the licence number given ({given}) is not the one on record"),
        );
    }
    if l.status != LicenceStatus::Valid {
        return CheckOutcome::failed(
            "licence_valid.status",
            format!("驾驶证状态为“{}”", l.status.zh()),
            format!("the driving licence is {}", l.status.en()),
        );
    }
    if l.points >= FULL_POINTS {
        return CheckOutcome::failed(
            "licence_valid.points_full",
            format!("驾驶证累计记分 {} 分，已满 {FULL_POINTS} 分", l.points),
            format!(
                "the driving licence has {} points, the limit is {FULL_POINTS}",
                l.points
            ),
        );
    }
    let (from, until) = (china_date(travel.start), china_date(travel.end));
    if l.valid_from > from {
        return CheckOutcome::failed(
            "licence_valid.not_yet_valid",
            format!("驾驶证自 {} 起有效，晚于出行开始日期", l.valid_from),
            format!(
                "the driving licence is valid from {}, after travel starts",
                l.valid_from
            ),
        );
    }
    if l.valid_until < until {
        return CheckOutcome::failed(
            "licence_valid.expires",
            format!("驾驶证有效期至 {}，早于出行结束日期", l.valid_until),
            format!(
                "the driving licence expires on {}, before travel ends",
                l.valid_until
            ),
        );
    }
    CheckOutcome::Passed
}

/// [`Check::NegativeTestWithinHours`]: the latest test is negative and its sample is no older than
/// `hours` at the start of travel. A sample taken after the start is younger still, so it passes.
#[must_use]
pub fn negative_test_within(
    record: Option<&TestRecord>,
    hours: u32,
    travel_start: OffsetDateTime,
) -> CheckOutcome {
    let check = Check::NegativeTestWithinHours { hours };
    let Some(t) = record else {
        return no_record(
            check,
            "申请人核酸检测",
            "a nucleic-acid test of the applicant",
        );
    };
    if t.result == TestResult::Positive {
        return CheckOutcome::failed(
            "negative_test_within.positive",
            format!("{} 采样的核酸检测结果为阳性", china_time(t.sampled_at)),
            format!(
                "the nucleic-acid test sampled at {} is positive",
                china_time(t.sampled_at)
            ),
        );
    }
    if travel_start - t.sampled_at > Duration::hours(i64::from(hours)) {
        return CheckOutcome::failed(
            "negative_test_within.too_old",
            format!(
                "核酸检测采样时间 {} 早于出行开始（{}）前 {hours} 小时",
                china_time(t.sampled_at),
                china_time(travel_start)
            ),
            format!(
                "the nucleic-acid test was sampled at {}, more than {hours} hours before travel \
                 starts ({})",
                china_time(t.sampled_at),
                china_time(travel_start)
            ),
        );
    }
    CheckOutcome::Passed
}

/// [`Check::HealthCodeGreen`].
#[must_use]
pub fn health_code_green(record: Option<&HealthRecord>) -> CheckOutcome {
    let Some(h) = record else {
        return no_record(
            Check::HealthCodeGreen,
            "申请人健康码",
            "the applicant's health code",
        );
    };
    match h.colour {
        HealthColour::Green => CheckOutcome::Passed,
        colour => CheckOutcome::failed(
            "health_code_green.not_green",
            format!(
                "健康码为{}（更新于 {}）",
                colour.zh(),
                china_time(h.updated_at)
            ),
            format!(
                "the health code is {} (updated {})",
                colour.en(),
                china_time(h.updated_at)
            ),
        ),
    }
}

#[cfg(test)]
mod tests;
