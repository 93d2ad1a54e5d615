//! The four kinds of pass (SPEC §2) as data, the definitions an authority starts from, and a
//! plausible 2026 holiday table. The demo seeds them; a real authority edits them as it likes.

use epass_credential::Kind;
use serde_json::{Value, json};

use crate::domain::calendar::DayKind;

/// One pass type to seed.
#[derive(Clone, Debug)]
pub struct SeedPassType {
    pub code: &'static str,
    pub kind: Kind,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub definition: Value,
}

/// The 2026 holidays and make-up working days as the State Council's notice announced them
/// (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆). Data an admin enters each year, not code: the
/// service knows no holidays of its own.
pub const HOLIDAYS_2026: &[(&str, DayKind, &str)] = &[
    ("2026-01-01", DayKind::Holiday, "元旦"),
    ("2026-01-02", DayKind::Holiday, "元旦"),
    ("2026-01-03", DayKind::Holiday, "元旦"),
    ("2026-01-04", DayKind::Workday, "元旦调休上班"),
    ("2026-02-14", DayKind::Workday, "春节调休上班"),
    ("2026-02-15", DayKind::Holiday, "春节"),
    ("2026-02-16", DayKind::Holiday, "春节"),
    ("2026-02-17", DayKind::Holiday, "春节"),
    ("2026-02-18", DayKind::Holiday, "春节"),
    ("2026-02-19", DayKind::Holiday, "春节"),
    ("2026-02-20", DayKind::Holiday, "春节"),
    ("2026-02-21", DayKind::Holiday, "春节"),
    ("2026-02-22", DayKind::Holiday, "春节"),
    ("2026-02-23", DayKind::Holiday, "春节"),
    ("2026-02-28", DayKind::Workday, "春节调休上班"),
    ("2026-04-04", DayKind::Holiday, "清明节"),
    ("2026-04-05", DayKind::Holiday, "清明节"),
    ("2026-04-06", DayKind::Holiday, "清明节"),
    ("2026-05-01", DayKind::Holiday, "劳动节"),
    ("2026-05-02", DayKind::Holiday, "劳动节"),
    ("2026-05-03", DayKind::Holiday, "劳动节"),
    ("2026-05-04", DayKind::Holiday, "劳动节"),
    ("2026-05-05", DayKind::Holiday, "劳动节"),
    ("2026-05-09", DayKind::Workday, "劳动节调休上班"),
    ("2026-06-19", DayKind::Holiday, "端午节"),
    ("2026-06-20", DayKind::Holiday, "端午节"),
    ("2026-06-21", DayKind::Holiday, "端午节"),
    ("2026-09-20", DayKind::Workday, "国庆节调休上班"),
    ("2026-09-25", DayKind::Holiday, "中秋节"),
    ("2026-09-26", DayKind::Holiday, "中秋节"),
    ("2026-09-27", DayKind::Holiday, "中秋节"),
    ("2026-10-01", DayKind::Holiday, "国庆节"),
    ("2026-10-02", DayKind::Holiday, "国庆节"),
    ("2026-10-03", DayKind::Holiday, "国庆节"),
    ("2026-10-04", DayKind::Holiday, "国庆节"),
    ("2026-10-05", DayKind::Holiday, "国庆节"),
    ("2026-10-06", DayKind::Holiday, "国庆节"),
    ("2026-10-07", DayKind::Holiday, "国庆节"),
    ("2026-10-10", DayKind::Workday, "国庆节调休上班"),
];

fn t(zh: &str, en: &str) -> Value {
    json!({ "zh": zh, "en": en })
}

fn field(key: &str, zh: &str, en: &str, ty: &str, required: bool) -> Value {
    json!({ "key": key, "label": t(zh, en), "type": ty, "required": required })
}

fn text(key: &str, zh: &str, en: &str, max_len: u32) -> Value {
    json!({ "key": key, "label": t(zh, en), "type": "text", "required": true, "max_len": max_len })
}

fn choice(key: &str, zh: &str, en: &str, options: &[(&str, &str, &str)]) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(v, zh, en)| json!({ "value": v, "label": t(zh, en) }))
        .collect();
    json!({ "key": key, "label": t(zh, en), "type": "choice", "required": true, "options": options })
}

