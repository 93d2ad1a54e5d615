//! A rejection through the pages: the reviewer must give a reason code and text, and the driver
//! reads both on the timeline, in English when they chose it; a driver cannot reach the
//! checkpoint's checks.

use super::webdriver::Browser;
use super::{DESK, PHONE, log_in};
use crate::flows::{apply, setting};
use crate::helpers::spawn_app;
use crate::world::PASSWORD;

#[tokio::test]
async fn a_rejection_needs_a_reason_and_the_driver_reads_it_on_the_timeline() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let values = s.values("蒙K54321", 0, 10);
    let filed = apply(&app, &s, &s.applicant, values).await;
    let id = filed["id"].as_i64().unwrap();
    let mut b = Browser::start("rejection", DESK.0, DESK.1).await;

    log_in(&b, &app, "13900000002", PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    // Without a reason code the browser itself keeps the form (the field is required); the
    // server refuses one without text too, saying so on the page.
    b.select("#reject-code", "not_eligible").await;
    b.script("document.getElementById('reject-text').removeAttribute('required');")
        .await;
    b.click("#reject").await;
    assert!(
        b.text("#message").await.contains("须填写理由"),
        "the reason is required"
    );
    b.screenshot("reason-missing").await;
    b.select("#reject-code", "not_eligible").await;
    b.fill("#reject-text", "车辆不属于保供范围").await;
    b.screenshot("reject-filled").await;
    b.submit("#reject", "/reviews?done=reject").await;
    assert!(b.text("#message").await.contains("已驳回"));

    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, "13900000001", PASSWORD).await;
    b.goto(&app.url(&format!("/applications/{id}?lang=en")))
        .await;
    assert_eq!(b.text("#status").await, "Rejected");
    let timeline = b.text("#timeline").await;
    assert!(
        timeline.contains("Not eligible") && timeline.contains("车辆不属于保供范围"),
        "{timeline}"
    );
    b.screenshot("driver-sees-rejection-en").await;

    // The driver holds no officer grant: the checkpoint refuses the check, in English.
    b.goto(&app.url("/check")).await;
    b.fill("#pass-number", "150621000001").await;
    b.click("#number-submit").await;
    b.find("#message").await;
    assert!(b.body_text().await.contains("not allowed"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM checks").await,
        0,
        "nothing recorded"
    );
}
