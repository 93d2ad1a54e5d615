//! Personal data: ID numbers sealed at rest, masked by default, every full read recorded.

use epass::domain::roles::Role;
use serde_json::json;
use sqlx::Row as _;

use crate::helpers::{Auth, spawn_app};
use crate::world::{self, PASSWORD};

const ID: &str = "11010519491231002X";

#[tokio::test]
async fn an_id_number_is_stored_sealed_and_shown_masked() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let session = app.login("13900000001", PASSWORD).await;
    let reply = app
        .request(
            "PUT",
            "/api/v1/me/id-number",
            Auth::Session(&session),
            Some(json!({ "id_number": "11010519491231002x" })),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let masked = reply.body["id_number_masked"].as_str().unwrap();
    assert!(masked.starts_with("110") && masked.ends_with("2X") && masked.contains('*'));

    // No column of the table holds the number in clear.
    let row = sqlx::query("SELECT id_number_sealed, id_number_hash, id_number_masked FROM users WHERE phone = '13900000001'")
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    let sealed: Vec<u8> = row.get(0);
    let hash: Vec<u8> = row.get(1);
    let shown: String = row.get(2);
    for bytes in [&sealed, &hash, &shown.clone().into_bytes()] {
        assert!(!bytes.windows(ID.len()).any(|w| w == ID.as_bytes()));
        assert!(!bytes.windows(10).any(|w| w == &ID.as_bytes()[3..13]));
    }
}

#[tokio::test]
async fn a_wrong_id_number_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let session = app.login("13900000001", PASSWORD).await;
    let reply = app
        .request(
            "PUT",
            "/api/v1/me/id-number",
            Auth::Session(&session),
            Some(json!({ "id_number": "340524198001010013" })),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["field"], "id_number");
    assert!(reply.code().starts_with("id_number."), "{}", reply.code());
}

#[tokio::test]
async fn every_read_of_a_full_id_number_is_recorded_and_only_entitled_roles_may_read() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let holder = world::user(&app, "13900000001", &world.a1, &[]).await;
    world::user(&app, "13900000002", &world.a1, &[Role::Supervisor]).await;
    world::user(&app, "13900000003", &world.a1, &[Role::CheckpointOfficer]).await;
    let own = app.login("13900000001", PASSWORD).await;
    app.request(
        "PUT",
        "/api/v1/me/id-number",
        Auth::Session(&own),
        Some(json!({ "id_number": ID })),
    )
    .await;

    let supervisor = app.login("13900000002", PASSWORD).await;
    let path = format!("/api/v1/users/{holder}/id-number");
    let reply = app.get(&path, Auth::Session(&supervisor)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["id_number"], ID);

    let officer = app.login("13900000003", PASSWORD).await;
    assert_eq!(app.get(&path, Auth::Session(&officer)).await.status, 403);

    let reads = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'pii.id_number_read'")
        .await;
    assert_eq!(reads, 1, "one successful read, one recorded event");
    let actor: String =
        sqlx::query("SELECT actor_role FROM audit_events WHERE action = 'pii.id_number_read'")
            .fetch_one(app.db().pool())
            .await
            .unwrap()
            .get(0);
    assert_eq!(actor, "supervisor");
}

#[tokio::test]
async fn one_id_number_cannot_register_two_accounts() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    world::user(&app, "13900000002", &world.a1, &[]).await;
    for (phone, status) in [("13900000001", 200), ("13900000002", 409)] {
        let session = app.login(phone, PASSWORD).await;
        let reply = app
            .request(
                "PUT",
                "/api/v1/me/id-number",
                Auth::Session(&session),
                Some(json!({ "id_number": ID })),
            )
            .await;
        assert_eq!(reply.status, status);
    }
}
