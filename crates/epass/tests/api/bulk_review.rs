//! Bulk decisions: many applications decided at once, each checked as a single decision is, final
//! approvals issued together; and "one vehicle, one pass" held by the database itself.

use serde_json::{Value, json};

use crate::flows::{apply, setting};
use crate::helpers::{Auth, Session, TestApp, spawn_app};

async fn bulk(app: &TestApp, who: &Session, body: Value) -> crate::helpers::Reply {
    app.post("/api/v1/reviews/bulk", Auth::Session(who), body)
        .await
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["application_id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_bulk_approval_at_both_levels_issues_every_pass_it_can_and_says_why_not_the_rest() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let mut apps = Vec::new();
    for (plate, from, to) in [
        ("蒙K12345", 0, 5),
        ("蒙K54321", 0, 5),
        ("蒙K11111", 0, 5),
        // Overlaps the first: the vehicle can hold only one of them.
        ("蒙K12345", 3, 8),
    ] {
        let body = apply(&app, &s, &s.applicant, s.values(plate, from, to)).await;
        apps.push(body["id"].as_i64().unwrap());
    }
    let mut asked = apps.clone();
    asked.push(9_999_999);
    let level1 = bulk(
        &app,
        &s.org_admin,
        json!({ "application_ids": asked, "action": "approve" }),
    )
    .await;
    assert_eq!(level1.status, 200, "{}", level1.body);
    assert_eq!(ids(&level1.body, "decided"), apps);
    assert_eq!(level1.body["skipped"][0]["application_id"], 9_999_999);
    assert_eq!(level1.body["skipped"][0]["code"], "not_found");

    // The same reviewer cannot take level 2 as well.
    let again = bulk(
        &app,
        &s.org_admin,
        json!({ "application_ids": apps, "action": "approve" }),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body["decided"].as_array().unwrap().is_empty());
    assert_eq!(ids(&again.body, "skipped"), apps);

    let level2 = bulk(
        &app,
        &s.authority_reviewer,
        json!({ "application_ids": apps, "action": "approve" }),
    )
    .await;
    assert_eq!(level2.status, 200, "{}", level2.body);
    assert_eq!(ids(&level2.body, "decided"), apps[..3].to_vec());
    assert_eq!(level2.body["skipped"][0]["application_id"], apps[3]);
    assert_eq!(level2.body["skipped"][0]["code"], "pass.vehicle_has_pass");
    assert_eq!(app.count("SELECT COUNT(*) FROM passes").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'pass.issued'")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM vehicle_claims").await,
        3,
        "each issued pass holds its vehicle"
    );
    // The skipped application is untouched, still waiting at level 2.
    let waiting = app
        .get(
            &format!("/api/v1/applications/{}", apps[3]),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(waiting.body["application"]["status"], "in_review");
    assert_eq!(waiting.body["application"]["level"], 2);

    // Every pass is signed, numbered in sequence, and valid at a checkpoint.
    let mut numbers = Vec::new();
    for item in level2.body["decided"].as_array().unwrap() {
        assert_eq!(item["status"], "issued");
        let number = item["pass_number"].as_str().unwrap().to_owned();
        let check = app
            .post(
                "/api/v1/checks",
                Auth::Session(&s.officer),
                json!({ "pass_number": number }),
            )
            .await;
        assert_eq!(check.body["code"], "valid", "{}", check.body);
        numbers.push(number);
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 3);
    let sms = app.last_sms("13900000001").await.unwrap();
    assert!(sms.contains("已签发"), "{sms}");
    // The batch's events and the checks above are in the tamper-evident log, in order.
    let report = epass::actions::log_verify::verify(app.db())
        .await
        .unwrap()
        .report;
    assert!(report.is_ok(), "{report:?}");
}

#[tokio::test]
async fn a_bulk_rejection_needs_a_reason_and_tells_each_applicant() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let a = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let b = apply(&app, &s, &s.applicant, s.values("蒙K54321", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let bare = bulk(
        &app,
        &s.org_admin,
        json!({ "application_ids": [a, b], "action": "reject" }),
    )
    .await;
    assert_eq!(bare.status, 422, "{}", bare.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM decisions").await, 0);
    let too_many = bulk(
        &app,
        &s.org_admin,
        json!({ "application_ids": (1..=10_001).collect::<Vec<i64>>(), "action": "approve" }),
    )
    .await;
    assert_eq!(too_many.status, 422, "{}", too_many.body);

    let rejected = bulk(
        &app,
        &s.org_admin,
        json!({ "application_ids": [a, b], "action": "reject",
                "reason_code": "not_eligible", "reason_text": "任务已取消 / task cancelled" }),
    )
    .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(ids(&rejected.body, "decided"), vec![a, b]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE status = 'rejected'")
            .await,
        2
    );
    let sms = app.last_sms("13900000001").await.unwrap();
    assert!(sms.contains("任务已取消"), "{sms}");
}

#[tokio::test]
async fn a_reviewer_outside_the_scope_decides_nothing_in_bulk() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let a = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    // Level 1 belongs to the applicant's organisation, not to the authority's reviewer.
    let reply = bulk(
        &app,
        &s.authority_reviewer,
        json!({ "application_ids": [a], "action": "approve" }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["skipped"][0]["code"], "forbidden");
    assert_eq!(app.count("SELECT COUNT(*) FROM decisions").await, 0);
}

#[tokio::test]
async fn reviewers_racing_over_the_same_applications_in_bulk_decide_each_once() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let mut apps = Vec::new();
    for (plate, from) in [("蒙K12345", 0), ("蒙K54321", 0), ("蒙K11111", 0)] {
        let body = apply(&app, &s, &s.applicant, s.values(plate, from, from + 3)).await;
        apps.push(body["id"].as_i64().unwrap());
    }
    crate::world::user(
        &app,
        "13900000009",
        &s.world.a1,
        &[epass::domain::roles::Role::OrgAdmin],
    )
    .await;
    let second = app.login("13900000009", crate::world::PASSWORD).await;
    let body = json!({ "application_ids": apps, "action": "approve" });
    let (one, two) = tokio::join!(
        bulk(&app, &s.org_admin, body.clone()),
        bulk(&app, &second, body.clone())
    );
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(two.status, 200, "{}", two.body);
    let decided = one.body["decided"].as_array().unwrap().len()
        + two.body["decided"].as_array().unwrap().len();
    assert_eq!(decided, 3, "{} / {}", one.body, two.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM decisions").await, 3);
}

#[tokio::test]
async fn the_database_itself_refuses_a_second_claim_on_a_vehicle_for_an_overlapping_period() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let mut issued = Vec::new();
    for (from, to) in [(0, 5), (6, 10)] {
        let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", from, to)).await["id"]
            .as_i64()
            .unwrap();
        for (who, version) in [(&s.org_admin, 1), (&s.authority_reviewer, 2)] {
            let reply = crate::flows::decide(
                &app,
                who,
                id,
                json!({ "action": "approve", "version": version }),
            )
            .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            if version == 2 {
                issued.push(reply.body["pass"]["id"].as_i64().unwrap());
            }
        }
    }
    // Past the code: stretching the first claim over the second is refused by the engine.
    let stretched = sqlx::query(
        "UPDATE vehicle_claims SET valid_until = valid_until + 864000000 WHERE pass_id = $1",
    )
    .bind(issued[0])
    .execute(app.db().pool())
    .await;
    assert!(stretched.is_err(), "the overlap was stored");
    let moved = sqlx::query(
        "UPDATE vehicle_claims SET valid_from = valid_from - 432000000 WHERE pass_id = $1",
    )
    .bind(issued[1])
    .execute(app.db().pool())
    .await;
    assert!(moved.is_err(), "the overlap was stored");
    sqlx::query("DELETE FROM vehicle_claims WHERE pass_id = $1")
        .bind(issued[1])
        .execute(app.db().pool())
        .await
        .unwrap();
    let copied = sqlx::query(
        "INSERT INTO vehicle_claims (pass_id, kind, plate, valid_from, valid_until) \
         SELECT $1, kind, plate, valid_from, valid_until FROM vehicle_claims WHERE pass_id = $2",
    )
    .bind(issued[1])
    .bind(issued[0])
    .execute(app.db().pool())
    .await;
    assert!(
        copied.is_err(),
        "a second claim on the same period was stored"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM vehicle_claims").await, 1);
}
