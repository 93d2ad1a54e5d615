//! Correcting and resubmitting a returned application: its applicant only, only when returned;
//! a new round at level 1 with a new promise, earlier forms and decisions kept.

use serde_json::json;

use crate::flows::{apply, decide, setting};
use crate::helpers::{Auth, spawn_app};

#[tokio::test]
async fn a_returned_application_can_be_corrected_and_resubmitted_keeping_its_history() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let first = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 10)).await;
    let id = first["id"].as_i64().unwrap();
    let early = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&s.applicant),
            json!({ "values": s.values("蒙K54321", 0, 10), "agreed": true }),
        )
        .await;
    assert_eq!(
        (early.status, early.code()),
        (409, "application.not_returned"),
        "only a returned application is resubmitted"
    );
    let returned = decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "return", "version": 1, "reason_text": "车牌有误 / wrong plate" }),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.body);
    assert_eq!(returned.body["application"]["status"], "returned");

    let by_other = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&s.org_admin),
            json!({ "values": s.values("蒙K54321", 0, 10), "agreed": true }),
        )
        .await;
    assert_eq!(by_other.status, 403, "only the applicant corrects");

    let mut bad = s.values("蒙K54321", 0, 10);
    bad["id_number"] = json!("340524198001010013");
    let invalid = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&s.applicant),
            json!({ "values": bad, "agreed": true }),
        )
        .await;
    assert_eq!(invalid.status, 422, "the form is checked again");
    assert_eq!(invalid.body["errors"][0]["key"], "id_number");
    let ineligible = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&s.applicant),
            json!({ "values": s.values("蒙K99999", 0, 10), "agreed": true }),
        )
        .await;
    assert_eq!(
        (ineligible.status, ineligible.code()),
        (422, "application.ineligible"),
        "eligibility runs again"
    );

    let corrected = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&s.applicant),
            json!({ "values": s.values("蒙K54321", 0, 12), "agreed": true }),
        )
        .await;
    assert_eq!(corrected.status, 200, "{}", corrected.body);
    let now = &corrected.body;
    assert_eq!(now["status"], "in_review");
    assert_eq!(now["level"], 1);
    assert_eq!(now["round"], 2);
    assert_eq!(now["plate"], "蒙K54321");
    assert_eq!(now["version"], 3);
    assert!(now["promised_at"].as_i64().unwrap() >= first["promised_at"].as_i64().unwrap());
    assert!(now["promised_at"].as_i64().unwrap() > now["submitted_at"].as_i64().unwrap());

    let twice = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&s.applicant),
            json!({ "values": s.values("蒙K54321", 0, 12), "agreed": true }),
        )
        .await;
    assert_eq!(twice.status, 409);

    let view = app
        .get(
            &format!("/api/v1/applications/{id}"),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(view.status, 200, "{}", view.body);
    let rounds = view.body["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0]["round"], 1);
    assert_eq!(rounds[0]["plate"], "蒙K12345");
    assert_eq!(rounds[0]["form"]["plate"], "蒙K12345");
    assert_eq!(rounds[0]["form"]["id_number"], "110*************2X");
    let decisions = view.body["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["round"], 1);
    assert_eq!(decisions[0]["action"], "return");

    // The same organisation admin may decide level 1 again: it is a new round.
    let level1 = decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 3 }),
    )
    .await;
    assert_eq!(level1.status, 200, "{}", level1.body);
    let level2 = decide(
        &app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 4 }),
    )
    .await;
    assert_eq!(level2.status, 200, "{}", level2.body);
    assert_eq!(level2.body["pass"]["plate"], "蒙K54321");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'application.resubmitted'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_rejected_application_cannot_be_resubmitted() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 10)).await["id"]
        .as_i64()
        .unwrap();
    decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "reject", "version": 1, "reason_code": "not_eligible",
                "reason_text": "不属于保供人员 / not supply staff" }),
    )
    .await;
    let reply = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&s.applicant),
            json!({ "values": s.values("蒙K12345", 0, 10), "agreed": true }),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (409, "application.not_returned")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_rounds").await,
        0
    );
}
