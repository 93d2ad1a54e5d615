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

/// Why a version document was refused; `at` names the place, e.g. `rules[2].hours.workday[0]`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TruckError {
    Shape { at: String },
    Area { at: String, zh: String, en: String },
    AreaId { at: String },
    DuplicateAreaId { id: u32 },
    TooMany { what: &'static str, max: usize },
    RuleId { at: String },
    DuplicateRuleId { id: String },
    Name { at: String },
    UnknownArea { at: String, id: i64 },
    UnknownClass { at: String, class: String },
    UnknownDayType { at: String, day: String },
    Hours { at: String, value: String },
    Weight { at: String },
    NoRules,
}

impl Localized for TruckError {
    fn code(&self) -> &'static str {
        match self {
            TruckError::Shape { .. } => "trucks.shape",
            TruckError::Area { .. } => "trucks.area_geojson",
            TruckError::AreaId { .. } => "trucks.area_id",
            TruckError::DuplicateAreaId { .. } => "trucks.duplicate_area_id",
            TruckError::TooMany { .. } => "trucks.too_many",
            TruckError::RuleId { .. } => "trucks.rule_id",
            TruckError::DuplicateRuleId { .. } => "trucks.duplicate_rule_id",
            TruckError::Name { .. } => "trucks.name",
            TruckError::UnknownArea { .. } => "trucks.unknown_area",
            TruckError::UnknownClass { .. } => "trucks.unknown_class",
            TruckError::UnknownDayType { .. } => "trucks.unknown_day_type",
            TruckError::Hours { .. } => "trucks.hours",
            TruckError::Weight { .. } => "trucks.weight",
            TruckError::NoRules => "trucks.no_rules",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let classes = VehicleClass::ALL.map(VehicleClass::as_str).join(", ");
        let (zh, en) = match self {
            TruckError::Shape { at } => (
                format!(
                    "{at} 的结构不对：须为含 areas（GeoJSON FeatureCollection）和 rules（数组）的对象。"
                ),
                format!(
                    "{at} has the wrong shape: expected an object with areas (a GeoJSON FeatureCollection) and rules (an array)."
                ),
            ),
            TruckError::Area { at, zh, en } => (format!("{at}：{zh}"), format!("{at}: {en}")),
            TruckError::AreaId { at } => (
                format!(
                    "{at} 须有数字编号 properties.id（1 至 4294967295），规则用它指明区域或路段。"
                ),
                format!(
                    "{at} needs a numeric properties.id (1 to 4294967295), which rules use to name it."
                ),
            ),
            TruckError::DuplicateAreaId { id } => (
                format!("区域或路段编号 {id} 出现了不止一次。"),
                format!("Area id {id} appears more than once."),
            ),
            TruckError::TooMany { what, max } => (
                format!("{what} 最多 {max} 个。"),
                format!("At most {max} {what}."),
            ),
            TruckError::RuleId { at } => (
                format!("{at} 须有编号 id（1 至 40 个字母、数字、-、_）。"),
                format!("{at} needs an id (1 to 40 letters, digits, - or _)."),
            ),
            TruckError::DuplicateRuleId { id } => (
                format!("规则编号 {id:?} 出现了不止一次。"),
                format!("Rule id {id:?} appears more than once."),
            ),
            TruckError::Name { at } => (
                format!("{at} 须有中文名称 name_zh 和英文名称 name_en（各 1 至 100 个字符）。"),
                format!("{at} needs name_zh and name_en (1 to 100 characters each)."),
            ),
            TruckError::UnknownArea { at, id } => (
                format!("{at} 指向的区域或路段 {id} 不在本版本的 areas 中。"),
                format!("{at} names area {id}, which is not among this version's areas."),
            ),
            TruckError::UnknownClass { at, class } => (
                format!("{at}：未知的车型 {class:?}，可选：{classes}。"),
                format!("{at}: unknown vehicle class {class:?}; expected one of {classes}."),
            ),
            TruckError::UnknownDayType { at, day } => (
                format!(
                    "{at}：未知的日期类型 {day:?}，可选：workday（工作日）、weekend（周末）、holiday（节假日）。"
                ),
                format!("{at}: unknown day type {day:?}; expected workday, weekend or holiday."),
            ),
            TruckError::Hours { at, value } => (
                format!(
                    "{at}：时段 {value:?} 无效，须为 HH:MM-HH:MM，时间在 00:00 至 24:00 之间且开始早于结束（如 07:00-09:00）。"
                ),
                format!(
                    "{at}: hours {value:?} are not valid: write HH:MM-HH:MM between 00:00 and 24:00, start before end (e.g. 07:00-09:00)."
                ),
            ),
            TruckError::Weight { at } => (
                format!("{at}：总质量门槛须为 1 至 200000 千克之间的整数。"),
                format!(
                    "{at}: the gross weight threshold must be a whole number from 1 to 200000 kg."
                ),
            ),
            TruckError::NoRules => (
                "至少须有一条规则（rules）。".to_owned(),
                "At least one rule is needed (rules).".to_owned(),
            ),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

crate::domain::ids::error_display_via_localized!(TruckError);

fn text(v: Option<&Value>, max: usize) -> Option<String> {
    let s = v?.as_str()?.trim();
    let n = s.chars().count();
    (1..=max).contains(&n).then(|| s.to_owned())
}

fn parse_area(i: usize, f: &Value) -> Result<(Area, Value), TruckError> {
    let at = format!("areas.features[{i}]");
    let parsed = ZoneFeature::parse(f).map_err(|e| TruckError::Area {
        at: at.clone(),
        zh: e.message(Lang::Zh),
        en: e.message(Lang::En),
    })?;
    let id = parsed
        .id
        .and_then(|id| u32::try_from(id).ok())
        .filter(|id| *id > 0)
        .ok_or(TruckError::AreaId { at })?;
    let area = Area {
        id,
        kind: parsed.geometry.kind(),
        name_zh: parsed.name_zh.clone(),
        name_en: parsed.name_en.clone(),
    };
    let mut props = json!({ "id": id, "kind": area.kind.as_str(), "name_zh": area.name_zh });
    if let Some(en) = &area.name_en {
        props["name_en"] = json!(en);
    }
    if let Some(w) = parsed.geometry.corridor_m() {
        props["corridor_width_m"] = json!(w);
    }
    let feature = json!({ "type": "Feature", "id": id,
        "geometry": parsed.geometry.to_geojson(), "properties": props });
    Ok((area, feature))
}

fn parse_rule(i: usize, r: &Value, area_ids: &HashSet<u32>) -> Result<Rule, TruckError> {
    let at = format!("rules[{i}]");
    if !r.is_object() {
        return Err(TruckError::Shape { at });
    }
    let id = r
        .get("id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| {
            (1..=40).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .ok_or_else(|| TruckError::RuleId { at: at.clone() })?
        .to_owned();
    let name_zh = text(r.get("name_zh"), 100);
    let name_en = text(r.get("name_en"), 100);
    let (Some(name_zh), Some(name_en)) = (name_zh, name_en) else {
        return Err(TruckError::Name { at });
    };
    let areas_at = format!("{at}.areas");
    let list = r
        .get("areas")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| TruckError::Shape {
            at: areas_at.clone(),
        })?;
    let mut areas = Vec::with_capacity(list.len());
    for (j, a) in list.iter().enumerate() {
        let at = format!("{areas_at}[{j}]");
        let id = a
            .as_i64()
            .ok_or_else(|| TruckError::Shape { at: at.clone() })?;
        match u32::try_from(id) {
            Ok(u) if area_ids.contains(&u) => areas.push(u),
            _ => return Err(TruckError::UnknownArea { at, id }),
        }
    }
    let mut classes = Vec::new();
    match r.get("classes") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (j, c) in list.iter().enumerate() {
                let at = format!("{at}.classes[{j}]");
                let s = c.as_str().unwrap_or_default();
                let class = VehicleClass::parse(s).ok_or_else(|| TruckError::UnknownClass {
                    at,
                    class: s.chars().take(40).collect(),
                })?;
                if !classes.contains(&class) {
                    classes.push(class);
                }
            }
        }
        Some(_) => {
            return Err(TruckError::Shape {
                at: format!("{at}.classes"),
            });
        }
    }
    let over_weight_kg = match r.get("over_weight_kg") {
        None | Some(Value::Null) => None,
        Some(w) => Some(
            w.as_i64()
                .filter(|w| (1..=200_000).contains(w))
                .ok_or_else(|| TruckError::Weight {
                    at: format!("{at}.over_weight_kg"),
                })?,
        ),
    };
    let hours_at = format!("{at}.hours");
    let map = r
        .get("hours")
        .and_then(Value::as_object)
        .ok_or_else(|| TruckError::Shape {
            at: hours_at.clone(),
        })?;
    let mut hours = Vec::new();
    for (day, list) in map {
        let dt = DayType::ALL
            .into_iter()
            .find(|d| d.as_str() == day)
            .ok_or_else(|| TruckError::UnknownDayType {
                at: hours_at.clone(),
                day: day.chars().take(40).collect(),
            })?;
        let list = list.as_array().ok_or_else(|| TruckError::Shape {
            at: format!("{hours_at}.{day}"),
        })?;
        let mut periods = Vec::with_capacity(list.len());
        for (j, h) in list.iter().enumerate() {
            let s = h.as_str().unwrap_or_default();
            let p = Hours::parse(s).ok_or_else(|| TruckError::Hours {
                at: format!("{hours_at}.{day}[{j}]"),
                value: s.chars().take(40).collect(),
            })?;
            periods.push(p);
        }
        periods.sort_by_key(|p| p.from_min);
        hours.push((dt, periods));
    }
    hours.sort_by_key(|(d, _)| *d as u8);
    let pass_lifts = match r.get("pass_lifts") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(TruckError::Shape {
                at: format!("{at}.pass_lifts"),
            });
        }
    };
    Ok(Rule {
        id,
        name_zh,
        name_en,
        areas,
        classes,
        over_weight_kg,
        hours,
        pass_lifts,
    })
}