fn doc(kind: &str, zh: &str, en: &str) -> Value {
    json!({ "kind": kind, "label": t(zh, en), "required": true })
}

fn level(roles: &[&str], scope: &str, days: u32, zh: &str, en: &str) -> Value {
    json!({ "roles": roles, "scope": scope, "time_limit_working_days": days, "name": t(zh, en) })
}

const AGREEMENT: (&str, &str) = (
    "本人承诺所填信息真实准确，如有虚假，愿承担相应法律责任；通行证仅限本人本车使用，不得转借、涂改。",
    "I declare that what I enter is true and accept legal responsibility if it is not; the pass is \
     for this person and vehicle only and may not be lent or altered.",
);

fn personnel_vehicle() -> Value {
    json!({
        "form": [
            field("plate", "车牌号", "Plate", "plate", true),
            choice("vehicle_type", "车辆类型", "Vehicle type", &[
                ("small_car", "小型汽车", "Car"),
                ("bus", "客车", "Bus"),
                ("truck", "货车", "Lorry"),
                ("van", "厢式车", "Van"),
                ("other", "其他", "Other"),
            ]),
            text("driver_name", "驾驶人姓名", "Driver's name", 30),
            field("id_number", "驾驶人身份证号", "Driver's ID number", "id_number", true),
            field("phone", "联系电话", "Phone", "phone", false),
            choice("holder_category", "人员类别", "Holder category", &[
                ("command_staff", "指挥部工作人员", "Command staff"),
                ("epidemic_agency_staff", "承担防疫工作的机关单位工作人员", "Staff of agencies doing epidemic work"),
                ("supply_delivery", "运送生活物资的人员车辆", "People and vehicles delivering supplies"),
                ("other_supply_staff", "部门认定的其他保供人员", "Other supply staff named by a department"),
            ]),
            field("zones", "通行区域", "Zones", "zones", false),
            field("road_sections", "通行路段", "Road sections", "road_sections", false),
            field("daily_window", "每日通行时段", "Daily hours", "time_window", true),
            field("valid_from", "有效期起", "Valid from", "date", true),
            field("valid_to", "有效期止", "Valid to", "date", true),
        ],
        "documents": [
            doc("id_card", "驾驶人身份证", "Driver's ID card"),
            doc("driving_licence", "驾驶证", "Driving licence"),
            doc("vehicle_licence", "行驶证", "Vehicle licence"),
        ],
        "checks": ["id_valid", "vehicle_legal", "one_pass_per_vehicle"],
        "workflow": { "levels": [
            level(&["org_admin", "reviewer"], "applicant_org", 3, "单位初审", "Organisation review"),
            level(&["authority_reviewer"], "authority", 4, "指挥部审核", "Authority review"),
        ]},
        "priority": "normal",
        "instructions": t(
            "由行业主管部门统一申报，一车一证一人。请填写车辆、驾驶人、人员类别、通行区域或路段和时段，并上传身份证、驾驶证、行驶证照片。",
            "Filed through the supervising department: one vehicle, one pass, one person. Enter the vehicle, the driver, the holder category, the zones or road sections and hours, and upload the ID card, driving licence and vehicle licence.",
        ),
        "agreement": t(AGREEMENT.0, AGREEMENT.1),
        "validity": {
            "max_days": 90, "default_days": 30, "daily_windows": [],
            "places": "zones_or_road_sections",
            "period": { "from": "valid_from", "to": "valid_to" },
        },
        "printed_rules": [
            t("仅限在许可的区域、路段和时段内通行。", "Valid only in the permitted zones, road sections and hours."),
            t("人车一致，不得转借。", "For this vehicle and driver only; not transferable."),
        ],
        "promised_working_days": 7,
    })
}

