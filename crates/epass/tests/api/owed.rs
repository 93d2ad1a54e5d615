//! Approval with documents owed (容缺受理): the pass is issued, the holder reminded three days
//! and one day before the deadline (each once), and the pass suspended by the system when the
//! deadline passes with documents still owed — unless they were supplied in time.

use serde_json::{Value, json};

use crate::documents::{pdf, upload};
use crate::flows::{Setting, apply, decide, setting};
use crate::helpers::{Auth, TestApp, spawn_app};

const DAY: i64 = 86_400_000;
const MINUTE: i64 = 60_000;

/// Today plus `days`, as a local (Beijing) date.
fn local_date(days: i64) -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date()
        + time::Duration::days(days);
    date.to_string()
}

/// An application approved at level 1, waiting for the final level.
async fn at_final_level(app: &TestApp, s: &Setting) -> i64 {
    let id = apply(app, s, &s.applicant, s.values("蒙K12345", 0, 20)).await["id"]
        .as_i64()
        .unwrap();
    let first = decide(
        app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    id
}

/// Issues the pass with the vehicle licence owed until today + 5: `(pass, due_at)`.
async fn issued_owing(app: &TestApp, s: &Setting, id: i64) -> (Value, i64) {
    let reply = decide(
        app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 2,
                "owed_documents": ["vehicle_licence"], "owed_until": local_date(5) }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["application"]["status"], "issued");
    let listed = app
        .get(
            &format!("/api/v1/applications/{id}/documents"),
            Auth::Session(&s.applicant),
        )
        .await;
    let owed = listed.body["owed"].as_array().unwrap();
    assert_eq!(owed.len(), 1, "{}", listed.body);
    assert_eq!(owed[0]["kind"], "vehicle_licence");
    (
        reply.body["pass"].clone(),
        owed[0]["due_at"].as_i64().unwrap(),
    )
}

async fn sweep(app: &TestApp, now: i64) -> epass::actions::owed::SweepReport {
    epass::actions::owed::sweep(app.db(), &app.state.pii, now)
        .await
        .unwrap()
}

async fn check(app: &TestApp, s: &Setting, pass: &Value) -> String {
    let reply = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            json!({ "text": pass["credential"] }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["code"].as_str().unwrap().to_owned()
}

async fn reminders(app: &TestApp) -> i64 {
    app.count(
        "SELECT COUNT(*) FROM outbox WHERE recipient = '13900000001' AND body LIKE '%Reminder%'",
    )
    .await
}

#[tokio::test]
async fn an_owed_document_is_reminded_once_each_time_and_its_lapse_suspends_the_pass() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = at_final_level(&app, &s).await;
    let (pass, due_at) = issued_owing(&app, &s, id).await;
    let told = app.last_sms("13900000001").await.unwrap();
    assert!(
        told.contains("owed") && told.contains(&local_date(5)),
        "{told}"
    );
    assert_eq!(check(&app, &s, &pass).await, "valid");

    let now = epass::store::now_ms();
    assert_eq!(
        sweep(&app, now).await,
        Default::default(),
        "nothing due yet"
    );
    assert_eq!(reminders(&app).await, 0);

    let three_days_before = due_at - 3 * DAY + MINUTE;
    assert_eq!(sweep(&app, three_days_before).await.reminded, 1);
    assert_eq!(sweep(&app, three_days_before + MINUTE).await.reminded, 0);
    assert_eq!(reminders(&app).await, 1, "the three-day reminder goes once");

    let one_day_before = due_at - DAY + MINUTE;
    assert_eq!(sweep(&app, one_day_before).await.reminded, 1);
    assert_eq!(sweep(&app, one_day_before + MINUTE).await.reminded, 0);
    assert_eq!(reminders(&app).await, 2, "the one-day reminder goes once");
    assert_eq!(check(&app, &s, &pass).await, "valid", "not yet suspended");

    let after = due_at + MINUTE;
    let report = sweep(&app, after).await;
    assert_eq!(report.suspended, 1, "{report:?}");
    assert_eq!(sweep(&app, after + MINUTE).await, Default::default());
    assert_eq!(check(&app, &s, &pass).await, "suspended");
    assert!(
        app.last_sms("13900000001")
            .await
            .unwrap()
            .contains("was suspended"),
        "the holder is told"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'pass.suspended' \
             AND actor_user_id IS NULL"
        )
        .await,
        1,
        "suspended by the system"
    );

    // Supplied late: recorded, and a reviewer may then resume the pass.
    let late = upload(
        &app,
        &s.applicant,
        id,
        "vehicle_licence",
        "application/pdf",
        pdf(),
    )
    .await;
    assert_eq!(late.status, 201, "{}", late.body);
    assert!(late.body["fulfilled"]["fulfilled_at"].is_i64());
    let resumed = app
        .post(
            &format!("/api/v1/passes/{}/status", pass["id"]),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "resume", "reason": "材料已补齐 / documents supplied" }),
        )
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(check(&app, &s, &pass).await, "valid");
    assert_eq!(
        sweep(&app, after + DAY).await,
        Default::default(),
        "a lapsed, then supplied, debt is settled"
    );
}

