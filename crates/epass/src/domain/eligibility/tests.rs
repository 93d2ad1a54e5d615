//! The rules with plain values.

use time::macros::{date, datetime};

use super::*;

fn travel() -> TravelWindow {
    TravelWindow {
        start: datetime!(2026-11-22 08:00 +8),
        end: datetime!(2026-11-30 18:00 +8),
    }
}

fn plate() -> Plate {
    Plate::parse("蒙K12345").expect("valid plate")
}

fn vehicle(violations: u32, status: VehicleStatus) -> VehicleRecord {
    VehicleRecord {
        plate: plate(),
        vehicle_type: "重型半挂牵引车".into(),
        owner_name: "达拉特旗运输公司".into(),
        unresolved_violations: violations,
        legal_status: status,
        updated_at: datetime!(2026-11-20 10:00 UTC),
    }
}

fn licence(status: LicenceStatus) -> LicenceRecord {
    LicenceRecord {
        licence_number: "150600123456".into(),
        holder_name: "张三".into(),
        classes: vec!["A2".into()],
        valid_from: date!(2020 - 01 - 01),
        valid_until: date!(2030 - 01 - 01),
        issuing_office: "鄂尔多斯市公安局交通管理支队".into(),
        points: 0,
        status,
        address: String::new(),
    }
}

#[test]
fn a_vehicle_with_violations_fails_with_the_count() {
    let o = vehicle_legal(&plate(), Some(&vehicle(2, VehicleStatus::Normal)));
    let CheckOutcome::Failed { code, zh, en } = o else {
        panic!("expected failure")
    };
    assert_eq!(code, "vehicle_legal.violations");
    assert_eq!(zh, "车辆有 2 条未处理的交通违法记录");
    assert_eq!(en, "the vehicle has 2 unresolved traffic violations");
    assert!(vehicle_legal(&plate(), Some(&vehicle(0, VehicleStatus::Normal))).is_passed());
    let o = vehicle_legal(&plate(), Some(&vehicle(0, VehicleStatus::Stolen)));
    assert_eq!(o.code(), Some("vehicle_legal.status"));
    assert_eq!(
        vehicle_legal(&plate(), None).code(),
        Some("vehicle_legal.no_record")
    );
}

#[test]
fn a_licence_must_be_valid_for_the_whole_window() {
    assert!(licence_valid(Some(&licence(LicenceStatus::Valid)), None, travel()).is_passed());
    let o = licence_valid(Some(&licence(LicenceStatus::Detained)), None, travel());
    assert_eq!(o.code(), Some("licence_valid.status"));
    let mut l = licence(LicenceStatus::Valid);
    l.valid_until = date!(2026 - 11 - 25);
    assert_eq!(
        licence_valid(Some(&l), None, travel()).code(),
        Some("licence_valid.expires")
    );
    l.valid_until = date!(2030 - 01 - 01);
    l.points = 12;
    assert_eq!(
        licence_valid(Some(&l), None, travel()).code(),
        Some("licence_valid.points_full")
    );
    l.points = 3;
    assert_eq!(
        licence_valid(Some(&l), Some("999"), travel()).code(),
        Some("licence_valid.number_mismatch")
    );
    assert!(licence_valid(Some(&l), Some("150600123456"), travel()).is_passed());
}

#[test]
fn a_test_is_judged_at_the_start_of_travel() {
    let start = travel().start;
    let test = |sampled_at, result| TestRecord {
        sampled_at,
        result,
        institution: "达拉特旗人民医院".into(),
    };
    let exactly = test(start - Duration::hours(48), TestResult::Negative);
    assert!(negative_test_within(Some(&exactly), 48, start).is_passed());
    let after = test(start + Duration::hours(3), TestResult::Negative);
    assert!(negative_test_within(Some(&after), 48, start).is_passed());
    let old = test(
        start - Duration::hours(48) - Duration::minutes(1),
        TestResult::Negative,
    );
    let CheckOutcome::Failed { code, zh, en } = negative_test_within(Some(&old), 48, start) else {
        panic!("expected failure")
    };
    assert_eq!(code, "negative_test_within.too_old");
    assert!(
        zh.contains("早于出行开始（2026-11-22 08:00）前 48 小时"),
        "{zh}"
    );
    assert!(en.contains("more than 48 hours"), "{en}");
    let positive = test(start - Duration::hours(1), TestResult::Positive);
    assert_eq!(
        negative_test_within(Some(&positive), 48, start).code(),
        Some("negative_test_within.positive")
    );
}

#[test]
fn only_green_passes_and_nothing_is_a_failure() {
    let h = |colour| HealthRecord {
        colour,
        updated_at: datetime!(2026-11-21 09:00 +8),
    };
    assert!(health_code_green(Some(&h(HealthColour::Green))).is_passed());
    let o = health_code_green(Some(&h(HealthColour::Red)));
    let CheckOutcome::Failed { zh, .. } = &o else {
        panic!("expected failure")
    };
    assert!(zh.contains("红码"), "{zh}");
    let CheckOutcome::Failed { en, .. } = health_code_green(None) else {
        panic!("expected failure")
    };
    assert!(en.contains("no record"), "{en}");
}

#[test]
fn an_id_card_expired_before_travel_fails() {
    let id = IdNumber::parse("11010519491231002X").expect("valid");
    assert!(id_valid(Some(&id), Some(date!(2030 - 01 - 01)), travel()).is_passed());
    assert_eq!(
        id_valid(Some(&id), Some(date!(2026 - 11 - 21)), travel()).code(),
        Some("id_valid.card_expired")
    );
    assert_eq!(
        id_valid(None, None, travel()).code(),
        Some("id_valid.not_given")
    );
}

#[test]
fn checks_serialise_as_pass_types_name_them_and_outcomes_as_tagged_json() {
    let c = Check::NegativeTestWithinHours { hours: 48 };
    let json = serde_json::to_value(c).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({"negative_test_within_hours": {"hours": 48}})
    );
    assert_eq!(serde_json::from_value::<Check>(json).expect("parses"), c);
    let o = CheckOutcome::could_not_check(
        Check::HealthCodeGreen,
        "registry.timeout",
        "超时",
        "timed out",
    );
    let json = serde_json::to_value(&o).expect("serialises");
    assert_eq!(json["outcome"], "could_not_check");
    assert_eq!(
        json["en"],
        "could not check \"health code green\": timed out"
    );
}