impl Restrictions {
    /// Parses and checks a version document (module docs); the first mistake is reported.
    pub fn parse(doc: &Value) -> Result<Self, TruckError> {
        let shape = |at: &str| TruckError::Shape { at: at.to_owned() };
        let features = doc
            .get("areas")
            .filter(|a| a.get("type").and_then(Value::as_str) == Some("FeatureCollection"))
            .and_then(|a| a.get("features"))
            .and_then(Value::as_array)
            .ok_or_else(|| shape("areas"))?;
        if features.len() > MAX_AREAS {
            return Err(TruckError::TooMany {
                what: "areas",
                max: MAX_AREAS,
            });
        }
        let rules = doc
            .get("rules")
            .and_then(Value::as_array)
            .ok_or_else(|| shape("rules"))?;
        if rules.is_empty() {
            return Err(TruckError::NoRules);
        }
        if rules.len() > MAX_RULES {
            return Err(TruckError::TooMany {
                what: "rules",
                max: MAX_RULES,
            });
        }
        let mut areas = Vec::with_capacity(features.len());
        let mut stored = Vec::with_capacity(features.len());
        let mut ids = HashSet::new();
        for (i, f) in features.iter().enumerate() {
            let (area, feature) = parse_area(i, f)?;
            if !ids.insert(area.id) {
                return Err(TruckError::DuplicateAreaId { id: area.id });
            }
            areas.push(area);
            stored.push(feature);
        }
        let mut parsed = Vec::with_capacity(rules.len());
        let mut rule_ids = HashSet::new();
        for (i, r) in rules.iter().enumerate() {
            let rule = parse_rule(i, r, &ids)?;
            if !rule_ids.insert(rule.id.clone()) {
                return Err(TruckError::DuplicateRuleId { id: rule.id });
            }
            parsed.push(rule);
        }
        let areas_geojson = json!({ "type": "FeatureCollection", "features": stored });
        // The features were checked by the zone parser above, which is stricter than the
        // catalogue's; a refusal here would still be reported, not unwrapped.
        let catalogue = Catalogue::from_geojson(&areas_geojson).map_err(|e| TruckError::Area {
            at: "areas".into(),
            zh: e.to_string(),
            en: e.to_string(),
        })?;
        Ok(Self {
            areas,
            rules: parsed,
            catalogue,
            areas_geojson,
        })
    }

