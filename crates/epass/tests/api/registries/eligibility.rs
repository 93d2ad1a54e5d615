//! Checks against the registries kept in epass.

use std::sync::Arc;

use epass::domain::eligibility::{Check, CheckOutcome, Facts, TravelWindow};
use epass::domain::ids::{IdNumber, Plate};
use epass::registry::{LocalRegistry, RegistryKind, evaluate};
use time::macros::datetime;

use super::*;
use crate::helpers::fresh_db;

const ALL: [Check; 6] = [
    Check::IdValid,
    Check::VehicleLegal,
    Check::LicenceValid,
    Check::NegativeTestWithinHours { hours: 48 },
    Check::HealthCodeGreen,
    Check::OnePassPerVehicle,
];

fn facts(person: u32, plate: &str, start: time::OffsetDateTime) -> Facts {
    Facts {
        id_number: Some(IdNumber::parse(&id_number(person)).unwrap()),
        id_card_valid_until: None,
        plate: Some(Plate::parse(plate).unwrap()),
        licence_number: None,
        travel: TravelWindow {
            start,
            end: start + time::Duration::days(7),
        },
    }
}

async fn registry() -> LocalRegistry {
    let db = fresh_db().await;
    for (kind, csv) in [
        (RegistryKind::Vehicles, VEHICLES.to_owned()),
        (RegistryKind::Licences, licences()),
        (RegistryKind::Tests, tests_csv()),
        (RegistryKind::Health, health_csv()),
    ] {
        assert!(import(&db, kind, &csv).await.is_ok());
    }
    LocalRegistry::new(db, Arc::new(pii()))
}

fn outcome(results: &[(Check, CheckOutcome)], check: Check) -> &CheckOutcome {
    &results
        .iter()
        .find(|(c, _)| *c == check)
        .expect("check evaluated")
        .1
}

#[tokio::test]
async fn a_clean_applicant_passes_every_check() {
    let reg = registry().await;
    // Person 1: valid licence, negative test sampled 2026-11-20 09:00, green code.
    let results = evaluate(
        &reg,
        &ALL,
        &facts(1, "蒙K12345", datetime!(2026-11-21 08:00 +8)),
    )
    .await;
    assert_eq!(
        results.len(),
        5,
        "one pass per vehicle is left to the database"
    );
    for (check, o) in &results {
        assert!(o.is_passed(), "{check:?}: {o:?}");
    }
}

#[tokio::test]
async fn each_failure_says_which_check_and_why() {
    let reg = registry().await;
    // Person 2: detained licence, test sampled 2026-11-18 09:00; vehicle with 2 violations.
    let results = evaluate(
        &reg,
        &ALL,
        &facts(2, "蒙K54321", datetime!(2026-11-21 08:00 +8)),
    )
    .await;
    let CheckOutcome::Failed { code, zh, en } = outcome(&results, Check::VehicleLegal) else {
        panic!("vehicle check should fail")
    };
    assert_eq!(code, "vehicle_legal.violations");
    assert_eq!(zh, "车辆有 2 条未处理的交通违法记录");
    assert_eq!(en, "the vehicle has 2 unresolved traffic violations");
    let CheckOutcome::Failed { code, zh, .. } = outcome(&results, Check::LicenceValid) else {
        panic!("licence check should fail")
    };
    assert_eq!(code, "licence_valid.status");
    assert!(zh.contains("扣押"), "{zh}");
    let CheckOutcome::Failed { code, zh, .. } =
        outcome(&results, Check::NegativeTestWithinHours { hours: 48 })
    else {
        panic!("test check should fail")
    };
    assert_eq!(code, "negative_test_within.too_old");
    assert!(zh.contains("早于出行开始"), "{zh}");
    assert!(outcome(&results, Check::HealthCodeGreen).is_passed());

    // Person 3: positive test, red code; a scrapped trailer.
    let results = evaluate(
        &reg,
        &ALL,
        &facts(3, "鲁K1234挂", datetime!(2026-11-21 08:00 +8)),
    )
    .await;
    assert_eq!(
        outcome(&results, Check::HealthCodeGreen).code(),
        Some("health_code_green.not_green")
    );
    assert_eq!(
        outcome(&results, Check::NegativeTestWithinHours { hours: 48 }).code(),
        Some("negative_test_within.positive")
    );
    assert_eq!(
        outcome(&results, Check::VehicleLegal).code(),
        Some("vehicle_legal.status")
    );
    assert_eq!(
        outcome(&results, Check::LicenceValid).code(),
        Some("licence_valid.no_record")
    );
}

#[tokio::test]
async fn the_test_age_is_taken_at_the_start_of_travel() {
    let reg = registry().await;
    let check = [Check::NegativeTestWithinHours { hours: 48 }];
    // Sampled 2026-11-20 09:00: 47 hours before a start at 2026-11-22 08:00, 49 before 10:00.
    let ok = evaluate(
        &reg,
        &check,
        &facts(1, "蒙K12345", datetime!(2026-11-22 08:00 +8)),
    )
    .await;
    assert!(ok[0].1.is_passed());
    let late = evaluate(
        &reg,
        &check,
        &facts(1, "蒙K12345", datetime!(2026-11-22 10:00 +8)),
    )
    .await;
    assert_eq!(late[0].1.code(), Some("negative_test_within.too_old"));
}

#[tokio::test]
async fn missing_records_fail_with_no_record() {
    let reg = registry().await;
    let results = evaluate(
        &reg,
        &ALL,
        &facts(42, "京A88888", datetime!(2026-11-21 08:00 +8)),
    )
    .await;
    for (check, o) in &results {
        if *check == Check::IdValid {
            assert!(o.is_passed());
            continue;
        }
        let CheckOutcome::Failed { code, en, zh } = o else {
            panic!("{check:?} should fail: {o:?}")
        };
        assert!(code.ends_with(".no_record"), "{code}");
        assert!(en.contains("no record"), "{en}");
        assert!(zh.contains("没有"), "{zh}");
    }
    let mut bare = facts(42, "京A88888", datetime!(2026-11-21 08:00 +8));
    bare.plate = None;
    bare.id_number = None;
    let results = evaluate(&reg, &ALL, &bare).await;
    assert!(
        results
            .iter()
            .all(|(_, o)| o.code().is_some_and(|c| c.ends_with(".not_given")))
    );
}
