//! Tests in a real browser: Debian's Chromium, headless, driven over WebDriver by chromedriver.
//! Each test saves screenshots under `target/browser-screenshots/<test>/`.

mod admin;
mod config;
mod correction;
mod freight;
mod journey;
mod language;
mod licence;
mod org;
mod rejection;
mod review;
mod supervise;
pub mod webdriver;

use webdriver::Browser;

use crate::helpers::TestApp;

/// A phone's viewport (CSS pixels).
pub const PHONE: (u32, u32) = (390, 844);
/// A desk's screen.
pub const DESK: (u32, u32) = (1280, 900);

/// Logs in through the password form of the start page and waits for the home page.
pub async fn log_in(b: &Browser, app: &TestApp, phone: &str, password: &str) {
    b.clear_cookies().await;
    b.goto(&app.url("/")).await;
    b.fill("#pw-phone", phone).await;
    b.fill("#pw-password", password).await;
    b.submit("#pw-submit", "/").await;
    b.find("form[action='/logout']").await;
}
