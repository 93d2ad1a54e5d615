//! Operations and defaults: health, readiness, metrics, OpenAPI, security headers, body limits.

use serde_json::json;

use crate::helpers::{Auth, spawn_app};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_show_the_outbox_depth() {
    let app = spawn_app().await;
    app.request_code("13912345678").await;
    app.get("/api/v1/orgs/12345", Auth::None).await;
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"epass_http_requests_total{method="POST",route="/api/v1/auth/code",status="202"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/orgs/{id}""#),
        "no raw ids in labels: {text}"
    );
    assert!(!text.contains("12345"));
    assert!(text.contains("epass_http_request_duration_seconds_bucket"));
    assert!(text.contains("epass_outbox_depth 1"), "{text}");
}

#[tokio::test]
async fn every_answer_carries_a_content_security_policy_without_inline_script() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/me", Auth::None).await;
    let csp = reply
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(
        reply.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let huge = "1".repeat(2 * 1024 * 1024);
    let reply = app
        .post("/api/v1/auth/code", Auth::None, json!({ "phone": huge }))
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(app.count("SELECT COUNT(*) FROM otp_codes").await, 0);
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_document() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/nothing-here", Auth::None).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["type"], "urn:epass:problem:not_found");
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_every_route() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", Auth::None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc.body["paths"].as_object().unwrap();
    // The matrix also holds the pages' routes, which are not part of the API.
    let api = crate::authz::ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/"));
    for (method, path) in api.map(|r| (r.method, r.path)) {
        let documented = paths
            .get(path)
            .and_then(|p| p.get(method.to_lowercase()))
            .is_some();
        assert!(documented, "{method} {path} is not in the OpenAPI document");
    }
    assert!(doc.body["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor() {
    let app = spawn_app().await;
    let world = crate::world::build(&app).await;
    crate::world::user(
        &app,
        "13900000001",
        &world.region_a,
        &[epass::domain::roles::Role::SystemAdmin],
    )
    .await;
    let session = app.login("13900000001", crate::world::PASSWORD).await;
    let first = app
        .get("/api/v1/orgs?limit=2", Auth::Session(&session))
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .get(
            &format!("/api/v1/orgs?limit=2&cursor={cursor}"),
            Auth::Session(&session),
        )
        .await;
    let ids: Vec<i64> = second.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![world.a2.id],
        "region A holds A, A1, A2; region B is out of scope"
    );
    assert!(second.body["next_cursor"].is_null());
    let bad = app
        .get("/api/v1/orgs?cursor=nonsense", Auth::Session(&session))
        .await;
    assert_eq!(bad.status, 422);
}
