//! The freight flow in a browser: a carrier registers their real name on a phone (a wrong ID
//! number refused), applies directly for a point-to-point freight pass (instructions, form, the
//! test report photographed, agreement), lands on the progress timeline with the promised date,
//! the district liaison and the city group approve at their desks, and the applicant opens the
//! pass with a QR large enough to scan from the screen.

use super::webdriver::Browser;
use super::{DESK, PHONE, log_in};
use crate::applicant_pages::{DRIVER_ID, REVIEWER, freight_fields, freight_setting};
use crate::flows::setting;
use crate::helpers::spawn_app;
use crate::world::PASSWORD;

const APPLICANT: &str = "13900000001";
const CITY_GROUP: &str = "13900000003";

#[tokio::test]
async fn a_carrier_applies_directly_for_a_freight_pass_with_its_test_report_and_gets_the_qr() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let freight = freight_setting(&app, &s).await;
    let files = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let report = files.path().join("test-report.jpg");
    std::fs::write(&report, crate::documents::jpeg()).unwrap();
    let mut b = Browser::start("freight", PHONE.0, PHONE.1).await;

    // The applicant on a phone registers their real name first: a mistyped ID number is refused
    // beside its field, then the right one is kept with photos of the ID card.
    let card = files.path().join("id-card.png");
    std::fs::write(&card, crate::documents::png()).unwrap();
    log_in(&b, &app, APPLICANT, PASSWORD).await;
    b.click("#to-register").await;
    b.wait_for_path("/register").await;
    let camera = b.find("#f-id_card_front").await;
    assert_eq!(
        b.attribute(&camera, "accept").await.as_deref(),
        Some("image/*")
    );
    assert!(
        b.attribute(&camera, "capture").await.is_some(),
        "the camera is offered"
    );
    b.fill("#f-name", "钱司机").await;
    b.fill("#f-id_number", "110105194912310021").await;
    b.fill("#f-id_card_front", &card.display().to_string())
        .await;
    b.fill("#f-id_card_back", &card.display().to_string()).await;
    b.click("#register-submit").await;
    assert!(b.text("#e-id_number").await.contains("校验位"));
    b.screenshot("register-wrong-id").await;
    b.fill("#f-id_number", DRIVER_ID).await;
    b.fill("#f-id_card_front", &card.display().to_string())
        .await;
    b.fill("#f-id_card_back", &card.display().to_string()).await;
    b.submit("#register-submit", "/register?done=registered")
        .await;
    assert!(b.text("#registered").await.contains("钱司机"));
    b.screenshot("register-saved").await;

    // From home to the freight type, its instructions and form.
    b.goto(&app.url("/")).await;
    b.click("#to-apply").await;
    b.wait_for_path("/apply").await;
    b.screenshot("pass-types").await;
    b.click(&format!("a[href='/apply/{freight}']")).await;
    b.wait_for_path(&format!("/apply/{freight}")).await;
    assert!(b.text("#instructions").await.contains("核酸检测阴性证明"));
    b.screenshot("freight-form-empty").await;
    for (name, value) in freight_fields("蒙K11111") {
        let Some(key) = name.strip_prefix("v.") else {
            continue;
        };
        let css = format!("#f-{key}");
        match key {
            "applicant_role" | "cargo_type" => b.select(&css, &value).await,
            // A date-time picker takes its value from a script more reliably than from keys.
            "travel_from" | "travel_to" => {
                b.script(&format!(
                    "document.getElementById('f-{key}').value = '{value}';"
                ))
                .await;
            }
            _ => b.fill(&css, &value).await,
        }
    }
    let doc = b.find("#doc-test_report").await;
    assert_eq!(
        b.attribute(&doc, "accept").await.as_deref(),
        Some("image/*,application/pdf")
    );
    b.fill("#doc-test_report", &report.display().to_string())
        .await;
    b.click("#agreed").await;
    b.screenshot("freight-form-filled").await;
    b.submit("#apply-submit", "/applications/").await;
    assert_eq!(b.text("#status").await, "审核中");
    assert!(b.text("#message").await.contains("已提交"));
    assert!(b.text("#timeline").await.contains("承诺办结日期"));
    assert!(!b.text("#promised").await.is_empty());
    assert!(b.text("#documents").await.contains("核酸检测阴性证明"));
    let path = b.path().await;
    let id: i64 = path
        .strip_prefix("/applications/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("on the progress page, not {path}"));
    b.screenshot("freight-progress-submitted").await;

    // The district liaison (level 1) sees the report beside the application and approves.
    b.set_window_size(DESK.0, DESK.1).await;
    log_in(&b, &app, REVIEWER, PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    assert_eq!(b.text("#review-plate").await, "蒙K11111");
    assert!(b.text("#documents").await.contains("核酸检测阴性证明"));
    b.screenshot("liaison-review").await;
    b.submit("#approve", "/reviews?done=approve").await;

    // The city group (level 2) approves and the pass is issued.
    log_in(&b, &app, CITY_GROUP, PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.screenshot("city-group-review").await;
    b.submit("#approve", "/reviews?done=approve").await;

    // The applicant opens the pass on the phone.
    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, APPLICANT, PASSWORD).await;
    b.goto(&app.url(&format!("/applications/{id}"))).await;
    assert!(b.text("#status").await.contains("已办结"));
    b.screenshot("freight-progress-issued").await;
    b.submit("#open-pass", "/passes/").await;
    assert_eq!(b.text("#pass-plate").await, "蒙K11111");
    // The planned trip is tomorrow: issued, and valid from then.
    assert_eq!(b.text("#pass-state").await, "尚未生效");
    assert_eq!(b.text("#pass-number").await.len(), 12);
    let loaded = b
        .script("return document.getElementById('pass-qr').naturalWidth;")
        .await;
    assert!(loaded.as_f64().unwrap_or(0.0) > 0.0, "the QR image loaded");
    let (w, h) = b.size("#pass-qr").await;
    assert!(
        w >= 300.0 && (w - h).abs() < 1.0,
        "a square QR at least 300 px wide: {w}×{h}"
    );
    b.screenshot("freight-pass").await;
}
