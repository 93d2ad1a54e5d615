//! Electronic driving licences (电子驾驶证): who may hold one, what its credential says, how a
//! registry record's standing maps onto the credential's status, and the class-code rules
//! printed on its side page. Pure rules; the verbs are in `actions::licences`.

use serde::{Deserialize, Serialize};
use time::Date;

use super::eligibility::{FULL_POINTS, LicenceRecord, LicenceStatus};

/// The registry record a licence credential was signed from, kept with each issue so that a
/// later registry change can be told apart from what the holder's credential says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub licence_number: String,
    pub holder_name: String,
    pub classes: Vec<String>,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    pub valid_until: String,
    pub issuing_office: String,
    pub points: u32,
    pub status: String,
    pub address: String,
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn date_text(d: Date) -> String {
    // The format has no component that can fail for a valid date.
    d.format(DATE).unwrap_or_default()
}

impl From<&LicenceRecord> for Snapshot {
    fn from(r: &LicenceRecord) -> Self {
        Snapshot {
            licence_number: r.licence_number.clone(),
            holder_name: r.holder_name.clone(),
            classes: r.classes.clone(),
            valid_from: date_text(r.valid_from),
            valid_until: date_text(r.valid_until),
            issuing_office: r.issuing_office.clone(),
            points: r.points,
            status: r.status.as_str().to_owned(),
            address: r.address.clone(),
        }
    }
}

impl Snapshot {
    /// The fields the credential carries (or the pages print) that differ from `newer`: a
    /// non-empty answer means the licence is issued again.
    #[must_use]
    pub fn changed_fields(&self, newer: &Snapshot) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let pairs: [(&'static str, bool); 7] = [
            ("holder_name", self.holder_name != newer.holder_name),
            ("classes", self.classes != newer.classes),
            ("valid_from", self.valid_from != newer.valid_from),
            ("valid_until", self.valid_until != newer.valid_until),
            (
                "issuing_office",
                self.issuing_office != newer.issuing_office,
            ),
            ("points", self.points != newer.points),
            ("address", self.address != newer.address),
        ];
        for (name, differs) in pairs {
            if differs {
                changed.push(name);
            }
        }
        changed
    }

    /// The class codes as printed: `A2 C1`.
    #[must_use]
    pub fn classes_text(&self) -> String {
        self.classes.join(" ")
    }

    /// Start and end of validity in Unix milliseconds (China time, the whole last day).
    #[must_use]
    pub fn validity_ms(&self) -> Option<(i64, i64)> {
        let from = Date::parse(&self.valid_from, DATE).ok()?;
        let until = Date::parse(&self.valid_until, DATE).ok()?;
        let start = from.midnight().assume_offset(china()).unix_timestamp() * 1000;
        let end = until
            .next_day()?
            .midnight()
            .assume_offset(china())
            .unix_timestamp()
            * 1000;
        Some((start, end))
    }
}

fn china() -> time::UtcOffset {
    time::UtcOffset::from_whole_seconds(8 * 3600).unwrap_or(time::UtcOffset::UTC)
}

/// What a registry record means for the holder's credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Usable: the credential verifies as valid.
    Good,
    /// Held back for now (12 points, suspended, detained, overdue for exam or review): the
    /// credential verifies as suspended until the registry clears it.
    Suspended,
    /// Cancelled for good: the credential is revoked.
    Cancelled,
}

/// Why a licence cannot be used now, as a code and two sentences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

/// The standing of a record on `today` (China date), with the reason when it is not good.
#[must_use]
pub fn standing(record: &LicenceRecord, today: Date) -> (Standing, Option<Refusal>) {
    let refusal = |code, zh: String, en: String| Some(Refusal { code, zh, en });
    match record.status {
        LicenceStatus::Cancelled => {
            return (
                Standing::Cancelled,
                refusal(
                    "licence.cancelled",
                    "驾驶证已注销".to_owned(),
                    "the driving licence is cancelled".to_owned(),
                ),
            );
        }
        LicenceStatus::Valid => {}
        other => {
            return (
                Standing::Suspended,
                refusal(
                    match other {
                        LicenceStatus::Detained => "licence.detained",
                        LicenceStatus::Suspended => "licence.suspended",
                        LicenceStatus::OverdueExam => "licence.overdue_exam",
                        _ => "licence.overdue_review",
                    },
                    format!("驾驶证状态为“{}”", other.zh()),
                    format!("the driving licence is {}", other.en()),
                ),
            );
        }
    }
    if record.points >= FULL_POINTS {
        return (
            Standing::Suspended,
            refusal(
                "licence.points_full",
                format!("驾驶证累计记分 {} 分，已满 {FULL_POINTS} 分", record.points),
                format!(
                    "the driving licence has {} points; at {FULL_POINTS} it is held back",
                    record.points
                ),
            ),
        );
    }
    if record.valid_from > today {
        return (
            Standing::Suspended,
            refusal(
                "licence.not_yet_valid",
                format!("驾驶证自 {} 起有效", record.valid_from),
                format!("the driving licence is valid from {}", record.valid_from),
            ),
        );
    }
    if record.valid_until < today {
        return (
            Standing::Suspended,
            refusal(
                "licence.expired",
                format!("驾驶证已于 {} 过期", record.valid_until),
                format!("the driving licence expired on {}", record.valid_until),
            ),
        );
    }
    (Standing::Good, None)
}

