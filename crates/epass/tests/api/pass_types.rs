//! Pass types and holiday tables through the API: seeded, read by anyone logged in, edited only
//! by a system admin of the whole authority, versioned, retired; and working-day deadlines.

mod applying;
mod definitions;

use epass::actions::Actor;
use epass::actions::pass_types::seed_standard;
use epass::domain::pass_type::PassTypeDefinition;
use epass::domain::roles::Role;
use epass::domain::seed_pass_types::standard_pass_types;
use epass::store::audit;
use serde_json::{Value, json};

use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD, World};

/// The world, an admin of region A's root and one of department A1.
async fn setup(app: &TestApp) -> (World, Session, Session) {
    let world = world::build(app).await;
    world::user(app, "13900000101", &world.region_a, &[Role::SystemAdmin]).await;
    world::user(app, "13900000102", &world.a1, &[Role::SystemAdmin]).await;
    let root = app.login("13900000101", PASSWORD).await;
    let dept = app.login("13900000102", PASSWORD).await;
    (world, root, dept)
}

fn freight_body(authority: i64, code: &str) -> Value {
    let seed = standard_pass_types().remove(1);
    json!({
        "authority_id": authority, "code": code, "kind": "freight",
        "name_zh": seed.name_zh, "name_en": seed.name_en, "definition": seed.definition,
    })
}

async fn events(app: &TestApp, id: i64) -> Vec<audit::Event> {
    audit::list(
        app.db().pool(),
        &audit::Filter {
            object_type: Some("pass_type".into()),
            object_id: Some(id.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_seeded_kinds_and_holidays_are_readable_by_any_logged_in_user_of_any_region() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    seed_standard(app.db(), &Actor::default(), world.region_a.id)
        .await
        .unwrap();
    world::user(&app, "13900000103", &world.b1, &[]).await;
    let applicant = app.login("13900000103", PASSWORD).await;

    let path = format!("/api/v1/pass-types?authority={}", world.region_a.id);
    let reply = app.get(&path, Auth::Session(&applicant)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.body["items"].as_array().unwrap();
    let codes: Vec<&str> = items.iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "personnel_vehicle",
            "freight",
            "truck_entry",
            "driving_licence"
        ]
    );
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, codes);
    for item in items {
        PassTypeDefinition::from_value(item["definition"].clone()).unwrap();
        assert_eq!(item["version"], 1);
    }
    assert_eq!(items[1]["priority"], "green_channel");
    assert_eq!(items[1]["definition"]["promised_working_days"], 1);

    let page = app
        .get(&format!("{path}&limit=3"), Auth::Session(&applicant))
        .await;
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            &format!("{path}&limit=3&cursor={cursor}"),
            Auth::Session(&applicant),
        )
        .await;
    assert_eq!(rest.body["items"][0]["code"], "driving_licence");
    let freight = app
        .get(&format!("{path}&kind=freight"), Auth::Session(&applicant))
        .await;
    assert_eq!(freight.body["items"].as_array().unwrap().len(), 1);

    let holidays = app
        .get(
            &format!("/api/v1/holidays?authority={}&year=2026", world.region_a.id),
            Auth::Session(&applicant),
        )
        .await;
    assert_eq!(holidays.status, 200);
    let days = holidays.body.as_array().unwrap();
    assert!(days.len() > 30);
    assert_eq!(days[0]["date"], "2026-01-01");
    assert!(
        days.iter()
            .any(|d| d["date"] == "2026-10-10" && d["kind"] == "workday")
    );
}

