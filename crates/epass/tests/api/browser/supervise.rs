//! The supervisor's pages: an alert raised by a constructed history (one pass checked at two
//! places too far apart for the time between them) is listed with its evidence in both
//! languages and acknowledged with a note; the dashboard draws its charts as SVG; a system administrator reaches a pass's trail from
//! the pass page; anyone else gets a 403 page.

use epass::actions::alerts::{AlertConfig, scan};
use epass::domain::roles::Role;
use epass::store::now_ms;
use serde_json::{Value, json};

use super::webdriver::Browser;
use super::{DESK, log_in};
use crate::flows::{Setting, issue, setting};
use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD};

const SUPERVISOR: &str = "13900000041";
const ADMIN: &str = "13900000042";
const MINUTE: i64 = 60_000;

/// A checkpoint of department A1 at a place.
async fn checkpoint(app: &TestApp, s: &Setting, longitude: f64, latitude: f64) -> i64 {
    let mut tx = app.db().begin().await.unwrap();
    let checkpoint = epass::store::checkpoints::insert(
        &mut tx,
        &epass::store::checkpoints::NewCheckpoint {
            org_id: s.world.a1.id,
            name: "远端卡口",
            longitude,
            latitude,
            guards: &[],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    checkpoint.id
}

/// Two checks of one pass 300 km apart within 30 minutes, uploaded as made offline, then an
/// alert scan; returns the pass and the raised alert's id.
async fn copied_code(app: &TestApp, s: &Setting) -> (Value, i64) {
    let pass = issue(app, s, "蒙K12345", 0, 3).await;
    let text = pass["credential"].as_str().unwrap();
    let far = checkpoint(app, s, 113.55, 40.4).await;
    let t0 = now_ms() - 3 * 60 * MINUTE;
    let reply = app
        .post(
            "/api/v1/checks/batch",
            Auth::Session(&s.officer),
            json!({ "checks": [
                { "text": text, "client_ref": "c-1", "checked_at": t0,
                  "longitude": 110.0, "latitude": 40.4 },
                { "text": text, "client_ref": "c-2", "checked_at": t0 + 30 * MINUTE,
                  "checkpoint_id": far },
            ] }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = scan(app.db(), &AlertConfig::default()).await.unwrap();
    let travel: Vec<_> = report
        .raised
        .iter()
        .filter(|a| a.kind == "impossible_travel")
        .collect();
    assert_eq!(travel.len(), 1, "{:?}", report.raised);
    (pass, travel[0].id)
}

#[tokio::test]
async fn a_supervisor_sees_the_dashboard_reads_an_impossible_travel_alert_with_its_evidence_and_acknowledges_it_in_the_browser()
 {
    let app = spawn_app().await;
    let s = setting(&app).await;
    world::user(&app, SUPERVISOR, &s.world.region_a, &[Role::Supervisor]).await;
    let (pass, alert) = copied_code(&app, &s).await;
    let number = pass["pass_number"].as_str().unwrap().to_owned();
    epass::actions::statistics::roll_up(app.db()).await.unwrap();
    let mut b = Browser::start("supervise-alerts", DESK.0, DESK.1).await;

    log_in(&b, &app, SUPERVISOR, PASSWORD).await;
    b.click("#to-supervise").await;
    b.wait_for_path("/supervise").await;
    b.screenshot("supervisor-landing").await;
    // The dashboard, drawn by the server as SVG: the two checks, at two checkpoints (one of
    // them "none given", the other by its name), and the day's application.
    let checkpoints = b.text("#chart-checkpoints").await;
    assert!(
        checkpoints.contains("未指定卡口") && checkpoints.contains("远端卡口"),
        "{checkpoints}"
    );
    assert!(!b.find_all("#chart-checkpoints svg rect").await.is_empty());
    assert!(!b.find_all("#chart-applications svg rect").await.is_empty());
    assert!(!b.find_all("#chart-hours svg rect").await.is_empty());
    b.script("document.getElementById('dashboard').scrollIntoView(); return true;")
        .await;
    b.screenshot("supervisor-dashboard").await;
    b.submit("#to-alerts", "/supervise/alerts?status=open")
        .await;
    let card = b.text(&format!("#alert-{alert}")).await;
    assert!(card.contains("不可能的行程"), "{card}");
    assert!(card.contains(&number), "{card}");
    assert!(card.contains("未处理"), "{card}");
    // The evidence in words: the distance, the minutes, the speed it would take.
    assert!(card.contains("距离（公里）"), "{card}");
    assert!(
        card.contains("间隔（分钟）") && card.contains("30"),
        "{card}"
    );
    assert!(card.contains("时速上限（公里）"), "{card}");
    b.screenshot("supervisor-alerts-open").await;

    // In English, the same alert's evidence.
    b.goto(&app.url("/supervise/alerts?status=open&lang=en"))
        .await;
    let card = b.text(&format!("#alert-{alert}")).await;
    assert!(card.contains("Impossible travel"), "{card}");
    assert!(
        card.contains("Distance (km)") && card.contains("Minutes apart"),
        "{card}"
    );
    b.screenshot("supervisor-alerts-en").await;

    // The pass's trail from the alert: both checks.
    b.goto(&app.url("/supervise/alerts?status=open&lang=zh"))
        .await;
    b.click(&format!("#alert-{alert} a[href^='/supervise/passes/']"))
        .await;
    b.wait_for_path("/supervise/passes/").await;
    assert_eq!(b.text("#trail-checks").await, "2");
    b.script("document.querySelector('#trail tr.check-line').scrollIntoView({block: 'center'}); return true;")
        .await;
    b.screenshot("supervisor-alert-pass-trail").await;

    // Acknowledged with a note: off the open list, on the acknowledged one with the note.
    b.goto(&app.url("/supervise/alerts?status=open")).await;
    b.fill(
        &format!("#note-{alert}"),
        "已核实：司机手机截图被转发，已约谈。",
    )
    .await;
    b.submit(
        &format!("#ack-{alert}"),
        "/supervise/alerts?done=acknowledged",
    )
    .await;
    assert!(b.text("#message").await.contains("告警已确认"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM alerts WHERE status = 'acknowledged'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'alert.acknowledged'")
            .await,
        1
    );
    b.select("#filter-status", "open").await;
    b.submit("#filter-submit", "/supervise/alerts?").await;
    b.find("#alerts-empty").await;
    b.select("#filter-status", "acknowledged").await;
    b.select("#filter-kind", "impossible_travel").await;
    b.submit("#filter-submit", "/supervise/alerts?").await;
    let card = b.text(&format!("#alert-{alert}")).await;
    assert!(card.contains("已确认") && card.contains("已约谈"), "{card}");
    assert!(b.find_all(&format!("#note-{alert}")).await.is_empty());
    assert!(
        b.text(&format!("#ack-note-{alert}"))
            .await
            .contains("已约谈")
    );
    b.screenshot("supervisor-alert-acknowledged").await;
}

#[tokio::test]
async fn a_system_admin_reaches_a_passs_trail_from_the_pass_page_in_the_browser() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    world::user(&app, ADMIN, &s.world.region_a, &[Role::SystemAdmin]).await;
    let pass = issue(&app, &s, "蒙K12345", 0, 3).await;
    let id = pass["id"].as_i64().unwrap();
    let mut b = Browser::start("supervise-pass-page", DESK.0, DESK.1).await;
    log_in(&b, &app, ADMIN, PASSWORD).await;
    b.goto(&app.url(&format!("/passes/{id}"))).await;
    b.submit("#pass-trail", &format!("/supervise/passes/{id}/trail"))
        .await;
    let trail = b.text("#trail").await;
    assert!(trail.contains("签发通行证"), "{trail}");
    assert_eq!(b.text("#trail-checks").await, "0");
    b.screenshot("admin-pass-trail").await;

    // The pass page of someone who does not supervise has no such link.
    log_in(&b, &app, "13900000003", PASSWORD).await;
    b.goto(&app.url(&format!("/passes/{id}"))).await;
    b.find("#pass-number").await;
    assert!(b.find_all("#pass-trail").await.is_empty());
}

/// A page as `who` gets it over plain HTTP: its status and body.
async fn page(app: &TestApp, who: &Session, method: &str, path: &str) -> (u16, String) {
    let req = match method {
        "POST" => app
            .http
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={}&note=x", who.csrf)),
        _ => app.http.get(app.url(path)),
    };
    let resp = req
        .header("cookie", format!("epass_session={}", who.cookie))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

#[tokio::test]
async fn the_supervisor_pages_are_403_for_everyone_but_supervisors_of_a_whole_authority() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    world::user(&app, SUPERVISOR, &s.world.region_a, &[Role::Supervisor]).await;
    // A supervisor of one department only is not one of the whole authority.
    world::user(&app, "13900000043", &s.world.a1, &[Role::Supervisor]).await;
    let (pass, alert) = copied_code(&app, &s).await;
    let id = pass["id"].as_i64().unwrap();
    let department = app.login("13900000043", PASSWORD).await;
    let paths = [
        ("GET", "/supervise".to_owned()),
        (
            "GET",
            format!("/supervise?pass={}", pass["pass_number"].as_str().unwrap()),
        ),
        ("GET", format!("/supervise/passes/{id}/trail")),
        (
            "GET",
            format!("/supervise/users/{}/trail", s.officer.user_id),
        ),
        ("GET", "/supervise/alerts".to_owned()),
        ("POST", format!("/supervise/alerts/{alert}/acknowledge")),
    ];
    for who in [&s.officer, &s.applicant, &s.authority_reviewer, &department] {
        for (method, path) in &paths {
            let (status, body) = page(&app, who, method, path).await;
            assert_eq!(status, 403, "{method} {path} for user {}", who.user_id);
            assert!(body.contains("<html"), "a page, not bare text: {body}");
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM alerts WHERE status = 'open'")
            .await,
        1
    );
    // The authority's supervisor gets every page, and the user trail pages by a cursor.
    let boss = app.login(SUPERVISOR, PASSWORD).await;
    for (method, path) in &paths[..5] {
        let (status, _) = page(&app, &boss, method, path).await;
        assert_eq!(status, 200, "{method} {path}");
    }
    let (status, body) = page(
        &app,
        &boss,
        "GET",
        &format!("/supervise/users/{}/trail", s.officer.user_id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("查验"), "the officer's checks: {body}");
}