fn freight() -> Value {
    json!({
        "form": [
            field("plate", "车牌号", "Plate", "plate", true),
            choice("applicant_role", "申请人身份", "Applying as", &[
                ("carrier", "承运方", "Carrier"),
                ("shipper", "托运方", "Shipper"),
                ("consignee", "收货方", "Consignee"),
            ]),
            field("origin_division", "起运地行政区划", "Origin division", "division_code", true),
            text("origin_address", "起运地详细地址", "Origin address", 100),
            field("destination_division", "目的地行政区划", "Destination division", "division_code", true),
            text("destination_address", "目的地详细地址", "Destination address", 100),
            choice("cargo_type", "货物类别", "Cargo", &[
                ("daily_necessities", "生活物资", "Daily necessities"),
                ("medical_supplies", "医疗防疫物资", "Medical supplies"),
                ("production_materials", "生产物资", "Production materials"),
                ("agricultural", "农业生产资料", "Agricultural inputs"),
                ("other", "其他", "Other"),
            ]),
            field("travel_from", "计划通行开始时间", "Travel from", "datetime", true),
            field("travel_to", "计划通行结束时间", "Travel to", "datetime", true),
            text("route", "计划通行路线", "Planned route", 500),
            text("driver_name", "驾驶人姓名", "Driver's name", 30),
            field("id_number", "驾驶人身份证号", "Driver's ID number", "id_number", true),
            field("phone", "驾驶人手机号", "Driver's mobile", "phone", true),
        ],
        "documents": [
            doc("test_report", "48小时内核酸检测阴性证明", "Negative nucleic-acid test within 48 hours"),
        ],
        "checks": [
            { "negative_test_within_hours": { "hours": 48 } },
            "health_code_green", "vehicle_legal", "one_pass_per_vehicle",
        ],
        "workflow": { "levels": [
            level(&["reviewer"], "applicant_org", 1, "区县联络员审核", "District liaison review"),
            level(&["authority_reviewer"], "authority", 1, "市级工作组审核", "City group review"),
        ]},
        "priority": "green_channel",
        "instructions": t(
            "承运方、托运方或收货方均可申请。请如实填写起讫地、货物、计划时段和路线，上传驾驶人48小时内核酸检测阴性证明；审核通过后以短信通知驾驶人。",
            "The carrier, the shipper or the consignee may apply. Enter the origin, destination, cargo, planned times and route, and upload the driver's negative test from the last 48 hours; the driver is told by SMS once approved.",
        ),
        "agreement": t(AGREEMENT.0, AGREEMENT.1),
        "validity": {
            "max_days": 7, "default_days": 1, "daily_windows": [], "places": "none",
            "period": { "from": "travel_from", "to": "travel_to" },
        },
        "printed_rules": [
            t("车上人员不得下车，卸货后立即离开。", "The crew must not leave the vehicle; leave at once after delivery."),
            t("按申报路线通行。", "Follow the declared route."),
        ],
        "promised_working_days": 1,
    })
}

fn truck_entry() -> Value {
    json!({
        "form": [
            field("plate", "车牌号", "Plate", "plate", true),
            text("driver_name", "驾驶人姓名", "Driver's name", 30),
            choice("vehicle_class", "车辆类别", "Vehicle class", &[
                ("mini", "微型货车", "Mini lorry"),
                ("light", "轻型货车", "Light lorry"),
                ("medium", "中型货车", "Medium lorry"),
                ("heavy", "重型货车", "Heavy lorry"),
                ("dangerous_goods", "危险货物运输车", "Dangerous goods vehicle"),
            ]),
            json!({ "key": "gross_weight_kg", "label": t("总质量（千克）", "Gross weight (kg)"),
                    "type": "number", "required": false, "min": 1, "max": 200000 }),
            field("zones", "通行区域", "Zones", "zones", false),
            field("road_sections", "通行路段", "Road sections", "road_sections", false),
            field("valid_from", "通行日期起", "From", "date", true),
            field("valid_to", "通行日期止", "To", "date", true),
            field("daily_window", "每日通行时段", "Daily hours", "time_window", true),
            field("phone", "联系电话", "Phone", "phone", false),
        ],
        "documents": [doc("vehicle_licence", "行驶证", "Vehicle licence")],
        "checks": ["vehicle_legal", "one_pass_per_vehicle"],
        "workflow": { "levels": [
            level(&["authority_reviewer"], "authority", 3, "交警审核", "Traffic police review"),
        ]},
        "priority": "normal",
        "instructions": t(
            "请先查阅本市货车限行区域、路段和时段，再申请需要通行的区域或路段及时段。被退回的申请可修改后重新提交。",
            "Look up the city's lorry restrictions first, then apply for the zones or road sections and hours you need. A returned application can be corrected and resubmitted.",
        ),
        "agreement": t(AGREEMENT.0, AGREEMENT.1),
        "validity": {
            "max_days": 90, "default_days": 30, "daily_windows": [],
            "places": "zones_or_road_sections",
            "period": { "from": "valid_from", "to": "valid_to" },
        },
        "printed_rules": [
            t("仅限在许可的区域、路段和时段内通行。", "Valid only in the permitted zones, road sections and hours."),
        ],
        "promised_working_days": 3,
    })
}

