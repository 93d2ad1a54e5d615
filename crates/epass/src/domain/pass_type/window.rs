//! A daily time window, `HH:MM-HH:MM` in Beijing time, as pass types allow and applicants ask.

use std::fmt;

use crate::i18n::{Lang, Localized};

/// Minutes since midnight, `from` inclusive, `to` exclusive; `from > to` crosses midnight
/// (`22:00-06:00`), `00:00-24:00` is the whole day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DailyWindow {
    from: u16,
    to: u16,
}

/// Why a window could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WindowError(&'static str);

impl Localized for WindowError {
    fn code(&self) -> &'static str {
        "time_window.format"
    }

    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => "时段格式应为 HH:MM-HH:MM（如 06:00-22:00），起止不能相同。".to_owned(),
            Lang::En => "A time window reads HH:MM-HH:MM (e.g. 06:00-22:00), with different ends."
                .to_owned(),
        }
    }
}

fn minutes(s: &str, allow_24: bool) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if allow_24 => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

impl DailyWindow {
    /// The whole day.
    pub const ALL_DAY: DailyWindow = DailyWindow { from: 0, to: 1440 };

    /// Reads `HH:MM-HH:MM`; `24:00` is accepted only as an end.
    pub fn parse(s: &str) -> Result<Self, WindowError> {
        let bad = WindowError("time window must read HH:MM-HH:MM");
        let (a, b) = s.split_once('-').ok_or(bad.clone())?;
        let from = minutes(a, false).ok_or(bad.clone())?;
        let to = minutes(b, true).ok_or(bad.clone())?;
        if from == to {
            return Err(bad);
        }
        Ok(DailyWindow { from, to })
    }

    pub fn from_minute(&self) -> u16 {
        self.from
    }

    pub fn to_minute(&self) -> u16 {
        self.to
    }

    /// Whether minute-of-day `m` (0..1440) falls inside.
    pub fn contains(&self, m: u16) -> bool {
        if self.from < self.to {
            self.from <= m && m < self.to
        } else {
            m >= self.from || m < self.to
        }
    }

    /// Whether every minute of `self` lies in one of `allowed` (an empty list allows all).
    pub fn within(&self, allowed: &[DailyWindow]) -> bool {
        allowed.is_empty()
            || (0..1440u16)
                .filter(|m| self.contains(*m))
                .all(|m| allowed.iter().any(|w| w.contains(m)))
    }

    /// The credential's form of the same window.
    pub fn to_credential(self) -> epass_credential::TimeWindow {
        epass_credential::TimeWindow {
            from: self.from,
            to: if self == Self::ALL_DAY { 0 } else { self.to },
        }
    }
}

impl fmt::Display for DailyWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.from), hm(self.to))
    }
}

impl serde::Serialize for DailyWindow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DailyWindow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DailyWindow::parse(&s).map_err(|_| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Str(&s), &"HH:MM-HH:MM")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_and_print_the_same() {
        for s in ["06:00-22:00", "22:00-06:00", "00:00-24:00"] {
            assert_eq!(
                DailyWindow::parse(s).map(|w| w.to_string()),
                Ok(s.to_owned())
            );
        }
        for s in [
            "6:00-22:00",
            "06:00-06:00",
            "24:00-06:00",
            "06:60-07:00",
            "0600-2200",
            "",
        ] {
            assert!(DailyWindow::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn a_window_inside_the_allowed_ones_is_within_and_one_reaching_out_is_not() {
        let allowed = [DailyWindow::parse("06:00-22:00").expect("valid window")];
        let inside = DailyWindow::parse("08:00-18:00").expect("valid window");
        let outside = DailyWindow::parse("21:00-23:00").expect("valid window");
        let night = DailyWindow::parse("22:00-06:00").expect("valid window");
        assert!(inside.within(&allowed));
        assert!(!outside.within(&allowed));
        assert!(!night.within(&allowed));
        assert!(night.within(&[]));
        assert!(night.contains(23 * 60) && night.contains(0) && !night.contains(12 * 60));
    }
}