    /// The document as stored and published (areas normalised).
    pub fn to_json(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                let hours: serde_json::Map<String, Value> = r
                    .hours
                    .iter()
                    .map(|(d, h)| {
                        let list: Vec<String> = h
                            .iter()
                            .map(|p| format!("{}-{}", Hours::hm(p.from_min), Hours::hm(p.to_min)))
                            .collect();
                        (d.as_str().to_owned(), json!(list))
                    })
                    .collect();
                json!({
                    "id": r.id, "name_zh": r.name_zh, "name_en": r.name_en, "areas": r.areas,
                    "classes": r.classes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    "over_weight_kg": r.over_weight_kg, "hours": hours, "pass_lifts": r.pass_lifts,
                })
            })
            .collect();
        json!({ "areas": self.areas_geojson, "rules": rules })
    }

    pub fn area(&self, id: u32) -> Option<&Area> {
        self.areas.iter().find(|a| a.id == id)
    }

    /// The road section named by `road`: its id, or its Chinese or English name.
    pub fn road(&self, road: &str) -> Option<&Area> {
        let road = road.trim();
        self.areas.iter().find(|a| {
            a.kind == ZoneKind::RoadSection
                && (road.parse::<u32>().ok() == Some(a.id)
                    || a.name_zh == road
                    || a.name_en
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(road)))
        })
    }

    /// The areas that contain the place (inside a zone, or within a road's corridor).
    pub fn areas_at(&self, lon: f64, lat: f64) -> Vec<&Area> {
        self.areas
            .iter()
            .filter(|a| {
                let (z, r) = match a.kind {
                    ZoneKind::Zone => (vec![a.id], vec![]),
                    ZoneKind::RoadSection => (vec![], vec![a.id]),
                };
                self.catalogue.check(&z, &r, lon, lat) == PlaceCheck::Inside
            })
            .collect()
    }
}