fn driving_licence() -> Value {
    json!({
        "form": [
            text("licence_number", "驾驶证号", "Licence number", 18),
            field("id_number", "身份证号", "ID number", "id_number", true),
        ],
        "documents": [doc("other", "证件照片", "Photo")],
        "checks": ["licence_valid"],
        "workflow": { "levels": [
            level(&["authority_reviewer"], "authority", 1, "车管所审核", "Licensing office review"),
        ]},
        "priority": "normal",
        "instructions": t(
            "纸质驾驶证有效且未被扣押、暂扣、逾期未审验或注销的，可申领电子驾驶证。照片可沿用已存照片、现场拍摄或从相册选择，新照片一个工作日内审核。",
            "Holders of a valid paper licence (not detained, suspended, overdue for review or cancelled) may apply. Reuse the stored photo, take a new one or choose one; new photos are reviewed within one working day.",
        ),
        "agreement": t(AGREEMENT.0, AGREEMENT.1),
        "validity": { "max_days": 3660, "default_days": 3650, "places": "none" },
        "printed_rules": [
            t("电子驾驶证与纸质驾驶证具有同等效力。", "The electronic licence is as valid as the paper one."),
        ],
        "promised_working_days": 1,
    })
}

/// The four standard pass types, in wire-code order.
pub fn standard_pass_types() -> Vec<SeedPassType> {
    vec![
        SeedPassType {
            code: "personnel_vehicle",
            kind: Kind::PersonnelVehicle,
            name_zh: "人员车辆电子通行证",
            name_en: "Personnel and vehicle pass",
            definition: personnel_vehicle(),
        },
        SeedPassType {
            code: "freight",
            kind: Kind::Freight,
            name_zh: "点对点运输电子通行证",
            name_en: "Point-to-point freight pass",
            definition: freight(),
        },
        SeedPassType {
            code: "truck_entry",
            kind: Kind::TruckEntry,
            name_zh: "货车电子通行码",
            name_en: "Truck city-entry pass code",
            definition: truck_entry(),
        },
        SeedPassType {
            code: "driving_licence",
            kind: Kind::DrivingLicence,
            name_zh: "电子驾驶证",
            name_en: "Electronic driving licence",
            definition: driving_licence(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pass_type::PassTypeDefinition;

    #[test]
    fn every_seeded_definition_parses_and_round_trips() {
        for seed in standard_pass_types() {
            let def = PassTypeDefinition::from_value(seed.definition.clone())
                .unwrap_or_else(|e| panic!("{}: {e}", seed.code));
            let again = PassTypeDefinition::parse(&def.to_json().to_string())
                .unwrap_or_else(|e| panic!("{} round trip: {e}", seed.code));
            assert_eq!(def, again, "{}", seed.code);
        }
    }

    #[test]
    fn every_make_up_working_day_falls_on_a_weekend_and_no_day_is_listed_twice() {
        use crate::domain::calendar::parse_date;
        let mut days = std::collections::HashSet::new();
        for (day, kind, _) in HOLIDAYS_2026 {
            let date = parse_date(day).expect("a valid date");
            assert!(days.insert(date), "{day} twice");
            if *kind == DayKind::Workday {
                assert!(date.weekday().number_days_from_monday() >= 5, "{day}");
            }
        }
    }
}
