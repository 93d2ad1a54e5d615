//! Truck city-entry pass codes (货车电子通行码): an application is checked against the city's
//! truck restrictions before it is filed, so a code is asked for only where and when it lifts a
//! restriction. The check runs in the shared `applications::prepare` path for every pass type
//! of kind `truck_entry`, so direct, invitation, resubmitted and CSV bulk applications all get it;
//! a refusal is a field-level 422 like any other form error (`zones` / `road_sections`).
//!
//! **Places.** A credential carries ids of the authority's zones table, which the checkpoint's
//! catalogue checks. A city's restriction areas name those same places: an area's
//! `properties.id` in a published restriction version is the id of the zone or road section (of
//! the same kind) in the authority's zones table. So the application names zones-table ids
//! (`zones`, `road_sections`), each must be a live zone of the city of the field's kind, and the
//! restriction rules that concern it are those naming an area with that id and kind. A place no
//! restriction area names is unrestricted; asking for it is pointless.
//!
//! **Vehicle.** The class from the form's `vehicle_class` (the restriction classes; the older
//! option `hazardous` reads as `dangerous_goods`), the gross weight from `gross_weight_kg` when
//! the form has it; without a weight, a rule with a weight threshold is taken to concern the
//! vehicle (as the public lookup does).
//!
//! **When.** The version in force at the start of the period asked for (or now, when the period
//! has begun; a version taking effect later in the period is not consulted); the day types of
//! every date of the period from the city's holiday table; the daily window asked for.
//!
//! Each place asked for must be restricted for this vehicle on some day type of the period in
//! some minute of the window by a rule a pass code lifts ("pointless" otherwise, explained rule
//! by rule as the lookup does); a rule no pass lifts that restricts it there and then refuses
//! the place as never granted, saying which rule.

use time::{Date, OffsetDateTime};

use super::{ActionError, ActionResult};
use crate::domain::calendar::{Calendar, beijing};
use crate::domain::pass_type::{DailyWindow, FieldError, FieldValue, ValidatedForm};
use crate::domain::trucks::{
    DayType, PlaceRequest, PlaceStanding, Restrictions, Vehicle, VehicleClass,
};
use crate::domain::zones::ZoneKind;
use crate::store::pass_types::PassType;
use crate::store::{Db, truck_restrictions, zones};

/// Most dates of a period whose day types are looked at (the longest pass type allows 90).
const MAX_DAYS: usize = 400;

fn local_date(ms: i64) -> Date {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(beijing())
        .date()
}

/// The day types of the dates of `[from, until)`, in their order, each once.
fn day_types(calendar: &Calendar, from: i64, until: i64) -> Vec<DayType> {
    let (mut date, last) = (local_date(from), local_date(until.saturating_sub(1)));
    let mut out = Vec::new();
    for _ in 0..MAX_DAYS {
        let d = DayType::of(date, calendar.entry(date));
        if !out.contains(&d) {
            out.push(d);
        }
        match date.next_day() {
            Some(next) if next <= last => date = next,
            _ => break,
        }
    }
    out
}

fn field_error(key: &str, code: &'static str, zh: String, en: String) -> FieldError {
    FieldError {
        key: key.to_owned(),
        code,
        zh,
        en,
    }
}

/// The vehicle of the form, or the field error saying why there is none.
fn vehicle(form: &ValidatedForm) -> Result<Vehicle, FieldError> {
    let class = match form.get("vehicle_class") {
        Some(FieldValue::Choice(c) | FieldValue::Text(c)) if c == "hazardous" => {
            Some(VehicleClass::DangerousGoods)
        }
        Some(FieldValue::Choice(c) | FieldValue::Text(c)) => VehicleClass::parse(c),
        _ => None,
    };
    let class = class.ok_or_else(|| {
        let classes = VehicleClass::ALL.map(VehicleClass::as_str).join(", ");
        field_error(
            "vehicle_class",
            "truck_code.vehicle_class",
            format!("车辆类别：须为以下之一：{classes}。"),
            format!("Vehicle class: must be one of {classes}."),
        )
    })?;
    let weight_kg = match form.get("gross_weight_kg") {
        // Whole kilograms; the form's own min/max bound the number.
        Some(FieldValue::Number(n)) => Some(n.round() as i64),
        _ => None,
    };
    Ok(Vehicle { class, weight_kg })
}

