//! The electronic driving licence in a phone's browser: the demo holder opens the licence
//! (front page with photo, QR and barcode; side page), makes a consent code for the demo
//! insurer, and the insurer's staff member enters it at the relying party's desk and sees the
//! licence; the same code a second time is refused.

use epass::demo::DEMO_PASSWORD;

use super::{PHONE, log_in};

const HOLDER: &str = "13800000007";
const INSURER: &str = "13800000008";
const NUMBER: &str = "150621000007";

#[tokio::test]
async fn a_holder_shows_the_licence_on_a_phone_and_a_relying_party_sees_it_with_the_consent_code() {
    let app = crate::licence_pages::demo().await;
    let mut b = super::webdriver::Browser::start("licence", PHONE.0, PHONE.1).await;

    // The holder reaches the licence from the home page.
    log_in(&b, &app, HOLDER, DEMO_PASSWORD).await;
    b.click("#to-licences").await;
    b.wait_for_path("/licences").await;
    b.click(&format!("#licence-{NUMBER}")).await;
    b.wait_for_path(&format!("/licences/{NUMBER}")).await;
    assert_eq!(b.text("#licence-name").await, "孙司机");
    assert_eq!(b.text("#licence-classes").await, "A2 C1");
    assert_eq!(b.text("#licence-state").await, "有效");
    // The photo loaded, and the QR is large yet fits the phone's width.
    let loaded = b
        .script("const i = document.getElementById('licence-photo'); return i.complete && i.naturalWidth > 0;")
        .await;
    assert_eq!(loaded.as_bool(), Some(true), "the photo is shown");
    let (qr_w, _) = b.size("#licence-qr svg").await;
    assert!(
        (250.0..=f64::from(PHONE.0)).contains(&qr_w),
        "QR {qr_w} px wide"
    );
    let (bar_w, bar_h) = b.size("#licence-barcode svg").await;
    assert!(bar_w > 200.0 && bar_h > 40.0, "barcode {bar_w}×{bar_h}");
    b.screenshot("front-page").await;
    b.script("document.getElementById('licence-side').scrollIntoView(); return true;")
        .await;
    b.screenshot("side-page").await;

    // A consent code for the insurer, once.
    b.click("#make-consent").await;
    b.wait_for_path(&format!("/licences/{NUMBER}/consent"))
        .await;
    let option = b.find("#relying-party option").await;
    let party = b.attribute(&option, "value").await.unwrap();
    b.select("#relying-party", &party).await;
    b.click("#mode-once").await;
    b.screenshot("consent-form").await;
    b.click("#consent-submit").await;
    let code = b.text("#consent-code").await;
    assert_eq!(code.len(), 10, "{code}");
    assert!(b.text("#consent-party").await.contains("保险"));
    let (code_qr, _) = b.size("#consent-qr svg").await;
    assert!(code_qr >= 200.0, "the code's QR is {code_qr} px wide");
    b.screenshot("consent-code").await;

    // The insurer's staff member enters it and sees the licence.
    log_in(&b, &app, INSURER, DEMO_PASSWORD).await;
    b.click("#to-relying-party").await;
    b.wait_for_path("/relying-party").await;
    b.fill("#consent-code-input", &code).await;
    b.submit("#code-submit", "/relying-party/view").await;
    assert_eq!(b.text("#seen-name").await, "孙司机");
    assert_eq!(b.text("#seen-number").await, NUMBER);
    assert_eq!(b.text("#licence-standing").await, "有效");
    b.screenshot("relying-party-sees-the-licence").await;

    // Once only: the same code again is refused, saying why in both languages.
    b.fill("#consent-code-input", &code).await;
    b.click("#code-submit").await;
    let refusal = b.text("#refusal").await;
    assert!(
        refusal.contains("已被使用") && refusal.contains("has been used"),
        "{refusal}"
    );
    assert!(b.find_all("#seen-name").await.is_empty());
    b.screenshot("second-view-refused").await;
}