/// The vehicle asked about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vehicle {
    pub class: VehicleClass,
    pub weight_kg: Option<i64>,
}

/// How one rule stands for the vehicle, place and moment asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The rule restricts this vehicle here now.
    Restricted,
    /// The rule concerns this vehicle here, but not at this time.
    OutsideHours,
    /// The rule does not concern this vehicle class.
    OtherClass,
    /// The rule concerns only heavier vehicles.
    UnderWeight,
}

/// One rule of the answer, explained.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RuleFinding {
    pub rule_id: String,
    pub rule_name_zh: String,
    pub rule_name_en: String,
    pub area_id: u32,
    pub area_kind: ZoneKind,
    pub area_name_zh: String,
    pub area_name_en: Option<String>,
    pub standing: Standing,
    /// The rule's periods on the day type asked about, e.g. `07:00-09:00`.
    pub hours_today: Vec<String>,
    pub pass_lifts: bool,
    pub zh: String,
    pub en: String,
}

/// The moment asked about, in local (Beijing) time, and its day type.
#[derive(Clone, Copy, Debug)]
pub struct Moment {
    pub local: OffsetDateTime,
    pub day: DayType,
}

impl Moment {
    /// `at` in Beijing time; `entry` is the holiday table's entry for that local date.
    pub fn new(at: OffsetDateTime, entry: impl FnOnce(Date) -> Option<DayKind>) -> Self {
        let local = at.to_offset(beijing());
        let day = DayType::of(local.date(), entry(local.date()));
        Self { local, day }
    }

    fn minute(&self) -> u16 {
        u16::from(self.local.hour()) * 60 + u16::from(self.local.minute())
    }

    /// `2026-12-02 08:30（工作日）` / `2026-12-02 08:30 (a workday)`.
    pub fn describe(&self, lang: Lang) -> String {
        let l = self.local;
        let stamp = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            l.year(),
            u8::from(l.month()),
            l.day(),
            l.hour(),
            l.minute()
        );
        match lang {
            Lang::Zh => format!("{stamp}（{}）", self.day.label(lang)),
            Lang::En => {
                let d = match self.day {
                    DayType::Workday => "a workday",
                    DayType::Weekend => "a weekend day",
                    DayType::Holiday => "a public holiday",
                };
                format!("{stamp} ({d})")
            }
        }
    }
}

