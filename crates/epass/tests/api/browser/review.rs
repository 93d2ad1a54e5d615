//! The reviewers' desk in a browser: the queue with boxes to tick and a bulk approval, the
//! application beside its documents (the image shown, the PDF linked), an approval with a
//! document owed, a bulk rejection with a reason, the authority's pass requests, and the
//! officer's checkpoint choice on a phone.

use serde_json::json;

use super::{DESK, PHONE, log_in};

use crate::flows::{apply, setting};
use crate::helpers::Auth;
use crate::helpers::spawn_app;
use crate::invitations::today_plus;
use crate::world::PASSWORD;

const ORG_ADMIN: &str = "13900000002";
const AUTHORITY: &str = "13900000003";
const OFFICER: &str = "13900000004";

#[tokio::test]
async fn reviewers_tick_rows_to_decide_them_together_and_see_documents_beside_the_form() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let mut ids = Vec::new();
    for plate in ["蒙K12345", "蒙K54321", "蒙K11111"] {
        let body = apply(&app, &s, &s.applicant, s.values(plate, 0, 5)).await;
        ids.push(body["id"].as_i64().unwrap());
    }
    let (a, b_id, c) = (ids[0], ids[1], ids[2]);
    for (kind, content_type, bytes) in [
        ("id_card", "image/png", crate::documents::png()),
        (
            "driving_licence",
            "application/pdf",
            crate::documents::pdf(),
        ),
    ] {
        let up = crate::documents::upload(&app, &s.applicant, a, kind, content_type, bytes).await;
        assert_eq!(up.status, 201, "{}", up.body);
    }
    // The third is past its deadline.
    sqlx::query("UPDATE applications SET level_due_at = $1 WHERE id = $2")
        .bind(epass::store::now_ms() - 86_400_000)
        .bind(c)
        .execute(app.db().pool())
        .await
        .unwrap();
    let mut b = super::webdriver::Browser::start("review-desk", DESK.0, DESK.1).await;

    // Level 1: the organisation admin ticks two rows and approves them together.
    log_in(&b, &app, ORG_ADMIN, PASSWORD).await;
    b.goto(&app.url("/reviews")).await;
    let overdue = b.find(&format!("#row-{c}")).await;
    assert_eq!(
        b.attribute(&overdue, "class").await.as_deref(),
        Some("overdue"),
        "the overdue row is marked"
    );
    assert!(b.text("#overdue-count").await.contains('1'));
    b.click(&format!("#pick-{a}")).await;
    b.click(&format!("#pick-{b_id}")).await;
    b.screenshot("queue-ticked").await;
    b.submit("#bulk-approve", "/reviews/bulk").await;
    assert_eq!(b.text("#bulk-decided").await, "2");
    assert_eq!(b.text("#bulk-skipped").await, "0");
    assert!(b.find_all(&format!("#pick-{a}")).await.is_empty());
    assert_eq!(b.find_all(&format!("#pick-{c}")).await.len(), 1);
    b.screenshot("queue-bulk-approved").await;

    // Level 2: the authority opens the first, its documents beside the form.
    log_in(&b, &app, AUTHORITY, PASSWORD).await;
    b.goto(&app.url(&format!("/reviews/{a}"))).await;
    // The image loads after the page; wait for it.
    let mut width = serde_json::Value::Null;
    for _ in 0..100 {
        width = b
            .script(
                "var i = document.querySelector('#documents img.doc-image'); \
                 return i && i.complete ? i.naturalWidth : 0;",
            )
            .await;
        if width.as_f64().unwrap_or(0.0) > 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        width.as_f64(),
        Some(64.0),
        "the ID card image is shown inline"
    );
    assert_eq!(
        b.find_all("#documents a.doc-pdf").await.len(),
        1,
        "the PDF is linked"
    );
    let (form_x, docs_x) = (
        b.script("return document.querySelector('.review-data').getBoundingClientRect().left;")
            .await,
        b.script("return document.getElementById('documents').getBoundingClientRect().left;")
            .await,
    );
    assert!(
        docs_x.as_f64().unwrap() > form_x.as_f64().unwrap() + 100.0,
        "the documents stand beside the form on a desk"
    );
    b.screenshot("review-documents-inline").await;

    // Approve it with the vehicle licence owed.
    let owe = b.find("#owe-vehicle_licence").await;
    assert_eq!(
        b.attribute(&owe, "checked").await.as_deref(),
        Some("true"),
        "not uploaded, so ticked"
    );
    b.submit("#approve-owed", &format!("/reviews/{a}?done=approve_owed"))
        .await;
    assert!(b.text("#message").await.contains("容缺"));
    assert!(!b.text("#review-pass").await.is_empty(), "the pass number");
    let owed = b.text("#owed").await;
    assert!(
        owed.contains("行驶证") && owed.contains(&today_plus(7)),
        "{owed}"
    );
    b.screenshot("review-approved-owed").await;

    // The second is rejected from the queue with a reason.
    b.goto(&app.url("/reviews")).await;
    b.click(&format!("#pick-{b_id}")).await;
    b.select("#bulk-code", "not_eligible").await;
    b.fill("#bulk-text", "车辆不符合通行条件").await;
    b.submit("#bulk-reject", "/reviews/bulk").await;
    assert_eq!(b.text("#bulk-decided").await, "1");
    b.screenshot("queue-bulk-rejected").await;
    let rejected = app
        .get(
            &format!("/api/v1/applications/{b_id}"),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(
        rejected.body["application"]["status"], "rejected",
        "{}",
        rejected.body
    );

    // The authority's pass requests: one filed by the admin, approved from the page.
    let filed = app
        .post(
            "/api/v1/pass-requests",
            Auth::Session(&s.org_admin),
            json!({ "pass_type_id": s.personnel_type, "places": 5, "purpose": "抢修供电线路",
                    "valid_from": today_plus(0), "valid_to": today_plus(10) }),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let request = filed.body["id"].as_i64().unwrap();
    b.click("#nav-requests").await;
    b.wait_for_path("/authority/requests").await;
    assert!(
        b.text(&format!("#pending-{request}"))
            .await
            .contains("抢修供电线路")
    );
    b.screenshot("authority-requests").await;
    b.goto(&app.url(&format!("/authority/requests/{request}")))
        .await;
    b.screenshot("authority-request").await;
    b.submit("#approve", "/authority/requests?done=approve")
        .await;
    assert!(b.find_all(&format!("#pending-{request}")).await.is_empty());

    // The officer, on a phone, chooses the checkpoint once.
    let mut tx = app.db().begin().await.unwrap();
    let gate = epass::store::checkpoints::insert(
        &mut tx,
        &epass::store::checkpoints::NewCheckpoint {
            org_id: s.world.region_a.id,
            name: "G210 南卡口",
            longitude: 110.05,
            latitude: 40.4,
            guards: &[],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    b.set_window_size(PHONE.0, PHONE.1).await;
    log_in(&b, &app, OFFICER, PASSWORD).await;
    b.goto(&app.url("/check")).await;
    b.select("#checkpoint-select", &gate.id.to_string()).await;
    b.submit("#checkpoint-submit", "/check").await;
    assert!(b.text("#checkpoint-chosen").await.contains("G210 南卡口"));
    let geo = b.find("#geo").await;
    assert_eq!(
        b.attribute(&geo, "hidden").await,
        None,
        "the script offers the position"
    );
    b.screenshot("officer-checkpoint-chosen").await;
}