/// Checks a truck code application's places and hours against the city's restrictions in force
/// for its period (module docs). Every refused place is reported at once.
pub(crate) async fn check(
    db: &Db,
    pt: &PassType,
    calendar: &Calendar,
    form: &ValidatedForm,
    (from, until): (i64, i64),
    now: i64,
) -> ActionResult<()> {
    let vehicle = vehicle(form).map_err(|e| ActionError::InvalidForm(vec![e]))?;
    let window = match form.get("daily_window") {
        Some(FieldValue::TimeWindow(w)) => *w,
        _ => DailyWindow::ALL_DAY,
    };
    let days = day_types(calendar, from, until);
    let stored = truck_restrictions::in_force(db.pool(), pt.authority_id, from.max(now)).await?;
    let restrictions = match stored {
        // Stored documents were checked when published; one that no longer parses is ours.
        Some(v) => Some(Restrictions::parse(&v.document).map_err(|e| {
            ActionError::Internal(format!(
                "stored truck restrictions {} do not parse: {e}",
                v.id
            ))
        })?),
        None => None,
    };
    let live = zones::live_for_authority(db.pool(), pt.authority_id).await?;
    let mut errors = Vec::new();
    for (key, value) in form.values() {
        let (kind, places) = match value {
            FieldValue::Zones(p) => (ZoneKind::Zone, p),
            FieldValue::RoadSections(p) => (ZoneKind::RoadSection, p),
            _ => continue,
        };
        for place in places {
            let zone = place.parse::<u32>().ok().and_then(|id| {
                live.iter()
                    .find(|z| z.id == i64::from(id) && z.kind == kind)
            });
            let Some(zone) = zone else {
                errors.push(field_error(
                    key,
                    "truck_code.unknown_place",
                    format!("本市没有编号为 {place:?} 的{}。", kind_zh(kind)),
                    format!("The city has no {} with the id {place:?}.", kind_en(kind)),
                ));
                continue;
            };
            let name_en = zone.name_en.as_deref().unwrap_or(&zone.name_zh);
            let standing = match &restrictions {
                None => PlaceStanding::Pointless {
                    zh: format!(
                        "申请的期间内本市没有生效的货车限行规定，「{}」无需申请通行码。",
                        zone.name_zh
                    ),
                    en: format!(
                        "The city has no truck restrictions in force for the period asked for: \"{name_en}\" needs no pass code."
                    ),
                },
                Some(r) => r.assess(&PlaceRequest {
                    // The id parsed as a u32 above.
                    area_id: u32::try_from(zone.id).unwrap_or_default(),
                    kind,
                    name: (&zone.name_zh, name_en),
                    vehicle,
                    window,
                    days: &days,
                }),
            };
            match standing {
                PlaceStanding::Liftable => {}
                PlaceStanding::Pointless { zh, en } => errors.push(field_error(
                    key,
                    "truck_code.not_restricted",
                    format!("「{}」无需通行码：{zh}", zone.name_zh),
                    format!("\"{name_en}\" needs no pass code: {en}"),
                )),
                PlaceStanding::NeverGranted { zh, en } => errors.push(field_error(
                    key,
                    "truck_code.never_granted",
                    format!("「{}」在申请的时段不予通行：{zh}", zone.name_zh),
                    format!("\"{name_en}\" is never granted in the hours asked for: {en}"),
                )),
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ActionError::InvalidForm(errors))
    }
}

fn kind_zh(kind: ZoneKind) -> &'static str {
    match kind {
        ZoneKind::Zone => "区域",
        ZoneKind::RoadSection => "路段",
    }
}

fn kind_en(kind: ZoneKind) -> &'static str {
    match kind {
        ZoneKind::Zone => "zone",
        ZoneKind::RoadSection => "road section",
    }
}
