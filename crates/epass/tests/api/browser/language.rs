//! The language switch: Chinese by default, English by the switch, remembered across pages and
//! after logging in; and the checkpoint page on a phone.

use super::PHONE;
use super::webdriver::Browser;
use crate::helpers::spawn_app;
use crate::world::{self, PASSWORD};
use epass::domain::roles::Role;

#[tokio::test]
async fn the_language_switch_turns_every_page_to_english_and_is_remembered() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    world::user(&app, "13900000031", &w.a1, &[Role::CheckpointOfficer]).await;
    let mut b = Browser::start("language", PHONE.0, PHONE.1).await;

    b.goto(&app.url("/")).await;
    assert!(
        b.body_text().await.contains("密码登录"),
        "Chinese by default"
    );
    assert_eq!(b.text("#lang-switch").await, "English");
    b.screenshot("login-zh").await;
    b.submit("#lang-switch", "/?lang=en").await;
    assert!(b.body_text().await.contains("Log in with a password"));
    b.screenshot("login-en").await;

    // Logging in keeps the choice (the cookie), and so does every page after.
    b.fill("#pw-phone", "13900000031").await;
    b.fill("#pw-password", PASSWORD).await;
    b.click("#pw-submit").await;
    b.find("form[action='/logout']").await;
    let body = b.body_text().await;
    assert!(body.contains("Welcome"), "{} {body}", b.path().await);
    b.screenshot("home-en").await;
    b.goto(&app.url("/applications")).await;
    assert!(b.body_text().await.contains("My applications"));
    b.goto(&app.url("/check")).await;
    assert!(
        b.body_text()
            .await
            .contains("Take a photo of the pass's QR code")
    );
    let fits = b
        .script("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await;
    assert_eq!(fits, true, "the check page fits a phone");
    b.screenshot("check-en-phone").await;

    // A number no pass carries: red, with the reason in English.
    b.fill("#pass-number", "150621999999").await;
    b.click("#number-submit").await;
    let verdict = b.find("#verdict").await;
    assert_eq!(
        b.attribute(&verdict, "data-class").await.as_deref(),
        Some("red")
    );
    assert!(
        b.text("#verdict-reason")
            .await
            .contains("no pass has this number")
    );
    b.screenshot("check-unknown-en").await;

    // And back to Chinese, remembered too.
    b.submit("#lang-switch", "/check?lang=zh").await;
    assert!(b.body_text().await.contains("卡口查验"));
    b.goto(&app.url("/")).await;
    assert!(b.body_text().await.contains("欢迎"));
    b.screenshot("home-zh").await;
}