#[tokio::test]
async fn supplying_the_owed_document_in_time_prevents_the_suspension() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = at_final_level(&app, &s).await;
    let (pass, due_at) = issued_owing(&app, &s, id).await;
    let other = upload(&app, &s.applicant, id, "id_card", "application/pdf", pdf()).await;
    assert_eq!(
        other.status, 409,
        "after issuance only owed kinds are taken"
    );
    assert_eq!(other.code(), "document.not_owed");
    let supplied = upload(
        &app,
        &s.applicant,
        id,
        "vehicle_licence",
        "application/pdf",
        pdf(),
    )
    .await;
    assert_eq!(supplied.status, 201, "{}", supplied.body);
    assert_eq!(supplied.body["fulfilled"]["kind"], "vehicle_licence");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'document.owed_fulfilled'")
            .await,
        1
    );
    for at in [
        due_at - 3 * DAY + MINUTE,
        due_at - DAY + MINUTE,
        due_at + MINUTE,
    ] {
        assert_eq!(sweep(&app, at).await, Default::default());
    }
    assert_eq!(reminders(&app).await, 0);
    assert_eq!(check(&app, &s, &pass).await, "valid");
}

#[tokio::test]
async fn documents_may_be_owed_only_at_the_final_approval_for_required_kinds_and_a_near_deadline() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 20)).await["id"]
        .as_i64()
        .unwrap();
    let early = decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1,
                "owed_documents": ["vehicle_licence"], "owed_until": local_date(5) }),
    )
    .await;
    assert_eq!(early.status, 422, "{}", early.body);
    assert_eq!(early.code(), "review.owed_only_final_approval");
    decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    for (owed, until, code) in [
        (
            json!(["test_report"]),
            local_date(5),
            "review.owed_not_required",
        ),
        (
            json!(["vehicle_licence"]),
            local_date(-1),
            "review.owed_until_range",
        ),
        (
            json!(["vehicle_licence"]),
            local_date(31),
            "review.owed_until_range",
        ),
        (
            json!(["vehicle_licence"]),
            "5 May".to_owned(),
            "review.owed_until",
        ),
        (json!([]), local_date(5), "review.owed_documents_missing"),
    ] {
        let reply = decide(
            &app,
            &s.authority_reviewer,
            id,
            json!({ "action": "approve", "version": 2, "owed_documents": owed, "owed_until": until }),
        )
        .await;
        assert_eq!(reply.status, 422, "{code}: {}", reply.body);
        assert_eq!(reply.code(), code);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM passes").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM owed_documents").await, 0);
    let at_limit = decide(
        &app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 2,
                "owed_documents": ["vehicle_licence", "driving_licence"], "owed_until": local_date(30) }),
    )
    .await;
    assert_eq!(at_limit.status, 200, "{}", at_limit.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM owed_documents").await, 2);
}