#[tokio::test]
async fn only_a_system_admin_of_the_whole_authority_may_create_edit_and_retire() {
    let app = spawn_app().await;
    let (world, root, dept) = setup(&app).await;
    let a = world.region_a.id;

    let reply = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&dept),
            freight_body(a, "freight"),
        )
        .await;
    assert_eq!(reply.status, 403, "a department's admin: {}", reply.body);
    let reply = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(a, "freight"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_i64().unwrap();

    let mut edit = freight_body(a, "freight");
    edit["version"] = json!(1);
    let path = format!("/api/v1/pass-types/{id}");
    let reply = app
        .request("PUT", &path, Auth::Session(&dept), Some(edit.clone()))
        .await;
    assert_eq!(reply.status, 403);
    let reply = app
        .request("PUT", &path, Auth::Session(&root), Some(edit))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = app
        .request("DELETE", &path, Auth::Session(&dept), None)
        .await;
    assert_eq!(reply.status, 403);
    let reply = app
        .request("DELETE", &path, Auth::Session(&root), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Region B's admin has no say over region A, nor A's over a department as owner.
    world::user(&app, "13900000104", &world.b1, &[Role::SystemAdmin]).await;
    let region_b = world
        .b1
        .path
        .split('/')
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap();
    world::user(
        &app,
        "13900000105",
        &epass::store::orgs::get(app.db().pool(), region_b)
            .await
            .unwrap(),
        &[Role::SystemAdmin],
    )
    .await;
    let admin_b = app.login("13900000105", PASSWORD).await;
    let reply = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&admin_b),
            freight_body(a, "other"),
        )
        .await;
    assert_eq!(reply.status, 403);
    let reply = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(world.a1.id, "x1"),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "pass_type.not_an_authority");

    // The holiday table follows the same rule.
    let day = json!({ "authority_id": a, "kind": "holiday", "name": "测试假日" });
    let reply = app
        .request(
            "PUT",
            "/api/v1/holidays/2026-12-31",
            Auth::Session(&dept),
            Some(day.clone()),
        )
        .await;
    assert_eq!(reply.status, 403);
    let reply = app
        .request(
            "PUT",
            "/api/v1/holidays/2026-12-31",
            Auth::Session(&root),
            Some(day),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn a_bad_definition_is_refused_with_its_path_and_nothing_is_written() {
    let app = spawn_app().await;
    let (world, root, _) = setup(&app).await;
    let mut body = freight_body(world.region_a.id, "freight");
    body["definition"]["workflow"]["levels"][1]["roles"] = json!([]);
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    let reply = app
        .post("/api/v1/pass-types", Auth::Session(&root), body)
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "pass_type.level_without_role");
    assert_eq!(reply.body["field"], "definition");
    let (zh, en) = (
        reply.body["detail"].as_str().unwrap(),
        reply.body["detail_en"].as_str().unwrap(),
    );
    assert!(zh.contains("workflow.levels[1].roles") && en.contains("workflow.levels[1].roles"));
    assert_eq!(app.count("SELECT COUNT(*) FROM pass_types").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);

    let mut body = freight_body(world.region_a.id, "freight");
    body["definition"]["form"][0]["type"] = json!("colour");
    let reply = app
        .post("/api/v1/pass-types", Auth::Session(&root), body)
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "pass_type.unknown_name")
    );
    assert!(
        reply.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("form[0].type")
    );

    let reply = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(world.region_a.id, "Bad Code"),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (422, "pass_type.code"));
    let ok = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(world.region_a.id, "freight"),
        )
        .await;
    assert_eq!(ok.status, 201);
    let again = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(world.region_a.id, "freight"),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "pass_type.code_taken"));
}

#[tokio::test]
async fn an_update_bumps_the_version_and_the_audit_event_keeps_the_old_definition() {
    let app = spawn_app().await;
    let (world, root, _) = setup(&app).await;
    let created = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(world.region_a.id, "freight"),
        )
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/pass-types/{id}");

    let mut edit = freight_body(world.region_a.id, "freight");
    edit["version"] = json!(1);
    edit["name_en"] = json!("Freight pass");
    edit["definition"]["promised_working_days"] = json!(2);
    edit["definition"]["priority"] = json!("urgent");
    let reply = app
        .request("PUT", &path, Auth::Session(&root), Some(edit.clone()))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["version"], 2);
    assert_eq!(reply.body["priority"], "urgent");
    assert_eq!(reply.body["definition"]["promised_working_days"], 2);

    // An editor who started from version 1 is told someone else edited first.
    let stale = app
        .request("PUT", &path, Auth::Session(&root), Some(edit))
        .await;
    assert_eq!(
        (stale.status, stale.code()),
        (409, "pass_type.version_conflict")
    );

    let events = events(&app, id).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["pass_type.created", "pass_type.updated"]);
    let updated = &events[1];
    let before = updated.before.as_ref().unwrap();
    let after = updated.after.as_ref().unwrap();
    assert_eq!(before["version"], 1);
    assert_eq!(before["definition"]["promised_working_days"], 1);
    assert_eq!(before["definition"]["priority"], "green_channel");
    assert_eq!(after["version"], 2);
    assert_eq!(after["definition"]["promised_working_days"], 2);
    assert_eq!(updated.actor_role.as_deref(), Some("system_admin"));
}

#[tokio::test]
async fn a_retired_type_leaves_the_list_and_can_no_longer_be_edited() {
    let app = spawn_app().await;
    let (world, root, _) = setup(&app).await;
    world::user(&app, "13900000106", &world.a2, &[]).await;
    let applicant = app.login("13900000106", PASSWORD).await;
    let created = app
        .post(
            "/api/v1/pass-types",
            Auth::Session(&root),
            freight_body(world.region_a.id, "freight"),
        )
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/pass-types/{id}");
    assert_eq!(app.get(&path, Auth::Session(&applicant)).await.status, 200);

    let retired = app
        .request("DELETE", &path, Auth::Session(&root), None)
        .await;
    assert_eq!(retired.status, 200);
    assert!(retired.body["retired_at"].as_i64().is_some());
    let list = app
        .get("/api/v1/pass-types", Auth::Session(&applicant))
        .await;
    assert!(
        list.body["items"].as_array().unwrap().is_empty(),
        "{}",
        list.body
    );
    assert_eq!(app.get(&path, Auth::Session(&applicant)).await.status, 404);
    assert_eq!(app.get(&path, Auth::Session(&root)).await.status, 200);

    let mut edit = freight_body(world.region_a.id, "freight");
    edit["version"] = json!(1);
    let reply = app
        .request("PUT", &path, Auth::Session(&root), Some(edit))
        .await;
    assert_eq!((reply.status, reply.code()), (409, "pass_type.retired"));
    let again = app
        .request("DELETE", &path, Auth::Session(&root), None)
        .await;
    assert_eq!((again.status, again.code()), (409, "pass_type.retired"));
    let actions: Vec<String> = events(&app, id)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["pass_type.created", "pass_type.retired"]);
}
