//! Truck city-entry restrictions (货车限行) as data, and the rules that answer "which
//! restrictions apply to a vehicle of class C in city X at time T on this road or at this place".
//!
//! A city (an authority) publishes its restrictions as versions. A version is one JSON document:
//!
//! ```json
//! { "areas": { "type": "FeatureCollection", "features": [ ...zone / road-section features... ] },
//!   "rules": [ { "id": "peak", "name_zh": "...", "name_en": "...", "areas": [1],
//!                "classes": ["heavy"], "over_weight_kg": 12000,
//!                "hours": { "workday": ["07:00-09:00", "17:00-19:00"] },
//!                "pass_lifts": true } ] }
//! ```
//!
//! Area features are the zone and road-section GeoJSON of [`crate::domain::zones`] (the same
//! parser and limits), each with a numeric `id` unique within the version, which rules name.
//! Places are evaluated with the credential library's [`epass_credential::Catalogue`], the
//! code checkpoints use. Hours are local (Beijing) time per day type; the day type of a moment
//! comes from the authority's holiday table (a holiday, a make-up working day) and otherwise
//! from the weekday. A rule with no hours for a day type does not restrict on such days.

use std::collections::HashSet;

use epass_credential::Catalogue;
use epass_credential::geo::PlaceCheck;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime, Weekday};

use crate::domain::calendar::{DayKind, beijing};
use crate::domain::pass_type::DailyWindow;
use crate::domain::zones::{ZoneFeature, ZoneKind};
use crate::i18n::{Lang, Localized};

/// Most areas and rules one version may carry.
pub const MAX_AREAS: usize = 500;
pub const MAX_RULES: usize = 200;

/// Vehicle classes a rule may concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VehicleClass {
    /// 重型货车 (gross weight ≥ 12 t).
    Heavy,
    /// 中型货车.
    Medium,
    /// 轻型货车.
    Light,
    /// 微型货车.
    Mini,
    /// 危险货物运输车.
    DangerousGoods,
}

impl VehicleClass {
    pub const ALL: [VehicleClass; 5] = [
        VehicleClass::Heavy,
        VehicleClass::Medium,
        VehicleClass::Light,
        VehicleClass::Mini,
        VehicleClass::DangerousGoods,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VehicleClass::Heavy => "heavy",
            VehicleClass::Medium => "medium",
            VehicleClass::Light => "light",
            VehicleClass::Mini => "mini",
            VehicleClass::DangerousGoods => "dangerous_goods",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// The class's name in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            VehicleClass::Heavy => ("重型货车", "heavy truck"),
            VehicleClass::Medium => ("中型货车", "medium truck"),
            VehicleClass::Light => ("轻型货车", "light truck"),
            VehicleClass::Mini => ("微型货车", "mini truck"),
            VehicleClass::DangerousGoods => ("危险货物运输车", "dangerous goods vehicle"),
        };
        pick(lang, zh, en)
    }
}

/// The kind of a day, which decides a rule's hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    Workday,
    Weekend,
    Holiday,
}

impl DayType {
    pub const ALL: [DayType; 3] = [DayType::Workday, DayType::Weekend, DayType::Holiday];

    pub fn as_str(self) -> &'static str {
        match self {
            DayType::Workday => "workday",
            DayType::Weekend => "weekend",
            DayType::Holiday => "holiday",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DayType::Workday => pick(lang, "工作日", "workdays"),
            DayType::Weekend => pick(lang, "周末", "weekends"),
            DayType::Holiday => pick(lang, "节假日", "public holidays"),
        }
    }

    /// The day type of `date`: the holiday table's entry for it if any (a holiday, or a
    /// make-up working day on a weekend), else Monday–Friday are workdays.
    pub fn of(date: Date, entry: Option<DayKind>) -> Self {
        match entry {
            Some(DayKind::Holiday) => DayType::Holiday,
            Some(DayKind::Workday) => DayType::Workday,
            None => match date.weekday() {
                Weekday::Saturday | Weekday::Sunday => DayType::Weekend,
                _ => DayType::Workday,
            },
        }
    }
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A daily period `[from, to)` in minutes after local midnight; `to` may be 24:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    pub from_min: u16,
    pub to_min: u16,
}

impl Hours {
    fn hm(m: u16) -> String {
        format!("{:02}:{:02}", m / 60, m % 60)
    }

    /// Parses `HH:MM-HH:MM` (00:00 to 24:00, start before end).
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.trim().split_once('-')?;
        let minutes = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let (from_min, to_min) = (minutes(a)?, minutes(b)?);
        (from_min < to_min).then_some(Self { from_min, to_min })
    }

    pub fn contains(self, minute: u16) -> bool {
        (self.from_min..self.to_min).contains(&minute)
    }

    pub fn is_all_day(self) -> bool {
        self.from_min == 0 && self.to_min == 24 * 60
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}–{}", Self::hm(self.from_min), Self::hm(self.to_min))
    }
}

/// An area (zone or road section) of a version.
#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    pub id: u32,
    pub kind: ZoneKind,
    pub name_zh: String,
    pub name_en: Option<String>,
}

impl Area {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => self.name_en.as_deref().unwrap_or(&self.name_zh),
            Lang::Zh => &self.name_zh,
        }
    }

    fn kind_label(&self, lang: Lang) -> &'static str {
        match self.kind {
            ZoneKind::Zone => pick(lang, "区域", "zone"),
            ZoneKind::RoadSection => pick(lang, "路段", "road section"),
        }
    }
}

