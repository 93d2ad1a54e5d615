//! What an applicant meets before applying: the form check and the promised date, counted in
//! the authority's working days.

use epass::actions::Actor;
use epass::actions::pass_types::{promised_by, seed_standard};
use serde_json::json;
use time::macros::{date, datetime};

use super::{freight_body, setup};
use crate::helpers::{Auth, spawn_app};
use crate::world::{self, PASSWORD};

#[tokio::test]
async fn the_form_check_reports_every_wrong_field_at_once_in_chinese_and_english() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let seeded = seed_standard(app.db(), &Actor::default(), world.region_a.id)
        .await
        .unwrap();
    world::user(&app, "13900000107", &world.a1, &[]).await;
    let applicant = app.login("13900000107", PASSWORD).await;
    let path = format!("/api/v1/pass-types/{}/form-check", seeded[0].id);
    let values = json!({
        "plate": "蒙K1234", "vehicle_type": "small_car", "id_number": "110105194912310021",
        "holder_category": "command_staff", "zones": ["dalad-core"], "daily_window": "06:00-22:00",
        "valid_from": "2026-11-22", "valid_to": "2026-12-21",
    });
    let reply = app
        .post(
            &path,
            Auth::Session(&applicant),
            json!({ "values": values }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["valid"], false);
    let errors = reply.body["errors"].as_array().unwrap();
    let keys: Vec<&str> = errors.iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["plate", "driver_name", "id_number"]);
    assert!(errors[1]["zh"].as_str().unwrap().contains("驾驶人姓名"));
    assert!(errors[1]["en"].as_str().unwrap().contains("Driver's name"));

    let mut fixed = values;
    fixed["plate"] = json!("蒙K12345");
    fixed["id_number"] = json!("11010519491231002X");
    fixed["driver_name"] = json!("张三");
    let reply = app
        .post(&path, Auth::Session(&applicant), json!({ "values": fixed }))
        .await;
    assert_eq!(reply.body["valid"], true, "{}", reply.body);
}

#[tokio::test]
async fn deadlines_count_working_days_across_a_holiday_and_a_make_up_workday() {
    let app = spawn_app().await;
    let (world, root, _) = setup(&app).await;
    let a = world.region_a.id;
    let created = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(a, "freight"),
        )
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let mut edit = freight_body(a, "freight");
    edit["version"] = json!(1);
    edit["definition"]["promised_working_days"] = json!(7);
    app.request(
        "PUT",
        &format!("/api/v1/pass-types/{id}"),
        Auth::Session(&root),
        Some(edit),
    )
    .await;
    let pt = epass::store::pass_types::get(app.db().pool(), id)
        .await
        .unwrap();
    let submitted = datetime!(2026-09-30 16:00 +8);

    // Without a table, Monday to Friday: Thu 1 Oct + 7 working days is Fri 9 Oct.
    let due = promised_by(app.db(), &pt, submitted).await.unwrap();
    assert_eq!(due.date(), date!(2026 - 10 - 09));

    for day in 1..=7 {
        let reply = app
            .request(
                "PUT",
                &format!("/api/v1/holidays/2026-10-{day:02}"),
                Auth::Session(&root),
                Some(json!({ "authority_id": a, "kind": "holiday", "name": "国庆节" })),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    // The National Day week off pushes it to Fri 16 Oct...
    let due = promised_by(app.db(), &pt, submitted).await.unwrap();
    assert_eq!(due.date(), date!(2026 - 10 - 16));
    // ...and the make-up Saturday 10 Oct pulls it back a day.
    let workday = json!({ "authority_id": a, "kind": "workday", "name": "国庆节调休上班" });
    let reply = app
        .request(
            "PUT",
            "/api/v1/holidays/2026-10-10",
            Auth::Session(&root),
            Some(workday),
        )
        .await;
    assert_eq!(reply.status, 200);
    let due = promised_by(app.db(), &pt, submitted).await.unwrap();
    assert_eq!(due.date(), date!(2026 - 10 - 15));
    assert_eq!(due.offset().whole_hours(), 8);

    // Deleting a day brings back its weekday rule, and the deletion is recorded.
    let path = format!("/api/v1/holidays/2026-10-07?authority={a}");
    let reply = app
        .request("DELETE", &path, Auth::Session(&root), None)
        .await;
    assert_eq!(reply.status, 204);
    let due = promised_by(app.db(), &pt, submitted).await.unwrap();
    assert_eq!(due.date(), date!(2026 - 10 - 14));
    let reply = app
        .request("DELETE", &path, Auth::Session(&root), None)
        .await;
    assert_eq!(reply.status, 404);
    let bad = app
        .request(
            "PUT",
            "/api/v1/holidays/2026-02-30",
            Auth::Session(&root),
            Some(json!({ "authority_id": a, "kind": "holiday", "name": "x" })),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (422, "holiday.date"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'holiday.%'")
            .await,
        9
    );
}
