//! The whole journey in a browser: a driver applies with an invitation code on a phone, the
//! organisation admin approves at level 1 and the authority reviewer at level 2 at their desks,
//! the driver opens the pass, an officer photographs its QR at the checkpoint and sees green,
//! the authority revokes the pass, and the officer checks again and sees red; the supervisor
//! finds both checks in the pass's trail.

use serde_json::json;

use super::webdriver::Browser;
use super::{DESK, PHONE, log_in};
use epass::domain::roles::Role;

use crate::flows::setting;
use crate::helpers::{Auth, TestApp, spawn_app};
use crate::invitations::today_plus;
use crate::world::{self, PASSWORD};

const DRIVER: &str = "13900000021";
const ORG_ADMIN: &str = "13900000002";
const AUTHORITY: &str = "13900000003";
const OFFICER: &str = "13900000004";
const SUPERVISOR: &str = "13900000031";

/// Files a request for A1 with preset road sections, category and hours, approved by the
/// authority; returns the printed code.
async fn invitation(app: &TestApp, s: &crate::flows::Setting) -> String {
    let filed = app
        .post(
            "/api/v1/pass-requests",
            Auth::Session(&s.org_admin),
            json!({
                "pass_type_id": s.personnel_type, "places": 5,
                "purpose": "保供物资运输 / supply runs",
                "valid_from": today_plus(0), "valid_to": today_plus(20),
                "preset": { "road_sections": [s.road.to_string()],
                            "holder_category": "supply_delivery", "daily_window": "00:00-24:00" },
            }),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id = filed.body["id"].as_i64().unwrap();
    let approved = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "approve" }),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    approved.body["printed_code"].as_str().unwrap().to_owned()
}