/// One rule: which vehicles, where, when, and whether a pass code lifts it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub areas: Vec<u32>,
    /// Empty: every class.
    pub classes: Vec<VehicleClass>,
    /// The rule concerns only vehicles heavier than this (gross weight, kg).
    pub over_weight_kg: Option<i64>,
    /// Per day type; a day type absent restricts nothing on such days.
    pub hours: Vec<(DayType, Vec<Hours>)>,
    /// A truck city-entry pass code lifts this rule for the sections and hours it names.
    pub pass_lifts: bool,
}

impl Rule {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }

    pub fn hours_on(&self, day: DayType) -> &[Hours] {
        self.hours
            .iter()
            .find(|(d, _)| *d == day)
            .map_or(&[], |(_, h)| h.as_slice())
    }

    fn classes_text(&self, lang: Lang) -> String {
        if self.classes.is_empty() {
            return pick(lang, "所有货车", "all trucks").to_owned();
        }
        let sep = pick(lang, "、", ", ");
        self.classes
            .iter()
            .map(|c| c.label(lang))
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn hours_text(&self, lang: Lang) -> String {
        let parts: Vec<String> = DayType::ALL
            .iter()
            .filter_map(|d| {
                let h = self.hours_on(*d);
                (!h.is_empty()).then(|| format!("{} {}", d.label(lang), hours_list(h, lang)))
            })
            .collect();
        if parts.is_empty() {
            pick(lang, "无限行时段", "no restricted hours").to_owned()
        } else {
            parts.join(pick(lang, "；", "; "))
        }
    }
}

fn hours_list(hours: &[Hours], lang: Lang) -> String {
    if hours.iter().any(|h| h.is_all_day()) {
        return pick(lang, "全天", "all day").to_owned();
    }
    hours
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(pick(lang, "、", ", "))
}

/// A parsed, valid version document.
#[derive(Clone, Debug)]
pub struct Restrictions {
    pub areas: Vec<Area>,
    pub rules: Vec<Rule>,
    catalogue: Catalogue,
    /// The areas as a GeoJSON FeatureCollection (ids in `properties.id`), as stored.
    pub areas_geojson: Value,
}

mod lookup;
mod parse;
mod request;

pub use lookup::{Moment, RuleFinding, Standing, Vehicle, Where, evaluate, parse_moment, summary};
pub use parse::TruckError;
pub use request::{PlaceRequest, PlaceStanding};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_the_clock_and_refuse_impossible_times() {
        assert_eq!(
            Hours::parse("07:00-09:30"),
            Some(Hours {
                from_min: 420,
                to_min: 570
            })
        );
        assert!(Hours::parse("00:00-24:00").unwrap().is_all_day());
        for bad in [
            "25:00-26:00",
            "07:00-07:00",
            "09:00-07:00",
            "7:00-9:00",
            "07:60-08:00",
            "24:30-24:45",
            "",
        ] {
            assert_eq!(Hours::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_truck_code_request_is_liftable_pointless_or_never_granted() {
        let r = Restrictions::parse(&crate::demo_trucks::document()).unwrap();
        let heavy = Vehicle {
            class: VehicleClass::Heavy,
            weight_kg: None,
        };
        let ask = |area_id, kind, vehicle, window: &str, days: &[DayType]| {
            r.assess(&PlaceRequest {
                area_id,
                kind,
                name: ("某地", "somewhere"),
                vehicle,
                window: DailyWindow::parse(window).unwrap(),
                days,
            })
        };
        let (zone, road) = (ZoneKind::Zone, ZoneKind::RoadSection);
        let workday = [DayType::Workday];
        assert_eq!(
            ask(1, zone, heavy, "08:30-10:00", &workday),
            PlaceStanding::Liftable
        );
        // Across midnight into the evening peak.
        assert_eq!(
            ask(1, zone, heavy, "18:30-02:00", &workday),
            PlaceStanding::Liftable
        );
        for (id, kind, vehicle, window, days) in [
            (1, zone, heavy, "09:00-17:00", &workday[..]),
            (1, zone, heavy, "07:00-09:00", &[DayType::Weekend][..]),
            (1, road, heavy, "07:00-09:00", &workday[..]),
            (3, zone, heavy, "07:00-09:00", &workday[..]),
            (2, road, heavy, "07:00-09:00", &workday[..]),
        ] {
            assert!(
                matches!(
                    ask(id, kind, vehicle, window, days),
                    PlaceStanding::Pointless { .. }
                ),
                "{id} {window} {days:?}"
            );
        }
        let dangerous = Vehicle {
            class: VehicleClass::DangerousGoods,
            weight_kg: None,
        };
        let PlaceStanding::NeverGranted { en, .. } =
            ask(2, road, dangerous, "12:00-13:00", &[DayType::Holiday])
        else {
            panic!("dangerous goods on G210 are never granted");
        };
        assert!(en.contains("No pass code lifts this restriction"), "{en}");
    }

    #[test]
    fn the_holiday_table_decides_the_day_type_before_the_weekday() {
        let sat = time::macros::date!(2026 - 11 - 21);
        let wed = time::macros::date!(2026 - 11 - 25);
        assert_eq!(DayType::of(sat, None), DayType::Weekend);
        assert_eq!(DayType::of(wed, None), DayType::Workday);
        assert_eq!(DayType::of(wed, Some(DayKind::Holiday)), DayType::Holiday);
        assert_eq!(DayType::of(sat, Some(DayKind::Workday)), DayType::Workday);
    }
}
