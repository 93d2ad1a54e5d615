//! The organisation admin's invitation pages in a browser: file a pass request, see its code,
//! QR and link once the authority approves, and close it; a driver's `/join/{code}` follows.

use serde_json::json;

use super::{DESK, PHONE, log_in};

use crate::flows::setting;
use crate::helpers::{Auth, spawn_app};
use crate::invitations::today_plus;
use crate::world::{self, PASSWORD};

const DRIVER: &str = "13900000021";
const ORG_ADMIN: &str = "13900000002";

#[tokio::test]
async fn an_org_admin_files_a_request_sees_the_code_after_approval_and_closes_it() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    world::user(&app, DRIVER, &s.world.a1, &[]).await;
    let mut b = super::webdriver::Browser::start("org-requests", DESK.0, DESK.1).await;

    // The admin reaches the requests from the home page and files one.
    log_in(&b, &app, ORG_ADMIN, PASSWORD).await;
    b.click("#to-org-requests").await;
    b.wait_for_path("/org/requests").await;
    assert!(
        b.find_all("#no-requests").await.len() == 1,
        "none filed yet"
    );
    b.select("#r-type", &s.personnel_type.to_string()).await;
    b.fill("#r-places", "3").await;
    // A date input's typed keys follow the browser's locale; the value is set as the picker would.
    b.script(&format!(
        "document.getElementById('r-from').value = '{}'; \
         document.getElementById('r-to').value = '{}'; return true;",
        today_plus(0),
        today_plus(10)
    ))
    .await;
    b.fill("#r-purpose", "抢修供电线路 / power line repairs")
        .await;
    b.fill("#r-roads", &s.road.to_string()).await;
    b.fill("#r-window", "06:00-22:00").await;
    b.screenshot("admin-form-filled").await;
    let path = b.submit("#file-submit", "/org/requests/").await;
    let id: i64 = path
        .strip_prefix("/org/requests/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("on the request's page, not {path}"));
    assert!(b.text("#message").await.contains("已提交"));
    let state = b.find("#request-state").await;
    assert_eq!(
        b.attribute(&state, "data-state").await.as_deref(),
        Some("pending")
    );
    assert_eq!(b.text("#request-places").await, "0 / 3");
    assert!(
        b.find_all("#invitation-code").await.is_empty(),
        "no code yet"
    );
    b.screenshot("admin-request-pending").await;

    // What the browser filed is what the API reads, presets included.
    let filed = app
        .get(
            &format!("/api/v1/pass-requests/{id}"),
            Auth::Session(&s.org_admin),
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert_eq!(filed.body["places"], 3);
    assert_eq!(
        filed.body["preset"],
        json!({ "road_sections": [s.road.to_string()], "daily_window": "06:00-22:00" })
    );

    // The authority approves it.
    let approved = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "approve" }),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let code = approved.body["printed_code"].as_str().unwrap().to_owned();

    // The admin sees the code large, its QR (the session cookie authorises the image) and the link.
    b.goto(&app.url(&format!("/org/requests/{id}"))).await;
    assert_eq!(b.text("#invitation-code").await, code);
    let state = b.find("#request-state").await;
    assert_eq!(
        b.attribute(&state, "data-state").await.as_deref(),
        Some("open")
    );
    let loaded = b
        .script("return document.getElementById('invitation-qr').naturalWidth;")
        .await;
    assert!(loaded.as_f64().unwrap_or(0.0) > 0.0, "the QR image loaded");
    let link = b.text("#invitation-link").await;
    assert!(
        link.ends_with(&format!("/join/{}", code.replace('-', ""))),
        "{link}"
    );
    assert_eq!(
        approved.body["join_link"].as_str(),
        Some(link.as_str()),
        "the page's link is the API's"
    );
    b.screenshot("admin-request-approved").await;

    // The list shows it with places and code.
    b.goto(&app.url("/org/requests")).await;
    let row = b.text(&format!("#request-{id}")).await;
    assert!(row.contains(&code) && row.contains("0 / 3"), "{row}");
    b.screenshot("admin-requests-list").await;

    // A driver on a phone opens the link: the invitation, taking applications.
    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, DRIVER, PASSWORD).await;
    b.goto(&app.url(&format!("/join/{code}"))).await;
    assert_eq!(b.text("#join-code-shown").await, code);
    assert_eq!(b.find_all("#join-form").await.len(), 1, "the form is there");
    b.screenshot("driver-join-open").await;

    // The admin closes the request.
    b.set_window_size(DESK.0, DESK.1).await;
    log_in(&b, &app, ORG_ADMIN, PASSWORD).await;
    b.goto(&app.url(&format!("/org/requests/{id}"))).await;
    b.submit("#close-submit", &format!("/org/requests/{id}?done=closed"))
        .await;
    assert!(b.text("#message").await.contains("已关闭"));
    let state = b.find("#request-state").await;
    assert_eq!(
        b.attribute(&state, "data-state").await.as_deref(),
        Some("closed")
    );
    assert!(b.find_all("#close-submit").await.is_empty(), "closed once");
    b.screenshot("admin-request-closed").await;

    // The driver's link now says the invitation is closed, with no form.
    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, DRIVER, PASSWORD).await;
    b.goto(&app.url(&format!("/join/{code}"))).await;
    let message = b.text("#message").await;
    assert!(message.contains("已关闭"), "{message}");
    assert!(b.find_all("#join-form").await.is_empty(), "no form");
    b.screenshot("driver-join-closed").await;
}
