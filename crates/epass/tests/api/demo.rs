//! The demo data: every role can log in and finds work, freight passes for both authorities,
//! and a second start adds nothing.

use crate::helpers::{Auth, spawn_app};

#[tokio::test]
async fn the_demo_seeds_every_role_and_applications_in_every_state_once() {
    let app = spawn_app().await;
    assert!(epass::demo::seed_if_empty(&app.state).await.unwrap());
    assert!(
        !epass::demo::seed_if_empty(&app.state).await.unwrap(),
        "a second start adds nothing"
    );
    for phone in [
        "13800000001",
        "13800000002",
        "13800000003",
        "13800000004",
        "13800000005",
        "13800000006",
        "13800000007",
        "13800000008",
    ] {
        app.session(phone, epass::demo::DEMO_PASSWORD).await;
    }
    // Personnel passes, plus freight: two issued and one in review for each authority; plus
    // the demo driver's electronic licence, issued with the registry's photo.
    for (status, n) in [
        ("in_review", 4),
        ("returned", 1),
        ("rejected", 1),
        ("issued", 8),
    ] {
        let count: i64 = {
            use sqlx::Row as _;
            sqlx::query("SELECT COUNT(*) FROM applications WHERE status = $1")
                .bind(status)
                .fetch_one(app.db().pool())
                .await
                .unwrap()
                .get(0)
        };
        assert_eq!(count, n, "{status}");
    }
    let driver = app.session("13800000007", epass::demo::DEMO_PASSWORD).await;
    let licences = app.get("/api/v1/licences", Auth::Session(&driver)).await;
    assert_eq!(
        licences.body[0]["licence_number"],
        epass::demo_licences::DRIVER_LICENCE,
        "{}",
        licences.body
    );
    assert_eq!(licences.body[0]["status"], "active");
    // The level-1 reviewer and the level-2 reviewer each find one application waiting.
    for phone in ["13800000004", "13800000003"] {
        let session = app.session(phone, epass::demo::DEMO_PASSWORD).await;
        let queue = app
            .get("/api/v1/reviews/queue", Auth::Session(&session))
            .await;
        assert_eq!(
            queue.body["items"].as_array().unwrap().len(),
            1,
            "{phone}: {}",
            queue.body
        );
    }
    let officer = app.session("13800000006", epass::demo::DEMO_PASSWORD).await;
    // Noon in Beijing today: inside the demo passes' 06:00-22:00 window whatever the clock says.
    let day_ms = 86_400_000;
    let beijing = 8 * 3_600_000;
    let noon =
        (epass::store::now_ms() + beijing).div_euclid(day_ms) * day_ms - beijing + day_ms / 2;
    for (n, code) in [(5, "valid"), (6, "suspended"), (7, "revoked")] {
        let number = format!("150621{:06}", n - 4);
        let reply = app
            .post(
                "/api/v1/checks",
                Auth::Session(&officer),
                serde_json::json!({ "pass_number": number, "checked_at": noon }),
            )
            .await;
        assert_eq!(reply.body["code"], code, "{number}: {}", reply.body);
    }
    // The freight passes of both authorities are valid today (mutual recognition for Weihai's).
    for (number, plate) in [
        ("150621000004", "蒙K20001"),
        ("150621000005", "蒙K20002"),
        ("371000000001", "鲁K30001"),
        ("371000000002", "鲁K30002"),
    ] {
        let reply = app
            .post(
                "/api/v1/checks",
                Auth::Session(&officer),
                serde_json::json!({ "pass_number": number, "checked_at": noon }),
            )
            .await;
        assert_eq!(reply.body["code"], "valid", "{number}: {}", reply.body);
        assert_eq!(reply.body["plate"], plate, "{number}: {}", reply.body);
    }
    // Weihai's city group finds its freight application waiting at level 2.
    let weihai = app.session("13800000011", epass::demo::DEMO_PASSWORD).await;
    let queue = app
        .get("/api/v1/reviews/queue", Auth::Session(&weihai))
        .await;
    assert_eq!(
        queue.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        queue.body
    );
}