/// Whether a person may be issued an electronic licence for this record today; the refusal
/// says which rule it fails.
pub fn eligible(record: &LicenceRecord, today: Date) -> Result<(), Refusal> {
    match standing(record, today) {
        (Standing::Good, _) => Ok(()),
        (_, Some(refusal)) => Err(refusal),
        (_, None) => Err(Refusal {
            code: "licence.not_eligible",
            zh: "驾驶证当前不能申领电子驾驶证".to_owned(),
            en: "the driving licence cannot be issued electronically now".to_owned(),
        }),
    }
}

/// The vehicles a class code allows (准驾车型及代号), printed on the side page.
#[must_use]
pub fn class_rule(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "A1" => ("大型客车", "large buses"),
        "A2" => ("重型牵引挂车", "heavy tractor-trailers"),
        "A3" => ("城市公交车", "city buses"),
        "B1" => ("中型客车", "medium buses"),
        "B2" => ("大型货车", "large trucks"),
        "C1" => ("小型汽车", "small cars"),
        "C2" => ("小型自动挡汽车", "small automatic cars"),
        "C3" => ("低速载货汽车", "low-speed trucks"),
        "C4" => ("三轮汽车", "three-wheeled vehicles"),
        "C5" => (
            "残疾人专用小型自动挡载客汽车",
            "small automatic cars adapted for disabled drivers",
        ),
        "C6" => ("轻型牵引挂车", "light tractor-trailers"),
        "D" => ("普通三轮摩托车", "three-wheeled motorcycles"),
        "E" => ("普通二轮摩托车", "two-wheeled motorcycles"),
        "F" => ("轻便摩托车", "mopeds"),
        "M" => ("轮式自行机械车", "wheeled self-propelled machinery"),
        "N" => ("无轨电车", "trolleybuses"),
        "P" => ("有轨电车", "trams"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn record(status: LicenceStatus, points: u32) -> LicenceRecord {
        LicenceRecord {
            licence_number: "150600123456".to_owned(),
            holder_name: "张三".to_owned(),
            classes: vec!["C1".to_owned()],
            valid_from: date!(2020 - 01 - 01),
            valid_until: date!(2030 - 01 - 01),
            issuing_office: "鄂尔多斯市公安局交通管理支队车辆管理所".to_owned(),
            points,
            status,
            address: "内蒙古鄂尔多斯市".to_owned(),
        }
    }

    #[test]
    fn only_a_valid_licence_under_twelve_points_in_its_validity_is_eligible() {
        let today = date!(2026 - 11 - 21);
        assert!(eligible(&record(LicenceStatus::Valid, 11), today).is_ok());
        let cases = [
            (LicenceStatus::Detained, 0, "licence.detained"),
            (LicenceStatus::Suspended, 0, "licence.suspended"),
            (LicenceStatus::OverdueExam, 0, "licence.overdue_exam"),
            (LicenceStatus::OverdueReview, 0, "licence.overdue_review"),
            (LicenceStatus::Cancelled, 0, "licence.cancelled"),
            (LicenceStatus::Valid, 12, "licence.points_full"),
        ];
        for (status, points, code) in cases {
            let refusal = eligible(&record(status, points), today).unwrap_err();
            assert_eq!(refusal.code, code);
            assert!(!refusal.zh.is_empty() && !refusal.en.is_empty());
        }
        let expired = eligible(&record(LicenceStatus::Valid, 0), date!(2030 - 01 - 02));
        assert_eq!(expired.unwrap_err().code, "licence.expired");
    }

    #[test]
    fn cancellation_revokes_and_everything_else_bad_suspends() {
        let today = date!(2026 - 11 - 21);
        assert_eq!(
            standing(&record(LicenceStatus::Cancelled, 0), today).0,
            Standing::Cancelled
        );
        assert_eq!(
            standing(&record(LicenceStatus::Valid, 12), today).0,
            Standing::Suspended
        );
        assert_eq!(
            standing(&record(LicenceStatus::Valid, 3), today).0,
            Standing::Good
        );
    }

    #[test]
    fn a_snapshot_names_exactly_the_fields_that_changed() {
        let old = Snapshot::from(&record(LicenceStatus::Valid, 0));
        let mut changed = record(LicenceStatus::Valid, 2);
        changed.classes = vec!["A2".to_owned(), "C1".to_owned()];
        let new = Snapshot::from(&changed);
        assert_eq!(old.changed_fields(&new), vec!["classes", "points"]);
        assert!(old.changed_fields(&old).is_empty());
        let (from, until) = old.validity_ms().unwrap();
        assert!(until > from);
    }

    #[test]
    fn every_class_code_has_its_rule() {
        for code in super::super::eligibility::LICENCE_CLASSES {
            assert!(class_rule(code).is_some(), "{code}");
        }
        assert!(class_rule("Z9").is_none());
    }
}