/// "Rule X: zone Y is closed to heavy trucks (over 12000 kg) on workdays 07:00–09:00." — the
/// first sentence of every explanation of a rule on one area.
fn rule_head(rule: &Rule, area: &Area, lang: Lang) -> String {
    let weight = match (rule.over_weight_kg, lang) {
        (Some(w), Lang::Zh) => format!("（总质量超过 {w} 千克）"),
        (Some(w), Lang::En) => format!(" (gross weight over {w} kg)"),
        (None, _) => String::new(),
    };
    match lang {
        Lang::Zh => format!(
            "规则「{}」：{}「{}」，限{}{}通行，{}。",
            rule.name(lang),
            area.kind_label(lang),
            area.name(lang),
            rule.classes_text(lang),
            weight,
            rule.hours_text(lang)
        ),
        Lang::En => format!(
            "Rule \"{}\": {} \"{}\" is closed to {}{} on {}.",
            rule.name(lang),
            area.kind_label(lang),
            area.name(lang),
            rule.classes_text(lang),
            weight,
            rule.hours_text(lang)
        ),
    }
}

fn finding(rule: &Rule, area: &Area, vehicle: Vehicle, when: &Moment) -> RuleFinding {
    let today = rule.hours_on(when.day);
    let standing = if !rule.classes.is_empty() && !rule.classes.contains(&vehicle.class) {
        Standing::OtherClass
    } else if let (Some(limit), Some(w)) = (rule.over_weight_kg, vehicle.weight_kg)
        && w <= limit
    {
        Standing::UnderWeight
    } else if today.iter().any(|h| h.contains(when.minute())) {
        Standing::Restricted
    } else {
        Standing::OutsideHours
    };
    let explain = |lang: Lang| -> String {
        let head = rule_head(rule, area, lang);
        let moment = when.describe(lang);
        let class = vehicle.class.label(lang);
        let verdict = match (standing, lang) {
            (Standing::Restricted, Lang::Zh) => format!(
                "{moment}在限行时段 {} 内：{class}禁止通行。",
                hours_list(today, lang)
            ),
            (Standing::Restricted, Lang::En) => format!(
                "{moment} is within the restricted hours {}: a {class} may not enter.",
                hours_list(today, lang)
            ),
            (Standing::OutsideHours, Lang::Zh) if today.is_empty() => {
                format!("{moment}：{}不限行。", when.day.label(lang))
            }
            (Standing::OutsideHours, Lang::En) if today.is_empty() => {
                format!("{moment}: no restriction on {}.", when.day.label(lang))
            }
            (Standing::OutsideHours, Lang::Zh) => format!(
                "{moment}不在限行时段 {} 内，可以通行。",
                hours_list(today, lang)
            ),
            (Standing::OutsideHours, Lang::En) => format!(
                "{moment} is outside the restricted hours {}: entry is allowed.",
                hours_list(today, lang)
            ),
            (Standing::OtherClass, Lang::Zh) => format!("本规则不涉及{class}。"),
            (Standing::OtherClass, Lang::En) => {
                format!("This rule does not concern a {class}.")
            }
            (Standing::UnderWeight, Lang::Zh) => format!(
                "车辆总质量 {} 千克未超过 {} 千克，本规则不适用。",
                vehicle.weight_kg.unwrap_or_default(),
                rule.over_weight_kg.unwrap_or_default()
            ),
            (Standing::UnderWeight, Lang::En) => format!(
                "A gross weight of {} kg is not over {} kg: the rule does not apply.",
                vehicle.weight_kg.unwrap_or_default(),
                rule.over_weight_kg.unwrap_or_default()
            ),
        };
        let pass = match (standing, rule.pass_lifts, lang) {
            (Standing::Restricted, true, Lang::Zh) => {
                "持有效的货车电子通行码可在其载明的路段和时段通行。"
            }
            (Standing::Restricted, true, Lang::En) => {
                "A valid truck city-entry pass code lifts it for the sections and hours it names."
            }
            (Standing::Restricted, false, Lang::Zh) => "此限行不可通过申请通行码解除。",
            (Standing::Restricted, false, Lang::En) => "No pass code lifts this restriction.",
            _ => "",
        };
        let sep = if pass.is_empty() { "" } else { " " };
        let sep = if lang == Lang::Zh { "" } else { sep };
        let space = if lang == Lang::Zh { "" } else { " " };
        format!("{head}{space}{verdict}{sep}{pass}")
    };
    RuleFinding {
        rule_id: rule.id.clone(),
        rule_name_zh: rule.name_zh.clone(),
        rule_name_en: rule.name_en.clone(),
        area_id: area.id,
        area_kind: area.kind,
        area_name_zh: area.name_zh.clone(),
        area_name_en: area.name_en.clone(),
        standing,
        hours_today: today
            .iter()
            .map(|p| format!("{}-{}", Hours::hm(p.from_min), Hours::hm(p.to_min)))
            .collect(),
        pass_lifts: rule.pass_lifts,
        zh: explain(Lang::Zh),
        en: explain(Lang::En),
    }
}

