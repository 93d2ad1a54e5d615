//! Reading a version document: its areas and rules, checked, with the first mistake named.

use super::*;

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
