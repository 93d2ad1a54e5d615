//! CSV import: every kind, all-or-nothing on bad lines, upserts, and a large file.

use std::time::Instant;

use epass::domain::ids::{IdNumber, Plate};
use epass::registry::RegistryKind;
use epass::store::registries as store;

use super::*;
use crate::helpers::fresh_db;

#[tokio::test]
async fn each_kind_imports_with_its_batch_and_audit_event() {
    let db = fresh_db().await;
    for (kind, csv, table, rows) in [
        (
            RegistryKind::Vehicles,
            VEHICLES.to_owned(),
            "registry_vehicles",
            3,
        ),
        (RegistryKind::Licences, licences(), "registry_licences", 2),
        (RegistryKind::Tests, tests_csv(), "registry_tests", 3),
        (
            RegistryKind::Health,
            health_csv(),
            "registry_health_codes",
            3,
        ),
    ] {
        let report = import(&db, kind, &csv).await;
        assert!(report.is_ok(), "{kind:?}: {:?}", report.errors);
        assert_eq!(report.rows, rows as u64);
        assert_eq!(count(&db, table).await, rows);
        let batch = store::import_batch(db.pool(), report.import_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(batch.kind, kind.as_str());
        assert_eq!(batch.row_count, rows);
        assert_eq!(batch.file_name, "test.csv");
        assert!(batch.finished_at.is_some());
    }
    assert_eq!(
        count(&db, "audit_events WHERE action = 'registry.imported'").await,
        4
    );
    let v = store::vehicle(db.pool(), &Plate::parse("蒙K54321").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.unresolved_violations, 2);
    let trailer = store::vehicle(db.pool(), &Plate::parse("鲁K1234挂").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(trailer.legal_status.as_str(), "scrapped");
    let hash = pii().lookup_hash(&IdNumber::parse(&id_number(1)).unwrap());
    let l = store::licence_by_holder(db.pool(), &hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.licence_number, "150600000001");
    assert_eq!(l.classes, ["A2", "C1"]);
}

#[tokio::test]
async fn id_numbers_are_stored_only_as_keyed_hashes() {
    let db = fresh_db().await;
    assert!(
        import(&db, RegistryKind::Licences, &licences())
            .await
            .is_ok()
    );
    assert!(import(&db, RegistryKind::Tests, &tests_csv()).await.is_ok());
    for table in ["registry_licences", "registry_tests"] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(db.pool())
            .await
            .unwrap();
        for row in rows {
            for i in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    assert!(!text.contains(&id_number(1)[..14]), "{table}: {text}");
                }
            }
        }
    }
    // A licence number that is an ID number is refused rather than stored in clear.
    let csv = licences().replace("150600000001", &id_number(5));
    let report = import(&db, RegistryKind::Licences, &csv).await;
    assert_eq!(report.errors[0].code, "licence_number.is_id_number");
}

#[tokio::test]
async fn a_file_with_bad_lines_writes_nothing_and_names_each_line_and_field() {
    let db = fresh_db().await;
    let csv = format!(
        "{VEHICLES}X12345,小型汽车,张三,0,normal,2026-11-20
蒙K00001,小型汽车,张三,0,normal,2026-02-30
蒙K00002,小型汽车,张三
"
    );
    let report = import(&db, RegistryKind::Vehicles, &csv).await;
    assert!(!report.is_ok());
    let got: Vec<(u64, &str, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        got,
        [
            (5, "plate", "plate.unknown_province"),
            (6, "updated_at", "field.bad_time"),
            (7, "unresolved_violations", "csv.missing_field"),
        ]
    );
    assert!(
        report
            .errors
            .iter()
            .all(|e| !e.zh.is_empty() && !e.en.is_empty())
    );
    assert_eq!(count(&db, "registry_vehicles").await, 0);
    assert_eq!(count(&db, "registry_imports").await, 0);
    assert_eq!(count(&db, "audit_events").await, 0);

    let mut bad_id = id_number(7);
    let wrong = if bad_id.ends_with('0') { '1' } else { '0' };
    bad_id.pop();
    bad_id.push(wrong);
    let csv = format!("{}{bad_id},2026-11-20,negative,某医院\n", tests_csv());
    let report = import(&db, RegistryKind::Tests, &csv).await;
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        (report.errors[0].line, report.errors[0].field.as_str()),
        (5, "holder_id_number")
    );
    assert_eq!(count(&db, "registry_tests").await, 0);
}