/// Where the question is asked.
#[derive(Clone, Copy, Debug)]
pub enum Where<'a> {
    Place { lon: f64, lat: f64 },
    Road(&'a Area),
}

/// Every rule naming an area at `place`, explained for `vehicle` at `when`.
pub fn evaluate(
    r: &Restrictions,
    place: Where<'_>,
    vehicle: Vehicle,
    when: &Moment,
) -> Vec<RuleFinding> {
    let areas: Vec<&Area> = match place {
        Where::Place { lon, lat } => r.areas_at(lon, lat),
        Where::Road(a) => vec![a],
    };
    let mut out = Vec::new();
    for rule in &r.rules {
        for area in &areas {
            if rule.areas.contains(&area.id) {
                out.push(finding(rule, area, vehicle, when));
            }
        }
    }
    out
}

/// The one-sentence summary of a lookup, in both languages.
pub fn summary(findings: &[RuleFinding], vehicle: Vehicle, when: &Moment) -> (String, String) {
    let restricted: Vec<&RuleFinding> = findings
        .iter()
        .filter(|f| f.standing == Standing::Restricted)
        .collect();
    let (czh, cen) = (vehicle.class.label(Lang::Zh), vehicle.class.label(Lang::En));
    let (mzh, men) = (when.describe(Lang::Zh), when.describe(Lang::En));
    if findings.is_empty() {
        return (
            format!("{mzh}：此处不在任何货车限行区域或路段内，{czh}可以通行。"),
            format!(
                "{men}: this place is in no truck-restricted zone or road section; a {cen} may enter."
            ),
        );
    }
    if restricted.is_empty() {
        return (
            format!("{mzh}：此处的货车限行规则此时不限制{czh}，可以通行。"),
            format!(
                "{men}: the truck restrictions here do not stop a {cen} at this time; entry is allowed."
            ),
        );
    }
    let names_zh: Vec<String> = restricted
        .iter()
        .map(|f| format!("「{}」", f.rule_name_zh))
        .collect();
    let names_en: Vec<String> = restricted
        .iter()
        .map(|f| format!("\"{}\"", f.rule_name_en))
        .collect();
    let liftable = restricted.iter().all(|f| f.pass_lifts);
    let (pzh, pen) = if liftable {
        (
            "持有效的货车电子通行码可以通行。",
            "A valid truck city-entry pass code lifts it.",
        )
    } else {
        (
            "通行码也不能解除其中的限行。",
            "No pass code lifts all of it.",
        )
    };
    (
        format!("{mzh}：{czh}在此禁止通行（{}）。{pzh}", names_zh.join("、")),
        format!(
            "{men}: a {cen} may not enter here ({}). {pen}",
            names_en.join(", ")
        ),
    )
}

/// How one place asked for in a truck city-entry pass code application stands against the
/// restrictions in force (see `actions::truck_codes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlaceStanding {
    /// A rule a pass code lifts stops this vehicle here in some of the hours asked for.
    Liftable,
    /// Nothing stops this vehicle here in the hours asked for: a pass code would change
    /// nothing. Why, rule by rule, in zh and en.
    Pointless { zh: String, en: String },
    /// A rule no pass code lifts stops this vehicle here in the hours asked for.
    NeverGranted { zh: String, en: String },
}

/// What a truck code application asks for at one place.
#[derive(Clone, Copy, Debug)]
pub struct PlaceRequest<'a> {
    /// The area id (the zones-table id of the zone or road section asked for).
    pub area_id: u32,
    pub kind: ZoneKind,
    /// The place's name (zh, en) for the messages when no restriction area has this id.
    pub name: (&'a str, &'a str),
    pub vehicle: Vehicle,
    /// The daily window asked for.
    pub window: DailyWindow,
    /// The day types of the dates asked for.
    pub days: &'a [DayType],
}

