//! The system administrator's desk in a browser: the demo's administrator creates a user, grants
//! a role, and imports a registry CSV — first with a wrong line (the report names it, nothing is
//! imported), then corrected (the report counts the rows).

use super::webdriver::Browser;
use super::{DESK, log_in};
use crate::helpers::spawn_app;

const ADMIN: &str = "13800000001";

#[tokio::test]
async fn the_demo_administrator_creates_a_user_grants_a_role_and_imports_a_registry_file() {
    let app = spawn_app().await;
    assert!(epass::demo::seed_if_empty(&app.state).await.unwrap());
    let hq = epass::store::orgs::authorities(app.db().pool())
        .await
        .unwrap()
        .remove(0);
    let mut b = Browser::start("admin", DESK.0, DESK.1).await;
    log_in(&b, &app, ADMIN, epass::demo::DEMO_PASSWORD).await;
    b.click("#to-admin").await;
    b.wait_for_path("/admin/users").await;
    assert!(
        b.text("#users").await.contains("王管理"),
        "the demo's users are listed"
    );
    b.screenshot("users").await;

    // A new user in the HQ, without a role yet.
    b.fill("#u-phone", "13912340001").await;
    b.fill("#u-name", "周新同事").await;
    b.select("#u-org", &hq.id.to_string()).await;
    b.fill("#u-password", "a long enough password").await;
    b.screenshot("user-form-filled").await;
    let path = b.submit("#user-submit", "/admin/users/").await;
    assert!(path.contains("done=created"), "{path}");
    assert!(b.text("#message").await.contains("用户已创建"));
    assert_eq!(b.text("#user-name").await, "周新同事");
    assert_eq!(b.find_all("#no-grants").await.len(), 1);

    // A role over the HQ, granted on the user's page.
    b.select("#g-role", "checkpoint_officer").await;
    b.select("#g-org", &hq.id.to_string()).await;
    b.submit("#grant-submit", "/admin/users/").await;
    b.wait_for_path(&path.replace("done=created", "done=granted"))
        .await;
    assert!(b.text("#grants").await.contains("卡口执勤人员"));
    b.screenshot("user-granted").await;
    b.goto(&app.url("/admin/users?q=13912340001")).await;
    assert_eq!(
        b.find_all("#users tbody tr").await.len(),
        1,
        "found by phone"
    );

    // A vehicles file with one wrong plate on line 3: nothing imported, the line named.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let bad = dir.path().join("vehicles.csv");
    std::fs::write(
        &bad,
        "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n\
         蒙K77777,小型汽车,张三,0,normal,2026-01-01\n\
         蒙K7777,小型汽车,李四,0,normal,2026-01-01\n",
    )
    .unwrap();
    let vehicles = app.count("SELECT COUNT(*) FROM registry_vehicles").await;
    b.click("#tab-registry").await;
    b.wait_for_path("/admin/registry-imports").await;
    b.select("#import-kind", "vehicles").await;
    b.fill("#import-file", &bad.display().to_string()).await;
    b.screenshot("import-form").await;
    b.submit("#import-submit", "/admin/registry-imports/").await;
    b.find("#line-errors").await;
    let run = b.find("#run").await;
    assert_eq!(
        b.attribute(&run, "data-status").await.as_deref(),
        Some("rejected")
    );
    let errors = b.find_all("#line-errors tr.line-error").await;
    assert_eq!(errors.len(), 1);
    let line = b.attribute(&errors[0], "data-line").await;
    assert_eq!(line.as_deref(), Some("3"));
    b.screenshot("import-rejected").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM registry_vehicles").await,
        vehicles,
        "nothing imported"
    );

    // Corrected: both rows imported.
    let good = dir.path().join("vehicles-fixed.csv");
    std::fs::write(
        &good,
        "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n\
         蒙K77777,小型汽车,张三,0,normal,2026-01-01\n\
         蒙K77778,小型汽车,李四,0,normal,2026-01-01\n",
    )
    .unwrap();
    b.goto(&app.url("/admin/registry-imports")).await;
    b.select("#import-kind", "vehicles").await;
    b.fill("#import-file", &good.display().to_string()).await;
    b.submit("#import-submit", "/admin/registry-imports/").await;
    b.find("#run-rows").await;
    let run = b.find("#run").await;
    assert_eq!(
        b.attribute(&run, "data-status").await.as_deref(),
        Some("imported")
    );
    assert_eq!(b.text("#run-rows").await, "2");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM registry_vehicles").await,
        vehicles + 2
    );
    b.screenshot("import-done").await;
    let report = b.path().await;
    b.goto(&app.url(&format!("{report}?lang=en"))).await;
    assert!(b.text("#run-report").await.contains("Imported"));
    b.screenshot("import-done-en").await;
    b.goto(&app.url("/admin/registry-imports?lang=zh")).await;
    assert!(b.text("#runs").await.contains("vehicles-fixed.csv"));
    b.screenshot("imports-list").await;
    b.goto(&app.url("/admin/keys")).await;
    b.find("#keys").await;
    b.screenshot("keys").await;
    b.goto(&app.url("/admin/orgs")).await;
    b.screenshot("orgs").await;
}
