//! Working days, so that "7 working days" means what the State Council's holiday notice says:
//! Monday to Friday, minus public holidays, plus the make-up working days (调休) that fall on a
//! weekend. The table of holidays and make-up days is data each authority keeps (`holidays`).
//!
//! Deadlines follow the usual rule of administrative time limits: the day the clock starts does
//! not count; the deadline is the end (24:00 Beijing time) of the n-th working day after it.

use std::collections::BTreeMap;

use time::{Date, Duration, OffsetDateTime, Time, UtcOffset, Weekday};

/// What an entry of the holiday table makes of its day.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (or a day off moved onto a weekday).
    Holiday,
    /// A make-up working day on a weekend (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// Beijing time, where the working day is counted.
pub fn beijing() -> UtcOffset {
    // +08:00 is within the range UtcOffset accepts; the fallback is never taken.
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// The working-day calendar of one authority.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    overrides: BTreeMap<Date, DayKind>,
}

impl Calendar {
    /// A calendar from the authority's table; a later entry for the same day wins.
    pub fn new(entries: impl IntoIterator<Item = (Date, DayKind)>) -> Self {
        Calendar {
            overrides: entries.into_iter().collect(),
        }
    }

    /// The table's entry for `date` (a holiday or a make-up working day), if any.
    pub fn entry(&self, date: Date) -> Option<DayKind> {
        self.overrides.get(&date).copied()
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        match self.overrides.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The n-th working day after `date` (`date` itself never counts; n = 0 gives `date`).
    pub fn working_day_after(&self, date: Date, n: u32) -> Date {
        let mut day = date;
        let mut left = n;
        // Terminates: the table is finite, so past its last entry every week has five working
        // days. `Date::MAX` is out of reach of any real deadline.
        while left > 0 {
            let Some(next) = day.next_day() else {
                return day;
            };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The deadline `n` working days after `start`: 24:00 Beijing time at the end of the n-th
    /// working day after the day of `start`, returned as the last millisecond of that day.
    pub fn add_working_days(&self, start: OffsetDateTime, n: u32) -> OffsetDateTime {
        let day = self.working_day_after(start.to_offset(beijing()).date(), n);
        day.with_time(Time::MIDNIGHT).assume_offset(beijing()) + Duration::DAY
            - Duration::milliseconds(1)
    }

    /// Working days after `a`'s day up to and including `b`'s day, in Beijing time; negative when
    /// `b` is the earlier. `working_days_between(deadline, now)` is how many working days an item
    /// is overdue.
    pub fn working_days_between(&self, a: OffsetDateTime, b: OffsetDateTime) -> i64 {
        let (a, b) = (a.to_offset(beijing()).date(), b.to_offset(beijing()).date());
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut day = lo;
        while day < hi {
            let Some(next) = day.next_day() else { break };
            day = next;
            if self.is_working_day(day) {
                n += 1;
            }
        }
        sign * n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::seed_pass_types::HOLIDAYS_2026;
    use time::macros::{date, datetime};

    /// The table an admin would enter from the State Council's notice for 2026. The calendar knows
    /// nothing of China's holidays itself: this is data, and the tests just use a plausible table.
    fn calendar_2026() -> Calendar {
        Calendar::new(
            HOLIDAYS_2026
                .iter()
                .map(|(d, k, _)| (parse_date(d).expect("a valid date in the table"), *k)),
        )
    }

    #[test]
    fn weekends_rest_holidays_rest_and_make_up_days_work() {
        let cal = calendar_2026();
        assert!(cal.is_working_day(date!(2026 - 11 - 20))); // Friday
        assert!(!cal.is_working_day(date!(2026 - 11 - 21))); // Saturday
        assert!(!cal.is_working_day(date!(2026 - 10 - 01))); // National Day, Thursday
        assert!(!cal.is_working_day(date!(2026 - 02 - 17))); // Spring Festival, Tuesday
        assert!(cal.is_working_day(date!(2026 - 02 - 14))); // make-up Saturday
        assert!(cal.is_working_day(date!(2026 - 09 - 20))); // make-up Sunday
        assert!(cal.is_working_day(date!(2026 - 10 - 10))); // make-up Saturday
    }

    #[test]
    fn seven_working_days_from_a_friday_afternoon_before_national_day_skip_the_holiday() {
        let cal = calendar_2026();
        // Fri 18 Sep 16:00: Sun 20 (make-up) is day 1, 21-24 are 2-5, 25-27 Mid-Autumn,
        // Mon 28 and Tue 29 are 6 and 7.
        let due = cal.add_working_days(datetime!(2026-09-18 16:00 +8), 7);
        assert_eq!(due, datetime!(2026-09-29 23:59:59.999 +8));
        // Wed 30 Sep 16:00: 1-7 Oct off; Thu 8, Fri 9, Sat 10 (make-up), Mon 12 to Thu 15.
        let due = cal.add_working_days(datetime!(2026-09-30 16:00 +8), 7);
        assert_eq!(due.to_offset(beijing()).date(), date!(2026 - 10 - 15));
        // The same instant given in UTC counts the same Beijing day.
        let due = cal.add_working_days(datetime!(2026-09-30 08:00 UTC), 7);
        assert_eq!(due.to_offset(beijing()).date(), date!(2026 - 10 - 15));
    }

    #[test]
    fn seven_working_days_across_the_spring_festival_count_both_make_up_saturdays() {
        let cal = calendar_2026();
        // Fri 13 Feb: Sat 14 (make-up) is 1, 15-23 off, 24-27 are 2-5, Sat 28 (make-up) is 6,
        // Mon 2 Mar is 7.
        let due = cal.add_working_days(datetime!(2026-02-13 16:00 +8), 7);
        assert_eq!(due.to_offset(beijing()).date(), date!(2026 - 03 - 02));
        // Late on Friday evening UTC is already Saturday in Beijing: the make-up day is day 0.
        let due = cal.add_working_days(datetime!(2026-02-13 17:00 UTC), 1);
        assert_eq!(due.to_offset(beijing()).date(), date!(2026 - 02 - 24));
    }

    #[test]
    fn one_working_day_from_a_weekend_is_the_next_working_day() {
        let cal = calendar_2026();
        let due = cal.add_working_days(datetime!(2026-11-21 10:00 +8), 1);
        assert_eq!(due.to_offset(beijing()).date(), date!(2026 - 11 - 23));
        assert_eq!(
            cal.working_day_after(date!(2026 - 11 - 21), 0),
            date!(2026 - 11 - 21)
        );
    }

    #[test]
    fn working_days_between_counts_overdue_days_and_is_negative_before_the_deadline() {
        let cal = calendar_2026();
        let deadline = datetime!(2026-09-30 23:59:59.999 +8);
        assert_eq!(
            cal.working_days_between(deadline, datetime!(2026-10-08 09:00 +8)),
            1
        );
        assert_eq!(
            cal.working_days_between(deadline, datetime!(2026-10-12 09:00 +8)),
            4
        );
        assert_eq!(
            cal.working_days_between(deadline, datetime!(2026-10-05 09:00 +8)),
            0
        );
        assert_eq!(
            cal.working_days_between(datetime!(2026-09-28 09:00 +8), deadline),
            2
        );
        assert_eq!(
            cal.working_days_between(deadline, datetime!(2026-09-28 09:00 +8)),
            -2
        );
    }

    #[test]
    fn an_empty_table_counts_monday_to_friday() {
        let cal = Calendar::default();
        let due = cal.add_working_days(datetime!(2026-10-01 09:00 +8), 7);
        assert_eq!(due.to_offset(beijing()).date(), date!(2026 - 10 - 12));
    }
}
