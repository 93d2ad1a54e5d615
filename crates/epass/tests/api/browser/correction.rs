//! A return and correction in a browser: the organisation's reviewer returns an application with
//! a reason, the applicant reads it on the progress page of a phone, corrects the prefilled form
//! and resubmits; the history keeps both rounds, and the reviewers approve the corrected one.

use super::webdriver::Browser;
use super::{DESK, PHONE, log_in};
use crate::applicant_pages::DRIVER_ID;
use crate::flows::{apply, setting};
use crate::helpers::spawn_app;
use crate::world::PASSWORD;

const APPLICANT: &str = "13900000001";
const ORG_ADMIN: &str = "13900000002";
const AUTHORITY: &str = "13900000003";

#[tokio::test]
async fn a_returned_application_is_corrected_by_its_applicant_and_then_approved() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let filed = apply(&app, &s, &s.applicant, s.values("蒙K22222", 0, 10)).await;
    let id = filed["id"].as_i64().unwrap();
    let mut b = Browser::start("correction", DESK.0, DESK.1).await;

    // The organisation returns it with what to correct.
    log_in(&b, &app, ORG_ADMIN, PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.fill("#return-text", "车牌号与行驶证不符，请核对后重新提交")
        .await;
    b.screenshot("return-filled").await;
    b.submit("#return", "/reviews?done=return").await;

    // The applicant reads the reason and the prefilled form on a phone.
    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, APPLICANT, PASSWORD).await;
    b.goto(&app.url(&format!("/applications/{id}"))).await;
    assert_eq!(b.text("#status").await, "已退回修改");
    assert!(
        b.text("#return-reason")
            .await
            .contains("车牌号与行驶证不符")
    );
    let plate = b.find("#f-plate").await;
    assert_eq!(
        b.attribute(&plate, "value").await.as_deref(),
        Some("蒙K22222"),
        "prefilled with what was sent"
    );
    b.screenshot("applicant-sees-return").await;
    b.fill("#f-plate", "蒙K54321").await;
    b.fill("#f-id_number", DRIVER_ID).await;
    b.click("#agreed").await;
    b.screenshot("correction-filled").await;
    b.submit("#resubmit", &format!("/applications/{id}?done=resubmitted"))
        .await;
    assert!(b.text("#message").await.contains("重新提交"));
    assert_eq!(b.text("#status").await, "审核中");
    let timeline = b.text("#timeline").await;
    assert!(
        timeline.contains("车牌号与行驶证不符") && timeline.contains("第 2 轮"),
        "{timeline}"
    );
    assert!(b.find_all("#round-1").await.len() == 1, "round 1 kept");
    b.screenshot("applicant-resubmitted").await;
    b.goto(&app.url(&format!("/applications/{id}?lang=en")))
        .await;
    assert!(
        b.text("#timeline")
            .await
            .contains("Corrected and resubmitted (round 2)")
    );
    b.screenshot("applicant-resubmitted-en").await;

    // Both levels approve the corrected application.
    b.set_window_size(DESK.0, DESK.1).await;
    log_in(&b, &app, ORG_ADMIN, PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{id}?lang=zh"))).await;
    assert_eq!(b.text("#review-plate").await, "蒙K54321");
    b.submit("#approve", "/reviews?done=approve").await;
    log_in(&b, &app, AUTHORITY, PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.submit("#approve", "/reviews?done=approve").await;

    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, APPLICANT, PASSWORD).await;
    b.goto(&app.url(&format!("/applications/{id}"))).await;
    assert!(b.text("#status").await.contains("已办结"));
    b.find("#open-pass").await;
    b.screenshot("applicant-issued").await;
}
