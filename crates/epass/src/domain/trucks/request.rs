//! A truck code application against the restrictions in force: liftable, pointless or never granted.

use super::lookup::rule_head;
use super::*;

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