#[tokio::test]
async fn header_mistakes_and_duplicate_keys_are_reported() {
    let db = fresh_db().await;
    let report = import(
        &db,
        RegistryKind::Health,
        "holder_id_number,color,updated_at\n",
    )
    .await;
    let got: Vec<(u64, &str, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        got,
        [
            (1, "color", "csv.unknown_column"),
            (1, "colour", "csv.missing_column")
        ]
    );
    let report = import(&db, RegistryKind::Health, "").await;
    assert_eq!(report.errors[0].code, "csv.empty");
    let report = import(
        &db,
        RegistryKind::Health,
        "holder_id_number,colour,updated_at\n",
    )
    .await;
    assert_eq!(report.errors[0].code, "csv.no_rows");
    let dup = format!("{}{},red,2026-11-21\n", health_csv(), id_number(2));
    let report = import(&db, RegistryKind::Health, &dup).await;
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 5);
    assert_eq!(report.errors[0].en, "duplicates line 3");
    // A byte-order mark and columns in another order are fine.
    let bom = format!(
        "\u{feff}colour,updated_at,holder_id_number\ngreen,2026-11-21,{}\n",
        id_number(9)
    );
    assert!(import(&db, RegistryKind::Health, &bom).await.is_ok());
}

#[tokio::test]
async fn importing_again_updates_rows_in_place() {
    let db = fresh_db().await;
    let first = import(&db, RegistryKind::Vehicles, VEHICLES).await;
    let changed = VEHICLES.replace(
        "蒙K54321,重型半挂牵引车,达拉特旗运输有限公司,2",
        "蒙K54321,重型半挂牵引车,达拉特旗运输有限公司,0",
    );
    let second = import(&db, RegistryKind::Vehicles, &changed).await;
    assert!(second.is_ok());
    assert_ne!(first.import_id, second.import_id);
    assert_eq!(count(&db, "registry_vehicles").await, 3);
    let v = store::vehicle(db.pool(), &Plate::parse("蒙K54321").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.unresolved_violations, 0);
    let stamped: i64 = sqlx::query("SELECT COUNT(*) FROM registry_vehicles WHERE import_id = $1")
        .bind(second.import_id.unwrap())
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(stamped, 3);
    // Same for people: a new colour replaces the old one.
    assert!(
        import(&db, RegistryKind::Health, &health_csv())
            .await
            .is_ok()
    );
    let greener = health_csv().replace("red", "green");
    assert!(import(&db, RegistryKind::Health, &greener).await.is_ok());
    assert_eq!(
        count(&db, "registry_health_codes WHERE colour = 'green'").await,
        3
    );
}

#[tokio::test]
async fn a_hundred_thousand_vehicles_import_in_one_go() {
    let db = fresh_db().await;
    let mut csv = String::from(
        "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n",
    );
    for i in 0..100_000 {
        csv.push_str(&format!(
            "蒙K{i:05},重型半挂牵引车,运输公司{},{},normal,2026-11-20 08:00:00\n",
            i % 97,
            i % 3
        ));
    }
    let started = Instant::now();
    let report = import(&db, RegistryKind::Vehicles, &csv).await;
    let elapsed = started.elapsed();
    assert!(
        report.is_ok(),
        "{:?}",
        &report.errors[..report.errors.len().min(3)]
    );
    assert_eq!(count(&db, "registry_vehicles").await, 100_000);
    eprintln!(
        "imported 100000 vehicles in {:.2} s ({:.0} rows/s)",
        elapsed.as_secs_f64(),
        100_000.0 / elapsed.as_secs_f64()
    );
}