/// The page fits the phone's width: nothing to scroll sideways.
async fn fits_the_width(b: &Browser) {
    let fits = b
        .script("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await;
    assert_eq!(
        fits,
        true,
        "the page is wider than the screen at {}",
        b.path().await
    );
}

/// Uploads a photo at the checkpoint page; returns the answer's colour and its text.
async fn check_photo(
    b: &mut Browser,
    app: &TestApp,
    photo: &std::path::Path,
    step: &str,
) -> (String, String) {
    b.goto(&app.url("/check")).await;
    fits_the_width(b).await;
    let input = b.find("#photo").await;
    assert_eq!(
        b.attribute(&input, "capture").await.as_deref(),
        Some("environment")
    );
    b.fill("#photo", &photo.display().to_string()).await;
    b.screenshot(&format!("{step}-photo-chosen")).await;
    b.click("#photo-submit").await;
    let verdict = b.find("#verdict").await;
    let colour = b
        .attribute(&verdict, "data-class")
        .await
        .unwrap_or_default();
    let text = b.element_text(&verdict).await;
    fits_the_width(b).await;
    b.screenshot(&format!("{step}-answer")).await;
    (colour, text)
}

#[tokio::test]
async fn a_driver_invited_by_code_gets_a_pass_in_the_browser_that_checks_green_then_red_once_revoked()
 {
    let app = spawn_app().await;
    let s = setting(&app).await;
    world::user(&app, DRIVER, &s.world.a1, &[]).await;
    let code = invitation(&app, &s).await;
    let mut b = Browser::start("journey", PHONE.0, PHONE.1).await;

    // The driver, on a phone: the invitation, the form with the preset values, the agreement.
    log_in(&b, &app, DRIVER, PASSWORD).await;
    b.goto(&app.url(&format!("/join/{code}"))).await;
    assert_eq!(b.text("#join-code-shown").await, code);
    assert!(
        b.text("#preset-holder_category")
            .await
            .contains("运送生活物资")
    );
    fits_the_width(&b).await;
    b.screenshot("driver-join-form").await;
    b.fill("#f-plate", "蒙K12345").await;
    b.select("#f-vehicle_type", "small_car").await;
    b.fill("#f-driver_name", "赵司机").await;
    b.fill("#f-id_number", "11010519491231002X").await;
    b.click("#agreed").await;
    b.screenshot("driver-join-filled").await;
    b.submit("#join-submit", "/applications/").await;
    let status = b.text("#status").await;
    assert_eq!(status, "审核中", "submitted and in review");
    let path = b.path().await;
    let app_id: i64 = path
        .strip_prefix("/applications/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("on the application's page, not {path}"));
    assert!(b.text("#message").await.contains("已提交"));
    assert!(b.text("#timeline").await.contains("承诺办结日期"));
    fits_the_width(&b).await;
    b.screenshot("driver-progress-submitted").await;

    // Level 1: the organisation admin at a desk.
    b.set_window_size(DESK.0, DESK.1).await;
    log_in(&b, &app, ORG_ADMIN, PASSWORD).await;
    b.click("a[href='/reviews']").await;
    let row = b.text(&format!("#row-{app_id}")).await;
    assert!(row.contains("蒙K12345") && row.contains("赵司机"), "{row}");
    b.screenshot("org-admin-queue").await;
    b.click(&format!("#row-{app_id} a.button")).await;
    assert_eq!(b.text("#review-plate").await, "蒙K12345");
    b.screenshot("org-admin-review").await;
    b.submit("#approve", "/reviews?done=approve").await;
    assert!(b.text("#message").await.contains("已审核通过"));
    assert!(
        b.find_all(&format!("#row-{app_id}")).await.is_empty(),
        "decided, so off the queue"
    );
    b.screenshot("org-admin-approved").await;

    // Level 2: the authority reviewer, who sees the first decision in the history.
    log_in(&b, &app, AUTHORITY, PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{app_id}"))).await;
    assert!(b.body_text().await.contains("审核记录"));
    b.screenshot("authority-review").await;
    b.submit("#approve", "/reviews?done=approve").await;

    // The driver opens the pass on the phone: a QR large enough to scan from the screen.
    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, DRIVER, PASSWORD).await;
    b.goto(&app.url(&format!("/applications/{app_id}"))).await;
    assert!(b.text("#status").await.contains("已办结"));
    b.screenshot("driver-progress-issued").await;
    let pass_path = b.submit("#open-pass", "/passes/").await;
    let pass_id: i64 = pass_path
        .strip_prefix("/passes/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("on the pass page, not {pass_path}"));
    assert_eq!(b.text("#pass-state").await, "有效");
    assert_eq!(b.text("#pass-plate").await, "蒙K12345");
    let number = b.text("#pass-number").await;
    assert_eq!(number.len(), 12, "division code and serial: {number}");
    let loaded = b
        .script("return document.getElementById('pass-qr').naturalWidth;")
        .await;
    assert!(loaded.as_f64().unwrap_or(0.0) > 0.0, "the QR image loaded");
    let (w, h) = b.size("#pass-qr").await;
    assert!(
        w >= 300.0 && (w - h).abs() < 1.0,
        "a square QR at least 300 px wide on a phone: {w}×{h}"
    );
    let save = b.find("#save-qr").await;
    assert_eq!(
        b.attribute(&save, "href").await.unwrap_or_default(),
        format!("/api/v1/passes/{pass_id}/qr?format=png")
    );
    let pdf = b.find("#print-pdf").await;
    assert_eq!(
        b.attribute(&pdf, "href").await.unwrap_or_default(),
        format!("/api/v1/passes/{pass_id}/pdf")
    );
    fits_the_width(&b).await;
    b.screenshot("driver-pass").await;

    // A photo of the QR, as the officer's phone would take it of the driver's screen.
    let driver = app.session(DRIVER, PASSWORD).await;
    let png = app
        .http
        .get(app.url(&format!("/api/v1/passes/{pass_id}/qr?format=png")))
        .header("cookie", format!("epass_session={}", driver.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    let photos = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let photo = photos.path().join("qr.png");
    std::fs::write(&photo, png.bytes().await.unwrap()).unwrap();

    // The officer checks it: green, with plate and masked holder; the check is recorded.
    log_in(&b, &app, OFFICER, PASSWORD).await;
    let (colour, text) = check_photo(&mut b, &app, &photo, "officer-first-check").await;
    assert_eq!(colour, "green", "{text}");
    assert!(
        text.contains("蒙K12345") && text.contains("赵司机"),
        "{text}"
    );
    let background = b.css("body", "background-color").await;
    assert!(
        background.contains("15, 122, 54"),
        "a green screen: {background}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM checks").await, 1);

    // The authority revokes the pass from its page.
    b.set_window_size(DESK.0, DESK.1).await;
    log_in(&b, &app, AUTHORITY, PASSWORD).await;
    b.goto(&app.url(&format!("/passes/{pass_id}"))).await;
    b.screenshot("authority-pass").await;
    b.select("#status-action", "revoke").await;
    b.fill("#status-reason", "任务结束 / the task ended").await;
    b.submit("#status-submit", &format!("/passes/{pass_id}?done=revoke"))
        .await;
    assert_eq!(b.text("#pass-state").await, "已撤销");
    assert!(b.text("#message").await.contains("已撤销"));
    b.screenshot("authority-revoked").await;

    // The officer checks the same photo again: red, revoked.
    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, OFFICER, PASSWORD).await;
    let (colour, text) = check_photo(&mut b, &app, &photo, "officer-second-check").await;
    assert_eq!(colour, "red", "{text}");
    assert!(text.contains("撤销"), "{text}");
    assert_eq!(app.count("SELECT COUNT(*) FROM checks").await, 2);

    // What the page's camera script sends (the QR text in the photo form): the same answer.
    let credential = app
        .get(&format!("/api/v1/passes/{pass_id}"), Auth::Session(&driver))
        .await
        .body["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    b.goto(&app.url("/check")).await;
    b.script(&format!(
        "document.getElementById('scanned-text').value = {};",
        serde_json::to_string(&credential).unwrap()
    ))
    .await;
    b.click("#photo-submit").await;
    let verdict = b.find("#verdict").await;
    assert_eq!(
        b.attribute(&verdict, "data-class").await.as_deref(),
        Some("red")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM checks").await, 3);

    // A typed pass number gives the same answer.
    b.goto(&app.url("/check")).await;
    b.fill("#pass-number", &number).await;
    b.click("#number-submit").await;
    let verdict = b.find("#verdict").await;
    assert_eq!(
        b.attribute(&verdict, "data-class").await.as_deref(),
        Some("red")
    );
    b.screenshot("officer-typed-number").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM checks").await, 4);

    // The supervisor, at a desk, finds the pass's trail by its number: both checks are in it,
    // the green one before the revocation and the red ones after, in the log's order.
    world::user(&app, SUPERVISOR, &s.world.region_a, &[Role::Supervisor]).await;
    b.set_window_size(DESK.0, DESK.1).await;
    log_in(&b, &app, SUPERVISOR, PASSWORD).await;
    b.click("#to-supervise").await;
    b.wait_for_path("/supervise").await;
    b.fill("#search-pass", &number).await;
    b.screenshot("supervisor-search").await;
    b.submit(
        "#search-pass-submit",
        &format!("/supervise/passes/{pass_id}/trail"),
    )
    .await;
    assert_eq!(b.text("#trail-number").await, number);
    assert_eq!(b.text("#trail-checks").await, "4");
    let green = b.find_all("#trail tr.check-line.green").await;
    let red = b.find_all("#trail tr.check-line.red").await;
    assert_eq!(
        (green.len(), red.len()),
        (1, 3),
        "one green check, three red"
    );
    let trail = b.text("#trail").await;
    assert!(trail.contains("有效（绿）"), "{trail}");
    assert!(trail.contains("已撤销（红）"), "{trail}");
    let (first_green, revoked, first_red) = (
        trail.find("有效（绿）").unwrap_or(usize::MAX),
        trail.find("撤销通行证").unwrap_or(usize::MAX),
        trail.find("已撤销（红）").unwrap_or(usize::MAX),
    );
    assert!(
        first_green < revoked && revoked < first_red,
        "green check, revocation, red check in order: {trail}"
    );
    let csv = b.find("#trail-csv").await;
    assert_eq!(
        b.attribute(&csv, "href").await.unwrap_or_default(),
        format!("/api/v1/passes/{pass_id}/trail?format=csv")
    );
    b.script("document.querySelector('#trail tr.check-line').scrollIntoView({block: 'center'}); return true;")
        .await;
    b.screenshot("supervisor-pass-trail").await;
    b.goto(&app.url(&format!("/supervise/passes/{pass_id}/trail?lang=en")))
        .await;
    assert!(b.text("#trail").await.contains("Revoked (red)"));
    b.script("document.querySelector('#trail tr.check-line.red').scrollIntoView({block: 'center'}); return true;")
        .await;
    b.screenshot("supervisor-pass-trail-en").await;
}
