//! The lookup: every rule naming an area at a place or road, explained for a vehicle at a moment.

use super::*;

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
pub(super) fn rule_head(rule: &Rule, area: &Area, lang: Lang) -> String {
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
