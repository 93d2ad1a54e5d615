//! One request per API route, made by a caller on the target organisation's objects.

use super::*;

/// A fleet file of one good line for a pass type of the target's authority.
pub(super) async fn bulk_call(
    app: &TestApp,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> (u16, Value) {
    let csv = "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n\
               蒙K12345,小型汽车,张三,0,normal,2026-01-01\n";
    let origin = epass::registry::Origin {
        file_name: "vehicles.csv",
        actor: "test",
    };
    epass::registry::import(
        app.db(),
        &app.state.pii,
        epass::registry::RegistryKind::Vehicles,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .unwrap();
    let (from, to) = form_days();
    let file = format!(
        "plate,vehicle_type,driver_name,id_number,holder_category,road_sections,daily_window,valid_from,valid_to\n\
         蒙K12345,small_car,张三,11010519491231002X,command_staff,1,06:00-22:00,{from},{to}\n"
    );
    let url = format!(
        "/api/v1/applications/bulk?pass_type_id={}&org_id={}&agreed=true",
        pass_type_in(app, &target.org, n).await,
        target.org.id
    );
    let resp = app
        .http
        .post(app.url(&url))
        .header("cookie", format!("epass_session={}", session.cookie))
        .header("x-csrf-token", &session.csrf)
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    (status, body)
}

/// Sends the route's request against the target; returns the status and body.
pub(super) async fn call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> (u16, Value) {
    if route.path.starts_with("/licences") || route.path.starts_with("/relying-party") {
        return licence_page_call(app, route, session, target, n).await;
    }
    if let Some(reply) = applicant_page_call(app, route, session, target, n).await {
        return reply;
    }
    if let Some(reply) = desk_page_call(app, route, session, target, n).await {
        return reply;
    }
    if route.path.starts_with("/admin/") {
        return admin_call(app, route, session, target).await;
    }
    let org = target.org.id;
    let user = target.user_id;
    let (path, body) = match (route.method, route.path) {
        ("DELETE", "/api/v1/tokens/{id}") => (
            format!("/api/v1/tokens/{}", token_of(app, user).await),
            None,
        ),
        ("POST", "/api/v1/orgs") => (
            route.path.to_owned(),
            Some(
                json!({ "parent_id": org, "kind": "department", "name": "新部门", "division_code": "150621" }),
            ),
        ),
        ("GET", "/api/v1/orgs/{id}") => (format!("/api/v1/orgs/{org}"), None),
        ("GET", "/api/v1/alerts/{id}") => ("/api/v1/alerts/1".to_owned(), None),
        ("POST", "/api/v1/alerts/{id}/acknowledge") => (
            "/api/v1/alerts/1/acknowledge".to_owned(),
            Some(json!({ "note": "已核实 / checked" })),
        ),
        ("GET", "/api/v1/log/proofs/inclusion") => (
            "/api/v1/log/proofs/inclusion?leaf=0&size=1".to_owned(),
            None,
        ),
        ("GET", "/api/v1/log/proofs/consistency") => (
            "/api/v1/log/proofs/consistency?from=1&to=2".to_owned(),
            None,
        ),
        ("GET", "/api/v1/passes/{id}/trail") => (
            format!("/api/v1/passes/{}/trail", pass_in(app, target, n).await.0),
            None,
        ),
        ("GET", "/api/v1/users/{id}/trail") => (format!("/api/v1/users/{user}/trail"), None),
        ("POST", "/api/v1/users") => (
            route.path.to_owned(),
            Some(json!({ "phone": world::phone(5000 + n), "name": "新用户", "org_id": org })),
        ),
        ("POST", "/api/v1/users/{id}/roles") => (
            format!("/api/v1/users/{user}/roles"),
            Some(json!({ "role": "reviewer", "org_id": org })),
        ),
        ("GET", "/api/v1/users/{id}/id-number") => {
            (format!("/api/v1/users/{user}/id-number"), None)
        }
        ("GET", "/api/v1/pass-types") => (
            format!("/api/v1/pass-types?authority={}", authority_of(&target.org)),
            None,
        ),
        ("GET" | "DELETE", "/api/v1/pass-types/{id}") => (
            format!(
                "/api/v1/pass-types/{}",
                pass_type_in(app, &target.org, n).await
            ),
            None,
        ),
        ("POST", "/api/v1/pass-types/{id}/form-check") => (
            format!(
                "/api/v1/pass-types/{}/form-check",
                pass_type_in(app, &target.org, n).await
            ),
            Some(json!({ "values": { "plate": "蒙K12345" } })),
        ),
        ("POST", "/api/v1/pass-types") => {
            let seed = epass::domain::seed_pass_types::standard_pass_types().remove(1);
            (
                route.path.to_owned(),
                Some(json!({
                    "authority_id": authority_of(&target.org), "code": format!("matrix_{n}"),
                    "kind": "freight", "name_zh": seed.name_zh, "name_en": seed.name_en,
                    "definition": seed.definition,
                })),
            )
        }
        ("PUT", "/api/v1/pass-types/{id}") => {
            let seed = epass::domain::seed_pass_types::standard_pass_types().remove(0);
            (
                format!(
                    "/api/v1/pass-types/{}",
                    pass_type_in(app, &target.org, n).await
                ),
                Some(json!({
                    "version": 1, "name_zh": "改名", "name_en": "Renamed",
                    "definition": seed.definition,
                })),
            )
        }
        ("GET", "/api/v1/statistics") => (
            format!(
                "/api/v1/statistics?authority={}&by=org",
                authority_of(&target.org)
            ),
            None,
        ),
        ("GET", "/api/v1/holidays") => (
            format!("/api/v1/holidays?authority={}", authority_of(&target.org)),
            None,
        ),
        ("PUT", "/api/v1/holidays/{date}") => (
            "/api/v1/holidays/2026-12-31".to_owned(),
            Some(
                json!({ "authority_id": authority_of(&target.org), "kind": "holiday", "name": "测试" }),
            ),
        ),
        ("DELETE", "/api/v1/holidays/{date}") => (
            format!(
                "/api/v1/holidays/2026-10-01?authority={}",
                authority_of(&target.org)
            ),
            None,
        ),
        ("POST", "/api/v1/zones") => (
            format!("/api/v1/zones?authority={}", authority_of(&target.org)),
            Some(zone_feature()),
        ),
        ("PUT", "/api/v1/zones/{id}") => (
            format!("/api/v1/zones/{}", zone_in(app, &target.org).await),
            Some(zone_feature()),
        ),
        ("DELETE", "/api/v1/zones/{id}") => (
            format!("/api/v1/zones/{}", zone_in(app, &target.org).await),
            None,
        ),
        ("POST", "/api/v1/zones/import") => (
            format!(
                "/api/v1/zones/import?authority={}",
                authority_of(&target.org)
            ),
            Some(json!({ "type": "FeatureCollection", "features": [zone_feature()] })),
        ),
        ("POST", "/api/v1/truck-restrictions") => {
            let doc = epass::demo_trucks::document();
            (
                route.path.to_owned(),
                Some(json!({ "city": authority_of(&target.org).to_string(),
                    "areas": doc["areas"], "rules": doc["rules"] })),
            )
        }
        ("GET", "/api/v1/truck-restrictions/versions") => (
            format!(
                "/api/v1/truck-restrictions/versions?city={}",
                authority_of(&target.org)
            ),
            None,
        ),
        ("GET", "/api/v1/checkpoints") => {
            checkpoint_in(app, &target.org).await;
            (route.path.to_owned(), None)
        }
        ("POST", "/api/v1/checkpoints") => (
            route.path.to_owned(),
            Some(json!({ "org_id": org, "name": "新卡口", "longitude": 110.0, "latitude": 40.4 })),
        ),
        ("DELETE", "/api/v1/checkpoints/{id}") => (
            format!(
                "/api/v1/checkpoints/{}",
                checkpoint_in(app, &target.org).await
            ),
            None,
        ),
        (_, path) if path.starts_with("/config/") => {
            return config_call(app, route, session, target, n).await;
        }
        ("GET", "/api/v1/applications/{id}") => (
            format!(
                "/api/v1/applications/{}",
                application_in(app, target, n).await
            ),
            None,
        ),
        ("POST", "/api/v1/applications/{id}/decisions") => (
            format!(
                "/api/v1/applications/{}/decisions",
                application_in(app, target, n).await
            ),
            Some(json!({ "action": "approve", "version": 1 })),
        ),
        ("POST" | "GET", "/api/v1/applications/{id}/documents") => (
            format!(
                "/api/v1/applications/{}/documents?kind=id_card",
                application_in(app, target, n).await
            ),
            None,
        ),
        ("GET", "/api/v1/documents/{id}") => (
            format!("/api/v1/documents/{}", document_in(app, target, n).await),
            None,
        ),
        ("GET", "/api/v1/applications/{id}/id-card/{side}") => (
            format!(
                "/api/v1/applications/{}/id-card/front",
                id_card_in(app, target, n).await
            ),
            None,
        ),
        ("GET", "/api/v1/passes/{id}") => (
            format!("/api/v1/passes/{}", pass_in(app, target, n).await.0),
            None,
        ),
        ("GET", "/api/v1/passes/{id}/qr") => (
            format!("/api/v1/passes/{}/qr", pass_in(app, target, n).await.0),
            None,
        ),
        ("GET", "/api/v1/passes/{id}/pdf") => (
            format!(
                "/api/v1/passes/{}/pdf?size=card",
                pass_in(app, target, n).await.0
            ),
            None,
        ),
        ("POST", "/api/v1/passes/{id}/status") => (
            format!("/api/v1/passes/{}/status", pass_in(app, target, n).await.0),
            Some(json!({ "action": "suspend", "reason": "测试" })),
        ),
        ("POST", "/api/v1/passes/{id}/extend") => (
            format!("/api/v1/passes/{}/extend", pass_in(app, target, n).await.0),
            Some(json!({ "days": 1, "reason": "测试" })),
        ),
        ("POST", "/api/v1/passes/extend") => (
            route.path.to_owned(),
            Some(
                json!({ "pass_type_id": pass_type_in(app, &target.org, n).await,
                         "expiring_before": 0, "days": 1, "reason": "测试" }),
            ),
        ),
        ("POST", "/api/v1/checks") => (
            route.path.to_owned(),
            Some(json!({ "pass_number": pass_in(app, target, n).await.1 })),
        ),
        ("POST", "/api/v1/verify") => {
            let pass = pass_in(app, target, n).await.0;
            let pass = epass::store::passes::get(app.db().pool(), pass)
                .await
                .unwrap();
            (
                route.path.to_owned(),
                Some(json!({ "text": pass.credential })),
            )
        }
        ("POST", "/api/v1/checks/batch") => (
            route.path.to_owned(),
            Some(
                json!({ "checks": [{ "pass_number": pass_in(app, target, n).await.1,
                                      "client_ref": format!("device-{n}"),
                                      "checked_at": epass::store::now_ms() }] }),
            ),
        ),
        ("POST", "/api/v1/applications/bulk") => {
            return bulk_call(app, session, target, n).await;
        }
        ("POST", "/api/v1/pass-requests") => {
            let (from, to) = form_days();
            (
                route.path.to_owned(),
                Some(
                    json!({ "pass_type_id": pass_type_in(app, &target.org, n).await,
                             "org_id": org, "places": 2, "purpose": "测试",
                             "valid_from": from, "valid_to": to }),
                ),
            )
        }
        ("GET", "/api/v1/pass-requests") => {
            request_in(app, target, n, false).await;
            (route.path.to_owned(), None)
        }
        ("GET", "/api/v1/pass-requests/{id}") => (
            format!(
                "/api/v1/pass-requests/{}",
                request_in(app, target, n, false).await.0
            ),
            None,
        ),
        ("POST", "/api/v1/pass-requests/{id}/decision") => (
            format!(
                "/api/v1/pass-requests/{}/decision",
                request_in(app, target, n, false).await.0
            ),
            Some(json!({ "action": "approve" })),
        ),
        ("POST", "/api/v1/pass-requests/{id}/close") => (
            format!(
                "/api/v1/pass-requests/{}/close",
                request_in(app, target, n, true).await.0
            ),
            Some(json!({})),
        ),
        ("GET", "/api/v1/pass-requests/{id}/qr") => (
            format!(
                "/api/v1/pass-requests/{}/qr",
                request_in(app, target, n, true).await.0
            ),
            None,
        ),
        ("GET", "/api/v1/invitations/{code}") => (
            format!(
                "/api/v1/invitations/{}",
                request_in(app, target, n, true).await.1
            ),
            None,
        ),
        ("POST", "/api/v1/licences/counter") => (
            route.path.to_owned(),
            Some(json!({
                "pass_type_id": licence_type_in(app, &target.org, n).await,
                "id_number": ID_NUMBERS[n % ID_NUMBERS.len()], "phone": "13900000777",
                "photo": "registry",
            })),
        ),
        ("PUT", "/api/v1/licences/registry-photos/{number}") => (
            "/api/v1/licences/registry-photos/150621000001".to_owned(),
            None,
        ),
        (_, path) => (path.to_owned(), None),
    };
    let reply = app
        .request(route.method, &path, Auth::Session(session), body)
        .await;
    (reply.status, reply.body)
}
