//! `epass registry import` through the real binary on a fresh database.

use std::path::Path;
use std::process::{Command, Output};

use epass::store::Db;

use super::*;
use crate::helpers::{fresh_db_url, hex};

fn epass(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epass"))
        .current_dir(dir)
        .env("EPASS_DATABASE_URL", url)
        .env("EPASS_MASTER_KEY", hex(&MASTER_KEY))
        .env("EPASS_DEMO", "false")
        .env("EPASS_DATA_DIR", dir.join("data"))
        .env_remove("EPASS_CONFIG")
        .args(args)
        .output()
        .expect("run epass")
}

#[tokio::test]
async fn the_command_imports_a_good_file_and_lists_the_mistakes_of_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_db_url().await;
    let good = dir.path().join("vehicles.csv");
    std::fs::write(&good, VEHICLES).unwrap();
    let out = epass(
        dir.path(),
        &url,
        &["registry", "import", "vehicles", good.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("imported 3 vehicles rows from vehicles.csv"),
        "{stdout}"
    );

    let bad = dir.path().join("licences.csv");
    let text = licences().replace(
        "2032-01-01,鄂尔多斯市公安局交通管理支队,3",
        "2032-13-01,鄂尔多斯市公安局交通管理支队,3",
    );
    std::fs::write(&bad, text).unwrap();
    let out = epass(
        dir.path(),
        &url,
        &[
            "registry",
            "import",
            "licences",
            bad.to_str().unwrap(),
            "--actor",
            "王五",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout} {stderr}");
    assert!(
        stdout.starts_with("line 3\tvalid_until\tfield.bad_date\t"),
        "{stdout}"
    );
    assert!(stdout.contains("不是有效的日期"), "{stdout}");
    assert!(
        stderr.contains("1 mistake(s) in licences.csv; nothing was imported"),
        "{stderr}"
    );

    let out = epass(
        dir.path(),
        &url,
        &["registry", "import", "tests", "/nonexistent.csv"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open /nonexistent.csv"));

    let db = Db::open(&url).await.unwrap();
    assert_eq!(count(&db, "registry_vehicles").await, 3);
    assert_eq!(count(&db, "registry_licences").await, 0);
    assert_eq!(
        count(&db, "registry_imports WHERE actor = 'cli:王五'").await,
        0
    );
    assert_eq!(
        count(&db, "audit_events WHERE action = 'registry.imported'").await,
        1
    );
}

#[tokio::test]
async fn the_command_stores_a_folder_of_licence_photos_all_or_none_and_a_licence_import_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_db_url().await;
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    let png = epass_credential::qr::render_png("a photo", 4).unwrap();
    std::fs::write(photos.join("150600123456.png"), &png).unwrap();
    std::fs::write(photos.join("150600654321.jpg"), b"not a jpeg at all").unwrap();
    std::fs::write(photos.join("notes.txt"), b"ignored").unwrap();
    let out = epass(
        dir.path(),
        &url,
        &["registry", "import-photos", photos.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("150600654321"), "{stdout}");
    let db = Db::open(&url).await.unwrap();
    assert_eq!(count(&db, "registry_licence_photos").await, 0);

    std::fs::remove_file(photos.join("150600654321.jpg")).unwrap();
    let out = epass(
        dir.path(),
        &url,
        &["registry", "import-photos", photos.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("stored 1 licence photos"), "{stdout}");
    assert_eq!(count(&db, "registry_licence_photos").await, 1);

    let file = dir.path().join("licences.csv");
    std::fs::write(&file, licences()).unwrap();
    let out = epass(
        dir.path(),
        &url,
        &["registry", "import", "licences", file.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("electronic licences: 0 checked"),
        "the import is followed by a sync: {stdout}"
    );
}