impl Restrictions {
    /// Whether asking for `req` makes sense: some rule naming the place concerns the vehicle
    /// (class and weight) and restricts, on one of the day types asked for, some minute of the
    /// window asked for. A rule no pass lifts that does so makes the request one never granted.
    pub fn assess(&self, req: &PlaceRequest<'_>) -> PlaceStanding {
        let area = self
            .areas
            .iter()
            .find(|a| a.id == req.area_id && a.kind == req.kind);
        let rules: Vec<&Rule> = match area {
            Some(a) => self
                .rules
                .iter()
                .filter(|r| r.areas.contains(&a.id))
                .collect(),
            None => Vec::new(),
        };
        let (Some(area), false) = (area, rules.is_empty()) else {
            let (zh, en) = req.name;
            return PlaceStanding::Pointless {
                zh: format!("「{zh}」不在本市现行的任何货车限行区域或路段内，无需申请通行码。"),
                en: format!(
                    "\"{en}\" is in none of the city's truck-restricted zones or road sections in force: no pass code is needed."
                ),
            };
        };
        let (mut never, mut why) = (Vec::new(), Vec::new());
        let mut liftable = false;
        let days_text = |lang: Lang| {
            req.days
                .iter()
                .map(|d| d.label(lang))
                .collect::<Vec<_>>()
                .join(pick(lang, "、", ", "))
        };
        for rule in rules {
            let head = (
                rule_head(rule, area, Lang::Zh),
                rule_head(rule, area, Lang::En),
            );
            let (class_zh, class_en) = (
                req.vehicle.class.label(Lang::Zh),
                req.vehicle.class.label(Lang::En),
            );
            if !rule.classes.is_empty() && !rule.classes.contains(&req.vehicle.class) {
                why.push((
                    format!("{}本规则不涉及{class_zh}。", head.0),
                    format!("{} This rule does not concern a {class_en}.", head.1),
                ));
                continue;
            }
            if let (Some(limit), Some(w)) = (rule.over_weight_kg, req.vehicle.weight_kg)
                && w <= limit
            {
                why.push((
                    format!("{}车辆总质量 {w} 千克未超过 {limit} 千克，本规则不适用。", head.0),
                    format!(
                        "{} A gross weight of {w} kg is not over {limit} kg: the rule does not apply.",
                        head.1
                    ),
                ));
                continue;
            }
            let hits = req.days.iter().any(|d| {
                rule.hours_on(*d)
                    .iter()
                    .any(|h| (h.from_min..h.to_min).any(|m| req.window.contains(m)))
            });
            if !hits {
                let w = req.window;
                why.push((
                    format!(
                        "{}申请的时段 {w}（{}）不在限行时段内，可以通行。",
                        head.0,
                        days_text(Lang::Zh)
                    ),
                    format!(
                        "{} The hours asked for, {w} on {}, are outside the restricted hours: entry is allowed.",
                        head.1,
                        days_text(Lang::En)
                    ),
                ));
            } else if rule.pass_lifts {
                liftable = true;
            } else {
                never.push((
                    format!("{}此限行不可通过申请通行码解除。", head.0),
                    format!("{} No pass code lifts this restriction.", head.1),
                ));
            }
        }
        let join = |list: Vec<(String, String)>| {
            let (zh, en): (Vec<String>, Vec<String>) = list.into_iter().unzip();
            (zh.join(""), en.join(" "))
        };
        if !never.is_empty() {
            let (zh, en) = join(never);
            PlaceStanding::NeverGranted { zh, en }
        } else if liftable {
            PlaceStanding::Liftable
        } else {
            let (zh, en) = join(why);
            PlaceStanding::Pointless {
                zh: format!("{zh}申请的时段内本车在此不受限行，无需申请通行码。"),
                en: format!(
                    "{en} Nothing restricts this vehicle here in the hours asked for: no pass code is needed."
                ),
            }
        }
    }
}

/// Reads the moment asked about: RFC 3339 (`2026-12-02T08:30:00+08:00`), or a local Beijing
/// date and time as an HTML `datetime-local` field sends it (`2026-12-02T08:30`).
pub fn parse_moment(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let (date, clock) = s.split_once(['T', ' '])?;
    let date = crate::domain::calendar::parse_date(date)?;
    let mut parts = clock.split(':');
    let h: u8 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let sec: u8 = parts.next().map_or(Some(0), |x| x.parse().ok())?;
    let time = time::Time::from_hms(h, m, sec).ok()?;
    Some(date.with_time(time).assume_offset(beijing()))
}

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
